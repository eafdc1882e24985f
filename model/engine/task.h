// One exchange, from one side (strongSwan's task model, src/libcharon/sa/task.h): the
// initiator builds a request and processes the response; the responder processes a request
// and builds the response. The task manager (task-manager.h) owns message IDs, the window,
// retransmission and the response cache; tasks only deal with payloads.
#ifndef IKEV2_TASK_H
#define IKEV2_TASK_H

#include "ike-message.h"

#include <vector>

namespace ikev2
{

class EngineContext;
class IkeSa;

enum class TaskResult : uint8_t
{
    Done,      ///< exchange complete
    Retry,     ///< initiator: send a new request in the same exchange (IKE_SA_INIT retries)
    Failed,    ///< the IKE SA cannot continue: delete it (after sending the response)
    DeleteSa,  ///< responder: the exchange deleted the IKE SA (after sending the response)
    Ignore,    ///< responder: not a valid request, no response at all
};

class Task
{
  public:
    explicit Task(bool initiator)
        : m_initiator(initiator)
    {
    }
    virtual ~Task() = default;

    virtual ExchangeType Exchange() const = 0;
    virtual const char* Name() const = 0;
    bool IsInitiator() const { return m_initiator; }

    /// Initiator: the request's payloads (outer for IKE_SA_INIT, inner otherwise). False when
    /// the task has nothing to do any more (it is dropped without sending).
    virtual bool BuildRequest(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
    {
        return false;
    }
    virtual TaskResult ProcessResponse(EngineContext& ctx,
                                       IkeSa& sa,
                                       const IkeHeader& header,
                                       const std::vector<Payload>& in)
    {
        return TaskResult::Failed;
    }

    /// Responder: processes the request and fills the response.
    virtual TaskResult ProcessRequest(EngineContext& ctx,
                                      IkeSa& sa,
                                      const IkeHeader& header,
                                      const std::vector<Payload>& in,
                                      std::vector<Payload>& response)
    {
        return TaskResult::Ignore;
    }

    /// The exchange is abandoned (peer dead, IKE SA deleted): release what it reserved.
    virtual void Abort(EngineContext& ctx, IkeSa& sa) {}

    /// A liveness check counts for RFC 7296 2.4 bookkeeping.
    virtual bool IsLivenessCheck() const { return false; }

  private:
    bool m_initiator;
};

} // namespace ikev2

#endif

// The exchange machinery of one IKE SA (RFC 7296 2.1-2.3; strongSwan's task_manager_v2.c):
// message IDs per direction, window 1, the queue of exchanges we want to initiate, the request
// in flight with its sealed bytes for bitwise-identical retransmission on the profile's
// exponential schedule, giving up (the peer is dead), and the responder's cached last response
// for retransmitted requests.
#ifndef IKEV2_TASK_MANAGER_H
#define IKEV2_TASK_MANAGER_H

#include "engine-config.h"
#include "task.h"

#include <deque>
#include <memory>

namespace ikev2
{

class TaskManager
{
  public:
    /// Queues an exchange to initiate (it starts when the window is free; call Initiate()).
    void Queue(std::unique_ptr<Task> task);
    /// Puts an exchange at the head of the queue (a Delete of an SA being replaced).
    void QueueFirst(std::unique_ptr<Task> task);
    /// Starts the next queued exchange if nothing is in flight.
    void Initiate(EngineContext& ctx, IkeSa& sa);

    /// A request from the peer (already opened for protected exchanges). @p raw is the
    /// message as received (without a non-ESP marker), compared with the cached request to
    /// recognize a retransmission. Sends the response.
    void OnRequest(EngineContext& ctx,
                   IkeSa& sa,
                   const IkeHeader& header,
                   const std::vector<Payload>& payloads,
                   const Bytes& raw);
    /// True (and the cached response is sent again) when @p header/raw is a retransmission of
    /// the last request we answered. Checked before any decryption.
    bool ResendCachedResponse(EngineContext& ctx,
                              IkeSa& sa,
                              const IkeHeader& header,
                              const Bytes& raw);
    /// Is this a request we expect (its message ID is the next one)?
    bool ExpectsRequest(const IkeHeader& header) const;
    /// Is this the response to our request in flight?
    bool ExpectsResponse(const IkeHeader& header) const;
    void OnResponse(EngineContext& ctx,
                    IkeSa& sa,
                    const IkeHeader& header,
                    const std::vector<Payload>& payloads);

    Time NextDeadline() const;
    /// Retransmits or gives up, when due.
    void OnTimer(EngineContext& ctx, IkeSa& sa);

    /// Sends the request in flight again now, outside the schedule (which, like the give-up
    /// time, is unchanged). False when no request is in flight.
    bool ResendNow(EngineContext& ctx, IkeSa& sa, const char* why);

    /// Abandons every exchange (the SA is going away).
    void AbortAll(EngineContext& ctx, IkeSa& sa);

    /// Hands over the queued exchanges (IKE rekey: they continue on the new SA).
    std::deque<std::unique_ptr<Task>> TakeQueued();
    bool Busy() const { return m_active != nullptr || m_processing; }
    Task* Active() const { return m_active.get(); }
    const std::deque<std::unique_ptr<Task>>& Queued() const { return m_queue; }
    bool HasQueued(ExchangeType exchange) const;
    bool LivenessCheckPending() const;
    uint32_t NextSendId() const { return m_nextSendId; }
    uint32_t NextExpectId() const { return m_nextExpectId; }
    /// Time the request in flight was first sent (kNever when idle).
    Time RequestFirstSent() const { return m_active ? m_firstSent : kNever; }
    /// Round trip of the last exchange answered without retransmission (0 before any).
    Time MeasuredRtt() const { return m_rtt; }
    size_t StateBytes() const;

  private:
    void SendRequest(EngineContext& ctx, IkeSa& sa);
    void Finish(EngineContext& ctx, IkeSa& sa, TaskResult result);

    std::deque<std::unique_ptr<Task>> m_queue;
    std::unique_ptr<Task> m_active;
    bool m_processing{false}; ///< a response is being processed (no new request meanwhile)
    uint32_t m_nextSendId{0};
    uint32_t m_nextExpectId{0};

    // The request in flight.
    Bytes m_request;
    Time m_firstSent{0};
    Time m_nextRetransmit{kNever};
    Time m_giveUpAt{kNever};
    uint32_t m_retransmits{0};
    Time m_rtt{0};

    // The responder's cache: the last request answered and our answer.
    bool m_haveCached{false};
    uint32_t m_cachedId{0};
    Bytes m_cachedRequest;
    Bytes m_cachedResponse;
    Time m_cachedAt{0};
};

} // namespace ikev2

#endif

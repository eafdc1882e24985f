// INFORMATIONAL exchanges (RFC 7296 1.4, 2.4): Delete of the IKE SA or of Child SAs, the
// empty liveness check, and notifies (a recovery policy's, or a protected INVALID_SPI).
#ifndef IKEV2_INFORMATIONAL_TASK_H
#define IKEV2_INFORMATIONAL_TASK_H

#include "task.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace ikev2
{

class InformationalTask : public Task
{
  public:
    enum class Kind : uint8_t
    {
        Liveness,
        DeleteIke,
        DeleteChild,
        Notify,
        Responder,
    };

    static std::unique_ptr<InformationalTask> Liveness();
    static std::unique_ptr<InformationalTask> DeleteIke();
    /// Deletes the Child SAs with these inbound SPIs.
    static std::unique_ptr<InformationalTask> DeleteChild(std::vector<uint32_t> spisIn);
    static std::unique_ptr<InformationalTask> Notify(std::vector<Payload> payloads);
    static std::unique_ptr<InformationalTask> Responder();

    ExchangeType Exchange() const override { return ExchangeType::Informational; }
    const char* Name() const override;
    Kind GetKind() const { return m_kind; }
    bool IsLivenessCheck() const override { return m_kind == Kind::Liveness; }

    bool BuildRequest(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out) override;
    TaskResult ProcessResponse(EngineContext& ctx,
                               IkeSa& sa,
                               const IkeHeader& header,
                               const std::vector<Payload>& in) override;
    TaskResult ProcessRequest(EngineContext& ctx,
                              IkeSa& sa,
                              const IkeHeader& header,
                              const std::vector<Payload>& in,
                              std::vector<Payload>& response) override;

  private:
    InformationalTask(bool initiator, Kind kind);
    Kind m_kind;
    std::vector<uint32_t> m_spis;
    std::vector<Payload> m_payloads;
};

} // namespace ikev2

#endif

// CREATE_CHILD_SA for a Child SA (RFC 7296 1.3.1, 1.3.3, 2.8, 2.17): a new Child SA, or the
// rekey of one (REKEY_SA, optional PFS with a fresh KE). The rekey initiator deletes the old
// SA; simultaneous rekeys of the same SA are resolved by the lowest of the four nonces
// (2.8.1): its creator deletes the redundant SA and the other side deletes the old one.
#ifndef IKEV2_CHILD_CREATE_TASK_H
#define IKEV2_CHILD_CREATE_TASK_H

#include "dh.h"
#include "engine-config.h"
#include "task.h"

#include <memory>

namespace ikev2
{

class ChildCreateTask : public Task
{
  public:
    /// After TEMPORARY_FAILURE a rekey is tried again this much later.
    static constexpr Time kRetryDelay = std::chrono::seconds(10);

    /// Initiator of a new Child SA with the connection's selectors.
    static std::unique_ptr<ChildCreateTask> Create();
    /// Initiator of the rekey of the Child SA with inbound SPI @p spiIn.
    static std::unique_ptr<ChildCreateTask> Rekey(uint32_t spiIn);
    /// Responder.
    explicit ChildCreateTask(bool initiator);

    ExchangeType Exchange() const override { return ExchangeType::CreateChildSa; }
    const char* Name() const override { return m_rekeySpi ? "child-rekey" : "child-create"; }

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
    void Abort(EngineContext& ctx, IkeSa& sa) override;

  private:
    void Failed(EngineContext& ctx, IkeSa& sa, const std::string& detail, bool temporary);

    uint32_t m_rekeySpi{0}; ///< inbound SPI of the Child SA we rekey (0: new Child SA)
    uint32_t m_spi{0};      ///< our inbound SPI for the new Child SA
    Bytes m_nonce;
    std::unique_ptr<DhKeyPair> m_dh;
};

} // namespace ikev2

#endif

// CREATE_CHILD_SA rekeying the IKE SA (RFC 7296 1.3.2, 2.8, 2.18): new SPIs, nonces and KE;
// SKEYSEED' from the old SK_d; the Child SAs move to the new IKE SA, whose message IDs start
// at 0 and whose rekey initiator becomes the original initiator; the rekey initiator deletes
// the old SA. Simultaneous rekeys: the new SA created with the lowest nonce is deleted by its
// creator and the children go to the other one (2.8.2).
#ifndef IKEV2_IKE_REKEY_TASK_H
#define IKEV2_IKE_REKEY_TASK_H

#include "dh.h"
#include "engine-config.h"
#include "task.h"

#include <memory>

namespace ikev2
{

class IkeRekeyTask : public Task
{
  public:
    static constexpr Time kRetryDelay = std::chrono::seconds(10);

    explicit IkeRekeyTask(bool initiator);
    ExchangeType Exchange() const override { return ExchangeType::CreateChildSa; }
    const char* Name() const override { return "ike-rekey"; }

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
    void Failed(EngineContext& ctx, IkeSa& sa, const std::string& detail, bool temporary);

    uint64_t m_spi{0};
    Bytes m_nonce;
    std::unique_ptr<DhKeyPair> m_dh;
};

/// Moves the Child SAs and queued exchanges of @p oldSa to @p newSa and reports the rekey
/// (event, policy). @p oldSa then waits for its Delete.
void CompleteIkeRekey(EngineContext& ctx, IkeSa& oldSa, IkeSa& newSa, bool weInitiated);

} // namespace ikev2

#endif

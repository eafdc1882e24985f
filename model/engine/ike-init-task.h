// IKE_SA_INIT (RFC 7296 1.2, 2.6, 2.7, 2.23): proposals, Diffie-Hellman, nonces and NAT
// detection; the initiator retries with a COOKIE or with the DH group asked for by
// INVALID_KE_PAYLOAD; the responder answers NO_PROPOSAL_CHOSEN or INVALID_KE_PAYLOAD without
// keeping state. On success both sides derive the IKE SA keys.
#ifndef IKEV2_IKE_INIT_TASK_H
#define IKEV2_IKE_INIT_TASK_H

#include "dh.h"
#include "engine-config.h"
#include "task.h"

#include <memory>

namespace ikev2
{

class IkeInitTask : public Task
{
  public:
    /// Retries allowed for each reason before the initiator gives up.
    static constexpr uint32_t kMaxCookieRetries = 3;
    static constexpr uint32_t kMaxKeRetries = 2;

    explicit IkeInitTask(bool initiator);
    ExchangeType Exchange() const override { return ExchangeType::IkeSaInit; }
    const char* Name() const override { return "ike-sa-init"; }

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
    uint16_t m_group{0};
    std::unique_ptr<DhKeyPair> m_dh;
    Bytes m_cookie;
    uint32_t m_cookieRetries{0};
    uint32_t m_keRetries{0};
};

/// Our IKE proposals, numbered from 1 (validated at construction).
std::vector<Proposal> OurIkeProposals(const PeerConfig& peer);

} // namespace ikev2

#endif

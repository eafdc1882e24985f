// IKE_AUTH (RFC 7296 1.2, 2.15, 2.9): identities and AUTH (PSK or signatures),
// INITIAL_CONTACT, the recovery policy's notifies, and the first Child SA with traffic-selector
// narrowing. A failed authentication installs nothing; a failed Child SA negotiation leaves
// the IKE SA up without it.
#ifndef IKEV2_IKE_AUTH_TASK_H
#define IKEV2_IKE_AUTH_TASK_H

#include "task.h"

namespace ikev2
{

class IkeAuthTask : public Task
{
  public:
    explicit IkeAuthTask(bool initiator);
    ExchangeType Exchange() const override { return ExchangeType::IkeAuth; }
    const char* Name() const override { return "ike-auth"; }

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
    void InstallInitiatorChild(EngineContext& ctx, IkeSa& sa, const IkeMessage& m);

    uint32_t m_spi{0}; ///< our inbound SPI for the first Child SA
};

} // namespace ikev2

#endif

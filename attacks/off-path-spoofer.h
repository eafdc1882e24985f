// Off-path blind spoofer: knows the two gateways' addresses and nothing else. It never sees a
// packet of the tunnel, so every SPI, message ID, QCD token and SIR cookie it sends is a guess
// (uniform random: 2^-32 per child SPI, 2^-128 per IKE SPI pair). It can also make Bob answer
// into Alice: ESP with unknown SPIs sent to Bob with Alice's address as source ("flood") makes
// Bob send (rate-limited) unprotected INVALID_SPI notifies that are real, but for SPIs Alice does
// not own. Replay is impossible from here and is skipped if asked for.
#ifndef IKEV2_ATTACKS_OFF_PATH_SPOOFER_H
#define IKEV2_ATTACKS_OFF_PATH_SPOOFER_H

#include "attacker-application.h"

namespace ns3
{

/**
 * \ingroup ikev2
 * Off-path blind spoofer (doc/mitm.md).
 */
class OffPathSpoofer : public AttackerApplication
{
  public:
    static TypeId GetTypeId();
    /// The default mix: invalid-spi, invalid-ike-spi, qcd-token, check-spi-nack, flood.
    static std::vector<attacks::ForgeryKind> DefaultKinds();

  protected:
    void Tick() override;
};

} // namespace ns3

#endif

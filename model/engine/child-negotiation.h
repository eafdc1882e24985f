// The Child SA part shared by IKE_AUTH and CREATE_CHILD_SA (RFC 7296 1.3, 2.7, 2.9, 2.17):
// our ESP proposals, the responder's choice, traffic-selector narrowing, and turning an
// agreement into ChildSaParams with keys.
#ifndef IKEV2_CHILD_NEGOTIATION_H
#define IKEV2_CHILD_NEGOTIATION_H

#include "child-sa.h"
#include "crypto-suite.h"
#include "engine-config.h"
#include "ike-message.h"
#include "traffic-selector.h"

#include <optional>
#include <vector>

namespace ikev2
{

class EngineContext;
class IkeSa;

/// Our ESP proposals with @p spi. @p dhGroup 0 strips every DH transform (IKE_AUTH, no PFS);
/// otherwise proposals without a DH transform get @p dhGroup (PFS with the IKE SA's group).
std::vector<Proposal> OurEspProposals(const PeerConfig& peer, uint32_t spi, uint16_t dhGroup);
/// Removes DH transforms (the responder's view of an IKE_AUTH Child SA offer).
std::vector<Proposal> WithoutDh(std::vector<Proposal> proposals);

/// A 4-octet SPI field as a number (0 when the field is not 4 octets).
uint32_t SpiFromBytes(const Bytes& spi);
Bytes SpiToBytes(uint32_t spi);

/// What the responder agreed to.
struct ChildAgreement
{
    EspSuite suite;
    uint8_t proposalNumber{1};
    uint32_t peerSpi{0};
    SelectorList tsi; ///< narrowed, as sent back in TSi
    SelectorList tsr;
};

/// Responder: chooses an ESP suite among @p offered (the SA payload) and narrows TSi/TSr to
/// the connection's selectors. Sets @p error to NO_PROPOSAL_CHOSEN or TS_UNACCEPTABLE.
std::optional<ChildAgreement> RespondChild(const PeerConfig& peer,
                                           const SaPayload& offered,
                                           const TsPayload& tsi,
                                           const TsPayload& tsr,
                                           bool allowDh,
                                           uint16_t& error);

/// Parameters of a Child SA from its agreed suite, SPIs, selectors and keys. For the
/// initiator of the exchange, TSi are local; for the responder, remote.
ChildSaParams MakeChildParams(EngineContext& ctx,
                              const IkeSa& sa,
                              bool weInitiated,
                              const EspSuite& suite,
                              uint32_t spiIn,
                              uint32_t spiOut,
                              const SelectorList& tsi,
                              const SelectorList& tsr,
                              const Bytes* pfsSecret,
                              const Bytes& ni,
                              const Bytes& nr);

/// The lowest of the nonces (octet-wise, shorter first on a common prefix).
const Bytes& LowestNonce(const Bytes& a, const Bytes& b);

} // namespace ikev2

#endif

// IKE_AUTH authentication of one side (RFC 7296 2.15, 3.5, 3.8): our identity, the AUTH
// payload we send and the verification of the peer's, with a PSK or a signature key.
#ifndef IKEV2_AUTHENTICATOR_H
#define IKEV2_AUTHENTICATOR_H

#include "engine-types.h"
#include "ike-message.h"

#include <string>

namespace ikev2
{

class EngineContext;
class IkeSa;
struct PeerConfig;

/// ID_RFC822_ADDR when @p id contains '@', ID_FQDN otherwise; an empty @p id gives
/// ID_IPV4_ADDR with @p address.
IdPayload MakeIdentity(const std::string& id, Ipv4Address address);
/// The printable identity (the text of an FQDN / e-mail ID, dotted quad for an address).
std::string IdentityToString(const IdPayload& id);

/// The AUTH payload for our identity @p ownId on @p sa: PSK MAC or signature over our signed
/// octets (the IKE_SA_INIT message we sent, the peer's nonce, prf(SK_p, ID')).
bool BuildAuth(EngineContext& ctx, const IkeSa& sa, const IdPayload& ownId, AuthPayload& out);
/// Verifies the peer's AUTH for its identity @p peerId against the connection's credentials.
bool VerifyAuth(EngineContext& ctx,
                const IkeSa& sa,
                const IdPayload& peerId,
                const AuthPayload& auth);

} // namespace ikev2

#endif

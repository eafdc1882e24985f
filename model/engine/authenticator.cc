#include "authenticator.h"

#include "auth.h"
#include "engine-context.h"
#include "ike-sa.h"

namespace ikev2
{

IdPayload
MakeIdentity(const std::string& id, Ipv4Address address)
{
    IdPayload p;
    if (id.empty())
    {
        p.idType = static_cast<uint8_t>(IdType::Ipv4Addr);
        p.data = address.ToBytes();
    }
    else
    {
        p.idType = static_cast<uint8_t>(id.find('@') != std::string::npos ? IdType::Rfc822Addr
                                                                          : IdType::Fqdn);
        p.data.assign(id.begin(), id.end());
    }
    return p;
}

std::string
IdentityToString(const IdPayload& id)
{
    if (id.idType == static_cast<uint8_t>(IdType::Ipv4Addr) && id.data.size() == 4)
    {
        Ipv4Address a;
        a.value = (uint32_t(id.data[0]) << 24) | (uint32_t(id.data[1]) << 16) |
                  (uint32_t(id.data[2]) << 8) | id.data[3];
        return a.ToString();
    }
    std::string s;
    for (uint8_t c : id.data)
    {
        s.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
    }
    return s;
}

namespace
{

/// Signed octets of the side that is (@p initiatorSide) the IKE SA's initiator of this
/// IKE_SA_INIT: its IKE_SA_INIT message, the other side's nonce, prf(SK_p, ID').
Bytes
SignedOctets(const IkeSa& sa, bool initiatorSide, const IdPayload& id)
{
    Prf prf(sa.suite.prf);
    // The IKE_SA_INIT roles are those of the exchange that created the SA, which the
    // original-initiator flag records for an SA fresh out of IKE_SA_INIT.
    const Bytes& message = initiatorSide ? sa.initRequest : sa.initResponse;
    const Bytes& nonce = initiatorSide ? sa.nonceR : sa.nonceI;
    const Bytes& skP = initiatorSide ? sa.keys.skPi : sa.keys.skPr;
    return BuildSignedOctets(message, nonce, prf, skP, IdPayloadBody(id.idType, id.data));
}

} // namespace

bool
BuildAuth(EngineContext& ctx, const IkeSa& sa, const IdPayload& ownId, AuthPayload& out)
{
    const PeerConfig& peer = sa.Peer();
    Bytes octets = SignedOctets(sa, sa.originalInitiator, ownId);
    if (peer.auth == AuthKind::Psk)
    {
        out.method = static_cast<uint8_t>(AuthMethod::SharedKeyMic);
        out.data = ComputePskAuth(Prf(sa.suite.prf), peer.psk, octets);
        return !out.data.empty();
    }
    const PrivateKey* key = ctx.LocalPrivateKey(sa.PeerIndex());
    if (!key)
    {
        return false;
    }
    out.method = static_cast<uint8_t>(key->Method());
    return key->Sign(octets, out.data);
}

bool
VerifyAuth(EngineContext& ctx,
           const IkeSa& sa,
           const IdPayload& peerId,
           const AuthPayload& auth)
{
    const PeerConfig& peer = sa.Peer();
    Bytes octets = SignedOctets(sa, !sa.originalInitiator, peerId);
    if (peer.auth == AuthKind::Psk)
    {
        if (auth.method != static_cast<uint8_t>(AuthMethod::SharedKeyMic))
        {
            return false;
        }
        Bytes expected = ComputePskAuth(Prf(sa.suite.prf), peer.psk, octets);
        return !expected.empty() && ConstantTimeEqual(expected, auth.data);
    }
    const PublicKey* key = ctx.PeerPublicKey(sa.PeerIndex());
    return key && key->Verify(auth.method, octets, auth.data);
}

} // namespace ikev2

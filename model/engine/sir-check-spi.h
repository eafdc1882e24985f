// SIR (draft-detienne-ikev2-recovery-03): the CHECK_SPI notify codec, the stateless cookie of
// section 3.2.4 and the "SECURE IKE RECOVERY" Vendor ID. Building blocks for the SIR policy;
// doc/sir.md records each decision the draft leaves open.
//
// CHECK_SPI is notify type 32770 (private use, a status type: peers without SIR ignore it):
//   Protocol ID | SPI Size | 32770 | SPI | Subtype(1) | CookieSize(1) | RESERVED(2) | Cookie
// - the IKE SA of the message: Protocol ID 0, SPI size 0; the SA is the one named by the IKE
//   header's SPIs, which the draft already sets to (A,B) on every IKE-path message (RFC 7296
//   3.10: a notify about the IKE SA has SPI size 0). Protocol ID 1 with SPI size 0 is accepted
//   on receipt and read as this form.
// - another IKE SA, named explicitly: Protocol ID 1, SPI size 16 = SPIi(8) | SPIr(8), both
//   nonzero. Only where the header cannot name the dangling SA: the NACK that a mandatory
//   initiator (draft 3.5) or the collapsed variant (draft 9) puts into IKE_SA_INIT(A',0).
// - a Child SA: Protocol ID 3 (ESP), SPI size 4, the SPI as the peer would send it.
#ifndef IKEV2_SIR_CHECK_SPI_H
#define IKEV2_SIR_CHECK_SPI_H

#include "aead.h"
#include "bytes.h"
#include "engine-types.h"
#include "ike-message.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace ikev2
{

class Drbg;

enum class CheckSpiSubtype : uint8_t
{
    Query = 0, ///< "do you have this SA?", carries the asker's cookie (Cookie_Y)
    Ack = 1,   ///< "I have it", echoes Cookie_Y
    Nack = 2,  ///< "I don't", echoes Cookie_Y
    /// The draft's "Lone_Cookie" (value chosen here): a CHECK_SPI with no SPI carrying only the
    /// responder's anti-DoS cookie Cookie_X, next to a NACK and echoed in the IKE_SA_INIT that
    /// re-creates the SA, in place of the RFC 7296 2.6 COOKIE round trip.
    LoneCookie = 3,
};
const char* CheckSpiSubtypeName(CheckSpiSubtype s);

/// Cookies in CHECK_SPI: at most 64 octets, like the RFC 7296 2.6 COOKIE.
constexpr size_t kCheckSpiMaxCookie = 64;
/// Octets before the cookie in the notification data.
constexpr size_t kCheckSpiFixedData = 4;

struct CheckSpi
{
    CheckSpiSubtype subtype{CheckSpiSubtype::Query};
    /// 0: the IKE SA of the header (spi empty); 1: an IKE SA named in spi (16 octets,
    /// SPIi | SPIr); 3: an ESP Child SA (spi 4 octets).
    uint8_t protocolId{0};
    Bytes spi;
    /// Cookie_Y in QUERY/ACK/NACK (may be empty in a protected QUERY), Cookie_X in LoneCookie.
    Bytes cookie;

    /// Either IKE form (of the header, or named explicitly).
    bool IsIkeSa() const { return protocolId <= static_cast<uint8_t>(ProtocolId::Ike); }
    bool IsExplicitIkeSa() const { return protocolId == static_cast<uint8_t>(ProtocolId::Ike); }
    bool operator==(const CheckSpi& o) const
    {
        return subtype == o.subtype && protocolId == o.protocolId && spi == o.spi &&
               cookie == o.cookie;
    }
};

/// Helpers for the two SA forms.
CheckSpi MakeIkeCheckSpi(CheckSpiSubtype subtype, Bytes cookie = {});
CheckSpi MakeExplicitIkeCheckSpi(CheckSpiSubtype subtype,
                                 uint64_t spiI,
                                 uint64_t spiR,
                                 Bytes cookie = {});
CheckSpi MakeChildCheckSpi(CheckSpiSubtype subtype, uint32_t espSpi, Bytes cookie = {});
CheckSpi MakeLoneCookie(Bytes cookieX);
/// The ESP SPI of a Child form (0 otherwise).
uint32_t CheckSpiEspSpi(const CheckSpi& c);
/// The IKE SA @p c is about: the explicit pair, else @p headerSpiI / @p headerSpiR for the
/// header form. False for a Child form.
bool CheckSpiIkeSpis(const CheckSpi& c,
                     uint64_t headerSpiI,
                     uint64_t headerSpiR,
                     uint64_t& spiI,
                     uint64_t& spiR);

/// The notify for @p c, as given (use the Make* helpers for valid forms; this does not check).
NotifyPayload EncodeCheckSpi(const CheckSpi& c);
/// Parses and validates: type 32770; Protocol ID 0 or 1 with SPI size 0 (IKE SA of the header,
/// stored as 0), Protocol ID 1 with SPI size 16 and both SPIs nonzero, or Protocol ID 3 with a
/// nonzero 4-octet SPI; data at least 4 octets; a known subtype;
/// CookieSize equal to the octets that follow and at most 64; a LoneCookie with no SPI and a
/// nonempty cookie. RESERVED is ignored (RFC 7296 convention). False with @p error set, and
/// @p out untouched, otherwise.
bool DecodeCheckSpi(const NotifyPayload& n, CheckSpi& out, std::string& error);

/// The stateless cookies of SIR section 3.2.4, with one rotating secret:
///   cookie = VersionIDofSecret(1) | first 16 octets of HMAC-SHA-256(secret, input)
/// where input (all integers big-endian) is
///   Cookie_Y (Make/Verify):  0x01 | ProtocolId(1) | SpiSize(1) | SPI | IKE SPIi(8) |
///                            IKE SPIr(8) | ip.src(4) | ip.dst(4) | udp.src(2) | udp.dst(2)
///   Cookie_X (MakeLone/VerifyLone): 0x02 | ip.src(4) | ip.dst(4) | udp.src(2) | udp.dst(2)
/// The subtype and the cookie itself are excluded so that the ACK/NACK echo verifies; the IKE
/// SPIs of the header are included because the IKE form's notify has no SPI. An explicit IKE
/// form is MACed as the header form with its own pair in place of the header's (the @p ikeSpiI
/// and @p ikeSpiR arguments are then ignored), so that a NACK naming (A,B) inside
/// IKE_SA_INIT(A',0) verifies the cookie of a QUERY sent under HDR(A,B). src/dst are those
/// of the message that carried the cookie out: ours (@p local) and the peer's (@p remote), so
/// the same (local, remote) pair is passed to Make and to Verify.
///
/// Lifetime: the secret becomes "previous" at the first Make at or after lifetime since it was
/// made (or at Rotate()); a previous secret is accepted for one more lifetime. Every cookie is
/// thus accepted for at least one lifetime and at most two. State is two secrets, whatever the
/// number of peers.
class SirCookieJar
{
  public:
    static constexpr size_t kMacLength = 16;
    static constexpr size_t kCookieLength = 1 + kMacLength;
    static constexpr size_t kSecretLength = 32;

    /// Draws the first secret from @p drbg (kept for later rotations; must outlive this).
    SirCookieJar(Drbg& drbg, Time lifetime);

    /// Makes a new secret now; the current one becomes the previous one.
    void Rotate(Time now);
    /// Cookie_Y for @p query sent from @p local to @p remote under IKE header SPIs
    /// (@p ikeSpiI, @p ikeSpiR).
    Bytes Make(const CheckSpi& query,
               uint64_t ikeSpiI,
               uint64_t ikeSpiR,
               const SocketAddress& local,
               const SocketAddress& remote,
               Time now);
    /// True when @p cookie is one Make() returned for the same SA form, SPIs and addresses and
    /// its secret is still accepted at @p now. Constant-time in the MAC comparison.
    bool Verify(const Bytes& cookie,
                const CheckSpi& queryEchoed,
                uint64_t ikeSpiI,
                uint64_t ikeSpiR,
                const SocketAddress& local,
                const SocketAddress& remote,
                Time now) const;
    /// Cookie_X (Lone_Cookie) for a peer at @p remote talking to us at @p local.
    Bytes MakeLone(const SocketAddress& local, const SocketAddress& remote, Time now);
    bool VerifyLone(const Bytes& cookie,
                    const SocketAddress& local,
                    const SocketAddress& remote,
                    Time now) const;

    Time Lifetime() const { return m_lifetime; }
    /// Octets of state: two secrets, their version octets and times. Independent of peers.
    size_t StateBytes() const;

  private:
    struct Secret
    {
        Bytes key;
        uint8_t version{0};
        Time since{0};   ///< when it became current
        Time retired{0}; ///< when it stopped being current (previous only)
        Hmac mac{"sha256"};
    };
    void MaybeRotate(Time now);
    Bytes Finish(Secret& s, const Bytes& input) const;
    bool Check(const Bytes& cookie, const Bytes& input, Time now) const;

    Drbg& m_drbg;
    Time m_lifetime;
    mutable Secret m_current;
    mutable Secret m_previous;
    bool m_started{false};  ///< m_current.since is set by the first Make/Rotate
    bool m_hasPrevious{false};
};

/// Vendor ID payload data announcing SIR (draft section 5): the 19 ASCII octets
/// "SECURE IKE RECOVERY", not a hash of them (doc/sir.md).
Bytes SirVendorId();
bool IsSirVendorId(const Bytes& vendorIdData);

} // namespace ikev2

#endif

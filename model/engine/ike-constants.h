// Numbers from RFC 7296 section 3 and the IANA IKEv2 registries, plus RFC 6290 (QCD),
// RFC 6311 and the private-use CHECK_SPI of draft-detienne-ikev2-recovery-03.
#ifndef IKEV2_IKE_CONSTANTS_H
#define IKEV2_IKE_CONSTANTS_H

#include <cstddef>
#include <cstdint>

namespace ikev2
{

constexpr uint16_t kIkePort = 500;
constexpr uint16_t kNatTPort = 4500;
constexpr uint8_t kIpProtoEsp = 50;
constexpr size_t kIkeHeaderSize = 28;
constexpr size_t kGenericPayloadHeaderSize = 4;

enum class ExchangeType : uint8_t
{
    IkeSaInit = 34,
    IkeAuth = 35,
    CreateChildSa = 36,
    Informational = 37,
    IkeSessionResume = 38,
};

enum class PayloadType : uint8_t
{
    None = 0,
    Sa = 33,
    Ke = 34,
    IdI = 35,
    IdR = 36,
    Cert = 37,
    CertReq = 38,
    Auth = 39,
    Nonce = 40,
    Notify = 41,
    Delete = 42,
    VendorId = 43,
    TsI = 44,
    TsR = 45,
    Sk = 46,
    Cp = 47,
    Eap = 48,
};

/// IKE header flags (RFC 7296 3.1).
constexpr uint8_t kFlagResponse = 0x20;
constexpr uint8_t kFlagVersion = 0x10;
constexpr uint8_t kFlagInitiator = 0x08;

enum class ProtocolId : uint8_t
{
    None = 0,
    Ike = 1,
    Ah = 2,
    Esp = 3,
};

enum class TransformType : uint8_t
{
    Encr = 1,
    Prf = 2,
    Integ = 3,
    Dh = 4,
    Esn = 5,
};

/// Transform IDs used by the engine (IANA "IKEv2 Transform Attribute Types" and friends).
namespace transform
{
constexpr uint16_t kEncrAesCbc = 12;
constexpr uint16_t kEncrAesGcm16 = 20;
constexpr uint16_t kPrfHmacSha256 = 5;
constexpr uint16_t kPrfHmacSha384 = 6;
constexpr uint16_t kPrfHmacSha512 = 7;
constexpr uint16_t kIntegHmacSha256_128 = 12;
constexpr uint16_t kIntegNone = 0;
constexpr uint16_t kDhModp2048 = 14;
constexpr uint16_t kDhEcp256 = 19;
constexpr uint16_t kDhCurve25519 = 31;
constexpr uint16_t kEsnNo = 0;
constexpr uint16_t kEsnYes = 1;
/// Transform attribute type 14 = Key Length (TV format).
constexpr uint16_t kAttrKeyLength = 14;
} // namespace transform

enum class IdType : uint8_t
{
    Ipv4Addr = 1,
    Fqdn = 2,
    Rfc822Addr = 3,
    Ipv6Addr = 5,
    DerAsn1Dn = 9,
    KeyId = 11,
};

enum class AuthMethod : uint8_t
{
    RsaSig = 1,
    SharedKeyMic = 2,
    DssSig = 3,
    EcdsaSha256P256 = 9,
    DigitalSignature = 14,
};

enum class TsType : uint8_t
{
    Ipv4AddrRange = 7,
    Ipv6AddrRange = 8,
};

/// Notify message types (RFC 7296 3.10.1, RFC 6290, RFC 6311, SIR).
namespace notify
{
constexpr uint16_t kUnsupportedCriticalPayload = 1;
constexpr uint16_t kInvalidIkeSpi = 4;
constexpr uint16_t kInvalidMajorVersion = 5;
constexpr uint16_t kInvalidSyntax = 7;
constexpr uint16_t kInvalidMessageId = 9;
constexpr uint16_t kInvalidSpi = 11;
constexpr uint16_t kNoProposalChosen = 14;
constexpr uint16_t kInvalidKePayload = 17;
constexpr uint16_t kAuthenticationFailed = 24;
constexpr uint16_t kSinglePairRequired = 34;
constexpr uint16_t kNoAdditionalSas = 35;
constexpr uint16_t kInternalAddressFailure = 36;
constexpr uint16_t kFailedCpRequired = 37;
constexpr uint16_t kTsUnacceptable = 38;
constexpr uint16_t kInvalidSelectors = 39;
constexpr uint16_t kTemporaryFailure = 43;
constexpr uint16_t kChildSaNotFound = 44;
/// Error types are below this value; status types at or above it.
constexpr uint16_t kFirstStatusType = 16384;
constexpr uint16_t kInitialContact = 16384;
constexpr uint16_t kSetWindowSize = 16385;
constexpr uint16_t kAdditionalTsPossible = 16386;
constexpr uint16_t kIpcompSupported = 16387;
constexpr uint16_t kNatDetectionSourceIp = 16388;
constexpr uint16_t kNatDetectionDestinationIp = 16389;
constexpr uint16_t kCookie = 16390;
constexpr uint16_t kUseTransportMode = 16391;
constexpr uint16_t kHttpCertLookupSupported = 16392;
constexpr uint16_t kRekeySa = 16393;
constexpr uint16_t kEspTfcPaddingNotSupported = 16394;
constexpr uint16_t kNonFirstFragmentsAlso = 16395;
constexpr uint16_t kMobikeSupported = 16396;
constexpr uint16_t kQcdToken = 16419; // RFC 6290 QUICK_CRASH_DETECTION
constexpr uint16_t kIkev2MessageIdSyncSupported = 16420;
constexpr uint16_t kIpsecReplayCounterSyncSupported = 16421;
constexpr uint16_t kIkev2MessageIdSync = 16422;
constexpr uint16_t kIpsecReplayCounterSync = 16423;
constexpr uint16_t kSignatureHashAlgorithms = 16431;
constexpr uint16_t kCheckSpi = 32770; // draft-detienne-ikev2-recovery-03, private use
} // namespace notify

} // namespace ikev2

#endif

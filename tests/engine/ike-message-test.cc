// The IKEv2 message codec (RFC 7296 section 3): round trips of every payload and of messages
// shaped like each exchange, a hand-assembled wire image, and a table of malformed inputs.
//
// The same sample messages are the fuzzer's seed corpus (tests/fuzz/corpus/ike-decoder/):
// IkeMessageCorpus checks that the files there are exactly what this generator produces;
// run it once with IKE_WRITE_CORPUS=1 to (re)write them.
#include "bytes.h"
#include "ike-constants.h"
#include "ike-message.h"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <limits>
#include <string>
#include <sys/stat.h>
#include <utility>
#include <vector>

namespace ikev2
{
namespace
{

constexpr size_t kAnyOffset = std::numeric_limits<size_t>::max();

uint8_t
T(PayloadType t)
{
    return static_cast<uint8_t>(t);
}

uint8_t
E(ExchangeType e)
{
    return static_cast<uint8_t>(e);
}

/// Deterministic filler that differs per seed.
Bytes
Fill(size_t n, uint8_t seed)
{
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
    {
        b[i] = static_cast<uint8_t>(seed + i * 7);
    }
    return b;
}

const char*
KindName(DecodeErrorKind k)
{
    switch (k)
    {
        case DecodeErrorKind::Truncated:
            return "Truncated";
        case DecodeErrorKind::BadLength:
            return "BadLength";
        case DecodeErrorKind::BadVersion:
            return "BadVersion";
        case DecodeErrorKind::BadValue:
            return "BadValue";
        case DecodeErrorKind::UnsupportedCritical:
            return "UnsupportedCritical";
        case DecodeErrorKind::TrailingData:
            return "TrailingData";
        case DecodeErrorKind::MisplacedSk:
            return "MisplacedSk";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------
// Sample payloads and messages

Transform
MakeTransform(TransformType type, uint16_t id, int keyLength = -1)
{
    Transform t;
    t.type = static_cast<uint8_t>(type);
    t.id = id;
    if (keyLength >= 0)
    {
        TransformAttribute a;
        a.type = transform::kAttrKeyLength;
        a.tv = true;
        a.tvValue = static_cast<uint16_t>(keyLength);
        t.attributes.push_back(a);
    }
    return t;
}

/// Two IKE proposals as a strongSwan initiator would offer them.
SaPayload
IkeProposals()
{
    SaPayload sa;
    Proposal gcm;
    gcm.number = 1;
    gcm.protocolId = static_cast<uint8_t>(ProtocolId::Ike);
    gcm.transforms = { MakeTransform(TransformType::Encr, transform::kEncrAesGcm16, 256),
                       MakeTransform(TransformType::Prf, transform::kPrfHmacSha256),
                       MakeTransform(TransformType::Dh, transform::kDhCurve25519),
                       MakeTransform(TransformType::Dh, transform::kDhEcp256) };
    Proposal cbc;
    cbc.number = 2;
    cbc.protocolId = static_cast<uint8_t>(ProtocolId::Ike);
    cbc.transforms = { MakeTransform(TransformType::Encr, transform::kEncrAesCbc, 128),
                       MakeTransform(TransformType::Integ, transform::kIntegHmacSha256_128),
                       MakeTransform(TransformType::Prf, transform::kPrfHmacSha512),
                       MakeTransform(TransformType::Dh, transform::kDhModp2048) };
    sa.proposals = { gcm, cbc };
    return sa;
}

SaPayload
EspProposal(uint8_t number = 1)
{
    SaPayload sa;
    Proposal p;
    p.number = number;
    p.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
    p.spi = { 0xc1, 0x5a, 0x00, 0x01 };
    p.transforms = { MakeTransform(TransformType::Encr, transform::kEncrAesGcm16, 256),
                     MakeTransform(TransformType::Esn, transform::kEsnNo) };
    sa.proposals = { p };
    return sa;
}

TsPayload
Selectors(bool withIpv6)
{
    TsPayload ts;
    TrafficSelector v4;
    v4.startAddress = { 10, 1, 0, 0 };
    v4.endAddress = { 10, 1, 255, 255 };
    ts.selectors.push_back(v4);
    if (withIpv6)
    {
        TrafficSelector v6;
        v6.tsType = static_cast<uint8_t>(TsType::Ipv6AddrRange);
        v6.ipProtocol = 17;
        v6.startPort = 500;
        v6.endPort = 4500;
        v6.startAddress = Fill(16, 0x20);
        v6.endAddress = Fill(16, 0x21);
        ts.selectors.push_back(v6);
    }
    return ts;
}

IkeHeader
Header(ExchangeType exchange, uint8_t flags, uint32_t messageId, uint64_t spiR)
{
    IkeHeader h;
    h.spiI = 0x8a1b2c3d4e5f6071ull;
    h.spiR = spiR;
    h.exchangeType = E(exchange);
    h.flags = flags;
    h.messageId = messageId;
    return h;
}

IkeMessage
SaInitRequest()
{
    IkeMessage m;
    m.header = Header(ExchangeType::IkeSaInit, kFlagInitiator, 0, 0);
    m.payloads.push_back(MakePayload(IkeProposals()));
    m.payloads.push_back(MakePayload(KePayload{ transform::kDhCurve25519, Fill(32, 1) }));
    m.payloads.push_back(MakePayload(NoncePayload{ Fill(32, 2) }));
    m.payloads.push_back(MakeNotify(notify::kNatDetectionSourceIp, Fill(20, 3)));
    m.payloads.push_back(MakeNotify(notify::kNatDetectionDestinationIp, Fill(20, 4)));
    m.payloads.push_back(MakeNotify(notify::kSignatureHashAlgorithms, { 0, 2, 0, 3, 0, 4 }));
    m.payloads.push_back(MakePayload(VendorIdPayload{ Fill(16, 5) }));
    return m;
}

IkeMessage
SaInitResponse()
{
    IkeMessage m;
    m.header = Header(ExchangeType::IkeSaInit, kFlagResponse, 0, 0x1122334455667788ull);
    SaPayload chosen;
    chosen.proposals = { IkeProposals().proposals[0] };
    chosen.proposals[0].transforms.pop_back();
    m.payloads.push_back(MakePayload(chosen));
    m.payloads.push_back(MakePayload(KePayload{ transform::kDhCurve25519, Fill(32, 6) }));
    m.payloads.push_back(MakePayload(NoncePayload{ Fill(32, 7) }));
    m.payloads.push_back(MakeNotify(notify::kNatDetectionSourceIp, Fill(20, 8)));
    m.payloads.push_back(MakeNotify(notify::kNatDetectionDestinationIp, Fill(20, 9)));
    m.payloads.push_back(MakeCertPayload(PayloadType::CertReq, CertPayload{ 4, Fill(20, 10) }));
    return m;
}

/// A cookie challenge (RFC 7296 2.6) and an INVALID_KE_PAYLOAD answer.
IkeMessage
SaInitCookie()
{
    IkeMessage m;
    m.header = Header(ExchangeType::IkeSaInit, kFlagResponse, 0, 0);
    m.payloads.push_back(MakeNotify(notify::kCookie, Fill(24, 11)));
    return m;
}

IkeMessage
SaInitInvalidKe()
{
    IkeMessage m;
    m.header = Header(ExchangeType::IkeSaInit, kFlagResponse, 0, 0);
    m.payloads.push_back(MakeNotify(notify::kInvalidKePayload, { 0x00, 0x13 }));
    return m;
}

IkeMessage
Protected(ExchangeType exchange,
          uint8_t flags,
          uint32_t messageId,
          PayloadType firstInner,
          size_t bodySize,
          uint8_t seed)
{
    IkeMessage m;
    m.header = Header(exchange, flags, messageId, 0x1122334455667788ull);
    Payload sk;
    sk.type = T(PayloadType::Sk);
    sk.body = SkPayload{ T(firstInner), Fill(bodySize, seed) };
    m.payloads.push_back(sk);
    return m;
}

IkeMessage
IkeAuthRequest()
{
    return Protected(ExchangeType::IkeAuth, kFlagInitiator, 1, PayloadType::IdI, 8 + 320 + 16, 12);
}

IkeMessage
InformationalProtected()
{
    return Protected(ExchangeType::Informational, kFlagInitiator, 2, PayloadType::Delete, 40, 13);
}

/// An empty protected INFORMATIONAL: the liveness check (SK with Next Payload 0).
IkeMessage
LivenessCheck()
{
    return Protected(ExchangeType::Informational, kFlagResponse, 7, PayloadType::None, 24, 14);
}

/// INFORMATIONAL payloads in the clear (as after decryption, or an unprotected notify).
IkeMessage
InformationalClear()
{
    IkeMessage m;
    m.header = Header(ExchangeType::Informational, kFlagInitiator, 3, 0x1122334455667788ull);
    m.payloads.push_back(MakePayload(DeletePayload{ 3, 4, { Fill(4, 15), Fill(4, 16) } }));
    m.payloads.push_back(MakePayload(DeletePayload{ 1, 0, {} }));
    return m;
}

/// Unprotected INVALID_SPI and SIR CHECK_SPI(QUERY) with a cookie and the IKE SPIs.
IkeMessage
UnprotectedRecovery()
{
    IkeMessage m;
    m.header = Header(ExchangeType::Informational, 0, 0, 0x1122334455667788ull);
    m.payloads.push_back(MakeNotify(notify::kInvalidSpi, {}, 3, { 0xde, 0xad, 0xbe, 0xef }));
    Bytes query = { 0, 20, 0, 0 };
    Bytes cookie = Fill(20, 17);
    query.insert(query.end(), cookie.begin(), cookie.end());
    m.payloads.push_back(MakeNotify(notify::kCheckSpi, query, 1, Fill(16, 18)));
    return m;
}

std::vector<Payload>
IkeAuthInner()
{
    std::vector<Payload> p;
    p.push_back(
      MakeIdPayload(PayloadType::IdI,
                    IdPayload{ static_cast<uint8_t>(IdType::Fqdn),
                               Bytes{ 'a', 'l', 'i', 'c', 'e', '.', 't', 'e', 's', 't' } }));
    p.push_back(MakeCertPayload(PayloadType::Cert, CertPayload{ 4, Fill(300, 19) }));
    p.push_back(MakeCertPayload(PayloadType::CertReq, CertPayload{ 4, Fill(20, 20) }));
    p.push_back(
      MakePayload(AuthPayload{ static_cast<uint8_t>(AuthMethod::SharedKeyMic), Fill(32, 21) }));
    p.push_back(MakeNotify(notify::kInitialContact));
    p.push_back(MakeNotify(notify::kQcdToken, Fill(32, 22)));
    CpPayload cp;
    cp.cfgType = 1; // CFG_REQUEST
    cp.attributes = { CpAttribute{ 1, {} }, CpAttribute{ 3, {} }, CpAttribute{ 8, Fill(17, 23) } };
    p.push_back(MakePayload(cp));
    p.push_back(MakePayload(EspProposal()));
    p.push_back(MakeTsPayload(PayloadType::TsI, Selectors(true)));
    p.push_back(MakeTsPayload(PayloadType::TsR, Selectors(false)));
    return p;
}

std::vector<Payload>
CreateChildInner()
{
    std::vector<Payload> p;
    p.push_back(MakeNotify(notify::kRekeySa, {}, 3, { 0xc1, 0x5a, 0x00, 0x01 }));
    p.push_back(MakePayload(EspProposal(1)));
    p.push_back(MakePayload(NoncePayload{ Fill(16, 24) }));
    p.push_back(MakePayload(KePayload{ transform::kDhEcp256, Fill(64, 25) }));
    p.push_back(MakeTsPayload(PayloadType::TsI, Selectors(false)));
    p.push_back(MakeTsPayload(PayloadType::TsR, Selectors(false)));
    return p;
}

std::vector<Payload>
EapInner()
{
    std::vector<Payload> p;
    p.push_back(
      MakeIdPayload(PayloadType::IdR,
                    IdPayload{ static_cast<uint8_t>(IdType::Ipv4Addr), Bytes{ 192, 0, 2, 1 } }));
    p.push_back(MakePayload(EapPayload{ { 1, 1, 0, 5, 1 } }));
    Payload unknown;
    unknown.type = 200;
    unknown.body = UnknownPayload{ Fill(5, 26) };
    p.push_back(unknown);
    return p;
}

std::vector<Payload>
InformationalInner()
{
    return InformationalClear().payloads;
}

/// One payload of every type, with corner cases (empty bodies, TLV attributes, the critical
/// bit on a known payload, an unknown payload).
std::vector<Payload>
EveryPayload()
{
    std::vector<Payload> all;
    SaPayload sa = IkeProposals();
    TransformAttribute tlv;
    tlv.type = 0x1234;
    tlv.tv = false;
    tlv.tlvValue = Fill(5, 27);
    sa.proposals[0].transforms[0].attributes.push_back(tlv);
    TransformAttribute emptyTlv;
    emptyTlv.type = 3;
    emptyTlv.tv = false;
    sa.proposals[1].transforms[1].attributes.push_back(emptyTlv);
    Proposal rekey = sa.proposals[1];
    rekey.number = 2;
    rekey.spi = Fill(8, 28);
    sa.proposals.push_back(rekey);
    Proposal empty;
    empty.number = 3;
    empty.protocolId = static_cast<uint8_t>(ProtocolId::Ah);
    empty.spi = Fill(4, 29);
    sa.proposals.push_back(empty);
    all.push_back(MakePayload(sa));
    all.push_back(MakePayload(KePayload{ transform::kDhModp2048, Fill(256, 30) }));
    all.push_back(MakePayload(KePayload{ 7, {} }));
    all.push_back(MakePayload(NoncePayload{ Fill(16, 31) }));
    all.push_back(MakePayload(NoncePayload{ Fill(256, 32) }));
    all.push_back(MakeIdPayload(PayloadType::IdI, IdPayload{ 9, Fill(40, 33) }));
    all.push_back(MakeIdPayload(PayloadType::IdR, IdPayload{ 11, {} }));
    all.push_back(MakeCertPayload(PayloadType::Cert, CertPayload{ 4, Fill(3, 34) }));
    all.push_back(MakeCertPayload(PayloadType::CertReq, CertPayload{ 4, {} }));
    all.push_back(MakePayload(AuthPayload{ 14, Fill(64, 35) }));
    all.push_back(MakeNotify(notify::kNoProposalChosen));
    all.push_back(MakeNotify(notify::kCheckSpi, Fill(7, 36), 1, Fill(16, 37)));
    all.push_back(MakePayload(DeletePayload{ 2, 4, { Fill(4, 38) } }));
    all.push_back(MakePayload(DeletePayload{ 3, 4, {} }));
    all.push_back(MakePayload(VendorIdPayload{ {} }));
    all.push_back(MakePayload(VendorIdPayload{ Fill(20, 39) }));
    all.push_back(MakeTsPayload(PayloadType::TsI, Selectors(true)));
    all.push_back(MakeTsPayload(PayloadType::TsR, TsPayload{}));
    all.push_back(MakePayload(CpPayload{ 2, { CpAttribute{ 0x7fff, Fill(4, 40) } } }));
    all.push_back(MakePayload(CpPayload{ 3, {} }));
    all.push_back(MakePayload(EapPayload{ {} }));
    all.push_back(MakePayload(EapPayload{ Fill(9, 41) }));
    Payload critical = MakeNotify(notify::kInitialContact);
    critical.critical = true;
    all.push_back(critical);
    Payload unknown;
    unknown.type = 1; // an IKEv1 payload number: unknown to IKEv2, not critical
    unknown.body = UnknownPayload{ Fill(3, 42) };
    all.push_back(unknown);
    return all;
}

struct NamedMessage
{
    const char* name;
    IkeMessage message;
};

std::vector<NamedMessage>
SampleMessages()
{
    IkeMessage every;
    every.header = Header(ExchangeType::CreateChildSa, kFlagInitiator | kFlagResponse, 99, 5);
    every.header.minorVersion = 3;
    every.payloads = EveryPayload();
    IkeMessage empty;
    empty.header = Header(ExchangeType::Informational, kFlagResponse, 4, 6);
    return { { "ike-sa-init-request", SaInitRequest() },
             { "ike-sa-init-response", SaInitResponse() },
             { "ike-sa-init-cookie", SaInitCookie() },
             { "ike-sa-init-invalid-ke", SaInitInvalidKe() },
             { "ike-auth-request", IkeAuthRequest() },
             { "informational-protected", InformationalProtected() },
             { "informational-liveness", LivenessCheck() },
             { "informational-clear-delete", InformationalClear() },
             { "informational-unprotected-recovery", UnprotectedRecovery() },
             { "every-payload", every },
             { "empty", empty } };
}

struct NamedChain
{
    const char* name;
    std::vector<Payload> payloads;
};

std::vector<NamedChain>
SampleChains()
{
    return { { "ike-auth-inner", IkeAuthInner() },
             { "create-child-inner", CreateChildInner() },
             { "eap-inner", EapInner() },
             { "informational-inner", InformationalInner() },
             { "every-payload-inner", EveryPayload() } };
}

Bytes
EncodeChain(const std::vector<Payload>& payloads, uint8_t& first)
{
    ByteWriter w;
    EncodePayloadChain(payloads, w, first);
    return w.Take();
}

/// What DecodeMessage must return for EncodeMessage(m): m with Next Payload and Length filled.
IkeMessage
Expected(IkeMessage m, const Bytes& wire)
{
    m.header.nextPayload = m.payloads.empty() ? 0 : m.payloads.front().type;
    m.header.length = static_cast<uint32_t>(wire.size());
    return m;
}

// ---------------------------------------------------------------------------------------------
// Messages captured from strongSwan 5.9.8 (charon to charon, tests/interop charon-charon case,
// frames 3 to 5 of wan.pcapng; the IKE_AUTH request came on port 4500, its non-ESP marker
// removed).

const char* const kStrongSwanSaInitRequest =
  "3635c3f580db0ffb00000000000000002120220800000000000000e82200002800000024010100030300000c"
  "01000014800e00800300000802000005000000080400001f28000028001f00001cadae8ee54052b6030b040c"
  "506d7e4f195fa2288edbc95ea321cabad6e7e9662900002458676ae5ca0b2ab2db6cfef351d5951bb3768fda"
  "1a78370c708bb24fd29e47c92900001c00004004eb0b808fbba8b965d7e3abe1b265de6c0f832c382900001c"
  "00004005fd24c4ae9791a3cf0b75db8c6b2a2d7ff77003af290000080000402e290000100000402f00020003"
  "000400050000000800004016";

const char* const kStrongSwanSaInitResponse =
  "3635c3f580db0ffb5137244e001731f02120222000000000000000f02200002800000024010100030300000c"
  "01000014800e00800300000802000005000000080400001f28000028001f00007d13bada3775607144af08a3"
  "09be7bd76fcb28d35ece4733caea469902c4c322290000249dd0d7a945eb53e5d902882d700c11f85ec5fabb"
  "c04acb78c59f64487eea31d02900001c00004004164123f525d5e374f6ecd4277cb04f6556233b622900001c"
  "0000400559bf2f3b142041440d3ca209a5e001ae6a278ec5290000080000402e290000100000402f00020003"
  "0004000529000008000040220000000800004014";

const char* const kStrongSwanIkeAuthRequest =
  "3635c3f580db0ffb5137244e001731f02e20230800000001000000fd230000e1dfd1a7849e39aab726855d1e"
  "cab90b7c66e2166cb059a4313a754bca41acb21c74040b9c09cddde833126808b7989cf670f497cd7e45cc8d"
  "1f3041d0f21b0923908fc4c9113c4fc3d6a76516b22146c4caecdd7f570a2994120b0f761a5db38e814663d4"
  "6e77bdf90e9da2eb3ec02e427327d1463a46e68437d4ee59f5b6f16cb141cfdc3b4c55c4b4b8d4fcb1ab853f"
  "3686ac6eb3e597fec02b9d7433fcdfadb9ef50b708b8cfa4a43d22bc7a123ffdb0a1fe523e4ea1434916804c"
  "54852c5db72731f13e69772b4a4ef1083f2e4a26be1fcc27ae0166ab0c5bc89e23";

Bytes
FromHexOrEmpty(const char* hex)
{
    Bytes b;
    return FromHex(hex, b) ? b : Bytes{};
}

// ---------------------------------------------------------------------------------------------
// Raw builders for malformed inputs

Bytes
Raw(uint8_t next, const Bytes& body, uint8_t flags = 0, int lengthDelta = 0)
{
    ByteWriter w;
    w.U8(next);
    w.U8(flags);
    w.U16(static_cast<uint16_t>(4 + body.size() + lengthDelta));
    w.Append(body);
    return w.Take();
}

Bytes
Cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const auto& p : parts)
    {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

Bytes
Datagram(uint8_t first, const Bytes& chain, uint8_t version = 0x20, int lengthDelta = 0)
{
    ByteWriter w;
    IkeHeader h = Header(ExchangeType::IkeSaInit, kFlagInitiator, 0, 0);
    EncodeHeader(h, first, static_cast<uint32_t>(kIkeHeaderSize + chain.size() + lengthDelta), w);
    w.PatchU8(17, version);
    w.Append(chain);
    return w.Take();
}

Bytes
Body(const Payload& p)
{
    ByteWriter w;
    EncodePayloadBody(p, w);
    return w.Take();
}

/// The one-proposal IKE SA used by the SA mutations: proposal at body offset 0, transforms at
/// 8 (ENCR with Key Length, 12 octets), 20 (PRF, 8) and 28 (DH, 8); 36 octets in all.
Bytes
OneProposalSaBody()
{
    SaPayload sa;
    Proposal p;
    p.number = 1;
    p.protocolId = 1;
    p.transforms = { MakeTransform(TransformType::Encr, transform::kEncrAesGcm16, 256),
                     MakeTransform(TransformType::Prf, transform::kPrfHmacSha256),
                     MakeTransform(TransformType::Dh, transform::kDhCurve25519) };
    sa.proposals = { p };
    return Body(MakePayload(sa));
}

Bytes
Mutated(Bytes b, size_t at, uint8_t value)
{
    b.at(at) = value;
    return b;
}

Bytes
Mutated16(Bytes b, size_t at, uint16_t value)
{
    b.at(at) = static_cast<uint8_t>(value >> 8);
    b.at(at + 1) = static_cast<uint8_t>(value);
    return b;
}

Bytes
SingleSaDatagram(const Bytes& saBody)
{
    return Datagram(T(PayloadType::Sa), Raw(0, saBody));
}

Bytes
SinglePayload(PayloadType type, const Bytes& body)
{
    return Datagram(T(type), Raw(0, body));
}

/// TS body with one IPv4 selector: count at 0, selector at 4 (type, protocol, length at 6).
Bytes
OneSelectorTsBody()
{
    return Body(MakeTsPayload(PayloadType::TsI, Selectors(false)));
}

struct Malformed
{
    std::string name;
    Bytes datagram;
    DecodeErrorKind kind;
    uint8_t payloadType;
    size_t offset;
};

std::vector<Malformed>
MalformedTable()
{
    const uint8_t kSa = T(PayloadType::Sa);
    const uint8_t kTsI = T(PayloadType::TsI);
    const uint8_t kD = T(PayloadType::Delete);
    const uint8_t kN = T(PayloadType::Notify);
    const uint8_t kCp = T(PayloadType::Cp);
    const uint8_t kSk = T(PayloadType::Sk);
    using K = DecodeErrorKind;
    const Bytes sa = OneProposalSaBody();
    const Bytes ts = OneSelectorTsBody();
    const Bytes nonce = Fill(16, 50);
    const Bytes validNonce = Raw(0, nonce);
    const Bytes init = EncodeMessage(SaInitRequest());
    // SA payload at 28, its body (and the proposal) at 32, transforms at 40, 52 and 60.
    std::vector<Malformed> t = {
        // Header
        { "short header", Bytes(init.begin(), init.begin() + 27), K::Truncated, 0, 0 },
        { "empty datagram", {}, K::Truncated, 0, 0 },
        { "version 3", Datagram(kSa, Raw(0, sa), 0x30), K::BadVersion, 0, 17 },
        { "version 1", Datagram(kSa, Raw(0, sa), 0x10), K::BadVersion, 0, 17 },
        { "header length +1", Datagram(kSa, Raw(0, sa), 0x20, 1), K::BadLength, 0, 24 },
        { "header length -1", Datagram(kSa, Raw(0, sa), 0x20, -1), K::BadLength, 0, 24 },
        { "header length 0", Mutated16(Mutated16(init, 24, 0), 26, 0), K::BadLength, 0, 24 },
        { "trailing bytes", Cat({ Datagram(kSa, Raw(0, sa)), Bytes(4, 0) }), K::BadLength, 0, 24 },
        { "trailing bytes counted in Length",
          Datagram(kSa, Cat({ Raw(0, sa), Bytes(4, 0) })),
          K::TrailingData,
          0,
          28 + 40 },
        // Generic payload header
        { "payload length 3",
          Datagram(kSa, Raw(0, sa, 0, -(int)sa.size() - 1)),
          K::BadLength,
          kSa,
          28 },
        { "payload length 0",
          Datagram(T(PayloadType::Nonce), Cat({ Raw(0, {}, 0, -4), Bytes(4, 0) })),
          K::BadLength,
          T(PayloadType::Nonce),
          28 },
        { "payload length past the end", Datagram(kSa, Raw(0, sa, 0, 1)), K::Truncated, kSa, 28 },
        { "chain announces a payload that is missing",
          Datagram(T(PayloadType::Nonce), Raw(kN, nonce)),
          K::Truncated,
          kN,
          48 },
        { "generic header cut",
          Datagram(T(PayloadType::Nonce), Cat({ Raw(kN, nonce), { 0, 0 } })),
          K::Truncated,
          kN,
          48 },
        // Payload lengths below what the body needs
        { "SA without proposals", SinglePayload(PayloadType::Sa, {}), K::BadLength, kSa, 32 },
        { "SA body shorter than a proposal header",
          SinglePayload(PayloadType::Sa, Bytes(7, 0)),
          K::BadLength,
          kSa,
          32 },
        { "KE body of 3",
          SinglePayload(PayloadType::Ke, { 0, 31, 0 }),
          K::BadLength,
          T(PayloadType::Ke),
          32 },
        { "IDi body of 3",
          SinglePayload(PayloadType::IdI, { 2, 0, 0 }),
          K::BadLength,
          T(PayloadType::IdI),
          32 },
        { "IDr body of 0",
          SinglePayload(PayloadType::IdR, {}),
          K::BadLength,
          T(PayloadType::IdR),
          32 },
        { "CERT body of 0",
          SinglePayload(PayloadType::Cert, {}),
          K::BadLength,
          T(PayloadType::Cert),
          32 },
        { "CERTREQ body of 0",
          SinglePayload(PayloadType::CertReq, {}),
          K::BadLength,
          T(PayloadType::CertReq),
          32 },
        { "AUTH body of 3",
          SinglePayload(PayloadType::Auth, { 2, 0, 0 }),
          K::BadLength,
          T(PayloadType::Auth),
          32 },
        { "Notify body of 3",
          SinglePayload(PayloadType::Notify, { 0, 0, 0x40 }),
          K::BadLength,
          kN,
          32 },
        { "Delete body of 3",
          SinglePayload(PayloadType::Delete, { 1, 0, 0 }),
          K::BadLength,
          kD,
          32 },
        { "TSi body of 3", SinglePayload(PayloadType::TsI, { 1, 0, 0 }), K::BadLength, kTsI, 32 },
        { "TSr body of 0",
          SinglePayload(PayloadType::TsR, {}),
          K::BadLength,
          T(PayloadType::TsR),
          32 },
        { "CP body of 2", SinglePayload(PayloadType::Cp, { 1, 0 }), K::BadLength, kCp, 32 },
        { "nonce of 15",
          SinglePayload(PayloadType::Nonce, Fill(15, 1)),
          K::BadLength,
          T(PayloadType::Nonce),
          32 },
        { "nonce of 257",
          SinglePayload(PayloadType::Nonce, Fill(257, 1)),
          K::BadLength,
          T(PayloadType::Nonce),
          32 },
        // SA: proposals
        { "proposal Last Substruc 2 on the last proposal",
          SingleSaDatagram(Mutated(sa, 0, 2)),
          K::Truncated,
          kSa,
          68 },
        { "proposal Last Substruc 0 before another proposal",
          SingleSaDatagram(Cat({ sa, Mutated(sa, 0, 0) })),
          K::BadValue,
          kSa,
          68 },
        { "proposal Last Substruc 1", SingleSaDatagram(Mutated(sa, 0, 1)), K::BadValue, kSa, 32 },
        { "proposal length 7", SingleSaDatagram(Mutated16(sa, 2, 7)), K::BadLength, kSa, 32 },
        { "proposal length past the SA",
          SingleSaDatagram(Mutated16(sa, 2, 37)),
          K::BadLength,
          kSa,
          32 },
        { "proposal length cuts a transform",
          SingleSaDatagram(Mutated16(sa, 2, 35)),
          K::Truncated,
          kSa,
          60 },
        { "proposal length below 8 + SPI size",
          SingleSaDatagram(Mutated(Mutated16(sa, 2, 12), 6, 8)),
          K::BadLength,
          kSa,
          32 },
        { "proposal header cut by the SA end",
          SingleSaDatagram(Cat({ Mutated(sa, 0, 2), { 0, 0 } })),
          K::Truncated,
          kSa,
          68 },
        { "proposal number 0", SingleSaDatagram(Mutated(sa, 4, 0)), K::BadValue, kSa, 32 },
        { "proposal protocol 4", SingleSaDatagram(Mutated(sa, 5, 4)), K::BadValue, kSa, 37 },
        { "proposal protocol 0", SingleSaDatagram(Mutated(sa, 5, 0)), K::BadValue, kSa, 37 },
        { "IKE proposal with a 4-octet SPI",
          SingleSaDatagram(Mutated16(Mutated(Cat({ Bytes(sa.begin(), sa.begin() + 8),
                                                   Fill(4, 1),
                                                   Bytes(sa.begin() + 8, sa.end()) }),
                                             6,
                                             4),
                                     2,
                                     40)),
          K::BadValue,
          kSa,
          38 },
        // SA: transforms
        { "transform count lower than the transforms",
          SingleSaDatagram(Mutated(sa, 7, 2)),
          K::BadLength,
          kSa,
          39 },
        { "transform count higher than the transforms",
          SingleSaDatagram(Mutated(sa, 7, 4)),
          K::BadLength,
          kSa,
          39 },
        { "transform count 0 with transforms",
          SingleSaDatagram(Mutated(sa, 7, 0)),
          K::BadLength,
          kSa,
          39 },
        { "transform length 7", SingleSaDatagram(Mutated16(sa, 10, 7)), K::BadLength, kSa, 40 },
        { "transform length past the proposal",
          SingleSaDatagram(Mutated16(sa, 30, 9)),
          K::BadLength,
          kSa,
          60 },
        { "transform length 0xffff",
          SingleSaDatagram(Mutated16(sa, 10, 0xffff)),
          K::BadLength,
          kSa,
          40 },
        { "transform Last Substruc 1", SingleSaDatagram(Mutated(sa, 8, 1)), K::BadValue, kSa, 40 },
        { "transform Last Substruc 0 before another transform",
          SingleSaDatagram(Mutated(sa, 8, 0)),
          K::BadValue,
          kSa,
          52 },
        { "last transform announces more",
          SingleSaDatagram(Mutated(sa, 28, 3)),
          K::BadValue,
          kSa,
          68 },
        { "TLV attribute past the transform",
          SingleSaDatagram(Mutated(sa, 16, 0x00)),
          K::BadLength,
          kSa,
          48 },
        { "attribute header cut by the transform",
          SingleSaDatagram(Mutated16(Mutated16(sa, 10, 10), 2, 34)),
          K::Truncated,
          kSa,
          48 },
        // SA: proposal numbering
        { "proposal numbers 1 then 3",
          []
          {
              SaPayload s = IkeProposals();
              s.proposals[1].number = 3;
              return SingleSaDatagram(Body(MakePayload(s)));
          }(),
          K::BadValue,
          kSa,
          kAnyOffset },
        { "ESP proposal with an 8-octet SPI",
          []
          {
              SaPayload s = EspProposal();
              s.proposals[0].spi = Fill(8, 1);
              return SingleSaDatagram(Body(MakePayload(s)));
          }(),
          K::BadValue,
          kSa,
          38 },
        // Traffic selectors
        { "TS count higher than the selectors",
          SinglePayload(PayloadType::TsI, Mutated(ts, 0, 2)),
          K::BadLength,
          kTsI,
          32 },
        { "TS count lower than the selectors",
          SinglePayload(PayloadType::TsI,
                        Mutated(Body(MakeTsPayload(PayloadType::TsI, Selectors(true))), 0, 1)),
          K::BadLength,
          kTsI,
          32 },
        { "TS count 0 with a selector",
          SinglePayload(PayloadType::TsI, Mutated(ts, 0, 0)),
          K::BadLength,
          kTsI,
          32 },
        { "IPv4 selector length 17",
          SinglePayload(PayloadType::TsI, Cat({ Mutated16(ts, 6, 17), { 0 } })),
          K::BadLength,
          kTsI,
          36 },
        { "IPv4 selector length 40",
          SinglePayload(PayloadType::TsI, Mutated16(ts, 6, 40)),
          K::BadLength,
          kTsI,
          36 },
        { "IPv6 selector length 16",
          SinglePayload(PayloadType::TsI, Mutated(ts, 4, 8)),
          K::BadLength,
          kTsI,
          36 },
        { "selector type 9",
          SinglePayload(PayloadType::TsI, Mutated(ts, 4, 9)),
          K::BadValue,
          kTsI,
          36 },
        { "selector past the payload",
          SinglePayload(PayloadType::TsI, Bytes(ts.begin(), ts.end() - 2)),
          K::BadLength,
          kTsI,
          36 },
        { "selector header cut",
          SinglePayload(PayloadType::TsI, Bytes(ts.begin(), ts.begin() + 6)),
          K::Truncated,
          kTsI,
          36 },
        // Delete
        { "Delete count 3 with 2 SPIs",
          SinglePayload(PayloadType::Delete, Cat({ { 3, 4, 0, 3 }, Fill(8, 1) })),
          K::BadLength,
          kD,
          34 },
        { "Delete count 1 with 2 SPIs",
          SinglePayload(PayloadType::Delete, Cat({ { 3, 4, 0, 1 }, Fill(8, 1) })),
          K::BadLength,
          kD,
          34 },
        { "Delete count 2 with 7 octets",
          SinglePayload(PayloadType::Delete, Cat({ { 3, 4, 0, 2 }, Fill(7, 1) })),
          K::BadLength,
          kD,
          34 },
        { "Delete IKE with octets",
          SinglePayload(PayloadType::Delete, { 1, 0, 0, 0, 1, 2, 3, 4 }),
          K::BadLength,
          kD,
          34 },
        { "Delete ESP with 8-octet SPIs",
          SinglePayload(PayloadType::Delete, Cat({ { 3, 8, 0, 1 }, Fill(8, 1) })),
          K::BadValue,
          kD,
          33 },
        { "Delete IKE with 8-octet SPIs",
          SinglePayload(PayloadType::Delete, Cat({ { 1, 8, 0, 1 }, Fill(8, 1) })),
          K::BadValue,
          kD,
          33 },
        { "Delete protocol 0",
          SinglePayload(PayloadType::Delete, { 0, 0, 0, 0 }),
          K::BadValue,
          kD,
          32 },
        { "Delete count 0xffff with 4-octet SPIs",
          SinglePayload(PayloadType::Delete, Cat({ { 3, 4, 0xff, 0xff }, Fill(8, 1) })),
          K::BadLength,
          kD,
          34 },
        // Notify, CP
        { "Notify SPI size past the payload",
          SinglePayload(PayloadType::Notify, { 3, 10, 0, 11, 1, 2, 3, 4 }),
          K::BadLength,
          kN,
          33 },
        { "CP attribute past the payload",
          SinglePayload(PayloadType::Cp, { 1, 0, 0, 0, 0, 1, 0, 9, 1, 2, 3 }),
          K::BadLength,
          kCp,
          36 },
        { "CP attribute header cut",
          SinglePayload(PayloadType::Cp, { 1, 0, 0, 0, 0, 1 }),
          K::Truncated,
          kCp,
          36 },
        // SK placement, unknown payloads
        { "SK not last",
          Datagram(kSk, Cat({ Raw(0, Fill(24, 1)), validNonce })),
          K::MisplacedSk,
          kSk,
          56 },
        { "SK followed by garbage",
          Datagram(kSk, Cat({ Raw(kN, Fill(24, 1)), { 0 } })),
          K::MisplacedSk,
          kSk,
          56 },
        { "critical unknown payload 60",
          Datagram(T(PayloadType::Nonce), Cat({ Raw(60, nonce), Raw(0, { 1, 2 }, 0x80) })),
          K::UnsupportedCritical,
          60,
          48 },
        { "critical unknown payload 1 (IKEv1 SA)",
          Datagram(1, Raw(0, {}, 0x80)),
          K::UnsupportedCritical,
          1,
          28 },
        { "critical unknown payload 255",
          Datagram(255, Raw(0, {}, 0xff)),
          K::UnsupportedCritical,
          255,
          28 },
    };
    return t;
}

// ---------------------------------------------------------------------------------------------
// Round trips

TEST(IkeMessageRoundTrip, EveryPayloadTypeAlone)
{
    for (const Payload& p : EveryPayload())
    {
        IkeMessage m;
        m.header = Header(ExchangeType::IkeAuth, kFlagInitiator, 1, 2);
        m.payloads = { p };
        Bytes wire = EncodeMessage(m);
        auto decoded = DecodeMessage(wire);
        ASSERT_TRUE(decoded) << PayloadTypeName(p.type) << ": " << decoded.Error().ToString();
        EXPECT_EQ(decoded.Value(), Expected(m, wire)) << PayloadTypeName(p.type);
        EXPECT_EQ(EncodeMessage(decoded.Value()), wire) << PayloadTypeName(p.type);
    }
}

TEST(IkeMessageRoundTrip, SampleMessages)
{
    for (const auto& sample : SampleMessages())
    {
        Bytes wire = EncodeMessage(sample.message);
        auto decoded = DecodeMessage(wire);
        ASSERT_TRUE(decoded) << sample.name << ": " << decoded.Error().ToString();
        EXPECT_EQ(decoded.Value(), Expected(sample.message, wire)) << sample.name;
        EXPECT_EQ(EncodeMessage(decoded.Value()), wire) << sample.name;
    }
}

TEST(IkeMessageRoundTrip, SampleInnerChains)
{
    for (const auto& sample : SampleChains())
    {
        uint8_t first = 0xff;
        Bytes wire = EncodeChain(sample.payloads, first);
        EXPECT_EQ(first, sample.payloads.front().type);
        auto decoded = DecodePayloadChain(first, wire.data(), wire.size(), 40);
        ASSERT_TRUE(decoded) << sample.name << ": " << decoded.Error().ToString();
        EXPECT_EQ(decoded.Value(), sample.payloads) << sample.name;
        uint8_t again = 0;
        EXPECT_EQ(EncodeChain(decoded.Value(), again), wire) << sample.name;
        EXPECT_EQ(again, first);
    }
}

TEST(IkeMessageRoundTrip, EmptyChain)
{
    uint8_t first = 0xff;
    EXPECT_TRUE(EncodeChain({}, first).empty());
    EXPECT_EQ(first, 0);
    auto decoded = DecodePayloadChain(0, nullptr, 0);
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded.Value().empty());
}

TEST(IkeMessageRoundTrip, SaInitRequestFields)
{
    Bytes wire = EncodeMessage(SaInitRequest());
    auto decoded = DecodeMessage(wire);
    ASSERT_TRUE(decoded) << decoded.Error().ToString();
    const IkeMessage& m = decoded.Value();
    EXPECT_EQ(m.header.exchangeType, E(ExchangeType::IkeSaInit));
    EXPECT_TRUE(m.header.IsInitiator());
    EXPECT_FALSE(m.header.IsResponse());
    EXPECT_EQ(m.header.nextPayload, T(PayloadType::Sa));
    const auto* sa = m.Get<SaPayload>(PayloadType::Sa);
    ASSERT_NE(sa, nullptr);
    ASSERT_EQ(sa->proposals.size(), 2u);
    EXPECT_EQ(sa->proposals[0].transforms[0].KeyLength(), std::optional<uint16_t>(256));
    EXPECT_EQ(sa->proposals[0].transforms[1].KeyLength(), std::nullopt);
    EXPECT_EQ(sa->proposals[1].transforms[0].KeyLength(), std::optional<uint16_t>(128));
    EXPECT_EQ(m.Get<KePayload>(PayloadType::Ke)->group, transform::kDhCurve25519);
    EXPECT_EQ(m.Get<NoncePayload>(PayloadType::Nonce)->nonce.size(), 32u);
    ASSERT_NE(m.FindNotify(notify::kNatDetectionDestinationIp), nullptr);
    EXPECT_EQ(m.FindNotify(notify::kNatDetectionDestinationIp)->data, Fill(20, 4));
    EXPECT_EQ(m.FindNotify(notify::kCookie), nullptr);
    EXPECT_EQ(m.FindNotifies(notify::kNatDetectionSourceIp).size(), 1u);
    EXPECT_EQ(m.Find(PayloadType::Sk), nullptr);
    EXPECT_EQ(m.Get<KePayload>(PayloadType::Nonce), nullptr); // wrong body type for the type
    EXPECT_NE(m.Find(PayloadType::VendorId), nullptr);
}

TEST(IkeMessageRoundTrip, FindNotifiesReturnsEveryMatchInOrder)
{
    IkeMessage m;
    m.payloads = { MakeNotify(notify::kNatDetectionSourceIp, { 1 }),
                   MakePayload(NoncePayload{ Fill(16, 1) }),
                   MakeNotify(notify::kNatDetectionSourceIp, { 2 }),
                   MakeNotify(notify::kNatDetectionDestinationIp, { 3 }) };
    auto found = m.FindNotifies(notify::kNatDetectionSourceIp);
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0]->data, Bytes{ 1 });
    EXPECT_EQ(found[1]->data, Bytes{ 2 });
    EXPECT_EQ(m.FindNotify(notify::kNatDetectionSourceIp)->data, Bytes{ 1 });
}

// An IKE_SA_INIT assembled by hand from RFC 7296 section 3, independent of the encoder.
TEST(IkeMessageRoundTrip, HandAssembledWireImage)
{
    const std::string hex =
      // header: SPIi, SPIr, next SA, version 2.0, IKE_SA_INIT, I flag, msg ID 0, length 92
      "0001020304050607"
      "0000000000000000"
      "21202208"
      "00000000"
      "0000005c"
      // SA: next Nonce, length 32; proposal: last, length 28, #1, IKE, no SPI, 2 transforms
      "28000020"
      "0000001c01010002"
      // ENCR AES-GCM-16 with Key Length 256 (TV), then DH 31
      "0300000c01000014800e0100"
      "000000080400001f"
      // Nonce: next N, length 20, 16 octets
      "29000014"
      "000102030405060708090a0b0c0d0e0f"
      // N: last, length 12, protocol 0, no SPI, NAT_DETECTION_SOURCE_IP, 4 octets
      "0000000c"
      "00004004aabbccdd";
    Bytes wire;
    ASSERT_TRUE(FromHex(hex, wire));
    ASSERT_EQ(wire.size(), 92u);
    auto decoded = DecodeMessage(wire);
    ASSERT_TRUE(decoded) << decoded.Error().ToString();
    const IkeMessage& m = decoded.Value();
    EXPECT_EQ(m.header.spiI, 0x0001020304050607ull);
    EXPECT_EQ(m.header.spiR, 0u);
    EXPECT_EQ(m.header.majorVersion, 2);
    EXPECT_EQ(m.header.minorVersion, 0);
    EXPECT_EQ(m.header.flags, kFlagInitiator);
    EXPECT_EQ(m.header.length, 92u);
    ASSERT_EQ(m.payloads.size(), 3u);
    const auto& sa = std::get<SaPayload>(m.payloads[0].body);
    ASSERT_EQ(sa.proposals.size(), 1u);
    EXPECT_EQ(sa.proposals[0].number, 1);
    EXPECT_EQ(sa.proposals[0].protocolId, 1);
    ASSERT_EQ(sa.proposals[0].transforms.size(), 2u);
    EXPECT_EQ(sa.proposals[0].transforms[0].type, 1);
    EXPECT_EQ(sa.proposals[0].transforms[0].id, transform::kEncrAesGcm16);
    EXPECT_EQ(sa.proposals[0].transforms[0].KeyLength(), std::optional<uint16_t>(256));
    EXPECT_EQ(sa.proposals[0].transforms[1].type, 4);
    EXPECT_EQ(sa.proposals[0].transforms[1].id, transform::kDhCurve25519);
    Bytes counting(16);
    for (size_t i = 0; i < counting.size(); ++i)
    {
        counting[i] = static_cast<uint8_t>(i);
    }
    EXPECT_EQ(std::get<NoncePayload>(m.payloads[1].body).nonce, counting);
    const auto& n = std::get<NotifyPayload>(m.payloads[2].body);
    EXPECT_EQ(n.type, notify::kNatDetectionSourceIp);
    EXPECT_EQ(n.data, (Bytes{ 0xaa, 0xbb, 0xcc, 0xdd }));
    EXPECT_FALSE(n.IsError());
    EXPECT_EQ(EncodeMessage(m), wire);
}

TEST(IkeMessageRoundTrip, ReservedBitsAreIgnoredAndMinorVersionKept)
{
    // Generic-header reserved bits and RESERVED fields set: accepted (RFC 7296 3.2: ignore on
    // receipt) and sent as zero again.
    Bytes body = { 0x00, 0x13, 0xff, 0xff, 0x01, 0x02 };
    Bytes wire = Datagram(T(PayloadType::Ke), Raw(0, body, 0x7f), 0x2f);
    auto decoded = DecodeMessage(wire);
    ASSERT_TRUE(decoded) << decoded.Error().ToString();
    EXPECT_FALSE(decoded.Value().payloads[0].critical);
    EXPECT_EQ(decoded.Value().header.minorVersion, 0x0f);
    EXPECT_EQ(decoded.Value().Get<KePayload>(PayloadType::Ke)->data, (Bytes{ 1, 2 }));
    Bytes again = EncodeMessage(decoded.Value());
    EXPECT_EQ(again[kIkeHeaderSize + 1], 0);
    EXPECT_EQ(again[kIkeHeaderSize + 6], 0);
    EXPECT_EQ(again[17], 0x2f);
}

TEST(IkeMessageRoundTrip, NonCriticalUnknownPayloadIsKept)
{
    const Bytes nonce = Fill(16, 1);
    Bytes wire = Datagram(T(PayloadType::Nonce), Cat({ Raw(60, nonce), Raw(0, { 9, 8, 7 }) }));
    auto decoded = DecodeMessage(wire);
    ASSERT_TRUE(decoded) << decoded.Error().ToString();
    ASSERT_EQ(decoded.Value().payloads.size(), 2u);
    EXPECT_EQ(decoded.Value().payloads[1].type, 60);
    EXPECT_EQ(std::get<UnknownPayload>(decoded.Value().payloads[1].body).body, (Bytes{ 9, 8, 7 }));
    EXPECT_EQ(EncodeMessage(decoded.Value()), wire);
}

TEST(IkeMessageRoundTrip, CriticalBitOnKnownPayloadIsKept)
{
    IkeMessage m;
    Payload p = MakePayload(NoncePayload{ Fill(16, 1) });
    p.critical = true;
    m.payloads = { p };
    Bytes wire = EncodeMessage(m);
    EXPECT_EQ(wire[kIkeHeaderSize + 1], 0x80);
    auto decoded = DecodeMessage(wire);
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded.Value().payloads[0].critical);
}

TEST(IkeMessageRoundTrip, SkChainsToItsFirstInnerPayload)
{
    // The protected IKE_AUTH: header Next Payload = SK, SK's Next Payload = IDi, body opaque.
    IkeMessage m = IkeAuthRequest();
    Bytes wire = EncodeMessage(m);
    EXPECT_EQ(wire[16], T(PayloadType::Sk));
    EXPECT_EQ(wire[kIkeHeaderSize], T(PayloadType::IdI));
    EXPECT_EQ(wire.size(), kIkeHeaderSize + 4 + 8 + 320 + 16);
    auto decoded = DecodeMessage(wire);
    ASSERT_TRUE(decoded);
    const auto* sk = decoded.Value().Get<SkPayload>(PayloadType::Sk);
    ASSERT_NE(sk, nullptr);
    EXPECT_EQ(sk->firstInner, T(PayloadType::IdI));
    EXPECT_EQ(sk->body, Fill(8 + 320 + 16, 12));

    // The inner chain as sk-payload would decode it after decryption, with absolute offsets.
    uint8_t first = 0;
    Bytes inner = EncodeChain(IkeAuthInner(), first);
    auto chain = DecodePayloadChain(first, inner.data(), inner.size(), 40);
    ASSERT_TRUE(chain);
    EXPECT_EQ(chain.Value(), IkeAuthInner());
}

TEST(IkeMessageRoundTrip, HeaderEncodingLayout)
{
    IkeHeader h;
    h.spiI = 0x0102030405060708ull;
    h.spiR = 0x1112131415161718ull;
    h.exchangeType = E(ExchangeType::CreateChildSa);
    h.flags = kFlagResponse | kFlagInitiator;
    h.messageId = 0xa1a2a3a4;
    ByteWriter w;
    EncodeHeader(h, T(PayloadType::Sk), 0x00001234, w);
    EXPECT_EQ(ToHex(w.Data()), "010203040506070811121314151617182e202428a1a2a3a400001234");
    auto decoded = DecodeHeader(w.Data().data(), w.Size());
    ASSERT_FALSE(decoded); // Length says 0x1234, the datagram has 28 octets
    EXPECT_EQ(decoded.Error().kind, DecodeErrorKind::BadLength);
}

TEST(IkeMessageRoundTrip, DecodeHeaderAloneChecksLength)
{
    Bytes wire = EncodeMessage(SaInitRequest());
    auto h = DecodeHeader(wire.data(), wire.size());
    ASSERT_TRUE(h) << h.Error().ToString();
    EXPECT_EQ(h.Value().length, wire.size());
    EXPECT_EQ(h.Value().nextPayload, T(PayloadType::Sa));
    auto shorter = DecodeHeader(wire.data(), wire.size() - 1);
    ASSERT_FALSE(shorter);
    EXPECT_EQ(shorter.Error().kind, DecodeErrorKind::BadLength);
    EXPECT_EQ(shorter.Error().offset, 24u);
}

TEST(IkeMessageRealStrongSwan, DecodesAndReproducesIkeSaInit)
{
    const Bytes request = FromHexOrEmpty(kStrongSwanSaInitRequest);
    ASSERT_EQ(request.size(), 232u);
    auto req = DecodeMessage(request);
    ASSERT_TRUE(req) << req.Error().ToString();
    const IkeMessage& m = req.Value();
    EXPECT_EQ(m.header.exchangeType, E(ExchangeType::IkeSaInit));
    EXPECT_TRUE(m.header.IsInitiator());
    EXPECT_EQ(m.header.spiR, 0u);
    const auto* sa = m.Get<SaPayload>(PayloadType::Sa);
    ASSERT_NE(sa, nullptr);
    ASSERT_EQ(sa->proposals.size(), 1u);
    ASSERT_EQ(sa->proposals[0].transforms.size(), 3u);
    EXPECT_EQ(sa->proposals[0].transforms[0].id, transform::kEncrAesGcm16);
    EXPECT_EQ(sa->proposals[0].transforms[0].KeyLength(), std::optional<uint16_t>(128));
    EXPECT_EQ(sa->proposals[0].transforms[2].id, transform::kDhCurve25519);
    EXPECT_EQ(m.Get<KePayload>(PayloadType::Ke)->data.size(), 32u);
    EXPECT_EQ(m.Get<NoncePayload>(PayloadType::Nonce)->nonce.size(), 32u);
    std::vector<std::string> notifies;
    for (const auto& p : m.payloads)
    {
        if (const auto* n = std::get_if<NotifyPayload>(&p.body))
        {
            notifies.push_back(NotifyTypeName(n->type));
        }
    }
    EXPECT_EQ(notifies,
              (std::vector<std::string>{ "NAT_DETECTION_SOURCE_IP",
                                         "NAT_DETECTION_DESTINATION_IP",
                                         "IKEV2_FRAGMENTATION_SUPPORTED",
                                         "SIGNATURE_HASH_ALGORITHMS",
                                         "REDIRECT_SUPPORTED" }));
    EXPECT_EQ(EncodeMessage(m), request);

    const Bytes response = FromHexOrEmpty(kStrongSwanSaInitResponse);
    auto resp = DecodeMessage(response);
    ASSERT_TRUE(resp) << resp.Error().ToString();
    EXPECT_TRUE(resp.Value().header.IsResponse());
    EXPECT_EQ(resp.Value().header.spiI, m.header.spiI);
    EXPECT_NE(resp.Value().FindNotify(16418), nullptr); // CHILDLESS_IKEV2_SUPPORTED
    EXPECT_EQ(resp.Value().payloads.size(), 9u);
    EXPECT_EQ(EncodeMessage(resp.Value()), response);
}

TEST(IkeMessageRealStrongSwan, DecodesIkeAuthWithOpaqueSk)
{
    const Bytes wire = FromHexOrEmpty(kStrongSwanIkeAuthRequest);
    ASSERT_EQ(wire.size(), 253u);
    auto decoded = DecodeMessage(wire);
    ASSERT_TRUE(decoded) << decoded.Error().ToString();
    EXPECT_EQ(decoded.Value().header.exchangeType, E(ExchangeType::IkeAuth));
    EXPECT_EQ(decoded.Value().header.messageId, 1u);
    ASSERT_EQ(decoded.Value().payloads.size(), 1u);
    const auto* sk = decoded.Value().Get<SkPayload>(PayloadType::Sk);
    ASSERT_NE(sk, nullptr);
    EXPECT_EQ(sk->firstInner, T(PayloadType::IdI));
    EXPECT_EQ(sk->body.size(), 253u - 28 - 4);
    EXPECT_EQ(EncodeMessage(decoded.Value()), wire);
}

// ---------------------------------------------------------------------------------------------
// Malformed inputs

TEST(IkeMessageMalformed, Table)
{
    const auto table = MalformedTable();
    EXPECT_GE(table.size(), 75u);
    for (const auto& c : table)
    {
        auto decoded = DecodeMessage(c.datagram);
        ASSERT_FALSE(decoded) << c.name;
        const DecodeError& e = decoded.Error();
        EXPECT_EQ(KindName(e.kind), std::string(KindName(c.kind)))
          << c.name << ": " << e.ToString();
        EXPECT_EQ(int(e.payloadType), int(c.payloadType)) << c.name << ": " << e.ToString();
        if (c.offset != kAnyOffset)
        {
            EXPECT_EQ(e.offset, c.offset) << c.name << ": " << e.ToString();
        }
        EXPECT_FALSE(e.reason.empty()) << c.name;
        EXPECT_LE(e.offset, c.datagram.size()) << c.name;
    }
}

/// Payload boundaries of a valid message, found by walking the lengths independently.
struct Span
{
    size_t start;
    size_t end;
    uint8_t type;
};

std::vector<Span>
Spans(const Bytes& wire, size_t from, uint8_t first)
{
    std::vector<Span> spans;
    size_t pos = from;
    uint8_t type = first;
    while (pos < wire.size())
    {
        size_t len = (wire[pos + 2] << 8) | wire[pos + 3];
        spans.push_back({ pos, pos + len, type });
        type = wire[pos];
        pos += len;
    }
    return spans;
}

uint8_t
TypeAt(const std::vector<Span>& spans, size_t offset)
{
    for (const auto& s : spans)
    {
        if (offset >= s.start && offset < s.end)
        {
            return s.type;
        }
    }
    return 0xff;
}

TEST(IkeMessageMalformed, TruncationAtEveryOffset)
{
    for (const auto& sample : SampleMessages())
    {
        const Bytes wire = EncodeMessage(sample.message);
        const auto spans = Spans(wire, kIkeHeaderSize, wire[16]);
        for (size_t n = 0; n < wire.size(); ++n)
        {
            // As received: the header Length no longer matches.
            auto cut = DecodeMessage(wire.data(), n);
            ASSERT_FALSE(cut) << sample.name << " cut at " << n;
            EXPECT_EQ(cut.Error().payloadType, 0) << sample.name << " " << n;
            EXPECT_EQ(cut.Error().kind,
                      n < kIkeHeaderSize ? DecodeErrorKind::Truncated : DecodeErrorKind::BadLength)
              << sample.name << " " << n;
            if (n < kIkeHeaderSize)
            {
                continue;
            }
            // With Length rewritten to match: the payload chain itself must catch the cut, and
            // name the payload that the cut falls into.
            Bytes patched(wire.begin(), wire.begin() + n);
            patched[24] = static_cast<uint8_t>(n >> 24);
            patched[25] = static_cast<uint8_t>(n >> 16);
            patched[26] = static_cast<uint8_t>(n >> 8);
            patched[27] = static_cast<uint8_t>(n);
            auto chainCut = DecodeMessage(patched);
            if (sample.message.payloads.empty())
            {
                continue; // nothing to cut
            }
            ASSERT_FALSE(chainCut) << sample.name << " chain cut at " << n;
            const DecodeError& e = chainCut.Error();
            EXPECT_TRUE(e.kind == DecodeErrorKind::Truncated ||
                        e.kind == DecodeErrorKind::BadLength)
              << sample.name << " " << n << ": " << e.ToString();
            EXPECT_EQ(int(e.payloadType), int(TypeAt(spans, n)))
              << sample.name << " " << n << ": " << e.ToString();
            EXPECT_LE(e.offset, n) << sample.name << " " << n << ": " << e.ToString();
        }
    }
}

TEST(IkeMessageMalformed, InnerChainTruncationAtEveryOffset)
{
    for (const auto& sample : SampleChains())
    {
        uint8_t first = 0;
        const Bytes wire = EncodeChain(sample.payloads, first);
        const auto spans = Spans(wire, 0, first);
        for (size_t n = 0; n < wire.size(); ++n)
        {
            auto cut = DecodePayloadChain(first, wire.data(), n, 1000);
            ASSERT_FALSE(cut) << sample.name << " cut at " << n;
            const DecodeError& e = cut.Error();
            EXPECT_TRUE(e.kind == DecodeErrorKind::Truncated ||
                        e.kind == DecodeErrorKind::BadLength)
              << sample.name << " " << n << ": " << e.ToString();
            EXPECT_EQ(int(e.payloadType), int(TypeAt(spans, n)))
              << sample.name << " " << n << ": " << e.ToString();
            EXPECT_GE(e.offset, 1000u);
            EXPECT_LE(e.offset, 1000u + n);
        }
    }
}

TEST(IkeMessageMalformed, InnerChainRejectsSkAndTrailingData)
{
    Bytes sk = Raw(0, Fill(20, 1));
    auto nested = DecodePayloadChain(T(PayloadType::Sk), sk.data(), sk.size(), 32);
    ASSERT_FALSE(nested);
    EXPECT_EQ(nested.Error().kind, DecodeErrorKind::MisplacedSk);
    EXPECT_EQ(nested.Error().offset, 32u);

    Bytes trailing = Cat({ Raw(0, Fill(16, 1)), { 0, 0 } });
    auto t = DecodePayloadChain(T(PayloadType::Nonce), trailing.data(), trailing.size(), 32);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.Error().kind, DecodeErrorKind::TrailingData);
    EXPECT_EQ(t.Error().offset, 32u + 20);

    Bytes empty;
    auto missing = DecodePayloadChain(T(PayloadType::IdI), empty.data(), 0, 32);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.Error().kind, DecodeErrorKind::Truncated);
    EXPECT_EQ(missing.Error().payloadType, T(PayloadType::IdI));
}

// Every single-octet corruption of every sample either decodes to something that survives a
// re-encode, or yields an error whose offset lies inside the datagram.
TEST(IkeMessageMalformed, EveryOctetFlipIsHandled)
{
    for (const auto& sample : SampleMessages())
    {
        const Bytes wire = EncodeMessage(sample.message);
        for (size_t i = 0; i < wire.size(); ++i)
        {
            for (uint8_t x : { 0x01, 0x80, 0xff })
            {
                Bytes bad = wire;
                bad[i] ^= x;
                auto decoded = DecodeMessage(bad);
                if (!decoded)
                {
                    EXPECT_LE(decoded.Error().offset, bad.size());
                    continue;
                }
                Bytes again = EncodeMessage(decoded.Value());
                auto redecoded = DecodeMessage(again);
                ASSERT_TRUE(redecoded)
                  << sample.name << " flip " << i << ": " << redecoded.Error().ToString();
                EXPECT_EQ(redecoded.Value(), decoded.Value()) << sample.name << " flip " << i;
            }
        }
    }
}

TEST(IkeMessageMalformed, ErrorToStringNamesEverything)
{
    auto d = DecodeMessage(SinglePayload(PayloadType::Delete, Cat({ { 3, 4, 0, 3 }, Fill(8, 1) })));
    ASSERT_FALSE(d);
    std::string s = d.Error().ToString();
    EXPECT_NE(s.find("BadLength"), std::string::npos) << s;
    EXPECT_NE(s.find(" D "), std::string::npos) << s;
    EXPECT_NE(s.find("34"), std::string::npos) << s;
    EXPECT_NE(s.find("3 SPIs"), std::string::npos) << s;
}

// ---------------------------------------------------------------------------------------------
// Names

TEST(IkeMessageNames, ExchangePayloadAndNotifyNames)
{
    EXPECT_STREQ(ExchangeTypeName(34), "IKE_SA_INIT");
    EXPECT_STREQ(ExchangeTypeName(35), "IKE_AUTH");
    EXPECT_STREQ(ExchangeTypeName(36), "CREATE_CHILD_SA");
    EXPECT_STREQ(ExchangeTypeName(37), "INFORMATIONAL");
    EXPECT_STREQ(ExchangeTypeName(38), "IKE_SESSION_RESUME");
    EXPECT_STREQ(ExchangeTypeName(99), "UNKNOWN_EXCHANGE");
    EXPECT_STREQ(PayloadTypeName(33), "SA");
    EXPECT_STREQ(PayloadTypeName(46), "SK");
    EXPECT_STREQ(PayloadTypeName(48), "EAP");
    EXPECT_STREQ(PayloadTypeName(49), "UNKNOWN");
    for (uint8_t t = 33; t <= 48; ++t)
    {
        EXPECT_STRNE(PayloadTypeName(t), "UNKNOWN") << int(t);
    }
    const std::vector<std::pair<uint16_t, const char*>> notifies = {
        { notify::kUnsupportedCriticalPayload, "UNSUPPORTED_CRITICAL_PAYLOAD" },
        { notify::kInvalidIkeSpi, "INVALID_IKE_SPI" },
        { notify::kInvalidMajorVersion, "INVALID_MAJOR_VERSION" },
        { notify::kInvalidSyntax, "INVALID_SYNTAX" },
        { notify::kInvalidMessageId, "INVALID_MESSAGE_ID" },
        { notify::kInvalidSpi, "INVALID_SPI" },
        { notify::kNoProposalChosen, "NO_PROPOSAL_CHOSEN" },
        { notify::kInvalidKePayload, "INVALID_KE_PAYLOAD" },
        { notify::kAuthenticationFailed, "AUTHENTICATION_FAILED" },
        { notify::kSinglePairRequired, "SINGLE_PAIR_REQUIRED" },
        { notify::kNoAdditionalSas, "NO_ADDITIONAL_SAS" },
        { notify::kInternalAddressFailure, "INTERNAL_ADDRESS_FAILURE" },
        { notify::kFailedCpRequired, "FAILED_CP_REQUIRED" },
        { notify::kTsUnacceptable, "TS_UNACCEPTABLE" },
        { notify::kInvalidSelectors, "INVALID_SELECTORS" },
        { notify::kTemporaryFailure, "TEMPORARY_FAILURE" },
        { notify::kChildSaNotFound, "CHILD_SA_NOT_FOUND" },
        { notify::kInitialContact, "INITIAL_CONTACT" },
        { notify::kSetWindowSize, "SET_WINDOW_SIZE" },
        { notify::kAdditionalTsPossible, "ADDITIONAL_TS_POSSIBLE" },
        { notify::kIpcompSupported, "IPCOMP_SUPPORTED" },
        { notify::kNatDetectionSourceIp, "NAT_DETECTION_SOURCE_IP" },
        { notify::kNatDetectionDestinationIp, "NAT_DETECTION_DESTINATION_IP" },
        { notify::kCookie, "COOKIE" },
        { notify::kUseTransportMode, "USE_TRANSPORT_MODE" },
        { notify::kHttpCertLookupSupported, "HTTP_CERT_LOOKUP_SUPPORTED" },
        { notify::kRekeySa, "REKEY_SA" },
        { notify::kEspTfcPaddingNotSupported, "ESP_TFC_PADDING_NOT_SUPPORTED" },
        { notify::kNonFirstFragmentsAlso, "NON_FIRST_FRAGMENTS_ALSO" },
        { notify::kMobikeSupported, "MOBIKE_SUPPORTED" },
        { notify::kQcdToken, "QUICK_CRASH_DETECTION" },
        { notify::kIkev2MessageIdSyncSupported, "IKEV2_MESSAGE_ID_SYNC_SUPPORTED" },
        { notify::kIpsecReplayCounterSyncSupported, "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED" },
        { notify::kIkev2MessageIdSync, "IKEV2_MESSAGE_ID_SYNC" },
        { notify::kIpsecReplayCounterSync, "IPSEC_REPLAY_COUNTER_SYNC" },
        { notify::kSignatureHashAlgorithms, "SIGNATURE_HASH_ALGORITHMS" },
        { notify::kCheckSpi, "CHECK_SPI" },
    };
    for (const auto& [type, name] : notifies)
    {
        EXPECT_EQ(NotifyTypeName(type), name) << type;
    }
    EXPECT_EQ(NotifyTypeName(12345), "12345");
    EXPECT_EQ(NotifyTypeName(0), "0");
}

// ---------------------------------------------------------------------------------------------
// Seed corpus for tests/fuzz/ike-decoder-fuzzer.cc

std::string
CorpusDir()
{
    std::string here = __FILE__;
    const std::string suffix = "tests/engine/ike-message-test.cc";
    if (here.size() < suffix.size() ||
        here.compare(here.size() - suffix.size(), suffix.size(), suffix) != 0)
    {
        return "";
    }
    return here.substr(0, here.size() - suffix.size()) + "tests/fuzz/corpus/ike-decoder/";
}

/// Seed files: whole messages, and inner chains prefixed by their first payload type (the
/// fuzzer also feeds the input to DecodePayloadChain with the first octet as that type).
std::vector<std::pair<std::string, Bytes>>
CorpusSeeds()
{
    std::vector<std::pair<std::string, Bytes>> seeds;
    for (const auto& m : SampleMessages())
    {
        seeds.emplace_back(std::string("msg-") + m.name + ".bin", EncodeMessage(m.message));
    }
    seeds.emplace_back("real-strongswan-ike-sa-init-request.bin",
                       FromHexOrEmpty(kStrongSwanSaInitRequest));
    seeds.emplace_back("real-strongswan-ike-sa-init-response.bin",
                       FromHexOrEmpty(kStrongSwanSaInitResponse));
    seeds.emplace_back("real-strongswan-ike-auth-request.bin",
                       FromHexOrEmpty(kStrongSwanIkeAuthRequest));
    for (const auto& c : SampleChains())
    {
        uint8_t first = 0;
        Bytes chain = EncodeChain(c.payloads, first);
        chain.insert(chain.begin(), first);
        seeds.emplace_back(std::string("chain-") + c.name + ".bin", chain);
    }
    return seeds;
}

TEST(IkeMessageCorpus, SeedFilesMatchTheGenerator)
{
    const std::string dir = CorpusDir();
    ASSERT_FALSE(dir.empty()) << "cannot locate the source tree from " << __FILE__;
    const char* write = std::getenv("IKE_WRITE_CORPUS");
    if (write && std::string(write) == "1")
    {
        ::mkdir(dir.c_str(), 0755);
        for (const auto& [name, data] : CorpusSeeds())
        {
            std::ofstream out(dir + name, std::ios::binary | std::ios::trunc);
            out.write(reinterpret_cast<const char*>(data.data()), data.size());
            ASSERT_TRUE(out.good()) << dir + name;
        }
    }
    for (const auto& [name, data] : CorpusSeeds())
    {
        std::ifstream in(dir + name, std::ios::binary);
        ASSERT_TRUE(in.good()) << dir + name << " missing: run with IKE_WRITE_CORPUS=1";
        Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(file, data) << name << " is stale: run with IKE_WRITE_CORPUS=1";
        if (name.rfind("chain-", 0) != 0)
        {
            EXPECT_TRUE(DecodeMessage(file)) << name;
        }
        else
        {
            ASSERT_FALSE(file.empty());
            EXPECT_TRUE(DecodePayloadChain(file[0], file.data() + 1, file.size() - 1, 1)) << name;
        }
    }
}

} // namespace
} // namespace ikev2

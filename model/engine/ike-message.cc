#include "ike-message.h"

#include <utility>

namespace ikev2
{

namespace
{

constexpr uint8_t kCriticalBit = 0x80;
constexpr uint16_t kAttrFormatBit = 0x8000;
constexpr uint8_t kLastProposal = 0;
constexpr uint8_t kMoreProposals = 2;
constexpr uint8_t kLastTransform = 0;
constexpr uint8_t kMoreTransforms = 3;
constexpr size_t kProposalHeaderSize = 8;
constexpr size_t kTransformHeaderSize = 8;
constexpr size_t kSelectorHeaderSize = 8;
constexpr size_t kIpv4SelectorSize = 16;
constexpr size_t kIpv6SelectorSize = 40;
constexpr size_t kMinNonceSize = 16;
constexpr size_t kMaxNonceSize = 256;

uint8_t
TypeByte(PayloadType t)
{
    return static_cast<uint8_t>(t);
}

bool
IsKnownPayloadType(uint8_t type)
{
    return type >= TypeByte(PayloadType::Sa) && type <= TypeByte(PayloadType::Eap);
}

/// Collects the first error; every decoder below returns false right after calling Fail().
class Decoder
{
  public:
    bool Fail(DecodeErrorKind kind, uint8_t payloadType, size_t offset, std::string reason)
    {
        m_error.kind = kind;
        m_error.payloadType = payloadType;
        m_error.offset = offset;
        m_error.reason = std::move(reason);
        return false;
    }

    const DecodeError& Error() const { return m_error; }

    bool Chain(uint8_t first, ByteReader& r, bool allowSk, std::vector<Payload>& out);

  private:
    bool Body(uint8_t type, ByteReader& body, PayloadBody& out);
    bool Sa(ByteReader& body, SaPayload& out);
    bool ProposalAt(ByteReader& sa, uint8_t& lastFlag, Proposal& out);
    bool TransformAt(ByteReader& proposal, uint8_t& lastFlag, Transform& out);
    bool Attributes(ByteReader& r, std::vector<TransformAttribute>& out);
    bool Ke(ByteReader& body, KePayload& out);
    bool Nonce(ByteReader& body, NoncePayload& out);
    bool Notify(ByteReader& body, NotifyPayload& out);
    bool Delete(ByteReader& body, DeletePayload& out);
    bool Ts(uint8_t type, ByteReader& body, TsPayload& out);
    bool Cp(ByteReader& body, CpPayload& out);
    /// Fails with BadLength unless @p body holds at least @p n octets.
    bool Need(uint8_t type, const ByteReader& body, size_t n, const char* what);

    DecodeError m_error;
};

bool
Decoder::Need(uint8_t type, const ByteReader& body, size_t n, const char* what)
{
    if (body.Remaining() >= n)
    {
        return true;
    }
    return Fail(DecodeErrorKind::BadLength,
                type,
                body.Offset(),
                std::string(PayloadTypeName(type)) + " body of " +
                  std::to_string(body.Remaining()) + " octets is shorter than its " +
                  std::to_string(n) + "-octet " + what);
}

bool
Decoder::Chain(uint8_t first, ByteReader& r, bool allowSk, std::vector<Payload>& out)
{
    uint8_t next = first;
    while (next != TypeByte(PayloadType::None))
    {
        const uint8_t type = next;
        const size_t start = r.Offset();
        uint8_t flags = 0;
        uint16_t length = 0;
        if (r.Remaining() < kGenericPayloadHeaderSize)
        {
            return Fail(DecodeErrorKind::Truncated,
                        type,
                        start,
                        "generic payload header needs 4 octets, " + std::to_string(r.Remaining()) +
                          " left");
        }
        r.ReadU8(next);
        r.ReadU8(flags);
        r.ReadU16(length);
        if (length < kGenericPayloadHeaderSize)
        {
            return Fail(DecodeErrorKind::BadLength,
                        type,
                        start,
                        "payload length " + std::to_string(length) + " is below 4");
        }
        ByteReader body;
        if (!r.ReadSub(length - kGenericPayloadHeaderSize, body))
        {
            return Fail(DecodeErrorKind::Truncated,
                        type,
                        start,
                        "payload length " + std::to_string(length) + " exceeds the " +
                          std::to_string(r.Remaining() + kGenericPayloadHeaderSize) +
                          " octets left");
        }

        Payload payload;
        payload.type = type;
        payload.critical = (flags & kCriticalBit) != 0; // the 7 reserved bits are ignored
        if (type == TypeByte(PayloadType::Sk))
        {
            if (!allowSk)
            {
                return Fail(DecodeErrorKind::MisplacedSk,
                            type,
                            start,
                            "SK payload inside an encrypted chain");
            }
            // The generic header's Next Payload names the first inner payload, so SK always
            // ends the outer chain: anything after it is a misplaced payload (RFC 7296 3.14).
            SkPayload sk;
            sk.firstInner = next;
            body.ReadRest(sk.body);
            payload.body = std::move(sk);
            out.push_back(std::move(payload));
            if (!r.Empty())
            {
                return Fail(DecodeErrorKind::MisplacedSk,
                            type,
                            r.Offset(),
                            "SK is not the last payload: " + std::to_string(r.Remaining()) +
                              " octets follow it");
            }
            return true;
        }
        if (!IsKnownPayloadType(type))
        {
            // RFC 7296 3.2: skip an unknown payload unless its critical bit is set.
            if (payload.critical)
            {
                return Fail(DecodeErrorKind::UnsupportedCritical,
                            type,
                            start,
                            "unknown payload type " + std::to_string(type) +
                              " with the critical bit set");
            }
            UnknownPayload unknown;
            body.ReadRest(unknown.body);
            payload.body = std::move(unknown);
        }
        else if (!Body(type, body, payload.body))
        {
            return false;
        }
        out.push_back(std::move(payload));
    }
    if (!r.Empty())
    {
        return Fail(DecodeErrorKind::TrailingData,
                    TypeByte(PayloadType::None),
                    r.Offset(),
                    std::to_string(r.Remaining()) + " octets after the last payload");
    }
    return true;
}

bool
Decoder::Body(uint8_t type, ByteReader& body, PayloadBody& out)
{
    switch (static_cast<PayloadType>(type))
    {
        case PayloadType::Sa:
        {
            SaPayload p;
            if (!Sa(body, p))
            {
                return false;
            }
            out = std::move(p);
            return true;
        }
        case PayloadType::Ke:
        {
            KePayload p;
            if (!Ke(body, p))
            {
                return false;
            }
            out = std::move(p);
            return true;
        }
        case PayloadType::IdI:
        case PayloadType::IdR:
        {
            if (!Need(type, body, 4, "ID Type and RESERVED"))
            {
                return false;
            }
            IdPayload p;
            body.ReadU8(p.idType);
            body.Skip(3);
            body.ReadRest(p.data);
            out = std::move(p);
            return true;
        }
        case PayloadType::Cert:
        case PayloadType::CertReq:
        {
            if (!Need(type, body, 1, "Encoding field"))
            {
                return false;
            }
            CertPayload p;
            body.ReadU8(p.encoding);
            body.ReadRest(p.data);
            out = std::move(p);
            return true;
        }
        case PayloadType::Auth:
        {
            if (!Need(type, body, 4, "Auth Method and RESERVED"))
            {
                return false;
            }
            AuthPayload p;
            body.ReadU8(p.method);
            body.Skip(3);
            body.ReadRest(p.data);
            out = std::move(p);
            return true;
        }
        case PayloadType::Nonce:
        {
            NoncePayload p;
            if (!Nonce(body, p))
            {
                return false;
            }
            out = std::move(p);
            return true;
        }
        case PayloadType::Notify:
        {
            NotifyPayload p;
            if (!Notify(body, p))
            {
                return false;
            }
            out = std::move(p);
            return true;
        }
        case PayloadType::Delete:
        {
            DeletePayload p;
            if (!Delete(body, p))
            {
                return false;
            }
            out = std::move(p);
            return true;
        }
        case PayloadType::VendorId:
        {
            VendorIdPayload p;
            body.ReadRest(p.data);
            out = std::move(p);
            return true;
        }
        case PayloadType::TsI:
        case PayloadType::TsR:
        {
            TsPayload p;
            if (!Ts(type, body, p))
            {
                return false;
            }
            out = std::move(p);
            return true;
        }
        case PayloadType::Cp:
        {
            CpPayload p;
            if (!Cp(body, p))
            {
                return false;
            }
            out = std::move(p);
            return true;
        }
        case PayloadType::Eap:
        {
            EapPayload p;
            body.ReadRest(p.data);
            out = std::move(p);
            return true;
        }
        default:
            break;
    }
    // Unknown types never reach here: Chain() keeps them as UnknownPayload.
    UnknownPayload unknown;
    body.ReadRest(unknown.body);
    out = std::move(unknown);
    return true;
}

bool
Decoder::Sa(ByteReader& body, SaPayload& out)
{
    const uint8_t type = TypeByte(PayloadType::Sa);
    if (!Need(type, body, kProposalHeaderSize, "minimum of one proposal"))
    {
        return false;
    }
    uint8_t lastFlag = kMoreProposals;
    while (!body.Empty())
    {
        if (lastFlag == kLastProposal)
        {
            return Fail(DecodeErrorKind::BadValue,
                        type,
                        body.Offset(),
                        "a proposal with Last Substruc 0 is followed by " +
                          std::to_string(body.Remaining()) + " more octets");
        }
        const size_t start = body.Offset();
        Proposal proposal;
        if (!ProposalAt(body, lastFlag, proposal))
        {
            return false;
        }
        // RFC 7296 3.3.1: the first proposal is numbered 1 (a responder echoes the number it
        // chose, so only non-zero is checked there); each next one repeats or increments it.
        if (proposal.number == 0)
        {
            return Fail(DecodeErrorKind::BadValue, type, start, "proposal number 0");
        }
        if (!out.proposals.empty())
        {
            const uint8_t prev = out.proposals.back().number;
            if (proposal.number != prev && proposal.number != static_cast<uint8_t>(prev + 1))
            {
                return Fail(DecodeErrorKind::BadValue,
                            type,
                            start,
                            "proposal number " + std::to_string(proposal.number) +
                              " after proposal " + std::to_string(prev));
            }
        }
        out.proposals.push_back(std::move(proposal));
    }
    if (lastFlag != kLastProposal)
    {
        return Fail(DecodeErrorKind::Truncated,
                    type,
                    body.Offset(),
                    "the last proposal announces more proposals (Last Substruc 2)");
    }
    return true;
}

bool
Decoder::ProposalAt(ByteReader& sa, uint8_t& lastFlag, Proposal& out)
{
    const uint8_t type = TypeByte(PayloadType::Sa);
    const size_t start = sa.Offset();
    if (sa.Remaining() < kProposalHeaderSize)
    {
        return Fail(DecodeErrorKind::Truncated,
                    type,
                    start,
                    "proposal header needs 8 octets, " + std::to_string(sa.Remaining()) +
                      " left in the SA payload");
    }
    uint8_t reserved = 0;
    uint16_t length = 0;
    uint8_t spiSize = 0;
    uint8_t transformCount = 0;
    sa.ReadU8(lastFlag);
    sa.ReadU8(reserved);
    sa.ReadU16(length);
    sa.ReadU8(out.number);
    sa.ReadU8(out.protocolId);
    sa.ReadU8(spiSize);
    sa.ReadU8(transformCount);
    if (lastFlag != kLastProposal && lastFlag != kMoreProposals)
    {
        return Fail(DecodeErrorKind::BadValue,
                    type,
                    start,
                    "proposal Last Substruc " + std::to_string(lastFlag) + " is neither 0 nor 2");
    }
    if (length < kProposalHeaderSize + spiSize)
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    start,
                    "proposal length " + std::to_string(length) + " is below 8 + SPI size " +
                      std::to_string(spiSize));
    }
    ByteReader p;
    if (!sa.ReadSub(length - kProposalHeaderSize, p))
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    start,
                    "proposal length " + std::to_string(length) + " exceeds the " +
                      std::to_string(sa.Remaining() + kProposalHeaderSize) +
                      " octets left in the SA payload");
    }
    const auto protocol = static_cast<ProtocolId>(out.protocolId);
    if (protocol != ProtocolId::Ike && protocol != ProtocolId::Ah && protocol != ProtocolId::Esp)
    {
        return Fail(DecodeErrorKind::BadValue,
                    type,
                    start + 5,
                    "proposal protocol ID " + std::to_string(out.protocolId));
    }
    // RFC 7296 3.3.1: IKE uses no SPI in IKE_SA_INIT and 8 octets when rekeying; AH/ESP use 4.
    const bool spiOk = protocol == ProtocolId::Ike ? (spiSize == 0 || spiSize == 8) : spiSize == 4;
    if (!spiOk)
    {
        return Fail(DecodeErrorKind::BadValue,
                    type,
                    start + 6,
                    "SPI size " + std::to_string(spiSize) + " for protocol " +
                      std::to_string(out.protocolId));
    }
    p.ReadBytes(spiSize, out.spi);

    uint8_t transformFlag = kMoreTransforms;
    while (!p.Empty())
    {
        if (transformFlag == kLastTransform)
        {
            return Fail(DecodeErrorKind::BadValue,
                        type,
                        p.Offset(),
                        "a transform with Last Substruc 0 is followed by " +
                          std::to_string(p.Remaining()) + " more octets");
        }
        Transform t;
        if (!TransformAt(p, transformFlag, t))
        {
            return false;
        }
        out.transforms.push_back(std::move(t));
    }
    if (!out.transforms.empty() && transformFlag != kLastTransform)
    {
        return Fail(DecodeErrorKind::BadValue,
                    type,
                    p.Offset(),
                    "the last transform announces more transforms (Last Substruc 3)");
    }
    if (out.transforms.size() != transformCount)
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    start + 7,
                    "proposal announces " + std::to_string(transformCount) +
                      " transforms but holds " + std::to_string(out.transforms.size()));
    }
    return true;
}

bool
Decoder::TransformAt(ByteReader& proposal, uint8_t& lastFlag, Transform& out)
{
    const uint8_t type = TypeByte(PayloadType::Sa);
    const size_t start = proposal.Offset();
    if (proposal.Remaining() < kTransformHeaderSize)
    {
        return Fail(DecodeErrorKind::Truncated,
                    type,
                    start,
                    "transform header needs 8 octets, " + std::to_string(proposal.Remaining()) +
                      " left in the proposal");
    }
    uint8_t reserved = 0;
    uint16_t length = 0;
    proposal.ReadU8(lastFlag);
    proposal.ReadU8(reserved);
    proposal.ReadU16(length);
    proposal.ReadU8(out.type);
    proposal.ReadU8(reserved);
    proposal.ReadU16(out.id);
    if (lastFlag != kLastTransform && lastFlag != kMoreTransforms)
    {
        return Fail(DecodeErrorKind::BadValue,
                    type,
                    start,
                    "transform Last Substruc " + std::to_string(lastFlag) + " is neither 0 nor 3");
    }
    if (length < kTransformHeaderSize)
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    start,
                    "transform length " + std::to_string(length) + " is below 8");
    }
    ByteReader attrs;
    if (!proposal.ReadSub(length - kTransformHeaderSize, attrs))
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    start,
                    "transform length " + std::to_string(length) + " exceeds the " +
                      std::to_string(proposal.Remaining() + kTransformHeaderSize) +
                      " octets left in the proposal");
    }
    return Attributes(attrs, out.attributes);
}

bool
Decoder::Attributes(ByteReader& r, std::vector<TransformAttribute>& out)
{
    const uint8_t type = TypeByte(PayloadType::Sa);
    while (!r.Empty())
    {
        const size_t start = r.Offset();
        uint16_t word = 0;
        uint16_t value = 0;
        if (!r.ReadU16(word) || !r.ReadU16(value))
        {
            return Fail(DecodeErrorKind::Truncated,
                        type,
                        start,
                        "transform attribute needs 4 octets, " + std::to_string(r.Remaining()) +
                          " left in the transform");
        }
        TransformAttribute a;
        a.type = word & ~kAttrFormatBit;
        a.tv = (word & kAttrFormatBit) != 0;
        if (a.tv)
        {
            a.tvValue = value;
        }
        else if (!r.ReadBytes(value, a.tlvValue))
        {
            return Fail(DecodeErrorKind::BadLength,
                        type,
                        start,
                        "TLV attribute length " + std::to_string(value) + " exceeds the " +
                          std::to_string(r.Remaining()) + " octets left in the transform");
        }
        out.push_back(std::move(a));
    }
    return true;
}

bool
Decoder::Ke(ByteReader& body, KePayload& out)
{
    if (!Need(TypeByte(PayloadType::Ke), body, 4, "DH Group Num and RESERVED"))
    {
        return false;
    }
    body.ReadU16(out.group);
    body.Skip(2);
    body.ReadRest(out.data);
    return true;
}

bool
Decoder::Nonce(ByteReader& body, NoncePayload& out)
{
    // RFC 7296 3.9: at least 128 bits and at most 256 octets.
    if (body.Remaining() < kMinNonceSize || body.Remaining() > kMaxNonceSize)
    {
        return Fail(DecodeErrorKind::BadLength,
                    TypeByte(PayloadType::Nonce),
                    body.Offset(),
                    "nonce of " + std::to_string(body.Remaining()) + " octets is outside 16..256");
    }
    body.ReadRest(out.nonce);
    return true;
}

bool
Decoder::Notify(ByteReader& body, NotifyPayload& out)
{
    const uint8_t type = TypeByte(PayloadType::Notify);
    if (!Need(type, body, 4, "Protocol ID, SPI Size and Notify Message Type"))
    {
        return false;
    }
    uint8_t spiSize = 0;
    body.ReadU8(out.protocolId);
    body.ReadU8(spiSize);
    body.ReadU16(out.type);
    // Protocol ID and SPI size are not restricted further: RFC 7296 3.10 wants the protocol
    // ignored when there is no SPI, and the SIR CHECK_SPI notify carries IKE SPIs.
    if (!body.ReadBytes(spiSize, out.spi))
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    body.Offset() - 3,
                    "SPI size " + std::to_string(spiSize) + " exceeds the " +
                      std::to_string(body.Remaining()) + " octets left in the notify");
    }
    body.ReadRest(out.data);
    return true;
}

bool
Decoder::Delete(ByteReader& body, DeletePayload& out)
{
    const uint8_t type = TypeByte(PayloadType::Delete);
    if (!Need(type, body, 4, "Protocol ID, SPI Size and # of SPIs"))
    {
        return false;
    }
    const size_t start = body.Offset();
    uint16_t count = 0;
    body.ReadU8(out.protocolId);
    body.ReadU8(out.spiSize);
    body.ReadU16(count);
    const auto protocol = static_cast<ProtocolId>(out.protocolId);
    if (protocol != ProtocolId::Ike && protocol != ProtocolId::Ah && protocol != ProtocolId::Esp)
    {
        return Fail(DecodeErrorKind::BadValue,
                    type,
                    start,
                    "delete protocol ID " + std::to_string(out.protocolId));
    }
    // RFC 7296 3.11: zero for IKE (the SPIs are in the header), four for AH and ESP.
    const uint8_t expected = protocol == ProtocolId::Ike ? 0 : 4;
    if (out.spiSize != expected)
    {
        return Fail(DecodeErrorKind::BadValue,
                    type,
                    start + 1,
                    "delete SPI size " + std::to_string(out.spiSize) + " for protocol " +
                      std::to_string(out.protocolId));
    }
    const size_t need = size_t{ count } * out.spiSize;
    if (body.Remaining() != need)
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    start + 2,
                    std::to_string(count) + " SPIs of " + std::to_string(out.spiSize) +
                      " octets need " + std::to_string(need) + " octets, the payload has " +
                      std::to_string(body.Remaining()));
    }
    out.spis.resize(count);
    for (auto& spi : out.spis)
    {
        body.ReadBytes(out.spiSize, spi);
    }
    return true;
}

bool
Decoder::Ts(uint8_t type, ByteReader& body, TsPayload& out)
{
    if (!Need(type, body, 4, "Number of TSs and RESERVED"))
    {
        return false;
    }
    const size_t countOffset = body.Offset();
    uint8_t count = 0;
    body.ReadU8(count);
    body.Skip(3);
    while (!body.Empty())
    {
        const size_t start = body.Offset();
        TrafficSelector ts;
        uint16_t length = 0;
        if (body.Remaining() < 4)
        {
            return Fail(DecodeErrorKind::Truncated,
                        type,
                        start,
                        "traffic selector header needs 4 octets, " +
                          std::to_string(body.Remaining()) + " left");
        }
        body.ReadU8(ts.tsType);
        body.ReadU8(ts.ipProtocol);
        body.ReadU16(length);
        size_t expected = 0;
        size_t addressSize = 0;
        if (ts.tsType == static_cast<uint8_t>(TsType::Ipv4AddrRange))
        {
            expected = kIpv4SelectorSize;
            addressSize = 4;
        }
        else if (ts.tsType == static_cast<uint8_t>(TsType::Ipv6AddrRange))
        {
            expected = kIpv6SelectorSize;
            addressSize = 16;
        }
        else
        {
            return Fail(DecodeErrorKind::BadValue,
                        type,
                        start,
                        "unsupported traffic selector type " + std::to_string(ts.tsType));
        }
        if (length != expected)
        {
            return Fail(DecodeErrorKind::BadLength,
                        type,
                        start,
                        "selector length " + std::to_string(length) + " for TS type " +
                          std::to_string(ts.tsType) + " must be " + std::to_string(expected));
        }
        if (body.Remaining() < expected - 4)
        {
            return Fail(DecodeErrorKind::BadLength,
                        type,
                        start,
                        "selector length " + std::to_string(length) + " exceeds the " +
                          std::to_string(body.Remaining() + 4) + " octets left in the payload");
        }
        body.ReadU16(ts.startPort);
        body.ReadU16(ts.endPort);
        body.ReadBytes(addressSize, ts.startAddress);
        body.ReadBytes(addressSize, ts.endAddress);
        out.selectors.push_back(std::move(ts));
    }
    if (out.selectors.size() != count)
    {
        return Fail(DecodeErrorKind::BadLength,
                    type,
                    countOffset,
                    "payload announces " + std::to_string(count) + " traffic selectors but holds " +
                      std::to_string(out.selectors.size()));
    }
    return true;
}

bool
Decoder::Cp(ByteReader& body, CpPayload& out)
{
    const uint8_t type = TypeByte(PayloadType::Cp);
    if (!Need(type, body, 4, "CFG Type and RESERVED"))
    {
        return false;
    }
    body.ReadU8(out.cfgType);
    body.Skip(3);
    while (!body.Empty())
    {
        const size_t start = body.Offset();
        uint16_t word = 0;
        uint16_t length = 0;
        if (!body.ReadU16(word) || !body.ReadU16(length))
        {
            return Fail(DecodeErrorKind::Truncated,
                        type,
                        start,
                        "configuration attribute needs 4 octets, " +
                          std::to_string(body.Remaining()) + " left");
        }
        CpAttribute a;
        a.type = word & 0x7fff; // the top bit is reserved
        if (!body.ReadBytes(length, a.value))
        {
            return Fail(DecodeErrorKind::BadLength,
                        type,
                        start,
                        "configuration attribute length " + std::to_string(length) +
                          " exceeds the " + std::to_string(body.Remaining()) +
                          " octets left in the payload");
        }
        out.attributes.push_back(std::move(a));
    }
    return true;
}

void
EncodeAttributes(const std::vector<TransformAttribute>& attributes, ByteWriter& out)
{
    for (const auto& a : attributes)
    {
        if (a.tv)
        {
            out.U16(static_cast<uint16_t>(kAttrFormatBit | (a.type & ~kAttrFormatBit)));
            out.U16(a.tvValue);
        }
        else
        {
            out.U16(static_cast<uint16_t>(a.type & ~kAttrFormatBit));
            out.U16(static_cast<uint16_t>(a.tlvValue.size()));
            out.Append(a.tlvValue);
        }
    }
}

void
EncodeSa(const SaPayload& sa, ByteWriter& out)
{
    for (size_t i = 0; i < sa.proposals.size(); ++i)
    {
        const Proposal& p = sa.proposals[i];
        const size_t start = out.Size();
        out.U8(i + 1 == sa.proposals.size() ? kLastProposal : kMoreProposals);
        out.U8(0);
        out.U16(0); // patched below
        out.U8(p.number);
        out.U8(p.protocolId);
        out.U8(static_cast<uint8_t>(p.spi.size()));
        out.U8(static_cast<uint8_t>(p.transforms.size()));
        out.Append(p.spi);
        for (size_t j = 0; j < p.transforms.size(); ++j)
        {
            const Transform& t = p.transforms[j];
            const size_t tStart = out.Size();
            out.U8(j + 1 == p.transforms.size() ? kLastTransform : kMoreTransforms);
            out.U8(0);
            out.U16(0); // patched below
            out.U8(t.type);
            out.U8(0);
            out.U16(t.id);
            EncodeAttributes(t.attributes, out);
            out.PatchU16(tStart + 2, static_cast<uint16_t>(out.Size() - tStart));
        }
        out.PatchU16(start + 2, static_cast<uint16_t>(out.Size() - start));
    }
}

void
EncodeTs(const TsPayload& ts, ByteWriter& out)
{
    out.U8(static_cast<uint8_t>(ts.selectors.size()));
    out.Zeros(3);
    for (const auto& s : ts.selectors)
    {
        out.U8(s.tsType);
        out.U8(s.ipProtocol);
        out.U16(
          static_cast<uint16_t>(kSelectorHeaderSize + s.startAddress.size() + s.endAddress.size()));
        out.U16(s.startPort);
        out.U16(s.endPort);
        out.Append(s.startAddress);
        out.Append(s.endAddress);
    }
}

/// Visitor writing each body variant.
struct BodyEncoder
{
    ByteWriter& out;

    void operator()(const SaPayload& p) const { EncodeSa(p, out); }

    void operator()(const KePayload& p) const
    {
        out.U16(p.group);
        out.U16(0);
        out.Append(p.data);
    }

    void operator()(const NoncePayload& p) const { out.Append(p.nonce); }

    void operator()(const IdPayload& p) const
    {
        out.U8(p.idType);
        out.Zeros(3);
        out.Append(p.data);
    }

    void operator()(const CertPayload& p) const
    {
        out.U8(p.encoding);
        out.Append(p.data);
    }

    void operator()(const AuthPayload& p) const
    {
        out.U8(p.method);
        out.Zeros(3);
        out.Append(p.data);
    }

    void operator()(const NotifyPayload& p) const
    {
        out.U8(p.protocolId);
        out.U8(static_cast<uint8_t>(p.spi.size()));
        out.U16(p.type);
        out.Append(p.spi);
        out.Append(p.data);
    }

    void operator()(const DeletePayload& p) const
    {
        out.U8(p.protocolId);
        out.U8(p.spiSize);
        out.U16(static_cast<uint16_t>(p.spis.size()));
        for (const auto& spi : p.spis)
        {
            out.Append(spi);
        }
    }

    void operator()(const VendorIdPayload& p) const { out.Append(p.data); }

    void operator()(const TsPayload& p) const { EncodeTs(p, out); }

    void operator()(const CpPayload& p) const
    {
        out.U8(p.cfgType);
        out.Zeros(3);
        for (const auto& a : p.attributes)
        {
            out.U16(static_cast<uint16_t>(a.type & 0x7fff));
            out.U16(static_cast<uint16_t>(a.value.size()));
            out.Append(a.value);
        }
    }

    void operator()(const EapPayload& p) const { out.Append(p.data); }

    void operator()(const SkPayload& p) const { out.Append(p.body); }

    void operator()(const UnknownPayload& p) const { out.Append(p.body); }
};

template<typename T>
Payload
Make(PayloadType type, T body)
{
    Payload p;
    p.type = TypeByte(type);
    p.body = std::move(body);
    return p;
}

const char*
KindName(DecodeErrorKind kind)
{
    switch (kind)
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
    return "Unknown";
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Decoding

DecodeResult<IkeHeader>
DecodeHeader(const uint8_t* data, size_t size)
{
    ByteReader r(data, size, 0);
    DecodeError err;
    err.payloadType = 0;
    if (r.Remaining() < kIkeHeaderSize)
    {
        err.kind = DecodeErrorKind::Truncated;
        err.offset = 0;
        err.reason =
          "IKE header needs 28 octets, the datagram has " + std::to_string(r.Remaining());
        return err;
    }
    IkeHeader h;
    uint8_t version = 0;
    r.ReadU64(h.spiI);
    r.ReadU64(h.spiR);
    r.ReadU8(h.nextPayload);
    r.ReadU8(version);
    r.ReadU8(h.exchangeType);
    r.ReadU8(h.flags);
    r.ReadU32(h.messageId);
    r.ReadU32(h.length);
    h.majorVersion = version >> 4;
    h.minorVersion = version & 0x0f;
    if (h.majorVersion != 2)
    {
        err.kind = DecodeErrorKind::BadVersion;
        err.offset = 17;
        err.reason = "major version " + std::to_string(h.majorVersion);
        return err;
    }
    if (h.length != size)
    {
        err.kind = DecodeErrorKind::BadLength;
        err.offset = 24;
        err.reason = "header Length " + std::to_string(h.length) + " but the datagram has " +
                     std::to_string(size) + " octets";
        return err;
    }
    return h;
}

DecodeResult<IkeMessage>
DecodeMessage(const uint8_t* data, size_t size)
{
    DecodeResult<IkeHeader> header = DecodeHeader(data, size);
    if (!header)
    {
        return header.Error();
    }
    IkeMessage message;
    message.header = header.Value();
    ByteReader r(data, size, 0);
    r.Skip(kIkeHeaderSize);
    Decoder decoder;
    if (!decoder.Chain(message.header.nextPayload, r, true, message.payloads))
    {
        return decoder.Error();
    }
    return message;
}

DecodeResult<std::vector<Payload>>
DecodePayloadChain(uint8_t first, const uint8_t* data, size_t size, size_t baseOffset)
{
    ByteReader r(data, size, baseOffset);
    std::vector<Payload> payloads;
    Decoder decoder;
    if (!decoder.Chain(first, r, false, payloads))
    {
        return decoder.Error();
    }
    return payloads;
}

// ---------------------------------------------------------------------------------------------
// Encoding

void
EncodeHeader(const IkeHeader& header, uint8_t nextPayload, uint32_t length, ByteWriter& out)
{
    out.U64(header.spiI);
    out.U64(header.spiR);
    out.U8(nextPayload);
    out.U8(static_cast<uint8_t>((header.majorVersion << 4) | (header.minorVersion & 0x0f)));
    out.U8(header.exchangeType);
    out.U8(header.flags);
    out.U32(header.messageId);
    out.U32(length);
}

void
EncodePayloadBody(const Payload& payload, ByteWriter& out)
{
    std::visit(BodyEncoder{ out }, payload.body);
}

void
EncodePayloadChain(const std::vector<Payload>& payloads, ByteWriter& out, uint8_t& firstType)
{
    firstType = payloads.empty() ? TypeByte(PayloadType::None) : payloads.front().type;
    for (size_t i = 0; i < payloads.size(); ++i)
    {
        const Payload& p = payloads[i];
        uint8_t next = i + 1 < payloads.size() ? payloads[i + 1].type : 0;
        // SK's Next Payload names its first inner payload; SK is meant to be last.
        if (const auto* sk = std::get_if<SkPayload>(&p.body))
        {
            next = sk->firstInner;
        }
        const size_t start = out.Size();
        out.U8(next);
        out.U8(p.critical ? kCriticalBit : 0);
        out.U16(0); // patched below
        EncodePayloadBody(p, out);
        out.PatchU16(start + 2, static_cast<uint16_t>(out.Size() - start));
    }
}

Bytes
EncodeMessage(const IkeMessage& message)
{
    ByteWriter out(256);
    EncodeHeader(message.header, 0, 0, out);
    uint8_t first = 0;
    EncodePayloadChain(message.payloads, out, first);
    out.PatchU8(16, first);
    out.PatchU32(24, static_cast<uint32_t>(out.Size()));
    return out.Take();
}

// ---------------------------------------------------------------------------------------------
// Payload helpers

std::optional<uint16_t>
Transform::KeyLength() const
{
    for (const auto& a : attributes)
    {
        if (a.type == transform::kAttrKeyLength && a.tv)
        {
            return a.tvValue;
        }
    }
    return std::nullopt;
}

Payload
MakePayload(SaPayload p)
{
    return Make(PayloadType::Sa, std::move(p));
}

Payload
MakePayload(KePayload p)
{
    return Make(PayloadType::Ke, std::move(p));
}

Payload
MakePayload(NoncePayload p)
{
    return Make(PayloadType::Nonce, std::move(p));
}

Payload
MakeIdPayload(PayloadType idIorR, IdPayload p)
{
    return Make(idIorR, std::move(p));
}

Payload
MakeCertPayload(PayloadType certOrCertReq, CertPayload p)
{
    return Make(certOrCertReq, std::move(p));
}

Payload
MakePayload(AuthPayload p)
{
    return Make(PayloadType::Auth, std::move(p));
}

Payload
MakePayload(NotifyPayload p)
{
    return Make(PayloadType::Notify, std::move(p));
}

Payload
MakePayload(DeletePayload p)
{
    return Make(PayloadType::Delete, std::move(p));
}

Payload
MakePayload(VendorIdPayload p)
{
    return Make(PayloadType::VendorId, std::move(p));
}

Payload
MakeTsPayload(PayloadType tsIorR, TsPayload p)
{
    return Make(tsIorR, std::move(p));
}

Payload
MakePayload(CpPayload p)
{
    return Make(PayloadType::Cp, std::move(p));
}

Payload
MakePayload(EapPayload p)
{
    return Make(PayloadType::Eap, std::move(p));
}

Payload
MakeNotify(uint16_t type, Bytes data, uint8_t protocolId, Bytes spi)
{
    NotifyPayload n;
    n.type = type;
    n.data = std::move(data);
    n.protocolId = protocolId;
    n.spi = std::move(spi);
    return MakePayload(std::move(n));
}

const Payload*
IkeMessage::Find(PayloadType type) const
{
    for (const auto& p : payloads)
    {
        if (p.type == TypeByte(type))
        {
            return &p;
        }
    }
    return nullptr;
}

const NotifyPayload*
IkeMessage::FindNotify(uint16_t notifyType) const
{
    for (const auto& p : payloads)
    {
        const auto* n = std::get_if<NotifyPayload>(&p.body);
        if (n && n->type == notifyType)
        {
            return n;
        }
    }
    return nullptr;
}

std::vector<const NotifyPayload*>
IkeMessage::FindNotifies(uint16_t notifyType) const
{
    std::vector<const NotifyPayload*> found;
    for (const auto& p : payloads)
    {
        const auto* n = std::get_if<NotifyPayload>(&p.body);
        if (n && n->type == notifyType)
        {
            found.push_back(n);
        }
    }
    return found;
}

// ---------------------------------------------------------------------------------------------
// Names

std::string
DecodeError::ToString() const
{
    return std::string(KindName(kind)) + " in " + PayloadTypeName(payloadType) + " at offset " +
           std::to_string(offset) + ": " + reason;
}

const char*
ExchangeTypeName(uint8_t type)
{
    switch (static_cast<ExchangeType>(type))
    {
        case ExchangeType::IkeSaInit:
            return "IKE_SA_INIT";
        case ExchangeType::IkeAuth:
            return "IKE_AUTH";
        case ExchangeType::CreateChildSa:
            return "CREATE_CHILD_SA";
        case ExchangeType::Informational:
            return "INFORMATIONAL";
        case ExchangeType::IkeSessionResume:
            return "IKE_SESSION_RESUME";
    }
    return "UNKNOWN_EXCHANGE";
}

const char*
PayloadTypeName(uint8_t type)
{
    switch (static_cast<PayloadType>(type))
    {
        case PayloadType::None:
            return "HDR"; // type 0 in a DecodeError means the IKE header itself
        case PayloadType::Sa:
            return "SA";
        case PayloadType::Ke:
            return "KE";
        case PayloadType::IdI:
            return "IDi";
        case PayloadType::IdR:
            return "IDr";
        case PayloadType::Cert:
            return "CERT";
        case PayloadType::CertReq:
            return "CERTREQ";
        case PayloadType::Auth:
            return "AUTH";
        case PayloadType::Nonce:
            return "Nonce";
        case PayloadType::Notify:
            return "N";
        case PayloadType::Delete:
            return "D";
        case PayloadType::VendorId:
            return "V";
        case PayloadType::TsI:
            return "TSi";
        case PayloadType::TsR:
            return "TSr";
        case PayloadType::Sk:
            return "SK";
        case PayloadType::Cp:
            return "CP";
        case PayloadType::Eap:
            return "EAP";
    }
    return "UNKNOWN";
}

std::string
NotifyTypeName(uint16_t type)
{
    switch (type)
    {
        case notify::kUnsupportedCriticalPayload:
            return "UNSUPPORTED_CRITICAL_PAYLOAD";
        case notify::kInvalidIkeSpi:
            return "INVALID_IKE_SPI";
        case notify::kInvalidMajorVersion:
            return "INVALID_MAJOR_VERSION";
        case notify::kInvalidSyntax:
            return "INVALID_SYNTAX";
        case notify::kInvalidMessageId:
            return "INVALID_MESSAGE_ID";
        case notify::kInvalidSpi:
            return "INVALID_SPI";
        case notify::kNoProposalChosen:
            return "NO_PROPOSAL_CHOSEN";
        case notify::kInvalidKePayload:
            return "INVALID_KE_PAYLOAD";
        case notify::kAuthenticationFailed:
            return "AUTHENTICATION_FAILED";
        case notify::kSinglePairRequired:
            return "SINGLE_PAIR_REQUIRED";
        case notify::kNoAdditionalSas:
            return "NO_ADDITIONAL_SAS";
        case notify::kInternalAddressFailure:
            return "INTERNAL_ADDRESS_FAILURE";
        case notify::kFailedCpRequired:
            return "FAILED_CP_REQUIRED";
        case notify::kTsUnacceptable:
            return "TS_UNACCEPTABLE";
        case notify::kInvalidSelectors:
            return "INVALID_SELECTORS";
        case notify::kTemporaryFailure:
            return "TEMPORARY_FAILURE";
        case notify::kChildSaNotFound:
            return "CHILD_SA_NOT_FOUND";
        case notify::kInitialContact:
            return "INITIAL_CONTACT";
        case notify::kSetWindowSize:
            return "SET_WINDOW_SIZE";
        case notify::kAdditionalTsPossible:
            return "ADDITIONAL_TS_POSSIBLE";
        case notify::kIpcompSupported:
            return "IPCOMP_SUPPORTED";
        case notify::kNatDetectionSourceIp:
            return "NAT_DETECTION_SOURCE_IP";
        case notify::kNatDetectionDestinationIp:
            return "NAT_DETECTION_DESTINATION_IP";
        case notify::kCookie:
            return "COOKIE";
        case notify::kUseTransportMode:
            return "USE_TRANSPORT_MODE";
        case notify::kHttpCertLookupSupported:
            return "HTTP_CERT_LOOKUP_SUPPORTED";
        case notify::kRekeySa:
            return "REKEY_SA";
        case notify::kEspTfcPaddingNotSupported:
            return "ESP_TFC_PADDING_NOT_SUPPORTED";
        case notify::kNonFirstFragmentsAlso:
            return "NON_FIRST_FRAGMENTS_ALSO";
        case notify::kMobikeSupported:
            return "MOBIKE_SUPPORTED";
        // Status types strongSwan sends in IKE_SA_INIT (IANA numbers, not in ike-constants.h).
        case 16404:
            return "MULTIPLE_AUTH_SUPPORTED";
        case 16406:
            return "REDIRECT_SUPPORTED";
        case 16418:
            return "CHILDLESS_IKEV2_SUPPORTED";
        case 16430:
            return "IKEV2_FRAGMENTATION_SUPPORTED";
        case notify::kQcdToken:
            return "QUICK_CRASH_DETECTION";
        case notify::kIkev2MessageIdSyncSupported:
            return "IKEV2_MESSAGE_ID_SYNC_SUPPORTED";
        case notify::kIpsecReplayCounterSyncSupported:
            return "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED";
        case notify::kIkev2MessageIdSync:
            return "IKEV2_MESSAGE_ID_SYNC";
        case notify::kIpsecReplayCounterSync:
            return "IPSEC_REPLAY_COUNTER_SYNC";
        case notify::kSignatureHashAlgorithms:
            return "SIGNATURE_HASH_ALGORITHMS";
        case notify::kCheckSpi:
            return "CHECK_SPI";
        default:
            break;
    }
    return std::to_string(type);
}

} // namespace ikev2

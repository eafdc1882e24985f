// The IKEv2 message codec (RFC 7296 section 3): typed payloads, encoding and decoding.
//
// Decoding never trusts a length: every malformed input yields a DecodeError that names the
// payload, the absolute offset and the reason. The SK payload is carried opaque here
// (IV | ciphertext | ICV); sk-payload.h seals and opens it and decodes the inner chain with
// DecodePayloadChain().
#ifndef IKEV2_IKE_MESSAGE_H
#define IKEV2_IKE_MESSAGE_H

#include "bytes.h"
#include "ike-constants.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ikev2
{

struct IkeHeader
{
    uint64_t spiI{0};
    uint64_t spiR{0};
    uint8_t nextPayload{0};
    uint8_t majorVersion{2};
    uint8_t minorVersion{0};
    uint8_t exchangeType{0};
    uint8_t flags{0};
    uint32_t messageId{0};
    uint32_t length{0}; ///< filled in by the encoder

    bool IsResponse() const { return flags & kFlagResponse; }
    bool IsInitiator() const { return flags & kFlagInitiator; }
    bool operator==(const IkeHeader& o) const
    {
        return spiI == o.spiI && spiR == o.spiR && nextPayload == o.nextPayload &&
               majorVersion == o.majorVersion && minorVersion == o.minorVersion &&
               exchangeType == o.exchangeType && flags == o.flags && messageId == o.messageId &&
               length == o.length;
    }
};

struct TransformAttribute
{
    uint16_t type{0}; ///< without the AF bit
    bool tv{true};    ///< TV format (AF=1): value in `tvValue`; else TLV in `tlvValue`
    uint16_t tvValue{0};
    Bytes tlvValue;
    bool operator==(const TransformAttribute& o) const
    {
        return type == o.type && tv == o.tv && tvValue == o.tvValue && tlvValue == o.tlvValue;
    }
};

struct Transform
{
    uint8_t type{0}; ///< TransformType
    uint16_t id{0};
    std::vector<TransformAttribute> attributes;
    /// Key Length attribute if present.
    std::optional<uint16_t> KeyLength() const;
    bool operator==(const Transform& o) const
    {
        return type == o.type && id == o.id && attributes == o.attributes;
    }
};

struct Proposal
{
    uint8_t number{1};
    uint8_t protocolId{0}; ///< ProtocolId
    Bytes spi;             ///< 0, 4 or 8 octets
    std::vector<Transform> transforms;
    bool operator==(const Proposal& o) const
    {
        return number == o.number && protocolId == o.protocolId && spi == o.spi &&
               transforms == o.transforms;
    }
};

struct SaPayload
{
    std::vector<Proposal> proposals;
    bool operator==(const SaPayload& o) const { return proposals == o.proposals; }
};

struct KePayload
{
    uint16_t group{0};
    Bytes data;
    bool operator==(const KePayload& o) const { return group == o.group && data == o.data; }
};

struct NoncePayload
{
    Bytes nonce;
    bool operator==(const NoncePayload& o) const { return nonce == o.nonce; }
};

/// IDi and IDr share this body; which one it is lives in Payload::type.
struct IdPayload
{
    uint8_t idType{0};
    Bytes data;
    bool operator==(const IdPayload& o) const { return idType == o.idType && data == o.data; }
};

/// CERT and CERTREQ share this body.
struct CertPayload
{
    uint8_t encoding{0};
    Bytes data;
    bool operator==(const CertPayload& o) const
    {
        return encoding == o.encoding && data == o.data;
    }
};

struct AuthPayload
{
    uint8_t method{0};
    Bytes data;
    bool operator==(const AuthPayload& o) const { return method == o.method && data == o.data; }
};

struct NotifyPayload
{
    uint8_t protocolId{0};
    Bytes spi; ///< SPI Size is spi.size()
    uint16_t type{0};
    Bytes data;
    bool IsError() const { return type < notify::kFirstStatusType; }
    bool operator==(const NotifyPayload& o) const
    {
        return protocolId == o.protocolId && spi == o.spi && type == o.type && data == o.data;
    }
};

struct DeletePayload
{
    uint8_t protocolId{0};
    uint8_t spiSize{0};
    std::vector<Bytes> spis; ///< each spiSize octets
    bool operator==(const DeletePayload& o) const
    {
        return protocolId == o.protocolId && spiSize == o.spiSize && spis == o.spis;
    }
};

struct VendorIdPayload
{
    Bytes data;
    bool operator==(const VendorIdPayload& o) const { return data == o.data; }
};

struct TrafficSelector
{
    uint8_t tsType{static_cast<uint8_t>(TsType::Ipv4AddrRange)};
    uint8_t ipProtocol{0}; ///< 0 = any
    uint16_t startPort{0};
    uint16_t endPort{65535};
    Bytes startAddress; ///< 4 octets (IPv4) or 16 (IPv6)
    Bytes endAddress;
    bool operator==(const TrafficSelector& o) const
    {
        return tsType == o.tsType && ipProtocol == o.ipProtocol && startPort == o.startPort &&
               endPort == o.endPort && startAddress == o.startAddress &&
               endAddress == o.endAddress;
    }
};

/// TSi and TSr share this body.
struct TsPayload
{
    std::vector<TrafficSelector> selectors;
    bool operator==(const TsPayload& o) const { return selectors == o.selectors; }
};

struct CpAttribute
{
    uint16_t type{0}; ///< without the reserved bit
    Bytes value;
    bool operator==(const CpAttribute& o) const { return type == o.type && value == o.value; }
};

struct CpPayload
{
    uint8_t cfgType{0};
    std::vector<CpAttribute> attributes;
    bool operator==(const CpPayload& o) const
    {
        return cfgType == o.cfgType && attributes == o.attributes;
    }
};

/// EAP is kept opaque.
struct EapPayload
{
    Bytes data;
    bool operator==(const EapPayload& o) const { return data == o.data; }
};

/// The SK payload as it travels: IV | encrypted payloads, padding and pad length | ICV.
/// `firstInner` is the generic header's Next Payload: the type of the first inner payload.
struct SkPayload
{
    uint8_t firstInner{0};
    Bytes body;
    bool operator==(const SkPayload& o) const
    {
        return firstInner == o.firstInner && body == o.body;
    }
};

/// A payload whose type the codec does not know and whose critical bit is clear: skipped by
/// the engine, kept here so that a round trip reproduces the bytes.
struct UnknownPayload
{
    Bytes body;
    bool operator==(const UnknownPayload& o) const { return body == o.body; }
};

using PayloadBody = std::variant<SaPayload,
                                 KePayload,
                                 NoncePayload,
                                 IdPayload,
                                 CertPayload,
                                 AuthPayload,
                                 NotifyPayload,
                                 DeletePayload,
                                 VendorIdPayload,
                                 TsPayload,
                                 CpPayload,
                                 EapPayload,
                                 SkPayload,
                                 UnknownPayload>;

struct Payload
{
    uint8_t type{0}; ///< PayloadType, or the unknown type number for UnknownPayload
    bool critical{false};
    PayloadBody body;
    bool operator==(const Payload& o) const
    {
        return type == o.type && critical == o.critical && body == o.body;
    }
};

/// Convenience constructors: Payload with the right type for the body.
Payload MakePayload(SaPayload p);
Payload MakePayload(KePayload p);
Payload MakePayload(NoncePayload p);
Payload MakeIdPayload(PayloadType idIorR, IdPayload p);
Payload MakeCertPayload(PayloadType certOrCertReq, CertPayload p);
Payload MakePayload(AuthPayload p);
Payload MakePayload(NotifyPayload p);
Payload MakePayload(DeletePayload p);
Payload MakePayload(VendorIdPayload p);
Payload MakeTsPayload(PayloadType tsIorR, TsPayload p);
Payload MakePayload(CpPayload p);
Payload MakePayload(EapPayload p);
Payload MakeNotify(uint16_t type, Bytes data = {}, uint8_t protocolId = 0, Bytes spi = {});

struct IkeMessage
{
    IkeHeader header;
    std::vector<Payload> payloads; ///< for a protected message, the last one is SkPayload

    /// First payload of the given type, or nullptr.
    const Payload* Find(PayloadType type) const;
    /// First Notify of the given notify type, or nullptr.
    const NotifyPayload* FindNotify(uint16_t notifyType) const;
    std::vector<const NotifyPayload*> FindNotifies(uint16_t notifyType) const;
    template <typename T>
    const T* Get(PayloadType type) const
    {
        const Payload* p = Find(type);
        return p ? std::get_if<T>(&p->body) : nullptr;
    }
    bool operator==(const IkeMessage& o) const
    {
        return header == o.header && payloads == o.payloads;
    }
};

enum class DecodeErrorKind
{
    Truncated,           ///< fewer bytes than a field or a declared length needs
    BadLength,           ///< a length field that contradicts its container or its minimum
    BadVersion,          ///< major version is not 2 (INVALID_MAJOR_VERSION)
    BadValue,            ///< a field holds a value the format forbids
    UnsupportedCritical, ///< unknown payload with the critical bit set
    TrailingData,        ///< bytes after the last payload
    MisplacedSk,         ///< SK not last in the chain
};

struct DecodeError
{
    DecodeErrorKind kind{DecodeErrorKind::Truncated};
    uint8_t payloadType{0}; ///< payload being decoded (0 = IKE header)
    size_t offset{0};       ///< absolute offset in the datagram
    std::string reason;
    std::string ToString() const;
};

/// Either a value or a DecodeError.
template <typename T>
class DecodeResult
{
  public:
    DecodeResult(T value)
        : m_value(std::move(value))
    {
    }

    DecodeResult(DecodeError error)
        : m_error(std::move(error))
    {
    }

    bool Ok() const { return m_value.has_value(); }
    explicit operator bool() const { return Ok(); }
    T& Value() { return *m_value; }
    const T& Value() const { return *m_value; }
    const DecodeError& Error() const { return m_error; }

  private:
    std::optional<T> m_value;
    DecodeError m_error;
};

/// Decodes only the 28-octet header (checks version and that the length field matches the
/// datagram size).
DecodeResult<IkeHeader> DecodeHeader(const uint8_t* data, size_t size);
/// Decodes a whole IKE message (header and every payload; SK kept opaque, must be last).
DecodeResult<IkeMessage> DecodeMessage(const uint8_t* data, size_t size);
inline DecodeResult<IkeMessage>
DecodeMessage(const Bytes& data)
{
    return DecodeMessage(data.data(), data.size());
}

/// Decodes a payload chain starting with payload type @p first (used for the inside of SK).
/// @param baseOffset absolute offset of data[0] for error messages.
DecodeResult<std::vector<Payload>> DecodePayloadChain(uint8_t first,
                                                      const uint8_t* data,
                                                      size_t size,
                                                      size_t baseOffset = 0);

/// Encodes the payload chain (generic headers with Next Payload chaining and lengths).
/// Returns the type of the first payload through @p firstType (0 when empty).
void EncodePayloadChain(const std::vector<Payload>& payloads, ByteWriter& out, uint8_t& firstType);
/// Encodes one payload body (without its generic header).
void EncodePayloadBody(const Payload& payload, ByteWriter& out);
/// Encodes header (Next Payload and Length computed) and payloads.
Bytes EncodeMessage(const IkeMessage& message);
/// Writes the 28-octet header with the given next payload and total length.
void EncodeHeader(const IkeHeader& header, uint8_t nextPayload, uint32_t length, ByteWriter& out);

/// Human-readable names, for logs and events.
const char* ExchangeTypeName(uint8_t type);
const char* PayloadTypeName(uint8_t type);
std::string NotifyTypeName(uint16_t type);

} // namespace ikev2

#endif

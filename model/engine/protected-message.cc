#include "protected-message.h"

#include <cstring>

namespace ikev2
{

Bytes
SealMessage(const IkeHeader& header, const std::vector<Payload>& inner, SkCipher& cipher, Drbg& rng)
{
    ByteWriter chain;
    uint8_t firstType = 0;
    EncodePayloadChain(inner, chain, firstType);

    // Payloads | Padding | Pad Length, a multiple of the block size; zero padding keeps the
    // output a function of the seed only.
    size_t block = cipher.BlockSize();
    size_t plaintextLen = chain.Size() + 1;
    size_t padLen = (block - plaintextLen % block) % block;
    plaintextLen += padLen;

    size_t skBodyOffset = kIkeHeaderSize + kGenericPayloadHeaderSize;
    size_t skPayloadLen =
      kGenericPayloadHeaderSize + cipher.IvSize() + plaintextLen + cipher.IcvSize();
    size_t total = kIkeHeaderSize + skPayloadLen;

    if (skPayloadLen > UINT16_MAX)
    {
        return {};
    }
    ByteWriter out(total);
    EncodeHeader(header, static_cast<uint8_t>(PayloadType::Sk), static_cast<uint32_t>(total), out);
    out.U8(firstType);
    out.U8(0); // critical bit clear, reserved
    out.U16(static_cast<uint16_t>(skPayloadLen));
    out.Zeros(cipher.IvSize());
    out.Append(chain.Data());
    out.Zeros(padLen);
    out.U8(static_cast<uint8_t>(padLen));
    out.Zeros(cipher.IcvSize());
    Bytes message = out.Take();
    if (message.size() != total || !cipher.Seal(message.data(), skBodyOffset, plaintextLen, rng))
    {
        return {};
    }
    return message;
}

namespace
{

OpenResult
Malformed(size_t offset, const std::string& reason)
{
    OpenResult r;
    r.status = OpenResult::Status::Malformed;
    r.error.kind = DecodeErrorKind::BadLength;
    r.error.payloadType = static_cast<uint8_t>(PayloadType::Sk);
    r.error.offset = offset;
    r.error.reason = reason;
    return r;
}

} // namespace

OpenResult
OpenMessage(const uint8_t* datagram, size_t size, const IkeMessage& outer, SkCipher& cipher)
{
    const SkPayload* sk =
      outer.payloads.empty() ? nullptr : std::get_if<SkPayload>(&outer.payloads.back().body);
    if (!sk || outer.payloads.back().type != static_cast<uint8_t>(PayloadType::Sk))
    {
        return Malformed(0, "no SK payload");
    }
    size_t bodyLen = sk->body.size();
    // SK is the last payload, so its body ends the datagram; its generic header precedes it.
    if (datagram == nullptr || size < kIkeHeaderSize + kGenericPayloadHeaderSize ||
        bodyLen > size - kIkeHeaderSize - kGenericPayloadHeaderSize)
    {
        return Malformed(0, "SK payload does not fit the datagram");
    }
    size_t skBodyOffset = size - bodyLen;
    const uint8_t* gh = datagram + skBodyOffset - kGenericPayloadHeaderSize;
    size_t declared = (size_t{ gh[2] } << 8) | gh[3];
    if (gh[0] != sk->firstInner || declared != bodyLen + kGenericPayloadHeaderSize ||
        (bodyLen > 0 && std::memcmp(datagram + skBodyOffset, sk->body.data(), bodyLen) != 0))
    {
        return Malformed(skBodyOffset, "SK payload does not match the datagram");
    }
    size_t overhead = cipher.IvSize() + cipher.IcvSize();
    size_t block = cipher.BlockSize();
    if (bodyLen < overhead + 1 || (bodyLen - overhead) % block != 0)
    {
        return Malformed(skBodyOffset, "SK body length impossible for the cipher");
    }
    Bytes plaintext;
    if (!cipher.Open(datagram, skBodyOffset, bodyLen, plaintext))
    {
        OpenResult r;
        r.status = OpenResult::Status::IntegrityFailed;
        return r;
    }
    size_t ptOffset = skBodyOffset + cipher.IvSize();
    if (plaintext.empty())
    {
        return Malformed(ptOffset, "empty SK plaintext");
    }
    size_t padLen = plaintext.back();
    if (padLen + 1 > plaintext.size())
    {
        return Malformed(ptOffset + plaintext.size() - 1, "pad length exceeds the SK plaintext");
    }
    size_t innerLen = plaintext.size() - padLen - 1;
    auto chain = DecodePayloadChain(sk->firstInner, plaintext.data(), innerLen, ptOffset);
    if (!chain)
    {
        OpenResult r;
        r.status = OpenResult::Status::Malformed;
        r.error = chain.Error();
        return r;
    }
    OpenResult r;
    r.status = OpenResult::Status::Ok;
    r.inner = std::move(chain.Value());
    return r;
}

} // namespace ikev2

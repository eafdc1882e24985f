#include "esp-packet.h"

namespace ikev2
{

bool
PeekEspHeader(const uint8_t* data, size_t size, uint32_t& spi, uint32_t& seq)
{
    ByteReader r(data, size);
    uint32_t s = 0;
    uint32_t n = 0;
    if (!r.ReadU32(s) || !r.ReadU32(n) || s == 0)
    {
        return false;
    }
    spi = s;
    seq = n;
    return true;
}

size_t
EspPaddingLength(size_t payloadLength, size_t alignment)
{
    if (alignment < kEspMinAlignment)
    {
        alignment = kEspMinAlignment;
    }
    size_t used = (payloadLength + kEspTrailerFixedSize) % alignment;
    return used == 0 ? 0 : alignment - used;
}

void
AppendEspPayloadAndTrailer(ByteWriter& w,
                           const uint8_t* payload,
                           size_t payloadLength,
                           size_t alignment,
                           uint8_t nextHeader)
{
    size_t padding = EspPaddingLength(payloadLength, alignment);
    w.Append(payload, payloadLength);
    for (size_t i = 1; i <= padding; ++i)
    {
        w.U8(static_cast<uint8_t>(i));
    }
    w.U8(static_cast<uint8_t>(padding));
    w.U8(nextHeader);
}

bool
ParseEspTrailer(const uint8_t* plaintext, size_t size, size_t& payloadLength, uint8_t& nextHeader)
{
    if (size < kEspTrailerFixedSize)
    {
        return false;
    }
    ByteReader trailer(plaintext, size);
    uint8_t padLength = 0;
    uint8_t next = 0;
    if (!trailer.Skip(size - kEspTrailerFixedSize) || !trailer.ReadU8(padLength) ||
        !trailer.ReadU8(next))
    {
        return false;
    }
    if (padLength > size - kEspTrailerFixedSize)
    {
        return false;
    }
    size_t innerLength = size - kEspTrailerFixedSize - padLength;
    ByteReader padding(plaintext, size);
    if (!padding.Skip(innerLength))
    {
        return false;
    }
    for (size_t i = 1; i <= padLength; ++i)
    {
        uint8_t b = 0;
        if (!padding.ReadU8(b) || b != static_cast<uint8_t>(i))
        {
            return false;
        }
    }
    payloadLength = innerLength;
    nextHeader = next;
    return true;
}

bool
IsNonEspMarker(const uint8_t* data, size_t size)
{
    ByteReader r(data, size);
    uint32_t marker = 1;
    return r.ReadU32(marker) && marker == 0;
}

bool
IsNatKeepalive(const uint8_t* data, size_t size)
{
    ByteReader r(data, size);
    uint8_t b = 0;
    return size == 1 && r.ReadU8(b) && b == kNatKeepaliveByte;
}

Udp4500Kind
ClassifyUdp4500(const uint8_t* data, size_t size)
{
    if (IsNatKeepalive(data, size))
    {
        return Udp4500Kind::Keepalive;
    }
    if (IsNonEspMarker(data, size))
    {
        return Udp4500Kind::Ike;
    }
    uint32_t spi = 0;
    uint32_t seq = 0;
    if (PeekEspHeader(data, size, spi, seq))
    {
        return Udp4500Kind::Esp;
    }
    return Udp4500Kind::Invalid;
}

} // namespace ikev2

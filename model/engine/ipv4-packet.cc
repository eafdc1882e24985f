#include "ipv4-packet.h"

namespace ikev2
{

namespace
{

constexpr uint16_t kFragmentOffsetMask = 0x1fff;
constexpr uint8_t kIcmpEchoReply = 0;
constexpr uint8_t kIcmpEchoRequest = 8;
constexpr size_t kMaxIpv4Length = 0xffff;

/// Adds the 16-bit big-endian words of @p r to @p acc (odd tail padded with a zero octet).
uint64_t
SumWords(ByteReader r, uint64_t acc)
{
    uint16_t word = 0;
    while (r.ReadU16(word))
    {
        acc += word;
    }
    uint8_t last = 0;
    if (r.ReadU8(last))
    {
        acc += static_cast<uint64_t>(last) << 8;
    }
    return acc;
}

uint16_t
FoldComplement(uint64_t acc)
{
    while (acc >> 16)
    {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    return static_cast<uint16_t>(~acc & 0xffff);
}

/// RFC 768 pseudo-header sum for UDP over IPv4.
uint64_t
PseudoHeaderSum(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t length)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + length;
}

/// Writes a 20-octet IPv4 header with its checksum; @p payloadLength follows it.
void
WriteIpv4Header(ByteWriter& w,
                Ipv4Address src,
                Ipv4Address dst,
                uint8_t protocol,
                size_t payloadLength,
                uint16_t id,
                uint8_t ttl)
{
    size_t start = w.Size();
    w.U8(0x45); // version 4, IHL 5
    w.U8(0);    // DSCP/ECN
    w.U16(static_cast<uint16_t>(kIpv4MinHeaderSize + payloadLength));
    w.U16(id);
    w.U16(0); // flags and fragment offset
    w.U8(ttl);
    w.U8(protocol);
    size_t checksumPos = w.Size();
    w.U16(0);
    w.U32(src.value);
    w.U32(dst.value);
    const Bytes& data = w.Data();
    w.PatchU16(checksumPos, InternetChecksum(data.data() + start, kIpv4MinHeaderSize));
}

} // namespace

uint16_t
InternetChecksum(const uint8_t* data, size_t size)
{
    return FoldComplement(SumWords(ByteReader(data, size), 0));
}

bool
ParseIpv4(const uint8_t* data, size_t size, Ipv4Info& info)
{
    ByteReader r(data, size);
    uint8_t versionIhl = 0;
    if (!r.ReadU8(versionIhl) || (versionIhl >> 4) != 4)
    {
        return false;
    }
    size_t headerLength = static_cast<size_t>(versionIhl & 0x0f) * 4;
    uint8_t tos = 0;
    uint16_t totalLength = 0;
    uint16_t id = 0;
    uint16_t flagsOffset = 0;
    uint8_t ttl = 0;
    uint8_t protocol = 0;
    uint16_t checksum = 0;
    uint32_t src = 0;
    uint32_t dst = 0;
    if (headerLength < kIpv4MinHeaderSize || !r.ReadU8(tos) || !r.ReadU16(totalLength) ||
        !r.ReadU16(id) || !r.ReadU16(flagsOffset) || !r.ReadU8(ttl) || !r.ReadU8(protocol) ||
        !r.ReadU16(checksum) || !r.ReadU32(src) || !r.ReadU32(dst))
    {
        return false;
    }
    if (totalLength < headerLength || totalLength > size || !r.Skip(headerLength - 20))
    {
        return false;
    }
    // A correct header sums (checksum field included) to 0xffff, so the complement is 0.
    if (InternetChecksum(data, headerLength) != 0)
    {
        return false;
    }

    info = Ipv4Info{};
    info.src.value = src;
    info.dst.value = dst;
    info.protocol = protocol;
    info.headerLength = headerLength;
    info.totalLength = totalLength;
    bool firstFragment = (flagsOffset & kFragmentOffsetMask) == 0;
    if (firstFragment && (protocol == kIpProtoUdp || protocol == kIpProtoTcp))
    {
        uint16_t srcPort = 0;
        uint16_t dstPort = 0;
        ByteReader body(data + headerLength, totalLength - headerLength);
        if (body.ReadU16(srcPort) && body.ReadU16(dstPort))
        {
            info.srcPort = srcPort;
            info.dstPort = dstPort;
        }
    }
    return true;
}

bool
VerifyUdpChecksum(const uint8_t* packet, size_t size)
{
    Ipv4Info info;
    if (!ParseIpv4(packet, size, info) || info.protocol != kIpProtoUdp)
    {
        return false;
    }
    ByteReader udp(packet + info.headerLength, info.totalLength - info.headerLength);
    ByteReader header = udp;
    uint16_t srcPort = 0;
    uint16_t dstPort = 0;
    uint16_t udpLength = 0;
    uint16_t checksum = 0;
    if (!header.ReadU16(srcPort) || !header.ReadU16(dstPort) || !header.ReadU16(udpLength) ||
        !header.ReadU16(checksum))
    {
        return false;
    }
    if (udpLength < kUdpHeaderSize || udpLength > udp.Remaining())
    {
        return false;
    }
    if (checksum == 0)
    {
        return true; // sender did not compute one (allowed over IPv4)
    }
    ByteReader covered;
    if (!udp.ReadSub(udpLength, covered))
    {
        return false;
    }
    uint64_t sum = PseudoHeaderSum(info.src.value, info.dst.value, kIpProtoUdp, udpLength);
    return FoldComplement(SumWords(covered, sum)) == 0;
}

Bytes
BuildUdpIpv4(Ipv4Address src,
             Ipv4Address dst,
             uint16_t srcPort,
             uint16_t dstPort,
             const Bytes& payload,
             uint16_t id,
             uint8_t ttl)
{
    size_t udpLength = kUdpHeaderSize + payload.size();
    if (kIpv4MinHeaderSize + udpLength > kMaxIpv4Length)
    {
        return {};
    }
    ByteWriter w(kIpv4MinHeaderSize + udpLength);
    WriteIpv4Header(w, src, dst, kIpProtoUdp, udpLength, id, ttl);
    size_t udpStart = w.Size();
    w.U16(srcPort);
    w.U16(dstPort);
    w.U16(static_cast<uint16_t>(udpLength));
    size_t checksumPos = w.Size();
    w.U16(0);
    w.Append(payload);
    uint64_t sum =
      PseudoHeaderSum(src.value, dst.value, kIpProtoUdp, static_cast<uint16_t>(udpLength));
    sum = SumWords(ByteReader(w.Data().data() + udpStart, udpLength), sum);
    uint16_t checksum = FoldComplement(sum);
    // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
    w.PatchU16(checksumPos, checksum == 0 ? 0xffff : checksum);
    return w.Take();
}

Bytes
BuildIcmpEcho(Ipv4Address src,
              Ipv4Address dst,
              bool reply,
              uint16_t identifier,
              uint16_t sequence,
              const Bytes& payload,
              uint16_t id,
              uint8_t ttl)
{
    size_t icmpLength = kIcmpEchoHeaderSize + payload.size();
    if (kIpv4MinHeaderSize + icmpLength > kMaxIpv4Length)
    {
        return {};
    }
    ByteWriter w(kIpv4MinHeaderSize + icmpLength);
    WriteIpv4Header(w, src, dst, kIpProtoIcmp, icmpLength, id, ttl);
    size_t icmpStart = w.Size();
    w.U8(reply ? kIcmpEchoReply : kIcmpEchoRequest);
    w.U8(0); // code
    size_t checksumPos = w.Size();
    w.U16(0);
    w.U16(identifier);
    w.U16(sequence);
    w.Append(payload);
    w.PatchU16(checksumPos, InternetChecksum(w.Data().data() + icmpStart, icmpLength));
    return w.Take();
}

} // namespace ikev2

// Inner IPv4 packets: parse/build round trips, header and UDP/ICMP checksums against known
// values and an independent sum, and rejection of truncated or corrupted headers.
#include "ipv4-packet.h"

#include <gtest/gtest.h>
#include <string>

namespace ikev2
{
namespace
{

Bytes
H(const std::string& hex)
{
    Bytes out;
    EXPECT_TRUE(FromHex(hex, out)) << hex;
    return out;
}

Ipv4Address
A(const std::string& dotted)
{
    Ipv4Address a;
    EXPECT_TRUE(Ipv4Address::Parse(dotted, a)) << dotted;
    return a;
}

/// Plain 32-bit accumulation of 16-bit words, folded and complemented (RFC 1071), written
/// independently of the engine's ByteReader-based version.
uint16_t
NaiveChecksum(const Bytes& b, size_t from, size_t to, uint32_t start = 0)
{
    uint32_t sum = start;
    for (size_t i = from; i < to; i += 2)
    {
        uint32_t hi = b[i];
        uint32_t lo = i + 1 < to ? b[i + 1] : 0;
        sum += (hi << 8) | lo;
    }
    while (sum >> 16)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<uint16_t>(~sum);
}

uint16_t
U16At(const Bytes& b, size_t i)
{
    return static_cast<uint16_t>((b[i] << 8) | b[i + 1]);
}

TEST(Ipv4Packet, KnownHeaderChecksum)
{
    // A classic example header: 192.168.0.1 -> 192.168.0.199, UDP, checksum 0xb861.
    Bytes header = H("450000730000400040110000c0a80001c0a800c7");
    EXPECT_EQ(InternetChecksum(header.data(), header.size()), 0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    EXPECT_EQ(InternetChecksum(header.data(), header.size()), 0);
    // Total Length says 0x73 = 115 octets: the header alone is truncated.
    Ipv4Info info;
    EXPECT_FALSE(ParseIpv4(header, info));
    Bytes whole = header;
    whole.resize(0x73, 0);
    ASSERT_TRUE(ParseIpv4(whole, info));
    EXPECT_EQ(info.src.ToString(), "192.168.0.1");
    EXPECT_EQ(info.dst.ToString(), "192.168.0.199");
    EXPECT_EQ(info.protocol, kIpProtoUdp);
    EXPECT_EQ(info.headerLength, 20u);
    EXPECT_EQ(info.totalLength, 0x73u);
    EXPECT_EQ(info.srcPort, 0u); // zero-filled body
}

TEST(Ipv4Packet, UdpBuildParseRoundTrip)
{
    Bytes payload = { 'h', 'e', 'l', 'l', 'o', '!', '?' }; // odd length exercises the tail
    Bytes pkt = BuildUdpIpv4(A("10.1.0.2"), A("10.2.0.2"), 40000, 9, payload, 0x1234, 63);
    ASSERT_EQ(pkt.size(), 20u + 8 + payload.size());
    Ipv4Info info;
    ASSERT_TRUE(ParseIpv4(pkt, info));
    EXPECT_EQ(info.src, A("10.1.0.2"));
    EXPECT_EQ(info.dst, A("10.2.0.2"));
    EXPECT_EQ(info.protocol, kIpProtoUdp);
    EXPECT_EQ(info.srcPort, 40000);
    EXPECT_EQ(info.dstPort, 9);
    EXPECT_EQ(info.headerLength, 20u);
    EXPECT_EQ(info.totalLength, pkt.size());
    EXPECT_EQ(pkt[0], 0x45);
    EXPECT_EQ(U16At(pkt, 4), 0x1234);
    EXPECT_EQ(pkt[8], 63);
    EXPECT_EQ(U16At(pkt, 24), 8 + payload.size());
    EXPECT_TRUE(Bytes(pkt.begin() + 28, pkt.end()) == payload);

    // Header checksum, recomputed independently with the field zeroed.
    Bytes zeroed = pkt;
    zeroed[10] = zeroed[11] = 0;
    EXPECT_EQ(U16At(pkt, 10), NaiveChecksum(zeroed, 0, 20));
    // UDP checksum: pseudo-header (src, dst, 0, 17, length) plus the datagram.
    uint32_t pseudo =
      0x0a01 + 0x0002 + 0x0a02 + 0x0002 + 17 + static_cast<uint32_t>(U16At(pkt, 24));
    zeroed = pkt;
    zeroed[26] = zeroed[27] = 0;
    EXPECT_EQ(U16At(pkt, 26), NaiveChecksum(zeroed, 20, zeroed.size(), pseudo));
    EXPECT_TRUE(VerifyUdpChecksum(pkt.data(), pkt.size()));

    Bytes corrupted = pkt;
    corrupted.back() ^= 0x10;
    EXPECT_TRUE(ParseIpv4(corrupted, info)) << "the IP header is intact";
    EXPECT_FALSE(VerifyUdpChecksum(corrupted.data(), corrupted.size()));
    Bytes noChecksum = corrupted;
    noChecksum[26] = noChecksum[27] = 0;
    EXPECT_TRUE(VerifyUdpChecksum(noChecksum.data(), noChecksum.size()));
}

TEST(Ipv4Packet, EmptyAndLargePayloads)
{
    Bytes empty = BuildUdpIpv4(A("1.2.3.4"), A("5.6.7.8"), 1, 2, Bytes());
    EXPECT_EQ(empty.size(), 28u);
    EXPECT_TRUE(VerifyUdpChecksum(empty.data(), empty.size()));
    Bytes big(65535 - 28, 0xab);
    Bytes max = BuildUdpIpv4(A("1.2.3.4"), A("5.6.7.8"), 1, 2, big);
    EXPECT_EQ(max.size(), 65535u);
    EXPECT_TRUE(VerifyUdpChecksum(max.data(), max.size()));
    big.push_back(0);
    EXPECT_TRUE(BuildUdpIpv4(A("1.2.3.4"), A("5.6.7.8"), 1, 2, big).empty());
}

TEST(Ipv4Packet, IcmpEcho)
{
    Bytes data = { 1, 2, 3, 4, 5 };
    Bytes req = BuildIcmpEcho(A("10.1.0.2"), A("10.2.0.2"), false, 0x77, 3, data);
    Bytes rep = BuildIcmpEcho(A("10.2.0.2"), A("10.1.0.2"), true, 0x77, 3, data);
    Ipv4Info info;
    ASSERT_TRUE(ParseIpv4(req, info));
    EXPECT_EQ(info.protocol, kIpProtoIcmp);
    EXPECT_EQ(info.srcPort, 0u);
    EXPECT_EQ(req[20], 8);
    EXPECT_EQ(rep[20], 0);
    EXPECT_EQ(U16At(req, 24), 0x77);
    EXPECT_EQ(U16At(req, 26), 3);
    // The ICMP checksum covers the whole message and verifies to zero.
    EXPECT_EQ(NaiveChecksum(req, 20, req.size()), 0);
    EXPECT_EQ(NaiveChecksum(rep, 20, rep.size()), 0);
    EXPECT_EQ(InternetChecksum(req.data() + 20, req.size() - 20), 0);
}

TEST(Ipv4Packet, TruncatedPacketsAreRejected)
{
    Bytes pkt = BuildUdpIpv4(A("10.1.0.2"), A("10.2.0.2"), 5000, 5001, Bytes(30, 7));
    Ipv4Info info;
    for (size_t n = 0; n < pkt.size(); ++n)
    {
        EXPECT_FALSE(ParseIpv4(pkt.data(), n, info)) << n;
    }
    EXPECT_TRUE(ParseIpv4(pkt.data(), pkt.size(), info));
    EXPECT_FALSE(ParseIpv4(nullptr, 0, info));
    // Trailing octets beyond Total Length (link padding) are ignored.
    Bytes padded = pkt;
    padded.push_back(0);
    ASSERT_TRUE(ParseIpv4(padded, info));
    EXPECT_EQ(info.totalLength, pkt.size());
}

TEST(Ipv4Packet, AnyHeaderBitFlipIsRejected)
{
    Bytes pkt = BuildUdpIpv4(A("10.1.0.2"), A("10.2.0.2"), 5000, 5001, Bytes(30, 7), 99);
    Ipv4Info info;
    for (size_t i = 0; i < 20; ++i)
    {
        for (int bit = 0; bit < 8; ++bit)
        {
            Bytes bad = pkt;
            bad[i] ^= static_cast<uint8_t>(1u << bit);
            EXPECT_FALSE(ParseIpv4(bad, info)) << i << ":" << bit;
        }
    }
}

TEST(Ipv4Packet, BadVersionAndIhl)
{
    Bytes pkt = BuildUdpIpv4(A("10.1.0.2"), A("10.2.0.2"), 1, 2, Bytes(8, 0));
    Ipv4Info info;
    for (uint8_t vihl : { 0x44, 0x40, 0x65, 0x35, 0x4f })
    {
        Bytes bad = pkt;
        bad[0] = vihl;
        bad[10] = bad[11] = 0;
        uint16_t c = NaiveChecksum(bad, 0, 20);
        bad[10] = static_cast<uint8_t>(c >> 8);
        bad[11] = static_cast<uint8_t>(c);
        EXPECT_FALSE(ParseIpv4(bad, info)) << std::hex << int(vihl);
    }
}

TEST(Ipv4Packet, OptionsAndFragments)
{
    // IHL 6: one 4-octet option (NOP NOP NOP EOL), then UDP ports 0x1111 -> 0x2222.
    Bytes pkt = H("4600002000010000401100000a0000010a00000201010100111122220008000000000000");
    pkt.resize(0x20);
    uint16_t c = NaiveChecksum(pkt, 0, 24);
    pkt[10] = static_cast<uint8_t>(c >> 8);
    pkt[11] = static_cast<uint8_t>(c);
    Ipv4Info info;
    ASSERT_TRUE(ParseIpv4(pkt, info));
    EXPECT_EQ(info.headerLength, 24u);
    EXPECT_EQ(info.srcPort, 0x1111);
    EXPECT_EQ(info.dstPort, 0x2222);

    // A non-first fragment carries no transport header: no ports.
    Bytes frag = pkt;
    frag[6] = 0x00;
    frag[7] = 0x10; // offset 16 * 8
    frag[10] = frag[11] = 0;
    c = NaiveChecksum(frag, 0, 24);
    frag[10] = static_cast<uint8_t>(c >> 8);
    frag[11] = static_cast<uint8_t>(c);
    ASSERT_TRUE(ParseIpv4(frag, info));
    EXPECT_EQ(info.srcPort, 0u);
    EXPECT_EQ(info.dstPort, 0u);

    // TCP ports are read too.
    Bytes tcp = pkt;
    tcp[9] = kIpProtoTcp;
    tcp[10] = tcp[11] = 0;
    c = NaiveChecksum(tcp, 0, 24);
    tcp[10] = static_cast<uint8_t>(c >> 8);
    tcp[11] = static_cast<uint8_t>(c);
    ASSERT_TRUE(ParseIpv4(tcp, info));
    EXPECT_EQ(info.protocol, kIpProtoTcp);
    EXPECT_EQ(info.srcPort, 0x1111);
}

} // namespace
} // namespace ikev2

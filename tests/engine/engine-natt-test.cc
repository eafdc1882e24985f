// NAT traversal (RFC 7296 2.23, RFC 3948): NAT_DETECTION_* in IKE_SA_INIT; with a NAT seen (or
// faked by forceUdpEncap, as strongSwan's kernel-libipsec does) IKE moves to UDP 4500 with the
// non-ESP marker and ESP is UDP-encapsulated.
#include "engine-test-util.h"
#include "drbg.h"
#include "esp-packet.h"
#include "ike-message.h"
#include "nat-detection.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

void
ExpectUdpEncapsulated(Pair& p)
{
    p.wire.SendInner(p.alice, Sec(2), Pair::AliceToBob());
    p.wire.SendInner(p.bob, Sec(2), Pair::BobToAlice());
    p.wire.RunUntil(Sec(3));
    ASSERT_EQ(p.wire.Delivered(p.bob).size(), 1u);
    ASSERT_EQ(p.wire.Delivered(p.alice).size(), 1u);
    const auto& wire = p.wire.Wire();
    // IKE_SA_INIT on 500, IKE_AUTH on 4500 with the marker, ESP in UDP 4500 without it.
    ASSERT_GE(wire.size(), 6u);
    EXPECT_EQ(wire[0].datagram.remote.port, 500);
    EXPECT_EQ(wire[1].datagram.remote.port, 500);
    for (size_t i = 2; i < 4; ++i)
    {
        EXPECT_EQ(wire[i].datagram.transport, Transport::Udp);
        EXPECT_EQ(wire[i].datagram.local.port, kNatTPort);
        EXPECT_EQ(wire[i].datagram.remote.port, kNatTPort);
        EXPECT_TRUE(IsNonEspMarker(wire[i].datagram.data.data(), wire[i].datagram.data.size()));
    }
    for (size_t i = 4; i < wire.size(); ++i)
    {
        EXPECT_EQ(wire[i].datagram.transport, Transport::Udp);
        EXPECT_EQ(wire[i].datagram.remote.port, kNatTPort);
        EXPECT_EQ(ClassifyUdp4500(wire[i].datagram.data.data(), wire[i].datagram.data.size()),
                  Udp4500Kind::Esp);
    }
}

TEST(EngineNatT, NoNatNoEncapsulation)
{
    Pair p;
    p.wire.SendInner(p.alice, Sec(2), Pair::AliceToBob());
    p.wire.RunUntil(Sec(3));
    ASSERT_EQ(p.wire.Delivered(p.bob).size(), 1u);
    for (const auto& r : p.wire.Wire())
    {
        if (r.datagram.transport == Transport::Udp)
        {
            EXPECT_EQ(r.datagram.remote.port, 500);
        }
    }
    EXPECT_EQ(p.wire.Wire().back().datagram.transport, Transport::EspIp);
}

TEST(EngineNatT, InitiatorForcingEncapsulationMovesBothSidesTo4500)
{
    PairOptions o;
    EndpointConfig a = AliceConfig(o);
    a.peers[0].forceUdpEncap = true;
    Pair p(a, BobConfig(o));
    ExpectUdpEncapsulated(p);
}

TEST(EngineNatT, ResponderForcingEncapsulationMovesBothSidesTo4500)
{
    PairOptions o;
    EndpointConfig b = BobConfig(o);
    b.peers[0].forceUdpEncap = true;
    Pair p(AliceConfig(o), b);
    ExpectUdpEncapsulated(p);
    auto e = p.wire.EventsOf(p.alice, EventType::IkeSaEstablished);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_NE(e[0].detail.find("udp-encap"), std::string::npos);
}

TEST(EngineNatT, LivenessAndInvalidSpiTravelOn4500)
{
    PairOptions o;
    o.scheme = RecoveryScheme::Hint;
    EndpointConfig a = AliceConfig(o);
    a.peers[0].forceUdpEncap = true;
    Pair p(a, BobConfig(o));
    p.wire.Stream(p.alice, Sec(1), Sec(40), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, Sec(10), Sec(2));
    p.wire.RunUntil(Sec(40));
    // Bob answered UDP-encapsulated ESP with INVALID_SPI on 4500; Alice's hint check followed.
    EXPECT_NEAR(ToSeconds(p.wire.FirstTime(p.alice, EventType::LivenessCheckSent)), 12.02, 1e-6);
    bool sawInvalidSpiOn4500 = false;
    for (const auto& r : p.wire.Wire())
    {
        if (r.from == p.bob && r.datagram.local.port == kNatTPort &&
            IsNonEspMarker(r.datagram.data.data(), r.datagram.data.size()))
        {
            auto m = DecodeMessage(r.datagram.data.data() + 4, r.datagram.data.size() - 4);
            sawInvalidSpiOn4500 |= m.Ok() && m.Value().FindNotify(notify::kInvalidSpi);
        }
    }
    EXPECT_TRUE(sawInvalidSpiOn4500);
}

TEST(EngineNatT, DetectionHashesMatchRfc7296)
{
    // SHA-1(SPIi | SPIr | IP | port) of the message's own SPIs.
    IkeMessage m;
    m.header.spiI = 0x0102030405060708ull;
    m.header.spiR = 0;
    Drbg rng(1, "nat");
    auto notifies =
        NatDetectionNotifies(m.header.spiI, 0, Sock("192.0.2.1"), Sock("198.51.100.2"), false, rng);
    m.payloads = notifies;
    NatResult atPeer = CheckNatDetection(m, Sock("198.51.100.2"), Sock("192.0.2.1"));
    EXPECT_TRUE(atPeer.supported);
    EXPECT_FALSE(atPeer.Any());
    // Seen through a NAT that rewrote the source.
    NatResult natted = CheckNatDetection(m, Sock("198.51.100.2"), Sock("203.0.113.9", 40000));
    EXPECT_TRUE(natted.remoteBehindNat);
    EXPECT_FALSE(natted.localBehindNat);
    EXPECT_EQ(NatDetectionHash(1, 2, Sock("10.0.0.1")).size(), 20u);
}

} // namespace
} // namespace test
} // namespace ikev2

// One gateway and many peers: a responder-only connection matching any address and identity,
// per-peer narrowing of a wide selector, outbound selection among many Child SAs, the COOKIE
// defence when many peers arrive at once, and the gateway's reboot.
#include "engine-test-util.h"
#include "ike-constants.h"
#include "ipv4-packet.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

struct Star
{
    explicit Star(size_t peers,
                  uint32_t cookieThreshold = 50,
                  RecoveryScheme scheme = RecoveryScheme::None)
    {
        EndpointConfig g;
        g.name = "gateway";
        g.seed = 3;
        g.scheme = scheme;
        g.limits.cookieThreshold = cookieThreshold;
        g.limits.invalidSpiPerSecond = 1000;
        PeerConfig any;
        any.name = "any";
        any.local = Sock("10.0.0.2");
        any.remote = Sock("0.0.0.0", 0);
        any.localId = "gw.example";
        any.psk = Bytes(12, 0x33);
        any.localTs = {TrafficSelectorConfig::FromCidr("10.2.0.0/24")};
        any.remoteTs = {TrafficSelectorConfig::FromCidr("10.100.0.0/16")};
        any.startAction = StartAction::None;
        g.peers.push_back(any);
        gateway = wire.AddNode(g);
        wire.Start(gateway, Time(0));
        for (size_t i = 0; i < peers; ++i)
        {
            EndpointConfig c;
            c.name = "peer" + std::to_string(i);
            c.seed = 100 + i;
            c.scheme = scheme;
            PeerConfig p;
            p.name = "gw";
            p.local = Sock("10.0.1." + std::to_string(i + 1));
            p.remote = Sock("10.0.0.2");
            p.localId = "peer" + std::to_string(i) + ".example";
            p.remoteId = "gw.example";
            p.psk = Bytes(12, 0x33);
            p.localTs = {TrafficSelectorConfig::FromCidr("10.100." + std::to_string(i) + ".0/24")};
            p.remoteTs = {TrafficSelectorConfig::FromCidr("10.2.0.0/24")};
            p.startAction = StartAction::Start;
            c.peers.push_back(p);
            nodes.push_back(wire.AddNode(c));
            wire.Start(nodes.back(), Time(0));
        }
    }
    VirtualWire wire;
    size_t gateway{0};
    std::vector<size_t> nodes;
};

Bytes
ToPeer(size_t i, uint16_t id)
{
    return BuildUdpIpv4(Ip("10.2.0.5"), Ip("10.100." + std::to_string(i) + ".7"), 1, 2,
                        Bytes(32, uint8_t(i)), id);
}

TEST(EngineGateway, ManyPeersOneResponderConnection)
{
    Star s(40);
    s.wire.RunUntil(Sec(2));
    ASSERT_EQ(CountEstablished(s.wire.Node(s.gateway)), 40u);
    for (size_t i = 0; i < s.nodes.size(); ++i)
    {
        s.wire.SendInner(s.gateway, Sec(3), ToPeer(i, uint16_t(i)));
    }
    s.wire.RunUntil(Sec(4));
    for (size_t i = 0; i < s.nodes.size(); ++i)
    {
        ASSERT_EQ(s.wire.Delivered(s.nodes[i]).size(), 1u) << "peer " << i;
        EXPECT_EQ(s.wire.Delivered(s.nodes[i])[0], ToPeer(i, uint16_t(i)));
    }
    EXPECT_GT(s.wire.Node(s.gateway).VolatileStateBytes(),
              40 * s.wire.Node(s.gateway).StateBytesPerIkeSa());
}

TEST(EngineGateway, CookiesUnderASimultaneousRush)
{
    Star s(30, 5);
    s.wire.RunUntil(Sec(5));
    EXPECT_EQ(CountEstablished(s.wire.Node(s.gateway)), 30u);
    size_t cookies = 0;
    for (const auto& e : s.wire.EventsOf(s.gateway, EventType::NotifySent))
    {
        cookies += e.notifyType == notify::kCookie;
    }
    // Five got in before the threshold; everyone after had to come back with a cookie.
    EXPECT_EQ(cookies, 25u);
}

TEST(EngineGateway, GatewayRebootRecoversEveryPeerAfterTheSchedule)
{
    Star s(20, 50, RecoveryScheme::None);
    s.wire.RunUntil(Sec(1));
    ASSERT_EQ(CountEstablished(s.wire.Node(s.gateway)), 20u);
    // The peers send; the gateway reboots; under `none` each peer declares it dead when its
    // liveness schedule runs out and re-initiates (start action Start).
    for (size_t i = 0; i < s.nodes.size(); ++i)
    {
        s.wire.Stream(s.nodes[i], Sec(1), Sec(260), Sec(1),
                      Ip("10.100." + std::to_string(i) + ".7"), Ip("10.2.0.5"));
    }
    s.wire.Reboot(s.gateway, Sec(10), Sec(5));
    s.wire.RunUntil(Sec(260));
    EXPECT_EQ(CountEstablished(s.wire.Node(s.gateway)), 20u);
    for (size_t n : s.nodes)
    {
        EXPECT_EQ(s.wire.Count(n, EventType::PeerDead), 1u);
    }
    EXPECT_NE(s.wire.FirstDelivery(s.gateway, Sec(200)), kNever);
}

} // namespace
} // namespace test
} // namespace ikev2

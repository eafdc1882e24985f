// The endpoint's next deadline is kept per SA (an ordered set of per-SA deadlines updated only
// for the SAs an engine call touched), not recomputed by walking every SA. A path that changes
// an SA's timers without marking it would make that SA's timer fire late or never: this test
// gives every SA of a gateway its own lifetimes and liveness times and checks that each timer
// fires at exactly its time.
#include "engine-test-util.h"
#include "virtual-wire.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

constexpr size_t kPeers = 40;
const Time kLiveness = Sec(7);

Time
ChildLifetime(size_t i)
{
    return Sec(20) + Ms(370 * int64_t(i));
}

Time
IkeLifetime(size_t i)
{
    return Sec(30) + Ms(530 * int64_t(i));
}

std::string
PeerName(size_t i)
{
    return "p" + std::to_string(i);
}

/// Time of event @p n (0-based) of @p type on @p node for connection @p peer, optionally with
/// @p detail; kNever when there is none.
Time
Nth(const VirtualWire& wire,
    size_t node,
    EventType type,
    const std::string& peer,
    size_t n,
    const std::string& detail = "")
{
    for (const Event& e : wire.EventsOf(node, type))
    {
        if (e.peer == peer && (detail.empty() || e.detail == detail) && n-- == 0)
        {
            return e.time;
        }
    }
    return kNever;
}

TEST(EngineDeadlines, EverySaTimerOfAManySaGatewayFiresAtItsExactTime)
{
    VirtualWire wire;
    EndpointConfig g;
    g.name = "gateway";
    g.seed = 5;
    g.livenessInterval = kLiveness;
    g.livenessAlways = true; // checks on idle SAs too: each SA's liveness time is observable
    for (size_t i = 0; i < kPeers; ++i)
    {
        PeerConfig p;
        p.name = PeerName(i);
        p.local = Sock("10.0.0.2");
        p.remote = Sock("10.0.1." + std::to_string(i + 1));
        p.localId = "gw.example";
        p.remoteId = "peer" + std::to_string(i) + ".example";
        p.psk = Bytes(12, 0x44);
        p.localTs = { TrafficSelectorConfig::FromCidr("10.2.0.0/24") };
        p.remoteTs = { TrafficSelectorConfig::FromCidr("10.100." + std::to_string(i) + ".0/24") };
        p.startAction = StartAction::None;
        p.childLifetime = ChildLifetime(i);
        p.ikeLifetime = IkeLifetime(i);
        p.rekeyJitter = Time(0);
        g.peers.push_back(p);
    }
    const size_t gateway = wire.AddNode(g);
    wire.Start(gateway, Time(0));
    for (size_t i = 0; i < kPeers; ++i)
    {
        EndpointConfig c;
        c.name = "peer" + std::to_string(i);
        c.seed = 200 + i;
        c.livenessInterval = Time(0);
        // No INITIAL_CONTACT: honouring it walks every SA (and marks them all), which would
        // hide an SA the engine forgot to mark.
        c.sendInitialContact = false;
        PeerConfig p;
        p.name = "gw";
        p.local = Sock("10.0.1." + std::to_string(i + 1));
        p.remote = Sock("10.0.0.2");
        p.localId = "peer" + std::to_string(i) + ".example";
        p.remoteId = "gw.example";
        p.psk = Bytes(12, 0x44);
        p.localTs = { TrafficSelectorConfig::FromCidr("10.100." + std::to_string(i) + ".0/24") };
        p.remoteTs = { TrafficSelectorConfig::FromCidr("10.2.0.0/24") };
        p.startAction = StartAction::Start;
        p.childLifetime = Sec(1000); // the gateway's timers come first
        p.ikeLifetime = Sec(2000);
        c.peers.push_back(p);
        // Staggered starts: no two SAs share a deadline.
        wire.Start(wire.AddNode(c), Ms(13 * int64_t(i)));
    }
    wire.RunUntil(Sec(80));

    for (size_t i = 0; i < kPeers; ++i)
    {
        SCOPED_TRACE(PeerName(i));
        const Time up = Nth(wire, gateway, EventType::IkeSaEstablished, PeerName(i), 0);
        const Time child = Nth(wire, gateway, EventType::ChildSaInstalled, PeerName(i), 0);
        ASSERT_NE(up, kNever);
        ASSERT_NE(child, kNever);
        // Liveness: the first check exactly one interval after the SA came up.
        EXPECT_EQ(Nth(wire, gateway, EventType::LivenessCheckSent, PeerName(i), 0), up + kLiveness);
        // Lifetimes (no jitter): the Child SA rekey, then the IKE SA rekey, each at its time.
        EXPECT_EQ(Nth(wire, gateway, EventType::RequestSent, PeerName(i), 0, "child-rekey"),
                  child + ChildLifetime(i));
        EXPECT_EQ(Nth(wire, gateway, EventType::RequestSent, PeerName(i), 0, "ike-rekey"),
                  up + IkeLifetime(i));
        // The rekeyed IKE SA (and the Child SA moved onto it) keep their own timers: the next
        // Child SA rekey comes one lifetime after the first one completed.
        const Time rekeyed = Nth(wire, gateway, EventType::ChildSaRekeyed, PeerName(i), 0);
        ASSERT_NE(rekeyed, kNever);
        EXPECT_EQ(Nth(wire, gateway, EventType::RequestSent, PeerName(i), 1, "child-rekey"),
                  rekeyed + ChildLifetime(i));
    }
}

} // namespace
} // namespace test
} // namespace ikev2

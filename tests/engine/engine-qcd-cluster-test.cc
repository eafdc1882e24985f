// QCD in a cluster (RFC 6290 9.2): a member that shares the cluster's QCD secret must not
// answer with a token for an IKE SA that is still live on another member. The hook is
// QcdConfig::liveElsewhere; here Bob plays "a member that does not hold Alice's SA" by
// rebooting, and the hook says whether another member still holds it. The scenario that uses
// the hook is scenarios/load-balancer.cc (doc/load-balancer.md).
#include "engine-test-util.h"
#include "ike-constants.h"

#include <gtest/gtest.h>
#include <set>
#include <utility>

namespace ikev2
{
namespace test
{
namespace
{

const Time kCrash = Sec(20);
const Time kUp = Sec(25);

struct ClusterPair
{
    /// @p liveElsewhere: what Bob's hook answers; every question is recorded in asked.
    explicit ClusterPair(bool liveElsewhere)
    {
        PairOptions o;
        o.scheme = RecoveryScheme::Qcd;
        EndpointConfig alice = AliceConfig(o);
        EndpointConfig bob = BobConfig(o);
        bob.qcd.liveElsewhere = [this, liveElsewhere](uint64_t spiI, uint64_t spiR)
        {
            asked.insert({ spiI, spiR });
            return liveElsewhere;
        };
        pair = std::make_unique<Pair>(alice, bob);
        pair->wire.Stream(pair->alice, Sec(1), Sec(40), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    }
    std::set<std::pair<uint64_t, uint64_t>> asked;
    std::unique_ptr<Pair> pair;
};

TEST(EngineQcdCluster, SaLiveOnAnotherMemberGetsNoToken)
{
    ClusterPair p(true);
    VirtualWire& w = p.pair->wire;
    w.RunUntil(Sec(2));
    ASSERT_TRUE(p.pair->Established()) << w.Dump();
    const IkeSaInfo sa = w.Node(p.pair->alice).IkeSas().at(0);
    w.Reboot(p.pair->bob, kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    // Bob was asked about exactly Alice's SA, and because it is live elsewhere said nothing
    // that Alice could verify: no token, no silent teardown.
    EXPECT_EQ(p.asked.count({ sa.spiI, sa.spiR }), 1u) << w.Dump();
    EXPECT_EQ(w.Count(p.pair->alice, EventType::TokenVerified), 0u) << w.Dump();
    EXPECT_EQ(w.Count(p.pair->alice, EventType::TokenRejected), 0u);
    for (const auto& e : w.EventsOf(p.pair->alice, EventType::NotifyReceived, kUp))
    {
        EXPECT_NE(e.notifyType, notify::kQcdToken) << w.Dump();
    }
}

TEST(EngineQcdCluster, SaLiveNowhereStillGetsItsToken)
{
    ClusterPair p(false);
    VirtualWire& w = p.pair->wire;
    w.RunUntil(Sec(2));
    ASSERT_TRUE(p.pair->Established()) << w.Dump();
    const IkeSaInfo sa = w.Node(p.pair->alice).IkeSas().at(0);
    w.Reboot(p.pair->bob, kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    // The same timeline with the hook answering "not live": the normal one-RTT QCD recovery.
    EXPECT_EQ(p.asked.count({ sa.spiI, sa.spiR }), 1u) << w.Dump();
    const Time verified = w.FirstTime(p.pair->alice, EventType::TokenVerified, kCrash);
    EXPECT_NEAR(ToSeconds(verified), 25.04, 1e-6) << w.Dump();
    EXPECT_TRUE(p.pair->Established());
}

} // namespace
} // namespace test
} // namespace ikev2

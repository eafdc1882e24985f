// Liveness checks (RFC 7296 2.4) and the retransmission profiles: a check goes out when
// nothing protected arrived for the interval while we send; it succeeds while the peer is up;
// when the peer is gone the IKE SA is declared dead exactly when the profile gives up.
#include "engine-test-util.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

TEST(EngineLiveness, ProfileGiveUpTimes)
{
    EXPECT_NEAR(ToSeconds(RetransmitProfile::Named("strongswan").GiveUpAfter()), 165.06112, 1e-9);
    EXPECT_EQ(RetransmitProfile::Named("libreswan").GiveUpAfter(), std::chrono::seconds(60));
    EXPECT_NEAR(ToSeconds(RetransmitProfile::Named("iked").GiveUpAfter()), 126.0, 1e-9);
    RetransmitProfile c = RetransmitProfile::Named("custom");
    c.timeout = std::chrono::seconds(1);
    c.base = 2;
    c.tries = 3;
    EXPECT_NEAR(ToSeconds(c.GiveUpAfter()), 15.0, 1e-9);
    c.limit = std::chrono::seconds(10);
    EXPECT_EQ(c.GiveUpAfter(), std::chrono::seconds(10));
    EXPECT_THROW(RetransmitProfile::Named("racoon"), ConfigError);
}

TEST(EngineLiveness, CheckSucceedsWhileThePeerIsUp)
{
    Pair p;
    // One-way traffic: Alice hears nothing protected from Bob.
    p.wire.Stream(p.alice, Sec(1), Sec(100), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.RunUntil(Sec(100));
    auto sent = p.wire.EventsOf(p.alice, EventType::LivenessCheckSent);
    ASSERT_GE(sent.size(), 3u);
    // The first check when the interval has passed since the last protected message.
    EXPECT_NEAR(ToSeconds(sent[0].time), 30.04, 1e-6);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::LivenessCheckOk), sent.size());
    EXPECT_EQ(p.wire.Count(p.alice, EventType::PeerDead), 0u);
    EXPECT_TRUE(p.Established());
}

TEST(EngineLiveness, NoCheckWithoutOutboundTrafficUnlessAlways)
{
    {
        Pair p;
        p.wire.RunUntil(Sec(200));
        EXPECT_EQ(p.wire.Count(p.alice, EventType::LivenessCheckSent), 0u);
    }
    {
        PairOptions o;
        EndpointConfig a = AliceConfig(o);
        a.livenessAlways = true;
        Pair p(a, BobConfig(o));
        p.wire.RunUntil(Sec(200));
        EXPECT_GE(p.wire.Count(p.alice, EventType::LivenessCheckSent), 5u);
        EXPECT_EQ(p.wire.Count(p.alice, EventType::PeerDead), 0u);
    }
}

TEST(EngineLiveness, TwoWayTrafficNeedsNoCheck)
{
    Pair p;
    p.wire.Stream(p.alice, Sec(1), Sec(100), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Stream(p.bob, Sec(1), Sec(100), Sec(1), Ip("10.2.0.20"), Ip("10.1.0.10"));
    p.wire.RunUntil(Sec(100));
    EXPECT_EQ(p.wire.Count(p.alice, EventType::LivenessCheckSent), 0u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::LivenessCheckSent), 0u);
}

class EngineLivenessProfiles : public ::testing::TestWithParam<std::string>
{
};

TEST_P(EngineLivenessProfiles, PeerDeadExactlyWhenTheScheduleRunsOut)
{
    PairOptions o;
    o.profile = GetParam();
    Pair p(o);
    p.wire.Stream(p.alice, Sec(1), Sec(400), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Crash(p.bob, Sec(5)); // and never comes back
    p.wire.RunUntil(Sec(400));
    auto checks = p.wire.EventsOf(p.alice, EventType::LivenessCheckSent);
    ASSERT_GE(checks.size(), 1u);
    const Time firstSend = checks[0].time;
    EXPECT_NEAR(ToSeconds(firstSend), 30.04, 1e-6);
    auto dead = p.wire.EventsOf(p.alice, EventType::PeerDead);
    ASSERT_GE(dead.size(), 1u);
    const Time giveUp = RetransmitProfile::Named(GetParam()).GiveUpAfter();
    EXPECT_EQ(dead[0].time, firstSend + giveUp);
    // Retransmissions of the check: bitwise identical, at timeout * base^n.
    const RetransmitProfile prof = RetransmitProfile::Named(GetParam());
    std::vector<Time> sends;
    Bytes first;
    for (const auto& r : p.wire.Wire())
    {
        if (r.from == p.alice && r.datagram.transport == Transport::Udp && r.sent >= firstSend &&
            r.sent < firstSend + giveUp)
        {
            if (sends.empty())
            {
                first = r.datagram.data;
            }
            EXPECT_EQ(r.datagram.data, first);
            sends.push_back(r.sent - firstSend);
        }
    }
    double expected = 0;
    double step = ToSeconds(prof.timeout);
    for (size_t i = 0; i < sends.size(); ++i)
    {
        EXPECT_NEAR(ToSeconds(sends[i]), expected, 1e-6) << "send " << i;
        expected += step;
        step *= prof.base;
    }
    if (prof.limit.count() == 0)
    {
        EXPECT_EQ(sends.size(), prof.tries + 1u);
    }
    // Dead means gone: the IKE SA and its Child SA are deleted, RecoveryDetected reported.
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::RecoveryDetected), dead[0].time);
    bool deleted = false;
    for (const auto& e : p.wire.EventsOf(p.alice, EventType::IkeSaDeleted))
    {
        deleted |= e.detail == "peer-dead" && e.time == dead[0].time;
    }
    EXPECT_TRUE(deleted);
}

INSTANTIATE_TEST_SUITE_P(Profiles,
                         EngineLivenessProfiles,
                         ::testing::Values("strongswan", "libreswan", "iked"));

TEST(EngineLiveness, StrongswanGivesUp165SecondsAfterTheFirstSend)
{
    Pair p;
    p.wire.Stream(p.alice, Sec(1), Sec(300), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Crash(p.bob, Sec(5));
    p.wire.RunUntil(Sec(300));
    const Time first = p.wire.FirstTime(p.alice, EventType::LivenessCheckSent);
    const Time dead = p.wire.FirstTime(p.alice, EventType::PeerDead);
    EXPECT_NEAR(ToSeconds(dead - first), 165.06, 0.005);
    size_t retransmits = 0;
    for (const auto& e : p.wire.EventsOf(p.alice, EventType::Retransmit))
    {
        retransmits += e.time < dead;
    }
    EXPECT_EQ(retransmits, 5u);
    // dpd_action=restart: a Start connection re-initiates at once.
    auto requests = p.wire.EventsOf(p.alice, EventType::RequestSent, dead);
    ASSERT_FALSE(requests.empty());
    EXPECT_EQ(requests[0].time, dead);
    EXPECT_EQ(requests[0].detail, "ike-sa-init");
}

TEST(EngineLiveness, CustomProfile)
{
    PairOptions o;
    EndpointConfig a = AliceConfig(o);
    a.retransmit = RetransmitProfile::Named("custom");
    a.retransmit.timeout = std::chrono::seconds(2);
    a.retransmit.base = 1.5;
    a.retransmit.tries = 3;
    a.livenessInterval = std::chrono::seconds(10);
    Pair p(a, BobConfig(o));
    p.wire.Stream(p.alice, Sec(1), Sec(100), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Crash(p.bob, Sec(5));
    p.wire.RunUntil(Sec(100));
    const Time first = p.wire.FirstTime(p.alice, EventType::LivenessCheckSent);
    const Time dead = p.wire.FirstTime(p.alice, EventType::PeerDead);
    EXPECT_NEAR(ToSeconds(first), 10.04, 1e-6);
    EXPECT_NEAR(ToSeconds(dead - first), 2 + 3 + 4.5 + 6.75, 1e-6);
}

TEST(EngineLiveness, LivenessDisabledNeverChecks)
{
    PairOptions o;
    o.liveness = Time(0);
    Pair p(o);
    p.wire.Stream(p.alice, Sec(1), Sec(100), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Crash(p.bob, Sec(5));
    p.wire.RunUntil(Sec(300));
    EXPECT_EQ(p.wire.Count(p.alice, EventType::LivenessCheckSent), 0u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::PeerDead), 0u);
}

} // namespace
} // namespace test
} // namespace ikev2

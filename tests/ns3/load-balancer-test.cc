// The load-balancer scenario program: a 3-member cluster, 4 peers (member0 holds alice0 and
// alice3), member0 taken down at 8 s, its peers moved at 9 s; alice1 rebalanced from member1 to
// member2 at 3 s. Custom timers small enough to compute by hand: liveness every 2 s, 0.5 s
// doubling with 3 retransmissions, so an unanswered exchange is abandoned 7.5 s after its first
// send.
#include "scenario-run.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace testing_ns3;

namespace
{

constexpr double kDown = 8;
constexpr double kUp = 9;

using RunResult = ScenarioRun;

RunResult
RunLoadBalancer(const std::string& name,
                const std::string& scheme,
                const std::string& list,
                std::vector<std::string> extra = {})
{
    std::vector<std::string> args = CustomProfileArgs();
    args.insert(args.end(),
                { "--scheme=" + scheme,
                  "--liveSaList=" + list,
                  "--peers=4",
                  "--members=3",
                  "--downMember=0",
                  "--downTime=8",
                  "--moveDelay=1",
                  "--rebalanceTime=3",
                  "--simTime=30" });
    return RunScenario(LOAD_BALANCER_BIN, name, args, extra);
}

uint64_t
Count(const nlohmann::json& summary, const char* key)
{
    return summary.at(key).get<uint64_t>();
}

/// What every run must show: the schedule, both moved peers back, bystanders untouched.
void
ExpectBasics(const RunResult& r)
{
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_fail"), kDown);
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_up"), kUp);
    EXPECT_EQ(Count(r.summary, "moved_peers"), 2u);
    EXPECT_TRUE(r.summary.at("recovered").get<bool>()) << r.summary.dump(2);
    EXPECT_GE(Num(r.summary, "recovery_s"), 0);
    EXPECT_LE(Num(r.summary, "recovery_s"), Num(r.summary, "recovery_p95_s"));
    // alice2 (member2) is neither moved nor rebalanced: not a datagram lost.
    EXPECT_EQ(Count(r.summary, "other_peers"), 1u);
    EXPECT_EQ(Count(r.summary, "other_peers_disturbed"), 0u) << r.summary.dump(2);
    EXPECT_EQ(r.summary.at("rebalanced_peer").get<std::string>(), "alice1");
}

} // namespace

// QCD without the list: the member that receives alice1 after the rebalance shares the secret
// and answers her liveness check with a valid token for the SA member1 still holds; she tears
// it down (RFC 6290 9.2 violated). The moved peers recover within a few RTTs of t_up.
TEST(LoadBalancer, QcdWithoutLiveSaListTearsDownARebalancedWorkingSa)
{
    RunResult r = RunLoadBalancer("lb-qcd-off", "qcd", "off");
    ExpectBasics(r);
    EXPECT_GE(Count(r.summary, "false_teardowns"), 1u) << r.summary.dump(2);
    EXPECT_GE(r.summary.at("false_teardown_reasons").value("qcd-token", 0), 1);
    EXPECT_LT(Num(r.summary, "recovery_p95_s"), 1.0) << r.summary.dump(2);
    EXPECT_EQ(Count(r.summary, "tokens_withheld"), 0u);
}

// With the list the load balancer keeps alice1's live SA on member1: no token, no teardown, and
// her flows do not notice the rebalance.
TEST(LoadBalancer, QcdWithLiveSaListLeavesTheRebalancedSaAlone)
{
    RunResult r = RunLoadBalancer("lb-qcd-on", "qcd", "on");
    ExpectBasics(r);
    EXPECT_EQ(Count(r.summary, "false_teardowns"), 0u) << r.summary.dump(2);
    EXPECT_EQ(Count(r.summary, "rebalance_lost_ab"), 0u) << r.summary.dump(2);
    EXPECT_LT(Num(r.summary, "recovery_p95_s"), 1.0) << r.summary.dump(2);
}

// Members that consult the list but packets still reach the wrong member: the token is
// withheld (no qcd-token teardown), and the SA is lost only when alice1's liveness check times
// out.
TEST(LoadBalancer, SilentMembersWithholdTheToken)
{
    RunResult r = RunLoadBalancer("lb-qcd-silent", "qcd", "silent");
    ExpectBasics(r);
    EXPECT_GE(Count(r.summary, "tokens_withheld"), 1u) << r.summary.dump(2);
    EXPECT_EQ(r.summary.at("false_teardown_reasons").value("qcd-token", 0), 0);
    EXPECT_GE(Num(r.summary, "time_to_first_false_teardown_s"), kGiveUp) << r.summary.dump(2);
}

// RFC 7296 only: the moved peers notice only when their liveness check is abandoned.
TEST(LoadBalancer, NoneRecoversOnlyAfterTheLivenessCheckGivesUp)
{
    RunResult r = RunLoadBalancer("lb-none-on", "none", "on");
    ExpectBasics(r);
    EXPECT_GE(Num(r.summary, "recovery_s"), kGiveUp - 2) << r.summary.dump(2);
    EXPECT_EQ(Count(r.summary, "false_teardowns"), 0u);
}

TEST(LoadBalancer, EverySchemeRunsWithBothListSettings)
{
    for (const char* scheme : { "hint", "initial-contact", "trust", "sir" })
    {
        for (const char* list : { "off", "on" })
        {
            RunResult r = RunLoadBalancer(std::string("lb-") + scheme + "-" + list, scheme, list);
            SCOPED_TRACE(std::string(scheme) + " " + list);
            ExpectBasics(r);
            if (std::string(list) == "on")
            {
                EXPECT_EQ(Count(r.summary, "false_teardowns"), 0u) << r.summary.dump(2);
            }
        }
    }
}

TEST(LoadBalancer, SameSeedGivesByteIdenticalFiles)
{
    RunResult a = RunLoadBalancer("lb-seed-a", "qcd", "off");
    RunResult b = RunLoadBalancer("lb-seed-b", "qcd", "off");
    ASSERT_EQ(a.status, 0) << a.output;
    ASSERT_EQ(b.status, 0) << b.output;
    for (const char* file : { "summary.json", "events.csv" })
    {
        EXPECT_EQ(ReadFile(a.dir + "/" + file), ReadFile(b.dir + "/" + file)) << file;
    }
}

TEST(LoadBalancer, BadFlagsFailNamingTheValue)
{
    RunResult r = RunLoadBalancer("lb-bad", "qcd", "maybe");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("maybe"), std::string::npos) << r.output;
    r = RunLoadBalancer("lb-bad-member", "qcd", "on", { "--downMember=3" });
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("--downMember=3"), std::string::npos) << r.output;
}

// The sa-loss scenario program with each scheme and each loss kind, at small custom timers
// whose consequences can be computed by hand: the lost tunnel comes back as the scheme implies,
// the other tunnel between the same gateways loses nothing and keeps its SAs; and determinism.
#include "scenario-run.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace testing_ns3;

namespace
{

// kTimeout, kGiveUp, kLiveness, kRtt: the custom profile of scenario-run.h.
// Later than SIR's 5 s dampening after t1's establishment (about 1 s), doc/sir.md 5.
constexpr double kLoss = 8;

using RunResult = ScenarioRun;

RunResult
RunSaLoss(const std::string& name,
          const std::string& scheme,
          const std::string& lose,
          std::vector<std::string> extra = {})
{
    std::vector<std::string> args = CustomProfileArgs();
    args.insert(args.end(),
                { "--scheme=" + scheme,
                  "--lose=" + lose,
                  "--rtt=" + std::to_string(kRtt),
                  "--lossTime=" + std::to_string(kLoss),
                  "--simTime=28" });
    return RunScenario(SA_LOSS_BIN, name, args, extra);
}

/// Both tunnels' invariants: the loss happened, the lost tunnel recovered, the other one lost
/// nothing and no gateway changed its SAs.
void
ExpectBasics(const RunResult& r)
{
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(r.summary.at("sa_forgotten").get<bool>());
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_fail"), kLoss);
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_up"), kLoss);
    EXPECT_TRUE(r.summary.at("recovered").get<bool>()) << r.summary.dump(2);
    EXPECT_GE(Num(r.summary, "recovery_s"), 0);
    EXPECT_EQ(r.summary.at("other_tunnel_lost_pkts").get<uint64_t>(), 0u) << r.summary.dump(2);
    EXPECT_GT(r.summary.at("other_tunnel_sent_pkts").get<uint64_t>(), 700u);
    EXPECT_TRUE(r.summary.at("other_tunnel_sa_changes").empty()) << r.summary.dump(2);
    EXPECT_FALSE(r.summary.at("other_tunnel_disturbed").get<bool>());
}

const std::vector<std::string> kSchemes = {
    "none", "hint", "initial-contact", "trust", "qcd", "sir"
};

} // namespace

// Bob still has the IKE SA: he answers Alice's ESP with a protected INVALID_SPI, which every
// scheme may trust; Alice deletes the Child SA and her next packet re-creates it (trap policy):
// at 20 packets/s the next packet is at most 50 ms away, then INVALID_SPI and CREATE_CHILD_SA
// take about 2 RTTs.
TEST(SaLossScenario, LostChildSaIsRecreatedWithinRttsByEveryScheme)
{
    for (const auto& scheme : kSchemes)
    {
        SCOPED_TRACE(scheme);
        RunResult r = RunSaLoss("sa-loss-child-" + scheme, scheme, "child");
        ExpectBasics(r);
        EXPECT_LT(Num(r.summary, "recovery_s"), 0.05 + 4 * kRtt + 0.1) << r.summary.dump(2);
        EXPECT_LT(Num(r.summary, "recovery_ba_s"), 0.05 + 4 * kRtt + 0.1);
        EXPECT_LT(Num(r.summary, "child_detection_s"), 0.05 + 2 * kRtt + 0.05);
        // The IKE SA survived: no IKE SA of Alice's died.
        EXPECT_TRUE(r.summary.at("detection_s").is_null());
    }
}

// Bob lost the whole IKE SA. Alice's ESP draws a protected INVALID_SPI over the other tunnel's
// IKE SA, so she drops the Child SA and asks for a new one in the lost IKE SA: Bob answers with
// an unprotected INVALID_IKE_SPI. QCD (token), SIR (CHECK_SPI) and trust act on it at once;
// none, hint and initial-contact (Bob never reboots, so never re-initiates) wait for the
// CREATE_CHILD_SA to be abandoned after the 7.5 s schedule.
TEST(SaLossScenario, LostIkeSaQcdSirTrustFastOthersAfterTheSchedule)
{
    for (const auto& scheme : kSchemes)
    {
        SCOPED_TRACE(scheme);
        RunResult r = RunSaLoss("sa-loss-ike-" + scheme, scheme, "ike");
        ExpectBasics(r);
        double recovery = Num(r.summary, "recovery_s");
        if (scheme == "qcd" || scheme == "sir" || scheme == "trust")
        {
            EXPECT_LT(recovery, 1.0) << r.summary.dump(2);
        }
        else
        {
            EXPECT_GT(recovery, kGiveUp - 0.5) << r.summary.dump(2);
            EXPECT_LT(recovery, kGiveUp + 1.0) << r.summary.dump(2);
        }
    }
}

TEST(SaLossScenario, SameSeedSameBytes)
{
    RunResult a = RunSaLoss("sa-loss-det-a", "sir", "ike", { "--RngRun=3" });
    RunResult b = RunSaLoss("sa-loss-det-b", "sir", "ike", { "--RngRun=3" });
    ASSERT_EQ(a.status, 0) << a.output;
    ASSERT_EQ(b.status, 0) << b.output;
    EXPECT_EQ(ReadFile(a.dir + "/summary.json"), ReadFile(b.dir + "/summary.json"));
    EXPECT_EQ(ReadFile(a.dir + "/events.csv"), ReadFile(b.dir + "/events.csv"));
}

TEST(SaLossScenario, BadFlagsFailNamingTheValue)
{
    RunResult r = RunSaLoss("sa-loss-bad", "none", "both");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("both"), std::string::npos) << r.output;
    RunResult late = RunSaLoss("sa-loss-late", "none", "ike", { "--lossTime=40" });
    EXPECT_NE(late.status, 0);
    EXPECT_NE(late.output.find("lossTime"), std::string::npos) << late.output;
}

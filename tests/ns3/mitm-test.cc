// The mitm scenario program per attacker position and scheme: which schemes a forged
// unprotected notify tears down (doc/mitm.md), and determinism.
#include "scenario-run.h"

#include <gtest/gtest.h>

using namespace testing_ns3;

namespace
{

constexpr double kAttackStart = 3;

using RunResult = ScenarioRun;

RunResult
RunMitm(const std::string& name,
        const std::string& attacker,
        const std::string& scheme,
        std::vector<std::string> extra = {})
{
    return RunScenario(MITM_BIN,
                       name,
                       { "--attacker=" + attacker,
                         "--scheme=" + scheme,
                         "--attackRate=10",
                         "--attackStart=" + std::to_string(kAttackStart),
                         "--simTime=12",
                         "--rateAB=10",
                         "--rateBA=10" },
                       extra);
}

uint64_t
FalseTeardowns(const RunResult& r)
{
    return r.summary.at("false_teardowns").get<uint64_t>();
}

void
ExpectAttacked(const RunResult& r)
{
    ASSERT_EQ(r.status, 0) << r.output;
    // 9 s of attack at 10/s: the periodic mix alone is 90 packets (less at the start for an
    // on-path tap that has not yet learned what it needs).
    EXPECT_GE(r.summary.at("forged_pkts").get<uint64_t>(), 80u) << r.summary.dump(2);
    EXPECT_TRUE(r.summary.at("recovery_s").is_null());
}

void
ExpectHolds(const RunResult& r)
{
    ExpectAttacked(r);
    EXPECT_EQ(FalseTeardowns(r), 0u) << r.summary.dump(2);
    EXPECT_TRUE(r.summary.at("time_to_first_false_teardown_s").is_null());
    EXPECT_DOUBLE_EQ(r.summary.at("downtime_s").get<double>(), 0.0);
}

} // namespace

// A blind spoofer guesses 32-bit Child SPIs: nothing it sends names a real SA, whatever the
// scheme, even trust.
TEST(MitmScenario, OffPathSpooferTearsNothingDown)
{
    for (const std::string scheme : { "none", "trust", "qcd", "sir" })
    {
        RunResult r = RunMitm("mitm-off-" + scheme, "off-path", scheme);
        ExpectHolds(r);
        EXPECT_EQ(r.summary.at("forged_by_kind").at("flood").get<uint64_t>(),
                  r.summary.at("forged_pkts").get<uint64_t>() / 5)
          << "one in five of the off-path mix is a flood packet";
    }
}

// On the path, the real outbound Child SPI is in every ESP header: trust falls at the first
// forged INVALID_SPI (one WAN traversal after the attack starts), the others hold.
TEST(MitmScenario, OnPathTrustFallsOthersHold)
{
    RunResult trust = RunMitm("mitm-on-trust", "on-path", "trust");
    ExpectAttacked(trust);
    EXPECT_GT(FalseTeardowns(trust), 0u);
    double first = trust.summary.at("time_to_first_false_teardown_s").get<double>();
    EXPECT_GT(first, 0.0);
    EXPECT_LT(first, 0.5);
    EXPECT_GT(trust.summary.at("downtime_s").get<double>(), 0.0);
    for (const std::string scheme : { "none", "hint", "qcd", "initial-contact" })
    {
        ExpectHolds(RunMitm("mitm-on-" + scheme, "on-path", scheme));
    }
}

// SIR's cookie is seen in clear by a tap: after the dampening window, the forged
// INVALID_IKE_SPI and the NACK echoing Alice's cookie make her re-create a working SA
// (draft-detienne-ikev2-recovery-03 section 8). QCD tokens are never in clear before use.
TEST(MitmScenario, OnPathForgedNackMovesSir)
{
    RunResult sir = RunMitm("mitm-on-sir", "on-path", "sir");
    ExpectAttacked(sir);
    EXPECT_GT(FalseTeardowns(sir), 0u) << sir.summary.dump(2);
    EXPECT_GT(sir.summary.at("forged_by_kind").at("check-spi-nack").get<uint64_t>(), 0u);
}

// A full MITM that drops Bob's IKE answers: trust still falls to the first forgery; qcd and
// none hold within this run (the DoS of the drops alone needs the retransmission give-up time).
TEST(MitmScenario, MitmTrustFallsQcdHolds)
{
    RunResult trust = RunMitm("mitm-mitm-trust", "mitm", "trust");
    ExpectAttacked(trust);
    EXPECT_GT(FalseTeardowns(trust), 0u);
    ExpectHolds(RunMitm("mitm-mitm-qcd", "mitm", "qcd"));
    ExpectHolds(RunMitm("mitm-mitm-none", "mitm", "none"));
}

TEST(MitmScenario, FlagsFailFast)
{
    std::string out;
    EXPECT_NE(
      RunProgram(MITM_BIN, { "--attacker=sideways", "--outDir=" + TestRunDir("mitm-bad") }, out),
      0);
    EXPECT_NE(out.find("sideways"), std::string::npos) << out;
    EXPECT_NE(
      RunProgram(
        MITM_BIN, { "--attackKind=invalid-spi,bogus", "--outDir=" + TestRunDir("mitm-bad2") }, out),
      0);
    EXPECT_NE(out.find("bogus"), std::string::npos) << out;
}

TEST(MitmScenario, SameSeedSameOutput)
{
    RunResult a = RunMitm("mitm-det-a", "on-path", "sir");
    RunResult b = RunMitm("mitm-det-b", "on-path", "sir");
    ASSERT_EQ(a.status, 0) << a.output;
    ASSERT_EQ(b.status, 0) << b.output;
    EXPECT_EQ(ReadFile(a.dir + "/events.csv"), ReadFile(b.dir + "/events.csv"));
    EXPECT_EQ(ReadFile(a.dir + "/summary.json"), ReadFile(b.dir + "/summary.json"));
}

// Dropping Bob's IKE answers alone tears nothing down while traffic flows (Alice has no reason
// to ask); a forged INVALID_SPI makes hint and qcd ask, the MITM drops Bob's answer, and Alice
// declares him dead exactly when her retransmissions give up (custom profile: 0.5 s doubling,
// 3 retransmissions = 7.5 s after the first forgery arrives, 0.125 s after the attack starts).
TEST(MitmScenario, DropsPlusForgeryKillAtGiveUp)
{
    std::vector<std::string> custom = { "--profile=custom",     "--retransmitTimeout=0.5",
                                        "--retransmitBase=2",   "--retransmitTries=3",
                                        "--livenessInterval=2", "--simTime=20" };
    for (const std::string scheme : { "hint", "qcd" })
    {
        std::vector<std::string> dropOnly = custom;
        dropOnly.push_back("--attackKind=none");
        RunResult baseline = RunMitm("mitm-droponly-" + scheme, "mitm", scheme, dropOnly);
        ASSERT_EQ(baseline.status, 0) << baseline.output;
        EXPECT_EQ(baseline.summary.at("forged_pkts").get<uint64_t>(), 0u);
        EXPECT_EQ(FalseTeardowns(baseline), 0u) << baseline.summary.dump(2);

        RunResult r = RunMitm("mitm-dropforge-" + scheme, "mitm", scheme, custom);
        ExpectAttacked(r);
        EXPECT_EQ(FalseTeardowns(r), 1u) << r.summary.dump(2);
        double first = r.summary.at("time_to_first_false_teardown_s").get<double>();
        EXPECT_NEAR(first, 0.125 + 7.5, 0.05);
    }
}

// The crash-reboot scenario program with each scheme, at small custom timer values whose
// consequences can be computed by hand, and its determinism.
#include "scenario-run.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace testing_ns3;

namespace
{

// kTimeout, kGiveUp, kLiveness, kRtt: the custom profile of scenario-run.h.
constexpr double kCrash = 5;
constexpr double kBoot = 1;
// IKE_SA_INIT + IKE_AUTH (2 RTT) plus the wait for the next datagram (50 ms at 20/s), one-way
// delivery and CPU time: set-up comfortably fits in 0.3 s.
constexpr double kSetup = 0.3;

using RunResult = ScenarioRun;

RunResult
RunCrashReboot(const std::string& name,
               const std::string& scheme,
               std::vector<std::string> extra = {})
{
    std::vector<std::string> args = CustomProfileArgs();
    args.insert(args.end(),
                { "--scheme=" + scheme,
                  "--rtt=" + std::to_string(kRtt),
                  "--crashTime=" + std::to_string(kCrash),
                  "--bootTime=" + std::to_string(kBoot),
                  "--simTime=30" });
    return RunScenario(CRASH_REBOOT_BIN, name, args, extra);
}

void
ExpectBasics(const RunResult& r)
{
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_fail"), kCrash);
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_up"), kCrash + kBoot);
    EXPECT_TRUE(r.summary.at("recovered").get<bool>()) << r.summary.dump(2);
    // Nothing can cross Bob before he is up again.
    EXPECT_GE(Num(r.summary, "recovery_s"), 0);
    EXPECT_GE(Num(r.summary, "recovery_ba_s"), 0);
}

} // namespace

// RFC 7296 only: Alice's liveness check starts once nothing protected came back for the
// liveness interval (Bob's B->A traffic stops at the crash), and she declares Bob dead when the
// schedule runs out; then her next A->B datagram re-creates the SAs.
TEST(CrashReboot, NoneRecoversAfterLivenessIntervalPlusSchedule)
{
    RunResult r = RunCrashReboot("none", "none");
    ExpectBasics(r);
    double detectAfterFail = Num(r.summary, "t_detect") - kCrash;
    // The check goes out one liveness interval after the last protected input, which arrived
    // at most one B->A datagram interval (50 ms) plus a one-way delay before t_fail; at most two
    // intervals if the engine only checks when its liveness timer expires.
    EXPECT_GE(detectAfterFail, kLiveness + kGiveUp - 0.05 - kRtt / 2 - 0.001);
    EXPECT_LE(detectAfterFail, 2 * kLiveness + kGiveUp + 0.01);
    EXPECT_GE(Num(r.summary, "recovery_s"), Num(r.summary, "detection_s"));
    EXPECT_LE(Num(r.summary, "recovery_s"), Num(r.summary, "detection_s") + kSetup);
}

// hint: Bob's INVALID_SPI after the reboot starts Alice's check at once (before her liveness
// interval would), but she still waits for the whole schedule.
TEST(CrashReboot, HintStartsTheCheckAtTheFirstInvalidSpiButWaitsForTheSchedule)
{
    RunResult r = RunCrashReboot("hint", "hint");
    ExpectBasics(r);
    double detection = Num(r.summary, "detection_s");
    // The first ESP after t_up reaches Bob within 50 ms + RTT/2; his INVALID_SPI is back RTT/2
    // later; the check's schedule then runs 7.5 s.
    EXPECT_GE(detection, kGiveUp + kRtt - 0.01);
    EXPECT_LE(detection, kGiveUp + kRtt + 0.05 + 0.05);
    EXPECT_LE(Num(r.summary, "recovery_s"), detection + kSetup);
}

// initial-contact: rebooted Bob re-initiates with INITIAL_CONTACT; Alice drops the old SA.
TEST(CrashReboot, InitialContactRecoversWithinAFewRttsOfTup)
{
    RunResult r = RunCrashReboot("initial-contact", "initial-contact");
    ExpectBasics(r);
    EXPECT_LE(Num(r.summary, "detection_s"), 2 * kRtt + 0.05);
    EXPECT_LE(Num(r.summary, "recovery_s"), 4 * kRtt + 0.1);
    EXPECT_LE(Num(r.summary, "recovery_ba_s"), 4 * kRtt + 0.1);
}

// trust: the first unprotected INVALID_SPI tears the SA down at once.
TEST(CrashReboot, TrustRecoversAtOnce)
{
    RunResult r = RunCrashReboot("trust", "trust");
    ExpectBasics(r);
    EXPECT_LE(Num(r.summary, "detection_s"), kRtt + 0.05 + 0.01);
    EXPECT_LE(Num(r.summary, "recovery_s"), kRtt + 0.05 + kSetup);
}

// QCD and SIR: both are built into the engine (recovery-policies.cc), so the scenario runs
// them, and the tunnel is back within a second of Bob coming up again, long before the
// retransmission schedule would declare him dead.
TEST(CrashReboot, QcdAndSirRecoverQuickly)
{
    for (const char* scheme : { "qcd", "sir" })
    {
        RunResult r = RunCrashReboot(scheme, scheme);
        ASSERT_EQ(r.status, 0) << scheme << "\n" << r.output;
        ExpectBasics(r);
        EXPECT_EQ(r.summary.at("scheme").get<std::string>(), scheme);
        EXPECT_LE(Num(r.summary, "recovery_s"), 1.0) << scheme;
    }
}

// strongSwan's schedule with a 10 s liveness interval: about 10 s + 165.1 s + set-up after the
// last protected input (the acceptance check).
TEST(CrashReboot, StrongswanProfileFollowsItsSchedule)
{
    std::string dir = TestRunDir("strongswan");
    std::string output;
    int status = RunProgram(CRASH_REBOOT_BIN,
                            { "--scheme=none",
                              "--profile=strongswan",
                              "--livenessInterval=10",
                              "--crashTime=20",
                              "--bootTime=30",
                              "--simTime=240",
                              "--outDir=" + dir },
                            output);
    ASSERT_EQ(status, 0) << output;
    auto s = ReadJson(dir + "/summary.json");
    ASSERT_TRUE(s.at("recovered").get<bool>()) << s.dump(2);
    double giveUp = s.at("give_up_after_s").get<double>();
    EXPECT_NEAR(giveUp, 165.06112, 1e-6);
    double outage = s.at("outage_s").get<double>();
    EXPECT_GE(outage, 10 + giveUp);
    EXPECT_LE(outage, 20 + giveUp + 0.3);
    EXPECT_NEAR(s.at("recovery_s").get<double>(), outage - 30, 1e-9);
}

TEST(CrashReboot, SameSeedGivesByteIdenticalFilesAndAnotherSeedDiffers)
{
    std::string a = TestRunDir("det-a");
    std::string b = TestRunDir("det-b");
    std::string c = TestRunDir("det-c");
    std::string output;
    std::vector<std::string> common = { "--quick", "--scheme=trust", "--loss=0.01" };
    auto run = [&](const std::string& dir, const std::string& seed)
    {
        auto args = common;
        args.push_back("--outDir=" + dir);
        args.push_back("--RngRun=" + seed);
        return RunProgram(CRASH_REBOOT_BIN, args, output);
    };
    ASSERT_EQ(run(a, "3"), 0) << output;
    ASSERT_EQ(run(b, "3"), 0) << output;
    ASSERT_EQ(run(c, "4"), 0) << output;
    for (const char* file : { "events.csv", "summary.json" })
    {
        std::string fa = ReadFile(a + "/" + file);
        EXPECT_FALSE(fa.empty()) << file;
        EXPECT_EQ(fa, ReadFile(b + "/" + file)) << file;
    }
    EXPECT_NE(ReadFile(a + "/events.csv"), ReadFile(c + "/events.csv"));
}

TEST(CrashReboot, BadFlagValuesFailNamingTheValue)
{
    std::string output;
    for (const auto& [flag, expect] : std::vector<std::pair<std::string, std::string>>{
           { "--scheme=bogus", "--scheme=bogus" },
           { "--profile=openbsd", "--profile=openbsd" },
           { "--rtt=-1", "--rtt=-1" },
           { "--loss=2", "--loss=2" },
           { "--rate=fast", "--rate=fast" },
           { "--retransmitTries=3", "--profile=custom" } })
    {
        EXPECT_EQ(RunProgram(CRASH_REBOOT_BIN, { flag, "--outDir=" + TestRunDir("bad") }, output),
                  2)
          << flag;
        EXPECT_NE(output.find(expect), std::string::npos) << output;
    }
}

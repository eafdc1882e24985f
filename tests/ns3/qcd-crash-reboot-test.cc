// crash-reboot --scheme=qcd (RFC 6290) with each knob: Alice detects Bob's reboot within a few
// round trips of Bob being back, by the ESP-triggered path (INVALID_SPI -> liveness check ->
// token), the 8.2 map (INVALID_SPI + token at once) or the IKE-triggered path (the token answers
// a request already in flight), where `none` needs the whole retransmission schedule.
#include "scenario-run.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace testing_ns3;

namespace
{

// The custom profile of scenario-run.h (kLiveness, kRtt): 0.5 s doubling, 3 retransmissions.
constexpr double kCrash = 5;
// A->B datagrams every 50 ms at 20/s.
constexpr double kPacketGap = 0.05;
// IKE_SA_INIT + IKE_AUTH (2 RTT), the wait for the next datagram and CPU time.
constexpr double kSetup = 0.3;

struct QcdRun : ScenarioRun
{
    std::string events; ///< events.csv
};

QcdRun
RunQcd(const std::string& name, double bootTime, std::vector<std::string> extra = {})
{
    std::vector<std::string> args = CustomProfileArgs();
    args.insert(args.end(),
                { "--scheme=qcd",
                  "--rtt=" + std::to_string(kRtt),
                  "--crashTime=" + std::to_string(kCrash),
                  "--bootTime=" + std::to_string(bootTime),
                  "--simTime=30" });
    QcdRun r{ RunScenario(CRASH_REBOOT_BIN, name, args, extra), {} };
    if (r.status == 0)
    {
        r.events = ReadFile(r.dir + "/events.csv");
    }
    return r;
}

/// events.csv rows (time_s,node,event,...,detail) of @p event at @p node.
std::vector<std::vector<std::string>>
Rows(const std::string& csv, const std::string& node, const std::string& event)
{
    std::vector<std::vector<std::string>> out;
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line))
    {
        std::vector<std::string> cells;
        std::string cell;
        std::istringstream l(line);
        while (std::getline(l, cell, ','))
        {
            cells.push_back(cell);
        }
        if (cells.size() >= 3 && cells[1] == node && cells[2] == event)
        {
            out.push_back(cells);
        }
    }
    return out;
}

void
ExpectRecovered(const QcdRun& r, double bootTime)
{
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.summary.at("scheme").get<std::string>(), "qcd");
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_up"), kCrash + bootTime);
    ASSERT_TRUE(r.summary.at("recovered").get<bool>()) << r.summary.dump(2);
    EXPECT_GE(Num(r.summary, "detection_s"), 0);
    EXPECT_LE(Num(r.summary, "recovery_s"), Num(r.summary, "detection_s") + kSetup)
      << r.summary.dump(2);
    EXPECT_LE(Num(r.summary, "recovery_ba_s"), Num(r.summary, "detection_s") + kSetup);
    // Alice verified exactly one token and nothing was rejected or declared dead.
    EXPECT_EQ(Rows(r.events, "alice", "token-verified").size(), 1u) << r.events;
    EXPECT_TRUE(Rows(r.events, "alice", "token-rejected").empty());
    EXPECT_TRUE(Rows(r.events, "alice", "peer-dead").empty());
}

std::string
VerifiedPath(const QcdRun& r)
{
    auto rows = Rows(r.events, "alice", "token-verified");
    return rows.empty() ? "" : rows[0].back();
}

} // namespace

// ESP-triggered: the first A->B datagram after t_up (within 50 ms) meets Bob's INVALID_SPI
// (RTT/2 + RTT/2), Alice's liveness check fetches the token (one RTT).
TEST(QcdCrashReboot, EspTriggeredDetectsWithinOneAndAHalfRoundTrips)
{
    QcdRun r = RunQcd("qcd-esp", 1);
    ExpectRecovered(r, 1);
    EXPECT_EQ(VerifiedPath(r), "IKE");
    EXPECT_GE(Num(r.summary, "detection_s"), 2 * kRtt);
    EXPECT_LE(Num(r.summary, "detection_s"), kPacketGap + 2 * kRtt + 0.03);
    EXPECT_LE(Num(r.summary, "recovery_s"), kPacketGap + 4 * kRtt + 0.15);
}

// The 8.2 map: Bob answers that first datagram with INVALID_SPI + QCD_TOKEN; one round trip
// less than without it, from the same seed.
TEST(QcdCrashReboot, ChildSpiMapSavesTheLivenessRoundTrip)
{
    QcdRun with = RunQcd("qcd-map", 1, { "--qcdChildSpiMap=true" });
    QcdRun without = RunQcd("qcd-nomap", 1);
    ExpectRecovered(with, 1);
    ExpectRecovered(without, 1);
    EXPECT_EQ(VerifiedPath(with), "ESP");
    EXPECT_LE(Num(with.summary, "detection_s"), kPacketGap + kRtt + 0.03);
    EXPECT_NEAR(Num(without.summary, "detection_s") - Num(with.summary, "detection_s"), kRtt, 0.02);
    // The map costs Bob persistent bytes: one 30-octet entry per Child SA.
    const auto bobBytes = [](const QcdRun& r)
    { return r.summary.at("persistent_bytes").at("bob").get<double>(); };
    EXPECT_GE(bobBytes(with), bobBytes(without) + 30);
}

// IKE-triggered: Bob boots for 3 s, longer than Alice's liveness interval, so her check is in
// flight when he is back; its next retransmission (0.5 s doubling from about 7 s: 7.5, 8.5,
// 10.5) brings the token. The INVALID_SPI that comes first is ignored (a request is in flight).
// A->B at the default 20/s, faster than Bob's 10/s INVALID_SPI limit: the INVALID_IKE_SPI +
// token reply has a bucket of its own and still goes out (doc/qcd.md 13).
TEST(QcdCrashReboot, IkeTriggeredByTheCheckInFlight)
{
    QcdRun r = RunQcd("qcd-ike", 3, {});
    ExpectRecovered(r, 3);
    EXPECT_EQ(VerifiedPath(r), "IKE");
    const double detect = Num(r.summary, "t_detect");
    // The check went out before Bob was up...
    auto checks = Rows(r.events, "alice", "liveness-check-sent");
    ASSERT_FALSE(checks.empty());
    EXPECT_LT(std::stod(checks.back()[0]), kCrash + 3);
    // ...and a retransmission after t_up = 8 s got the answer: at most one backoff step
    // (1 s here) plus a round trip after Bob is back.
    EXPECT_GE(detect, kCrash + 3 + kRtt);
    EXPECT_LE(detect, kCrash + 3 + 1 + kRtt + 0.03);
    EXPECT_FALSE(Rows(r.events, "alice", "retransmit").empty());
}

// Re-initiation on traffic (Alice's trap policy): the next datagram after the verified token
// starts the new SA, 50 ms later at most.
TEST(QcdCrashReboot, ReinitiateOnTraffic)
{
    QcdRun r = RunQcd("qcd-traffic", 1, { "--qcdReinitiate=traffic" });
    ExpectRecovered(r, 1);
    EXPECT_LE(Num(r.summary, "recovery_s"), Num(r.summary, "detection_s") + kPacketGap + kSetup);
    EXPECT_FALSE(Rows(r.events, "alice", "acquire-started").empty());
}

// Address-bound tokens, digests, longer tokens and the post-boot window change nothing for a
// genuine crash.
TEST(QcdCrashReboot, OtherKnobsStillRecover)
{
    QcdRun r = RunQcd("qcd-knobs",
                      1,
                      { "--qcdBindAddress=true",
                        "--qcdStoreDigest=true",
                        "--qcdTokenLength=64",
                        "--qcdHash=sha512",
                        "--qcdPostBootWindow=10" });
    ExpectRecovered(r, 1);
    EXPECT_LE(Num(r.summary, "detection_s"), kPacketGap + 2 * kRtt + 0.03);
}

// With the maker switched off QCD is RFC 7296: the schedule (7.5 s) decides.
TEST(QcdCrashReboot, MakerOffFallsBackToTheSchedule)
{
    QcdRun r = RunQcd("qcd-nomaker", 1, { "--qcdMaker=false" });
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(Rows(r.events, "alice", "token-verified").empty());
    EXPECT_GE(Num(r.summary, "detection_s"), 7.5);
}

TEST(QcdCrashReboot, QcdFlagsNeedTheQcdScheme)
{
    std::string output;
    int status =
      RunProgram(CRASH_REBOOT_BIN,
                 { "--scheme=none", "--qcdChildSpiMap=true", "--outDir=" + TestRunDir("qcd-bad") },
                 output);
    EXPECT_EQ(status, 2) << output;
    EXPECT_NE(output.find("applies only to --scheme=qcd"), std::string::npos) << output;
}

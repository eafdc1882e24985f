// The reboot-storm scenario program with a small N: every peer recovers with the schemes that
// detect the reboot themselves (qcd, sir), `none` only after its liveness check gives up, Bob
// demands COOKIEs once half-open SAs reach --cookieThreshold, and a seed gives the same bytes.
#include "two-site-fixture.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace testing_ns3;

namespace
{

constexpr int kPeers = 20;
constexpr double kLiveness = 2;
constexpr double kCrash = 6;
constexpr double kBoot = 1;
// custom profile: 0.5 s doubling, 3 retransmissions: an exchange is abandoned 7.5 s after its
// first send.
constexpr double kGiveUp = 7.5;

struct RunResult
{
    int status{ -1 };
    std::string output;
    std::string dir;
    nlohmann::json summary;
};

RunResult
RunStorm(const std::string& name, const std::string& scheme, std::vector<std::string> extra = {})
{
    RunResult r;
    r.dir = TestRunDir(name);
    std::vector<std::string> args = { "--scheme=" + scheme,
                                      "--peers=" + std::to_string(kPeers),
                                      "--profile=custom",
                                      "--retransmitTimeout=0.5",
                                      "--retransmitBase=2",
                                      "--retransmitTries=3",
                                      "--livenessInterval=" + std::to_string(kLiveness),
                                      "--establishSpread=2",
                                      "--crashTime=" + std::to_string(kCrash),
                                      "--bootTime=" + std::to_string(kBoot),
                                      "--peerRate=5",
                                      "--simTime=30",
                                      "--outDir=" + r.dir };
    args.insert(args.end(), extra.begin(), extra.end());
    r.status = RunProgram(REBOOT_STORM_BIN, args, r.output);
    if (r.status == 0)
    {
        r.summary = ReadJson(r.dir + "/summary.json");
    }
    return r;
}

double
Num(const nlohmann::json& summary, const char* key)
{
    const auto& v = summary.at(key);
    return v.is_null() ? NAN : v.get<double>();
}

void
ExpectAllRecovered(const RunResult& r)
{
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.summary.at("peers").get<int>(), kPeers);
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_fail"), kCrash);
    EXPECT_DOUBLE_EQ(Num(r.summary, "t_up"), kCrash + kBoot);
    EXPECT_TRUE(r.summary.at("recovered").get<bool>()) << r.summary.dump(2);
    EXPECT_EQ(r.summary.at("recovered_peers").get<int>(), kPeers);
    EXPECT_GE(Num(r.summary, "recovery_min_s"), 0);
    EXPECT_LE(Num(r.summary, "recovery_s"), Num(r.summary, "recovery_p95_s"));
    EXPECT_LE(Num(r.summary, "recovery_p95_s"), Num(r.summary, "recovery_max_s"));
    EXPECT_GT(Num(r.summary.at("cpu_s"), "bob"), 0);
    EXPECT_GT(r.summary.at("ike_msgs").at("peers").get<int>(), 0);
}

} // namespace

// QCD: each peer's next liveness check (at most kLiveness after its last inbound packet)
// draws Bob's INVALID_IKE_SPI with a valid token; the peer re-establishes at once.
TEST(RebootStormTest, QcdEveryPeerRecoversWithinALivenessInterval)
{
    RunResult r = RunStorm("storm-qcd", "qcd");
    ExpectAllRecovered(r);
    EXPECT_LT(Num(r.summary, "recovery_max_s"), kLiveness + 1.5) << r.summary.dump(2);
}

TEST(RebootStormTest, SirEveryPeerRecoversWithoutWaitingForGiveUp)
{
    RunResult r = RunStorm("storm-sir", "sir");
    ExpectAllRecovered(r);
    EXPECT_LT(Num(r.summary, "recovery_max_s"), kGiveUp) << r.summary.dump(2);
}

// RFC 7296 alone: a peer only re-establishes when its liveness check has given up.
TEST(RebootStormTest, NoneRecoversOnlyAfterTheLivenessCheckGivesUp)
{
    RunResult r = RunStorm("storm-none", "none");
    ExpectAllRecovered(r);
    EXPECT_GE(Num(r.summary, "recovery_min_s"), kGiveUp - kBoot) << r.summary.dump(2);
}

// 20 peers reconnect within a few hundred ms: below the default threshold (50) Bob never asks
// for a COOKIE; with threshold 0 every IKE_SA_INIT is answered with one, and all still recover.
TEST(RebootStormTest, CookieThresholdMakesBobSendCookies)
{
    RunResult plain = RunStorm("storm-cookie-off", "qcd");
    ASSERT_EQ(plain.status, 0) << plain.output;
    EXPECT_EQ(plain.summary.at("cookies_sent").get<int>(), 0);
    RunResult r = RunStorm("storm-cookie-on", "qcd", { "--cookieThreshold=0" });
    ExpectAllRecovered(r);
    EXPECT_GE(r.summary.at("cookies_sent").get<int>(), kPeers) << r.summary.dump(2);
    EXPECT_GT(r.summary.at("ike_msgs").at("total").get<int>(),
              plain.summary.at("ike_msgs").at("total").get<int>());
}

TEST(RebootStormTest, SameSeedSameBytes)
{
    RunResult a = RunStorm("storm-seed-a", "sir", { "--RngRun=3" });
    RunResult b = RunStorm("storm-seed-b", "sir", { "--RngRun=3" });
    ASSERT_EQ(a.status, 0) << a.output;
    ASSERT_EQ(b.status, 0) << b.output;
    EXPECT_EQ(ReadFile(a.dir + "/summary.json"), ReadFile(b.dir + "/summary.json"));
    EXPECT_EQ(ReadFile(a.dir + "/events.csv"), ReadFile(b.dir + "/events.csv"));
}

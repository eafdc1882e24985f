// Unit tests of ikev2-peer's pure parts: inner echo traffic and option parsing. They need no
// namespaces or root; the interop cases exercise the same code against charon.
#include "inner-traffic.h"
#include "ipv4-packet.h"
#include "peer-options.h"
#include "run-log.h"

#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace ikev2
{
namespace tools
{
namespace
{

Ipv4Address
Addr(const char* dotted)
{
    Ipv4Address a;
    EXPECT_TRUE(Ipv4Address::Parse(dotted, a));
    return a;
}

TEST(InnerTraffic, AnswersEchoRequestsToItsAddressOnly)
{
    InnerTraffic t(Addr("10.1.0.1"), 77);
    const Bytes data{ 1, 2, 3, 4, 5 };
    Bytes request = BuildIcmpEcho(Addr("10.2.0.1"), Addr("10.1.0.1"), false, 9, 4, data);
    InnerResult r = t.Handle(request, Time(0));
    ASSERT_TRUE(r.answer.has_value());
    Ipv4Info ip;
    ASSERT_TRUE(ParseIpv4(*r.answer, ip));
    EXPECT_EQ(ip.src, Addr("10.1.0.1"));
    EXPECT_EQ(ip.dst, Addr("10.2.0.1"));
    EXPECT_EQ(*r.answer, BuildIcmpEcho(Addr("10.1.0.1"), Addr("10.2.0.1"), true, 9, 4, data, 1));
    EXPECT_EQ(t.Counters().echoRequestsAnswered, 1u);

    Bytes other = BuildIcmpEcho(Addr("10.2.0.1"), Addr("10.1.0.9"), false, 9, 5, data);
    EXPECT_FALSE(t.Handle(other, Time(0)).answer.has_value());
    EXPECT_EQ(t.Counters().otherReceived, 1u);
}

TEST(InnerTraffic, CountsRepliesToItsOwnRequestsOnce)
{
    InnerTraffic t(Addr("10.1.0.1"), 77);
    Bytes request = t.NextEchoRequest(Addr("10.2.0.1"), std::chrono::milliseconds(100));
    Ipv4Info ip;
    ASSERT_TRUE(ParseIpv4(request, ip));
    ASSERT_EQ(ip.protocol, kIpProtoIcmp);
    // The peer's kernel echoes identifier, sequence and data back.
    Bytes data(request.begin() + ip.headerLength + kIcmpEchoHeaderSize, request.end());
    Bytes reply = BuildIcmpEcho(Addr("10.2.0.1"), Addr("10.1.0.1"), true, 77, 0, data);
    InnerResult r = t.Handle(reply, std::chrono::milliseconds(130));
    EXPECT_TRUE(r.echoReply);
    EXPECT_NEAR(r.rttMs, 30.0, 1e-9);
    EXPECT_FALSE(t.Handle(reply, std::chrono::milliseconds(140)).echoReply); // duplicate
    Bytes foreign = BuildIcmpEcho(Addr("10.2.0.1"), Addr("10.1.0.1"), true, 78, 0, data);
    EXPECT_FALSE(t.Handle(foreign, std::chrono::milliseconds(150)).echoReply);
    EXPECT_EQ(t.Counters().echoRequestsSent, 1u);
    EXPECT_EQ(t.Counters().echoRepliesReceived, 1u);
}

TEST(InnerTraffic, AnswersUdpEchoAndRejectsBadChecksums)
{
    InnerTraffic t(Addr("10.1.0.1"), 1);
    const Bytes payload{ 'h', 'i' };
    Bytes udp = BuildUdpIpv4(Addr("10.2.0.1"), Addr("10.1.0.1"), 4000, 7, payload);
    InnerResult r = t.Handle(udp, Time(0));
    ASSERT_TRUE(r.answer.has_value());
    EXPECT_EQ(*r.answer, BuildUdpIpv4(Addr("10.1.0.1"), Addr("10.2.0.1"), 7, 4000, payload, 1));

    Bytes icmp = BuildIcmpEcho(Addr("10.2.0.1"), Addr("10.1.0.1"), false, 1, 1, payload);
    icmp.back() ^= 0x01; // breaks the ICMP checksum, not the IP header
    EXPECT_FALSE(t.Handle(icmp, Time(0)).answer.has_value());
}

TEST(InnerTraffic, SurvivesTruncatedAndGarbagePackets)
{
    InnerTraffic t(Addr("10.1.0.1"), 1);
    Bytes icmp = BuildIcmpEcho(Addr("10.2.0.1"), Addr("10.1.0.1"), false, 1, 1, Bytes(8, 0));
    for (size_t n = 0; n < icmp.size(); ++n)
    {
        Bytes cut(icmp.begin(), icmp.begin() + n);
        EXPECT_FALSE(t.Handle(cut, Time(0)).answer.has_value()) << n;
    }
    EXPECT_FALSE(t.Handle(Bytes(40, 0xff), Time(0)).answer.has_value());
}

std::vector<char*>
Argv(std::vector<std::string>& args)
{
    std::vector<char*> v;
    for (auto& a : args)
    {
        v.push_back(a.data());
    }
    return v;
}

TEST(PeerOptions, FlagsAndConfigFileFillOneConnection)
{
    const std::string path = ::testing::TempDir() + "/ikev2-peer-test.conf";
    {
        std::ofstream f(path);
        f << "# interop\nlocal = 192.0.2.1\nremote = 192.0.2.2\nlocal-id = alice.example\n"
             "remote-id = bob.example\npsk = \"secret psk\"\nlocal-ts = 10.1.0.1/32\n"
             "remote-ts = 10.2.0.1/32\nike-proposal = aes256-sha256-modp2048\n"
             "ike-proposal = aes128gcm16-prfsha256-x25519\nforce-encap\npfs = no\n";
    }
    std::vector<std::string> args{ "ikev2-peer", "--config", path, "--initiate", "--scheme",
                                   "qcd",        "--seed",   "42", "--ping",     "10.2.0.1" };
    auto argv = Argv(args);
    PeerOptions o;
    std::string error;
    bool help = true;
    ASSERT_TRUE(ParseOptions(static_cast<int>(argv.size()), argv.data(), o, error, help)) << error;
    EXPECT_FALSE(help);
    ASSERT_EQ(o.endpoint.peers.size(), 1u);
    const PeerConfig& p = o.endpoint.peers[0];
    EXPECT_EQ(p.local.ip, Addr("192.0.2.1"));
    EXPECT_EQ(p.local.port, 500);
    EXPECT_EQ(p.remote.ip, Addr("192.0.2.2"));
    EXPECT_EQ(p.remote.port, 500);
    EXPECT_EQ(std::string(p.psk.begin(), p.psk.end()), "secret psk");
    EXPECT_EQ(
      p.ikeProposals,
      (std::vector<std::string>{ "aes256-sha256-modp2048", "aes128gcm16-prfsha256-x25519" }));
    EXPECT_EQ(p.espProposals, std::vector<std::string>{ "aes128gcm16" });
    EXPECT_TRUE(p.forceUdpEncap);
    EXPECT_FALSE(p.pfs);
    EXPECT_EQ(p.startAction, StartAction::Start);
    EXPECT_EQ(o.endpoint.scheme, RecoveryScheme::Qcd);
    EXPECT_TRUE(o.seedGiven);
    EXPECT_EQ(o.endpoint.seed, 42u);
    EXPECT_EQ(o.innerAddress, Addr("10.1.0.1"));
    ASSERT_TRUE(o.pingTarget.has_value());
    EXPECT_EQ(*o.pingTarget, Addr("10.2.0.1"));
}

TEST(PeerOptions, RejectsBadValuesWithTheirName)
{
    for (std::vector<std::string> args :
         std::vector<std::vector<std::string>>{ { "p", "--local", "192.0.2" },
                                                { "p", "--scheme", "magic" },
                                                { "p", "--retransmit-tries", "-1" },
                                                { "p", "--local-ts", "10.0.0.0/33" },
                                                { "p", "--no-such-option", "1" },
                                                { "p", "--psk" } })
    {
        auto argv = Argv(args);
        PeerOptions o;
        std::string error;
        bool help = false;
        EXPECT_FALSE(ParseOptions(static_cast<int>(argv.size()), argv.data(), o, error, help))
          << args[1];
        EXPECT_FALSE(error.empty()) << args[1];
    }
}

TEST(RunLog, FormatsTimesAndCsvFieldsLikeTheNs3Collector)
{
    EXPECT_EQ(RunLog::FormatTime(std::chrono::nanoseconds(12345678901)), "12.345678901");
    EXPECT_EQ(RunLog::FormatTime(Time(0)), "0.000000000");
    EXPECT_EQ(RunLog::CsvField("plain"), "plain");
    EXPECT_EQ(RunLog::CsvField("a,b \"c\""), "\"a,b \"\"c\"\"\"");
}

} // namespace
} // namespace tools
} // namespace ikev2

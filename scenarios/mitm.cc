// mitm: Alice and Bob stay up the whole run with a working tunnel while an attacker forges
// unprotected notifies (INVALID_SPI, INVALID_IKE_SPI, QCD tokens, CHECK_SPI NACKs), replays and
// floods against Alice. How often does each recovery scheme tear down a working SA, how soon, how
// much inner traffic does that cost, and how much of Alice's CPU does the attack burn?
//
//   host A -- Alice ==WAN (attacker: off-path | on-path tap | in the middle)== Bob -- host B
//
// Attackers: attacks/ (doc/mitm.md). Metrics: doc/metrics.md plus false_teardowns,
// time_to_first_false_teardown_s, downtime_s, forged_pkts, victim_cpu_s (doc/mitm.md).
#include "attacker-application.h"
#include "cpu-model.h"
#include "flow-traffic.h"
#include "forgery.h"
#include "gateway-topology.h"
#include "ike-helper.h"
#include "ike-stats-collector.h"
#include "mitm-attacker.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-net-device.h"
#include "off-path-spoofer.h"
#include "on-path-injector.h"
#include "recovery-metrics.h"
#include "run-folder.h"
#include "run-output.h"
#include "scenario-flags.h"
#include "scheme-notes.h"
#include "standard-flags.h"

#include <chrono>
#include <iostream>
#include <map>
#include <set>

using namespace ns3;
using namespace scenarios;

namespace
{

constexpr uint16_t kFlowPort = 9000;
const char* const kPsk = "mitm shared secret";
/// Stream of the attacker's randomness (the WAN loss models use 100 and up).
constexpr int64_t kAttackerStream = 50;

void
DefineFlags(ScenarioFlags& flags)
{
    AddIkeFlags(flags);
    AddWanFlags(flags);
    flags.AddString("attacker",
                    "Attacker position: off-path (blind spoofer, knows addresses only), on-path "
                    "(sniffs the WAN link and injects, cannot drop), mitm (on-path that also "
                    "drops Bob's IKE answers to Alice)",
                    "on-path",
                    { "off-path", "on-path", "mitm" });
    flags.AddDouble("attackRate", "Forged packets per second of the periodic mix", 10, 0, 100000);
    flags.AddDouble(
      "attackStart", "When the attacker starts, s (after the tunnel is up)", 5, 0, 1e6);
    flags.AddString("attackKind",
                    "Comma-separated forgeries: invalid-spi, invalid-ike-spi, qcd-token, "
                    "check-spi-nack, replay, flood, none; default = the position's mix "
                    "(off-path: all but replay; on-path/mitm: all but flood)",
                    "default");
    flags.AddBool("mitmDrop", "mitm only: drop Bob's IKE messages to Alice", true);
    AddInnerFlowFlags(flags, true);
    AddRunFlags(flags, "mitm-out", 60);
}

void
ApplyQuick(ScenarioFlags& flags)
{
    if (!flags.GetBool("quick"))
    {
        return;
    }
    flags.SetDefault("simTime", "12");
    flags.SetDefault("attackStart", "3");
    flags.SetDefault("rateAB", "10");
    flags.SetDefault("rateBA", "10");
}

/// The SAs a node holds, keyed so that both peers name an SA the same way: the IKE SPI pair, or
/// the Child SA's two SPIs in ascending order.
using SaKey = std::pair<uint64_t, uint64_t>;

SaKey
ChildKey(const IkeStatsCollector::Row& r)
{
    return { std::min(r.childSpiIn, r.childSpiOut), std::max(r.childSpiIn, r.childSpiOut) };
}

struct FalseTeardowns
{
    std::vector<std::pair<int64_t, std::string>> instants; ///< (time, node), time order
    uint64_t ikeSas{ 0 };
    uint64_t childSas{ 0 };
};

/// A false teardown: a gateway deletes an IKE or Child SA (at or after @p fromNs) that its peer
/// still holds. Several SAs deleted by one node at one instant count once. Without crashes and
/// with lifetimes far beyond the run, no deletion is legitimate; rekeys would show as
/// ike-sa-rekeyed / child-sa-rekeyed and are not deletions of a held SA.
FalseTeardowns
CountFalseTeardowns(const IkeStatsCollector& collector, int64_t fromNs)
{
    FalseTeardowns out;
    std::map<std::string, std::set<SaKey>> ike;
    std::map<std::string, std::set<SaKey>> child;
    std::set<std::pair<int64_t, std::string>> seen;
    auto other = [](const std::string& n) { return n == "alice" ? "bob" : "alice"; };
    for (const auto& r : collector.GetRows())
    {
        if (r.node != "alice" && r.node != "bob")
        {
            continue;
        }
        SaKey ikeKey{ r.spiI, r.spiR };
        bool falseOne = false;
        if (r.event == "ike-sa-established" || r.event == "ike-sa-rekeyed")
        {
            ike[r.node].insert(ikeKey);
        }
        else if (r.event == "child-sa-installed" || r.event == "child-sa-rekeyed")
        {
            child[r.node].insert(ChildKey(r));
        }
        else if (r.event == "ike-sa-deleted")
        {
            if (r.timeNs >= fromNs && ike[r.node].count(ikeKey) && ike[other(r.node)].count(ikeKey))
            {
                out.ikeSas++;
                falseOne = true;
            }
            ike[r.node].erase(ikeKey);
        }
        else if (r.event == "child-sa-deleted")
        {
            SaKey k = ChildKey(r);
            if (r.timeNs >= fromNs && child[r.node].count(k) && child[other(r.node)].count(k))
            {
                out.childSas++;
                falseOne = true;
            }
            child[r.node].erase(k);
        }
        if (falseOne && seen.insert({ r.timeNs, r.node }).second)
        {
            out.instants.emplace_back(r.timeNs, r.node);
        }
    }
    return out;
}

/// Inner datagrams sent at or after @p fromNs and never delivered, as time: count / rate.
double
LostTime(const MonitoredFlow& flow, int64_t fromNs, double rate)
{
    std::set<uint64_t> got;
    for (const auto& a : flow.sink->GetArrivals())
    {
        got.insert(a.seq);
    }
    const auto& sent = flow.source->GetSendTimes();
    uint64_t lost = 0;
    for (uint64_t seq = 0; seq < sent.size(); ++seq)
    {
        lost += sent[seq] >= fromNs && got.count(seq) == 0 ? 1 : 0;
    }
    return static_cast<double>(lost) / rate;
}

/// What this scenario models only partly, per attacker and scheme (summary.json "notes").
std::vector<std::string>
Notes(const std::string& attacker, const std::string& scheme)
{
    std::vector<std::string> n;
    n.push_back("no failure happens: recovery_s, detection_s and t_fail are null by design; "
                "false_teardowns and downtime_s are the outcome");
    n.push_back("forged packets enter the WAN link at Bob's (toward Alice) or Alice's (toward "
                "Bob) device and share its transmit queue");
    if (attacker != "off-path")
    {
        n.push_back("the tap answers Alice's requests from Bob's end of the link: its forgery "
                    "always beats Bob's real answer by one WAN traversal (worst case for Alice)");
        n.push_back("QCD tokens seen in clear are replayed; with no real recovery in this run "
                    "none is ever seen, so token forgeries are random guesses (RFC 6290 9.1: a "
                    "token in clear belongs to an SA already gone)");
    }
    if (attacker == "mitm")
    {
        n.push_back("mitm drops every IKE message from Bob to Alice (not ESP): a DoS no scheme "
                    "prevents; compare with --attackKind=none for the forgeries' share");
    }
    if (scheme == "sir")
    {
        n.push_back("sir: the optional wait-before-rekey (draft 3.2.3) is off unless "
                    "--sirWaitBeforeRekey says otherwise");
    }
    return n;
}

} // namespace

int
main(int argc, char** argv)
{
    auto wallStart = std::chrono::steady_clock::now();
    ScenarioFlags flags("mitm",
                        "Both gateways stay up; an attacker forges unprotected notifies, replays "
                        "and floods; measures false teardowns, downtime and the victim's CPU "
                        "(doc/mitm.md).");
    DefineFlags(flags);
    flags.Parse(argc, argv);
    ApplyQuick(flags);
    CheckIkeFlags(flags);

    double simTime = flags.GetDouble("simTime");
    double attackStart = flags.GetDouble("attackStart");
    double flowStart = flags.GetDouble("flowStart");
    double drain = std::min(1.0, simTime / 10);
    std::string attacker = flags.GetString("attacker");
    if (attackStart >= simTime)
    {
        flags.Fail("--attackStart=" + std::to_string(attackStart) +
                   " must be before --simTime=" + std::to_string(simTime));
    }
    if (flowStart >= simTime - drain)
    {
        flags.Fail("--flowStart must leave time for traffic before --simTime");
    }
    std::vector<attacks::ForgeryKind> kinds;
    std::string kindText = flags.GetString("attackKind");
    if (kindText == "default")
    {
        kinds =
          attacker == "off-path" ? OffPathSpoofer::DefaultKinds() : OnPathInjector::DefaultKinds();
    }
    else
    {
        std::string error;
        if (!attacks::ParseForgeryKinds(kindText, kinds, error))
        {
            flags.Fail("--attackKind=" + kindText + ": " + error);
        }
    }

    RunFolder folder = OpenRun(flags);

    GatewayPair topo = BuildGatewayPair(WanFromFlags(flags));

    IkeHelper ike;
    ApplyIkeFlags(flags, ike);
    Ptr<IkeApplication> alice = ike.Install(topo.alice);
    Ptr<IkeApplication> bob = ike.Install(topo.bob);
    IkeConnection toBob;
    toBob.name = "bob";
    toBob.local = topo.aliceWanAddress;
    toBob.remote = topo.bobWanAddress;
    toBob.localId = "alice.example";
    toBob.remoteId = "bob.example";
    toBob.psk = kPsk;
    toBob.localSubnets = { topo.subnetA };
    toBob.remoteSubnets = { topo.subnetB };
    toBob.startAction = ikev2::StartAction::Trap;
    IkeConnection toAlice = toBob;
    toAlice.name = "alice";
    toAlice.local = topo.bobWanAddress;
    toAlice.remote = topo.aliceWanAddress;
    toAlice.localId = "bob.example";
    toAlice.remoteId = "alice.example";
    toAlice.localSubnets = { topo.subnetB };
    toAlice.remoteSubnets = { topo.subnetA };
    toAlice.startAction = ikev2::StartAction::None;
    ike.AddConnection(alice, toBob);
    ike.AddConnection(bob, toAlice);
    for (const auto& app : { alice, bob })
    {
        std::string problem = app->CheckConfiguration();
        if (!problem.empty())
        {
            flags.Fail("scheme " + flags.GetString("scheme") +
                       " cannot run with this engine: " + problem);
        }
        app->SetStartTime(Seconds(0));
    }

    Ptr<AttackerApplication> attack;
    if (attacker == "off-path")
    {
        attack = CreateObject<OffPathSpoofer>();
    }
    else if (attacker == "on-path")
    {
        attack = CreateObject<OnPathInjector>();
    }
    else
    {
        attack = CreateObject<MitmAttacker>();
        attack->SetAttribute("DropAnswers", BooleanValue(flags.GetBool("mitmDrop")));
    }
    attack->SetAttribute("Rate", DoubleValue(flags.GetDouble("attackRate")));
    attack->SetKinds(kinds);
    attack->SetLink(DynamicCast<PointToPointNetDevice>(topo.wan.Get(0)),
                    DynamicCast<PointToPointNetDevice>(topo.wan.Get(1)),
                    topo.aliceWanAddress,
                    topo.bobWanAddress);
    attack->AssignStreams(kAttackerStream);
    // The attacker's own node has no stack and no link: it sends through the WAN devices only
    // (attacker-application.h). Created after the topology, so the pcap node ids do not move.
    Ptr<Node> mallory = CreateObject<Node>();
    mallory->AddApplication(attack);
    attack->SetStartTime(Seconds(attackStart));
    attack->SetStopTime(Seconds(simTime));

    Ptr<IkeStatsCollector> collector = CreateObject<IkeStatsCollector>();
    ConfigureCollector(flags, *collector);
    collector->ConnectApplication("alice", alice);
    collector->ConnectApplication("bob", bob);
    Simulator::Schedule(Seconds(attackStart),
                        [collector, attacker]()
                        { collector->AddRow("attacker", "attack-start", attacker); });

    auto makeFlow = [&](Ptr<Node> from, Ptr<Node> to, Ipv4Address dst, uint32_t id, double rate)
    {
        return InstallFlow(
          from, to, dst, kFlowPort, id, rate, flags.GetUint("pktSize"), flowStart, simTime - drain);
    };
    double rateAB = flags.GetDouble("rateAB");
    double rateBA = flags.GetDouble("rateBA");
    auto ab = makeFlow(topo.hostA, topo.hostB, topo.hostBAddress, 1, rateAB);
    auto ba = makeFlow(topo.hostB, topo.hostA, topo.hostAAddress, 2, rateBA);

    if (flags.GetBool("pcap"))
    {
        std::string pcapDir = CreatePcapDir(flags, folder);
        EnableWanPcap(topo, pcapDir + "/wan");
    }

    Simulator::Stop(Seconds(simTime));
    Simulator::Run();

    RecoveryInputs in = HostFlowInputs(PeekPointer(collector), ab, ba);
    in.failedNode = "none"; // nobody fails here: every teardown is the attacker's
    in.gateways = { { "alice", alice }, { "bob", bob } };
    in.endNs = Simulator::Now().GetNanoSeconds();
    RecoveryTimes times = ComputeTimes(in);

    int64_t attackNs = Seconds(attackStart).GetNanoSeconds();
    FalseTeardowns ft = CountFalseTeardowns(*collector, attackNs);
    for (const auto& [t, node] : ft.instants)
    {
        collector->AddRowAt(t, node, "false-teardown", "SA deleted while the peer still holds it");
    }

    nlohmann::json summary = ComputeRecoveryMetrics(in, times);
    std::string scheme = flags.GetString("scheme");
    AddCommonSummary(summary, "mitm", flags);
    summary["attacker"] = attacker;
    summary["attack_rate"] = flags.GetDouble("attackRate");
    nlohmann::json kindNames = nlohmann::json::array();
    for (auto k : kinds)
    {
        kindNames.push_back(attacks::ForgeryKindName(k));
    }
    summary["attack_kinds"] = kindNames;
    summary["false_teardowns"] = ft.instants.size();
    summary["false_teardown_ike_sas"] = ft.ikeSas;
    summary["false_teardown_child_sas"] = ft.childSas;
    summary["time_to_first_false_teardown_s"] =
      ft.instants.empty()
        ? nlohmann::json(nullptr)
        : nlohmann::json(static_cast<double>(ft.instants.front().first - attackNs) / 1e9);
    double downAb = LostTime(in.ab, attackNs, rateAB);
    double downBa = LostTime(in.ba, attackNs, rateBA);
    summary["downtime_ab_s"] = downAb;
    summary["downtime_ba_s"] = downBa;
    summary["downtime_s"] = std::max(downAb, downBa);
    summary["forged_pkts"] = attack->GetForgedTotal();
    summary["forged_by_kind"] = attack->GetForged();
    summary["victim_cpu_s"] = summary["cpu_s"]["alice"];
    if (auto onPath = DynamicCast<OnPathInjector>(attack))
    {
        summary["sniffed_pkts"] = onPath->GetSniffed();
    }
    if (auto mitm = DynamicCast<MitmAttacker>(attack))
    {
        summary["dropped_pkts"] = mitm->GetDropped();
    }
    // Without a failure "recovered" means: the tunnel still carries traffic at the end.
    bool carrying = false;
    for (const auto& a : ab.second->GetArrivals())
    {
        carrying = carrying || a.sentNs >= in.endNs - Seconds(drain + 2).GetNanoSeconds();
    }
    summary["recovered"] = carrying;
    summary["notes"] = Notes(attacker, scheme);

    nlohmann::json params =
      CommonParams("mitm", flags, alice->GetCpuModel()->GetTable().ToString());
    params["topology"] = { { "host_a", "10.1.0.2" },        { "alice_wan", "192.0.2.1" },
                           { "bob_wan", "192.0.2.2" },      { "host_b", "10.2.0.2" },
                           { "protected_a", topo.subnetA }, { "protected_b", topo.subnetB } };

    double wall = 0;
    if (!WriteRunFolder(
          "mitm", flags, folder, params, summary, *collector, wallStart, simTime, wall))
    {
        return 1;
    }
    std::cout << "mitm attacker=" << attacker << " scheme=" << scheme
              << " attackRate=" << flags.GetDouble("attackRate")
              << " forged_pkts=" << summary["forged_pkts"].dump()
              << " false_teardowns=" << summary["false_teardowns"].dump()
              << " first_s=" << summary["time_to_first_false_teardown_s"].dump()
              << " downtime_s=" << summary["downtime_s"].dump()
              << " victim_cpu_s=" << summary["victim_cpu_s"].dump() << " wall_s=" << wall
              << " out=" << folder.Directory() << std::endl;
    return 0;
}

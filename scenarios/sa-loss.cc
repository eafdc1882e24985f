// sa-loss: gateway Bob silently loses one IKE SA (with its Child SAs) or one Child SA, as a bug
// or a partial state loss would, without going down; nothing else is disturbed. How long until
// the lost tunnel carries traffic again with each recovery scheme, and does the other tunnel
// between the same gateways notice anything?
//
//   host A --+                         +-- host B     tunnel t1 (the one that loses an SA):
//            Alice ======WAN====== Bob                  10.1.0.0/24 <-> 10.2.0.0/24
//   host C --+                         +-- host D     tunnel t2 (must stay undisturbed):
//                                                       10.3.0.0/24 <-> 10.4.0.0/24
//
// Two connections with their own identities, so two IKE SAs, each with one Child SA and a pair
// of constant-rate UDP flows. At --lossTime Bob forgets t1's IKE SA (--lose=ike) or t1's Child
// SA (--lose=child). t_fail = t_up = lossTime (Bob never goes down). Metrics: doc/metrics.md
// plus the fields of doc/sa-loss.md. Output: the run folder (--outDir).
#include "cpu-model.h"
#include "flow-traffic.h"
#include "gateway-topology.h"
#include "ike-helper.h"
#include "ike-stats-collector.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "recovery-metrics.h"
#include "run-folder.h"
#include "run-output.h"
#include "sa-loss-hosts.h"
#include "scenario-flags.h"
#include "scheme-notes.h"
#include "standard-flags.h"

#include <chrono>
#include <iostream>
#include <set>

using namespace ns3;
using namespace scenarios;

namespace
{

constexpr uint16_t kFlowPort = 9000;
const char* const kLostTunnel = "t1";
const char* const kOtherTunnel = "t2";

void
DefineFlags(ScenarioFlags& flags)
{
    AddIkeFlags(flags);
    AddWanFlags(flags);
    flags.AddString("lose",
                    "Which SA of tunnel t1 Bob forgets: ike = the IKE SA with its Child SA, "
                    "child = only the Child SA (the IKE SA survives)",
                    "ike",
                    { "ike", "child" });
    flags.AddDouble("lossTime", "When Bob forgets the SA, s (he stays up)", 20, 0, 1e6);
    flags.AddString("alicePolicy",
                    "Alice's start action for both tunnels: trap = initiate on traffic, "
                    "start = at boot",
                    "trap",
                    { "trap", "start" });
    flags.AddString("bobPolicy",
                    "Bob's start action for both tunnels (none = responder only)",
                    "none",
                    { "none", "trap", "start" });
    AddInnerFlowFlags(flags, true, "(tunnel t1)");
    flags.AddDouble("rateOther",
                    "Datagrams per second in each direction between hosts C and D (tunnel t2)",
                    20,
                    0.01,
                    100000);
    AddRunFlags(flags, "sa-loss-out", 300);
}

void
ApplyQuick(ScenarioFlags& flags)
{
    if (!flags.GetBool("quick"))
    {
        return;
    }
    flags.SetDefault("simTime", "20");
    flags.SetDefault("lossTime", "4");
    flags.SetDefault("rateAB", "10");
    flags.SetDefault("rateBA", "10");
    flags.SetDefault("rateOther", "10");
}

/// One tunnel's two ends: Alice's connection and Bob's.
void
AddTunnel(IkeHelper& ike,
          Ptr<IkeApplication> alice,
          Ptr<IkeApplication> bob,
          const GatewayPair& topo,
          const std::string& name,
          const std::string& aliceSubnet,
          const std::string& bobSubnet,
          const ScenarioFlags& flags)
{
    // Identities of their own per tunnel: with one identity for both, Bob could not tell the
    // connections apart in IKE_AUTH, and the INITIAL_CONTACT of a re-created t1 would make Bob
    // delete t2's IKE SA (RFC 7296 2.4), which is not the "nothing else disturbed" case.
    IkeConnection toBob;
    toBob.name = name;
    toBob.local = topo.aliceWanAddress;
    toBob.remote = topo.bobWanAddress;
    toBob.localId = "alice-" + name + ".example";
    toBob.remoteId = "bob-" + name + ".example";
    toBob.psk = "sa-loss shared secret " + name;
    toBob.localSubnets = { aliceSubnet };
    toBob.remoteSubnets = { bobSubnet };
    toBob.startAction = StartActionFromName(flags.GetString("alicePolicy"));
    IkeConnection toAlice = toBob;
    toAlice.local = topo.bobWanAddress;
    toAlice.remote = topo.aliceWanAddress;
    toAlice.localId = toBob.remoteId;
    toAlice.remoteId = toBob.localId;
    toAlice.localSubnets = { bobSubnet };
    toAlice.remoteSubnets = { aliceSubnet };
    toAlice.startAction = StartActionFromName(flags.GetString("bobPolicy"));
    ike.AddConnection(alice, toBob);
    ike.AddConnection(bob, toAlice);
}

/// SA state changes of the other tunnel at either gateway after the loss: any of them means
/// the other tunnel was disturbed.
bool
IsSaChange(const std::string& event)
{
    static const std::set<std::string> kChanges = {
        "ike-sa-established", "ike-sa-rekeyed",    "ike-sa-deleted",
        "child-sa-installed", "child-sa-rekeyed",  "child-sa-deleted",
        "peer-dead",          "recovery-detected", "initial-contact-honoured",
    };
    return kChanges.count(event) != 0;
}

/// What the scheme does in this scenario (summary.json notes; doc/sa-loss.md, "Per scheme").
std::string
SaLossSchemeNote(const std::string& scheme, const std::string& lose)
{
    if (lose == "child")
    {
        return "lose=child, every scheme alike: Bob still has the IKE SA and answers Alice's ESP "
               "with a protected INVALID_SPI (RFC 7296 1.5); it is authenticated, so Alice "
               "deletes the Child SA and re-creates it (trap: on the next packet; start: at once)";
    }
    std::string common =
      "lose=ike: Alice's ESP draws a protected INVALID_SPI over the other tunnel's IKE SA (the "
      "only one Bob has with her); Alice drops the Child SA and asks for a new one in the lost "
      "IKE SA, which Bob answers with an unprotected INVALID_IKE_SPI; ";
    if (scheme == "none")
    {
        return common + "none ignores it: the IKE SA dies when that CREATE_CHILD_SA's "
                        "retransmission schedule runs out";
    }
    if (scheme == "hint")
    {
        return common + "hint starts a liveness check, which cannot end before the "
                        "CREATE_CHILD_SA already in flight is abandoned: as none";
    }
    if (scheme == "initial-contact")
    {
        return common + "Bob never reboots, so he never re-initiates: as none";
    }
    if (scheme == "trust")
    {
        return common + "trust tears the IKE SA down at once and re-creates it";
    }
    if (scheme == "qcd")
    {
        return common + "Bob (up, persistent secret) adds the QCD token; Alice verifies it and "
                        "re-creates the IKE SA at once";
    }
    if (scheme == "sir")
    {
        return common + "SIR runs CHECK_SPI (protected QUERY, then unprotected QUERY answered "
                        "NACK) and re-creates the IKE SA";
    }
    return common;
}

/// Datagrams of a flow sent at or after @p fromNs that never arrived (inner_lost of
/// doc/metrics.md restricted to the datagrams sent after the loss: the other tunnel's set-up at
/// the start of the run is not a disturbance).
uint64_t
LostSince(const FlowSource& source, const FlowSink& sink, int64_t fromNs)
{
    std::set<uint64_t> received;
    for (const auto& a : sink.GetArrivals())
    {
        received.insert(a.seq);
    }
    const auto& sent = source.GetSendTimes();
    uint64_t lost = 0;
    for (uint64_t seq = 0; seq < sent.size(); ++seq)
    {
        lost += sent[seq] >= fromNs && received.count(seq) == 0 ? 1 : 0;
    }
    return lost;
}

} // namespace

int
main(int argc, char** argv)
{
    auto wallStart = std::chrono::steady_clock::now();
    ScenarioFlags flags("sa-loss",
                        "Gateway Bob silently loses one IKE SA or one Child SA of one of two "
                        "tunnels without going down; measures each scheme's recovery and whether "
                        "the other tunnel is disturbed (doc/sa-loss.md).");
    DefineFlags(flags);
    flags.Parse(argc, argv);
    ApplyQuick(flags);
    CheckIkeFlags(flags);

    double simTime = flags.GetDouble("simTime");
    double lossTime = flags.GetDouble("lossTime");
    double flowStart = flags.GetDouble("flowStart");
    std::string lose = flags.GetString("lose");
    double drain = std::min(1.0, simTime / 10);
    if (lossTime >= simTime)
    {
        flags.Fail("--lossTime=" + std::to_string(lossTime) +
                   " must be before --simTime=" + std::to_string(simTime));
    }
    if (flowStart >= simTime - drain)
    {
        flags.Fail("--flowStart must leave time for traffic before --simTime");
    }
    if (lossTime <= flowStart)
    {
        flags.Fail("--lossTime=" + std::to_string(lossTime) + " must be after --flowStart=" +
                   std::to_string(flowStart) + " (the tunnels exist only once traffic started)");
    }

    RunFolder folder = OpenRun(flags);

    WanParams wan = WanFromFlags(flags);
    GatewayPair topo = BuildGatewayPair(wan);
    SecondHostPair second = AddSecondHostPair(topo, wan);

    IkeHelper ike;
    ApplyIkeFlags(flags, ike);
    Ptr<IkeApplication> alice = ike.Install(topo.alice);
    Ptr<IkeApplication> bob = ike.Install(topo.bob);
    AddTunnel(ike, alice, bob, topo, kLostTunnel, topo.subnetA, topo.subnetB, flags);
    AddTunnel(ike, alice, bob, topo, kOtherTunnel, second.subnetC, second.subnetD, flags);
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

    Ptr<IkeStatsCollector> collector = CreateObject<IkeStatsCollector>();
    ConfigureCollector(flags, *collector);
    collector->ConnectApplication("alice", alice);
    collector->ConnectApplication("bob", bob);

    auto makeFlow = [&](Ptr<Node> from, Ptr<Node> to, Ipv4Address dst, uint32_t id, double rate)
    {
        return InstallFlow(
          from, to, dst, kFlowPort, id, rate, flags.GetUint("pktSize"), flowStart, simTime - drain);
    };
    // Tunnel t1: A->B (1), B->A (2); tunnel t2: C->D (3), D->C (4).
    auto ab = makeFlow(topo.hostA, topo.hostB, topo.hostBAddress, 1, flags.GetDouble("rateAB"));
    auto ba = makeFlow(topo.hostB, topo.hostA, topo.hostAAddress, 2, flags.GetDouble("rateBA"));
    double rateOther = flags.GetDouble("rateOther");
    auto cd = makeFlow(second.hostC, second.hostD, second.hostDAddress, 3, rateOther);
    auto dc = makeFlow(second.hostD, second.hostC, second.hostCAddress, 4, rateOther);

    // The loss. The metrics (doc/metrics.md) take t_fail from the failed node's first "crash"
    // row and t_up from its next "up" row; Bob never goes down, so both rows are written at the
    // loss, with a detail saying so.
    bool forgotten = false;
    Simulator::Schedule(Seconds(lossTime),
                        [&]()
                        {
                            std::string what = lose == "ike" ? "IKE SA" : "Child SA";
                            forgotten = lose == "ike" ? bob->ForgetIkeSa(kLostTunnel)
                                                      : bob->ForgetChildSa(kLostTunnel);
                            std::string detail =
                              std::string("sa-loss: ") + what + " of " + kLostTunnel +
                              (forgotten ? " forgotten" : " not found") + "; the node stays up";
                            collector->AddRow("bob", "crash", detail);
                            collector->AddRow("bob", "up", detail);
                        });

    if (flags.GetBool("pcap"))
    {
        std::string pcapDir = CreatePcapDir(flags, folder);
        EnableWanPcap(topo, pcapDir + "/wan");
    }

    Simulator::Stop(Seconds(simTime));
    Simulator::Run();

    RecoveryInputs in = HostFlowInputs(PeekPointer(collector), ab, ba);
    in.gateways = { { "alice", alice }, { "bob", bob } };
    in.endNs = Simulator::Now().GetNanoSeconds();
    RecoveryTimes times = ComputeTimes(in);
    AddRestoredRows(*collector, in, times);

    nlohmann::json summary = ComputeRecoveryMetrics(in, times);
    std::string scheme = flags.GetString("scheme");
    AddCommonSummary(summary, "sa-loss", flags);
    summary["lose"] = lose;
    summary["sa_forgotten"] = forgotten;
    // Bob is never down: the whole outage of the lost tunnel is the recovery.
    summary["downtime_s"] = summary["outage_s"];

    // The lost tunnel's own detection: t_detect (doc/metrics.md) only knows IKE SA deaths; a lost
    // Child SA is detected when Alice removes it on Bob's protected INVALID_SPI.
    int64_t lossNs = Seconds(lossTime).GetNanoSeconds();
    nlohmann::json childDetect = nullptr;
    for (const auto& r : collector->GetRows())
    {
        if (r.node == "alice" && r.timeNs >= lossNs && r.peer == kLostTunnel &&
            r.event == "child-sa-deleted")
        {
            childDetect = static_cast<double>(r.timeNs - lossNs) / 1e9;
            break;
        }
    }
    summary["child_detection_s"] = childDetect;

    // The other tunnel: its datagrams sent after the loss that never arrived, and every SA
    // state change either gateway made to it after the loss.
    uint64_t otherLost =
      LostSince(*cd.first, *cd.second, lossNs) + LostSince(*dc.first, *dc.second, lossNs);
    uint64_t otherSent = 0;
    for (const auto& source : { cd.first, dc.first })
    {
        for (int64_t t : source->GetSendTimes())
        {
            otherSent += t >= lossNs ? 1 : 0;
        }
    }
    nlohmann::json otherChanges = nlohmann::json::array();
    for (const auto& r : collector->GetRows())
    {
        if (r.timeNs >= lossNs && r.peer == kOtherTunnel && IsSaChange(r.event))
        {
            otherChanges.push_back(r.node + ":" + r.event);
        }
    }
    summary["other_tunnel_lost_pkts"] = otherLost;
    summary["other_tunnel_sent_pkts"] = otherSent;
    summary["other_tunnel_sa_changes"] = otherChanges;
    summary["other_tunnel_disturbed"] = otherLost > 0 || !otherChanges.empty();
    summary["notes"] = {
        "Bob does not crash: the crash/up rows at lossTime only mark t_fail = t_up for "
        "doc/metrics.md.",
        "Two tunnels with distinct identities; the lost one is t1, the watched one t2.",
        SaLossSchemeNote(scheme, lose),
        "An SA is forgotten in the engine only: nothing models how a real daemon would lose it "
        "(kernel SA flush, charon bug), and the kernel-side state goes with it.",
    };

    nlohmann::json params =
      CommonParams("sa-loss", flags, alice->GetCpuModel()->GetTable().ToString());
    params["topology"] = { { "host_a", "10.1.0.2" },
                           { "host_c", "10.3.0.2" },
                           { "alice_wan", "192.0.2.1" },
                           { "bob_wan", "192.0.2.2" },
                           { "host_b", "10.2.0.2" },
                           { "host_d", "10.4.0.2" },
                           { "tunnel_t1", { topo.subnetA, topo.subnetB } },
                           { "tunnel_t2", { second.subnetC, second.subnetD } } };

    double wall = 0;
    if (!WriteRunFolder(
          "sa-loss", flags, folder, params, summary, *collector, wallStart, simTime, wall))
    {
        return 1;
    }
    std::cout << "sa-loss scheme=" << scheme << " lose=" << lose
              << " profile=" << flags.GetString("profile")
              << " recovery_s=" << summary["recovery_s"].dump()
              << " recovery_ba_s=" << summary["recovery_ba_s"].dump()
              << " detection_s=" << summary["detection_s"].dump()
              << " inner_lost=" << summary["inner_lost"].dump()
              << " other_tunnel_lost_pkts=" << otherLost
              << " other_tunnel_disturbed=" << summary["other_tunnel_disturbed"].dump()
              << " wall_s=" << wall << " out=" << folder.Directory() << std::endl;
    return 0;
}

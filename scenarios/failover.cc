// failover: Bob is an active/standby pair sharing one address; the active member fails, the
// standby notices the missing heartbeats, takes the shared address over and starts its IKE
// daemon WITHOUT the SA state. How long until the tunnel carries traffic again, per scheme, and
// does a QCD secret shared by the pair (RFC 6290 6) matter?
//
//   host A -- Alice ==WAN== router -- {Bob active | Bob standby} -- host B (doc/failover.md).
//   t_fail = --failTime (the active loses power), t_up = the takeover (heartbeat timeout).
//   Metrics: doc/metrics.md. Output: the run folder (--outDir).
#include "cpu-model.h"
#include "failover-heartbeat.h"
#include "failover-topology.h"
#include "flow-traffic.h"
#include "ike-helper.h"
#include "ike-stats-collector.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "qcd-token.h"
#include "recovery-metrics.h"
#include "run-folder.h"
#include "run-output.h"
#include "scenario-flags.h"
#include "scheme-notes.h"
#include "standard-flags.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>

using namespace ns3;
using namespace scenarios;

namespace
{

constexpr uint16_t kFlowPort = 9000;
const char* const kPsk = "failover shared secret";
/// The exit status of a configuration the program does not model yet (analysis/runner.py).
constexpr int kNotModelledYet = 77;

void
DefineFlags(ScenarioFlags& flags)
{
    AddIkeFlags(flags);
    AddWanFlags(flags);
    flags.AddString("alicePolicy",
                    "Alice's start action: trap = initiate on traffic, start = at boot",
                    "trap",
                    { "trap", "start" });
    flags.AddString("bobPolicy",
                    "Start action of each Bob member's daemon (none = responder only)",
                    "none",
                    { "none", "trap", "start" });
    flags.AddDouble("failTime", "When the active Bob loses power, s", 20, 0, 1e6);
    flags.AddDouble(
      "heartbeatInterval", "Time between heartbeats on the sync link, s", 1, 0.001, 3600);
    flags.AddUint("heartbeatMisses",
                  "Heartbeat intervals without one before the standby takes over",
                  3,
                  1,
                  1000);
    flags.AddString("standbyState",
                    "SA state the standby has: none (starts empty); synced (IKE SA state copied "
                    "without counters, RFC 6311) is not modelled yet",
                    "none",
                    { "none", "synced" });
    flags.AddString("qcdSecret",
                    "QCD secret of the standby: shared (the pair's store holds the same secret, "
                    "RFC 6290 6) or own (generated at its first start)",
                    "shared",
                    { "shared", "own" });
    AddInnerFlowFlags(flags, true);
    AddRunFlags(flags, "failover-out", 300);
}

void
ApplyQuick(ScenarioFlags& flags)
{
    if (!flags.GetBool("quick"))
    {
        return;
    }
    flags.SetDefault("simTime", "20");
    flags.SetDefault("failTime", "4");
    flags.SetDefault("rateAB", "10");
    flags.SetDefault("rateBA", "10");
}

/// What this scenario models only partly (summary.json "notes", doc/failover.md).
nlohmann::json
Notes(const std::string& scheme, const std::string& qcdSecret)
{
    nlohmann::json notes = {
        "The standby starts with no IKE or Child SA state (--standbyState=none); state sync "
        "with RFC 6311 counter synchronisation is not modelled.",
        "The shared address moves as in VRRP: the same virtual MAC on both members, the "
        "standby's interfaces brought up at takeover; no VRRP advertisements or election, a "
        "fixed heartbeat timeout instead.",
        "The failed active member stays down for the rest of the run (no failback); the sync "
        "link never fails alone (no split brain).",
        "The active's CSMA queues are not flushed at the crash (CrashControl flushes "
        "point-to-point queues only).",
        "The standby's persistent store holds no RFC 6290 8.2 Child SPI map: only the QCD "
        "secret can be shared, so QCD recovers through Alice's IKE request (liveness check) "
        "and not from the first ESP packet.",
    };
    if (scheme == "qcd")
    {
        notes.push_back(qcdSecret == "shared"
                          ? "qcdSecret=shared: the active's QCD secret entry is copied to the "
                            "standby's store (a cluster's configuration sync) before its daemon "
                            "starts."
                          : "qcdSecret=own: the standby generates its own QCD secret, so its "
                            "tokens cannot match the ones Alice stored.");
    }
    return notes;
}

} // namespace

int
main(int argc, char** argv)
{
    auto wallStart = std::chrono::steady_clock::now();
    ScenarioFlags flags("failover",
                        "Bob is an active/standby pair sharing an address; the active fails and "
                        "the standby takes over without SA state; measures how long each "
                        "recovery scheme takes to carry inner traffic again (doc/failover.md).");
    DefineFlags(flags);
    flags.Parse(argc, argv);
    ApplyQuick(flags);
    CheckIkeFlags(flags);

    if (flags.GetString("standbyState") == "synced")
    {
        std::cerr << "failover: error: --standbyState=synced is not modelled yet (IKE SA state "
                     "sync with RFC 6311 IKEV2_MESSAGE_ID_SYNC / IPSEC_REPLAY_COUNTER_SYNC); "
                     "use --standbyState=none"
                  << std::endl;
        return kNotModelledYet;
    }

    double simTime = flags.GetDouble("simTime");
    double failTime = flags.GetDouble("failTime");
    double flowStart = flags.GetDouble("flowStart");
    double interval = flags.GetDouble("heartbeatInterval");
    uint32_t misses = static_cast<uint32_t>(flags.GetUint("heartbeatMisses"));
    double drain = std::min(1.0, simTime / 10);
    if (failTime >= simTime)
    {
        flags.Fail("--failTime=" + std::to_string(failTime) +
                   " must be before --simTime=" + std::to_string(simTime));
    }
    if (flowStart >= simTime - drain)
    {
        flags.Fail("--flowStart must leave time for traffic before --simTime");
    }

    RunFolder folder = OpenRun(flags);

    FailoverTopology topo = BuildFailoverTopology(WanFromFlags(flags));

    IkeHelper ike;
    ApplyIkeFlags(flags, ike);
    IkeConnection toBob;
    toBob.name = "bob";
    toBob.local = topo.aliceWanAddress;
    toBob.remote = topo.bobWanAddress;
    toBob.localId = "alice.example";
    toBob.remoteId = "bob.example";
    toBob.psk = kPsk;
    toBob.localSubnets = { topo.subnetA };
    toBob.remoteSubnets = { topo.subnetB };
    toBob.startAction = StartActionFromName(flags.GetString("alicePolicy"));
    // Both members are configured alike: same identity, same addresses, same PSK.
    IkeConnection toAlice = toBob;
    toAlice.name = "alice";
    toAlice.local = topo.bobWanAddress;
    toAlice.remote = topo.aliceWanAddress;
    toAlice.localId = "bob.example";
    toAlice.remoteId = "alice.example";
    toAlice.localSubnets = { topo.subnetB };
    toAlice.remoteSubnets = { topo.subnetA };
    toAlice.startAction = StartActionFromName(flags.GetString("bobPolicy"));

    Ptr<IkeApplication> alice = ike.Install(topo.alice);
    Ptr<IkeApplication> active = ike.Install(topo.active);
    ike.AddConnection(alice, toBob);
    ike.AddConnection(active, toAlice);
    for (const auto& app : { alice, active })
    {
        std::string problem = app->CheckConfiguration();
        if (!problem.empty())
        {
            flags.Fail("scheme " + flags.GetString("scheme") +
                       " cannot run with this engine: " + problem);
        }
        app->SetStartTime(Seconds(0));
    }
    Ptr<CrashControl> activePower = ike.InstallCrashControl(topo.active);

    Ptr<IkeStatsCollector> collector = CreateObject<IkeStatsCollector>();
    ConfigureCollector(flags, *collector);
    collector->ConnectApplication("alice", alice);
    collector->ConnectApplication("bob", active);
    collector->ConnectCrashControl("bob", activePower);

    // Heartbeats both ways on the sync link; they start off the whole second so that no
    // heartbeat coincides with a failure time given in whole seconds.
    auto makeHeartbeat = [&](Ptr<Node> node, Ipv4Address peer)
    {
        Ptr<HeartbeatApplication> hb = CreateObject<HeartbeatApplication>();
        hb->SetAttribute("Interval", TimeValue(Seconds(interval)));
        hb->SetAttribute("Misses", UintegerValue(misses));
        hb->SetPeer(peer);
        node->AddApplication(hb);
        hb->SetStartTime(Seconds(0.1));
        return hb;
    };
    Ptr<HeartbeatApplication> activeBeat = makeHeartbeat(topo.active, topo.standbySyncAddress);
    Ptr<HeartbeatApplication> standbyBeat = makeHeartbeat(topo.standby, topo.activeSyncAddress);

    // The standby's daemon is installed and started at takeover: before it, the member runs no
    // IKE stack at all (its persistent store then is what the cluster configured).
    Ptr<IkeApplication> standby;
    std::string qcdSecret = flags.GetString("qcdSecret");
    auto takeOver = [&](Time lastHeard)
    {
        TakeOverSharedAddress(topo);
        standby = ike.Install(topo.standby);
        ike.AddConnection(standby, toAlice);
        const ikev2::Bytes* secret = active->GetStore().Get(ikev2::QcdSecretStore::kStoreKey);
        if (qcdSecret == "shared" && secret)
        {
            standby->GetStore().Put(ikev2::QcdSecretStore::kStoreKey, *secret);
        }
        standby->SetStartTime(Seconds(0));
        collector->ConnectApplication("bob-standby", standby);
        collector->AddRow("bob-standby",
                          "heartbeat-timeout",
                          "last heartbeat " +
                            (lastHeard.IsNegative() ? std::string("never")
                                                    : std::to_string(lastHeard.GetSeconds())) +
                            " s; " + std::to_string(misses) + " missed");
        // t_up of doc/metrics.md: the failed gateway's address answers again.
        std::ostringstream owner;
        owner << "standby took over " << topo.bobWanAddress << " and " << topo.bobLanAddress;
        collector->AddRow("bob", "up", owner.str());
    };
    standbyBeat->TraceConnectWithoutContext(
      "PeerDead", Callback<void, Time>(std::function<void(Time)>(takeOver)));

    auto makeFlow = [&](Ptr<Node> from, Ptr<Node> to, Ipv4Address dst, uint32_t id, double rate)
    {
        return InstallFlow(
          from, to, dst, kFlowPort, id, rate, flags.GetUint("pktSize"), flowStart, simTime - drain);
    };
    auto ab = makeFlow(topo.hostA, topo.hostB, topo.hostBAddress, 1, flags.GetDouble("rateAB"));
    auto ba = makeFlow(topo.hostB, topo.hostA, topo.hostAAddress, 2, flags.GetDouble("rateBA"));

    // Power loss of the active member: its stack and its heartbeat sender die together.
    Simulator::Schedule(Seconds(failTime), &CrashControl::Crash, activePower);
    Simulator::Schedule(Seconds(failTime), &HeartbeatApplication::Halt, activeBeat);

    if (flags.GetBool("pcap"))
    {
        std::string pcapDir = CreatePcapDir(flags, folder);
        EnableFailoverWanPcap(topo, pcapDir + "/wan");
    }

    Simulator::Stop(Seconds(simTime));
    Simulator::Run();

    RecoveryInputs in = HostFlowInputs(PeekPointer(collector), ab, ba);
    in.gateways = { { "alice", alice }, { "bob", active } };
    if (standby)
    {
        in.gateways.push_back({ "bob-standby", standby });
    }
    in.endNs = Simulator::Now().GetNanoSeconds();
    RecoveryTimes times = ComputeTimes(in);
    AddRestoredRows(*collector, in, times);

    nlohmann::json summary = ComputeRecoveryMetrics(in, times);
    std::string scheme = flags.GetString("scheme");
    AddCommonSummary(summary, "failover", flags);
    summary["standby_state"] = flags.GetString("standbyState");
    summary["qcd_secret"] = qcdSecret;
    summary["heartbeat_interval_s"] = interval;
    summary["heartbeat_misses"] = misses;
    summary["heartbeats_sent"] = { { "bob", activeBeat->GetSent() },
                                   { "bob-standby", standbyBeat->GetSent() } };
    summary["heartbeats_malformed"] = activeBeat->GetMalformed() + standbyBeat->GetMalformed();
    // The takeover delay is the failover's own share of the outage; downtime_s is the whole
    // outage of the A->B flow (t_restored_ab - t_fail), the quantity an operator sees.
    summary["takeover_s"] =
      summary["t_up"].is_null() || summary["t_fail"].is_null()
        ? nlohmann::json(nullptr)
        : nlohmann::json(summary["t_up"].get<double>() - summary["t_fail"].get<double>());
    summary["downtime_s"] = summary["outage_s"];
    summary["took_over"] = static_cast<bool>(standby);
    summary["notes"] = Notes(scheme, qcdSecret);

    nlohmann::json params =
      CommonParams("failover", flags, alice->GetCpuModel()->GetTable().ToString());
    params["topology"] = { { "host_a", "10.1.0.2" },
                           { "alice_wan", "198.51.100.1" },
                           { "router", { "198.51.100.2", "192.0.2.1" } },
                           { "bob_shared_wan", "192.0.2.2" },
                           { "bob_shared_lan", "10.2.0.1" },
                           { "sync", { "10.3.0.1", "10.3.0.2" } },
                           { "host_b", "10.2.0.2" },
                           { "protected_a", topo.subnetA },
                           { "protected_b", topo.subnetB } };

    double wall = 0;
    if (!WriteRunFolder(
          "failover", flags, folder, params, summary, *collector, wallStart, simTime, wall))
    {
        return 1;
    }
    std::cout << "failover scheme=" << scheme << " qcdSecret=" << qcdSecret
              << " profile=" << flags.GetString("profile")
              << " takeover_s=" << summary["takeover_s"].dump()
              << " recovery_s=" << summary["recovery_s"].dump()
              << " recovery_ba_s=" << summary["recovery_ba_s"].dump()
              << " detection_s=" << summary["detection_s"].dump()
              << " inner_lost=" << summary["inner_lost"].dump() << " wall_s=" << wall
              << " out=" << folder.Directory() << std::endl;
    return 0;
}

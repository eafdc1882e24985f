// reboot-storm: one gateway Bob serves N peer gateways and reboots; every peer's tunnel must be
// re-established at once, through Bob's simulated CPU. How are the recovery times spread over
// the peers, how long does work wait in Bob's CPU queue, and what does the COOKIE defence
// (RFC 7296 2.6, --cookieThreshold) change?
//
//   peer 1..N ==access links== router ==Bob's uplink== Bob -- host B   (reboot-storm-topology.h)
//
// Each peer has its own IKE SA and Child SA with Bob (172.16.x.y/32 <-> 10.2.0.0/24) and two
// inner flows: peer -> host B (flow "ab") and host B -> peer ("ba"), generated on the peer
// gateway itself. Peers start their daemons spread over --establishSpread, Bob crashes at
// --crashTime and is up --bootTime later. Metrics: doc/metrics.md, per peer, then summarised
// (doc/reboot-storm.md). Output: the run folder (--outDir).
#include "cpu-model.h"
#include "flow-traffic.h"
#include "ike-helper.h"
#include "ike-stats-collector.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "reboot-storm-topology.h"
#include "recovery-metrics.h"
#include "run-folder.h"
#include "run-output.h"
#include "scenario-flags.h"
#include "scheme-notes.h"
#include "standard-flags.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>

using namespace ns3;
using namespace scenarios;

namespace
{

constexpr uint16_t kPeerSinkPort = 9000;  ///< "ba" sink on each peer gateway
constexpr uint16_t kHostSinkPort = 10000; ///< "ab" sinks of every peer on host B (FlowPort)
constexpr uint16_t kNotifyCookie = 16390; ///< RFC 7296 3.10.1
const char* const kPsk = "reboot-storm shared secret";

void
DefineFlags(ScenarioFlags& flags)
{
    AddIkeFlags(flags);
    AddWanFlags(flags);
    flags.AddUint("peers",
                  "Peer gateways (each with its own IKE SA, Child SA and flows)",
                  20,
                  1,
                  kStormMaxPeers);
    flags.AddDouble("establishSpread",
                    "Peers start their daemons uniformly over [0, this], s (so that the first "
                    "establishment is not itself a storm)",
                    5,
                    0,
                    1e6);
    flags.AddString("peerPolicy",
                    "Peers' start action: start = initiate when the daemon starts (and after "
                    "the peer declares Bob dead), trap = on the first inner packet",
                    "start",
                    { "start", "trap" });
    flags.AddUint("cookieThreshold",
                  "Half-open IKE SAs at which Bob answers IKE_SA_INIT with a COOKIE "
                  "(RFC 7296 2.6); 0 = always",
                  50,
                  0,
                  1000000);
    flags.AddDataRate(
      "bobLinkRate", "Bob's uplink to the WAN router (shared by all peers)", "1Gbps");
    flags.AddUint("bobQueue", "Packets queued on each side of Bob's uplink", 1000, 1, 1000000);
    flags.AddDouble("crashTime", "When Bob loses power, s", 20, 0, 1e6);
    flags.AddDouble("bootTime", "From Bob's crash to his stack answering again, s", 5, 0, 1e6);
    flags.AddDouble(
      "peerRate", "Datagrams per second of each inner flow (both directions)", 1, 0.01, 10000);
    flags.AddUint("pktSize", "UDP payload octets of the inner flows", 200, kFlowHeaderSize, 1300);
    flags.AddDouble(
      "flowStart", "When the flows start, s (default: --establishSpread + 1)", -1, -1, 1e6);
    AddRunFlags(flags, "reboot-storm-out", 90);
}

void
ApplyQuick(ScenarioFlags& flags)
{
    if (!flags.GetBool("quick"))
    {
        return;
    }
    flags.SetDefault("peers", "10");
    flags.SetDefault("simTime", "30");
    flags.SetDefault("establishSpread", "2");
    flags.SetDefault("crashTime", "6");
    flags.SetDefault("bootTime", "2");
    flags.SetDefault("livenessInterval", "5");
    flags.SetDefault("peerRate", "5");
}

/// The value below which a fraction @p q of the sorted @p values lie (nearest rank); null when
/// that rank falls on a peer that never recovered (+infinity).
nlohmann::json
Quantile(const std::vector<double>& sorted, double q)
{
    if (sorted.empty())
    {
        return nullptr;
    }
    size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
    rank = std::min(std::max<size_t>(rank, 1), sorted.size());
    double v = sorted[rank - 1];
    if (std::isinf(v))
    {
        return nullptr;
    }
    return v;
}

struct PeerFlows
{
    MonitoredFlow ab;
    MonitoredFlow ba;
};

} // namespace

int
main(int argc, char** argv)
{
    auto wallStart = std::chrono::steady_clock::now();
    ScenarioFlags flags("reboot-storm",
                        "Gateway Bob with N peers reboots; recovery-time distribution over the "
                        "peers, Bob's CPU queue and the COOKIE defence (doc/reboot-storm.md).");
    DefineFlags(flags);
    flags.Parse(argc, argv);
    ApplyQuick(flags);
    CheckIkeFlags(flags);

    uint32_t n = static_cast<uint32_t>(flags.GetUint("peers"));
    double simTime = flags.GetDouble("simTime");
    double crashTime = flags.GetDouble("crashTime");
    double bootTime = flags.GetDouble("bootTime");
    double spread = flags.GetDouble("establishSpread");
    double flowStart = flags.GetDouble("flowStart");
    if (flowStart < 0)
    {
        flowStart = spread + 1;
    }
    double drain = std::min(1.0, simTime / 10);
    if (crashTime >= simTime)
    {
        flags.Fail("--crashTime=" + std::to_string(crashTime) +
                   " must be before --simTime=" + std::to_string(simTime));
    }
    if (flowStart >= simTime - drain)
    {
        flags.Fail("--flowStart=" + std::to_string(flowStart) +
                   " must leave time for traffic before --simTime");
    }
    if (spread >= crashTime)
    {
        flags.Fail("--establishSpread=" + std::to_string(spread) +
                   " must end before --crashTime=" + std::to_string(crashTime));
    }

    RunFolder folder = OpenRun(flags);

    StormParams sp;
    sp.peers = n;
    sp.wan = WanFromFlags(flags);
    sp.bobLinkRate = flags.GetString("bobLinkRate");
    sp.bobQueuePackets = static_cast<uint32_t>(flags.GetUint("bobQueue"));
    StormTopology topo = BuildStormTopology(sp);

    IkeHelper ike;
    ApplyIkeFlags(flags, ike);
    ike.SetCrashAttribute("BootTime", TimeValue(Seconds(bootTime)));
    // Only Bob is a responder under load; the peers get the same threshold (they never see
    // N half-open SAs).
    ike.SetAttribute("CookieThreshold", UintegerValue(flags.GetUint("cookieThreshold")));
    Ptr<IkeApplication> bob = ike.Install(topo.bob);
    ikev2::StartAction peerAction = flags.GetString("peerPolicy") == "start"
                                      ? ikev2::StartAction::Start
                                      : ikev2::StartAction::Trap;

    Ptr<UniformRandomVariable> jitter = CreateObject<UniformRandomVariable>();
    jitter->SetAttribute("Min", DoubleValue(0));
    jitter->SetAttribute("Max", DoubleValue(spread));
    jitter->SetStream(1000);
    // Each flow starts at its own phase within one period, so that the peers' datagrams (and
    // their measured restoration) are not synchronised by construction.
    Ptr<UniformRandomVariable> phase = CreateObject<UniformRandomVariable>();
    phase->SetAttribute("Min", DoubleValue(0));
    phase->SetAttribute("Max", DoubleValue(1 / flags.GetDouble("peerRate")));
    phase->SetStream(1001);

    Ptr<IkeStatsCollector> collector = CreateObject<IkeStatsCollector>();
    ConfigureCollector(flags, *collector);
    // Bob's crash and boot only: ComputeTimes() per peer scans this instead of every row.
    Ptr<IkeStatsCollector> clock = CreateObject<IkeStatsCollector>();

    // Host B terminates 2N flows: one receiving port and one sending socket for all of them
    // keep ns-3's per-datagram socket lookup on host B from growing with N (FlowPort).
    Ptr<FlowPort> hostBPort = Create<FlowPort>(topo.hostB, kHostSinkPort);
    Ptr<Socket> hostBSend = Socket::CreateSocket(topo.hostB, UdpSocketFactory::GetTypeId());
    hostBSend->Bind();
    std::vector<Ptr<IkeApplication>> peerApps;
    std::vector<PeerFlows> flows(n);
    peerApps.reserve(n);
    for (uint32_t i = 0; i < n; ++i)
    {
        std::string name = "peer" + std::to_string(i + 1);
        Ptr<Node> node = topo.peers.Get(i);
        Ptr<IkeApplication> app = ike.Install(node, topo.peerInner[i]);
        IkeConnection toBob;
        toBob.name = "bob";
        toBob.local = topo.peerWan[i];
        toBob.remote = topo.bobWanAddress;
        toBob.localId = name + ".example";
        toBob.remoteId = "bob.example";
        toBob.psk = kPsk;
        toBob.localSubnets = { PeerSubnet(topo, i) };
        toBob.remoteSubnets = { topo.subnetB };
        toBob.startAction = peerAction;
        ike.AddConnection(app, toBob);
        // Bob's side: a responder connection per peer, with the peer's address (which
        // initial-contact uses to re-initiate to every peer after the reboot).
        IkeConnection toPeer = toBob;
        toPeer.name = name;
        toPeer.local = topo.bobWanAddress;
        toPeer.remote = topo.peerWan[i];
        toPeer.localId = "bob.example";
        toPeer.remoteId = name + ".example";
        toPeer.localSubnets = { topo.subnetB };
        toPeer.remoteSubnets = { PeerSubnet(topo, i) };
        toPeer.startAction = ikev2::StartAction::None;
        ike.AddConnection(bob, toPeer);
        app->SetStartTime(Seconds(jitter->GetValue()));
        collector->ConnectApplication(name, app);
        peerApps.push_back(app);

        auto makeFlow = [&](Ptr<Node> from,
                            Ptr<Node> to,
                            Ipv4Address dst,
                            uint16_t port,
                            uint32_t id,
                            const std::string& flowName,
                            const std::string& sinkNode)
        {
            Ptr<FlowSink> sink = CreateObject<FlowSink>();
            sink->SetAttribute("Port", UintegerValue(port));
            sink->SetAttribute("FlowId", UintegerValue(id));
            to->AddApplication(sink);
            sink->SetStartTime(Seconds(0));
            Ptr<FlowSource> source = CreateObject<FlowSource>();
            source->SetAttribute("Rate", DoubleValue(flags.GetDouble("peerRate")));
            source->SetAttribute("PacketSize", UintegerValue(flags.GetUint("pktSize")));
            source->SetAttribute("FlowId", UintegerValue(id));
            source->SetRemote(dst, port);
            if (from == topo.hostB)
            {
                source->ShareSocket(hostBSend);
            }
            if (to == topo.hostB)
            {
                hostBPort->Add(sink, id);
            }
            from->AddApplication(source);
            source->SetStartTime(Seconds(flowStart + phase->GetValue()));
            source->SetStopTime(Seconds(simTime - drain));
            return MonitoredFlow{ flowName, source, sink, sinkNode };
        };
        flows[i].ab =
          makeFlow(node, topo.hostB, topo.hostBAddress, kHostSinkPort, 2 * i + 1, "ab", "hostB");
        flows[i].ba =
          makeFlow(topo.hostB, node, topo.peerInner[i], kPeerSinkPort, 2 * i + 2, "ba", name);
    }
    MoveTunnelRoutes(topo);
    std::string problem = bob->CheckConfiguration();
    if (problem.empty() && n > 0)
    {
        problem = peerApps[0]->CheckConfiguration();
    }
    if (!problem.empty())
    {
        flags.Fail("scheme " + flags.GetString("scheme") +
                   " cannot run with this engine: " + problem);
    }
    bob->SetStartTime(Seconds(0));
    Ptr<CrashControl> bobPower = ike.InstallCrashControl(topo.bob);
    collector->ConnectApplication("bob", bob);
    collector->ConnectCrashControl("bob", bobPower);
    clock->ConnectCrashControl("bob", bobPower);

    uint64_t cookiesSent = 0;
    bob->TraceConnectWithoutContext("NotifySent",
                                    MakeBoundCallback(
                                      +[](uint64_t* count, uint16_t type, bool, const ikev2::Event&)
                                      {
                                          if (type == kNotifyCookie)
                                          {
                                              ++*count;
                                          }
                                      },
                                      &cookiesSent));

    Simulator::Schedule(Seconds(crashTime), &CrashControl::PowerCycle, bobPower);
    if (flags.GetBool("pcap"))
    {
        std::string pcapDir = CreatePcapDir(flags, folder);
        PointToPointHelper().EnablePcap(pcapDir + "/uplink", topo.uplink.Get(0), false);
    }

    Simulator::Stop(Seconds(simTime));
    Simulator::Run();
    int64_t endNs = Simulator::Now().GetNanoSeconds();

    // Per peer: the doc/metrics.md times of that peer's two flows against Bob's crash and boot.
    std::vector<double> recovery;
    std::vector<double> outage;
    recovery.reserve(n);
    uint32_t recoveredPeers = 0;
    int64_t lastRestored = 0;
    nlohmann::json perPeer = nlohmann::json::array();
    RecoveryTimes first;
    for (uint32_t i = 0; i < n; ++i)
    {
        RecoveryInputs in;
        in.collector = PeekPointer(clock);
        in.failedNode = "bob";
        in.survivorNode = "peer" + std::to_string(i + 1);
        in.ab = flows[i].ab;
        in.ba = flows[i].ba;
        in.endNs = endNs;
        RecoveryTimes t = ComputeTimes(in);
        nlohmann::json m = ComputeRecoveryMetrics(in, t);
        if (i == 0)
        {
            first = t;
        }
        bool ok = m["recovered"].get<bool>();
        recoveredPeers += ok ? 1 : 0;
        double inf = std::numeric_limits<double>::infinity();
        double r = ok && !m["recovery_s"].is_null() && !m["recovery_ba_s"].is_null()
                     ? std::max(m["recovery_s"].get<double>(), m["recovery_ba_s"].get<double>())
                     : inf;
        recovery.push_back(r);
        outage.push_back(ok ? std::max(m["outage_s"].get<double>(), m["outage_ba_s"].get<double>())
                            : inf);
        if (ok)
        {
            lastRestored = std::max({ lastRestored, *t.tRestoredAb, *t.tRestoredBa });
        }
        if (i == 0)
        {
            // Per-peer rows would cost O(rows) each (sorted insert): peer 1's only.
            AddRestoredRows(*collector, in, t);
        }
    }
    if (recoveredPeers == n && n > 0)
    {
        collector->AddRowAt(lastRestored, "bob", "all-peers-restored", std::to_string(n));
    }
    std::sort(recovery.begin(), recovery.end());
    std::sort(outage.begin(), outage.end());

    // Totals over the storm window [t_fail, last peer restored] (end of run if one never did),
    // with Bob as the gateway whose CPU and crypto the common fields report.
    RecoveryInputs all;
    all.collector = PeekPointer(collector);
    all.failedNode = "bob";
    all.survivorNode = "peer1";
    all.gateways = { { "bob", bob } };
    all.endNs = recoveredPeers == n && n > 0 ? lastRestored : endNs;
    RecoveryTimes allTimes = ComputeTimes(all);
    nlohmann::json summary = ComputeRecoveryMetrics(all, allTimes);

    // The peers' side, summed (per-peer rows would make summary.json O(N)).
    int64_t from = allTimes.tFail.value_or(0);
    uint64_t peerMsgs = 0;
    uint64_t peerBytes = 0;
    uint64_t peerUnprotected = 0;
    for (const auto& r : collector->GetIkeRecords())
    {
        if (!r.sent || r.timeNs < from || r.timeNs > all.endNs || r.node == "bob")
        {
            continue;
        }
        peerMsgs += 1;
        peerBytes += r.bytes;
        peerUnprotected += r.isProtected ? 0 : 1;
    }
    auto addPeers = [](nlohmann::json& j, uint64_t v)
    {
        j["peers"] = v;
        j["total"] = j["total"].get<uint64_t>() + v;
    };
    addPeers(summary["ike_msgs"], peerMsgs);
    addPeers(summary["ike_bytes"], peerBytes);
    addPeers(summary["unprotected_msgs"], peerUnprotected);
    double peerCpu = 0;
    ikev2::CryptoCounts peerOps;
    for (const auto& app : peerApps)
    {
        peerCpu += app->GetCpuModel()->GetBusyTime().GetSeconds();
        peerOps.Merge(app->GetCryptoTotals());
    }
    summary["cpu_s"]["peers"] = peerCpu;
    nlohmann::json ops = nlohmann::json::object();
    for (size_t k = 0; k < static_cast<size_t>(ikev2::CryptoOp::kCount); ++k)
    {
        ops[ikev2::CryptoOpName(static_cast<ikev2::CryptoOp>(k))] = peerOps.count[k];
    }
    summary["crypto_ops"]["peers"] = ops;

    // Peer 1 stands for "the" tunnel in the two-gateway fields (t_detect, t_restored_*).
    summary["t_detect"] = nullptr;
    summary["detection_s"] = nullptr;
    summary["t_restored_ab"] =
      first.tRestoredAb ? nlohmann::json(*first.tRestoredAb / 1e9) : nlohmann::json(nullptr);
    summary["t_restored_ba"] =
      first.tRestoredBa ? nlohmann::json(*first.tRestoredBa / 1e9) : nlohmann::json(nullptr);
    summary["recovery_s"] = Quantile(recovery, 0.5);
    summary["recovery_ba_s"] = nullptr;
    summary["recovery_p95_s"] = Quantile(recovery, 0.95);
    summary["recovery_max_s"] = Quantile(recovery, 1.0);
    summary["recovery_min_s"] = Quantile(recovery, 0.0);
    summary["outage_s"] = Quantile(outage, 0.5);
    summary["downtime_s"] = Quantile(outage, 0.5);
    summary["recovered"] = recoveredPeers == n;
    summary["recovered_fraction"] = n ? static_cast<double>(recoveredPeers) / n : 0.0;
    summary["recovered_peers"] = recoveredPeers;
    summary["peers"] = n;
    summary["cpu_queue_max_s"] = bob->GetCpuModel()->GetMaxQueueWait().GetSeconds();
    summary["cookies_sent"] = cookiesSent;
    summary["cookie_threshold"] = flags.GetUint("cookieThreshold");

    std::string scheme = flags.GetString("scheme");
    AddCommonSummary(summary, "reboot-storm", flags);
    summary["notes"] = {
        "recovery_s is the median over peers of max(recovery A->B, B->A) of each peer "
        "(doc/metrics.md per peer); p95/max are null when that rank did not recover",
        "ike_msgs/ike_bytes/unprotected_msgs/cpu_s/crypto_ops: bob's own plus 'peers' summed",
        "t_restored_ab/ba are peer1's; t_detect/detection_s are not computed per peer (null)",
        "inner flows are generated on each peer gateway itself (no host per peer)",
    };
    if (scheme == "initial-contact")
    {
        summary["notes"].push_back("initial-contact: rebooted Bob re-initiates to every one of "
                                   "the N peers at once (he has each peer's address)");
    }

    nlohmann::json params;
    params["scenario"] = "reboot-storm";
    params["flags"] = flags.ToJson();
    params["code_version"] = CodeVersion();
    params["seed"] = { { "rng_seed", 1 }, { "rng_run", flags.GetUint("RngRun") } };
    params["profile"] = ProfileJson(flags);
    params["cpu_cost_table"] = bob->GetCpuModel()->GetTable().ToString();
    params["topology"] = { { "bob_wan", "192.0.2.2" },
                           { "router", "192.0.2.1" },
                           { "host_b", "10.2.0.2" },
                           { "protected_b", topo.subnetB },
                           { "peer_wan", "100.64.0.0/10, peer i at 100.64.0.0 + 4(i-1) + 2" },
                           { "peer_protected", "172.16.0.0 + i, /32 each" } };

    bool ok = folder.WriteJson("params.json", params) &&
              folder.WriteJson("summary.json", summary) &&
              collector->WriteEventsCsv(folder.Path("events.csv"));
    if (flags.GetBool("pcap"))
    {
        ok = ok && collector->WriteKeyFiles(folder.Path("keys"));
    }
    double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    ok = ok &&
         folder.WriteJson(
           "wall.json",
           { { "wall_s", wall }, { "sim_s", simTime }, { "events", Simulator::GetEventCount() } });
    Simulator::Destroy();
    if (!ok)
    {
        std::cerr << "reboot-storm: error: cannot write the run folder " << folder.Directory()
                  << std::endl;
        return 1;
    }
    auto show = [](const nlohmann::json& v)
    { return v.is_null() ? std::string("null") : v.dump(); };
    std::cout << "reboot-storm scheme=" << scheme << " peers=" << n
              << " recovered=" << recoveredPeers << "/" << n
              << " recovery_s=" << show(summary["recovery_s"])
              << " p95=" << show(summary["recovery_p95_s"])
              << " max=" << show(summary["recovery_max_s"])
              << " cpu_bob_s=" << summary["cpu_s"]["bob"].dump()
              << " cpu_queue_max_s=" << summary["cpu_queue_max_s"].dump()
              << " cookies_sent=" << cookiesSent << " wall_s=" << wall
              << " out=" << folder.Directory() << std::endl;
    return 0;
}

// crash-reboot: gateway Bob loses power and reboots; how long until the tunnel carries traffic
// again, with each recovery scheme and retransmission profile?
//
//   host A -- Alice ==WAN== Bob -- host B, a tunnel-mode Child SA between 10.1.0.0/24 and
//   10.2.0.0/24, constant-rate UDP flows A->B and B->A, Bob crashes at --crashTime and is back
//   --bootTime later. Metrics: doc/metrics.md. Output: the run folder (--outDir).
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
#include "scenario-flags.h"
#include "scheme-notes.h"
#include "standard-flags.h"

#include <chrono>
#include <iostream>

using namespace ns3;
using namespace scenarios;

namespace
{

constexpr uint16_t kFlowPort = 9000;
const char* const kPsk = "crash-reboot shared secret";

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
                    "Bob's start action (none = responder only; initial-contact re-initiates "
                    "after the reboot in any case)",
                    "none",
                    { "none", "trap", "start" });
    flags.AddDouble("crashTime", "When Bob loses power, s", 20, 0, 1e6);
    flags.AddDouble("bootTime", "From Bob's crash to his stack answering again, s", 5, 0, 1e6);
    AddInnerFlowFlags(flags, true);
    AddRunFlags(flags, "crash-reboot-out", 300);
}

void
ApplyQuick(ScenarioFlags& flags)
{
    if (!flags.GetBool("quick"))
    {
        return;
    }
    flags.SetDefault("simTime", "20");
    flags.SetDefault("crashTime", "4");
    flags.SetDefault("bootTime", "2");
    flags.SetDefault("rateAB", "10");
    flags.SetDefault("rateBA", "10");
}

} // namespace

int
main(int argc, char** argv)
{
    auto wallStart = std::chrono::steady_clock::now();
    ScenarioFlags flags("crash-reboot",
                        "Gateway Bob crashes and reboots; measures how long each recovery scheme "
                        "takes to carry inner traffic again (doc/metrics.md).");
    DefineFlags(flags);
    flags.Parse(argc, argv);
    ApplyQuick(flags);
    CheckIkeFlags(flags);

    double simTime = flags.GetDouble("simTime");
    double crashTime = flags.GetDouble("crashTime");
    double bootTime = flags.GetDouble("bootTime");
    double flowStart = flags.GetDouble("flowStart");
    double drain = std::min(1.0, simTime / 10);
    if (crashTime >= simTime)
    {
        flags.Fail("--crashTime=" + std::to_string(crashTime) +
                   " must be before --simTime=" + std::to_string(simTime));
    }
    if (flowStart >= simTime - drain)
    {
        flags.Fail("--flowStart must leave time for traffic before --simTime");
    }

    RunFolder folder = OpenRun(flags);

    GatewayPair topo = BuildGatewayPair(WanFromFlags(flags));

    IkeHelper ike;
    ApplyIkeFlags(flags, ike);
    ike.SetCrashAttribute("BootTime", TimeValue(Seconds(bootTime)));
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
    toBob.startAction = StartActionFromName(flags.GetString("alicePolicy"));
    IkeConnection toAlice = toBob;
    toAlice.name = "alice";
    toAlice.local = topo.bobWanAddress;
    toAlice.remote = topo.aliceWanAddress;
    toAlice.localId = "bob.example";
    toAlice.remoteId = "alice.example";
    toAlice.localSubnets = { topo.subnetB };
    toAlice.remoteSubnets = { topo.subnetA };
    toAlice.startAction = StartActionFromName(flags.GetString("bobPolicy"));
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
    Ptr<CrashControl> bobPower = ike.InstallCrashControl(topo.bob);

    Ptr<IkeStatsCollector> collector = CreateObject<IkeStatsCollector>();
    ConfigureCollector(flags, *collector);
    collector->ConnectApplication("alice", alice);
    collector->ConnectApplication("bob", bob);
    collector->ConnectCrashControl("bob", bobPower);

    // Inner flows A->B (id 1) and B->A (id 2), measured at their sinks.
    auto makeFlow = [&](Ptr<Node> from, Ptr<Node> to, Ipv4Address dst, uint32_t id, double rate)
    {
        return InstallFlow(
          from, to, dst, kFlowPort, id, rate, flags.GetUint("pktSize"), flowStart, simTime - drain);
    };
    auto ab = makeFlow(topo.hostA, topo.hostB, topo.hostBAddress, 1, flags.GetDouble("rateAB"));
    auto ba = makeFlow(topo.hostB, topo.hostA, topo.hostAAddress, 2, flags.GetDouble("rateBA"));

    Simulator::Schedule(Seconds(crashTime), &CrashControl::PowerCycle, bobPower);

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
    AddCommonSummary(summary, "crash-reboot", flags);

    nlohmann::json params =
      CommonParams("crash-reboot", flags, alice->GetCpuModel()->GetTable().ToString());
    params["topology"] = { { "host_a", "10.1.0.2" },        { "alice_wan", "192.0.2.1" },
                           { "bob_wan", "192.0.2.2" },      { "host_b", "10.2.0.2" },
                           { "protected_a", topo.subnetA }, { "protected_b", topo.subnetB } };

    double wall = 0;
    if (!WriteRunFolder(
          "crash-reboot", flags, folder, params, summary, *collector, wallStart, simTime, wall))
    {
        return 1;
    }
    std::cout << "crash-reboot scheme=" << scheme << " profile=" << flags.GetString("profile")
              << " recovery_s=" << summary["recovery_s"].dump()
              << " recovery_ba_s=" << summary["recovery_ba_s"].dump()
              << " detection_s=" << summary["detection_s"].dump()
              << " inner_lost=" << summary["inner_lost"].dump() << " wall_s=" << wall
              << " out=" << folder.Directory() << std::endl;
    return 0;
}

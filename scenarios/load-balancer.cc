// load-balancer: Bob is a cluster of --members gateways behind a load balancer, all answering
// at one cluster address (the VIP). --peers Alice gateways each carry their own inner flows to
// host B behind the cluster. At --downTime member --downMember is taken down on purpose and,
// --moveDelay later, the load balancer moves its peers to the remaining members: how long until
// each moved peer's tunnel carries traffic again? At --rebalanceTime one peer of a LIVE member
// is moved to another member: with --liveSaList=off a QCD member answers the peer's requests for
// its working SA with a valid token (the members share the cluster QCD secret) and the peer
// tears that SA down (RFC 6290 9.2): false_teardowns. Topology, choices, metrics and what is not
// modelled: doc/load-balancer.md.
//
//   hostA_i -- Alice_i ==WAN== LB -- member_k (VIP) -- host B     i < peers, k < members
#include "drbg.h"
#include "flow-traffic.h"
#include "ike-helper.h"
#include "ike-stats-collector.h"
#include "load-balancer-live-sas.h"
#include "load-balancer-routing.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "qcd-token.h"
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
#include <map>
#include <optional>
#include <set>

using namespace ns3;
using namespace scenarios;

namespace
{

constexpr uint16_t kFlowPort = 9000;
const char* const kPsk = "load-balancer cluster secret";
const Ipv4Address kVip("192.0.2.100");
/// Deletions both ends agree on; any other deletion of an SA still live on a running member
/// is a false teardown.
const std::set<std::string> kConsensual = { "delete-sent", "delete-received", "terminated" };

void
DefineFlags(ScenarioFlags& flags)
{
    AddIkeFlags(flags);
    AddWanFlags(flags);
    flags.AddUint("peers", "Alice gateways (each with its own host and inner flows)", 6, 1, 200);
    flags.AddUint("members", "Bob cluster members behind the load balancer", 3, 2, 50);
    flags.AddUint("downMember", "The member taken down (index)", 0, 0, 49);
    flags.AddDouble("downTime", "When the member is taken down (t_fail), s", 20, 0, 1e6);
    flags.AddDouble("moveDelay",
                    "From the member going down to the load balancer moving its peers (t_up), s",
                    3,
                    0,
                    1e6);
    flags.AddDouble("rebalanceTime",
                    "When one peer of a live member is moved to another live member (0: never), s",
                    10,
                    0,
                    1e6);
    flags.AddString("liveSaList",
                    "Cluster-wide list of live SAs (RFC 6290 9.2): off = none; silent = members "
                    "withhold tokens for SAs live on another member; on = that, and the load "
                    "balancer also sends packets of a live SA to the member holding it",
                    "off",
                    { "off", "silent", "on" });
    flags.AddDouble(
      "flowRate", "Datagrams per second of each inner flow (both directions)", 10, 0.01, 100000);
    AddInnerFlowFlags(flags, false);
    AddRunFlags(flags, "load-balancer-out", 300);
}

void
ApplyQuick(ScenarioFlags& flags)
{
    if (!flags.GetBool("quick"))
    {
        return;
    }
    flags.SetDefault("simTime", "30");
    flags.SetDefault("peers", "4");
    flags.SetDefault("downTime", "8");
    flags.SetDefault("moveDelay", "1");
    flags.SetDefault("rebalanceTime", "4");
}

void
AddLoss(Ptr<NetDevice> device, double loss, int64_t stream)
{
    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
    em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
    em->SetAttribute("ErrorRate", DoubleValue(loss));
    em->AssignStreams(stream);
    device->SetAttribute("ReceiveErrorModel", PointerValue(em));
}

Ipv4Address
Addr(const std::string& prefix, uint32_t third, uint32_t fourth)
{
    return Ipv4Address(
      (prefix + "." + std::to_string(third) + "." + std::to_string(fourth)).c_str());
}

uint32_t
AddInterface(Ptr<Node> node, Ptr<NetDevice> device, Ipv4Address address, const char* mask)
{
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    uint32_t i = ipv4->AddInterface(device);
    ipv4->AddAddress(i, Ipv4InterfaceAddress(address, Ipv4Mask(mask)));
    ipv4->SetUp(i);
    return i;
}

Ptr<ClusterRouting>
AddClusterRouting(Ptr<Node> node)
{
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    Ptr<Ipv4ListRouting> list = DynamicCast<Ipv4ListRouting>(ipv4->GetRoutingProtocol());
    NS_ABORT_MSG_IF(!list, "load-balancer: node " << node->GetId() << " lacks list routing");
    Ptr<ClusterRouting> routing = CreateObject<ClusterRouting>();
    list->AddRoutingProtocol(routing, 10); // before static routing (priority 0)
    return routing;
}

/// Datagrams of @p source sent at or after @p fromNs that @p sink never received.
uint64_t
LostSince(const FlowSource& source, const FlowSink& sink, int64_t fromNs)
{
    std::set<uint64_t> received;
    for (const auto& a : sink.GetArrivals())
    {
        received.insert(a.seq);
    }
    uint64_t lost = 0;
    const auto& sent = source.GetSendTimes();
    for (uint64_t seq = 0; seq < sent.size(); ++seq)
    {
        lost += sent[seq] >= fromNs && received.count(seq) == 0 ? 1 : 0;
    }
    return lost;
}

/// The longest run of consecutive datagrams of @p source sent at or after @p fromNs that
/// @p sink never received: an outage, unlike scattered WAN loss.
uint64_t
LongestLossRun(const FlowSource& source, const FlowSink& sink, int64_t fromNs)
{
    std::set<uint64_t> received;
    for (const auto& a : sink.GetArrivals())
    {
        received.insert(a.seq);
    }
    uint64_t longest = 0;
    uint64_t run = 0;
    const auto& sent = source.GetSendTimes();
    for (uint64_t seq = 0; seq < sent.size(); ++seq)
    {
        if (sent[seq] < fromNs)
        {
            continue;
        }
        run = received.count(seq) == 0 ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

nlohmann::json
Quantile(std::vector<double> v, double q)
{
    if (v.empty())
    {
        return nullptr;
    }
    std::sort(v.begin(), v.end());
    // Nearest rank: the smallest value with at least q of the sample at or below it.
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::max<size_t>(rank, 1) - 1];
}

struct Peer
{
    Ptr<Node> host;
    Ptr<Node> gateway;
    Ptr<IkeApplication> app;
    Ipv4Address wan;
    std::string name;
    MonitoredFlow ab;
    MonitoredFlow ba;
};

} // namespace

int
main(int argc, char** argv)
{
    auto wallStart = std::chrono::steady_clock::now();
    ScenarioFlags flags("load-balancer",
                        "Bob is a cluster behind a load balancer; one member is taken down and its "
                        "peers are moved; a live member's peer is rebalanced (RFC 6290 9.2).");
    DefineFlags(flags);
    flags.Parse(argc, argv);
    ApplyQuick(flags);
    CheckIkeFlags(flags);

    const uint32_t nPeers = flags.GetUint("peers");
    const uint32_t nMembers = flags.GetUint("members");
    const uint32_t down = flags.GetUint("downMember");
    const double simTime = flags.GetDouble("simTime");
    const double downTime = flags.GetDouble("downTime");
    const double moveTime = downTime + flags.GetDouble("moveDelay");
    const double rebalanceTime = flags.GetDouble("rebalanceTime");
    const double flowStart = flags.GetDouble("flowStart");
    const double drain = std::min(1.0, simTime / 10);
    const std::string listMode = flags.GetString("liveSaList");
    const bool withhold = listMode != "off";
    const bool steer = listMode == "on";
    if (down >= nMembers)
    {
        flags.Fail("--downMember=" + std::to_string(down) +
                   " must be below --members=" + std::to_string(nMembers));
    }
    if (down >= nPeers)
    {
        // Peer i starts on member i mod members: a member at or beyond --peers holds nobody.
        flags.Fail("--downMember=" + std::to_string(down) +
                   " holds no peer with --peers=" + std::to_string(nPeers));
    }
    if (moveTime >= simTime)
    {
        flags.Fail("--downTime + --moveDelay must be before --simTime=" + std::to_string(simTime));
    }
    if (rebalanceTime > 0 && rebalanceTime >= simTime)
    {
        flags.Fail("--rebalanceTime=" + std::to_string(rebalanceTime) +
                   " must be before --simTime");
    }
    if (rebalanceTime > 0 && nMembers < 3)
    {
        flags.Fail("--rebalanceTime needs --members >= 3 (two live members besides the one "
                   "taken down), got --members=" +
                   std::to_string(nMembers));
    }
    if (flowStart >= simTime - drain)
    {
        flags.Fail("--flowStart must leave time for traffic before --simTime");
    }

    RunFolder folder = OpenRun(flags);

    // --- Nodes and stacks: static routing everywhere, plus ClusterRouting on the load balancer
    // and on host B (the inside router of the cluster).
    WanParams wan = WanFromFlags(flags);
    std::vector<Peer> peers(nPeers);
    NodeContainer staticNodes;
    for (uint32_t i = 0; i < nPeers; ++i)
    {
        peers[i].host = CreateObject<Node>();
        peers[i].gateway = CreateObject<Node>();
        peers[i].name = "alice" + std::to_string(i);
        staticNodes.Add(peers[i].host);
        staticNodes.Add(peers[i].gateway);
    }
    NodeContainer members;
    members.Create(nMembers);
    staticNodes.Add(members);
    Ptr<Node> lb = CreateObject<Node>();
    Ptr<Node> hostB = CreateObject<Node>();

    InternetStackHelper internet;
    Ipv4StaticRoutingHelper staticRouting;
    internet.SetRoutingHelper(staticRouting);
    internet.Install(staticNodes);
    Ipv4ListRoutingHelper listRouting;
    listRouting.Add(staticRouting, 0);
    InternetStackHelper listInternet;
    listInternet.SetRoutingHelper(listRouting);
    listInternet.Install(NodeContainer(lb, hostB));

    PointToPointHelper lan;
    lan.SetDeviceAttribute("DataRate", StringValue(wan.lanRate));
    lan.SetChannelAttribute("Delay", TimeValue(Seconds(wan.lanDelayS)));
    PointToPointHelper wanLink;
    wanLink.SetDeviceAttribute("DataRate", StringValue(wan.rate));
    wanLink.SetChannelAttribute("Delay", TimeValue(Seconds(wan.rttS / 2)));

    // Peers: hostA_i 10.1.(i+1).2 -- 10.1.(i+1).1 Alice_i 172.16.(i+1).1 == 172.16.(i+1).2 LB.
    std::map<uint32_t, uint32_t> peerByWan; // Alice's WAN address -> peer index
    NetDeviceContainer lbWanDevices;
    int64_t stream = 100;
    for (uint32_t i = 0; i < nPeers; ++i)
    {
        Peer& p = peers[i];
        NetDeviceContainer l = lan.Install(p.host, p.gateway);
        AddInterface(p.host, l.Get(0), Addr("10.1", i + 1, 2), "255.255.255.0");
        AddInterface(p.gateway, l.Get(1), Addr("10.1", i + 1, 1), "255.255.255.0");
        NetDeviceContainer w = wanLink.Install(p.gateway, lb);
        p.wan = Addr("172.16", i + 1, 1);
        uint32_t wi = AddInterface(p.gateway, w.Get(0), p.wan, "255.255.255.0");
        AddInterface(lb, w.Get(1), Addr("172.16", i + 1, 2), "255.255.255.0");
        lbWanDevices.Add(w.Get(1));
        if (wan.loss > 0)
        {
            AddLoss(w.Get(0), wan.loss, stream++);
            AddLoss(w.Get(1), wan.loss, stream++);
        }
        staticRouting.GetStaticRouting(p.host->GetObject<Ipv4>())
          ->SetDefaultRoute(Addr("10.1", i + 1, 1), 1);
        staticRouting.GetStaticRouting(p.gateway->GetObject<Ipv4>())
          ->SetDefaultRoute(Addr("172.16", i + 1, 2), wi);
        peerByWan[p.wan.Get()] = i;
    }

    // Members: LB 10.99.(k+1).1 -- member_k owning only the VIP on that link (so its IKE and
    // ESP leave from the VIP); member_k 10.2.(k+1).1 -- 10.2.(k+1).2 host B. Host B answers on
    // 10.2.1.2 whichever link a packet arrives on (ns-3's weak end-system model).
    Ptr<ClusterRouting> lbRouting = AddClusterRouting(lb);
    Ptr<ClusterRouting> insideRouting = AddClusterRouting(hostB);
    for (uint32_t k = 0; k < nMembers; ++k)
    {
        Ptr<Node> m = members.Get(k);
        NetDeviceContainer up = lan.Install(lb, m);
        uint32_t lbIf = AddInterface(lb, up.Get(0), Addr("10.99", k + 1, 1), "255.255.255.0");
        uint32_t mIf = AddInterface(m, up.Get(1), kVip, "255.255.255.255");
        lbRouting->AddMember(lbIf, kVip);
        NetDeviceContainer in = lan.Install(m, hostB);
        uint32_t mIn = AddInterface(m, in.Get(0), Addr("10.2", k + 1, 1), "255.255.255.0");
        uint32_t bIf = AddInterface(hostB, in.Get(1), Addr("10.2", k + 1, 2), "255.255.255.0");
        insideRouting->AddMember(bIf, Addr("10.2", k + 1, 1));
        Ptr<Ipv4StaticRouting> sr = staticRouting.GetStaticRouting(m->GetObject<Ipv4>());
        sr->SetDefaultRoute(Addr("10.99", k + 1, 1), mIf);
        sr->AddNetworkRouteTo(
          Ipv4Address("10.2.0.0"), Ipv4Mask("255.255.0.0"), Addr("10.2", k + 1, 2), mIn);
    }
    const Ipv4Address hostBAddress("10.2.1.2");

    // --- IKE: every member has a responder connection for every peer (any peer may be moved
    // to it); all members share the cluster identity, PSK and QCD secret.
    IkeHelper ike;
    ApplyIkeFlags(flags, ike);
    LiveSaList live;
    std::vector<Ptr<IkeApplication>> memberApps;
    std::vector<Ptr<CrashControl>> memberPower;
    for (uint32_t k = 0; k < nMembers; ++k)
    {
        memberApps.push_back(ike.Install(members.Get(k)));
    }
    for (uint32_t i = 0; i < nPeers; ++i)
    {
        Peer& p = peers[i];
        p.app = ike.Install(p.gateway);
        IkeConnection c;
        c.name = "cluster";
        c.local = p.wan;
        c.remote = kVip;
        c.localId = p.name + ".example";
        c.remoteId = "cluster.example";
        c.psk = kPsk;
        c.localSubnets = { "10.1." + std::to_string(i + 1) + ".0/24" };
        c.remoteSubnets = { "10.2.0.0/16" };
        c.startAction = ikev2::StartAction::Trap;
        ike.AddConnection(p.app, c);
        for (uint32_t k = 0; k < nMembers; ++k)
        {
            IkeConnection r = c;
            r.name = p.name;
            r.local = kVip;
            r.remote = p.wan;
            r.localId = c.remoteId;
            r.remoteId = c.localId;
            r.localSubnets = c.remoteSubnets;
            r.remoteSubnets = c.localSubnets;
            r.startAction = ikev2::StartAction::None;
            ike.AddConnection(memberApps[k], r);
        }
    }
    {
        // One cluster QCD secret, made once and copied into every member's persistent store
        // (RFC 6290 6: the nodes that answer for one address must make the same tokens).
        ikev2::Drbg drbg(flags.GetUint("RngRun"), "load-balancer cluster QCD secret");
        ikev2::QcdSecretStore secret(memberApps[0]->GetStore(), drbg);
    }
    const ikev2::Bytes* secret = memberApps[0]->GetStore().Get(ikev2::QcdSecretStore::kStoreKey);
    for (uint32_t k = 0; k < nMembers; ++k)
    {
        if (k > 0)
        {
            memberApps[k]->GetStore().Put(ikev2::QcdSecretStore::kStoreKey, *secret);
        }
        live.Connect(k, memberApps[k]);
        if (withhold)
        {
            memberApps[k]->SetQcdLiveElsewhere(live.HookFor(k));
        }
        memberPower.push_back(ike.InstallCrashControl(members.Get(k)));
    }
    std::vector<std::pair<std::string, Ptr<IkeApplication>>> apps;
    for (const auto& p : peers)
    {
        apps.emplace_back(p.name, p.app);
    }
    for (uint32_t k = 0; k < nMembers; ++k)
    {
        apps.emplace_back("member" + std::to_string(k), memberApps[k]);
    }
    for (const auto& [name, app] : apps)
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
    for (const auto& [name, app] : apps)
    {
        collector->ConnectApplication(name, app);
    }
    for (uint32_t k = 0; k < nMembers; ++k)
    {
        collector->ConnectCrashControl("member" + std::to_string(k), memberPower[k]);
    }

    // --- The load balancer's table: peer -> member, by the peer's source address.
    std::vector<uint32_t> assigned(nPeers);
    for (uint32_t i = 0; i < nPeers; ++i)
    {
        assigned[i] = i % nMembers;
    }
    lbRouting->SetChooser(
      [&](const Ipv4Header& h, const Packet* packet) -> int
      {
          auto it = peerByWan.find(h.GetSource().Get());
          if (h.GetDestination() != kVip || it == peerByWan.end())
          {
              return -1;
          }
          if (steer && packet)
          {
              // Packets of an SA live on a member go to that member whatever the table says.
              ClusterPacketSpis s = ParseClusterPacket(h.GetProtocol(), *packet);
              std::optional<uint32_t> owner;
              if (s.ike && s.spiR != 0)
              {
                  owner = live.IkeOwner(s.spiI, s.spiR);
              }
              else if (s.esp)
              {
                  owner = live.ChildOwner(s.espSpi);
              }
              if (owner)
              {
                  return static_cast<int>(*owner);
              }
          }
          return static_cast<int>(assigned[it->second]);
      });
    // Host B's return traffic to peer i's subnet: to its assigned member, or with "on" to the
    // member holding its live SA.
    insideRouting->SetChooser(
      [&](const Ipv4Header& h, const Packet*) -> int
      {
          uint32_t d = h.GetDestination().Get();
          uint32_t i = ((d >> 8) & 0xff) - 1;
          if ((d >> 16) != ((10u << 8) | 1u) || i >= nPeers)
          {
              return -1;
          }
          if (steer)
          {
              if (auto owner = live.PeerOwner(peers[i].name))
              {
                  return static_cast<int>(*owner);
              }
          }
          return static_cast<int>(assigned[i]);
      });

    // --- False teardowns: a peer deletes an SA that a running member still holds.
    uint64_t falseTeardowns = 0;
    std::optional<int64_t> firstFalseNs;
    nlohmann::json falseReasons = nlohmann::json::object();
    for (const auto& p : peers)
    {
        std::string name = p.name;
        p.app->TraceConnectWithoutContext(
          "SaState",
          Callback<void, const ikev2::Event&>(
            [&, name](const ikev2::Event& e)
            {
                if (e.type != ikev2::EventType::IkeSaDeleted || kConsensual.count(e.detail) ||
                    !live.IkeOwner(e.spiI, e.spiR))
                {
                    return;
                }
                ++falseTeardowns;
                if (!firstFalseNs)
                {
                    firstFalseNs = Simulator::Now().GetNanoSeconds();
                }
                falseReasons[e.detail] = falseReasons.value(e.detail, 0) + 1;
                collector->AddRow(name,
                                  "false-teardown",
                                  e.detail + " (live on member" +
                                    std::to_string(*live.IkeOwner(e.spiI, e.spiR)) + ")");
            }));
    }

    // --- Inner flows per peer: A_i -> B (port 9000+i) and B -> A_i (port 9000).
    auto makeFlow = [&](Ptr<Node> from, Ptr<Node> to, Ipv4Address dst, uint16_t port, uint32_t id)
    {
        return InstallFlow(from,
                           to,
                           dst,
                           port,
                           id,
                           flags.GetDouble("flowRate"),
                           flags.GetUint("pktSize"),
                           flowStart,
                           simTime - drain);
    };
    for (uint32_t i = 0; i < nPeers; ++i)
    {
        Peer& p = peers[i];
        auto ab = makeFlow(p.host, hostB, hostBAddress, kFlowPort + i, 2 * i + 1);
        auto ba = makeFlow(hostB, p.host, Addr("10.1", i + 1, 2), kFlowPort, 2 * i + 2);
        p.ab = { "ab", ab.first, ab.second, "hostB" };
        p.ba = { "ba", ba.first, ba.second, p.name + "-host" };
    }

    // --- The schedule.
    std::vector<uint32_t> moved;
    for (uint32_t i = 0; i < nPeers; ++i)
    {
        if (assigned[i] == down)
        {
            moved.push_back(i);
        }
    }
    std::optional<uint32_t> rebalanced;
    std::string rebalanceDetail;
    if (rebalanceTime > 0)
    {
        for (uint32_t i = 0; i < nPeers && !rebalanced; ++i)
        {
            if (assigned[i] != down)
            {
                rebalanced = i;
            }
        }
    }
    auto nextLive = [&](uint32_t from)
    {
        uint32_t k = (from + 1) % nMembers;
        return k == down ? (k + 1) % nMembers : k;
    };
    if (rebalanced)
    {
        Simulator::Schedule(Seconds(rebalanceTime),
                            [&, i = *rebalanced]()
                            {
                                uint32_t to = nextLive(assigned[i]);
                                collector->AddRow("lb",
                                                  "rebalance",
                                                  peers[i].name + " member" +
                                                    std::to_string(assigned[i]) + " -> member" +
                                                    std::to_string(to));
                                assigned[i] = to;
                            });
    }
    Simulator::Schedule(Seconds(downTime),
                        [&]()
                        {
                            collector->AddRow(
                              "cluster", "crash", "member" + std::to_string(down) + " taken down");
                            live.ForgetMember(down);
                            memberPower[down]->Crash();
                        });
    Simulator::Schedule(Seconds(moveTime),
                        [&]()
                        {
                            uint32_t to = down;
                            for (uint32_t i : moved)
                            {
                                to = nextLive(to);
                                assigned[i] = to;
                            }
                            collector->AddRow("cluster",
                                              "up",
                                              std::to_string(moved.size()) + " peers of member" +
                                                std::to_string(down) + " moved");
                        });

    if (flags.GetBool("pcap"))
    {
        std::string pcapDir = CreatePcapDir(flags, folder);
        wanLink.EnablePcap(pcapDir + "/lb-wan", lbWanDevices);
    }

    Simulator::Stop(Seconds(simTime));
    Simulator::Run();

    // --- Metrics (doc/metrics.md, per moved peer; doc/load-balancer.md for the cluster ones).
    std::vector<GatewayNode> gateways;
    for (const auto& [name, app] : apps)
    {
        gateways.push_back({ name, app });
    }
    const int64_t endNs = Simulator::Now().GetNanoSeconds();
    auto inputsFor = [&](const Peer& p)
    {
        RecoveryInputs in;
        in.collector = PeekPointer(collector);
        in.failedNode = "cluster";
        in.survivorNode = p.name;
        in.ab = p.ab;
        in.ba = p.ba;
        in.gateways = gateways;
        in.endNs = endNs;
        return in;
    };
    std::vector<double> recAb;
    std::vector<double> recBa;
    std::vector<double> detections;
    bool allRecovered = !moved.empty();
    RecoveryTimes aggregate;
    nlohmann::json perPeer = nlohmann::json::array();
    for (uint32_t i : moved)
    {
        RecoveryInputs in = inputsFor(peers[i]);
        RecoveryTimes t = ComputeTimes(in);
        aggregate.tFail = t.tFail;
        aggregate.tUp = t.tUp;
        auto later = [](std::optional<int64_t>& acc, std::optional<int64_t> v)
        {
            if (v && (!acc || *v > *acc))
            {
                acc = v;
            }
        };
        later(aggregate.tRestoredAb, t.tRestoredAb);
        later(aggregate.tRestoredBa, t.tRestoredBa);
        if (t.tDetect && (!aggregate.tDetect || *t.tDetect < *aggregate.tDetect))
        {
            aggregate.tDetect = t.tDetect;
        }
        nlohmann::json row = { { "peer", peers[i].name } };
        row["recovery_s"] = nullptr;
        row["recovery_ba_s"] = nullptr;
        if (t.tRestoredAb && t.tUp)
        {
            recAb.push_back(static_cast<double>(*t.tRestoredAb - *t.tUp) / 1e9);
            row["recovery_s"] = recAb.back();
        }
        if (t.tRestoredBa && t.tUp)
        {
            recBa.push_back(static_cast<double>(*t.tRestoredBa - *t.tUp) / 1e9);
            row["recovery_ba_s"] = recBa.back();
        }
        if (t.tDetect && t.tUp)
        {
            detections.push_back(static_cast<double>(*t.tDetect - *t.tUp) / 1e9);
        }
        allRecovered = allRecovered && t.tRestoredAb && t.tRestoredBa;
        perPeer.push_back(row);
        if (t.tRestoredAb)
        {
            collector->AddRowAt(*t.tRestoredAb, "hostB", "inner-restored-ab", peers[i].name);
        }
        if (t.tRestoredBa)
        {
            collector->AddRowAt(*t.tRestoredBa, in.ba.sinkNode, "inner-restored-ba", "");
        }
    }
    // Common fields over the window from t_fail to the last moved peer's restoration; the
    // per-flow fields are then replaced by their cluster-wide versions.
    RecoveryInputs all = inputsFor(peers[moved.empty() ? 0 : moved[0]]);
    nlohmann::json summary = ComputeRecoveryMetrics(all, aggregate);
    summary["recovery_s"] = Quantile(recAb, 0.5);
    summary["recovery_p95_s"] = Quantile(recAb, 0.95);
    summary["recovery_ba_s"] = Quantile(recBa, 0.5);
    summary["detection_s"] = Quantile(detections, 0.5);
    summary["recovered"] = allRecovered;
    summary["moved_peers"] = moved.size();
    summary["moved_recovered"] = recAb.size();
    summary["per_moved_peer"] = perPeer;

    // Peers neither moved nor rebalanced must not notice anything after the first disturbance.
    const int64_t disturbFrom =
      static_cast<int64_t>((rebalanced ? std::min(rebalanceTime, downTime) : downTime) * 1e9);
    uint64_t innerLost = 0;
    uint64_t disturbed = 0;
    nlohmann::json disturbedNames = nlohmann::json::array();
    // Disturbed: an IKE SA deleted without agreement, or an outage of at least a second of
    // consecutive datagrams (at least 3), which scattered WAN loss does not produce.
    const uint64_t outageRun =
      std::max<uint64_t>(3, static_cast<uint64_t>(std::ceil(flags.GetDouble("flowRate"))));
    std::set<std::string> teardownPeers;
    for (const auto& r : collector->GetRows())
    {
        if (r.timeNs >= disturbFrom && r.event == "ike-sa-deleted" && !kConsensual.count(r.detail))
        {
            teardownPeers.insert(r.node);
        }
    }
    for (uint32_t i = 0; i < nPeers; ++i)
    {
        const Peer& p = peers[i];
        uint64_t lostAb = LostSince(*p.ab.source, *p.ab.sink, 0);
        uint64_t lostBa = LostSince(*p.ba.source, *p.ba.sink, 0);
        innerLost += lostAb + lostBa;
        bool bystander = std::find(moved.begin(), moved.end(), i) == moved.end() && rebalanced != i;
        if (bystander && (LongestLossRun(*p.ab.source, *p.ab.sink, disturbFrom) >= outageRun ||
                          LongestLossRun(*p.ba.source, *p.ba.sink, disturbFrom) >= outageRun ||
                          teardownPeers.count(p.name)))
        {
            ++disturbed;
            disturbedNames.push_back(p.name);
        }
    }
    summary["inner_lost"] = innerLost;
    summary.erase("inner_lost_ab");
    summary.erase("inner_lost_ba");
    summary.erase("inner_sent_ab");
    summary.erase("inner_sent_ba");
    summary["other_peers"] = nPeers - moved.size() - (rebalanced ? 1 : 0);
    summary["other_peers_disturbed"] = disturbed;
    summary["other_peers_disturbed_names"] = disturbedNames;
    summary["false_teardowns"] = falseTeardowns;
    summary["false_teardown_reasons"] = falseReasons;
    summary["time_to_first_false_teardown_s"] =
      firstFalseNs && rebalanced
        ? nlohmann::json(static_cast<double>(*firstFalseNs) / 1e9 - rebalanceTime)
        : nlohmann::json(nullptr);
    summary["tokens_withheld"] = live.TokensWithheld();
    summary["rebalanced_peer"] = rebalanced ? nlohmann::json(peers[*rebalanced].name) : nullptr;
    if (rebalanced)
    {
        // The rebalanced peer's outage: its A->B datagrams lost after the rebalance, in time.
        const Peer& p = peers[*rebalanced];
        uint64_t lost =
          LostSince(*p.ab.source, *p.ab.sink, static_cast<int64_t>(rebalanceTime * 1e9));
        summary["rebalance_lost_ab"] = lost;
        summary["downtime_s"] = static_cast<double>(lost) / flags.GetDouble("flowRate");
    }
    else
    {
        summary["rebalance_lost_ab"] = nullptr;
        summary["downtime_s"] = 0.0;
    }

    std::string scheme = flags.GetString("scheme");
    AddCommonSummary(summary, "load-balancer", flags);
    summary["live_sa_list"] = listMode;
    nlohmann::json notes = nlohmann::json::array();
    notes.push_back("The cluster-wide list of live SAs is an in-simulation table updated "
                    "instantly from the members' SA events: no synchronisation delay or loss.");
    notes.push_back("A member taken down never comes back; its SAs are not synchronised to the "
                    "others (no SA state sharing): moved peers always need a new IKE SA.");
    if (scheme == "initial-contact")
    {
        notes.push_back("initial-contact: the members that take over never had state for the "
                        "moved peers, so nobody re-initiates with INITIAL_CONTACT: behaves like "
                        "none here.");
    }
    if (scheme == "sir" || scheme == "trust" || scheme == "hint")
    {
        notes.push_back(scheme + ": members answer from their own state only; the list is "
                                 "consulted by QCD token makers (liveElsewhere) and by the load "
                                 "balancer (liveSaList=on), not by this scheme.");
    }
    summary["notes"] = notes;

    nlohmann::json params =
      CommonParams("load-balancer", flags, memberApps[0]->GetCpuModel()->GetTable().ToString());
    params["topology"] = { { "vip", "192.0.2.100" },
                           { "alice_wan", "172.16.<i+1>.1" },
                           { "protected_a", "10.1.<i+1>.0/24" },
                           { "protected_b", "10.2.0.0/16" },
                           { "host_b", "10.2.1.2" },
                           { "peers", nPeers },
                           { "members", nMembers },
                           { "initial_assignment", "peer i -> member i mod members" } };

    double wall = 0;
    if (!WriteRunFolder(
          "load-balancer", flags, folder, params, summary, *collector, wallStart, simTime, wall))
    {
        return 1;
    }
    std::cout << "load-balancer scheme=" << scheme << " liveSaList=" << listMode
              << " recovery_s=" << summary["recovery_s"].dump()
              << " recovery_p95_s=" << summary["recovery_p95_s"].dump()
              << " recovered=" << summary["recovered"].dump() << " moved_peers=" << moved.size()
              << " false_teardowns=" << falseTeardowns << " other_peers_disturbed=" << disturbed
              << " wall_s=" << wall << " out=" << folder.Directory() << std::endl;
    return 0;
}

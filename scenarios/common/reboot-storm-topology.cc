#include "reboot-storm-topology.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/error-model.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-list-routing-helper.h"
#include "ns3/ipv4-list-routing.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/queue-size.h"
#include "ns3/string.h"

#include <sstream>

namespace scenarios
{

using namespace ns3;

namespace
{

// Addresses are assigned directly rather than with Ipv4AddressHelper: its global collision
// list is walked on every allocation, which is quadratic over N /30 links.
uint32_t
AddInterface(Ptr<Node> node, Ptr<NetDevice> device, Ipv4Address address, Ipv4Mask mask)
{
    Ptr<Ipv4> ip = node->GetObject<Ipv4>();
    int32_t index = ip->AddInterface(device);
    ip->AddAddress(index, Ipv4InterfaceAddress(address, mask));
    ip->SetMetric(index, 1);
    ip->SetUp(index);
    return static_cast<uint32_t>(index);
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

Ptr<HostRouting>
AddHostRouting(Ptr<Node> node)
{
    auto list = DynamicCast<Ipv4ListRouting>(node->GetObject<Ipv4>()->GetRoutingProtocol());
    NS_ABORT_MSG_IF(!list, "reboot-storm: node " << node->GetId() << " lacks list routing");
    Ptr<HostRouting> routing = CreateObject<HostRouting>();
    list->AddRoutingProtocol(routing, 10); // before static routing (priority 0)
    return routing;
}

} // namespace

StormTopology
BuildStormTopology(const StormParams& p, int64_t stream)
{
    StormTopology t;
    NodeContainer core;
    core.Create(3);
    t.bob = core.Get(0);
    t.router = core.Get(1);
    t.hostB = core.Get(2);
    t.peers.Create(p.peers);

    InternetStackHelper internet;
    Ipv4StaticRoutingHelper staticRouting;
    internet.SetRoutingHelper(staticRouting); // static only: routes are configuration
    Ipv4ListRoutingHelper list;
    list.Add(staticRouting, 0);
    InternetStackHelper listInternet;
    listInternet.SetRoutingHelper(list);
    // Same order as one Install(core): bob, router, host B.
    listInternet.Install(NodeContainer(t.bob, t.router));
    internet.Install(t.hostB);
    internet.Install(t.peers);
    t.routerHosts = AddHostRouting(t.router);
    t.bobHosts = AddHostRouting(t.bob);
    // Strong end system: "is this packet mine?" checks the arrival interface only, not N+1.
    t.router->GetObject<Ipv4>()->SetAttribute("WeakEsModel", BooleanValue(false));

    // Two hops from a peer to Bob: each link carries a quarter of the round trip.
    Time hop = Seconds(p.wan.rttS / 4);
    PointToPointHelper uplink;
    uplink.SetDeviceAttribute("DataRate", StringValue(p.bobLinkRate));
    uplink.SetChannelAttribute("Delay", TimeValue(hop));
    uplink.SetQueue("ns3::DropTailQueue<Packet>",
                    "MaxSize",
                    QueueSizeValue(QueueSize(std::to_string(p.bobQueuePackets) + "p")));
    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue(p.wan.rate));
    access.SetChannelAttribute("Delay", TimeValue(hop));
    PointToPointHelper lan;
    lan.SetDeviceAttribute("DataRate", StringValue(p.wan.lanRate));
    lan.SetChannelAttribute("Delay", TimeValue(Seconds(p.wan.lanDelayS)));

    Ipv4Mask slash30("255.255.255.252");
    t.uplink = uplink.Install(t.bob, t.router);
    uint32_t bobUp = AddInterface(t.bob, t.uplink.Get(0), t.bobWanAddress, slash30);
    uint32_t routerUp = AddInterface(t.router, t.uplink.Get(1), Ipv4Address("192.0.2.1"), slash30);
    t.routerHosts->AddHostRoute(t.bobWanAddress, routerUp);
    if (p.wan.loss > 0)
    {
        AddLoss(t.uplink.Get(0), p.wan.loss, stream);
        AddLoss(t.uplink.Get(1), p.wan.loss, stream + 1);
    }
    staticRouting.GetStaticRouting(t.bob->GetObject<Ipv4>())
      ->SetDefaultRoute(Ipv4Address("192.0.2.1"), bobUp);

    NetDeviceContainer lanB = lan.Install(t.bob, t.hostB);
    Ipv4Mask slash24("255.255.255.0");
    AddInterface(t.bob, lanB.Get(0), Ipv4Address("10.2.0.1"), slash24);
    uint32_t hostIf = AddInterface(t.hostB, lanB.Get(1), t.hostBAddress, slash24);
    staticRouting.GetStaticRouting(t.hostB->GetObject<Ipv4>())
      ->SetDefaultRoute(Ipv4Address("10.2.0.1"), hostIf);

    uint32_t accessBase = Ipv4Address("100.64.0.0").Get();
    uint32_t innerBase = Ipv4Address("172.16.0.0").Get();
    t.peerWan.reserve(p.peers);
    t.peerInner.reserve(p.peers);
    for (uint32_t i = 0; i < p.peers; ++i)
    {
        Ptr<Node> peer = t.peers.Get(i);
        NetDeviceContainer link = access.Install(peer, t.router);
        Ipv4Address routerSide(accessBase + 4 * i + 1);
        Ipv4Address peerSide(accessBase + 4 * i + 2);
        uint32_t peerIf = AddInterface(peer, link.Get(0), peerSide, slash30);
        uint32_t routerIf = AddInterface(t.router, link.Get(1), routerSide, slash30);
        t.routerHosts->AddHostRoute(peerSide, routerIf);
        staticRouting.GetStaticRouting(peer->GetObject<Ipv4>())
          ->SetDefaultRoute(routerSide, peerIf);
        t.peerWan.push_back(peerSide);
        t.peerInner.push_back(Ipv4Address(innerBase + i + 1));
    }
    return t;
}

void
MoveTunnelRoutes(const StormTopology& topo)
{
    topo.bobHosts->TakeHostRoutes(
      Ipv4StaticRoutingHelper().GetStaticRouting(topo.bob->GetObject<Ipv4>()));
}

std::string
PeerSubnet(const StormTopology& topo, uint32_t i)
{
    std::ostringstream s;
    topo.peerInner.at(i).Print(s);
    return s.str() + "/32";
}

} // namespace scenarios

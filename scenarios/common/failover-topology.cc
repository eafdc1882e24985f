#include "failover-topology.h"

#include "ns3/csma-helper.h"
#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/error-model.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/mac48-address.h"
#include "ns3/pointer.h"
#include "ns3/string.h"

namespace scenarios
{

using namespace ns3;

namespace
{

const Ipv4Mask kMask24("255.255.255.0");

void
AddLoss(Ptr<NetDevice> device, double loss, int64_t stream)
{
    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
    em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
    em->SetAttribute("ErrorRate", DoubleValue(loss));
    em->AssignStreams(stream);
    device->SetAttribute("ReceiveErrorModel", PointerValue(em));
}

uint32_t
AddInterface(Ptr<NetDevice> device, Ipv4Address address, Ipv4Mask mask, bool up)
{
    Ptr<Ipv4> ipv4 = device->GetNode()->GetObject<Ipv4>();
    uint32_t i = ipv4->AddInterface(device);
    ipv4->AddAddress(i, Ipv4InterfaceAddress(address, mask));
    if (up)
    {
        ipv4->SetUp(i);
    }
    return i;
}

Ptr<Ipv4StaticRouting>
Routing(Ptr<Node> node)
{
    return Ipv4StaticRoutingHelper().GetStaticRouting(node->GetObject<Ipv4>());
}

} // namespace

FailoverTopology
BuildFailoverTopology(const WanParams& p, int64_t stream)
{
    FailoverTopology t;
    NodeContainer nodes;
    nodes.Create(6);
    t.hostA = nodes.Get(0);
    t.alice = nodes.Get(1);
    t.router = nodes.Get(2);
    t.active = nodes.Get(3);
    t.standby = nodes.Get(4);
    t.hostB = nodes.Get(5);

    InternetStackHelper internet;
    Ipv4StaticRoutingHelper staticRouting;
    internet.SetRoutingHelper(staticRouting); // static only: routes are configuration
    internet.Install(nodes);

    PointToPointHelper lan;
    lan.SetDeviceAttribute("DataRate", StringValue(p.lanRate));
    lan.SetChannelAttribute("Delay", TimeValue(Seconds(p.lanDelayS)));
    // The whole WAN delay is on Alice's access link; the edge segment is a LAN.
    t.wanHelper.SetDeviceAttribute("DataRate", StringValue(p.rate));
    t.wanHelper.SetChannelAttribute("Delay", TimeValue(Seconds(p.rttS / 2)));
    CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", StringValue(p.lanRate));
    csma.SetChannelAttribute("Delay", TimeValue(Seconds(p.lanDelayS)));

    NetDeviceContainer lanA = lan.Install(t.hostA, t.alice);
    t.wan = t.wanHelper.Install(t.alice, t.router);
    NetDeviceContainer edge = csma.Install(NodeContainer(t.router, t.active, t.standby));
    NetDeviceContainer lanB = csma.Install(NodeContainer(t.active, t.standby, t.hostB));
    NetDeviceContainer sync = lan.Install(t.active, t.standby);
    if (p.loss > 0)
    {
        AddLoss(t.wan.Get(0), p.loss, stream);
        AddLoss(t.wan.Get(1), p.loss, stream + 1);
    }
    // VRRP virtual MACs: VRID 1 on the edge segment, VRID 2 on LAN B.
    for (uint32_t i : { 1u, 2u })
    {
        edge.Get(i)->SetAddress(Mac48Address("00:00:5e:00:01:01"));
        lanB.Get(i - 1)->SetAddress(Mac48Address("00:00:5e:00:01:02"));
    }

    AddInterface(lanA.Get(0), t.hostAAddress, kMask24, true);
    AddInterface(lanA.Get(1), t.aliceLanAddress, kMask24, true);
    uint32_t aliceWan = AddInterface(t.wan.Get(0), t.aliceWanAddress, kMask24, true);
    AddInterface(t.wan.Get(1), t.routerWanAddress, kMask24, true);
    AddInterface(edge.Get(0), t.routerEdgeAddress, kMask24, true);
    uint32_t activeEdge = AddInterface(edge.Get(1), t.bobWanAddress, kMask24, true);
    t.standbyEdgeInterface = AddInterface(edge.Get(2), t.bobWanAddress, kMask24, false);
    AddInterface(lanB.Get(0), t.bobLanAddress, kMask24, true);
    t.standbyLanInterface = AddInterface(lanB.Get(1), t.bobLanAddress, kMask24, false);
    uint32_t hostBLan = AddInterface(lanB.Get(2), t.hostBAddress, kMask24, true);
    AddInterface(sync.Get(0), t.activeSyncAddress, Ipv4Mask("255.255.255.252"), true);
    AddInterface(sync.Get(1), t.standbySyncAddress, Ipv4Mask("255.255.255.252"), true);

    Routing(t.hostA)->SetDefaultRoute(t.aliceLanAddress, 1);
    Routing(t.alice)->SetDefaultRoute(t.routerWanAddress, aliceWan);
    Routing(t.active)->SetDefaultRoute(t.routerEdgeAddress, activeEdge);
    Routing(t.hostB)->SetDefaultRoute(t.bobLanAddress, hostBLan);
    return t;
}

void
TakeOverSharedAddress(FailoverTopology& t)
{
    Ptr<Ipv4> ipv4 = t.standby->GetObject<Ipv4>();
    ipv4->SetUp(t.standbyEdgeInterface);
    ipv4->SetUp(t.standbyLanInterface);
    Routing(t.standby)->SetDefaultRoute(t.routerEdgeAddress, t.standbyEdgeInterface);
}

void
EnableFailoverWanPcap(FailoverTopology& topo, const std::string& prefix)
{
    topo.wanHelper.EnablePcap(prefix, topo.wan.Get(0), false);
}

} // namespace scenarios

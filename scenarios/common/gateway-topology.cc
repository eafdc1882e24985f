#include "gateway-topology.h"

#include "ns3/double.h"
#include "ns3/enum.h"
#include "ns3/error-model.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/pointer.h"
#include "ns3/string.h"

namespace scenarios
{

using namespace ns3;

namespace
{

void
AddLoss(Ptr<NetDevice> device, double loss, int64_t stream)
{
    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
    em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
    em->SetAttribute("ErrorRate", DoubleValue(loss));
    em->AssignStreams(stream);
    device->SetAttribute("ReceiveErrorModel", PointerValue(em));
}

} // namespace

GatewayPair
BuildGatewayPair(const WanParams& p, int64_t stream)
{
    GatewayPair t;
    NodeContainer nodes;
    nodes.Create(4);
    t.hostA = nodes.Get(0);
    t.alice = nodes.Get(1);
    t.bob = nodes.Get(2);
    t.hostB = nodes.Get(3);

    InternetStackHelper internet;
    Ipv4StaticRoutingHelper staticRouting;
    internet.SetRoutingHelper(staticRouting); // static only: routes are configuration
    internet.Install(nodes);

    PointToPointHelper lan;
    lan.SetDeviceAttribute("DataRate", StringValue(p.lanRate));
    lan.SetChannelAttribute("Delay", TimeValue(Seconds(p.lanDelayS)));
    t.wanHelper.SetDeviceAttribute("DataRate", StringValue(p.rate));
    t.wanHelper.SetChannelAttribute("Delay", TimeValue(Seconds(p.rttS / 2)));

    t.lanA = lan.Install(t.hostA, t.alice);
    t.wan = t.wanHelper.Install(t.alice, t.bob);
    t.lanB = lan.Install(t.bob, t.hostB);
    if (p.loss > 0)
    {
        AddLoss(t.wan.Get(0), p.loss, stream);
        AddLoss(t.wan.Get(1), p.loss, stream + 1);
    }

    Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.0.0", "255.255.255.0", "0.0.0.1");
    Ipv4InterfaceContainer lanA =
      addresses.Assign(NetDeviceContainer(t.lanA.Get(1), t.lanA.Get(0)));
    addresses.SetBase("192.0.2.0", "255.255.255.0", "0.0.0.1");
    Ipv4InterfaceContainer wan = addresses.Assign(t.wan);
    addresses.SetBase("10.2.0.0", "255.255.255.0", "0.0.0.1");
    Ipv4InterfaceContainer lanB = addresses.Assign(t.lanB);
    t.aliceLanAddress = lanA.GetAddress(0);
    t.hostAAddress = lanA.GetAddress(1);
    t.aliceWanAddress = wan.GetAddress(0);
    t.bobWanAddress = wan.GetAddress(1);
    t.bobLanAddress = lanB.GetAddress(0);
    t.hostBAddress = lanB.GetAddress(1);

    staticRouting.GetStaticRouting(t.hostA->GetObject<Ipv4>())
      ->SetDefaultRoute(t.aliceLanAddress, lanA.Get(1).second);
    staticRouting.GetStaticRouting(t.hostB->GetObject<Ipv4>())
      ->SetDefaultRoute(t.bobLanAddress, lanB.Get(1).second);
    return t;
}

void
EnableWanPcap(GatewayPair& topo, const std::string& prefix)
{
    topo.wanHelper.EnablePcap(prefix, topo.wan, false);
}

} // namespace scenarios

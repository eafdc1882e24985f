#include "sa-loss-hosts.h"

#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"

namespace scenarios
{

using namespace ns3;

SecondHostPair
AddSecondHostPair(GatewayPair& topo, const WanParams& params)
{
    SecondHostPair s;
    NodeContainer hosts;
    hosts.Create(2);
    s.hostC = hosts.Get(0);
    s.hostD = hosts.Get(1);
    InternetStackHelper internet;
    Ipv4StaticRoutingHelper staticRouting;
    internet.SetRoutingHelper(staticRouting);
    internet.Install(hosts);

    PointToPointHelper lan;
    lan.SetDeviceAttribute("DataRate", StringValue(params.lanRate));
    lan.SetChannelAttribute("Delay", TimeValue(Seconds(params.lanDelayS)));
    NetDeviceContainer lanC = lan.Install(topo.alice, s.hostC);
    NetDeviceContainer lanD = lan.Install(topo.bob, s.hostD);

    Ipv4AddressHelper addresses;
    addresses.SetBase("10.3.0.0", "255.255.255.0", "0.0.0.1");
    Ipv4InterfaceContainer c = addresses.Assign(lanC);
    addresses.SetBase("10.4.0.0", "255.255.255.0", "0.0.0.1");
    Ipv4InterfaceContainer d = addresses.Assign(lanD);
    s.hostCAddress = c.GetAddress(1);
    s.hostDAddress = d.GetAddress(1);
    staticRouting.GetStaticRouting(s.hostC->GetObject<Ipv4>())
      ->SetDefaultRoute(c.GetAddress(0), c.Get(1).second);
    staticRouting.GetStaticRouting(s.hostD->GetObject<Ipv4>())
      ->SetDefaultRoute(d.GetAddress(0), d.Get(1).second);
    return s;
}

} // namespace scenarios

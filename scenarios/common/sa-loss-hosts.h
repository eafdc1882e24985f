// The second host pair of the sa-loss scenario: a second protected subnet behind each gateway of
// a GatewayPair, so that two independent tunnels (two IKE SAs) run between the same gateways.
//
//   host C --LAN-- Alice ==WAN== Bob --LAN-- host D
//   10.3.0.2    10.3.0.1            10.4.0.1    10.4.0.2
#ifndef SCENARIOS_SA_LOSS_HOSTS_H
#define SCENARIOS_SA_LOSS_HOSTS_H

#include "gateway-topology.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <string>

namespace scenarios
{

struct SecondHostPair
{
    ns3::Ptr<ns3::Node> hostC; ///< behind Alice
    ns3::Ptr<ns3::Node> hostD; ///< behind Bob
    ns3::Ipv4Address hostCAddress{ "10.3.0.2" };
    ns3::Ipv4Address hostDAddress{ "10.4.0.2" };
    std::string subnetC{ "10.3.0.0/24" };
    std::string subnetD{ "10.4.0.0/24" };
};

/// Adds host C on a new LAN of Alice's and host D on a new LAN of Bob's (the LAN parameters of
/// @p params), with IPv4, addresses and the hosts' default routes. Call after
/// BuildGatewayPair and before IkeHelper::Install (the tunnel device takes the next interface).
SecondHostPair AddSecondHostPair(GatewayPair& topo, const WanParams& params);

} // namespace scenarios

#endif

// The two-site topology most scenarios share:
//
//   host A --LAN-- gateway Alice ==WAN (delay, rate, loss)== gateway Bob --LAN-- host B
//   10.1.0.2      10.1.0.1 | 192.0.2.1           192.0.2.2 | 10.2.0.1      10.2.0.2
//
// Point-to-point links everywhere, static routing (the hosts' default route is their gateway;
// the gateways route the remote protected subnet into their tunnel device, see IkeHelper).
#ifndef SCENARIOS_GATEWAY_TOPOLOGY_H
#define SCENARIOS_GATEWAY_TOPOLOGY_H

#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/point-to-point-helper.h"

#include <string>

namespace scenarios
{

struct WanParams
{
    double rttS{ 0.05 };            ///< gateway-to-gateway round-trip propagation delay
    std::string rate{ "10Mbps" };   ///< WAN link rate
    double loss{ 0 };               ///< packet loss probability on each WAN direction
    std::string lanRate{ "1Gbps" }; ///< host-gateway links
    double lanDelayS{ 0.0001 };     ///< one way, host-gateway links
};

struct GatewayPair
{
    ns3::Ptr<ns3::Node> hostA;
    ns3::Ptr<ns3::Node> alice;
    ns3::Ptr<ns3::Node> bob;
    ns3::Ptr<ns3::Node> hostB;
    ns3::NetDeviceContainer lanA; ///< hostA, alice
    ns3::NetDeviceContainer wan;  ///< alice, bob
    ns3::NetDeviceContainer lanB; ///< bob, hostB
    ns3::Ipv4Address hostAAddress{ "10.1.0.2" };
    ns3::Ipv4Address aliceLanAddress{ "10.1.0.1" };
    ns3::Ipv4Address aliceWanAddress{ "192.0.2.1" };
    ns3::Ipv4Address bobWanAddress{ "192.0.2.2" };
    ns3::Ipv4Address bobLanAddress{ "10.2.0.1" };
    ns3::Ipv4Address hostBAddress{ "10.2.0.2" };
    std::string subnetA{ "10.1.0.0/24" };
    std::string subnetB{ "10.2.0.0/24" };
    ns3::PointToPointHelper wanHelper;
};

/// Builds the nodes, links, IPv4 stacks, addresses and the hosts' default routes. The loss
/// models draw from streams starting at @p stream (returns the next free stream).
GatewayPair BuildGatewayPair(const WanParams& params, int64_t stream = 100);
/// pcap on the two WAN devices: <prefix>-alice.pcap and <prefix>-bob.pcap style names (ns-3
/// appends node and device ids).
void EnableWanPcap(GatewayPair& topo, const std::string& prefix);

} // namespace scenarios

#endif

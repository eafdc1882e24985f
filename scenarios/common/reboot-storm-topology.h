// The reboot-storm topology: one gateway Bob (with host B behind him) and N peer gateways in a
// star around one WAN router.
//
//   peer i (100.64.x.y+2) --access link i-- router --Bob's uplink-- Bob (192.0.2.2) -- host B
//   protected address 172.16.x.y/32         (100.64.x.y+1)          10.2.0.1        10.2.0.2
//
// Each peer gateway's protected "subnet" is one /32, the address of its own tunnel device, so
// that its inner flow can be generated on the gateway itself (no host node per peer: a host
// costs a node, a link and an interface on the gateway, which at N=10,000 doubles memory for
// nothing the scenario measures). Bob has two interfaces whatever N is; the router has N+1.
#ifndef SCENARIOS_REBOOT_STORM_TOPOLOGY_H
#define SCENARIOS_REBOOT_STORM_TOPOLOGY_H

#include "gateway-topology.h"
#include "host-routing.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"

#include <string>
#include <vector>

namespace scenarios
{

struct StormParams
{
    uint32_t peers{ 10 };
    WanParams wan;                      ///< rtt: peer-to-Bob RTT; rate: each access link
    std::string bobLinkRate{ "1Gbps" }; ///< Bob's uplink to the router (shared by all peers)
    uint32_t bobQueuePackets{ 1000 };   ///< router->Bob and Bob->router device queues
};

struct StormTopology
{
    ns3::Ptr<ns3::Node> bob;
    ns3::Ptr<ns3::Node> router;
    ns3::Ptr<ns3::Node> hostB;
    ns3::NodeContainer peers;
    std::vector<ns3::Ipv4Address> peerWan;   ///< outer address of peer i
    std::vector<ns3::Ipv4Address> peerInner; ///< protected /32 (tunnel device) of peer i
    ns3::NetDeviceContainer uplink;          ///< bob, router
    ns3::Ipv4Address bobWanAddress{ "192.0.2.2" };
    ns3::Ipv4Address hostBAddress{ "10.2.0.2" };
    std::string subnetB{ "10.2.0.0/24" };
    /// Host routes before static routing (host-routing.h): at the router, every peer's and
    /// Bob's WAN address; at Bob, the peers' tunnel /32s (MoveTunnelRoutes).
    ns3::Ptr<HostRouting> routerHosts;
    ns3::Ptr<HostRouting> bobHosts;
};

/// Largest N the address plan holds (and the per-peer UDP ports on host B allow).
constexpr uint32_t kStormMaxPeers = 50000;

/// Nodes, links, stacks, addresses and static routes (peers and Bob: default route to the
/// router; host B: default route to Bob); Bob and the router route through Ipv4ListRouting
/// (HostRouting, then static routing). The router runs the strong end-system model (RFC 1122
/// 3.3.4.2), so that telling whether a packet is its own checks the arrival interface's
/// addresses only, not all N+1 interfaces' (no packet in the scenario is addressed to one of
/// its interfaces). Loss (WanParams::loss) applies to Bob's uplink in
/// both directions, the one link every peer's traffic crosses; loss models draw from streams
/// starting at @p stream.
StormTopology BuildStormTopology(const StormParams& params, int64_t stream = 100);

/// Moves Bob's /32 routes (the peers' tunnel routes IkeHelper::AddConnection added to his
/// static routing) into topo.bobHosts: call after the last AddConnection. Besides the O(1)
/// lookup, this leaves CrashControl a handful of static routes to save and restore.
void MoveTunnelRoutes(const StormTopology& topo);

/// "172.16.0.0/32"-style string of peer i's protected address.
std::string PeerSubnet(const StormTopology& topo, uint32_t i);

} // namespace scenarios

#endif

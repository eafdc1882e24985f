// The failover topology: Bob is an active/standby pair behind a WAN router.
//
//   host A --LAN-- Alice ==WAN== router ---edge segment (CSMA)---+-- Bob active  --+
//   10.1.0.2  10.1.0.1|198.51.100.1  198.51.100.2|192.0.2.1       |   192.0.2.2     | sync link
//                                                                +-- Bob standby --+ 10.3.0.1/.2
//                                  host B 10.2.0.2 --LAN B (CSMA)-- both at 10.2.0.1
//
// Both members carry the SAME outer (192.0.2.2) and inner (10.2.0.1) addresses and, as VRRP does
// (RFC 5798 7.3), the same virtual MAC address on each segment (00:00:5e:00:01:<VRID>). The
// standby's two interfaces stay down until it takes over, so only the active one answers.
// Taking over = bringing them up and restoring the default route: the router's ARP entry and
// host B's stay valid because the MAC moved with the address, which is why VRRP uses a virtual
// MAC (ns-3's ARP ignores gratuitous ARP for an entry it already has, so the alternative, a new
// MAC announced by gratuitous ARP, would need an ARP model change).
#ifndef SCENARIOS_FAILOVER_TOPOLOGY_H
#define SCENARIOS_FAILOVER_TOPOLOGY_H

#include "gateway-topology.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node.h"
#include "ns3/point-to-point-helper.h"

#include <string>

namespace scenarios
{

struct FailoverTopology
{
    ns3::Ptr<ns3::Node> hostA;
    ns3::Ptr<ns3::Node> alice;
    ns3::Ptr<ns3::Node> router;
    ns3::Ptr<ns3::Node> active;
    ns3::Ptr<ns3::Node> standby;
    ns3::Ptr<ns3::Node> hostB;
    ns3::NetDeviceContainer wan; ///< alice, router
    ns3::Ipv4Address hostAAddress{ "10.1.0.2" };
    ns3::Ipv4Address aliceLanAddress{ "10.1.0.1" };
    ns3::Ipv4Address aliceWanAddress{ "198.51.100.1" };
    ns3::Ipv4Address routerWanAddress{ "198.51.100.2" };
    ns3::Ipv4Address routerEdgeAddress{ "192.0.2.1" };
    ns3::Ipv4Address bobWanAddress{ "192.0.2.2" }; ///< shared by active and standby
    ns3::Ipv4Address bobLanAddress{ "10.2.0.1" };  ///< shared by active and standby
    ns3::Ipv4Address hostBAddress{ "10.2.0.2" };
    ns3::Ipv4Address activeSyncAddress{ "10.3.0.1" };
    ns3::Ipv4Address standbySyncAddress{ "10.3.0.2" };
    std::string subnetA{ "10.1.0.0/24" };
    std::string subnetB{ "10.2.0.0/24" };
    uint32_t standbyEdgeInterface{ 0 }; ///< IPv4 interface indices on the standby
    uint32_t standbyLanInterface{ 0 };
    ns3::PointToPointHelper wanHelper;
};

/// Nodes, links, addresses, routes; the standby's shared-address interfaces are down. The WAN
/// loss models draw from streams starting at @p stream.
FailoverTopology BuildFailoverTopology(const WanParams& params, int64_t stream = 100);
/// The standby takes the shared addresses: its edge and LAN interfaces come up and its default
/// route via the router is installed (ns-3 static routing drops routes of a down interface).
void TakeOverSharedAddress(FailoverTopology& topo);
/// pcap on Alice's WAN device (the router's side is the same traffic).
void EnableFailoverWanPcap(FailoverTopology& topo, const std::string& prefix);

} // namespace scenarios

#endif

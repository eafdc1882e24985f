// Host (/32) routes in a hash map, as an ns-3 routing protocol placed before static routing in
// a node's Ipv4ListRouting. Why: Ipv4StaticRouting keeps its routes in a list and walks all of
// them on every lookup (longest-prefix match), which is O(N) per packet at a node with N host
// routes (reboot-storm's WAN router and gateway Bob, doc/reboot-storm.md "Scale"). A /32 is the
// longest prefix there is, so answering for exactly the destinations in the map and letting
// everything else fall through to static routing chooses the same next hop as before.
#ifndef SCENARIOS_HOST_ROUTING_H
#define SCENARIOS_HOST_ROUTING_H

#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"

#include <unordered_map>

namespace scenarios
{

class HostRouting : public ns3::Ipv4RoutingProtocol
{
  public:
    static ns3::TypeId GetTypeId();

    /// Packets to @p dest leave on @p interface, to @p gateway (0.0.0.0: dest is on the link).
    void AddHostRoute(ns3::Ipv4Address dest,
                      uint32_t interface,
                      ns3::Ipv4Address gateway = ns3::Ipv4Address::GetZero());
    /// Moves every /32 route of @p routing into this table (removing it there), keeping the
    /// order of the routes left behind; returns how many moved. Linear in the routes when the
    /// non-/32 routes come first (each GetRoute(i)/RemoveRoute(i) of static routing is O(i)).
    uint32_t TakeHostRoutes(ns3::Ptr<ns3::Ipv4StaticRouting> routing);
    uint32_t GetNRoutes() const;

    ns3::Ptr<ns3::Ipv4Route> RouteOutput(ns3::Ptr<ns3::Packet> p,
                                         const ns3::Ipv4Header& header,
                                         ns3::Ptr<ns3::NetDevice> oif,
                                         ns3::Socket::SocketErrno& sockerr) override;
    bool RouteInput(ns3::Ptr<const ns3::Packet> p,
                    const ns3::Ipv4Header& header,
                    ns3::Ptr<const ns3::NetDevice> idev,
                    UnicastForwardCallback ucb,
                    MulticastForwardCallback mcb,
                    LocalDeliverCallback lcb,
                    ErrorCallback ecb) override;
    // Routes are configuration here: an interface that goes down keeps its entries, which are
    // skipped while it is down (static routing would have dropped and, through CrashControl,
    // later restored them: the same answers).
    void NotifyInterfaceUp(uint32_t interface) override {}
    void NotifyInterfaceDown(uint32_t interface) override {}
    void NotifyAddAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override {}
    void NotifyRemoveAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override {}
    void SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4) override;
    void PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper> stream,
                           ns3::Time::Unit unit = ns3::Time::S) const override;

  private:
    /// The route to @p dest, or null when it is not in the map or its interface is down.
    ns3::Ptr<ns3::Ipv4Route> Lookup(ns3::Ipv4Address dest) const;

    struct Entry
    {
        uint32_t interface;
        ns3::Ipv4Address gateway;
    };
    ns3::Ptr<ns3::Ipv4> m_ipv4;
    std::unordered_map<uint32_t, Entry> m_routes; ///< key: destination address
};

} // namespace scenarios

#endif

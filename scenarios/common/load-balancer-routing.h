// The load balancer's forwarding decision as an ns-3 routing protocol: packets whose member is
// chosen by a callback (for dst == the cluster address at the load balancer; for a peer's inner
// subnet at the inside router) leave on that member's link; everything else falls through to
// the next protocol of the node's Ipv4ListRouting (static routing). Why a routing protocol and
// not static routes: ns-3's static routing cannot match on the source address, and the choice
// may depend on the packet's SPIs (doc/load-balancer.md).
#ifndef SCENARIOS_LOAD_BALANCER_ROUTING_H
#define SCENARIOS_LOAD_BALANCER_ROUTING_H

#include "ns3/ipv4-routing-protocol.h"
#include "ns3/ipv4.h"

#include <functional>
#include <vector>

namespace scenarios
{

/// Which member a packet goes to: its index, or -1 when this protocol does not route it.
/// @p packet starts after the IPv4 header; it is null for RouteOutput during socket setup.
using MemberChooser = std::function<int(const ns3::Ipv4Header& header, const ns3::Packet* packet)>;

class ClusterRouting : public ns3::Ipv4RoutingProtocol
{
  public:
    static ns3::TypeId GetTypeId();

    void SetChooser(MemberChooser chooser);
    /// Member @p index is reached through interface @p interface towards @p nextHop.
    void AddMember(uint32_t interface, ns3::Ipv4Address nextHop);

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
    void NotifyInterfaceUp(uint32_t interface) override {}
    void NotifyInterfaceDown(uint32_t interface) override {}
    void NotifyAddAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override {}
    void NotifyRemoveAddress(uint32_t interface, ns3::Ipv4InterfaceAddress address) override {}
    void SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4) override;
    void PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper> stream,
                           ns3::Time::Unit unit = ns3::Time::S) const override;

  private:
    ns3::Ptr<ns3::Ipv4Route> RouteTo(int member, const ns3::Ipv4Header& header) const;

    struct Member
    {
        uint32_t interface;
        ns3::Ipv4Address nextHop;
    };
    ns3::Ptr<ns3::Ipv4> m_ipv4;
    MemberChooser m_chooser;
    std::vector<Member> m_members;
};

} // namespace scenarios

#endif

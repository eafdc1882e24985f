#include "load-balancer-routing.h"

#include "ns3/log.h"
#include "ns3/output-stream-wrapper.h"

namespace scenarios
{

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("ClusterRouting");

TypeId
ClusterRouting::GetTypeId()
{
    static TypeId tid = TypeId("scenarios::ClusterRouting")
                          .SetParent<Ipv4RoutingProtocol>()
                          .SetGroupName("Ikev2")
                          .AddConstructor<ClusterRouting>();
    return tid;
}

void
ClusterRouting::SetChooser(MemberChooser chooser)
{
    m_chooser = std::move(chooser);
}

void
ClusterRouting::AddMember(uint32_t interface, Ipv4Address nextHop)
{
    m_members.push_back({ interface, nextHop });
}

void
ClusterRouting::SetIpv4(Ptr<Ipv4> ipv4)
{
    m_ipv4 = ipv4;
}

Ptr<Ipv4Route>
ClusterRouting::RouteTo(int member, const Ipv4Header& header) const
{
    if (member < 0 || static_cast<size_t>(member) >= m_members.size() || !m_ipv4)
    {
        return nullptr;
    }
    const Member& m = m_members[member];
    Ptr<Ipv4Route> route = Create<Ipv4Route>();
    route->SetDestination(header.GetDestination());
    route->SetGateway(m.nextHop);
    route->SetOutputDevice(m_ipv4->GetNetDevice(m.interface));
    route->SetSource(m_ipv4->GetAddress(m.interface, 0).GetLocal());
    return route;
}

Ptr<Ipv4Route>
ClusterRouting::RouteOutput(Ptr<Packet> p,
                            const Ipv4Header& header,
                            Ptr<NetDevice> oif,
                            Socket::SocketErrno& sockerr)
{
    int member = m_chooser ? m_chooser(header, PeekPointer(p)) : -1;
    Ptr<Ipv4Route> route = RouteTo(member, header);
    if (route && oif && route->GetOutputDevice() != oif)
    {
        route = nullptr; // bound to another device: not ours to route
    }
    sockerr = route ? Socket::ERROR_NOTERROR : Socket::ERROR_NOROUTETOHOST;
    return route;
}

bool
ClusterRouting::RouteInput(Ptr<const Packet> p,
                           const Ipv4Header& header,
                           Ptr<const NetDevice> idev,
                           UnicastForwardCallback ucb,
                           MulticastForwardCallback mcb,
                           LocalDeliverCallback lcb,
                           ErrorCallback ecb)
{
    // Ipv4ListRouting has already delivered packets for this node; only forwarding is left.
    int member = m_chooser ? m_chooser(header, PeekPointer(p)) : -1;
    Ptr<Ipv4Route> route = RouteTo(member, header);
    if (!route)
    {
        return false;
    }
    NS_LOG_LOGIC("to member " << member << " " << header.GetSource() << " -> "
                              << header.GetDestination());
    ucb(route, p, header);
    return true;
}

void
ClusterRouting::PrintRoutingTable(Ptr<OutputStreamWrapper> stream, Time::Unit unit) const
{
    *stream->GetStream() << "ClusterRouting: " << m_members.size() << " members" << std::endl;
}

} // namespace scenarios

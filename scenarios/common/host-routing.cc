#include "host-routing.h"

#include "ns3/ipv4-routing-table-entry.h"
#include "ns3/log.h"
#include "ns3/output-stream-wrapper.h"

namespace scenarios
{

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("HostRouting");

TypeId
HostRouting::GetTypeId()
{
    static TypeId tid = TypeId("scenarios::HostRouting")
                          .SetParent<Ipv4RoutingProtocol>()
                          .SetGroupName("Ikev2")
                          .AddConstructor<HostRouting>();
    return tid;
}

void
HostRouting::AddHostRoute(Ipv4Address dest, uint32_t interface, Ipv4Address gateway)
{
    m_routes[dest.Get()] = { interface, gateway };
}

uint32_t
HostRouting::TakeHostRoutes(Ptr<Ipv4StaticRouting> routing)
{
    uint32_t moved = 0;
    uint32_t i = 0;
    while (i < routing->GetNRoutes())
    {
        Ipv4RoutingTableEntry r = routing->GetRoute(i);
        if (r.GetDestNetworkMask() != Ipv4Mask::GetOnes())
        {
            ++i;
            continue;
        }
        AddHostRoute(r.GetDest(), r.GetInterface(), r.GetGateway());
        routing->RemoveRoute(i);
        ++moved;
    }
    return moved;
}

uint32_t
HostRouting::GetNRoutes() const
{
    return static_cast<uint32_t>(m_routes.size());
}

void
HostRouting::SetIpv4(Ptr<Ipv4> ipv4)
{
    m_ipv4 = ipv4;
}

Ptr<Ipv4Route>
HostRouting::Lookup(Ipv4Address dest) const
{
    auto it = m_routes.find(dest.Get());
    if (it == m_routes.end() || !m_ipv4 || !m_ipv4->IsUp(it->second.interface))
    {
        return nullptr;
    }
    // As Ipv4StaticRouting::LookupStatic builds it, so that what follows cannot tell.
    Ptr<Ipv4Route> route = Create<Ipv4Route>();
    route->SetDestination(dest);
    route->SetSource(m_ipv4->SourceAddressSelection(it->second.interface, dest));
    route->SetGateway(it->second.gateway);
    route->SetOutputDevice(m_ipv4->GetNetDevice(it->second.interface));
    return route;
}

Ptr<Ipv4Route>
HostRouting::RouteOutput(Ptr<Packet> p,
                         const Ipv4Header& header,
                         Ptr<NetDevice> oif,
                         Socket::SocketErrno& sockerr)
{
    Ptr<Ipv4Route> route = Lookup(header.GetDestination());
    if (route && oif && route->GetOutputDevice() != oif)
    {
        route = nullptr; // bound to another device: static routing decides
    }
    sockerr = route ? Socket::ERROR_NOTERROR : Socket::ERROR_NOROUTETOHOST;
    return route;
}

bool
HostRouting::RouteInput(Ptr<const Packet> p,
                        const Ipv4Header& header,
                        Ptr<const NetDevice> idev,
                        UnicastForwardCallback ucb,
                        MulticastForwardCallback mcb,
                        LocalDeliverCallback lcb,
                        ErrorCallback ecb)
{
    // Ipv4ListRouting has already delivered local packets and refused those arriving on an
    // interface that does not forward; only the forwarding decision is left.
    if (header.GetDestination().IsMulticast())
    {
        return false;
    }
    Ptr<Ipv4Route> route = Lookup(header.GetDestination());
    if (!route)
    {
        return false;
    }
    NS_LOG_LOGIC("host route " << header.GetDestination() << " via " << route->GetGateway());
    ucb(route, p, header);
    return true;
}

void
HostRouting::PrintRoutingTable(Ptr<OutputStreamWrapper> stream, Time::Unit unit) const
{
    *stream->GetStream() << "HostRouting: " << m_routes.size() << " host routes" << std::endl;
}

} // namespace scenarios

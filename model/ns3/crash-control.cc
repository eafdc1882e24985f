#include "crash-control.h"

#include "ike-application.h"
#include "ns3/ipv4-routing-table-entry.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/queue.h"
#include "ns3/simulator.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("CrashControl");
NS_OBJECT_ENSURE_REGISTERED(CrashControl);

TypeId
CrashControl::GetTypeId()
{
    static TypeId tid =
      TypeId("ns3::CrashControl")
        .SetParent<Object>()
        .SetGroupName("Ikev2")
        .AddConstructor<CrashControl>()
        .AddAttribute("BootTime",
                      "From power-on to interfaces up and the IKE daemon running.",
                      TimeValue(Seconds(30)),
                      MakeTimeAccessor(&CrashControl::m_bootTime),
                      MakeTimeChecker(Seconds(0)))
        .AddTraceSource("Crashed",
                        "The node lost power (t_fail for a crash).",
                        MakeTraceSourceAccessor(&CrashControl::m_crashedTrace),
                        "ns3::CrashControl::NodeStateTracedCallback")
        .AddTraceSource("Up",
                        "The node finished booting and its daemon runs (t_up).",
                        MakeTraceSourceAccessor(&CrashControl::m_upTrace),
                        "ns3::CrashControl::NodeStateTracedCallback");
    return tid;
}

CrashControl::CrashControl() = default;
CrashControl::~CrashControl() = default;

void
CrashControl::DoDispose()
{
    m_bootEvent.Cancel();
    m_node = nullptr;
    Object::DoDispose();
}

void
CrashControl::SetNode(Ptr<Node> node)
{
    m_node = node;
}

bool
CrashControl::IsUp() const
{
    return m_up;
}

Time
CrashControl::GetBootTime() const
{
    return m_bootTime;
}

void
CrashControl::Crash()
{
    NS_LOG_FUNCTION(this);
    NS_ASSERT_MSG(m_node, "CrashControl without a node");
    if (!m_up && !m_booting)
    {
        return;
    }
    m_bootEvent.Cancel();
    m_booting = false;
    m_up = false;
    Ptr<Ipv4> ipv4 = m_node->GetObject<Ipv4>();
    // The routing table is configuration: a gateway restores it when it boots. Ns-3's static
    // routing forgets the routes of an interface that goes down, so remember them first.
    m_routes.clear();
    Ipv4StaticRoutingHelper staticHelper;
    Ptr<Ipv4StaticRouting> routing = staticHelper.GetStaticRouting(ipv4);
    if (routing)
    {
        for (uint32_t i = 0; i < routing->GetNRoutes(); ++i)
        {
            Ipv4RoutingTableEntry r = routing->GetRoute(i);
            m_routes.push_back({ r.GetDest(),
                                 r.GetDestNetworkMask(),
                                 r.GetGateway(),
                                 r.GetInterface(),
                                 routing->GetMetric(i) });
        }
    }
    // The daemon dies first, so that nothing it would still send leaves the node.
    for (uint32_t i = 0; i < m_node->GetNApplications(); ++i)
    {
        if (Ptr<IkeApplication> app = DynamicCast<IkeApplication>(m_node->GetApplication(i)))
        {
            app->Crash();
        }
    }
    m_interfacesDown.clear();
    for (uint32_t i = 1; i < ipv4->GetNInterfaces(); ++i) // 0 is the loopback
    {
        if (ipv4->IsUp(i))
        {
            ipv4->SetDown(i);
            m_interfacesDown.push_back(i);
        }
    }
    // Packets waiting in the NICs' queues are lost with the power.
    for (uint32_t i = 0; i < m_node->GetNDevices(); ++i)
    {
        if (auto p2p = DynamicCast<PointToPointNetDevice>(m_node->GetDevice(i)))
        {
            p2p->GetQueue()->Flush();
        }
    }
    m_crashedTrace(m_node->GetId());
}

void
CrashControl::Reboot()
{
    NS_LOG_FUNCTION(this);
    if (m_up || m_booting)
    {
        return;
    }
    m_booting = true;
    m_bootEvent = Simulator::Schedule(m_bootTime, &CrashControl::BootDone, this);
}

void
CrashControl::PowerCycle()
{
    Crash();
    Reboot();
}

void
CrashControl::BootDone()
{
    NS_LOG_FUNCTION(this);
    m_booting = false;
    m_up = true;
    Ptr<Ipv4> ipv4 = m_node->GetObject<Ipv4>();
    for (uint32_t i : m_interfacesDown)
    {
        ipv4->SetUp(i);
    }
    m_interfacesDown.clear();
    Ipv4StaticRoutingHelper staticHelper;
    Ptr<Ipv4StaticRouting> routing = staticHelper.GetStaticRouting(ipv4);
    if (routing)
    {
        for (const Route& want : m_routes)
        {
            bool present = false;
            for (uint32_t i = 0; i < routing->GetNRoutes() && !present; ++i)
            {
                Ipv4RoutingTableEntry r = routing->GetRoute(i);
                present = r.GetDest() == want.dest && r.GetDestNetworkMask() == want.mask &&
                          r.GetGateway() == want.gateway && r.GetInterface() == want.interface;
            }
            if (!present)
            {
                routing->AddNetworkRouteTo(
                  want.dest, want.mask, want.gateway, want.interface, want.metric);
            }
        }
    }
    for (uint32_t i = 0; i < m_node->GetNApplications(); ++i)
    {
        if (Ptr<IkeApplication> app = DynamicCast<IkeApplication>(m_node->GetApplication(i)))
        {
            app->Restart();
        }
    }
    m_upTrace(m_node->GetId());
}

} // namespace ns3

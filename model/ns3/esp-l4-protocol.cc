#include "esp-l4-protocol.h"

#include "ns3/ipv4-header.h"
#include "ns3/ipv4-route.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("EspL4Protocol");
NS_OBJECT_ENSURE_REGISTERED(EspL4Protocol);

ikev2::Ipv4Address
ToEngine(Ipv4Address address)
{
    return ikev2::Ipv4Address{ address.Get() };
}

Ipv4Address
FromEngine(ikev2::Ipv4Address address)
{
    return Ipv4Address(address.value);
}

TypeId
EspL4Protocol::GetTypeId()
{
    static TypeId tid = TypeId("ns3::EspL4Protocol")
                          .SetParent<IpL4Protocol>()
                          .SetGroupName("Ikev2")
                          .AddConstructor<EspL4Protocol>()
                          .AddTraceSource("Tx",
                                          "An ESP packet handed to IPv4 for sending.",
                                          MakeTraceSourceAccessor(&EspL4Protocol::m_txTrace),
                                          "ns3::EspL4Protocol::EspPacketTracedCallback")
                          .AddTraceSource("Rx",
                                          "An ESP packet delivered by IPv4 to this node.",
                                          MakeTraceSourceAccessor(&EspL4Protocol::m_rxTrace),
                                          "ns3::EspL4Protocol::EspPacketTracedCallback");
    return tid;
}

EspL4Protocol::EspL4Protocol()
{
    NS_LOG_FUNCTION(this);
}

EspL4Protocol::~EspL4Protocol() = default;

void
EspL4Protocol::DoDispose()
{
    m_node = nullptr;
    m_receiver = nullptr;
    m_downTarget.Nullify();
    m_downTarget6.Nullify();
    IpL4Protocol::DoDispose();
}

void
EspL4Protocol::NotifyNewAggregate()
{
    // As UdpL4Protocol: once aggregated to a node with IPv4, insert ourselves for protocol 50.
    Ptr<Node> node = GetObject<Node>();
    Ptr<Ipv4> ipv4 = GetObject<Ipv4>();
    if (!m_node && node)
    {
        m_node = node;
    }
    if (ipv4 && m_downTarget.IsNull())
    {
        ipv4->Insert(this);
        SetDownTarget(MakeCallback(&Ipv4::Send, ipv4));
    }
    IpL4Protocol::NotifyNewAggregate();
}

void
EspL4Protocol::SetReceiver(Receiver receiver)
{
    m_receiver = std::move(receiver);
}

int
EspL4Protocol::GetProtocolNumber() const
{
    return PROT_NUMBER;
}

void
EspL4Protocol::Send(const ikev2::Bytes& esp, Ipv4Address source, Ipv4Address destination)
{
    NS_LOG_FUNCTION(this << esp.size() << source << destination);
    if (m_downTarget.IsNull())
    {
        NS_LOG_WARN("ESP protocol not attached to an IPv4 stack; packet dropped");
        return;
    }
    Ptr<Packet> packet = Create<Packet>(esp.data(), static_cast<uint32_t>(esp.size()));
    m_txTrace(packet, source, destination);
    m_downTarget(packet, source, destination, PROT_NUMBER, nullptr);
}

IpL4Protocol::RxStatus
EspL4Protocol::Receive(Ptr<Packet> p,
                       const Ipv4Header& header,
                       Ptr<Ipv4Interface> incomingInterface)
{
    NS_LOG_FUNCTION(this << p << header.GetSource() << header.GetDestination());
    m_rxTrace(p, header.GetSource(), header.GetDestination());
    if (!m_receiver)
    {
        return IpL4Protocol::RX_ENDPOINT_UNREACH;
    }
    ikev2::Datagram datagram;
    datagram.transport = ikev2::Transport::EspIp;
    datagram.local.ip = ToEngine(header.GetDestination());
    datagram.remote.ip = ToEngine(header.GetSource());
    datagram.data.resize(p->GetSize());
    p->CopyData(datagram.data.data(), p->GetSize());
    m_receiver(datagram);
    return IpL4Protocol::RX_OK;
}

IpL4Protocol::RxStatus
EspL4Protocol::Receive(Ptr<Packet> p,
                       const Ipv6Header& header,
                       Ptr<Ipv6Interface> incomingInterface)
{
    return IpL4Protocol::RX_ENDPOINT_UNREACH; // IPv4 only
}

void
EspL4Protocol::SetDownTarget(IpL4Protocol::DownTargetCallback cb)
{
    m_downTarget = cb;
}

void
EspL4Protocol::SetDownTarget6(IpL4Protocol::DownTargetCallback6 cb)
{
    m_downTarget6 = cb;
}

IpL4Protocol::DownTargetCallback
EspL4Protocol::GetDownTarget() const
{
    return m_downTarget;
}

IpL4Protocol::DownTargetCallback6
EspL4Protocol::GetDownTarget6() const
{
    return m_downTarget6;
}

} // namespace ns3

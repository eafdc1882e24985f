#include "flow-traffic.h"

#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <cmath>

namespace scenarios
{

using namespace ns3;

NS_OBJECT_ENSURE_REGISTERED(FlowSource);
NS_OBJECT_ENSURE_REGISTERED(FlowSink);

namespace
{

void
PutU32(uint8_t* p, uint32_t v)
{
    for (int i = 3; i >= 0; --i)
    {
        p[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
}

void
PutU64(uint8_t* p, uint64_t v)
{
    for (int i = 7; i >= 0; --i)
    {
        p[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
}

uint64_t
GetUint(const uint8_t* p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
    {
        v = (v << 8) | p[i];
    }
    return v;
}

} // namespace

TypeId
FlowSource::GetTypeId()
{
    static TypeId tid = TypeId("scenarios::FlowSource")
                          .SetParent<Application>()
                          .SetGroupName("Scenarios")
                          .AddConstructor<FlowSource>()
                          .AddAttribute("Rate",
                                        "Datagrams per second.",
                                        DoubleValue(20),
                                        MakeDoubleAccessor(&FlowSource::m_rate),
                                        MakeDoubleChecker<double>(1e-6))
                          .AddAttribute("PacketSize",
                                        "UDP payload octets (at least the 24-octet header).",
                                        UintegerValue(200),
                                        MakeUintegerAccessor(&FlowSource::m_size),
                                        MakeUintegerChecker<uint32_t>(kFlowHeaderSize, 1300))
                          .AddAttribute("FlowId",
                                        "Identifier carried in every datagram.",
                                        UintegerValue(0),
                                        MakeUintegerAccessor(&FlowSource::m_flowId),
                                        MakeUintegerChecker<uint32_t>());
    return tid;
}

FlowSource::FlowSource() = default;
FlowSource::~FlowSource() = default;

void
FlowSource::SetRemote(Ipv4Address address, uint16_t port)
{
    m_remote = address;
    m_port = port;
}

const std::vector<int64_t>&
FlowSource::GetSendTimes() const
{
    return m_sendTimes;
}

void
FlowSource::ShareSocket(Ptr<Socket> socket)
{
    m_socket = socket;
    m_sharedSocket = true;
}

void
FlowSource::StartApplication()
{
    if (!m_sharedSocket)
    {
        m_socket = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
        m_socket->Bind();
    }
    SendOne();
}

void
FlowSource::StopApplication()
{
    m_next.Cancel();
    if (m_socket && !m_sharedSocket)
    {
        m_socket->Close();
        m_socket = nullptr;
    }
}

void
FlowSource::SendOne()
{
    std::vector<uint8_t> payload(m_size, 0);
    uint64_t seq = m_sendTimes.size();
    int64_t now = Simulator::Now().GetNanoSeconds();
    payload[0] = 'I';
    payload[1] = 'K';
    payload[2] = 'F';
    payload[3] = 'L';
    PutU32(&payload[4], m_flowId);
    PutU64(&payload[8], seq);
    PutU64(&payload[16], static_cast<uint64_t>(now));
    Ptr<Packet> p = Create<Packet>(payload.data(), m_size);
    m_sendTimes.push_back(now);
    // A failure (no route while a gateway is down) is a lost datagram like any other.
    m_socket->SendTo(p, 0, InetSocketAddress(m_remote, m_port));
    m_next = Simulator::Schedule(Seconds(1.0 / m_rate), &FlowSource::SendOne, this);
}

TypeId
FlowSink::GetTypeId()
{
    static TypeId tid = TypeId("scenarios::FlowSink")
                          .SetParent<Application>()
                          .SetGroupName("Scenarios")
                          .AddConstructor<FlowSink>()
                          .AddAttribute("Port",
                                        "UDP port to listen on.",
                                        UintegerValue(9),
                                        MakeUintegerAccessor(&FlowSink::m_port),
                                        MakeUintegerChecker<uint16_t>())
                          .AddAttribute("FlowId",
                                        "Only datagrams of this flow are recorded.",
                                        UintegerValue(0),
                                        MakeUintegerAccessor(&FlowSink::m_flowId),
                                        MakeUintegerChecker<uint32_t>())
                          .AddTraceSource("Arrival",
                                          "A datagram of the flow arrived.",
                                          MakeTraceSourceAccessor(&FlowSink::m_arrivalTrace),
                                          "scenarios::FlowSink::ArrivalTracedCallback");
    return tid;
}

FlowSink::FlowSink() = default;
FlowSink::~FlowSink() = default;

const std::vector<FlowSink::Arrival>&
FlowSink::GetArrivals() const
{
    return m_arrivals;
}

void
FlowSink::StartApplication()
{
    if (m_shared)
    {
        return;
    }
    m_socket = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    m_socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), m_port));
    m_socket->SetRecvCallback(MakeCallback(&FlowSink::HandleRead, this));
}

void
FlowSink::StopApplication()
{
    if (m_socket)
    {
        m_socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_socket->Close();
        m_socket = nullptr;
    }
}

void
FlowSink::HandleRead(Ptr<Socket> socket)
{
    Ptr<Packet> p;
    Address from;
    while ((p = socket->RecvFrom(from)))
    {
        Accept(p);
    }
}

void
FlowSink::Accept(Ptr<Packet> p)
{
    if (p->GetSize() < kFlowHeaderSize)
    {
        return;
    }
    uint8_t header[kFlowHeaderSize];
    p->CopyData(header, kFlowHeaderSize);
    if (header[0] != 'I' || header[1] != 'K' || header[2] != 'F' || header[3] != 'L' ||
        GetUint(header + 4, 4) != m_flowId)
    {
        return;
    }
    Arrival a{ GetUint(header + 8, 8),
               static_cast<int64_t>(GetUint(header + 16, 8)),
               Simulator::Now().GetNanoSeconds() };
    m_arrivals.push_back(a);
    m_arrivalTrace(a.seq, NanoSeconds(a.sentNs));
}

FlowPort::FlowPort(Ptr<Node> node, uint16_t port)
{
    m_socket = Socket::CreateSocket(node, UdpSocketFactory::GetTypeId());
    m_socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
    m_socket->SetRecvCallback(MakeCallback(&FlowPort::HandleRead, this));
}

FlowPort::~FlowPort()
{
    m_socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
}

void
FlowPort::Add(Ptr<FlowSink> sink, uint32_t flowId)
{
    sink->SetAttribute("FlowId", UintegerValue(flowId));
    sink->SetShared();
    m_sinks[flowId] = sink;
}

void
FlowPort::HandleRead(Ptr<Socket> socket)
{
    Ptr<Packet> p;
    Address from;
    while ((p = socket->RecvFrom(from)))
    {
        uint8_t header[kFlowHeaderSize];
        if (p->GetSize() < kFlowHeaderSize || p->CopyData(header, 8) != 8)
        {
            continue;
        }
        auto it = m_sinks.find(static_cast<uint32_t>(GetUint(header + 4, 4)));
        if (it != m_sinks.end())
        {
            it->second->Accept(p);
        }
    }
}

std::pair<ns3::Ptr<FlowSource>, ns3::Ptr<FlowSink>>
InstallFlow(ns3::Ptr<ns3::Node> from,
            ns3::Ptr<ns3::Node> to,
            ns3::Ipv4Address dst,
            uint16_t port,
            uint32_t id,
            double rate,
            uint32_t packetSize,
            double start,
            double stop)
{
    using namespace ns3;
    Ptr<FlowSink> sink = CreateObject<FlowSink>();
    sink->SetAttribute("Port", UintegerValue(port));
    sink->SetAttribute("FlowId", UintegerValue(id));
    to->AddApplication(sink);
    sink->SetStartTime(Seconds(0));
    Ptr<FlowSource> source = CreateObject<FlowSource>();
    source->SetAttribute("Rate", DoubleValue(rate));
    source->SetAttribute("PacketSize", UintegerValue(packetSize));
    source->SetAttribute("FlowId", UintegerValue(id));
    source->SetRemote(dst, port);
    from->AddApplication(source);
    source->SetStartTime(Seconds(start));
    source->SetStopTime(Seconds(stop));
    return std::make_pair(source, sink);
}

} // namespace scenarios

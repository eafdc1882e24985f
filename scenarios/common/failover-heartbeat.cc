#include "failover-heartbeat.h"

#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <array>
#include <cstring>

namespace scenarios
{

using namespace ns3;

NS_LOG_COMPONENT_DEFINE("HeartbeatApplication");
NS_OBJECT_ENSURE_REGISTERED(HeartbeatApplication);

namespace
{
constexpr std::array<uint8_t, 4> kMagic = { 'I', 'K', 'H', 'B' };
} // namespace

TypeId
HeartbeatApplication::GetTypeId()
{
    static TypeId tid =
      TypeId("scenarios::HeartbeatApplication")
        .SetParent<Application>()
        .SetGroupName("Ikev2")
        .AddConstructor<HeartbeatApplication>()
        .AddAttribute("Interval",
                      "Time between two heartbeats sent to the peer.",
                      TimeValue(Seconds(1)),
                      MakeTimeAccessor(&HeartbeatApplication::m_interval),
                      MakeTimeChecker(MilliSeconds(1)))
        .AddAttribute("Misses",
                      "Intervals without a heartbeat after which the peer is declared dead.",
                      UintegerValue(3),
                      MakeUintegerAccessor(&HeartbeatApplication::m_misses),
                      MakeUintegerChecker<uint32_t>(1))
        .AddAttribute("Port",
                      "UDP port of the heartbeats (both members).",
                      UintegerValue(7400),
                      MakeUintegerAccessor(&HeartbeatApplication::m_port),
                      MakeUintegerChecker<uint16_t>(1))
        .AddTraceSource("PeerDead",
                        "Misses intervals passed without a heartbeat from the peer (once).",
                        MakeTraceSourceAccessor(&HeartbeatApplication::m_peerDeadTrace),
                        "scenarios::HeartbeatApplication::PeerDeadTracedCallback");
    return tid;
}

HeartbeatApplication::HeartbeatApplication() = default;
HeartbeatApplication::~HeartbeatApplication() = default;

void
HeartbeatApplication::SetPeer(Ipv4Address peer)
{
    m_peer = peer;
}

void
HeartbeatApplication::DoDispose()
{
    m_socket = nullptr;
    Application::DoDispose();
}

void
HeartbeatApplication::StartApplication()
{
    NS_LOG_FUNCTION(this);
    m_socket = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    m_socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), m_port));
    m_socket->SetRecvCallback(MakeCallback(&HeartbeatApplication::HandleRead, this));
    // Counting starts with our own start: a peer that never speaks is dead as well.
    ArmDeadline();
    SendOne();
}

void
HeartbeatApplication::StopApplication()
{
    Halt();
}

void
HeartbeatApplication::Halt()
{
    m_halted = true;
    m_next.Cancel();
    m_deadline.Cancel();
    if (m_socket)
    {
        m_socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        m_socket->Close();
    }
}

void
HeartbeatApplication::SendOne()
{
    if (m_halted)
    {
        return;
    }
    uint8_t buf[kHeartbeatSize];
    std::memcpy(buf, kMagic.data(), kMagic.size());
    for (int i = 0; i < 8; ++i)
    {
        buf[4 + i] = static_cast<uint8_t>(m_sent >> (56 - 8 * i));
    }
    m_socket->SendTo(Create<Packet>(buf, kHeartbeatSize), 0, InetSocketAddress(m_peer, m_port));
    ++m_sent;
    m_next = Simulator::Schedule(m_interval, &HeartbeatApplication::SendOne, this);
}

void
HeartbeatApplication::HandleRead(Ptr<Socket> socket)
{
    Address from;
    while (Ptr<Packet> p = socket->RecvFrom(from))
    {
        uint8_t buf[kHeartbeatSize];
        bool ok = p->GetSize() == kHeartbeatSize && InetSocketAddress::IsMatchingType(from) &&
                  InetSocketAddress::ConvertFrom(from).GetIpv4() == m_peer;
        if (ok)
        {
            p->CopyData(buf, kHeartbeatSize);
            ok = std::memcmp(buf, kMagic.data(), kMagic.size()) == 0;
        }
        if (!ok)
        {
            ++m_malformed; // counted and dropped: it must not keep a dead peer alive
            continue;
        }
        ++m_received;
        m_lastHeard = Simulator::Now();
        ArmDeadline();
    }
}

void
HeartbeatApplication::ArmDeadline()
{
    if (m_declared || m_halted)
    {
        return;
    }
    m_deadline.Cancel();
    m_deadline = Simulator::Schedule(m_interval * m_misses, &HeartbeatApplication::Deadline, this);
}

void
HeartbeatApplication::Deadline()
{
    m_declared = true;
    m_peerDeadTrace(m_lastHeard);
}

} // namespace scenarios

#include "attacker-application.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/global-value.h"
#include "ns3/ipv4-header.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/udp-header.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("AttackerApplication");
NS_OBJECT_ENSURE_REGISTERED(AttackerApplication);

namespace
{
constexpr uint8_t kUdp = 17;
constexpr uint8_t kEsp = 50;
constexpr uint16_t kEthertypeIpv4 = 0x0800;

/// ns-3's global "ChecksumEnabled": the IPv4 and UDP layers verify checksums only then.
bool
ChecksumsOn()
{
    BooleanValue on;
    GlobalValue::GetValueByName("ChecksumEnabled", on);
    return on.Get();
}
} // namespace

TypeId
AttackerApplication::GetTypeId()
{
    static TypeId tid =
      TypeId("ns3::AttackerApplication")
        .SetParent<Application>()
        .SetGroupName("Ikev2")
        .AddAttribute("Rate",
                      "Forged packets per second of the periodic mix (reactive forgeries of an "
                      "on-path attacker come on top, one per packet that triggers them)",
                      DoubleValue(1),
                      MakeDoubleAccessor(&AttackerApplication::m_rate),
                      MakeDoubleChecker<double>(0))
        .AddTraceSource("Forged",
                        "A forged or replayed packet was put on the link",
                        MakeTraceSourceAccessor(&AttackerApplication::m_forgedTrace),
                        "ns3::AttackerApplication::ForgedTracedCallback");
    return tid;
}

AttackerApplication::AttackerApplication()
  : m_rng(CreateObject<UniformRandomVariable>())
{
}

void
AttackerApplication::SetLink(Ptr<PointToPointNetDevice> aliceDevice,
                             Ptr<PointToPointNetDevice> bobDevice,
                             Ipv4Address alice,
                             Ipv4Address bob)
{
    m_aliceDevice = aliceDevice;
    m_bobDevice = bobDevice;
    m_alice = alice;
    m_bob = bob;
}

void
AttackerApplication::SetKinds(const std::vector<attacks::ForgeryKind>& kinds)
{
    m_kinds = kinds;
    m_next = 0;
}

const std::vector<attacks::ForgeryKind>&
AttackerApplication::GetKinds() const
{
    return m_kinds;
}

int64_t
AttackerApplication::AssignStreams(int64_t stream)
{
    m_rng->SetStream(stream);
    return 1;
}

const std::map<std::string, uint64_t>&
AttackerApplication::GetForged() const
{
    return m_forged;
}

uint64_t
AttackerApplication::GetForgedTotal() const
{
    return m_total;
}

int64_t
AttackerApplication::GetFirstForgedNs() const
{
    return m_firstNs;
}

void
AttackerApplication::DoDispose()
{
    m_clock.Cancel();
    m_aliceDevice = nullptr;
    m_bobDevice = nullptr;
    Application::DoDispose();
}

void
AttackerApplication::StartApplication()
{
    NS_ABORT_MSG_IF(!m_aliceDevice || !m_bobDevice, "AttackerApplication: SetLink() not called");
    m_running = true;
    Begin();
    if (m_rate > 0 && !m_kinds.empty())
    {
        m_clock = Simulator::ScheduleNow(&AttackerApplication::Clock, this);
    }
}

void
AttackerApplication::StopApplication()
{
    m_running = false;
    m_clock.Cancel();
}

void
AttackerApplication::Clock()
{
    Tick();
    // A fixed period, not Poisson: same seed, same forgeries, and the rate axis reads directly.
    m_clock = Simulator::Schedule(Seconds(1.0 / m_rate), &AttackerApplication::Clock, this);
}

attacks::ForgeryKind
AttackerApplication::NextKind()
{
    attacks::ForgeryKind k = m_kinds[m_next % m_kinds.size()];
    m_next++;
    return k;
}

bool
AttackerApplication::Has(attacks::ForgeryKind kind) const
{
    for (auto k : m_kinds)
    {
        if (k == kind)
        {
            return true;
        }
    }
    return false;
}

uint32_t
AttackerApplication::Random32()
{
    return static_cast<uint32_t>(m_rng->GetInteger(0, 0xFFFFFFFFu));
}

ikev2::Bytes
AttackerApplication::RandomBytes(size_t n)
{
    ikev2::Bytes out(n);
    for (auto& b : out)
    {
        b = static_cast<uint8_t>(m_rng->GetInteger(0, 255));
    }
    return out;
}

bool
AttackerApplication::IsOwn(Ptr<const Packet> packet) const
{
    return m_own.count(packet->GetUid()) != 0;
}

void
AttackerApplication::InjectUdp(attacks::ForgeryKind kind,
                               bool toAlice,
                               uint16_t sport,
                               uint16_t dport,
                               const ikev2::Bytes& payload)
{
    Ptr<Packet> p = Create<Packet>(payload.data(), payload.size());
    UdpHeader udp;
    udp.SetSourcePort(sport);
    udp.SetDestinationPort(dport);
    if (ChecksumsOn())
    {
        // The receiving stack verifies them when the run enables checksums: so does a forger.
        udp.EnableChecksums();
        udp.InitializeChecksum(toAlice ? m_bob : m_alice, toAlice ? m_alice : m_bob, kUdp);
    }
    p->AddHeader(udp);
    SendAsIp(kind, toAlice, kUdp, p);
}

void
AttackerApplication::InjectEsp(attacks::ForgeryKind kind, bool toAlice, const ikev2::Bytes& esp)
{
    Ptr<Packet> p = Create<Packet>(esp.data(), esp.size());
    SendAsIp(kind, toAlice, kEsp, p);
}

void
AttackerApplication::SendAsIp(attacks::ForgeryKind kind,
                              bool toAlice,
                              uint8_t protocol,
                              Ptr<Packet> p)
{
    Ipv4Header ip;
    ip.SetSource(toAlice ? m_bob : m_alice);
    ip.SetDestination(toAlice ? m_alice : m_bob);
    ip.SetProtocol(protocol);
    ip.SetTtl(64);
    ip.SetIdentification(m_ipId++);
    ip.SetPayloadSize(p->GetSize());
    if (ChecksumsOn())
    {
        ip.EnableChecksum();
    }
    p->AddHeader(ip);
    Send(kind, toAlice, p);
}

void
AttackerApplication::InjectRaw(attacks::ForgeryKind kind, bool toAlice, Ptr<const Packet> ipPacket)
{
    // A fresh packet with the same bytes: a copy would keep the original's UID.
    uint32_t size = ipPacket->GetSize();
    std::vector<uint8_t> bytes(size);
    ipPacket->CopyData(bytes.data(), size);
    Send(kind, toAlice, Create<Packet>(bytes.data(), size));
}

void
AttackerApplication::Send(attacks::ForgeryKind kind, bool toAlice, Ptr<Packet> ipPacket)
{
    m_own.insert(ipPacket->GetUid());
    std::string name = attacks::ForgeryKindName(kind);
    m_forged[name]++;
    m_total++;
    if (m_firstNs < 0)
    {
        m_firstNs = Simulator::Now().GetNanoSeconds();
    }
    m_forgedTrace(name, toAlice, ipPacket->GetSize());
    Ptr<PointToPointNetDevice> dev = toAlice ? m_bobDevice : m_aliceDevice;
    dev->Send(ipPacket, dev->GetBroadcast(), kEthertypeIpv4);
}

} // namespace ns3

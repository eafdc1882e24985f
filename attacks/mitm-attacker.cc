#include "mitm-attacker.h"

#include "forgery.h"
#include "ns3/boolean.h"
#include "ns3/error-model.h"
#include "ns3/ipv4-header.h"
#include "ns3/packet.h"
#include "ns3/pointer.h"
#include "ns3/ppp-header.h"
#include "ns3/udp-header.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(MitmAttacker);

namespace
{

constexpr uint8_t kUdp = 17;
constexpr uint16_t kIkePort = 500;
constexpr uint16_t kNatTPort = 4500;

/// The attacker's hand on the wire in front of Alice: drops what the predicate says, after the
/// link's own loss model (kept, so --loss still applies).
class DropFilter : public ErrorModel
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid =
          TypeId("ns3::MitmDropFilter").SetParent<ErrorModel>().SetGroupName("Ikev2");
        return tid;
    }

    Ptr<ErrorModel> m_inner;
    Callback<bool, Ptr<const Packet>> m_drop;

  private:
    bool DoCorrupt(Ptr<Packet> p) override
    {
        if (m_inner && m_inner->IsCorrupt(p))
        {
            return true;
        }
        return !m_drop.IsNull() && m_drop(p);
    }

    void DoReset() override
    {
        if (m_inner)
        {
            m_inner->Reset();
        }
    }
};

} // namespace

TypeId
MitmAttacker::GetTypeId()
{
    static TypeId tid = TypeId("ns3::MitmAttacker")
                          .SetParent<OnPathInjector>()
                          .SetGroupName("Ikev2")
                          .AddConstructor<MitmAttacker>()
                          .AddAttribute("DropAnswers",
                                        "Drop every IKE message from Bob to Alice while running",
                                        BooleanValue(true),
                                        MakeBooleanAccessor(&MitmAttacker::m_dropAnswers),
                                        MakeBooleanChecker());
    return tid;
}

uint64_t
MitmAttacker::GetDropped() const
{
    return m_dropped;
}

void
MitmAttacker::Begin()
{
    OnPathInjector::Begin();
    m_active = true;
    if (!m_dropAnswers)
    {
        return;
    }
    PointerValue previous;
    m_aliceDevice->GetAttribute("ReceiveErrorModel", previous);
    Ptr<DropFilter> filter = CreateObject<DropFilter>();
    filter->m_inner = previous.Get<ErrorModel>();
    filter->m_drop = MakeCallback(&MitmAttacker::ShouldDrop, this);
    m_aliceDevice->SetAttribute("ReceiveErrorModel", PointerValue(filter));
}

void
MitmAttacker::StopApplication()
{
    m_active = false;
    OnPathInjector::StopApplication();
}

bool
MitmAttacker::ShouldDrop(Ptr<const Packet> framed)
{
    if (!m_active || IsOwn(framed))
    {
        return false;
    }
    Ptr<Packet> p = framed->Copy();
    PppHeader ppp;
    Ipv4Header ip;
    UdpHeader udp;
    if (p->RemoveHeader(ppp) == 0 || p->RemoveHeader(ip) == 0 || ip.GetSource() != m_bob ||
        ip.GetProtocol() != kUdp)
    {
        return false;
    }
    p->RemoveHeader(udp);
    uint16_t sport = udp.GetSourcePort();
    if (sport != kIkePort && sport != kNatTPort)
    {
        return false;
    }
    if (sport == kNatTPort)
    {
        uint8_t marker[4] = { 1, 1, 1, 1 };
        p->CopyData(marker, 4);
        if (marker[0] || marker[1] || marker[2] || marker[3])
        {
            return false; // ESP in UDP: the data plane passes
        }
    }
    m_dropped++;
    return true;
}

} // namespace ns3

#include "load-balancer-live-sas.h"

#include "ns3/callback.h"
#include "ns3/packet.h"

#include <vector>

namespace scenarios
{

using namespace ns3;

void
LiveSaList::Connect(uint32_t member, Ptr<IkeApplication> app)
{
    app->TraceConnectWithoutContext(
      "SaState",
      Callback<void, const ikev2::Event&>([this, member](const ikev2::Event& e)
                                          { OnSaState(member, e); }));
}

void
LiveSaList::OnSaState(uint32_t member, const ikev2::Event& e)
{
    using ikev2::EventType;
    switch (e.type)
    {
        case EventType::IkeSaEstablished:
        case EventType::IkeSaRekeyed:
            m_ike[{ e.spiI, e.spiR }] = { member, e.peer, ++m_order };
            break;
        case EventType::IkeSaDeleted:
            m_ike.erase({ e.spiI, e.spiR });
            break;
        case EventType::ChildSaInstalled:
        case EventType::ChildSaRekeyed:
            m_child[e.childSpiIn] = member;
            break;
        case EventType::ChildSaDeleted:
            m_child.erase(e.childSpiIn);
            break;
        default:
            break;
    }
}

void
LiveSaList::ForgetMember(uint32_t member)
{
    for (auto it = m_ike.begin(); it != m_ike.end();)
    {
        it = it->second.member == member ? m_ike.erase(it) : std::next(it);
    }
    for (auto it = m_child.begin(); it != m_child.end();)
    {
        it = it->second == member ? m_child.erase(it) : std::next(it);
    }
}

std::optional<uint32_t>
LiveSaList::IkeOwner(uint64_t spiI, uint64_t spiR) const
{
    auto it = m_ike.find({ spiI, spiR });
    if (it == m_ike.end())
    {
        return std::nullopt;
    }
    return it->second.member;
}

std::optional<uint32_t>
LiveSaList::ChildOwner(uint32_t inboundSpi) const
{
    auto it = m_child.find(inboundSpi);
    if (it == m_child.end())
    {
        return std::nullopt;
    }
    return it->second;
}

std::optional<uint32_t>
LiveSaList::PeerOwner(const std::string& peer) const
{
    std::optional<uint32_t> owner;
    uint64_t newest = 0;
    for (const auto& [spis, entry] : m_ike)
    {
        if (entry.peer == peer && entry.order > newest)
        {
            newest = entry.order;
            owner = entry.member;
        }
    }
    return owner;
}

std::function<bool(uint64_t, uint64_t)>
LiveSaList::HookFor(uint32_t member)
{
    return [this, member](uint64_t spiI, uint64_t spiR)
    {
        auto owner = IkeOwner(spiI, spiR);
        bool elsewhere = owner && *owner != member;
        m_withheld += elsewhere ? 1 : 0;
        return elsewhere;
    };
}

namespace
{

uint64_t
ReadU64(const uint8_t* p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
    {
        v = (v << 8) | p[i];
    }
    return v;
}

uint32_t
ReadU32(const uint8_t* p)
{
    return (uint32_t{ p[0] } << 24) | (uint32_t{ p[1] } << 16) | (uint32_t{ p[2] } << 8) | p[3];
}

constexpr uint8_t kUdp = 17;
constexpr uint8_t kEsp = 50;
constexpr size_t kUdpHeader = 8;

} // namespace

ClusterPacketSpis
ParseClusterPacket(uint8_t protocol, const Packet& packet)
{
    ClusterPacketSpis out;
    // UDP header + non-ESP marker + the two IKE SPIs is the most we look at.
    std::vector<uint8_t> b(kUdpHeader + 4 + 16);
    size_t n = packet.CopyData(b.data(), b.size());
    if (protocol == kEsp)
    {
        if (n >= 4)
        {
            out.esp = true;
            out.espSpi = ReadU32(b.data());
        }
        return out;
    }
    if (protocol != kUdp || n < kUdpHeader)
    {
        return out;
    }
    uint16_t dport = static_cast<uint16_t>((b[2] << 8) | b[3]);
    size_t ike = kUdpHeader;
    if (dport == 4500)
    {
        if (n < kUdpHeader + 4)
        {
            return out;
        }
        if (ReadU32(b.data() + kUdpHeader) != 0)
        {
            out.esp = true; // RFC 3948: ESP in UDP, the SPI first
            out.espSpi = ReadU32(b.data() + kUdpHeader);
            return out;
        }
        ike += 4;
    }
    else if (dport != 500)
    {
        return out;
    }
    if (n < ike + 16)
    {
        return out;
    }
    out.ike = true;
    out.spiI = ReadU64(b.data() + ike);
    out.spiR = ReadU64(b.data() + ike + 8);
    return out;
}

} // namespace scenarios

#include "on-path-injector.h"

#include "ike-constants.h"
#include "ns3/callback.h"
#include "ns3/ipv4-header.h"
#include "ns3/packet.h"
#include "ns3/ppp-header.h"
#include "ns3/udp-header.h"
#include "sir-check-spi.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(OnPathInjector);

using attacks::ForgeryKind;

namespace
{
constexpr uint16_t kIkePort = 500;
constexpr uint16_t kNatTPort = 4500;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kEsp = 50;
/// Unprotected packets kept for replay (the newest).
constexpr size_t kMaxCaptured = 64;
constexpr size_t kTokenLength = 32;
} // namespace

TypeId
OnPathInjector::GetTypeId()
{
    static TypeId tid = TypeId("ns3::OnPathInjector")
                          .SetParent<AttackerApplication>()
                          .SetGroupName("Ikev2")
                          .AddConstructor<OnPathInjector>();
    return tid;
}

std::vector<ForgeryKind>
OnPathInjector::DefaultKinds()
{
    return { ForgeryKind::InvalidSpi,
             ForgeryKind::InvalidIkeSpi,
             ForgeryKind::QcdToken,
             ForgeryKind::CheckSpiNack,
             ForgeryKind::Replay };
}

uint64_t
OnPathInjector::GetSniffed() const
{
    return m_sniffed;
}

void
OnPathInjector::Begin()
{
    // MacTx: every packet a gateway puts on the link (PPP header already added in ns-3.37).
    m_aliceDevice->TraceConnectWithoutContext(
      "MacTx",
      MakeBoundCallback(
        +[](OnPathInjector* self, Ptr<const Packet> p) { self->OnTx(true, p); }, this));
    m_bobDevice->TraceConnectWithoutContext(
      "MacTx",
      MakeBoundCallback(
        +[](OnPathInjector* self, Ptr<const Packet> p) { self->OnTx(false, p); }, this));
}

void
OnPathInjector::OnTx(bool fromAlice, Ptr<const Packet> packet)
{
    if (IsOwn(packet) || !m_running)
    {
        return;
    }
    m_sniffed++;

    Ptr<Packet> p = packet->Copy();
    PppHeader ppp;
    Ipv4Header ip;
    if (p->RemoveHeader(ppp) == 0)
    {
        return;
    }
    Ptr<const Packet> ipPacket = p->Copy();
    if (p->RemoveHeader(ip) == 0)
    {
        return;
    }
    if (ip.GetProtocol() == kEsp)
    {
        uint8_t spi[4];
        if (p->CopyData(spi, 4) == 4 && fromAlice)
        {
            m_aliceOutSpi = (uint32_t(spi[0]) << 24) | (uint32_t(spi[1]) << 16) |
                            (uint32_t(spi[2]) << 8) | spi[3];
        }
        return;
    }
    if (ip.GetProtocol() != kUdp)
    {
        return;
    }
    UdpHeader udp;
    p->RemoveHeader(udp);
    ikev2::Bytes data(p->GetSize());
    p->CopyData(data.data(), data.size());
    if (udp.GetDestinationPort() == kNatTPort || udp.GetSourcePort() == kNatTPort)
    {
        // RFC 3948: IKE behind the 4-zero non-ESP marker; anything else is ESP-in-UDP.
        if (data.size() < 4 || data[0] || data[1] || data[2] || data[3])
        {
            return;
        }
        data.erase(data.begin(), data.begin() + 4);
    }
    bool unprotected = false;
    {
        attacks::IkeSighting s = attacks::Inspect(data);
        unprotected = s.ok && !s.isProtected;
    }
    if (unprotected)
    {
        m_captured.emplace_back(!fromAlice, ipPacket);
        if (m_captured.size() > kMaxCaptured)
        {
            m_captured.pop_front();
        }
    }
    OnIke(fromAlice, data, udp.GetSourcePort(), udp.GetDestinationPort());
}

void
OnPathInjector::OnIke(bool fromAlice, const ikev2::Bytes& ike, uint16_t sport, uint16_t dport)
{
    attacks::IkeSighting s = attacks::Inspect(ike);
    if (!s.ok)
    {
        return;
    }
    for (const auto& t : s.tokens)
    {
        m_tokens.push_back(t);
    }
    if (s.header.spiI != 0 && s.header.spiR != 0)
    {
        m_anyIke = s.header;
    }
    if (!fromAlice || s.header.IsResponse())
    {
        return;
    }
    m_aliceRequest = s.header;
    const bool isInit =
      s.header.exchangeType == static_cast<uint8_t>(ikev2::ExchangeType::IkeSaInit);
    // Answer Alice at once, to the port she used, before Bob's real answer can arrive.
    auto answer = [&](ForgeryKind k, const ikev2::Bytes& msg)
    {
        ikev2::Bytes payload;
        if (sport == kNatTPort)
        {
            payload.assign(4, 0);
        }
        payload.insert(payload.end(), msg.begin(), msg.end());
        InjectUdp(k, true, dport, sport, payload);
    };
    if (s.isProtected && !isInit)
    {
        // Both forms when both are in the mix: the attacker does not know the victim's scheme,
        // and a receiver takes the first answer that fits the exchange.
        if (Has(ForgeryKind::InvalidIkeSpi))
        {
            answer(ForgeryKind::InvalidIkeSpi, attacks::ForgeInvalidIkeSpi(s.header));
        }
        if (Has(ForgeryKind::QcdToken))
        {
            std::vector<ikev2::Bytes> tokens = m_tokens;
            if (tokens.empty())
            {
                tokens.push_back(RandomBytes(kTokenLength));
            }
            answer(ForgeryKind::QcdToken, attacks::ForgeInvalidIkeSpi(s.header, tokens));
        }
    }
    if (!s.isProtected && s.hasCheckSpi && Has(ForgeryKind::CheckSpiNack) &&
        !s.checkSpi.data.empty() &&
        s.checkSpi.data[0] == static_cast<uint8_t>(ikev2::CheckSpiSubtype::Query))
    {
        answer(ForgeryKind::CheckSpiNack, attacks::ForgeCheckSpiNack(s.header, s.checkSpi));
    }
}

void
OnPathInjector::Tick()
{
    for (size_t tries = 0; tries < GetKinds().size(); ++tries)
    {
        ForgeryKind k = NextKind();
        ikev2::IkeHeader h;
        if (m_aliceRequest)
        {
            h = *m_aliceRequest;
            h.messageId++; // her next request, answered before she sends it
        }
        else if (m_anyIke)
        {
            h = *m_anyIke;
            h.flags = ikev2::kFlagInitiator;
            h.exchangeType = static_cast<uint8_t>(ikev2::ExchangeType::Informational);
        }
        switch (k)
        {
            case ForgeryKind::InvalidSpi:
                if (m_aliceOutSpi)
                {
                    InjectUdp(
                      k, true, kIkePort, kIkePort, attacks::ForgeInvalidSpi(*m_aliceOutSpi));
                    return;
                }
                break;
            case ForgeryKind::InvalidIkeSpi:
                if (m_anyIke)
                {
                    InjectUdp(k, true, kIkePort, kIkePort, attacks::ForgeInvalidIkeSpi(h));
                    return;
                }
                break;
            case ForgeryKind::QcdToken:
                if (m_anyIke)
                {
                    std::vector<ikev2::Bytes> tokens = m_tokens;
                    if (tokens.empty())
                    {
                        tokens.push_back(RandomBytes(kTokenLength));
                    }
                    InjectUdp(k, true, kIkePort, kIkePort, attacks::ForgeInvalidIkeSpi(h, tokens));
                    return;
                }
                break;
            case ForgeryKind::CheckSpiNack:
                if (m_anyIke)
                {
                    // No QUERY seen: the cookie is a guess (a seen QUERY is answered in OnIke).
                    ikev2::CheckSpi q =
                      ikev2::MakeIkeCheckSpi(ikev2::CheckSpiSubtype::Query,
                                             RandomBytes(ikev2::SirCookieJar::kCookieLength));
                    InjectUdp(k,
                              true,
                              kIkePort,
                              kIkePort,
                              attacks::ForgeCheckSpiNack(h, ikev2::EncodeCheckSpi(q)));
                    return;
                }
                break;
            case ForgeryKind::Replay:
                if (!m_captured.empty())
                {
                    const auto& c = m_captured[m_replayNext++ % m_captured.size()];
                    InjectRaw(k, c.first, c.second);
                    return;
                }
                break;
            case ForgeryKind::Flood:
                InjectEsp(k, false, attacks::ForgeEsp(Random32(), 1, RandomBytes(88)));
                return;
        }
    }
}

} // namespace ns3

#include "inner-traffic.h"

#include "ipv4-packet.h"

#include <string>

namespace ikev2
{
namespace tools
{
namespace
{

constexpr uint8_t kIcmpEchoReply = 0;
constexpr uint8_t kIcmpEchoRequest = 8;

const Bytes&
EchoPayload()
{
    static const Bytes payload = []
    {
        const std::string text = "ikev2-peer inner echo";
        return Bytes(text.begin(), text.end());
    }();
    return payload;
}

} // namespace

InnerTraffic::InnerTraffic(Ipv4Address self, uint16_t identifier)
  : m_self(self)
  , m_identifier(identifier)
{
}

Bytes
InnerTraffic::NextEchoRequest(Ipv4Address dst, Time now)
{
    uint16_t seq = m_nextSequence++;
    m_outstanding[seq] = now;
    if (m_outstanding.size() > 4096)
    {
        m_outstanding.erase(m_outstanding.begin());
    }
    ++m_counters.echoRequestsSent;
    return BuildIcmpEcho(m_self, dst, false, m_identifier, seq, EchoPayload(), m_ipId++);
}

InnerResult
InnerTraffic::Handle(const Bytes& packet, Time now)
{
    InnerResult result;
    Ipv4Info ip;
    if (!ParseIpv4(packet, ip))
    {
        ++m_counters.otherReceived;
        result.description = "malformed inner IPv4 packet";
        return result;
    }
    const std::string route = ip.src.ToString() + ">" + ip.dst.ToString();
    ByteReader transport(packet.data() + ip.headerLength, ip.totalLength - ip.headerLength);
    if (ip.protocol == kIpProtoIcmp)
    {
        uint8_t type = 0;
        uint8_t code = 0;
        uint16_t checksum = 0;
        uint16_t identifier = 0;
        uint16_t sequence = 0;
        const uint8_t* icmp = transport.Current();
        const size_t icmpSize = transport.Remaining();
        if (transport.ReadU8(type) && transport.ReadU8(code) && transport.ReadU16(checksum) &&
            transport.ReadU16(identifier) && transport.ReadU16(sequence) &&
            InternetChecksum(icmp, icmpSize) == 0)
        {
            Bytes data;
            transport.ReadRest(data);
            const std::string tag = " id=" + std::to_string(identifier) +
                                    " seq=" + std::to_string(sequence) + " " + route;
            if (type == kIcmpEchoRequest && code == 0 && ip.dst == m_self)
            {
                ++m_counters.echoRequestsAnswered;
                result.answer =
                  BuildIcmpEcho(m_self, ip.src, true, identifier, sequence, data, m_ipId++);
                result.description = "icmp echo-request" + tag;
                return result;
            }
            if (type == kIcmpEchoReply && identifier == m_identifier && ip.dst == m_self)
            {
                auto it = m_outstanding.find(sequence);
                if (it != m_outstanding.end())
                {
                    result.echoReply = true;
                    result.rttMs = ToSeconds(now - it->second) * 1000.0;
                    m_outstanding.erase(it);
                    ++m_counters.echoRepliesReceived;
                    result.description = "icmp echo-reply" + tag;
                    return result;
                }
            }
        }
    }
    else if (ip.protocol == kIpProtoUdp && ip.dstPort == kUdpEchoPort && ip.dst == m_self &&
             VerifyUdpChecksum(packet.data(), ip.totalLength) && transport.Skip(kUdpHeaderSize))
    {
        Bytes data;
        transport.ReadRest(data);
        ++m_counters.echoRequestsAnswered;
        result.answer = BuildUdpIpv4(m_self, ip.src, kUdpEchoPort, ip.srcPort, data, m_ipId++);
        result.description = "udp echo " + route + ":" + std::to_string(ip.srcPort);
        return result;
    }
    ++m_counters.otherReceived;
    result.description = "inner protocol " + std::to_string(ip.protocol) + " " + route;
    return result;
}

} // namespace tools
} // namespace ikev2

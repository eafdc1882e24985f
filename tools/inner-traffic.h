// Inner test traffic of ikev2-peer: ICMP echo requests it sends through the Child SA, and the
// answers it gives to echo requests (ICMP echo, UDP echo on port 7) that arrive through it.
// Pure logic over byte strings; delivered packets were decrypted from the wire, so they are
// parsed with ParseIpv4 and ByteReader only.
#ifndef IKEV2_TOOLS_INNER_TRAFFIC_H
#define IKEV2_TOOLS_INNER_TRAFFIC_H

#include "bytes.h"
#include "engine-types.h"

#include <map>
#include <optional>
#include <string>

namespace ikev2
{
namespace tools
{

struct InnerCounters
{
    uint64_t echoRequestsSent{ 0 };
    uint64_t echoRepliesReceived{ 0 };
    uint64_t echoRequestsAnswered{ 0 }; ///< ICMP and UDP echo
    uint64_t otherReceived{ 0 };        ///< delivered packets that were none of the above
};

struct InnerResult
{
    std::string description;     ///< for the log and events.csv
    std::optional<Bytes> answer; ///< to send back through the tunnel
    bool echoReply{ false };     ///< an answer to one of our requests
    double rttMs{ 0 };
};

class InnerTraffic
{
  public:
    static constexpr uint16_t kUdpEchoPort = 7;

    InnerTraffic(Ipv4Address self, uint16_t identifier);

    /// The next ICMP echo request from our inner address to @p dst.
    Bytes NextEchoRequest(Ipv4Address dst, Time now);
    /// A packet the engine delivered from the tunnel.
    InnerResult Handle(const Bytes& packet, Time now);

    const InnerCounters& Counters() const { return m_counters; }
    Ipv4Address Self() const { return m_self; }

  private:
    Ipv4Address m_self;
    uint16_t m_identifier;
    uint16_t m_nextSequence{ 0 };
    uint16_t m_ipId{ 1 };
    std::map<uint16_t, Time> m_outstanding; ///< sequence -> send time
    InnerCounters m_counters;
};

} // namespace tools
} // namespace ikev2

#endif

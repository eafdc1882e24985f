// Constant-rate UDP flows between protected hosts, measured at the sink. FlowMonitor cannot see
// inner flows (it ignores protocol 50 on the WAN), so each datagram carries its flow id, sequence
// number and send time in its payload, and the sink records every arrival.
#ifndef SCENARIOS_FLOW_TRAFFIC_H
#define SCENARIOS_FLOW_TRAFFIC_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/simple-ref-count.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace scenarios
{

/// Payload: "IKFL" | flow id (4) | sequence (8) | send time in ns (8) | zero padding.
constexpr uint32_t kFlowHeaderSize = 24;

class FlowSource : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();
    FlowSource();
    ~FlowSource() override;

    void SetRemote(ns3::Ipv4Address address, uint16_t port);
    /// Sends through @p socket (bound, shared with other sources of the node) instead of a
    /// socket of its own; see FlowPort for why.
    void ShareSocket(ns3::Ptr<ns3::Socket> socket);
    /// Send time (ns) of every datagram handed to the socket, indexed by sequence number.
    const std::vector<int64_t>& GetSendTimes() const;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void SendOne();

    ns3::Ipv4Address m_remote;
    uint16_t m_port{ 9 };
    double m_rate{ 20 };
    uint32_t m_size{ 200 };
    uint32_t m_flowId{ 0 };
    ns3::Ptr<ns3::Socket> m_socket;
    bool m_sharedSocket{ false };
    ns3::EventId m_next;
    std::vector<int64_t> m_sendTimes;
};

class FlowSink : public ns3::Application
{
  public:
    struct Arrival
    {
        uint64_t seq;
        int64_t sentNs;
        int64_t receivedNs;
    };

    static ns3::TypeId GetTypeId();
    FlowSink();
    ~FlowSink() override;

    /// Arrivals of flow @p FlowId in arrival order (duplicates included).
    const std::vector<Arrival>& GetArrivals() const;

    typedef void (*ArrivalTracedCallback)(uint64_t seq, ns3::Time sent);

    /// Records @p packet if it is a datagram of this flow (what the socket hands over).
    void Accept(ns3::Ptr<ns3::Packet> packet);
    /// Set by FlowPort::Add: the port's socket delivers, so Start opens none.
    void SetShared() { m_shared = true; }

  private:
    void StartApplication() override;
    void StopApplication() override;
    void HandleRead(ns3::Ptr<ns3::Socket> socket);

    uint16_t m_port{ 9 };
    uint32_t m_flowId{ 0 };
    bool m_shared{ false };
    ns3::Ptr<ns3::Socket> m_socket;
    std::vector<Arrival> m_arrivals;
    ns3::TracedCallback<uint64_t, ns3::Time> m_arrivalTrace;
};

/// One UDP port of a node receiving many flows through one socket, handing each datagram to
/// the sink of its flow id. ns-3's UDP demultiplexer walks a list of every socket of the node
/// for each datagram, so a host with a socket per flow costs O(flows) per datagram: quadratic
/// in a gateway scenario with thousands of peers. The sinks stay (they hold the arrivals).
class FlowPort : public ns3::SimpleRefCount<FlowPort>
{
  public:
    FlowPort(ns3::Ptr<ns3::Node> node, uint16_t port);
    ~FlowPort();
    /// @p sink (an application of the same node) receives its flow's datagrams from here.
    void Add(ns3::Ptr<FlowSink> sink, uint32_t flowId);

  private:
    void HandleRead(ns3::Ptr<ns3::Socket> socket);

    ns3::Ptr<ns3::Socket> m_socket;
    std::unordered_map<uint32_t, ns3::Ptr<FlowSink>> m_sinks;
};

/// Installs inner flow @p id to @p dst (an address of @p to), UDP port @p port: a sink on @p to
/// from time 0, and on @p from a source of @p rate datagrams/s of @p packetSize octets from
/// @p start to @p stop (s). Returns (source, sink).
std::pair<ns3::Ptr<FlowSource>, ns3::Ptr<FlowSink>> InstallFlow(ns3::Ptr<ns3::Node> from,
                                                                ns3::Ptr<ns3::Node> to,
                                                                ns3::Ipv4Address dst,
                                                                uint16_t port,
                                                                uint32_t id,
                                                                double rate,
                                                                uint32_t packetSize,
                                                                double start,
                                                                double stop);

} // namespace scenarios

#endif

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
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <cstdint>
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

  private:
    void StartApplication() override;
    void StopApplication() override;
    void HandleRead(ns3::Ptr<ns3::Socket> socket);

    uint16_t m_port{ 9 };
    uint32_t m_flowId{ 0 };
    ns3::Ptr<ns3::Socket> m_socket;
    std::vector<Arrival> m_arrivals;
    ns3::TracedCallback<uint64_t, ns3::Time> m_arrivalTrace;
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

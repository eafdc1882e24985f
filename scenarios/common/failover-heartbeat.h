// The heartbeat of an active/standby gateway pair (the failover scenario): each member sends a
// small UDP datagram to the other over the sync link every Interval, and declares its peer dead
// when Misses intervals pass without one (VRRP's Master_Down_Interval idea, RFC 5798 6.1, with a
// fixed count instead of the skew time). Real datagrams, so pcaps and CPU-free timing are honest.
#ifndef SCENARIOS_FAILOVER_HEARTBEAT_H
#define SCENARIOS_FAILOVER_HEARTBEAT_H

#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <cstdint>

namespace scenarios
{

/// Payload: "IKHB" | sequence number (8 octets, network order).
constexpr uint32_t kHeartbeatSize = 12;

class HeartbeatApplication : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();
    HeartbeatApplication();
    ~HeartbeatApplication() override;

    void SetPeer(ns3::Ipv4Address peer);
    /// The member lost power: it neither sends nor listens any more.
    void Halt();

    uint64_t GetSent() const { return m_sent; }
    uint64_t GetReceived() const { return m_received; }
    /// Datagrams on the heartbeat port that were not a well-formed heartbeat (dropped).
    uint64_t GetMalformed() const { return m_malformed; }

    /// PeerDead: (time the last heartbeat arrived, or -1 ns if none ever did).
    typedef void (*PeerDeadTracedCallback)(ns3::Time lastHeard);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void SendOne();
    void HandleRead(ns3::Ptr<ns3::Socket> socket);
    void ArmDeadline();
    void Deadline();

    ns3::Ipv4Address m_peer;
    uint16_t m_port{ 7400 };
    ns3::Time m_interval{ ns3::Seconds(1) };
    uint32_t m_misses{ 3 };
    ns3::Ptr<ns3::Socket> m_socket;
    ns3::EventId m_next;
    ns3::EventId m_deadline;
    ns3::Time m_lastHeard{ ns3::NanoSeconds(-1) };
    bool m_halted{ false };
    bool m_declared{ false };
    uint64_t m_sent{ 0 };
    uint64_t m_received{ 0 };
    uint64_t m_malformed{ 0 };
    ns3::TracedCallback<ns3::Time> m_peerDeadTrace;
};

} // namespace scenarios

#endif

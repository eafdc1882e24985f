// ikev2-peer's adapter: one Endpoint driven by real sockets, a steady clock and Asio timers.
// Time given to the engine is CLOCK_MONOTONIC (std::chrono::steady_clock since its epoch), so
// events.csv times compare directly with a test's time.monotonic() and stay consistent across a
// process restart.
#ifndef IKEV2_TOOLS_PEER_APP_H
#define IKEV2_TOOLS_PEER_APP_H

#include "control-channel.h"
#include "endpoint.h"
#include "inner-traffic.h"
#include "peer-options.h"
#include "run-log.h"
#include "udp-transport.h"

#include <boost/asio.hpp>
#include <memory>
#include <string>

namespace ikev2
{
namespace tools
{

class PeerApp
{
  public:
    explicit PeerApp(PeerOptions options);
    /// Runs until SIGINT/SIGTERM, `quit` or --duration; returns the exit code.
    int Run();

  private:
    Time Now() const;
    void Log(const std::string& line);
    /// Acts on everything one engine call produced: sends, logs, key lines, inner packets.
    void Process(Output& out);
    void ArmTimer();
    void OnTimer();
    void OnDatagram(Datagram d);
    std::string OnCommand(const std::string& line);
    std::string Status() const;
    void Crash(Time down);
    void Boot();
    void SchedulePing();
    void SendPing();
    bool LoadStore(std::string& error);
    void SaveStore();
    void Stop(int code);

    PeerOptions m_options;
    boost::asio::io_context m_io;
    boost::asio::steady_timer m_timer;
    boost::asio::steady_timer m_pingTimer;
    boost::asio::steady_timer m_bootTimer;
    boost::asio::steady_timer m_durationTimer;
    boost::asio::signal_set m_signals;
    PersistentStore m_store;
    std::unique_ptr<Endpoint> m_endpoint;
    UdpTransport m_transport;
    ControlChannel m_control;
    InnerTraffic m_inner;
    RunLog m_log;
    bool m_down{ true }; ///< crashed (or not booted yet): datagrams and timers are ignored
    uint32_t m_pingsLeft{ 0 };
    Ipv4Address m_pingTarget;
    int m_exitCode{ 0 };
};

} // namespace tools
} // namespace ikev2

#endif

#include "peer-app.h"

#include <chrono>
#include <cinttypes>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace ikev2
{
namespace tools
{

namespace asio = boost::asio;

namespace
{

const char*
StateName(IkeSaState s)
{
    switch (s)
    {
        case IkeSaState::Connecting:
            return "connecting";
        case IkeSaState::Established:
            return "established";
        case IkeSaState::Rekeying:
            return "rekeying";
        case IkeSaState::Deleting:
            return "deleting";
    }
    return "unknown";
}

std::string
Hex64(uint64_t v)
{
    char buf[20];
    std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
    return buf;
}

std::string
Hex32(uint32_t v)
{
    char buf[12];
    std::snprintf(buf, sizeof(buf), "%08" PRIx32, v);
    return buf;
}

asio::steady_timer::time_point
ToTimePoint(Time t)
{
    return asio::steady_timer::time_point(
      std::chrono::duration_cast<asio::steady_timer::duration>(t));
}

} // namespace

PeerApp::PeerApp(PeerOptions options)
  : m_options(std::move(options))
  , m_timer(m_io)
  , m_pingTimer(m_io)
  , m_bootTimer(m_io)
  , m_durationTimer(m_io)
  , m_signals(m_io, SIGINT, SIGTERM)
  , m_transport(
      m_io,
      [this](Datagram d) { OnDatagram(std::move(d)); },
      [this](const std::string& w) { Log("warning: " + w); })
  , m_control(m_io, [this](const std::string& line) { return OnCommand(line); })
  , m_inner(m_options.innerAddress, static_cast<uint16_t>(::getpid() & 0xFFFF))
{
}

Time
PeerApp::Now() const
{
    return std::chrono::duration_cast<Time>(std::chrono::steady_clock::now().time_since_epoch());
}

void
PeerApp::Log(const std::string& line)
{
    m_log.Text(Now(), line);
}

int
PeerApp::Run()
{
    std::string error;
    if (!m_log.Open(m_options.logPath, m_options.eventsPath, m_options.keyDir, error))
    {
        std::fprintf(stderr, "ikev2-peer: %s\n", error.c_str());
        return 2;
    }
    if (!m_options.seedGiven)
    {
        std::random_device rd;
        m_options.endpoint.seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    }
    if (!LoadStore(error))
    {
        Log(error);
        return 2;
    }
    try
    {
        m_endpoint = std::make_unique<Endpoint>(m_options.endpoint, m_store);
    }
    catch (const ConfigError& e)
    {
        Log(std::string("configuration error: ") + e.what());
        return 2;
    }
    const PeerConfig& peer = m_options.endpoint.peers.front();
    if (!m_transport.Open(
          peer.local.ip, m_options.ikePort, m_options.natTPort, m_options.rawEsp, error) ||
        (!m_options.controlPath.empty() && !m_control.Open(m_options.controlPath, error)))
    {
        Log(error);
        return 2;
    }
    Log("ikev2-peer " + m_options.endpoint.name + " seed " +
        std::to_string(m_options.endpoint.seed) + " scheme " +
        SchemeName(m_options.endpoint.scheme) + " local " + peer.local.ip.ToString() + " remote " +
        peer.remote.ip.ToString() + " inner " + m_inner.Self().ToString());
    m_signals.async_wait(
      [this](boost::system::error_code ec, int sig)
      {
          if (!ec)
          {
              Log("signal " + std::to_string(sig) + ": exiting");
              Stop(0);
          }
      });
    if (m_options.duration.count() > 0)
    {
        m_durationTimer.expires_after(m_options.duration);
        m_durationTimer.async_wait(
          [this](boost::system::error_code ec)
          {
              if (!ec)
              {
                  Stop(0);
              }
          });
    }
    Boot();
    if (m_options.pingTarget && m_options.pingCount > 0)
    {
        m_pingTarget = *m_options.pingTarget;
        m_pingsLeft = m_options.pingCount;
        SchedulePing();
    }
    m_io.run();
    SaveStore();
    return m_exitCode;
}

void
PeerApp::Stop(int code)
{
    m_exitCode = code;
    m_transport.Close();
    m_control.Close();
    m_signals.cancel();
    m_io.stop();
}

void
PeerApp::Process(Output& out)
{
    for (const Datagram& d : out.datagrams)
    {
        m_transport.Send(d);
    }
    for (const Event& e : out.events)
    {
        m_log.EngineEvent(m_options.endpoint.name, e);
        std::string line = std::string("event ") + EventTypeName(e.type) + " " + e.peer + " ike " +
                           Hex64(e.spiI) + "/" + Hex64(e.spiR);
        if (e.childSpiIn != 0 || e.childSpiOut != 0)
        {
            line += " child " + Hex32(e.childSpiIn) + "/" + Hex32(e.childSpiOut);
        }
        if (e.notifyType != 0)
        {
            line += " notify " + std::to_string(e.notifyType) +
                    (e.protectedMsg ? " protected" : " unprotected");
        }
        if (!e.detail.empty())
        {
            line += " (" + e.detail + ")";
        }
        Log(line);
    }
    m_log.KeyLines(out.ikeKeyLines, out.espKeyLines);
    std::vector<Bytes> answers;
    for (const Bytes& packet : out.delivered)
    {
        InnerResult r = m_inner.Handle(packet, Now());
        std::string detail = r.description;
        if (r.echoReply)
        {
            char rtt[32];
            std::snprintf(rtt, sizeof(rtt), " rtt_ms=%.3f", r.rttMs);
            detail += rtt;
        }
        m_log.ToolEvent(Now(),
                        m_options.endpoint.name,
                        "inner-delivered",
                        m_options.endpoint.peers.front().name,
                        detail);
        Log("inner delivered: " + detail);
        if (r.answer)
        {
            answers.push_back(std::move(*r.answer));
        }
    }
    out.Clear();
    for (const Bytes& answer : answers)
    {
        m_endpoint->SendInner(Now(), answer, out);
        Process(out); // answers only send: this recursion is one level deep
    }
    ArmTimer();
}

void
PeerApp::ArmTimer()
{
    const Time deadline = m_down ? kNever : m_endpoint->NextDeadline();
    if (deadline == kNever)
    {
        m_timer.cancel();
        return;
    }
    m_timer.expires_at(ToTimePoint(deadline));
    m_timer.async_wait(
      [this](boost::system::error_code ec)
      {
          if (!ec)
          {
              OnTimer();
          }
      });
}

void
PeerApp::OnTimer()
{
    if (m_down)
    {
        return;
    }
    Output out;
    m_endpoint->HandleTimer(Now(), out);
    Process(out);
}

void
PeerApp::OnDatagram(Datagram d)
{
    if (m_down)
    {
        return; // a crashed node's interfaces are down
    }
    Output out;
    m_endpoint->HandleDatagram(Now(), d, out);
    Process(out);
}

void
PeerApp::Boot()
{
    m_down = false;
    Output out;
    m_endpoint->Start(Now(), out);
    SaveStore();
    m_log.ToolEvent(Now(), m_options.endpoint.name, "up", "", "");
    Log("started");
    Process(out);
}

void
PeerApp::Crash(Time down)
{
    m_endpoint->Crash();
    m_down = true;
    m_timer.cancel();
    SaveStore();
    m_log.ToolEvent(
      Now(), m_options.endpoint.name, "crash", "", "down_s=" + RunLog::FormatTime(down));
    Log("crashed: all volatile state dropped");
    m_bootTimer.expires_after(down);
    m_bootTimer.async_wait(
      [this](boost::system::error_code ec)
      {
          if (!ec)
          {
              Boot();
          }
      });
}

void
PeerApp::SchedulePing()
{
    m_pingTimer.expires_after(
      std::chrono::duration_cast<std::chrono::nanoseconds>(m_options.pingInterval));
    m_pingTimer.async_wait(
      [this](boost::system::error_code ec)
      {
          if (!ec)
          {
              SendPing();
          }
      });
}

void
PeerApp::SendPing()
{
    if (m_pingsLeft == 0)
    {
        return;
    }
    if (!m_down)
    {
        --m_pingsLeft;
        Bytes packet = m_inner.NextEchoRequest(m_pingTarget, Now());
        m_log.ToolEvent(Now(),
                        m_options.endpoint.name,
                        "inner-sent",
                        m_options.endpoint.peers.front().name,
                        "icmp echo-request " + m_inner.Self().ToString() + ">" +
                          m_pingTarget.ToString());
        Output out;
        m_endpoint->SendInner(Now(), packet, out);
        Process(out);
    }
    if (m_pingsLeft > 0)
    {
        SchedulePing();
    }
}

std::string
PeerApp::OnCommand(const std::string& line)
{
    std::istringstream in(line);
    std::string command;
    in >> command;
    const std::string& peer = m_options.endpoint.peers.front().name;
    Log("control: " + line);
    if (command == "status")
    {
        return Status();
    }
    if (command == "quit")
    {
        asio::post(m_io, [this] { Stop(0); });
        return "ok";
    }
    if (command == "crash")
    {
        double seconds = ToSeconds(m_options.restartDelay);
        in >> seconds;
        if (m_down)
        {
            return "error: already down";
        }
        Crash(FromSeconds(seconds < 0 ? 0 : seconds));
        return "ok";
    }
    if (command == "ping")
    {
        std::string target;
        uint32_t count = 1;
        in >> target >> count;
        if (!Ipv4Address::Parse(target, m_pingTarget))
        {
            return "error: ping needs an IPv4 address";
        }
        const bool idle = m_pingsLeft == 0;
        m_pingsLeft += count;
        if (idle)
        {
            asio::post(m_io, [this] { SendPing(); });
        }
        return "ok";
    }
    if (m_down)
    {
        return "error: down";
    }
    Output out;
    if (command == "initiate")
    {
        m_endpoint->Initiate(Now(), peer, out);
    }
    else if (command == "rekey-child")
    {
        m_endpoint->RekeyChild(Now(), peer, out);
    }
    else if (command == "rekey-ike")
    {
        m_endpoint->RekeyIke(Now(), peer, out);
    }
    else if (command == "delete")
    {
        m_endpoint->Terminate(Now(), peer, out);
    }
    else
    {
        return "error: unknown command '" + command + "'";
    }
    Process(out);
    return "ok";
}

std::string
PeerApp::Status() const
{
    nlohmann::json j;
    j["up"] = !m_down;
    j["time_s"] = ToSeconds(Now());
    j["ike_sas"] = nlohmann::json::array();
    if (!m_down)
    {
        for (const IkeSaInfo& sa : m_endpoint->IkeSas())
        {
            nlohmann::json s;
            s["peer"] = sa.peer;
            s["spi_i"] = Hex64(sa.spiI);
            s["spi_r"] = Hex64(sa.spiR);
            s["initiator"] = sa.initiator;
            s["state"] = StateName(sa.state);
            s["remote"] = sa.remote.ToString();
            s["remote_id"] = sa.remoteId;
            s["children"] = nlohmann::json::array();
            for (const ChildSaInfo& c : sa.children)
            {
                s["children"].push_back({ { "spi_in", Hex32(c.spiIn) },
                                          { "spi_out", Hex32(c.spiOut) },
                                          { "packets_in", c.packetsIn },
                                          { "packets_out", c.packetsOut } });
            }
            j["ike_sas"].push_back(s);
        }
    }
    const InnerCounters& ic = m_inner.Counters();
    j["inner"] = { { "echo_requests_sent", ic.echoRequestsSent },
                   { "echo_replies_received", ic.echoRepliesReceived },
                   { "echo_requests_answered", ic.echoRequestsAnswered },
                   { "other_received", ic.otherReceived },
                   { "pings_pending", m_pingsLeft } };
    const EndpointCounters& c = m_endpoint->Counters();
    j["counters"] = { { "esp_packets_in", c.espPacketsIn },
                      { "esp_packets_out", c.espPacketsOut },
                      { "esp_no_sa", c.espNoSa },
                      { "esp_integrity_failed", c.espIntegrityFailed },
                      { "esp_replay", c.espReplay },
                      { "ike_messages_in", c.ikeMessagesIn },
                      { "ike_messages_out", c.ikeMessagesOut },
                      { "malformed_dropped", c.malformedDropped },
                      { "retransmissions", c.retransmissions },
                      { "inner_dropped_no_sa", c.innerDroppedNoSa } };
    return j.dump();
}

bool
PeerApp::LoadStore(std::string& error)
{
    if (m_options.storePath.empty())
    {
        return true;
    }
    std::ifstream in(m_options.storePath);
    if (!in)
    {
        return true; // first boot
    }
    std::string key;
    std::string hex;
    while (in >> key >> hex)
    {
        Bytes value;
        if (!FromHex(hex, value))
        {
            error = "corrupt store file " + m_options.storePath;
            return false;
        }
        m_store.Put(key, std::move(value));
    }
    return true;
}

void
PeerApp::SaveStore()
{
    if (m_options.storePath.empty())
    {
        return;
    }
    const std::string tmp = m_options.storePath + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& [key, value] : m_store.Entries())
        {
            out << key << ' ' << (value.empty() ? "" : ToHex(value)) << '\n';
        }
    }
    std::rename(tmp.c_str(), m_options.storePath.c_str());
}

} // namespace tools
} // namespace ikev2

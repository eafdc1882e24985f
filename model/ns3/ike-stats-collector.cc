#include "ike-stats-collector.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("IkeStatsCollector");
NS_OBJECT_ENSURE_REGISTERED(IkeStatsCollector);

TypeId
IkeStatsCollector::GetTypeId()
{
    static TypeId tid = TypeId("ns3::IkeStatsCollector")
                          .SetParent<Object>()
                          .SetGroupName("Ikev2")
                          .AddConstructor<IkeStatsCollector>();
    return tid;
}

void
IkeStatsCollector::ConnectApplication(const std::string& nodeName, Ptr<IkeApplication> app)
{
    app->TraceConnectWithoutContext(
      "EngineEvent",
      Callback<void, const ikev2::Event&>([this, nodeName](const ikev2::Event& e)
                                          { OnEvent(nodeName, e); }));
    app->TraceConnectWithoutContext("IkeTx",
                                    Callback<void, const ikev2::Datagram&, bool>(
                                      [this, nodeName](const ikev2::Datagram& d, bool p)
                                      { OnIke(nodeName, true, d, p); }));
    app->TraceConnectWithoutContext("IkeRx",
                                    Callback<void, const ikev2::Datagram&, bool>(
                                      [this, nodeName](const ikev2::Datagram& d, bool p)
                                      { OnIke(nodeName, false, d, p); }));
    app->TraceConnectWithoutContext("KeyLine",
                                    Callback<void, const std::string&, const std::string&>(
                                      [this](const std::string& f, const std::string& l)
                                      { OnKeyLine(f, l); }));
    app->TraceConnectWithoutContext("Crypto",
                                    Callback<void, const ikev2::CryptoCounts&, Time>(
                                      [this, nodeName](const ikev2::CryptoCounts& c, Time cost)
                                      { OnCrypto(nodeName, c, cost); }));
    app->TraceConnectWithoutContext(
      "Daemon",
      Callback<void, const std::string&>([this, nodeName](const std::string& s)
                                         { OnDaemon(nodeName, s); }));
}

void
IkeStatsCollector::ConnectCrashControl(const std::string& nodeName, Ptr<CrashControl> control)
{
    control->TraceConnectWithoutContext(
      "Crashed",
      Callback<void, uint32_t>([this, nodeName](uint32_t) { OnNodeState(nodeName, "crash"); }));
    control->TraceConnectWithoutContext(
      "Up", Callback<void, uint32_t>([this, nodeName](uint32_t) { OnNodeState(nodeName, "up"); }));
}

void
IkeStatsCollector::AddRow(const std::string& node,
                          const std::string& event,
                          const std::string& detail)
{
    Row row;
    row.timeNs = Simulator::Now().GetNanoSeconds();
    row.node = node;
    row.event = event;
    row.detail = detail;
    m_rows.push_back(row);
}

void
IkeStatsCollector::AddRowAt(int64_t timeNs,
                            const std::string& node,
                            const std::string& event,
                            const std::string& detail)
{
    Row row;
    row.timeNs = timeNs;
    row.node = node;
    row.event = event;
    row.detail = detail;
    auto pos = std::upper_bound(
      m_rows.begin(), m_rows.end(), timeNs, [](int64_t t, const Row& r) { return t < r.timeNs; });
    m_rows.insert(pos, row);
}

void
IkeStatsCollector::OnEvent(const std::string& node, const ikev2::Event& e)
{
    const char* name = ikev2::EventTypeName(e.type);
    if (m_countedOnly.count(name) != 0)
    {
        m_counted[node][name] += 1;
        return;
    }
    Row row;
    row.timeNs = e.time.count();
    row.node = node;
    row.event = name;
    row.peer = e.peer;
    row.spiI = e.spiI;
    row.spiR = e.spiR;
    row.childSpiIn = e.childSpiIn;
    row.childSpiOut = e.childSpiOut;
    row.notify = e.notifyType;
    row.isProtected = e.protectedMsg;
    row.detail = e.detail;
    m_rows.push_back(row);
}

void
IkeStatsCollector::OnIke(const std::string& node,
                         bool sent,
                         const ikev2::Datagram& d,
                         bool isProtected)
{
    IkeRecord r;
    r.timeNs = Simulator::Now().GetNanoSeconds();
    r.node = node;
    r.sent = sent;
    r.isProtected = isProtected;
    r.bytes = static_cast<uint32_t>(d.data.size());
    m_ike.push_back(r);
}

void
IkeStatsCollector::OnKeyLine(const std::string& file, const std::string& line)
{
    if (m_seenKeyLines.insert(file + "\n" + line).second)
    {
        m_keyLines[file].push_back(line);
    }
}

void
IkeStatsCollector::OnCrypto(const std::string& node, const ikev2::CryptoCounts& counts, Time cost)
{
    CryptoRecord r;
    r.timeNs = Simulator::Now().GetNanoSeconds();
    r.node = node;
    r.counts = counts;
    r.cost = cost;
    m_crypto.push_back(r);
}

void
IkeStatsCollector::OnNodeState(const std::string& node, const std::string& event)
{
    AddRow(node, event, "");
}

void
IkeStatsCollector::OnDaemon(const std::string& node, const std::string& state)
{
    AddRow(node, "daemon-" + state, "");
}

void
IkeStatsCollector::SetCountedOnly(const std::set<std::string>& events)
{
    m_countedOnly = events;
}

const std::map<std::string, std::map<std::string, uint64_t>>&
IkeStatsCollector::GetCountedOnly() const
{
    return m_counted;
}

const std::vector<IkeStatsCollector::Row>&
IkeStatsCollector::GetRows() const
{
    return m_rows;
}

const std::vector<IkeStatsCollector::IkeRecord>&
IkeStatsCollector::GetIkeRecords() const
{
    return m_ike;
}

const std::vector<IkeStatsCollector::CryptoRecord>&
IkeStatsCollector::GetCryptoRecords() const
{
    return m_crypto;
}

const std::vector<std::string>&
IkeStatsCollector::GetKeyLines(const std::string& file) const
{
    static const std::vector<std::string> kNone;
    auto it = m_keyLines.find(file);
    return it == m_keyLines.end() ? kNone : it->second;
}

std::string
IkeStatsCollector::CsvField(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
    {
        return text;
    }
    std::string out = "\"";
    for (char c : text)
    {
        out += c;
        if (c == '"')
        {
            out += '"';
        }
    }
    return out + "\"";
}

bool
IkeStatsCollector::WriteEventsCsv(const std::string& path) const
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f)
    {
        return false;
    }
    f << "time_s,node,event,peer,spi_i,spi_r,child_spi_in,child_spi_out,notify,protected,detail\n";
    for (const Row& r : m_rows)
    {
        char head[160];
        // Integer arithmetic only: the same run prints the same bytes everywhere.
        std::snprintf(head,
                      sizeof(head),
                      "%" PRId64 ".%09" PRId64,
                      r.timeNs / 1000000000,
                      r.timeNs % 1000000000);
        char spis[96];
        std::snprintf(spis,
                      sizeof(spis),
                      "%016" PRIx64 ",%016" PRIx64 ",%08" PRIx32 ",%08" PRIx32 ",%u,%d",
                      r.spiI,
                      r.spiR,
                      r.childSpiIn,
                      r.childSpiOut,
                      static_cast<unsigned>(r.notify),
                      r.isProtected ? 1 : 0);
        f << head << ',' << CsvField(r.node) << ',' << CsvField(r.event) << ',' << CsvField(r.peer)
          << ',' << spis << ',' << CsvField(r.detail) << '\n';
    }
    return static_cast<bool>(f);
}

bool
IkeStatsCollector::WriteKeyFiles(const std::string& directory) const
{
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec)
    {
        return false;
    }
    for (const char* file : { IkeApplication::kIkeKeyFile, IkeApplication::kEspKeyFile })
    {
        std::ofstream f(directory + "/" + file, std::ios::binary | std::ios::trunc);
        if (!f)
        {
            return false;
        }
        for (const auto& line : GetKeyLines(file))
        {
            f << line << '\n';
        }
    }
    return true;
}

} // namespace ns3

#include "run-log.h"

#include <cinttypes>
#include <filesystem>
#include <fstream>

namespace ikev2
{
namespace tools
{
namespace
{

std::FILE*
OpenAppend(const std::string& path, std::string& error)
{
    std::FILE* f = std::fopen(path.c_str(), "a");
    if (f == nullptr)
    {
        error = "cannot open " + path + " for writing";
    }
    return f;
}

/// Lines already in a key file (a restarted process continues it without duplicates).
void
ReadLines(const std::string& path, std::set<std::string>& out)
{
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
    {
        if (!line.empty())
        {
            out.insert(line);
        }
    }
}

} // namespace

RunLog::~RunLog()
{
    for (std::FILE* f : { m_events, m_ikeKeys, m_espKeys })
    {
        if (f != nullptr)
        {
            std::fclose(f);
        }
    }
    if (m_ownText && m_text != nullptr)
    {
        std::fclose(m_text);
    }
}

bool
RunLog::Open(const std::string& logPath,
             const std::string& eventsPath,
             const std::string& keyDir,
             std::string& error)
{
    if (logPath.empty())
    {
        m_text = stderr;
    }
    else if ((m_text = OpenAppend(logPath, error)) == nullptr)
    {
        return false;
    }
    else
    {
        m_ownText = true;
    }
    if (!eventsPath.empty())
    {
        std::error_code ec;
        const bool fresh = !std::filesystem::exists(eventsPath, ec) ||
                           std::filesystem::file_size(eventsPath, ec) == 0;
        if ((m_events = OpenAppend(eventsPath, error)) == nullptr)
        {
            return false;
        }
        if (fresh)
        {
            std::fputs("time_s,node,event,peer,spi_i,spi_r,child_spi_in,child_spi_out,notify,"
                       "protected,detail\n",
                       m_events);
            std::fflush(m_events);
        }
    }
    if (!keyDir.empty())
    {
        std::error_code ec;
        std::filesystem::create_directories(keyDir, ec);
        const std::string ike = keyDir + "/" + kIkeKeyFile;
        const std::string esp = keyDir + "/" + kEspKeyFile;
        ReadLines(ike, m_ikeSeen);
        ReadLines(esp, m_espSeen);
        if ((m_ikeKeys = OpenAppend(ike, error)) == nullptr ||
            (m_espKeys = OpenAppend(esp, error)) == nullptr)
        {
            return false;
        }
    }
    return true;
}

std::string
RunLog::FormatTime(Time t)
{
    // Integer arithmetic, as the ns-3 collector prints it.
    const int64_t ns = t.count();
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%" PRId64 ".%09" PRId64, ns / 1000000000, ns % 1000000000);
    return buf;
}

std::string
RunLog::CsvField(const std::string& text)
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

void
RunLog::Text(Time now, const std::string& line)
{
    std::fprintf(m_text, "[%s] %s\n", FormatTime(now).c_str(), line.c_str());
    std::fflush(m_text);
}

void
RunLog::Row(Time t,
            const std::string& node,
            const std::string& event,
            const std::string& peer,
            uint64_t spiI,
            uint64_t spiR,
            uint32_t childIn,
            uint32_t childOut,
            uint16_t notify,
            bool isProtected,
            const std::string& detail)
{
    if (m_events == nullptr)
    {
        return;
    }
    std::fprintf(m_events,
                 "%s,%s,%s,%s,%016" PRIx64 ",%016" PRIx64 ",%08" PRIx32 ",%08" PRIx32 ",%u,%d,%s\n",
                 FormatTime(t).c_str(),
                 CsvField(node).c_str(),
                 CsvField(event).c_str(),
                 CsvField(peer).c_str(),
                 spiI,
                 spiR,
                 childIn,
                 childOut,
                 static_cast<unsigned>(notify),
                 isProtected ? 1 : 0,
                 CsvField(detail).c_str());
    std::fflush(m_events);
}

void
RunLog::EngineEvent(const std::string& node, const Event& e)
{
    Row(e.time,
        node,
        EventTypeName(e.type),
        e.peer,
        e.spiI,
        e.spiR,
        e.childSpiIn,
        e.childSpiOut,
        e.notifyType,
        e.protectedMsg,
        e.detail);
}

void
RunLog::ToolEvent(Time now,
                  const std::string& node,
                  const std::string& event,
                  const std::string& peer,
                  const std::string& detail)
{
    Row(now, node, event, peer, 0, 0, 0, 0, 0, false, detail);
}

void
RunLog::AppendKeys(std::FILE* f, std::set<std::string>& seen, const std::vector<std::string>& l)
{
    if (f == nullptr)
    {
        return;
    }
    for (const auto& line : l)
    {
        if (seen.insert(line).second)
        {
            std::fprintf(f, "%s\n", line.c_str());
        }
    }
    std::fflush(f);
}

void
RunLog::KeyLines(const std::vector<std::string>& ike, const std::vector<std::string>& esp)
{
    AppendKeys(m_ikeKeys, m_ikeSeen, ike);
    AppendKeys(m_espKeys, m_espSeen, esp);
}

} // namespace tools
} // namespace ikev2

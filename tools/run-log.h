// Output files of ikev2-peer: a text log, events.csv in the format of the ns-3 runs
// (time_s,node,event,peer,spi_i,spi_r,child_spi_in,child_spi_out,notify,protected,detail) and
// the Wireshark key files. Every file is appended to and flushed line by line, so that a test
// can read it while the peer runs and a restarted process continues the same files.
#ifndef IKEV2_TOOLS_RUN_LOG_H
#define IKEV2_TOOLS_RUN_LOG_H

#include "engine-events.h"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace ikev2
{
namespace tools
{

class RunLog
{
  public:
    static constexpr const char* kIkeKeyFile = "ikev2_decryption_table";
    static constexpr const char* kEspKeyFile = "esp_sa";

    RunLog() = default;
    ~RunLog();
    RunLog(const RunLog&) = delete;
    RunLog& operator=(const RunLog&) = delete;

    /// Empty paths disable that output. Returns false with @p error on an unwritable path.
    bool Open(const std::string& logPath,
              const std::string& eventsPath,
              const std::string& keyDir,
              std::string& error);

    void Text(Time now, const std::string& line);
    void EngineEvent(const std::string& node, const Event& e);
    /// Adapter-level rows (inner traffic, crash, restart) in the same file.
    void ToolEvent(Time now,
                   const std::string& node,
                   const std::string& event,
                   const std::string& peer,
                   const std::string& detail);
    void KeyLines(const std::vector<std::string>& ike, const std::vector<std::string>& esp);

    static std::string FormatTime(Time t);
    static std::string CsvField(const std::string& text);

  private:
    void Row(Time t,
             const std::string& node,
             const std::string& event,
             const std::string& peer,
             uint64_t spiI,
             uint64_t spiR,
             uint32_t childIn,
             uint32_t childOut,
             uint16_t notify,
             bool isProtected,
             const std::string& detail);
    void AppendKeys(std::FILE* f, std::set<std::string>& seen, const std::vector<std::string>& l);

    std::FILE* m_text{ nullptr };
    bool m_ownText{ false };
    std::FILE* m_events{ nullptr };
    std::FILE* m_ikeKeys{ nullptr };
    std::FILE* m_espKeys{ nullptr };
    std::set<std::string> m_ikeSeen;
    std::set<std::string> m_espSeen;
};

} // namespace tools
} // namespace ikev2

#endif

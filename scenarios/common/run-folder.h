// The self-describing run folder every scenario writes (--outDir): params.json, events.csv,
// summary.json, wall.json (the only file with wall-clock values), and with --pcap the WAN pcaps
// under pcap/ and the Wireshark key files under keys/.
#ifndef SCENARIOS_RUN_FOLDER_H
#define SCENARIOS_RUN_FOLDER_H

#include <nlohmann/json.hpp>
#include <string>

namespace scenarios
{

class RunFolder
{
  public:
    explicit RunFolder(std::string directory);

    /// Creates the folder (and pcap/, keys/); returns false with @p error on failure.
    bool Create(std::string& error);
    std::string Path(const std::string& name) const;
    const std::string& Directory() const;
    /// Pretty-printed JSON (sorted keys, 2-space indent, trailing newline): the same value
    /// always gives the same bytes.
    bool WriteJson(const std::string& name, const nlohmann::json& value) const;

  private:
    std::string m_directory;
};

/// The code that produced a run: $IKEV2_CODE_VERSION if set, else `git rev-parse` of the source
/// tree (with "-dirty" when it has uncommitted changes), else "unknown".
std::string CodeVersion();

} // namespace scenarios

#endif

// Command-line flags of a scenario program on top of ns-3's CommandLine: each flag has a type,
// a default shown by --help, and a range or a set of allowed values checked after parsing, so a
// bad value fails at once with a message naming it. The parsed values become params.json.
#ifndef SCENARIOS_SCENARIO_FLAGS_H
#define SCENARIOS_SCENARIO_FLAGS_H

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace scenarios
{

class ScenarioFlags
{
  public:
    ScenarioFlags(std::string program, std::string usage);

    void AddString(const std::string& name,
                   const std::string& help,
                   const std::string& defaultValue,
                   std::vector<std::string> allowed = {});
    void AddDouble(const std::string& name,
                   const std::string& help,
                   double defaultValue,
                   double min = -std::numeric_limits<double>::infinity(),
                   double max = std::numeric_limits<double>::infinity());
    void AddUint(const std::string& name,
                 const std::string& help,
                 uint64_t defaultValue,
                 uint64_t min = 0,
                 uint64_t max = std::numeric_limits<uint64_t>::max());
    void AddBool(const std::string& name, const std::string& help, bool defaultValue);
    /// An ns-3 DataRate string ("10Mbps").
    void AddDataRate(const std::string& name, const std::string& help, const std::string& def);

    /// Parses argv with ns-3's CommandLine (which handles --help and unknown flags), then checks
    /// every value; on a bad value prints "<program>: error: --name=value: why" and exits 2.
    void Parse(int argc, char** argv);

    /// Changes the default of a flag the user did not set (e.g. for --quick).
    void SetDefault(const std::string& name, const std::string& value);
    bool IsSet(const std::string& name) const;

    std::string GetString(const std::string& name) const;
    double GetDouble(const std::string& name) const;
    uint64_t GetUint(const std::string& name) const;
    bool GetBool(const std::string& name) const;

    /// Exits with "<program>: error: <message>" (for checks across flags).
    [[noreturn]] void Fail(const std::string& message) const;
    /// Every flag with its effective value, typed.
    nlohmann::json ToJson() const;

  private:
    enum class Kind
    {
        String,
        Double,
        Uint,
        Bool,
        DataRate
    };
    struct Flag
    {
        Kind kind{ Kind::String };
        std::string help;
        std::string defaultValue;
        std::string raw;
        bool set{ false };
        std::vector<std::string> allowed;
        double dmin{ 0 };
        double dmax{ 0 };
        uint64_t umin{ 0 };
        uint64_t umax{ 0 };
        // Parsed values.
        std::string s;
        double d{ 0 };
        uint64_t u{ 0 };
        bool b{ false };
    };
    static Flag MakeFlag(Kind kind, const std::string& help, const std::string& defaultValue);
    void Add(const std::string& name, Flag flag);
    void Check(const std::string& name, Flag& flag) const;
    const Flag& Get(const std::string& name, Kind kind) const;

    std::string m_program;
    std::string m_usage;
    std::vector<std::string> m_order;
    std::map<std::string, Flag> m_flags;
};

} // namespace scenarios

#endif

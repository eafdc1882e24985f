#include "scenario-flags.h"

#include "ns3/command-line.h"
#include "ns3/data-rate.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace scenarios
{

namespace
{

std::string
FormatDouble(double v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

bool
ParseDouble(const std::string& text, double& value)
{
    if (text.empty())
    {
        return false;
    }
    char* end = nullptr;
    errno = 0;
    value = std::strtod(text.c_str(), &end);
    return errno == 0 && end == text.c_str() + text.size() && std::isfinite(value);
}

bool
ParseUint(const std::string& text, uint64_t& value)
{
    if (text.empty() || text[0] == '-' || text[0] == '+')
    {
        return false;
    }
    char* end = nullptr;
    errno = 0;
    value = std::strtoull(text.c_str(), &end, 10);
    return errno == 0 && end == text.c_str() + text.size();
}

bool
ParseBool(const std::string& text, bool& value)
{
    if (text == "true" || text == "1" || text.empty())
    {
        value = true;
        return true;
    }
    if (text == "false" || text == "0")
    {
        value = false;
        return true;
    }
    return false;
}

std::string
Join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& i : items)
    {
        out += (out.empty() ? "" : "|") + i;
    }
    return out;
}

} // namespace

ScenarioFlags::ScenarioFlags(std::string program, std::string usage)
  : m_program(std::move(program))
  , m_usage(std::move(usage))
{
}

ScenarioFlags::Flag
ScenarioFlags::MakeFlag(Kind kind, const std::string& help, const std::string& defaultValue)
{
    Flag f;
    f.kind = kind;
    f.help = help;
    f.defaultValue = defaultValue;
    return f;
}

void
ScenarioFlags::Add(const std::string& name, Flag flag)
{
    if (m_flags.count(name) == 0)
    {
        m_order.push_back(name);
    }
    m_flags[name] = std::move(flag);
}

void
ScenarioFlags::AddString(const std::string& name,
                         const std::string& help,
                         const std::string& defaultValue,
                         std::vector<std::string> allowed)
{
    Flag f = MakeFlag(Kind::String, help, defaultValue);
    f.allowed = std::move(allowed);
    if (!f.allowed.empty())
    {
        f.help += " (" + Join(f.allowed) + ")";
    }
    Add(name, f);
}

void
ScenarioFlags::AddDouble(const std::string& name,
                         const std::string& help,
                         double defaultValue,
                         double min,
                         double max)
{
    Flag f = MakeFlag(Kind::Double, help, FormatDouble(defaultValue));
    f.dmin = min;
    f.dmax = max;
    Add(name, f);
}

void
ScenarioFlags::AddUint(const std::string& name,
                       const std::string& help,
                       uint64_t defaultValue,
                       uint64_t min,
                       uint64_t max)
{
    Flag f = MakeFlag(Kind::Uint, help, std::to_string(defaultValue));
    f.umin = min;
    f.umax = max;
    Add(name, f);
}

void
ScenarioFlags::AddBool(const std::string& name, const std::string& help, bool defaultValue)
{
    Add(name, MakeFlag(Kind::Bool, help, defaultValue ? "true" : "false"));
}

void
ScenarioFlags::AddDataRate(const std::string& name,
                           const std::string& help,
                           const std::string& defaultValue)
{
    Add(name, MakeFlag(Kind::DataRate, help, defaultValue));
}

void
ScenarioFlags::Parse(int argc, char** argv)
{
    ns3::CommandLine cmd(m_program);
    cmd.Usage(m_usage);
    for (const auto& name : m_order)
    {
        Flag& flag = m_flags[name];
        cmd.AddValue(name,
                     flag.help,
                     ns3::Callback<bool, std::string>(
                       [&flag](std::string value)
                       {
                           flag.raw = value;
                           flag.set = true;
                           return true;
                       }),
                     flag.defaultValue);
    }
    cmd.Parse(argc, argv);
    for (const auto& name : m_order)
    {
        Check(name, m_flags[name]);
    }
}

void
ScenarioFlags::Check(const std::string& name, Flag& f) const
{
    const std::string& value = f.set ? f.raw : f.defaultValue;
    auto bad = [&](const std::string& why) { Fail("--" + name + "=" + value + ": " + why); };
    switch (f.kind)
    {
        case Kind::String:
            if (!f.allowed.empty())
            {
                bool ok = false;
                for (const auto& a : f.allowed)
                {
                    ok = ok || a == value;
                }
                if (!ok)
                {
                    bad("expected one of " + Join(f.allowed));
                }
            }
            f.s = value;
            break;
        case Kind::Double:
            if (!ParseDouble(value, f.d))
            {
                bad("not a number");
            }
            if (f.d < f.dmin || f.d > f.dmax)
            {
                bad("out of range [" + FormatDouble(f.dmin) + ", " + FormatDouble(f.dmax) + "]");
            }
            break;
        case Kind::Uint:
            if (!ParseUint(value, f.u))
            {
                bad("not a non-negative integer");
            }
            if (f.u < f.umin || f.u > f.umax)
            {
                bad("out of range [" + std::to_string(f.umin) + ", " + std::to_string(f.umax) +
                    "]");
            }
            break;
        case Kind::Bool:
            if (!ParseBool(value, f.b))
            {
                bad("expected true or false");
            }
            break;
        case Kind::DataRate:
        {
            // DataRate's own parser aborts on garbage: check the shape first.
            size_t digits = 0;
            while (
              digits < value.size() &&
              (std::isdigit(static_cast<unsigned char>(value[digits])) || value[digits] == '.'))
            {
                ++digits;
            }
            static const std::vector<std::string> units = {
                "bps",   "b/s",   "Bps",  "B/s",   "kbps",  "kb/s", "Kbps",  "Kb/s", "kBps",
                "kB/s",  "KBps",  "KB/s", "Kib/s", "KiB/s", "Mbps", "Mb/s",  "MBps", "MB/s",
                "Mib/s", "MiB/s", "Gbps", "Gb/s",  "GBps",  "GB/s", "Gib/s", "GiB/s"
            };
            bool unitOk = false;
            for (const auto& u : units)
            {
                unitOk = unitOk || value.substr(digits) == u;
            }
            double number = 0;
            if (digits == 0 || !unitOk || !ParseDouble(value.substr(0, digits), number) ||
                number <= 0)
            {
                bad("expected a positive data rate such as 10Mbps");
            }
            f.s = value;
            break;
        }
    }
}

void
ScenarioFlags::SetDefault(const std::string& name, const std::string& value)
{
    auto it = m_flags.find(name);
    if (it == m_flags.end())
    {
        Fail("internal: no flag --" + name);
    }
    if (!it->second.set)
    {
        it->second.defaultValue = value;
        Check(name, it->second);
    }
}

bool
ScenarioFlags::IsSet(const std::string& name) const
{
    auto it = m_flags.find(name);
    return it != m_flags.end() && it->second.set;
}

const ScenarioFlags::Flag&
ScenarioFlags::Get(const std::string& name, Kind kind) const
{
    auto it = m_flags.find(name);
    if (it == m_flags.end() || it->second.kind != kind)
    {
        Fail("internal: no flag --" + name + " of that type");
    }
    return it->second;
}

std::string
ScenarioFlags::GetString(const std::string& name) const
{
    auto it = m_flags.find(name);
    if (it != m_flags.end() && it->second.kind == Kind::DataRate)
    {
        return it->second.s;
    }
    return Get(name, Kind::String).s;
}

double
ScenarioFlags::GetDouble(const std::string& name) const
{
    return Get(name, Kind::Double).d;
}

uint64_t
ScenarioFlags::GetUint(const std::string& name) const
{
    return Get(name, Kind::Uint).u;
}

bool
ScenarioFlags::GetBool(const std::string& name) const
{
    return Get(name, Kind::Bool).b;
}

void
ScenarioFlags::Fail(const std::string& message) const
{
    std::cerr << m_program << ": error: " << message << std::endl;
    std::exit(2);
}

nlohmann::json
ScenarioFlags::ToJson() const
{
    nlohmann::json j = nlohmann::json::object();
    for (const auto& name : m_order)
    {
        const Flag& f = m_flags.at(name);
        switch (f.kind)
        {
            case Kind::String:
            case Kind::DataRate:
                j[name] = f.s;
                break;
            case Kind::Double:
                j[name] = f.d;
                break;
            case Kind::Uint:
                j[name] = f.u;
                break;
            case Kind::Bool:
                j[name] = f.b;
                break;
        }
    }
    return j;
}

} // namespace scenarios

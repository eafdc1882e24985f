#include "engine-config.h"

#include <cmath>

namespace ikev2
{

RetransmitProfile
RetransmitProfile::Named(const std::string& name)
{
    RetransmitProfile p;
    p.name = name;
    if (name == "strongswan")
    {
        // charon retransmit_timeout 4 s, retransmit_base 1.8, retransmit_tries 5.
        p.timeout = std::chrono::milliseconds(4000);
        p.base = 1.8;
        p.tries = 5;
        p.limit = Time(0);
    }
    else if (name == "libreswan")
    {
        // retransmit-interval 500 ms doubling, retransmit-timeout 60 s in total.
        p.timeout = std::chrono::milliseconds(500);
        p.base = 2.0;
        p.tries = 32;
        p.limit = std::chrono::seconds(60);
    }
    else if (name == "iked")
    {
        // OpenIKED: 2 s doubling, 5 retransmissions.
        p.timeout = std::chrono::milliseconds(2000);
        p.base = 2.0;
        p.tries = 5;
        p.limit = Time(0);
    }
    else if (name == "custom")
    {
        // The defaults, overridden knob by knob by the adapter.
    }
    else
    {
        throw ConfigError("unknown retransmission profile '" + name +
                          "' (strongswan, libreswan, iked, custom)");
    }
    return p;
}

Time
RetransmitProfile::GiveUpAfter() const
{
    // The request is sent at 0, retransmitted after timeout*base^0, ..., and abandoned when the
    // timeout following the last of `tries` retransmissions expires.
    double total = 0;
    double step = ToSeconds(timeout);
    for (uint32_t i = 0; i <= tries; ++i)
    {
        total += step;
        step *= base;
        if (limit.count() > 0 && total >= ToSeconds(limit))
        {
            return limit;
        }
    }
    return FromSeconds(total);
}

const char*
SchemeName(RecoveryScheme s)
{
    switch (s)
    {
    case RecoveryScheme::None:
        return "none";
    case RecoveryScheme::Hint:
        return "hint";
    case RecoveryScheme::InitialContact:
        return "initial-contact";
    case RecoveryScheme::Trust:
        return "trust";
    case RecoveryScheme::Qcd:
        return "qcd";
    case RecoveryScheme::Sir:
        return "sir";
    }
    return "unknown";
}

RecoveryScheme
ParseScheme(const std::string& name)
{
    for (auto s : {RecoveryScheme::None,
                   RecoveryScheme::Hint,
                   RecoveryScheme::InitialContact,
                   RecoveryScheme::Trust,
                   RecoveryScheme::Qcd,
                   RecoveryScheme::Sir})
    {
        if (name == SchemeName(s))
        {
            return s;
        }
    }
    throw ConfigError("unknown recovery scheme '" + name +
                      "' (none, hint, initial-contact, trust, qcd, sir)");
}

TrafficSelectorConfig
TrafficSelectorConfig::FromCidr(const std::string& cidr)
{
    std::string addr = cidr;
    int prefix = 32;
    auto slash = cidr.find('/');
    if (slash != std::string::npos)
    {
        addr = cidr.substr(0, slash);
        std::string len = cidr.substr(slash + 1);
        if (len.empty() || len.size() > 2 ||
            len.find_first_not_of("0123456789") != std::string::npos)
        {
            throw ConfigError("bad prefix length in traffic selector '" + cidr + "'");
        }
        prefix = std::stoi(len);
        if (prefix > 32)
        {
            throw ConfigError("bad prefix length in traffic selector '" + cidr + "'");
        }
    }
    Ipv4Address a;
    if (!Ipv4Address::Parse(addr, a))
    {
        throw ConfigError("bad address in traffic selector '" + cidr + "'");
    }
    uint32_t mask = prefix == 0 ? 0 : (0xffffffffu << (32 - prefix));
    TrafficSelectorConfig ts;
    ts.start.value = a.value & mask;
    ts.end.value = (a.value & mask) | ~mask;
    return ts;
}

} // namespace ikev2

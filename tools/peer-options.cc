#include "peer-options.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace ikev2
{
namespace tools
{
namespace
{

struct Option
{
    bool flag; ///< takes no value on the command line
    std::string help;
    std::function<bool(PeerOptions&, const std::string&, std::string&)> apply;
};

bool
ParseSeconds(const std::string& text, Time& out, std::string& error)
{
    char* end = nullptr;
    double s = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(s >= 0) || s > 1e9)
    {
        error = "not a duration in seconds: '" + text + "'";
        return false;
    }
    out = FromSeconds(s);
    return true;
}

bool
ParseUnsigned(const std::string& text, uint64_t max, uint64_t& out, std::string& error)
{
    char* end = nullptr;
    unsigned long long v = std::strtoull(text.c_str(), &end, 0);
    if (text.empty() || text[0] == '-' || end != text.c_str() + text.size() || v > max)
    {
        error = "not an integer in range: '" + text + "'";
        return false;
    }
    out = v;
    return true;
}

bool
ParseDouble(const std::string& text, double& out, std::string& error)
{
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size())
    {
        error = "not a number: '" + text + "'";
        return false;
    }
    return true;
}

bool
ParseAddress(const std::string& text, Ipv4Address& out, std::string& error)
{
    if (!Ipv4Address::Parse(text, out))
    {
        error = "not an IPv4 address: '" + text + "'";
        return false;
    }
    return true;
}

/// Flags given in a file as `key = yes/no`; on the command line the value is "yes".
bool
ParseBool(const std::string& text, bool& out, std::string& error)
{
    if (text == "yes" || text == "true" || text == "1" || text == "on")
    {
        out = true;
        return true;
    }
    if (text == "no" || text == "false" || text == "0" || text == "off")
    {
        out = false;
        return true;
    }
    error = "not yes/no: '" + text + "'";
    return false;
}

PeerConfig&
Peer(PeerOptions& o)
{
    return o.endpoint.peers.front();
}

/// Repeatable list options replace the engine's default on their first use.
template<typename T>
void
Append(std::vector<T>& list, bool& touched, T value)
{
    if (!touched)
    {
        list.clear();
        touched = true;
    }
    list.push_back(std::move(value));
}

using Apply = std::function<bool(PeerOptions&, const std::string&, std::string&)>;

Option
Value(std::string help, Apply apply)
{
    return Option{ false, std::move(help), std::move(apply) };
}

Option
Flag(std::string help, std::function<void(PeerOptions&, bool)> set)
{
    return Option{ true,
                   std::move(help),
                   [set](PeerOptions& o, const std::string& v, std::string& e)
                   {
                       bool b = false;
                       if (!ParseBool(v, b, e))
                       {
                           return false;
                       }
                       set(o, b);
                       return true;
                   } };
}

Apply
SecondsInto(std::function<Time&(PeerOptions&)> field)
{
    return [field](PeerOptions& o, const std::string& v, std::string& e)
    { return ParseSeconds(v, field(o), e); };
}

const std::map<std::string, Option>&
Options()
{
    static const std::map<std::string, Option> options = {
        { "config", Value("FILE: read `key = value` lines (flag names) here", nullptr) },
        { "name",
          Value("node name in events.csv and logs (default: endpoint)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    o.endpoint.name = v;
                    return true;
                }) },
        { "connection",
          Value("connection (peer) name (default: peer)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    Peer(o).name = v;
                    return true;
                }) },
        { "local",
          Value("IP: our outer address (sockets bind here)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                { return ParseAddress(v, Peer(o).local.ip, e); }) },
        { "remote",
          Value("IP: the peer's outer address (0.0.0.0: responder only)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                { return ParseAddress(v, Peer(o).remote.ip, e); }) },
        { "ike-port",
          Value("UDP port for IKE (default 500)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    uint64_t p = 0;
                    bool ok = ParseUnsigned(v, 65535, p, e);
                    o.ikePort = static_cast<uint16_t>(p);
                    return ok;
                }) },
        { "local-id",
          Value("our identity: FQDN, or user@fqdn",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    Peer(o).localId = v;
                    return true;
                }) },
        { "remote-id",
          Value("the peer's identity",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    Peer(o).remoteId = v;
                    return true;
                }) },
        { "psk",
          Value("pre-shared key (text)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    Peer(o).psk.assign(v.begin(), v.end());
                    return true;
                }) },
        { "psk-hex",
          Value("pre-shared key (hex)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    if (!FromHex(v, Peer(o).psk))
                    {
                        e = "bad hex in psk-hex";
                        return false;
                    }
                    return true;
                }) },
        { "ike-proposal",
          Value("IKE proposal, repeatable (default aes128gcm16-prfsha256-x25519)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    Append(Peer(o).ikeProposals, o.ikeProposalsGiven, v);
                    return true;
                }) },
        { "esp-proposal",
          Value("ESP proposal, repeatable (default aes128gcm16)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    Append(Peer(o).espProposals, o.espProposalsGiven, v);
                    return true;
                }) },
        { "local-ts",
          Value("CIDR: local traffic selector, repeatable",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    try
                    {
                        Peer(o).localTs.push_back(TrafficSelectorConfig::FromCidr(v));
                    }
                    catch (const ConfigError& err)
                    {
                        e = err.what();
                        return false;
                    }
                    return true;
                }) },
        { "remote-ts",
          Value("CIDR: remote traffic selector, repeatable",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    try
                    {
                        Peer(o).remoteTs.push_back(TrafficSelectorConfig::FromCidr(v));
                    }
                    catch (const ConfigError& err)
                    {
                        e = err.what();
                        return false;
                    }
                    return true;
                }) },
        { "start-action",
          Value("none | start | trap (default trap)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    if (v == "none")
                    {
                        Peer(o).startAction = StartAction::None;
                    }
                    else if (v == "start")
                    {
                        Peer(o).startAction = StartAction::Start;
                    }
                    else if (v == "trap")
                    {
                        Peer(o).startAction = StartAction::Trap;
                    }
                    else
                    {
                        e = "start-action must be none, start or trap";
                        return false;
                    }
                    return true;
                }) },
        { "initiate",
          Flag("same as start-action = start",
               [](PeerOptions& o, bool b)
               {
                   if (b)
                   {
                       Peer(o).startAction = StartAction::Start;
                   }
               }) },
        { "profile",
          Value("retransmission profile: strongswan | libreswan | iked | custom",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    try
                    {
                        o.endpoint.retransmit = RetransmitProfile::Named(v);
                    }
                    catch (const ConfigError& err)
                    {
                        e = err.what();
                        return false;
                    }
                    return true;
                }) },
        { "retransmit-timeout",
          Value(
            "seconds before the first retransmission",
            SecondsInto([](PeerOptions& o) -> Time& { return o.endpoint.retransmit.timeout; })) },
        { "retransmit-base",
          Value("backoff base",
                [](PeerOptions& o, const std::string& v, std::string& e)
                { return ParseDouble(v, o.endpoint.retransmit.base, e); }) },
        { "retransmit-tries",
          Value("retransmissions before giving up",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    uint64_t n = 0;
                    bool ok = ParseUnsigned(v, 100, n, e);
                    o.endpoint.retransmit.tries = static_cast<uint32_t>(n);
                    return ok;
                }) },
        { "scheme",
          Value("recovery scheme: none | hint | initial-contact | trust | qcd | sir",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    try
                    {
                        o.endpoint.scheme = ParseScheme(v);
                    }
                    catch (const ConfigError& err)
                    {
                        e = err.what();
                        return false;
                    }
                    return true;
                }) },
        { "liveness",
          Value("liveness check interval in seconds (0: off)",
                SecondsInto([](PeerOptions& o) -> Time& { return o.endpoint.livenessInterval; })) },
        { "ike-lifetime",
          Value("IKE SA soft lifetime in seconds",
                SecondsInto([](PeerOptions& o) -> Time& { return Peer(o).ikeLifetime; })) },
        { "child-lifetime",
          Value("Child SA soft lifetime in seconds",
                SecondsInto([](PeerOptions& o) -> Time& { return Peer(o).childLifetime; })) },
        { "pfs",
          Flag("Diffie-Hellman in Child SA rekeys",
               [](PeerOptions& o, bool b) { Peer(o).pfs = b; }) },
        { "force-encap",
          Flag("UDP-encapsulate ESP even without a NAT",
               [](PeerOptions& o, bool b) { Peer(o).forceUdpEncap = b; }) },
        { "no-nat-t",
          Flag("do not send NAT_DETECTION_* notifies",
               [](PeerOptions& o, bool b) { Peer(o).natTraversal = !b; }) },
        { "no-initial-contact",
          Flag("never send INITIAL_CONTACT",
               [](PeerOptions& o, bool b) { o.endpoint.sendInitialContact = !b; }) },
        { "seed",
          Value("DRBG seed (default: random, logged)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    uint64_t s = 0;
                    bool ok = ParseUnsigned(v, UINT64_MAX, s, e);
                    o.endpoint.seed = s;
                    o.seedGiven = ok;
                    return ok;
                }) },
        { "events",
          Value("FILE: events.csv (ns-3 run format)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    o.eventsPath = v;
                    return true;
                }) },
        { "keys",
          Value("DIR: write ikev2_decryption_table and esp_sa here",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    o.keyDir = v;
                    return true;
                }) },
        { "control",
          Value("PATH: UNIX socket for commands (see --help)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    o.controlPath = v;
                    return true;
                }) },
        { "store",
          Value("FILE: persistent store kept across process restarts",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    o.storePath = v;
                    return true;
                }) },
        { "log",
          Value("FILE: text log (default stderr)",
                [](PeerOptions& o, const std::string& v, std::string&)
                {
                    o.logPath = v;
                    return true;
                }) },
        { "inner-address",
          Value("IP: our inner address (default: first local-ts)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                { return ParseAddress(v, o.innerAddress, e); }) },
        { "ping",
          Value("IP: send ICMP echo requests there through the tunnel",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    Ipv4Address a;
                    if (!ParseAddress(v, a, e))
                    {
                        return false;
                    }
                    o.pingTarget = a;
                    return true;
                }) },
        { "ping-count",
          Value("echo requests sent after start (default 0)",
                [](PeerOptions& o, const std::string& v, std::string& e)
                {
                    uint64_t n = 0;
                    bool ok = ParseUnsigned(v, 1000000, n, e);
                    o.pingCount = static_cast<uint32_t>(n);
                    return ok;
                }) },
        { "ping-interval",
          Value("seconds between echo requests (default 0.2)",
                SecondsInto([](PeerOptions& o) -> Time& { return o.pingInterval; })) },
        { "duration",
          Value("exit after this many seconds (default: run until stopped)",
                SecondsInto([](PeerOptions& o) -> Time& { return o.duration; })) },
        { "restart-delay",
          Value("seconds down in the crash command (default 0)",
                SecondsInto([](PeerOptions& o) -> Time& { return o.restartDelay; })) },
        { "no-raw-esp",
          Flag("do not open the raw ESP socket (ESP in UDP 4500 only)",
               [](PeerOptions& o, bool b) { o.rawEsp = !b; }) },
    };
    return options;
}

bool
ApplyOption(PeerOptions& o, const std::string& key, const std::string& value, std::string& error)
{
    auto it = Options().find(key);
    if (it == Options().end())
    {
        error = "unknown option '" + key + "'";
        return false;
    }
    if (key == "config")
    {
        return LoadConfigFile(value, o, error);
    }
    if (!it->second.apply(o, value, error))
    {
        error = key + ": " + error;
        return false;
    }
    return true;
}

std::string
Trim(const std::string& s)
{
    size_t b = s.find_first_not_of(" \t\r");
    size_t e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

void
Defaults(PeerOptions& o)
{
    if (o.endpoint.peers.empty())
    {
        PeerConfig peer;
        peer.local.port = 500;
        peer.remote.port = 500;
        o.endpoint.peers.push_back(peer);
    }
}

} // namespace

bool
LoadConfigFile(const std::string& path, PeerOptions& options, std::string& error)
{
    Defaults(options);
    std::ifstream in(path);
    if (!in)
    {
        error = "cannot read config file " + path;
        return false;
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line))
    {
        ++number;
        line = Trim(line.substr(0, line.find('#')));
        if (line.empty())
        {
            continue;
        }
        size_t eq = line.find('=');
        std::string key = Trim(line.substr(0, eq));
        std::string value = eq == std::string::npos ? "yes" : Trim(line.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        {
            value = value.substr(1, value.size() - 2);
        }
        if (!ApplyOption(options, key, value, error))
        {
            error = path + ":" + std::to_string(number) + ": " + error;
            return false;
        }
    }
    return true;
}

bool
ParseOptions(int argc, char** argv, PeerOptions& options, std::string& error, bool& help)
{
    Defaults(options);
    help = false;
    for (int i = 1; i < argc; ++i)
    {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h")
        {
            help = true;
            return false;
        }
        if (arg.rfind("--", 0) != 0)
        {
            error = "unexpected argument '" + arg + "'";
            return false;
        }
        std::string key = arg.substr(2);
        std::string value;
        size_t eq = key.find('=');
        auto it = Options().find(eq == std::string::npos ? key : key.substr(0, eq));
        if (eq != std::string::npos)
        {
            value = key.substr(eq + 1);
            key = key.substr(0, eq);
        }
        else if (it != Options().end() && it->second.flag)
        {
            value = "yes";
        }
        else if (i + 1 < argc)
        {
            value = argv[++i];
        }
        else
        {
            error = "missing value for --" + key;
            return false;
        }
        if (!ApplyOption(options, key, value, error))
        {
            return false;
        }
    }
    PeerConfig& peer = Peer(options);
    peer.local.port = options.ikePort;
    if (peer.remote.ip.value != 0)
    {
        peer.remote.port = 500;
    }
    if (options.innerAddress.value == 0 && !peer.localTs.empty())
    {
        options.innerAddress = peer.localTs.front().start;
    }
    return true;
}

std::string
Usage()
{
    std::ostringstream s;
    s << "ikev2-peer: the testbed's IKEv2/ESP engine on real UDP sockets (500, 4500).\n"
         "Usage: ikev2-peer [--option value | --flag]...\n\n";
    for (const auto& [name, option] : Options())
    {
        s << "  --" << name << (option.flag ? "" : " VALUE") << "\n      " << option.help << "\n";
    }
    s << "\nControl socket commands (one line each, one line answer): status, initiate,\n"
         "rekey-child, rekey-ike, delete, crash [seconds down], ping IP COUNT, quit.\n";
    return s.str();
}

} // namespace tools
} // namespace ikev2

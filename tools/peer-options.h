// Command line and configuration file of ikev2-peer: the engine's EndpointConfig with one
// connection, plus what the real-socket adapter needs (output files, control socket, inner
// traffic). A configuration file holds `key = value` lines with the flag names (without the
// leading dashes); `--config FILE` reads one at that point of the command line, so later flags
// override it.
#ifndef IKEV2_TOOLS_PEER_OPTIONS_H
#define IKEV2_TOOLS_PEER_OPTIONS_H

#include "engine-config.h"

#include <optional>
#include <string>
#include <vector>

namespace ikev2
{
namespace tools
{

struct PeerOptions
{
    EndpointConfig endpoint;               ///< exactly one entry in endpoint.peers
    bool seedGiven{ false };               ///< else a random seed is drawn and logged
    std::string eventsPath;                ///< events.csv (ns-3 run format); empty: none
    std::string keyDir;                    ///< ikev2_decryption_table and esp_sa; empty: none
    std::string controlPath;               ///< UNIX stream socket for commands; empty: none
    std::string storePath;                 ///< persistent store file (survives a process restart)
    std::string logPath;                   ///< human-readable log; empty: stderr
    Ipv4Address innerAddress;              ///< our inner address (default: first local TS start)
    std::optional<Ipv4Address> pingTarget; ///< send ICMP echo requests there
    uint32_t pingCount{ 0 }; ///< 0: none at start (the control socket can ask for more)
    Time pingInterval{ std::chrono::milliseconds(200) };
    Time duration{ 0 };     ///< 0: run until SIGINT/SIGTERM or `quit`
    Time restartDelay{ 0 }; ///< default down time of the `crash` command
    uint16_t ikePort{ 500 };
    uint16_t natTPort{ 4500 };
    bool rawEsp{ true };             ///< open a raw socket for ESP in IP (protocol 50)
    bool ikeProposalsGiven{ false }; ///< the first --ike-proposal replaces the default list
    bool espProposalsGiven{ false };
};

/// Parses argv; returns false with @p error set (or with @p help set for --help).
bool ParseOptions(int argc, char** argv, PeerOptions& options, std::string& error, bool& help);
/// Applies `key = value` lines of a configuration file.
bool LoadConfigFile(const std::string& path, PeerOptions& options, std::string& error);
std::string Usage();

} // namespace tools
} // namespace ikev2

#endif

// Flags every scenario shares (IKE scheme and timers, WAN, run control), declared once so that
// each program's --help, validation and params.json agree.
#ifndef SCENARIOS_STANDARD_FLAGS_H
#define SCENARIOS_STANDARD_FLAGS_H

#include "gateway-topology.h"
#include "ike-helper.h"
#include "ike-stats-collector.h"
#include "scenario-flags.h"

#include <nlohmann/json.hpp>

namespace scenarios
{

/// --scheme --profile --retransmitTimeout --retransmitBase --retransmitTries --retransmitLimit
/// --livenessInterval --ikeProposals --espProposals --queueOnAcquire --cores --cpu
void AddIkeFlags(ScenarioFlags& flags);
/// Checks across IKE flags (custom knobs need --profile=custom); exits on error.
void CheckIkeFlags(const ScenarioFlags& flags);
/// Sets the IkeApplication and CpuModel attributes the IKE flags describe.
void ApplyIkeFlags(const ScenarioFlags& flags, ns3::IkeHelper& helper);
/// The effective retransmission profile (timeout, base, tries, limit, give-up time).
nlohmann::json ProfileJson(const ScenarioFlags& flags);

/// The start action a --*Policy flag names: "start", "trap", else none (responder only).
ikev2::StartAction StartActionFromName(const std::string& name);

/// --rtt --rate --loss
void AddWanFlags(ScenarioFlags& flags);
WanParams WanFromFlags(const ScenarioFlags& flags);

/// --rateAB --rateBA (when @p bothRates; @p rateNote is added to their help, e.g. "(tunnel t1)")
/// --pktSize --flowStart: the inner flows between host A and host B.
void AddInnerFlowFlags(ScenarioFlags& flags, bool bothRates, const std::string& rateNote = "");

/// --simTime --RngRun --outDir --pcap --packetEvents --quick
void AddRunFlags(ScenarioFlags& flags, const std::string& defaultOutDir, double defaultSimTime);
/// Without --packetEvents, per-packet audit events (esp-no-sa, inner-dropped, rate-limited,
/// esp-replay) are counted in summary.json's packet_events instead of written to events.csv.
void ConfigureCollector(const ScenarioFlags& flags, ns3::IkeStatsCollector& collector);

} // namespace scenarios

#endif

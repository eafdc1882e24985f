// The end of every scenario main: the run folder's files written in one order and one format, so
// that every scenario's folder reads the same way (doc/README.md) and the same seed gives the
// same bytes. wall.json is written last so that its wall_s covers the writing of the others.
#ifndef SCENARIOS_RUN_OUTPUT_H
#define SCENARIOS_RUN_OUTPUT_H

#include "run-folder.h"
#include "scenario-flags.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace ns3
{
class IkeStatsCollector;
}

namespace scenarios
{

/// The start of every scenario main after its flags: seeds ns-3's generators from --RngRun
/// (seed 1, run N) and creates the --outDir run folder, failing fast naming it if it cannot.
RunFolder OpenRun(const ScenarioFlags& flags);

/// The params.json fields every scenario has: scenario, flags, code_version, seed, profile and
/// cpu_cost_table (@p cpuCostTable, the CpuCostTable::ToString() of the gateways' model).
nlohmann::json CommonParams(const std::string& scenario,
                            const ScenarioFlags& flags,
                            const std::string& cpuCostTable);

/// Adds the summary.json fields every scenario has to @p summary: scenario, scheme, profile,
/// seed, scheme_modelled, give_up_after_s and liveness_interval_s.
void AddCommonSummary(nlohmann::json& summary,
                      const std::string& scenario,
                      const ScenarioFlags& flags);

/// With --pcap, the pcap/ folder of the run, created now (fails fast naming it if it cannot be).
std::string CreatePcapDir(const ScenarioFlags& flags, const RunFolder& folder);

/// Writes params.json, summary.json, events.csv, with --pcap the Wireshark key files under
/// keys/, then wall.json (wall_s since @p wallStart, sim_s = @p simTime, the simulator's event
/// count), and destroys the simulator. @p wall receives wall_s. On a write failure prints
/// "<scenario>: error: cannot write the run folder <dir>" and returns false.
bool WriteRunFolder(const std::string& scenario,
                    const ScenarioFlags& flags,
                    const RunFolder& folder,
                    const nlohmann::json& params,
                    const nlohmann::json& summary,
                    const ns3::IkeStatsCollector& collector,
                    std::chrono::steady_clock::time_point wallStart,
                    double simTime,
                    double& wall);

} // namespace scenarios

#endif

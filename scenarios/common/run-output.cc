#include "run-output.h"

#include "ike-stats-collector.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "scheme-notes.h"
#include "standard-flags.h"

#include <iostream>

namespace scenarios
{

RunFolder
OpenRun(const ScenarioFlags& flags)
{
    ns3::RngSeedManager::SetSeed(1);
    ns3::RngSeedManager::SetRun(flags.GetUint("RngRun"));
    RunFolder folder(flags.GetString("outDir"));
    std::string error;
    if (!folder.Create(error))
    {
        flags.Fail(error);
    }
    return folder;
}

nlohmann::json
CommonParams(const std::string& scenario,
             const ScenarioFlags& flags,
             const std::string& cpuCostTable)
{
    nlohmann::json params;
    params["scenario"] = scenario;
    params["flags"] = flags.ToJson();
    params["code_version"] = CodeVersion();
    // ns-3 seeds every stream from (RngSeed, RngRun); the scenarios vary only the run number.
    params["seed"] = { { "rng_seed", 1 }, { "rng_run", flags.GetUint("RngRun") } };
    params["profile"] = ProfileJson(flags);
    params["cpu_cost_table"] = cpuCostTable;
    return params;
}

void
AddCommonSummary(nlohmann::json& summary, const std::string& scenario, const ScenarioFlags& flags)
{
    const std::string scheme = flags.GetString("scheme");
    summary["scenario"] = scenario;
    summary["scheme"] = scheme;
    summary["profile"] = flags.GetString("profile");
    summary["seed"] = flags.GetUint("RngRun");
    summary["scheme_modelled"] = SchemeModelledNote(scheme);
    summary["give_up_after_s"] = ProfileJson(flags)["give_up_after_s"];
    summary["liveness_interval_s"] = flags.GetDouble("livenessInterval");
}

std::string
CreatePcapDir(const ScenarioFlags& flags, const RunFolder& folder)
{
    std::string pcapDir = folder.Path("pcap");
    std::string error;
    if (!RunFolder(pcapDir).Create(error))
    {
        flags.Fail(error);
    }
    return pcapDir;
}

bool
WriteRunFolder(const std::string& scenario,
               const ScenarioFlags& flags,
               const RunFolder& folder,
               const nlohmann::json& params,
               const nlohmann::json& summary,
               const ns3::IkeStatsCollector& collector,
               std::chrono::steady_clock::time_point wallStart,
               double simTime,
               double& wall)
{
    bool ok = folder.WriteJson("params.json", params) &&
              folder.WriteJson("summary.json", summary) &&
              collector.WriteEventsCsv(folder.Path("events.csv"));
    if (flags.GetBool("pcap"))
    {
        ok = ok && collector.WriteKeyFiles(folder.Path("keys"));
    }
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    ok = ok && folder.WriteJson("wall.json",
                                { { "wall_s", wall },
                                  { "sim_s", simTime },
                                  { "events", ns3::Simulator::GetEventCount() } });
    ns3::Simulator::Destroy();
    if (!ok)
    {
        std::cerr << scenario << ": error: cannot write the run folder " << folder.Directory()
                  << std::endl;
    }
    return ok;
}

} // namespace scenarios

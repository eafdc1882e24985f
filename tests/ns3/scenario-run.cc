#include "scenario-run.h"

#include <cmath>

namespace testing_ns3
{

std::vector<std::string>
CustomProfileArgs()
{
    return { "--profile=custom",
             "--retransmitTimeout=" + std::to_string(kTimeout),
             "--retransmitBase=2",
             "--retransmitTries=3",
             "--livenessInterval=" + std::to_string(kLiveness) };
}

ScenarioRun
RunScenario(const std::string& program,
            const std::string& name,
            std::vector<std::string> args,
            const std::vector<std::string>& extra)
{
    ScenarioRun r;
    r.dir = TestRunDir(name);
    args.push_back("--outDir=" + r.dir);
    args.insert(args.end(), extra.begin(), extra.end());
    r.status = RunProgram(program, args, r.output);
    if (r.status == 0)
    {
        r.summary = ReadJson(r.dir + "/summary.json");
    }
    return r;
}

double
Num(const nlohmann::json& summary, const char* key)
{
    const auto& v = summary.at(key);
    return v.is_null() ? NAN : v.get<double>();
}

} // namespace testing_ns3

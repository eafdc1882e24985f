// Running a scenario program as a subprocess from a test: the custom retransmission profile the
// scenario tests compute their expectations from, the run into a fresh folder, and its summary.
#ifndef TESTS_NS3_SCENARIO_RUN_H
#define TESTS_NS3_SCENARIO_RUN_H

#include "two-site-fixture.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace testing_ns3
{

// The custom profile: 0.5 s doubling, 3 retransmissions, so an exchange is abandoned
// 0.5 + 1 + 2 + 4 = 7.5 s after its first send; a liveness check after 2 s without protected
// input. kRtt is the WAN round trip the two-gateway scenarios are run with.
constexpr double kTimeout = 0.5;
constexpr double kGiveUp = 7.5;
constexpr double kLiveness = 2;
constexpr double kRtt = 0.05;

/// The flags of that profile: --profile=custom, --retransmit*, --livenessInterval.
std::vector<std::string> CustomProfileArgs();

/// One run of a scenario program.
struct ScenarioRun
{
    int status{ -1 };
    std::string output;     ///< stdout and stderr
    std::string dir;        ///< the run folder
    nlohmann::json summary; ///< summary.json, when the program exited 0
};

/// Runs @p program with @p args, --outDir=TestRunDir(@p name), then @p extra (so that @p extra
/// can override any of @p args).
ScenarioRun RunScenario(const std::string& program,
                        const std::string& name,
                        std::vector<std::string> args,
                        const std::vector<std::string>& extra = {});

/// A number of a summary; NaN when it is null (e.g. no recovery).
double Num(const nlohmann::json& summary, const char* key);

} // namespace testing_ns3

#endif

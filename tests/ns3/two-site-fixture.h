// A short in-process simulation of the two-site topology with the IKE daemons installed, for
// the model tests; and helpers to run scenario programs as subprocesses.
#ifndef TESTS_NS3_TWO_SITE_FIXTURE_H
#define TESTS_NS3_TWO_SITE_FIXTURE_H

#include "flow-traffic.h"
#include "gateway-topology.h"
#include "ike-helper.h"
#include "ike-stats-collector.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace testing_ns3
{

struct TwoSite
{
    scenarios::GatewayPair topo;
    ns3::Ptr<ns3::IkeApplication> alice;
    ns3::Ptr<ns3::IkeApplication> bob;
    ns3::Ptr<ns3::CrashControl> bobPower;
    ns3::Ptr<ns3::IkeStatsCollector> collector;
    ns3::Ptr<scenarios::FlowSource> ab;
    ns3::Ptr<scenarios::FlowSink> abSink;
    ns3::Ptr<scenarios::FlowSource> ba;
    ns3::Ptr<scenarios::FlowSink> baSink;
};

struct TwoSiteOptions
{
    double rtt{ 0.05 };
    double flowStart{ 1 };
    double flowStop{ 4.5 };
    double rate{ 20 };
    double bootTime{ 1 };
    /// Extra helper configuration (attributes) before installation.
    std::function<void(ns3::IkeHelper&)> configure;
};

/// Builds (does not run) the simulation. Call ns3::Simulator::Destroy() when done.
TwoSite BuildTwoSite(const TwoSiteOptions& options);

/// Rows of @p node with event @p event.
std::vector<ns3::IkeStatsCollector::Row> RowsOf(const ns3::IkeStatsCollector& c,
                                                const std::string& node,
                                                const std::string& event);

/// Runs @p program with @p args; returns the exit status; stdout+stderr in @p output.
int RunProgram(const std::string& program,
               const std::vector<std::string>& args,
               std::string& output);
/// A fresh folder for one test's run.
std::string TestRunDir(const std::string& name);
nlohmann::json ReadJson(const std::string& path);
std::string ReadFile(const std::string& path);

} // namespace testing_ns3

#endif

// The recovery metrics every scenario reports, computed in one place from the stats collector,
// the flow sinks and the daemons. Each metric is defined in doc/metrics.md; this file is that
// definition in code.
#ifndef SCENARIOS_RECOVERY_METRICS_H
#define SCENARIOS_RECOVERY_METRICS_H

#include "flow-traffic.h"
#include "ike-application.h"
#include "ike-stats-collector.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace scenarios
{

/// One monitored inner flow.
struct MonitoredFlow
{
    std::string name; ///< "ab" (A->B) or "ba"
    ns3::Ptr<FlowSource> source;
    ns3::Ptr<FlowSink> sink;
    std::string sinkNode; ///< node name of the sink (for the events.csv row)
};

/// One gateway whose resources are reported.
struct GatewayNode
{
    std::string name;
    ns3::Ptr<ns3::IkeApplication> app;
};

struct RecoveryInputs
{
    const ns3::IkeStatsCollector* collector{ nullptr };
    std::string failedNode{ "bob" };     ///< the gateway that loses its state
    std::string survivorNode{ "alice" }; ///< its peer, whose detection is measured
    MonitoredFlow ab;                    ///< the flow whose restoration defines recovery_s
    MonitoredFlow ba;
    std::vector<GatewayNode> gateways;
    int64_t endNs{ 0 }; ///< simulation end
};

/// Inputs for the two-gateway scenarios: Bob fails, Alice survives, the A->B flow @p ab is
/// measured at host B and the B->A flow @p ba at host A (InstallFlow's source and sink).
RecoveryInputs HostFlowInputs(const ns3::IkeStatsCollector* collector,
                              const std::pair<ns3::Ptr<FlowSource>, ns3::Ptr<FlowSink>>& ab,
                              const std::pair<ns3::Ptr<FlowSource>, ns3::Ptr<FlowSink>>& ba);

/// The times and derived metrics of one run.
struct RecoveryTimes
{
    std::optional<int64_t> tFail;
    std::optional<int64_t> tUp;
    std::optional<int64_t> tDetect;
    std::optional<int64_t> tRestoredAb;
    std::optional<int64_t> tRestoredBa;
};

/// t_fail, t_up, t_detect and t_restored_* as doc/metrics.md defines them.
RecoveryTimes ComputeTimes(const RecoveryInputs& in);

/// The metrics part of summary.json (doc/metrics.md): times, derived durations, inner_lost,
/// ike_msgs, ike_bytes, unprotected_msgs, crypto_ops, cpu_s, state_bytes_per_sa,
/// persistent_bytes, recovered. Times in seconds of simulated time, null when the event did
/// not happen.
nlohmann::json ComputeRecoveryMetrics(const RecoveryInputs& in, const RecoveryTimes& times);

/// Adds the t_restored rows ("inner-restored-ab", ...) and, with a failure, nothing else, to
/// the collector so that events.csv shows them on the timeline.
void AddRestoredRows(ns3::IkeStatsCollector& collector,
                     const RecoveryInputs& in,
                     const RecoveryTimes& times);

} // namespace scenarios

#endif

#include "recovery-metrics.h"

#include "cpu-model.h"

#include <algorithm>
#include <set>
#include <utility>

namespace scenarios
{

using nlohmann::json;

namespace
{

json
Seconds(std::optional<int64_t> ns)
{
    if (!ns)
    {
        return nullptr;
    }
    return static_cast<double>(*ns) / 1e9;
}

json
Difference(std::optional<int64_t> later, std::optional<int64_t> earlier)
{
    if (!later || !earlier)
    {
        return nullptr;
    }
    return static_cast<double>(*later - *earlier) / 1e9;
}

/// First arrival of a datagram sent at or after @p tFail.
std::optional<int64_t>
FirstRestored(const MonitoredFlow& flow, int64_t tFail)
{
    std::optional<int64_t> first;
    if (!flow.sink)
    {
        return first;
    }
    for (const auto& a : flow.sink->GetArrivals())
    {
        if (a.sentNs >= tFail && (!first || a.receivedNs < *first))
        {
            first = a.receivedNs;
        }
    }
    return first;
}

uint64_t
Lost(const MonitoredFlow& flow)
{
    if (!flow.source || !flow.sink)
    {
        return 0;
    }
    std::set<uint64_t> received;
    for (const auto& a : flow.sink->GetArrivals())
    {
        received.insert(a.seq);
    }
    uint64_t sent = flow.source->GetSendTimes().size();
    uint64_t got = 0;
    for (uint64_t seq : received)
    {
        got += seq < sent ? 1 : 0;
    }
    return sent - got;
}

bool
IsSaEvent(const std::string& e)
{
    return e == "ike-sa-established" || e == "ike-sa-rekeyed";
}

} // namespace

RecoveryInputs
HostFlowInputs(const ns3::IkeStatsCollector* collector,
               const std::pair<ns3::Ptr<FlowSource>, ns3::Ptr<FlowSink>>& ab,
               const std::pair<ns3::Ptr<FlowSource>, ns3::Ptr<FlowSink>>& ba)
{
    RecoveryInputs in;
    in.collector = collector;
    in.ab = { "ab", ab.first, ab.second, "hostB" };
    in.ba = { "ba", ba.first, ba.second, "hostA" };
    return in;
}

RecoveryTimes
ComputeTimes(const RecoveryInputs& in)
{
    RecoveryTimes t;
    const auto& rows = in.collector->GetRows();
    for (const auto& r : rows)
    {
        if (r.node == in.failedNode && r.event == "crash" && !t.tFail)
        {
            t.tFail = r.timeNs;
        }
        else if (r.node == in.failedNode && r.event == "up" && t.tFail && !t.tUp)
        {
            t.tUp = r.timeNs;
        }
    }
    if (!t.tFail)
    {
        return t;
    }
    // The survivor's IKE SAs alive at t_fail (established or rekeyed, not yet deleted).
    std::set<std::pair<uint64_t, uint64_t>> live;
    for (const auto& r : rows)
    {
        if (r.node != in.survivorNode)
        {
            continue;
        }
        if (r.timeNs < *t.tFail)
        {
            if (IsSaEvent(r.event))
            {
                live.insert({ r.spiI, r.spiR });
            }
            else if (r.event == "ike-sa-deleted")
            {
                live.erase({ r.spiI, r.spiR });
            }
            continue;
        }
        bool detects = r.event == "peer-dead" || r.event == "recovery-detected" ||
                       r.event == "initial-contact-honoured" ||
                       (r.event == "ike-sa-deleted" && live.count({ r.spiI, r.spiR }) != 0);
        if (detects)
        {
            t.tDetect = r.timeNs;
            break;
        }
    }
    t.tRestoredAb = FirstRestored(in.ab, *t.tFail);
    t.tRestoredBa = FirstRestored(in.ba, *t.tFail);
    return t;
}

json
ComputeRecoveryMetrics(const RecoveryInputs& in, const RecoveryTimes& t)
{
    json s;
    s["t_fail"] = Seconds(t.tFail);
    s["t_up"] = Seconds(t.tUp);
    s["t_detect"] = Seconds(t.tDetect);
    s["t_restored_ab"] = Seconds(t.tRestoredAb);
    s["t_restored_ba"] = Seconds(t.tRestoredBa);
    s["recovery_s"] = Difference(t.tRestoredAb, t.tUp);
    s["recovery_ba_s"] = Difference(t.tRestoredBa, t.tUp);
    s["detection_s"] = Difference(t.tDetect, t.tUp);
    s["outage_s"] = Difference(t.tRestoredAb, t.tFail);
    s["outage_ba_s"] = Difference(t.tRestoredBa, t.tFail);
    s["recovered"] = t.tFail.has_value() && t.tRestoredAb.has_value() && t.tRestoredBa.has_value();

    uint64_t lostAb = Lost(in.ab);
    uint64_t lostBa = Lost(in.ba);
    s["inner_lost"] = lostAb + lostBa;
    s["inner_lost_ab"] = lostAb;
    s["inner_lost_ba"] = lostBa;
    s["inner_sent_ab"] = in.ab.source ? in.ab.source->GetSendTimes().size() : 0;
    s["inner_sent_ba"] = in.ba.source ? in.ba.source->GetSendTimes().size() : 0;

    // The recovery window: from t_fail to the later restoration (or the end of the run).
    int64_t from = t.tFail.value_or(0);
    int64_t to = in.endNs;
    if (t.tRestoredAb && t.tRestoredBa)
    {
        to = std::max(*t.tRestoredAb, *t.tRestoredBa);
    }
    s["window_s"] = { static_cast<double>(from) / 1e9, static_cast<double>(to) / 1e9 };

    json msgs = json::object();
    json bytes = json::object();
    json unprotected = json::object();
    uint64_t totalMsgs = 0;
    uint64_t totalBytes = 0;
    uint64_t totalUnprotected = 0;
    for (const auto& g : in.gateways)
    {
        msgs[g.name] = 0;
        bytes[g.name] = 0;
        unprotected[g.name] = 0;
    }
    for (const auto& r : in.collector->GetIkeRecords())
    {
        if (!r.sent || r.timeNs < from || r.timeNs > to || !msgs.contains(r.node))
        {
            continue;
        }
        msgs[r.node] = msgs[r.node].get<uint64_t>() + 1;
        bytes[r.node] = bytes[r.node].get<uint64_t>() + r.bytes;
        totalMsgs += 1;
        totalBytes += r.bytes;
        if (!r.isProtected)
        {
            unprotected[r.node] = unprotected[r.node].get<uint64_t>() + 1;
            totalUnprotected += 1;
        }
    }
    msgs["total"] = totalMsgs;
    bytes["total"] = totalBytes;
    unprotected["total"] = totalUnprotected;
    s["ike_msgs"] = msgs;
    s["ike_bytes"] = bytes;
    s["unprotected_msgs"] = unprotected;

    json ops = json::object();
    json opsWindow = json::object();
    json cpu = json::object();
    json cpuWindow = json::object();
    json stateBytes = json::object();
    json persistent = json::object();
    for (const auto& g : in.gateways)
    {
        ikev2::CryptoCounts window;
        int64_t windowCostNs = 0;
        for (const auto& r : in.collector->GetCryptoRecords())
        {
            if (r.node == g.name && r.timeNs >= from && r.timeNs <= to)
            {
                window.Merge(r.counts);
                windowCostNs += r.cost.GetNanoSeconds();
            }
        }
        json mine = json::object();
        json mineWindow = json::object();
        const ikev2::CryptoCounts& total = g.app->GetCryptoTotals();
        for (size_t i = 0; i < static_cast<size_t>(ikev2::CryptoOp::kCount); ++i)
        {
            const char* name = ikev2::CryptoOpName(static_cast<ikev2::CryptoOp>(i));
            mine[name] = total.count[i];
            mineWindow[name] = window.count[i];
        }
        ops[g.name] = mine;
        opsWindow[g.name] = mineWindow;
        cpu[g.name] = g.app->GetCpuModel() ? g.app->GetCpuModel()->GetBusyTime().GetSeconds() : 0.0;
        cpuWindow[g.name] = static_cast<double>(windowCostNs) / 1e9;
        const ikev2::Endpoint* ep = g.app->GetEndpoint();
        stateBytes[g.name] = ep ? ep->StateBytesPerIkeSa() : 0;
        persistent[g.name] = g.app->GetStore().SizeBytes();
    }
    s["crypto_ops"] = ops;
    s["crypto_ops_window"] = opsWindow;
    s["cpu_s"] = cpu;
    s["cpu_window_s"] = cpuWindow;
    s["state_bytes_per_sa"] = stateBytes;
    s["persistent_bytes"] = persistent;
    s["packet_events"] = in.collector->GetCountedOnly();
    return s;
}

void
AddRestoredRows(ns3::IkeStatsCollector& collector,
                const RecoveryInputs& in,
                const RecoveryTimes& times)
{
    if (times.tRestoredAb)
    {
        collector.AddRowAt(*times.tRestoredAb, in.ab.sinkNode, "inner-restored-" + in.ab.name, "");
    }
    if (times.tRestoredBa)
    {
        collector.AddRowAt(*times.tRestoredBa, in.ba.sinkNode, "inner-restored-" + in.ba.name, "");
    }
}

} // namespace scenarios

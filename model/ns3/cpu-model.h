// Simulated processor of a gateway: every crypto operation the engine reports is charged a cost
// from a per-operation table; the work runs FIFO on N cores, and the output of an engine call is
// released only when its work is done, so message processing is delayed the way a loaded
// gateway delays it, and the node's CPU seconds can be measured.
#ifndef IKEV2_NS3_CPU_MODEL_H
#define IKEV2_NS3_CPU_MODEL_H

#include "crypto-meter.h"
#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-value.h"

#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ns3
{

/**
 * Cost of each crypto operation kind: a fixed part per operation plus a part per byte processed.
 */
class CpuCostTable
{
  public:
    struct Cost
    {
        double perOpNs{ 0 };
        double perByteNs{ 0 };
    };

    /// The reference profile measured with `openssl speed` on the reference machine (see
    /// cpu-model.cc and doc/model.md, "CPU cost model").
    static CpuCostTable Reference();
    /// Every operation free (CPU model disabled).
    static CpuCostTable Zero();
    /// Parses "op=perOpUs[:perByteNs],op=..." over the Reference() profile, with the op names
    /// of ikev2::CryptoOpName() ("dh_derive_x25519=30.5,aead_seal=0.41:0.24"). Returns false
    /// and sets @p error naming the bad item.
    static bool Parse(const std::string& spec, CpuCostTable& table, std::string& error);

    void Set(ikev2::CryptoOp op, Cost cost);
    Cost Get(ikev2::CryptoOp op) const;
    /// Total cost of @p counts.
    Time Charge(const ikev2::CryptoCounts& counts) const;
    /// "op=perOpUs:perByteNs,..." for params.json and the docs.
    std::string ToString() const;

  private:
    std::array<Cost, static_cast<size_t>(ikev2::CryptoOp::kCount)> m_costs{};
};

/**
 * \ingroup ikev2
 * N identical cores serving jobs in arrival order. A job of cost c submitted at t starts when
 * the earliest-free core is free (never before t) and finishes c later; its completion
 * callback runs then. Crash() discards every job not yet finished.
 */
class CpuModel : public Object
{
  public:
    static TypeId GetTypeId();
    CpuModel();
    ~CpuModel() override;

    /// Cost of @p counts under the configured table, plus the fixed per-call cost.
    Time Cost(const ikev2::CryptoCounts& counts) const;
    /// Queues a job of @p cost; @p done runs when it finishes (at once, synchronously, when a
    /// core is idle and the cost is zero, so that a disabled model adds no events).
    void Submit(Time cost, std::function<void()> done);
    /// Drops all queued and running work (the node lost power); the part already executed
    /// stays counted as busy time.
    void Crash();

    /// CPU time spent so far (work executed up to now, over all cores).
    Time GetBusyTime() const;
    uint32_t GetCores() const;
    /// Jobs queued or running.
    uint32_t GetBacklog() const;
    /// Longest time a job waited in the queue for a free core so far (reboot-storm's
    /// cpu_queue_max_s); not reset by Crash().
    Time GetMaxQueueWait() const;
    const CpuCostTable& GetTable() const;
    void SetTable(const CpuCostTable& table);

  protected:
    void DoDispose() override;

  private:
    void SetCostSpec(const std::string& spec);
    std::string GetCostSpec() const;
    void Finish(uint64_t job);

    uint32_t m_cores{ 2 };
    bool m_enabled{ true };
    Time m_perCall{ 0 };
    CpuCostTable m_table;
    std::vector<Time> m_coreFreeAt;
    Time m_charged{ 0 }; ///< cost of every job submitted and not discarded
    Time m_maxWait{ 0 }; ///< longest wait from Submit() to the job's start
    uint64_t m_nextJob{ 0 };
    struct Job
    {
        EventId event;
        std::function<void()> done;
    };
    std::map<uint64_t, Job> m_jobs;
    TracedValue<uint32_t> m_backlog{ 0 };
};

} // namespace ns3

#endif

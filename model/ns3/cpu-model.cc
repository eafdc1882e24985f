#include "cpu-model.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("IkeCpuModel");
NS_OBJECT_ENSURE_REGISTERED(CpuModel);

namespace
{

constexpr size_t kOps = static_cast<size_t>(ikev2::CryptoOp::kCount);

bool
OpFromName(const std::string& name, ikev2::CryptoOp& op)
{
    for (size_t i = 0; i < kOps; ++i)
    {
        auto candidate = static_cast<ikev2::CryptoOp>(i);
        if (name == ikev2::CryptoOpName(candidate))
        {
            op = candidate;
            return true;
        }
    }
    return false;
}

bool
ParseNumber(const std::string& text, double& value)
{
    if (text.empty())
    {
        return false;
    }
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && std::isfinite(value) && value >= 0;
}

} // namespace

// Reference profile: `openssl speed -seconds 1` (OpenSSL 3.0.22, Debian build) on the reference
// machine "AMD EPYC" family 26 model 2 (Zen 5), 2 vCPUs at 2.1 GHz, AES-NI/VAES, SHA-NI, AVX-512,
// measured 2026-11-23 by the ns-3 adapter work (doc/model.md, "CPU cost model"):
//   ecdhx25519 32806.0 op/s, ecdhp256 25612.0 op/s, ffdh2048 3999.0 op/s,
//   rsa2048 sign 3940.4/s verify 64360.2/s, ecdsap256 sign 54248.4/s verify 18955.6/s,
//   -evp aes-128-gcm 547241 kB/s at 256 B, 1566589 kB/s at 1024 B,
//   -hmac sha256 723846 kB/s at 256 B, 1251768 kB/s at 1024 B,
//   rand 186910 kB/s at 256 B, 731446 kB/s at 1024 B.
// Per-op cost = 1 / (op/s). Symmetric operations are a line through the 256 B and 1024 B points:
// cost(n) = a + b n. `openssl speed` measures only the DH derivation; key generation is charged
// the same (an upper bound for X25519/P-256, whose fixed-base generation is cheaper).
CpuCostTable
CpuCostTable::Reference()
{
    using ikev2::CryptoOp;
    CpuCostTable t;
    t.Set(CryptoOp::DhKeygenX25519, { 30480, 0 });
    t.Set(CryptoOp::DhDeriveX25519, { 30480, 0 });
    t.Set(CryptoOp::DhKeygenEcp256, { 39040, 0 });
    t.Set(CryptoOp::DhDeriveEcp256, { 39040, 0 });
    t.Set(CryptoOp::DhKeygenModp2048, { 250060, 0 });
    t.Set(CryptoOp::DhDeriveModp2048, { 250060, 0 });
    t.Set(CryptoOp::SignRsa2048, { 253780, 0 });
    t.Set(CryptoOp::VerifyRsa2048, { 15540, 0 });
    t.Set(CryptoOp::SignEcdsaP256, { 18430, 0 });
    t.Set(CryptoOp::VerifyEcdsaP256, { 52750, 0 });
    t.Set(CryptoOp::Prf, { 199, 0.605 });
    t.Set(CryptoOp::AeadSeal, { 406, 0.242 });
    t.Set(CryptoOp::AeadOpen, { 406, 0.242 });
    t.Set(CryptoOp::Random, { 1360, 0.039 });
    return t;
}

CpuCostTable
CpuCostTable::Zero()
{
    return CpuCostTable();
}

bool
CpuCostTable::Parse(const std::string& spec, CpuCostTable& table, std::string& error)
{
    table = Reference();
    std::stringstream items(spec);
    std::string item;
    while (std::getline(items, item, ','))
    {
        if (item.empty())
        {
            continue;
        }
        auto eq = item.find('=');
        if (eq == std::string::npos)
        {
            error = "cost item '" + item + "' is not op=perOpUs[:perByteNs]";
            return false;
        }
        ikev2::CryptoOp op;
        if (!OpFromName(item.substr(0, eq), op))
        {
            error = "unknown crypto operation '" + item.substr(0, eq) + "'";
            return false;
        }
        std::string value = item.substr(eq + 1);
        auto colon = value.find(':');
        double perOpUs = 0;
        double perByteNs = 0;
        if (!ParseNumber(value.substr(0, colon), perOpUs) ||
            (colon != std::string::npos && !ParseNumber(value.substr(colon + 1), perByteNs)))
        {
            error = "bad cost '" + value + "' for " + item.substr(0, eq);
            return false;
        }
        table.Set(op, { perOpUs * 1000.0, perByteNs });
    }
    return true;
}

void
CpuCostTable::Set(ikev2::CryptoOp op, Cost cost)
{
    m_costs[static_cast<size_t>(op)] = cost;
}

CpuCostTable::Cost
CpuCostTable::Get(ikev2::CryptoOp op) const
{
    return m_costs[static_cast<size_t>(op)];
}

Time
CpuCostTable::Charge(const ikev2::CryptoCounts& counts) const
{
    double ns = 0;
    for (size_t i = 0; i < kOps; ++i)
    {
        ns += m_costs[i].perOpNs * static_cast<double>(counts.count[i]) +
              m_costs[i].perByteNs * static_cast<double>(counts.bytes[i]);
    }
    return NanoSeconds(static_cast<int64_t>(std::llround(ns)));
}

std::string
CpuCostTable::ToString() const
{
    std::string out;
    for (size_t i = 0; i < kOps; ++i)
    {
        char buf[96];
        std::snprintf(buf,
                      sizeof(buf),
                      "%s%s=%g:%g",
                      out.empty() ? "" : ",",
                      ikev2::CryptoOpName(static_cast<ikev2::CryptoOp>(i)),
                      m_costs[i].perOpNs / 1000.0,
                      m_costs[i].perByteNs);
        out += buf;
    }
    return out;
}

TypeId
CpuModel::GetTypeId()
{
    static TypeId tid =
      TypeId("ns3::CpuModel")
        .SetParent<Object>()
        .SetGroupName("Ikev2")
        .AddConstructor<CpuModel>()
        .AddAttribute("Cores",
                      "Cores serving crypto work (FIFO, earliest-free core first).",
                      UintegerValue(2),
                      MakeUintegerAccessor(&CpuModel::m_cores),
                      MakeUintegerChecker<uint32_t>(1, 1024))
        .AddAttribute("Enabled",
                      "Charge crypto work; when false every engine call completes at once.",
                      BooleanValue(true),
                      MakeBooleanAccessor(&CpuModel::m_enabled),
                      MakeBooleanChecker())
        .AddAttribute("PerCallCost",
                      "Fixed processing time charged for every engine call (parsing, "
                      "lookups); 0 by default: only crypto is charged.",
                      TimeValue(Seconds(0)),
                      MakeTimeAccessor(&CpuModel::m_perCall),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("CostTable",
                      "Overrides of the reference cost table: "
                      "\"op=perOpUs[:perByteNs],...\" with the engine's crypto op names.",
                      StringValue(""),
                      MakeStringAccessor(&CpuModel::SetCostSpec, &CpuModel::GetCostSpec),
                      MakeStringChecker())
        .AddTraceSource("Backlog",
                        "Jobs queued or running on the node's cores.",
                        MakeTraceSourceAccessor(&CpuModel::m_backlog),
                        "ns3::TracedValueCallback::Uint32");
    return tid;
}

CpuModel::CpuModel()
  : m_table(CpuCostTable::Reference())
{
    NS_LOG_FUNCTION(this);
}

CpuModel::~CpuModel() = default;

void
CpuModel::DoDispose()
{
    for (auto& [id, job] : m_jobs)
    {
        job.event.Cancel();
    }
    m_jobs.clear();
    Object::DoDispose();
}

void
CpuModel::SetCostSpec(const std::string& spec)
{
    std::string error;
    CpuCostTable table;
    if (!CpuCostTable::Parse(spec, table, error))
    {
        NS_FATAL_ERROR("CpuModel CostTable: " << error);
    }
    m_table = table;
}

std::string
CpuModel::GetCostSpec() const
{
    return m_table.ToString();
}

Time
CpuModel::Cost(const ikev2::CryptoCounts& counts) const
{
    if (!m_enabled)
    {
        return Seconds(0);
    }
    return m_table.Charge(counts) + m_perCall;
}

void
CpuModel::Submit(Time cost, std::function<void()> done)
{
    Time now = Simulator::Now();
    if (m_coreFreeAt.size() != m_cores)
    {
        m_coreFreeAt.resize(m_cores, now);
    }
    auto core = std::min_element(m_coreFreeAt.begin(), m_coreFreeAt.end());
    Time start = std::max(now, *core);
    m_maxWait = std::max(m_maxWait, start - now);
    if (cost.IsZero() && start == now)
    {
        done();
        return;
    }
    Time finish = start + cost;
    *core = finish;
    m_charged += cost;
    uint64_t id = m_nextJob++;
    Job& job = m_jobs[id];
    job.done = std::move(done);
    job.event = Simulator::Schedule(finish - now, &CpuModel::Finish, this, id);
    m_backlog = static_cast<uint32_t>(m_jobs.size());
}

void
CpuModel::Finish(uint64_t id)
{
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
    {
        return;
    }
    std::function<void()> done = std::move(it->second.done);
    m_jobs.erase(it);
    m_backlog = static_cast<uint32_t>(m_jobs.size());
    done();
}

void
CpuModel::Crash()
{
    Time now = Simulator::Now();
    for (auto& freeAt : m_coreFreeAt)
    {
        if (freeAt > now)
        {
            m_charged -= freeAt - now;
            freeAt = now;
        }
    }
    for (auto& [id, job] : m_jobs)
    {
        job.event.Cancel();
    }
    m_jobs.clear();
    m_backlog = 0;
}

Time
CpuModel::GetBusyTime() const
{
    Time now = Simulator::Now();
    Time pending{ 0 };
    for (const auto& freeAt : m_coreFreeAt)
    {
        if (freeAt > now)
        {
            pending += freeAt - now;
        }
    }
    return m_charged - pending;
}

uint32_t
CpuModel::GetCores() const
{
    return m_cores;
}

uint32_t
CpuModel::GetBacklog() const
{
    return m_backlog;
}

Time
CpuModel::GetMaxQueueWait() const
{
    return m_maxWait;
}

const CpuCostTable&
CpuModel::GetTable() const
{
    return m_table;
}

void
CpuModel::SetTable(const CpuCostTable& table)
{
    m_table = table;
}

} // namespace ns3

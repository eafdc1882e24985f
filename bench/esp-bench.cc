// ESP per-packet cost: EspSa::Seal and EspSa::Open for inner packets of 64, 512 and 1400 octets
// with AES-GCM-128 (RFC 4106) and AES-CBC-128 + HMAC-SHA2-256-128. Reports packets/s and the
// inner-packet throughput in Gbit/s; the CPU cost model of the simulator can be checked
// against these figures.
//
// Run: ./esp-bench --benchmark_min_time=0.5
#include "drbg.h"
#include "esp-packet.h"
#include "esp-sa.h"
#include "ike-constants.h"

#include <benchmark/benchmark.h>
#include <string>

namespace
{

using namespace ikev2;

EspSaParams
BenchParams(bool gcm)
{
    EspSaParams p;
    p.spi = 0x12345678;
    p.suite.encr = gcm ? transform::kEncrAesGcm16 : transform::kEncrAesCbc;
    p.suite.encrKeyBits = 128;
    p.suite.integ = gcm ? transform::kIntegNone : transform::kIntegHmacSha256_128;
    p.suite.esn = false;
    p.encKey = Bytes(p.suite.EncrKeyBytes(), 0x42);
    p.integKey = Bytes(p.suite.IntegKeyBytes(), 0x24);
    return p;
}

std::unique_ptr<EspSa>
NewSa(bool gcm)
{
    std::string error;
    return EspSa::Create(BenchParams(gcm), error);
}

void
SetRates(benchmark::State& state, size_t innerSize)
{
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(innerSize));
    state.counters["Gbit/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * innerSize * 8 / 1e9, benchmark::Counter::kIsRate);
}

void
BM_EspSeal(benchmark::State& state, bool gcm)
{
    size_t size = static_cast<size_t>(state.range(0));
    auto sa = NewSa(gcm);
    if (!sa)
    {
        state.SkipWithError("cannot create SA");
        return;
    }
    Drbg rng(1, "esp-bench");
    Bytes inner(size, 0xab);
    Bytes packet;
    for (auto _ : state)
    {
        if (!sa->Seal(inner.data(), inner.size(), kNextHeaderIpv4, rng, packet))
        {
            state.SkipWithError("seal failed");
            break;
        }
        benchmark::DoNotOptimize(packet.data());
    }
    SetRates(state, size);
}

void
BM_EspOpen(benchmark::State& state, bool gcm)
{
    size_t size = static_cast<size_t>(state.range(0));
    auto out = NewSa(gcm);
    auto in = NewSa(gcm);
    if (!out || !in)
    {
        state.SkipWithError("cannot create SA");
        return;
    }
    Drbg rng(1, "esp-bench");
    Bytes inner(size, 0xab);
    Bytes packet;
    out->Seal(inner.data(), inner.size(), kNextHeaderIpv4, rng, packet);
    Bytes back;
    uint8_t nh = 0;
    for (auto _ : state)
    {
        // Rewinding the window (two words) lets the same packet be accepted every time.
        in->SyncReplayWindow(0);
        if (in->Open(packet.data(), packet.size(), back, nh) != EspOpenStatus::Ok)
        {
            state.SkipWithError("open failed");
            break;
        }
        benchmark::DoNotOptimize(back.data());
    }
    SetRates(state, size);
}

} // namespace

BENCHMARK_CAPTURE(BM_EspSeal, Gcm128, true)->Arg(64)->Arg(512)->Arg(1400);
BENCHMARK_CAPTURE(BM_EspOpen, Gcm128, true)->Arg(64)->Arg(512)->Arg(1400);
BENCHMARK_CAPTURE(BM_EspSeal, Cbc128HmacSha256, false)->Arg(64)->Arg(512)->Arg(1400);
BENCHMARK_CAPTURE(BM_EspOpen, Cbc128HmacSha256, false)->Arg(64)->Arg(512)->Arg(1400);

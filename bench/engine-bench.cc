// The wall cost of one complete IKE SA + Child SA establishment (IKE_SA_INIT + IKE_AUTH, both
// sides, all message building, parsing, state and events) next to the sum of the costs of the
// crypto operations it performed, each operation's cost measured in the same run. The
// difference is what the engine itself costs beyond the cryptography.
//
// Counters per establishment: wall_us (the benchmark's own time, also shown as Time),
// crypto_us (sum over operations of count x measured unit cost), engine_us (the rest),
// crypto_share, ike_bytes (on the wire, both directions).
#include "aead.h"
#include "auth.h"
#include "crypto-meter.h"
#include "dh.h"
#include "drbg.h"
#include "endpoint.h"
#include "ike-constants.h"
#include "prf.h"

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <deque>
#include <cstring>
#include <map>

namespace ikev2
{
namespace
{

using Clock = std::chrono::steady_clock;

struct Setup
{
    std::string ike;
    AuthKind auth;
};

std::string
KeyPem(AuthKind kind, int which)
{
    static std::map<std::pair<int, int>, std::string> keys;
    auto key = std::make_pair(static_cast<int>(kind), which);
    auto it = keys.find(key);
    if (it == keys.end())
    {
        auto k = kind == AuthKind::Rsa ? PrivateKey::GenerateRsa(2048)
                                       : PrivateKey::GenerateEcdsaP256();
        it = keys.emplace(key, k->ToPem()).first;
    }
    return it->second;
}

EndpointConfig
Config(const Setup& s, bool alice)
{
    EndpointConfig c;
    c.name = alice ? "alice" : "bob";
    c.seed = 1;
    PeerConfig p;
    p.name = alice ? "bob" : "alice";
    Ipv4Address::Parse(alice ? "10.0.0.1" : "10.0.0.2", p.local.ip);
    Ipv4Address::Parse(alice ? "10.0.0.2" : "10.0.0.1", p.remote.ip);
    p.local.port = p.remote.port = kIkePort;
    p.localId = alice ? "alice.example" : "bob.example";
    p.remoteId = alice ? "bob.example" : "alice.example";
    p.auth = s.auth;
    if (s.auth == AuthKind::Psk)
    {
        p.psk = Bytes(16, 0x42);
    }
    else
    {
        p.privateKeyPem = KeyPem(s.auth, alice ? 0 : 1);
        p.peerPublicKeyPem = PrivateKey::FromPem(KeyPem(s.auth, alice ? 1 : 0))->PublicKeyPem();
    }
    p.ikeProposals = {s.ike};
    p.espProposals = {"aes128gcm16"};
    p.localTs = {TrafficSelectorConfig::FromCidr(alice ? "10.1.0.0/24" : "10.2.0.0/24")};
    p.remoteTs = {TrafficSelectorConfig::FromCidr(alice ? "10.2.0.0/24" : "10.1.0.0/24")};
    p.startAction = alice ? StartAction::Start : StartAction::None;
    c.peers.push_back(p);
    return c;
}

/// Unit costs of the crypto operations, in microseconds, measured now.
struct UnitCosts
{
    std::array<double, static_cast<size_t>(CryptoOp::kCount)> us{};
};

template <typename F>
double
TimeUs(int n, F f)
{
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i)
    {
        f();
    }
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
}

/// Measures every operation an establishment counted, at the average size it used.
UnitCosts
Calibrate(const CryptoCounts& used, uint16_t group, AuthKind auth)
{
    UnitCosts c;
    Drbg rng(9, "calibration");
    auto avg = [&](CryptoOp op) {
        size_t i = static_cast<size_t>(op);
        return used.count[i] ? used.bytes[i] / used.count[i] : 0;
    };
    const int n = group == transform::kDhModp2048 ? 100 : 500;
    auto peer = DhKeyPair::Generate(group, rng);
    CryptoOp kg = group == transform::kDhCurve25519 ? CryptoOp::DhKeygenX25519
                  : group == transform::kDhEcp256   ? CryptoOp::DhKeygenEcp256
                                                    : CryptoOp::DhKeygenModp2048;
    CryptoOp dv = static_cast<CryptoOp>(static_cast<size_t>(kg) + 1);
    c.us[static_cast<size_t>(kg)] = TimeUs(n, [&] { DhKeyPair::Generate(group, rng); });
    auto own = DhKeyPair::Generate(group, rng);
    c.us[static_cast<size_t>(dv)] = TimeUs(n, [&] { own->Derive(peer->PublicValue()); });
    if (auth != AuthKind::Psk)
    {
        auto key = PrivateKey::FromPem(KeyPem(auth, 0));
        auto pub = PublicKey::FromPem(key->PublicKeyPem());
        Bytes octets(400, 0x11);
        Bytes sig;
        CryptoOp sign = auth == AuthKind::Rsa ? CryptoOp::SignRsa2048 : CryptoOp::SignEcdsaP256;
        CryptoOp verify =
            auth == AuthKind::Rsa ? CryptoOp::VerifyRsa2048 : CryptoOp::VerifyEcdsaP256;
        c.us[static_cast<size_t>(sign)] = TimeUs(300, [&] { key->Sign(octets, sig); });
        const uint8_t method = static_cast<uint8_t>(key->Method());
        c.us[static_cast<size_t>(verify)] =
            TimeUs(300, [&] { pub->Verify(method, octets, sig); });
    }
    Prf prf(transform::kPrfHmacSha256);
    Bytes prfKey(32, 1);
    Bytes prfData(std::max<size_t>(avg(CryptoOp::Prf), 1), 2);
    c.us[static_cast<size_t>(CryptoOp::Prf)] =
        TimeUs(2000, [&] { prf.Compute(prfKey, prfData); });
    AesGcm gcm;
    uint8_t key[16] = {};
    gcm.SetKey(key, 16);
    uint8_t nonce[12] = {};
    uint8_t tag[16];
    Bytes pt(std::max<size_t>(avg(CryptoOp::AeadSeal), 16), 3);
    Bytes ct(pt.size());
    c.us[static_cast<size_t>(CryptoOp::AeadSeal)] = TimeUs(2000, [&] {
        gcm.Seal(nonce, pt.data(), 28, pt.data(), pt.size(), ct.data(), tag);
    });
    gcm.Seal(nonce, pt.data(), 28, pt.data(), pt.size(), ct.data(), tag);
    c.us[static_cast<size_t>(CryptoOp::AeadOpen)] = TimeUs(2000, [&] {
        gcm.Open(nonce, pt.data(), 28, ct.data(), ct.size(), tag, 16, pt.data());
    });
    Bytes buf(std::max<size_t>(avg(CryptoOp::Random), 1));
    c.us[static_cast<size_t>(CryptoOp::Random)] =
        TimeUs(2000, [&] { rng.Generate(buf.data(), buf.size()); });
    return c;
}

/// Runs both endpoints until nothing is left to deliver; returns the IKE bytes exchanged.
size_t
Pump(Endpoint& a, Endpoint& b, Output& first, Time now, CryptoCounts& crypto, size_t& childSas)
{
    std::deque<std::pair<int, Datagram>> q;
    auto take = [&](int from, Output& out) {
        crypto.Merge(out.crypto);
        for (auto& d : out.datagrams)
        {
            q.emplace_back(from, std::move(d));
        }
        for (auto& e : out.events)
        {
            childSas += e.type == EventType::ChildSaInstalled;
        }
        out.Clear();
    };
    take(0, first);
    size_t bytes = 0;
    Output out;
    while (!q.empty())
    {
        auto [from, d] = std::move(q.front());
        q.pop_front();
        bytes += d.data.size();
        std::swap(d.local, d.remote);
        Endpoint& to = from == 0 ? b : a;
        to.HandleDatagram(now, d, out);
        take(from == 0 ? 1 : 0, out);
    }
    return bytes;
}

void
BM_Establish(benchmark::State& state, Setup setup)
{
    PersistentStore sa;
    PersistentStore sb;
    Endpoint alice(Config(setup, true), sa);
    Endpoint bob(Config(setup, false), sb);
    CryptoCounts crypto;
    size_t bytes = 0;
    size_t children = 0;
    int64_t n = 0;
    Time now{0};
    const auto t0 = Clock::now();
    for (auto _ : state)
    {
        // A reboot of both sides: fresh SPIs, nonces and keys, no SA left over.
        alice.Crash();
        bob.Crash();
        Output out;
        bob.Start(now, out);
        out.Clear();
        alice.Start(now, out);
        bytes += Pump(alice, bob, out, now, crypto, children);
        now += std::chrono::seconds(1);
        ++n;
    }
    const double wallUs = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() /
                          static_cast<double>(std::max<int64_t>(n, 1));
    if (children != 2 * static_cast<size_t>(n))
    {
        state.SkipWithError("establishment did not complete");
        return;
    }
    CryptoCounts perRun;
    for (size_t i = 0; i < crypto.count.size(); ++i)
    {
        perRun.count[i] = crypto.count[i] / n;
        perRun.bytes[i] = crypto.bytes[i] / n;
    }
    uint16_t group = setup.ike.find("modp2048") != std::string::npos ? transform::kDhModp2048
                     : setup.ike.find("ecp256") != std::string::npos ? transform::kDhEcp256
                                                                     : transform::kDhCurve25519;
    UnitCosts costs = Calibrate(perRun, group, setup.auth);
    double cryptoUs = 0;
    for (size_t i = 0; i < perRun.count.size(); ++i)
    {
        const double opUs = static_cast<double>(perRun.count[i]) * costs.us[i];
        cryptoUs += opUs;
        if (perRun.count[i])
        {
            state.counters[std::string("n_") + CryptoOpName(static_cast<CryptoOp>(i))] =
                static_cast<double>(perRun.count[i]);
        }
    }
    state.counters["crypto_us"] = cryptoUs;
    state.counters["wall_us"] = wallUs;
    state.counters["engine_us"] = wallUs - cryptoUs;
    state.counters["crypto_share"] = cryptoUs / wallUs;
    state.counters["ike_bytes"] = static_cast<double>(bytes) / n;
}

void
Register()
{
    for (const char* ike : {"aes128gcm16-prfsha256-x25519", "aes128gcm16-prfsha256-modp2048"})
    {
        for (AuthKind auth : {AuthKind::Psk, AuthKind::Ecdsa, AuthKind::Rsa})
        {
            std::string name = std::string("Establish/") +
                               (strstr(ike, "x25519") ? "x25519" : "modp2048") + "/" +
                               (auth == AuthKind::Psk     ? "psk"
                                : auth == AuthKind::Ecdsa ? "ecdsa"
                                                          : "rsa");
            benchmark::RegisterBenchmark(name.c_str(), BM_Establish, Setup{ike, auth})
                ->Unit(benchmark::kMicrosecond);
        }
    }
}

const int kRegistered = (Register(), 0);

} // namespace
} // namespace ikev2

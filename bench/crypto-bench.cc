// Cost of each crypto operation the engine counts (crypto-meter.h): the default CPU cost
// table of the ns-3 model. Every benchmark times exactly one operation per iteration; keys,
// peers and inputs are prepared outside the timed loop.
#include "aead.h"
#include "auth.h"
#include "dh.h"
#include "drbg.h"
#include "ike-constants.h"
#include "ike-keys.h"
#include "prf.h"
#include "protected-message.h"
#include "sk-cipher.h"

#include <benchmark/benchmark.h>
#include <memory>

namespace ikev2
{
namespace
{

using namespace transform;

const char*
GroupName(uint16_t group)
{
    return group == kDhCurve25519 ? "x25519" : group == kDhEcp256 ? "ecp256" : "modp2048";
}

void
BM_DhKeygen(benchmark::State& state)
{
    uint16_t group = static_cast<uint16_t>(state.range(0));
    state.SetLabel(GroupName(group));
    Drbg rng(1, "bench-dh");
    for (auto _ : state)
    {
        auto pair = DhKeyPair::Generate(group, rng);
        benchmark::DoNotOptimize(pair);
    }
}
BENCHMARK(BM_DhKeygen)->Arg(kDhCurve25519)->Arg(kDhEcp256)->Arg(kDhModp2048);

void
BM_DhDerive(benchmark::State& state)
{
    uint16_t group = static_cast<uint16_t>(state.range(0));
    state.SetLabel(GroupName(group));
    Drbg rng(2, "bench-dh");
    auto a = DhKeyPair::Generate(group, rng);
    auto b = DhKeyPair::Generate(group, rng);
    const Bytes& peer = b->PublicValue();
    for (auto _ : state)
    {
        auto secret = a->Derive(peer);
        benchmark::DoNotOptimize(secret);
    }
}
BENCHMARK(BM_DhDerive)->Arg(kDhCurve25519)->Arg(kDhEcp256)->Arg(kDhModp2048);

/// Signed octets of a typical IKE_AUTH: IKE_SA_INIT message, nonce, prf(SK_p, IDx').
Bytes
TypicalSignedOctets()
{
    return Bytes(400 + 32 + 32, 0x5a);
}

void
SignBench(benchmark::State& state, const PrivateKey& key)
{
    Bytes octets = TypicalSignedOctets();
    Bytes auth;
    for (auto _ : state)
    {
        key.Sign(octets, auth);
        benchmark::DoNotOptimize(auth);
    }
}

void
VerifyBench(benchmark::State& state, const PrivateKey& key)
{
    Bytes octets = TypicalSignedOctets();
    Bytes auth;
    key.Sign(octets, auth);
    auto pub = PublicKey::FromPem(key.PublicKeyPem());
    uint8_t method = static_cast<uint8_t>(key.Method());
    for (auto _ : state)
    {
        bool ok = pub->Verify(method, octets, auth);
        benchmark::DoNotOptimize(ok);
    }
}

const PrivateKey&
Rsa2048()
{
    static std::unique_ptr<PrivateKey> key = PrivateKey::GenerateRsa(2048);
    return *key;
}

const PrivateKey&
EcdsaP256()
{
    static std::unique_ptr<PrivateKey> key = PrivateKey::GenerateEcdsaP256();
    return *key;
}

void
BM_SignRsa2048(benchmark::State& state)
{
    SignBench(state, Rsa2048());
}
BENCHMARK(BM_SignRsa2048);

void
BM_VerifyRsa2048(benchmark::State& state)
{
    VerifyBench(state, Rsa2048());
}
BENCHMARK(BM_VerifyRsa2048);

void
BM_SignEcdsaP256(benchmark::State& state)
{
    SignBench(state, EcdsaP256());
}
BENCHMARK(BM_SignEcdsaP256);

void
BM_VerifyEcdsaP256(benchmark::State& state)
{
    VerifyBench(state, EcdsaP256());
}
BENCHMARK(BM_VerifyEcdsaP256);

/// One PRF_HMAC_SHA2_256 call with a 32-octet key over range(0) octets.
void
BM_Prf(benchmark::State& state)
{
    Prf prf(kPrfHmacSha256);
    Bytes key(32, 0x11);
    Bytes data(static_cast<size_t>(state.range(0)), 0x22);
    for (auto _ : state)
    {
        Bytes out = prf.Compute(key, data);
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Prf)->Arg(64)->Arg(512);

IkeSuite
SuiteFor(int which)
{
    switch (which)
    {
        case 0:
            return IkeSuite{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhCurve25519 };
        case 1:
            return IkeSuite{ kEncrAesGcm16, 256, 0, kPrfHmacSha256, kDhCurve25519 };
        default:
            return IkeSuite{
                kEncrAesCbc, 128, kIntegHmacSha256_128, kPrfHmacSha256, kDhCurve25519
            };
    }
}

const char*
SuiteName(int which)
{
    return which == 0 ? "aes128gcm16" : which == 1 ? "aes256gcm16" : "aes128-sha256";
}

/// An inner payload chain of exactly @p size octets (one Vendor ID payload).
std::vector<Payload>
InnerOfSize(size_t size)
{
    return { MakePayload(VendorIdPayload{ Bytes(size - kGenericPayloadHeaderSize, 0x42) }) };
}

struct SkFixture
{
    explicit SkFixture(int which)
      : suite(SuiteFor(which))
    {
        keys = DeriveIkeKeys(suite, Bytes(32, 3), Bytes(32, 1), Bytes(32, 2), 1, 2);
        seal = SkCipher::Create(suite, keys.skEi, keys.skAi);
        open = SkCipher::Create(suite, keys.skEi, keys.skAi);
        header.spiI = 1;
        header.spiR = 2;
        header.exchangeType = static_cast<uint8_t>(ExchangeType::Informational);
        header.flags = kFlagInitiator;
    }

    IkeSuite suite;
    IkeKeys keys;
    std::unique_ptr<SkCipher> seal;
    std::unique_ptr<SkCipher> open;
    IkeHeader header;
    Drbg rng{ 3, "bench-sk" };
};

/// SealMessage: encode the inner chain, pad, encrypt, ICV: one protected IKE message.
void
BM_SkSeal(benchmark::State& state)
{
    SkFixture f(static_cast<int>(state.range(0)));
    state.SetLabel(SuiteName(static_cast<int>(state.range(0))));
    std::vector<Payload> inner = InnerOfSize(static_cast<size_t>(state.range(1)));
    for (auto _ : state)
    {
        Bytes d = SealMessage(f.header, inner, *f.seal, f.rng);
        benchmark::DoNotOptimize(d);
    }
    state.SetBytesProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_SkSeal)->ArgsProduct({ { 0, 1, 2 }, { 64, 512, 1400 } });

/// OpenMessage on an already decoded outer message: ICV check, decrypt, inner decode.
void
BM_SkOpen(benchmark::State& state)
{
    SkFixture f(static_cast<int>(state.range(0)));
    state.SetLabel(SuiteName(static_cast<int>(state.range(0))));
    Bytes d =
      SealMessage(f.header, InnerOfSize(static_cast<size_t>(state.range(1))), *f.seal, f.rng);
    auto outer = DecodeMessage(d);
    if (!outer)
    {
        state.SkipWithError("decode failed");
        return;
    }
    for (auto _ : state)
    {
        OpenResult r = OpenMessage(d.data(), d.size(), outer.Value(), *f.open);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_SkOpen)->ArgsProduct({ { 0, 1, 2 }, { 64, 512, 1400 } });

/// Raw AES-GCM-16 seal of range(1) octets with an 8-octet AAD (an ESP header).
void
BM_AesGcmSeal(benchmark::State& state)
{
    size_t keyLen = static_cast<size_t>(state.range(0)) / 8;
    size_t n = static_cast<size_t>(state.range(1));
    AesGcm gcm;
    Bytes key(keyLen, 0x33);
    gcm.SetKey(key.data(), key.size());
    uint8_t nonce[12] = { 1, 2, 3, 4 };
    uint8_t aad[8] = {};
    Bytes buf(n, 0x44);
    uint8_t tag[16];
    for (auto _ : state)
    {
        gcm.Seal(nonce, aad, sizeof(aad), buf.data(), n, buf.data(), tag);
        benchmark::DoNotOptimize(tag);
    }
    state.SetBytesProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_AesGcmSeal)->ArgsProduct({ { 128, 256 }, { 64, 512, 1400 } });

void
BM_AesGcmOpen(benchmark::State& state)
{
    size_t keyLen = static_cast<size_t>(state.range(0)) / 8;
    size_t n = static_cast<size_t>(state.range(1));
    AesGcm gcm;
    Bytes key(keyLen, 0x33);
    gcm.SetKey(key.data(), key.size());
    uint8_t nonce[12] = { 1, 2, 3, 4 };
    uint8_t aad[8] = {};
    Bytes pt(n, 0x44);
    Bytes ct(n);
    Bytes out(n);
    uint8_t tag[16];
    gcm.Seal(nonce, aad, sizeof(aad), pt.data(), n, ct.data(), tag);
    for (auto _ : state)
    {
        bool ok = gcm.Open(nonce, aad, sizeof(aad), ct.data(), n, tag, 16, out.data());
        benchmark::DoNotOptimize(ok);
    }
    state.SetBytesProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_AesGcmOpen)->ArgsProduct({ { 128, 256 }, { 64, 512, 1400 } });

/// Drawing 32 random octets (a nonce) from the Drbg.
void
BM_DrbgNonce(benchmark::State& state)
{
    Drbg rng(4, "bench");
    uint8_t out[32];
    for (auto _ : state)
    {
        rng.Generate(out, sizeof(out));
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(BM_DrbgNonce);

} // namespace
} // namespace ikev2

// Cost of the IKEv2 message codec: decode and encode of an IKE_SA_INIT request (SA with two
// proposals, KE, Nonce, NAT detection notifies, VID), an IKE_AUTH-shaped message (SK opaque,
// plus its decrypted inner chain) and an INFORMATIONAL with Delete payloads.
#include "ike-message.h"

#include <benchmark/benchmark.h>

namespace ikev2
{
namespace
{

Bytes
Fill(size_t n, uint8_t seed)
{
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
    {
        b[i] = static_cast<uint8_t>(seed + 7 * i);
    }
    return b;
}

Transform
MakeTransform(TransformType type, uint16_t id, int keyLength = -1)
{
    Transform t;
    t.type = static_cast<uint8_t>(type);
    t.id = id;
    if (keyLength >= 0)
    {
        TransformAttribute a;
        a.type = transform::kAttrKeyLength;
        a.tvValue = static_cast<uint16_t>(keyLength);
        t.attributes.push_back(a);
    }
    return t;
}

IkeHeader
Header(ExchangeType exchange, uint32_t messageId)
{
    IkeHeader h;
    h.spiI = 0x8a1b2c3d4e5f6071ull;
    h.spiR = messageId == 0 ? 0 : 0x1122334455667788ull;
    h.exchangeType = static_cast<uint8_t>(exchange);
    h.flags = kFlagInitiator;
    h.messageId = messageId;
    return h;
}

IkeMessage
SaInitRequest()
{
    using namespace transform;
    SaPayload sa;
    Proposal gcm;
    gcm.number = 1;
    gcm.protocolId = static_cast<uint8_t>(ProtocolId::Ike);
    gcm.transforms = { MakeTransform(TransformType::Encr, kEncrAesGcm16, 256),
                       MakeTransform(TransformType::Prf, kPrfHmacSha256),
                       MakeTransform(TransformType::Dh, kDhCurve25519),
                       MakeTransform(TransformType::Dh, kDhEcp256) };
    Proposal cbc;
    cbc.number = 2;
    cbc.protocolId = static_cast<uint8_t>(ProtocolId::Ike);
    cbc.transforms = { MakeTransform(TransformType::Encr, kEncrAesCbc, 128),
                       MakeTransform(TransformType::Integ, kIntegHmacSha256_128),
                       MakeTransform(TransformType::Prf, kPrfHmacSha256),
                       MakeTransform(TransformType::Dh, kDhModp2048) };
    sa.proposals = { gcm, cbc };
    IkeMessage m;
    m.header = Header(ExchangeType::IkeSaInit, 0);
    m.payloads = { MakePayload(sa),
                   MakePayload(KePayload{ kDhCurve25519, Fill(32, 1) }),
                   MakePayload(NoncePayload{ Fill(32, 2) }),
                   MakeNotify(notify::kNatDetectionSourceIp, Fill(20, 3)),
                   MakeNotify(notify::kNatDetectionDestinationIp, Fill(20, 4)),
                   MakePayload(VendorIdPayload{ Fill(16, 5) }) };
    return m;
}

/// IKE_AUTH as it travels: header and one opaque SK payload (IV, ~330 octets, ICV).
IkeMessage
IkeAuthOuter()
{
    IkeMessage m;
    m.header = Header(ExchangeType::IkeAuth, 1);
    Payload sk;
    sk.type = static_cast<uint8_t>(PayloadType::Sk);
    sk.body = SkPayload{ static_cast<uint8_t>(PayloadType::IdI), Fill(8 + 336 + 16, 6) };
    m.payloads = { sk };
    return m;
}

/// The decrypted inside of IKE_AUTH: IDi, AUTH, N(INITIAL_CONTACT), SA (ESP), TSi, TSr.
std::vector<Payload>
IkeAuthInner()
{
    SaPayload sa;
    Proposal p;
    p.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
    p.spi = { 0xc1, 0x5a, 0x00, 0x01 };
    p.transforms = { MakeTransform(TransformType::Encr, transform::kEncrAesGcm16, 256),
                     MakeTransform(TransformType::Esn, transform::kEsnNo) };
    sa.proposals = { p };
    TsPayload ts;
    TrafficSelector sel;
    sel.startAddress = { 10, 1, 0, 0 };
    sel.endAddress = { 10, 1, 255, 255 };
    ts.selectors = { sel };
    return { MakeIdPayload(PayloadType::IdI, IdPayload{ 2, Fill(16, 7) }),
             MakePayload(AuthPayload{ 2, Fill(32, 8) }),
             MakeNotify(notify::kInitialContact),
             MakePayload(sa),
             MakeTsPayload(PayloadType::TsI, ts),
             MakeTsPayload(PayloadType::TsR, ts) };
}

IkeMessage
InformationalDelete()
{
    IkeMessage m;
    m.header = Header(ExchangeType::Informational, 2);
    m.payloads = { MakePayload(DeletePayload{ 3, 4, { Fill(4, 9), Fill(4, 10) } }),
                   MakePayload(DeletePayload{ 1, 0, {} }) };
    return m;
}

IkeMessage
Sample(int which)
{
    switch (which)
    {
        case 0:
            return SaInitRequest();
        case 1:
            return IkeAuthOuter();
        default:
            return InformationalDelete();
    }
}

const char*
SampleName(int which)
{
    return which == 0   ? "IKE_SA_INIT request"
           : which == 1 ? "IKE_AUTH (SK opaque)"
                        : "INFORMATIONAL Delete";
}

void
BM_DecodeMessage(benchmark::State& state)
{
    const int which = static_cast<int>(state.range(0));
    const Bytes wire = EncodeMessage(Sample(which));
    state.SetLabel(std::string(SampleName(which)) + ", " + std::to_string(wire.size()) + " B");
    for (auto _ : state)
    {
        auto decoded = DecodeMessage(wire);
        if (!decoded)
        {
            state.SkipWithError("decode failed");
            break;
        }
        benchmark::DoNotOptimize(decoded);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}

void
BM_EncodeMessage(benchmark::State& state)
{
    const int which = static_cast<int>(state.range(0));
    const IkeMessage message = Sample(which);
    state.SetLabel(SampleName(which));
    size_t size = 0;
    for (auto _ : state)
    {
        Bytes wire = EncodeMessage(message);
        size = wire.size();
        benchmark::DoNotOptimize(wire);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void
BM_DecodeIkeAuthInnerChain(benchmark::State& state)
{
    ByteWriter w;
    uint8_t first = 0;
    EncodePayloadChain(IkeAuthInner(), w, first);
    const Bytes chain = w.Take();
    state.SetLabel(std::to_string(chain.size()) + " B");
    for (auto _ : state)
    {
        auto decoded = DecodePayloadChain(first, chain.data(), chain.size(), 40);
        if (!decoded)
        {
            state.SkipWithError("decode failed");
            break;
        }
        benchmark::DoNotOptimize(decoded);
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chain.size()));
}

void
BM_EncodeIkeAuthInnerChain(benchmark::State& state)
{
    const std::vector<Payload> inner = IkeAuthInner();
    for (auto _ : state)
    {
        ByteWriter w(512);
        uint8_t first = 0;
        EncodePayloadChain(inner, w, first);
        benchmark::DoNotOptimize(w.Data());
    }
}

BENCHMARK(BM_DecodeMessage)->DenseRange(0, 2);
BENCHMARK(BM_EncodeMessage)->DenseRange(0, 2);
BENCHMARK(BM_DecodeIkeAuthInnerChain);
BENCHMARK(BM_EncodeIkeAuthInnerChain);

} // namespace
} // namespace ikev2

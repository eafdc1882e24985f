// libFuzzer target for the ESP receive path and the inner-IPv4 parser: every input is offered
// to PeekEspHeader, the UDP-4500 demultiplexer, the trailer parser, EspSa::Open on a fixed
// AES-GCM-128 SA and a fixed AES-CBC-128 + HMAC-SHA-256 SA (both with ESN), and ParseIpv4.
// Nothing may crash or read out of bounds; a forged packet must never open, and any input
// sealed as an inner packet must open back to itself.
//
// Seeds: tests/fuzz/corpus/esp-decoder/ (valid packets sealed with the keys below, and IPv4
// packets). Run: ./esp-decoder-fuzzer -max_total_time=60 corpus/esp-decoder
#include "drbg.h"
#include "esp-packet.h"
#include "esp-sa.h"
#include "ike-constants.h"
#include "ipv4-packet.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace
{

using namespace ikev2;

constexpr uint32_t kGcmSpi = 0x0000a001;
constexpr uint32_t kCbcSpi = 0x0000b001;

Bytes
KeyPattern(size_t n, uint8_t start)
{
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
    {
        b[i] = static_cast<uint8_t>(start + 3 * i);
    }
    return b;
}

EspSaParams
FuzzParams(bool gcm)
{
    EspSaParams p;
    p.spi = gcm ? kGcmSpi : kCbcSpi;
    p.suite.encr = gcm ? transform::kEncrAesGcm16 : transform::kEncrAesCbc;
    p.suite.encrKeyBits = 128;
    p.suite.integ = gcm ? transform::kIntegNone : transform::kIntegHmacSha256_128;
    p.suite.esn = true;
    p.encKey = KeyPattern(p.suite.EncrKeyBytes(), 0x20);
    p.integKey = KeyPattern(p.suite.IntegKeyBytes(), 0x70);
    p.replayWindow = 64;
    return p;
}

std::unique_ptr<EspSa>
NewSa(bool gcm)
{
    std::string error;
    auto sa = EspSa::Create(FuzzParams(gcm), error);
    if (!sa)
    {
        __builtin_trap();
    }
    return sa;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    uint32_t spi = 0;
    uint32_t seq = 0;
    PeekEspHeader(data, size, spi, seq);
    ClassifyUdp4500(data, size);
    size_t payloadLength = 0;
    uint8_t nextHeader = 0;
    if (ParseEspTrailer(data, size, payloadLength, nextHeader) && payloadLength + 2 > size)
    {
        __builtin_trap();
    }

    // Fresh receivers each run so that the outcome depends on the input alone.
    for (bool gcm : { true, false })
    {
        auto in = NewSa(gcm);
        Bytes inner;
        EspOpenStatus st = in->Open(data, size, inner, nextHeader);
        if (st != EspOpenStatus::Ok && !inner.empty())
        {
            __builtin_trap();
        }
        if (st == EspOpenStatus::Ok && inner.size() + in->Overhead(inner.size()) != size)
        {
            __builtin_trap(); // an opened packet must be exactly what Seal would have built
        }
    }

    Ipv4Info info;
    if (ParseIpv4(data, size, info) &&
        (info.totalLength > size || info.headerLength > info.totalLength))
    {
        __builtin_trap();
    }

    // Round trip: the input as an inner packet must come back unchanged.
    if (size <= 2048)
    {
        static Drbg rng(1, "esp-fuzz");
        auto out = NewSa(size % 2 == 0);
        auto in = NewSa(size % 2 == 0);
        Bytes packet;
        Bytes back;
        uint8_t nh = 0;
        if (!out->Seal(data, size, kNextHeaderIpv4, rng, packet) ||
            in->Open(packet.data(), packet.size(), back, nh) != EspOpenStatus::Ok ||
            nh != kNextHeaderIpv4 || back != Bytes(data, data + size))
        {
            __builtin_trap();
        }
    }
    return 0;
}

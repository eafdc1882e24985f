// libFuzzer target for the IKEv2 message codec (ike-message.h).
//
// Each input is decoded as a whole datagram; whatever decodes must re-encode to bytes that
// decode again to the same message (the codec loses nothing it keeps). The input is also fed
// to DecodePayloadChain with its first octet as the first payload type, which is how the
// inside of a decrypted SK payload is parsed. Nothing may crash, assert or read out of bounds.
//
// Seeds: tests/fuzz/corpus/ike-decoder/ (written by IkeMessageCorpus in
// tests/engine/ike-message-test.cc). Run:
//   ./ike-decoder-fuzzer -max_total_time=60 <scratch-dir> /work/main/tests/fuzz/corpus/ike-decoder
#include "bytes.h"
#include "ike-message.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace
{

using namespace ikev2;

[[noreturn]] void
Die(const char* what, const std::string& detail)
{
    std::fprintf(stderr, "ike-decoder-fuzzer: %s: %s\n", what, detail.c_str());
    std::abort();
}

void
CheckError(const DecodeError& e, size_t size, size_t base)
{
    // Offsets point into the input (or at its end); ToString must be usable in logs.
    if (e.offset < base || e.offset > base + size || e.reason.empty())
    {
        Die("bad error", e.ToString());
    }
    (void)e.ToString();
}

void
FuzzMessage(const uint8_t* data, size_t size)
{
    DecodeResult<IkeMessage> decoded = DecodeMessage(data, size);
    if (!decoded)
    {
        CheckError(decoded.Error(), size, 0);
        return;
    }
    const IkeMessage& message = decoded.Value();
    Bytes wire = EncodeMessage(message);
    if (wire.size() != size)
    {
        Die("re-encoded size differs", std::to_string(wire.size()) + " vs " + std::to_string(size));
    }
    DecodeResult<IkeMessage> again = DecodeMessage(wire);
    if (!again)
    {
        Die("re-encoded message does not decode", again.Error().ToString());
    }
    if (!(again.Value() == message))
    {
        Die("round trip changed the message", ToHex(data, size));
    }
    // Exercise the lookups and names the engine uses on every message.
    (void)message.Find(PayloadType::Sk);
    (void)message.FindNotifies(notify::kNatDetectionSourceIp);
    (void)ExchangeTypeName(message.header.exchangeType);
    for (const Payload& p : message.payloads)
    {
        (void)PayloadTypeName(p.type);
        if (const auto* n = std::get_if<NotifyPayload>(&p.body))
        {
            (void)NotifyTypeName(n->type);
        }
        if (const auto* sa = std::get_if<SaPayload>(&p.body))
        {
            for (const auto& proposal : sa->proposals)
            {
                for (const auto& t : proposal.transforms)
                {
                    (void)t.KeyLength();
                }
            }
        }
    }
}

void
FuzzChain(const uint8_t* data, size_t size)
{
    if (size == 0)
    {
        return;
    }
    const uint8_t first = data[0];
    const size_t base = 1;
    DecodeResult<std::vector<Payload>> decoded =
      DecodePayloadChain(first, data + 1, size - 1, base);
    if (!decoded)
    {
        CheckError(decoded.Error(), size - 1, base);
        return;
    }
    ByteWriter out;
    uint8_t encodedFirst = 0;
    EncodePayloadChain(decoded.Value(), out, encodedFirst);
    if (out.Size() != size - 1)
    {
        Die("re-encoded chain size differs", ToHex(data, size));
    }
    DecodeResult<std::vector<Payload>> again =
      DecodePayloadChain(encodedFirst, out.Data().data(), out.Size(), base);
    if (!again)
    {
        Die("re-encoded chain does not decode", again.Error().ToString());
    }
    if (!(again.Value() == decoded.Value()))
    {
        Die("chain round trip changed the payloads", ToHex(data, size));
    }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzMessage(data, size);
    FuzzChain(data, size);
    return 0;
}

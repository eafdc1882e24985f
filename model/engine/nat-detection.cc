#include "nat-detection.h"

#include "drbg.h"

#include <openssl/evp.h>

namespace ikev2
{

Bytes
NatDetectionHash(uint64_t spiI, uint64_t spiR, const SocketAddress& address)
{
    ByteWriter w;
    w.U64(spiI);
    w.U64(spiR);
    w.Append(address.ip.ToBytes());
    w.U16(address.port);
    Bytes out(20);
    unsigned int len = 0;
    if (EVP_Digest(w.Data().data(), w.Size(), out.data(), &len, EVP_sha1(), nullptr) != 1)
    {
        out.clear();
    }
    return out;
}

std::vector<Payload>
NatDetectionNotifies(uint64_t spiI,
                     uint64_t spiR,
                     const SocketAddress& local,
                     const SocketAddress& remote,
                     bool fakeSource,
                     Drbg& rng)
{
    std::vector<Payload> out;
    Bytes source = fakeSource ? rng.Generate(20) : NatDetectionHash(spiI, spiR, local);
    out.push_back(MakeNotify(notify::kNatDetectionSourceIp, source));
    out.push_back(
        MakeNotify(notify::kNatDetectionDestinationIp, NatDetectionHash(spiI, spiR, remote)));
    return out;
}

NatResult
CheckNatDetection(const IkeMessage& message,
                  const SocketAddress& local,
                  const SocketAddress& remote)
{
    NatResult r;
    auto sources = message.FindNotifies(notify::kNatDetectionSourceIp);
    const NotifyPayload* destination = message.FindNotify(notify::kNatDetectionDestinationIp);
    if (sources.empty() || !destination)
    {
        return r;
    }
    r.supported = true;
    const uint64_t spiI = message.header.spiI;
    const uint64_t spiR = message.header.spiR;
    r.localBehindNat = destination->data != NatDetectionHash(spiI, spiR, local);
    Bytes expected = NatDetectionHash(spiI, spiR, remote);
    r.remoteBehindNat = true;
    for (const NotifyPayload* s : sources)
    {
        if (s->data == expected)
        {
            r.remoteBehindNat = false;
        }
    }
    return r;
}

} // namespace ikev2

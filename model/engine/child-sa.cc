#include "child-sa.h"

#include "esp-packet.h"
#include "esp-sa.h"

namespace ikev2
{

std::unique_ptr<ChildSa>
ChildSa::Create(const ChildSaParams& p, Time now)
{
    // The initiator of the creating exchange sends with the "I" keys (RFC 7296 2.17).
    EspSaParams out;
    out.spi = p.spiOut;
    out.suite = p.suite;
    out.encKey = p.weInitiated ? p.keys.encrI : p.keys.encrR;
    out.integKey = p.weInitiated ? p.keys.integI : p.keys.integR;
    out.replayWindow = p.replayWindow;
    EspSaParams in = out;
    in.spi = p.spiIn;
    in.encKey = p.weInitiated ? p.keys.encrR : p.keys.encrI;
    in.integKey = p.weInitiated ? p.keys.integR : p.keys.integI;
    std::string error;
    auto outSa = EspSa::Create(out, error);
    auto inSa = EspSa::Create(in, error);
    if (!outSa || !inSa)
    {
        return nullptr;
    }
    std::unique_ptr<ChildSa> c(new ChildSa());
    c->m_spiIn = p.spiIn;
    c->m_spiOut = p.spiOut;
    c->m_suite = p.suite;
    c->m_localTs = p.localTs;
    c->m_remoteTs = p.remoteTs;
    c->m_lowestNonce = p.lowestNonce;
    c->m_weInitiated = p.weInitiated;
    c->m_reqid = p.reqid;
    c->m_in = std::move(inSa);
    c->m_out = std::move(outSa);
    c->installedAt = now;
    return c;
}

ChildSa::~ChildSa() = default;

bool
ChildSa::Seal(const Bytes& inner, Drbg& rng, Bytes& espPacket)
{
    return m_out->Seal(inner.data(), inner.size(), kNextHeaderIpv4, rng, espPacket);
}

ChildSa::OpenStatus
ChildSa::Open(const uint8_t* data, size_t size, Bytes& inner)
{
    uint8_t nextHeader = 0;
    switch (m_in->Open(data, size, inner, nextHeader))
    {
    case EspOpenStatus::Ok:
        if (nextHeader != kNextHeaderIpv4)
        {
            return OpenStatus::Malformed; // tunnel mode carries IPv4 only here
        }
        return OpenStatus::Ok;
    case EspOpenStatus::Replay:
        return OpenStatus::Replay;
    case EspOpenStatus::IntegrityFailed:
        return OpenStatus::IntegrityFailed;
    case EspOpenStatus::DummyPacket:
        return OpenStatus::Dummy;
    case EspOpenStatus::Malformed:
    case EspOpenStatus::BadTrailer:
        break;
    }
    return OpenStatus::Malformed;
}

size_t
ChildSa::StateBytes() const
{
    size_t n = sizeof(*this) + m_lowestNonce.capacity() + collisionNonce.capacity() +
               (m_localTs.capacity() + m_remoteTs.capacity()) * sizeof(Selector);
    // Each direction: the ESP SA's own state plus a keyed EVP context (about 1 KiB).
    n += m_in->StateBytes() + m_out->StateBytes() + 2 * 1024;
    return n;
}

} // namespace ikev2

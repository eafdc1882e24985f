#include "ike-sa.h"

#include "key-export.h"
#include "protected-message.h"

namespace ikev2
{

IkeSa::IkeSa(uint64_t handle, bool isOriginalInitiator, size_t peerIndex, const PeerConfig& peer)
    : originalInitiator(isOriginalInitiator),
      m_handle(handle),
      m_peerIndex(peerIndex),
      m_peer(&peer)
{
}

IkeSa::~IkeSa() = default;

void
IkeSa::SetPeer(size_t index, const PeerConfig& peer)
{
    m_peerIndex = index;
    m_peer = &peer;
}

IkeHeader
IkeSa::MakeHeader(ExchangeType exchange, bool response, uint32_t messageId) const
{
    IkeHeader h;
    h.spiI = spiI;
    h.spiR = spiR;
    h.exchangeType = static_cast<uint8_t>(exchange);
    h.flags = (originalInitiator ? kFlagInitiator : 0) | (response ? kFlagResponse : 0);
    h.messageId = messageId;
    return h;
}

Bytes
IkeSa::Encode(const IkeHeader& header, const std::vector<Payload>& payloads, Drbg& rng)
{
    if (header.exchangeType == static_cast<uint8_t>(ExchangeType::IkeSaInit) || !cipherOut)
    {
        IkeMessage m;
        m.header = header;
        m.payloads = payloads;
        return EncodeMessage(m);
    }
    return SealMessage(header, payloads, *cipherOut, rng);
}

bool
IkeSa::SetKeys(const IkeSuite& newSuite, const IkeKeys& newKeys)
{
    // The initiator sends with the "i" keys and receives with the "r" keys (RFC 7296 2.14).
    const Bytes& encOut = originalInitiator ? newKeys.skEi : newKeys.skEr;
    const Bytes& integOut = originalInitiator ? newKeys.skAi : newKeys.skAr;
    const Bytes& encIn = originalInitiator ? newKeys.skEr : newKeys.skEi;
    const Bytes& integIn = originalInitiator ? newKeys.skAr : newKeys.skAi;
    auto out = SkCipher::Create(newSuite, encOut, integOut);
    auto in = SkCipher::Create(newSuite, encIn, integIn);
    if (!out || !in)
    {
        return false;
    }
    suite = newSuite;
    keys = newKeys;
    cipherOut = std::move(out);
    cipherIn = std::move(in);
    return true;
}

std::string
IkeSa::KeyLine() const
{
    return IkeDecryptionTableLine(spiI, spiR, suite, keys);
}

IkeSaInfo
IkeSa::Info() const
{
    IkeSaInfo info;
    info.peer = m_peer->name;
    info.spiI = spiI;
    info.spiR = spiR;
    info.initiator = originalInitiator;
    info.state = state;
    info.remote = remote;
    info.remoteId = remoteIdentity;
    for (const auto& c : children)
    {
        ChildSaInfo ci;
        ci.spiIn = c->SpiIn();
        ci.spiOut = c->SpiOut();
        ci.packetsIn = c->packetsIn;
        ci.packetsOut = c->packetsOut;
        info.children.push_back(ci);
    }
    return info;
}

ChildSa*
IkeSa::FindChildByIn(uint32_t spiIn)
{
    for (auto& c : children)
    {
        if (c->SpiIn() == spiIn)
        {
            return c.get();
        }
    }
    return nullptr;
}

ChildSa*
IkeSa::FindChildByOut(uint32_t spiOut)
{
    for (auto& c : children)
    {
        if (c->SpiOut() == spiOut)
        {
            return c.get();
        }
    }
    return nullptr;
}

size_t
IkeSa::StateBytes() const
{
    size_t n = sizeof(*this);
    for (const Bytes* b : {&keys.skD,
                           &keys.skAi,
                           &keys.skAr,
                           &keys.skEi,
                           &keys.skEr,
                           &keys.skPi,
                           &keys.skPr,
                           &nonceI,
                           &nonceR,
                           &initRequest,
                           &initResponse})
    {
        n += b->capacity();
    }
    n += remoteIdentity.capacity();
    // Two keyed SK ciphers: an EVP context (or two, for CBC+HMAC) each, about 1 KiB in
    // OpenSSL 3 with its key schedule.
    if (cipherOut)
    {
        n += 2 * 1024;
    }
    n += tasks.StateBytes();
    for (const auto& c : children)
    {
        n += c->StateBytes();
    }
    if (policyData)
    {
        n += policyData->StateBytes();
    }
    return n;
}

} // namespace ikev2

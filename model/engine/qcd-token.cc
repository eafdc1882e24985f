#include "qcd-token.h"

#include "crypto-meter.h"
#include "drbg.h"

#include <openssl/evp.h>

namespace ikev2
{

namespace
{

/// Layout of the persistent entry: Format(1) | Generation(4) | Count(1) | Count x 32 octets,
/// newest first. A format octet lets a later version change the layout without misreading.
constexpr uint8_t kStoreFormat = 1;

void
PutSpis(ByteWriter& w, uint64_t spiI, uint64_t spiR, const Ipv4Address* addr)
{
    w.U64(spiI);
    w.U64(spiR);
    if (addr)
    {
        w.U32(addr->value);
    }
}

} // namespace

std::string
ValidateQcdConfig(const QcdConfig& config)
{
    if (config.tokenLength < kQcdMinTokenLength || config.tokenLength > kQcdMaxTokenLength)
    {
        return "qcd.tokenLength must be 16..128 (RFC 6290 4.1), got " +
               std::to_string(config.tokenLength);
    }
    if (Hmac(config.hash).OutputSize() == 0)
    {
        return "qcd.hash must be sha256, sha384 or sha512, got '" + config.hash + "'";
    }
    if (config.aggregateFactor < 0)
    {
        return "qcd.aggregateFactor must be >= 0 (0: no aggregate cap), got " +
               std::to_string(config.aggregateFactor);
    }
    return "";
}

// ---------------------------------------------------------------------------------------------
// QcdSecretStore

QcdSecretStore::QcdSecretStore(PersistentStore& store, Drbg& drbg)
    : m_store(store),
      m_drbg(drbg)
{
    if (!Load())
    {
        m_secrets.assign(1, m_drbg.Generate(kQcdSecretLength));
        m_generation = 0;
        Save();
    }
}

bool
QcdSecretStore::Load()
{
    const Bytes* entry = m_store.Get(kStoreKey);
    if (!entry)
    {
        return false;
    }
    ByteReader r(*entry);
    uint8_t format = 0;
    uint32_t generation = 0;
    uint8_t count = 0;
    if (!r.ReadU8(format) || format != kStoreFormat || !r.ReadU32(generation) ||
        !r.ReadU8(count) || count == 0 || count > kQcdMaxGenerations ||
        r.Remaining() != size_t{count} * kQcdSecretLength)
    {
        return false;
    }
    std::vector<Bytes> secrets(count);
    for (auto& s : secrets)
    {
        r.ReadBytes(kQcdSecretLength, s);
    }
    m_secrets = std::move(secrets);
    m_generation = generation;
    return true;
}

void
QcdSecretStore::Save()
{
    ByteWriter w(6 + m_secrets.size() * kQcdSecretLength);
    w.U8(kStoreFormat);
    w.U32(m_generation);
    w.U8(static_cast<uint8_t>(m_secrets.size()));
    for (const auto& s : m_secrets)
    {
        w.Append(s);
    }
    m_store.Put(kStoreKey, w.Take());
}

void
QcdSecretStore::Rotate()
{
    m_secrets.insert(m_secrets.begin(), m_drbg.Generate(kQcdSecretLength));
    if (m_secrets.size() > kQcdMaxGenerations)
    {
        m_secrets.resize(kQcdMaxGenerations);
    }
    ++m_generation;
    Save();
}

size_t
QcdSecretStore::PersistentBytes() const
{
    const Bytes* entry = m_store.Get(kStoreKey);
    return entry ? std::string(kStoreKey).size() + entry->size() : 0;
}

// ---------------------------------------------------------------------------------------------
// QcdTokenMaker

QcdTokenMaker::QcdTokenMaker(const QcdConfig& config, QcdSecretStore& secrets)
    : m_config(config),
      m_secrets(secrets)
{
    std::string error = ValidateQcdConfig(config);
    if (!error.empty())
    {
        throw ConfigError(error);
    }
}

void
QcdTokenMaker::RefreshKeys() const
{
    // Keying an HMAC context costs an allocation and two hash blocks; do it once per secret
    // generation rather than once per token.
    if (m_keyed && m_keyedGeneration == m_secrets.Generation() &&
        m_macs.size() == m_secrets.Secrets().size())
    {
        return;
    }
    m_macs.clear();
    for (const auto& secret : m_secrets.Secrets())
    {
        Hmac mac(m_config.hash);
        mac.SetKey(secret.data(), secret.size());
        m_macs.push_back(std::move(mac));
    }
    m_keyedGeneration = m_secrets.Generation();
    m_keyed = true;
}

Bytes
QcdTokenMaker::Compute(size_t generation,
                       uint64_t spiI,
                       uint64_t spiR,
                       const Ipv4Address* addr) const
{
    Hmac& mac = m_macs[generation];
    const size_t hashLen = mac.OutputSize();
    ByteWriter m(20);
    PutSpis(m, spiI, spiR, addr);
    const Bytes& msg = m.Data();

    Bytes token;
    token.reserve(m_config.tokenLength + hashLen);
    Bytes block(hashLen, 0);
    mac.Compute(msg.data(), msg.size(), block.data()); // T(1) = HMAC(K, M)
    token.insert(token.end(), block.begin(), block.end());
    // T(i) = HMAC(K, T(i-1) | M | i): only for tokens longer than one hash output.
    for (uint8_t i = 2; token.size() < m_config.tokenLength; ++i)
    {
        Bytes input(block);
        input.insert(input.end(), msg.begin(), msg.end());
        input.push_back(i);
        mac.Compute(input.data(), input.size(), block.data());
        token.insert(token.end(), block.begin(), block.end());
    }
    token.resize(m_config.tokenLength);
    return token;
}

Bytes
QcdTokenMaker::Token(uint64_t spiI, uint64_t spiR, const Ipv4Address* takerAddress) const
{
    RefreshKeys();
    return Compute(0, spiI, spiR, takerAddress);
}

std::vector<Bytes>
QcdTokenMaker::AllTokens(uint64_t spiI, uint64_t spiR, const Ipv4Address* takerAddress) const
{
    RefreshKeys();
    std::vector<Bytes> tokens;
    tokens.reserve(m_macs.size());
    for (size_t g = 0; g < m_macs.size(); ++g)
    {
        tokens.push_back(Compute(g, spiI, spiR, takerAddress));
    }
    return tokens;
}

// ---------------------------------------------------------------------------------------------
// Taker side

Bytes
QcdDigest(const Bytes& data)
{
    CountCrypto(CryptoOp::Prf, data.size());
    Bytes out(32, 0);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
        len != out.size())
    {
        // Unreachable with a working OpenSSL. Empty never equals a stored 32-octet digest, and
        // a StoredToken built from it is empty and matches nothing: failure never verifies.
        out.clear();
    }
    return out;
}

StoredToken::StoredToken(const Bytes& token, bool storeDigest)
    : m_value(storeDigest ? QcdDigest(token) : token),
      m_digest(storeDigest)
{
}

bool
StoredToken::Matches(const Bytes& received) const
{
    if (m_value.empty())
    {
        return false;
    }
    if (m_digest)
    {
        // Token lengths are public (they are on the wire); only the contents must not leak
        // through timing.
        return ConstantTimeEqual(QcdDigest(received), m_value);
    }
    return received.size() == m_value.size() && ConstantTimeEqual(received, m_value);
}

bool
StoredToken::MatchesAny(const std::vector<Bytes>& received) const
{
    bool any = false;
    for (const auto& t : received)
    {
        any |= Matches(t); // no early exit: the work does not depend on which one matched
    }
    return any;
}

// ---------------------------------------------------------------------------------------------
// Notify codec

NotifyPayload
MakeQcdTokenNotify(const Bytes& token)
{
    NotifyPayload n;
    n.protocolId = static_cast<uint8_t>(ProtocolId::None);
    n.type = notify::kQcdToken;
    n.data = token;
    return n;
}

bool
ParseQcdTokenNotify(const NotifyPayload& notify, Bytes& token)
{
    token.clear();
    if (notify.type != notify::kQcdToken)
    {
        return false;
    }
    if (notify.protocolId != static_cast<uint8_t>(ProtocolId::None) &&
        notify.protocolId != static_cast<uint8_t>(ProtocolId::Ike))
    {
        return false;
    }
    if (!notify.spi.empty())
    {
        return false;
    }
    if (notify.data.size() < kQcdMinTokenLength || notify.data.size() > kQcdMaxTokenLength)
    {
        return false;
    }
    token = notify.data;
    return true;
}

std::vector<Bytes>
ExtractQcdTokens(const std::vector<Payload>& payloads)
{
    std::vector<Bytes> tokens;
    for (const auto& p : payloads)
    {
        if (tokens.size() >= kQcdMaxTokensPerMessage)
        {
            break;
        }
        const auto* n = std::get_if<NotifyPayload>(&p.body);
        Bytes token;
        if (n && ParseQcdTokenNotify(*n, token))
        {
            tokens.push_back(std::move(token));
        }
    }
    return tokens;
}

} // namespace ikev2

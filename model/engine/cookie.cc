#include "cookie.h"

#include "ike-constants.h"
#include "prf.h"

namespace ikev2
{

Bytes
CookieJar::Compute(uint8_t version,
                   const Bytes& secret,
                   const Bytes& ni,
                   Ipv4Address initiator,
                   uint64_t spiI)
{
    ByteWriter w;
    w.Append(ni);
    w.Append(initiator.ToBytes());
    w.U64(spiI);
    Prf prf(transform::kPrfHmacSha256);
    Bytes mac = prf.Compute(secret, w.Data());
    Bytes cookie;
    cookie.reserve(1 + mac.size());
    cookie.push_back(version);
    cookie.insert(cookie.end(), mac.begin(), mac.end());
    return cookie;
}

Bytes
CookieJar::Make(Time now, Drbg& rng, const Bytes& ni, Ipv4Address initiator, uint64_t spiI)
{
    if (m_current.empty() || now - m_rotatedAt >= kRotation)
    {
        m_previous = std::move(m_current);
        m_current = rng.Generate(kSecretSize);
        m_version = static_cast<uint8_t>(m_version + 1);
        m_rotatedAt = now;
    }
    return Compute(m_version, m_current, ni, initiator, spiI);
}

bool
CookieJar::Verify(const Bytes& cookie, const Bytes& ni, Ipv4Address initiator, uint64_t spiI) const
{
    if (cookie.empty() || m_current.empty())
    {
        return false;
    }
    const uint8_t version = cookie[0];
    const Bytes* secret = nullptr;
    if (version == m_version)
    {
        secret = &m_current;
    }
    else if (version == static_cast<uint8_t>(m_version - 1) && !m_previous.empty())
    {
        secret = &m_previous;
    }
    if (!secret)
    {
        return false;
    }
    Bytes expected = Compute(version, *secret, ni, initiator, spiI);
    return ConstantTimeEqual(expected, cookie);
}

void
CookieJar::Clear()
{
    m_current.clear();
    m_previous.clear();
    m_version = 0;
    m_rotatedAt = Time(0);
}

} // namespace ikev2

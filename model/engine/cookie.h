// The stateless anti-DoS COOKIE of RFC 7296 2.6:
//   Cookie = <VersionIDofSecret> | prf(<secret>, Ni | IPi | SPIi)
// with PRF_HMAC_SHA2_256. The secret is drawn from the endpoint's Drbg, replaced every
// kRotation; cookies made with the previous secret are still accepted, so that an initiator
// that got its cookie just before a rotation is not turned away.
#ifndef IKEV2_COOKIE_H
#define IKEV2_COOKIE_H

#include "drbg.h"
#include "engine-types.h"

#include <cstdint>

namespace ikev2
{

class CookieJar
{
  public:
    static constexpr Time kRotation = std::chrono::minutes(5);
    static constexpr size_t kSecretSize = 32;

    /// The cookie for this initiator (rotates the secret first when it is due).
    Bytes Make(Time now, Drbg& rng, const Bytes& ni, Ipv4Address initiator, uint64_t spiI);
    /// True when @p cookie was made by the current or the previous secret for these values.
    bool Verify(const Bytes& cookie, const Bytes& ni, Ipv4Address initiator, uint64_t spiI) const;
    void Clear();
    size_t StateBytes() const { return sizeof(*this) + m_current.size() + m_previous.size(); }

  private:
    static Bytes Compute(uint8_t version,
                         const Bytes& secret,
                         const Bytes& ni,
                         Ipv4Address initiator,
                         uint64_t spiI);

    Bytes m_current;
    Bytes m_previous;
    uint8_t m_version{0};
    Time m_rotatedAt{0};
};

} // namespace ikev2

#endif

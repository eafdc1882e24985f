// The IKEv2 pseudo-random functions PRF_HMAC_SHA2_256/384/512 and prf+ (RFC 7296 2.13).
#ifndef IKEV2_PRF_H
#define IKEV2_PRF_H

#include "bytes.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace ikev2
{

bool IsSupportedPrf(uint16_t prfTransformId);

class Prf
{
  public:
    /// An unsupported id gives OutputSize() == 0 and empty results; check IsSupportedPrf().
    explicit Prf(uint16_t prfTransformId);

    uint16_t Id() const { return m_id; }
    bool Valid() const { return m_outLen != 0; }
    /// Octets of one PRF output (32, 48, 64).
    size_t OutputSize() const { return m_outLen; }
    /// Key size for SK_d, SK_pi, SK_pr (RFC 7296 2.14: the PRF's preferred key size).
    size_t PreferredKeySize() const { return m_outLen; }
    /// Digest name for OpenSSL ("sha256", ...).
    const std::string& HashName() const { return m_hash; }

    /// prf(key, data); one Prf count on the crypto meter.
    Bytes Compute(const Bytes& key, const Bytes& data) const;
    Bytes Compute(const Bytes& key, const uint8_t* data, size_t len) const;
    /// prf+(key, seed) truncated to @p length octets; empty when that needs > 255 blocks.
    Bytes Plus(const Bytes& key, const Bytes& seed, size_t length) const;

  private:
    uint16_t m_id;
    std::string m_hash;
    size_t m_outLen{ 0 };
};

} // namespace ikev2

#endif

// Diffie-Hellman for IKEv2 KE payloads: groups 31 (X25519, RFC 8031), 19 (ECP-256, RFC 5903)
// and 14 (MODP-2048, RFC 3526), through OpenSSL EVP.
//
// The private key is drawn from the caller's Drbg and imported into OpenSSL, so key pairs are
// reproducible from the simulation seed.
#ifndef IKEV2_DH_H
#define IKEV2_DH_H

#include "bytes.h"
#include "drbg.h"

#include <cstdint>
#include <memory>
#include <optional>

typedef struct evp_pkey_st EVP_PKEY;

namespace ikev2
{

bool IsSupportedDhGroup(uint16_t group);
/// Octets of the KE payload's key exchange data (32, 64, 256); 0 for an unsupported group.
size_t DhPublicValueSize(uint16_t group);
/// Octets of the shared secret g^ir (32, 32, 256); 0 for an unsupported group.
size_t DhSharedSecretSize(uint16_t group);

class DhKeyPair
{
  public:
    /// nullptr for an unsupported group. Counts DhKeygen* on the crypto meter.
    static std::unique_ptr<DhKeyPair> Generate(uint16_t group, Drbg& rng);
    /// Key pair from a given private value (known-answer tests, restored state): X25519 the
    /// 32-octet raw key (clamped by X25519 itself), ECP-256 a 32-octet scalar in [1, n-1],
    /// MODP-2048 a big-endian exponent > 1 of at most 256 octets. nullptr if invalid.
    /// Counts DhKeygen* (it computes the public value).
    static std::unique_ptr<DhKeyPair> FromPrivate(uint16_t group, const Bytes& privateValue);
    ~DhKeyPair();
    DhKeyPair(const DhKeyPair&) = delete;
    DhKeyPair& operator=(const DhKeyPair&) = delete;

    uint16_t Group() const { return m_group; }
    /// The KE payload data: X25519 u (32), ECP-256 x | y (64), MODP g^x padded to 256.
    const Bytes& PublicValue() const { return m_public; }
    /// The shared secret, or nullopt if @p peerPublic is invalid (wrong length, not on the
    /// curve, out of range, or a low-order X25519 point giving all zeros).
    /// Counts DhDerive* on the crypto meter.
    std::optional<Bytes> Derive(const Bytes& peerPublic) const;

  private:
    DhKeyPair(uint16_t group, EVP_PKEY* key, Bytes pub);
    uint16_t m_group;
    EVP_PKEY* m_key;
    Bytes m_public;
};

} // namespace ikev2

#endif

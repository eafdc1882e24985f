// IKEv2 authentication (RFC 7296 2.15): signed octets, PSK AUTH, and signatures with
// RSA (RFC 7427 Digital Signature, method 14, sha256WithRSAEncryption) and ECDSA P-256 with
// SHA-256 (RFC 4754, method 9, r | s).
//
// ECDSA signatures use an RFC 6979 deterministic nonce (OpenSSL 3.0 has no deterministic
// ECDSA), so runs stay byte-identical; RSA PKCS#1 v1.5 is deterministic by nature.
#ifndef IKEV2_AUTH_H
#define IKEV2_AUTH_H

#include "bytes.h"
#include "ike-constants.h"
#include "prf.h"

#include <memory>
#include <string>

typedef struct evp_pkey_st EVP_PKEY;

namespace ikev2
{

/// realMessage | peerNonce | prf(SK_p, IDBody). @p idPayloadBody is IDType | RESERVED(3) | data.
Bytes BuildSignedOctets(const Bytes& realMessage,
                        const Bytes& peerNonce,
                        const Prf& prf,
                        const Bytes& skP,
                        const Bytes& idPayloadBody);
/// The ID payload body as hashed in the signed octets.
Bytes IdPayloadBody(uint8_t idType, const Bytes& data);
/// prf(prf(PSK, "Key Pad for IKEv2"), signedOctets).
Bytes ComputePskAuth(const Prf& prf, const Bytes& psk, const Bytes& signedOctets);

class PrivateKey
{
  public:
    /// Key generation uses OpenSSL's RNG: for tools that create configuration, not for runs.
    static std::unique_ptr<PrivateKey> GenerateRsa(int bits);
    static std::unique_ptr<PrivateKey> GenerateEcdsaP256();
    /// P-256 key from its 32-octet private scalar (deterministic keys for simulations and
    /// known-answer tests); nullptr if the scalar is 0 or not below the group order.
    static std::unique_ptr<PrivateKey> EcdsaP256FromScalar(const Bytes& scalar);
    /// RSA or P-256 key in PEM (PKCS#8 or traditional); nullptr otherwise.
    static std::unique_ptr<PrivateKey> FromPem(const std::string& pem);
    ~PrivateKey();
    PrivateKey(const PrivateKey&) = delete;
    PrivateKey& operator=(const PrivateKey&) = delete;

    std::string ToPem() const;
    std::string PublicKeyPem() const;
    /// DigitalSignature (RSA) or EcdsaSha256P256.
    AuthMethod Method() const;
    /// AUTH payload data for Method(). Counts SignRsa2048 or SignEcdsaP256.
    bool Sign(const Bytes& signedOctets, Bytes& authData) const;

  private:
    explicit PrivateKey(EVP_PKEY* key);
    EVP_PKEY* m_key;
    bool m_isRsa;
};

class PublicKey
{
  public:
    static std::unique_ptr<PublicKey> FromPem(const std::string& pem);
    ~PublicKey();
    PublicKey(const PublicKey&) = delete;
    PublicKey& operator=(const PublicKey&) = delete;

    /// RSA key: methods 14 (sha256WithRSAEncryption only) and 1 (SHA-1 PKCS#1 v1.5, RFC 7296);
    /// P-256 key: method 9, or 14 with ecdsa-with-SHA256 (DER signature).
    /// Counts VerifyRsa2048 or VerifyEcdsaP256.
    bool Verify(uint8_t authMethod, const Bytes& signedOctets, const Bytes& authData) const;
    bool IsRsa() const { return m_isRsa; }

  private:
    explicit PublicKey(EVP_PKEY* key);
    EVP_PKEY* m_key;
    bool m_isRsa;
};

} // namespace ikev2

#endif

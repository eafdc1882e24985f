// Low-level keyed symmetric primitives (AES-GCM, AES-CBC, HMAC-SHA2) through OpenSSL EVP.
//
// Each object creates its EVP context once, when keyed, and reuses it for every operation:
// the ESP data plane keeps one per SA direction, tens of thousands of them. The objects are
// movable, not copyable. Every operation adds itself to the thread's crypto meter
// (AesGcm/AesCbc: AeadSeal/AeadOpen with the octets processed, Hmac: Prf), so callers must not
// count them again.
#ifndef IKEV2_AEAD_H
#define IKEV2_AEAD_H

#include "bytes.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace ikev2
{

struct CipherCtxDeleter
{
    void operator()(EVP_CIPHER_CTX* ctx) const;
};

struct MacCtxDeleter
{
    void operator()(EVP_MAC_CTX* ctx) const;
};

/// AES-GCM with a 12-octet nonce (the caller builds salt | IV).
class AesGcm
{
  public:
    static constexpr size_t kNonceSize = 12;
    static constexpr size_t kMaxTagSize = 16;

    /// @param len 16 (AES-128) or 32 (AES-256); false otherwise.
    bool SetKey(const uint8_t* key, size_t len);
    bool HasKey() const { return m_ctx != nullptr; }
    size_t KeySize() const { return m_keyLen; }

    /// Encrypts @p ptLen octets into @p ctOut (may equal @p pt) and writes the tag.
    bool Seal(const uint8_t nonce[12],
              const uint8_t* aad,
              size_t aadLen,
              const uint8_t* pt,
              size_t ptLen,
              uint8_t* ctOut,
              uint8_t* tagOut,
              size_t tagLen = 16);
    /// Verifies the tag and decrypts; false (and @p ptOut unspecified) on any mismatch.
    bool Open(const uint8_t nonce[12],
              const uint8_t* aad,
              size_t aadLen,
              const uint8_t* ct,
              size_t ctLen,
              const uint8_t* tag,
              size_t tagLen,
              uint8_t* ptOut);

  private:
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> m_ctx;
    size_t m_keyLen{ 0 };
};

/// AES-CBC without padding: lengths must be multiples of 16.
class AesCbc
{
  public:
    static constexpr size_t kBlockSize = 16;

    /// @param len 16 or 32.
    bool SetKey(const uint8_t* key, size_t len);
    bool HasKey() const { return m_enc != nullptr; }
    size_t KeySize() const { return m_keyLen; }
    /// @p out may equal @p in.
    bool Encrypt(const uint8_t iv[16], const uint8_t* in, size_t len, uint8_t* out);
    bool Decrypt(const uint8_t iv[16], const uint8_t* in, size_t len, uint8_t* out);

  private:
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> m_enc;
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> m_dec;
    size_t m_keyLen{ 0 };
};

/// HMAC with a fixed key: the keyed context is re-initialised (not re-keyed) per computation.
class Hmac
{
  public:
    /// @param hash "sha256", "sha384" or "sha512" (anything else: OutputSize() == 0).
    explicit Hmac(const std::string& hash);
    Hmac(Hmac&&) noexcept;
    Hmac& operator=(Hmac&&) noexcept;
    ~Hmac();

    bool SetKey(const uint8_t* key, size_t len);
    bool HasKey() const { return m_keyed != nullptr; }
    /// Full-length MAC into @p out (OutputSize() octets; truncate yourself for ICVs).
    void Compute(const uint8_t* data, size_t len, uint8_t* out);
    /// MAC over the concatenation a | b.
    void Compute(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen, uint8_t* out);
    size_t OutputSize() const { return m_outLen; }

  private:
    std::string m_hash;
    size_t m_outLen{ 0 };
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> m_keyed;
};

} // namespace ikev2

#endif

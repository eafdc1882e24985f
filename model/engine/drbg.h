// Deterministic random bit generator: the only source of randomness in the engine.
//
// An AES-256-CTR keystream (OpenSSL EVP) keyed by SHA-256(seed || label), so every SPI, nonce,
// DH private key and IV of a simulation is reproducible from the configured seed, and separate
// labels (one per node, per purpose) give independent streams.
#ifndef IKEV2_DRBG_H
#define IKEV2_DRBG_H

#include "bytes.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace ikev2
{

class Drbg
{
  public:
    Drbg(uint64_t seed, const std::string& label);
    /// Seeded from the operating system (real-socket tools only; never in simulations).
    static Drbg FromOsEntropy();

    Drbg(Drbg&&) noexcept;
    Drbg& operator=(Drbg&&) noexcept;
    Drbg(const Drbg&) = delete;
    Drbg& operator=(const Drbg&) = delete;
    ~Drbg();

    void Generate(uint8_t* out, size_t n);
    Bytes Generate(size_t n);
    uint32_t NextU32();
    uint64_t NextU64();
    /// Uniform in [0, 1) with 53 random bits.
    double NextUniform();
    /// Uniform in [0, bound) without modulo bias; 0 when bound is 0.
    uint64_t NextBelow(uint64_t bound);

  private:
    explicit Drbg(const uint8_t key[32]);
    void Refill();

    struct CtxDeleter
    {
        void operator()(EVP_CIPHER_CTX* ctx) const;
    };
    std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> m_ctx;
    /// Keystream block buffer so that small draws do not call into OpenSSL each time.
    uint8_t m_buf[64]{};
    size_t m_pos{ sizeof(m_buf) };
};

} // namespace ikev2

#endif

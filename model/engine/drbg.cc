#include "drbg.h"

#include "crypto-meter.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace ikev2
{

void
Drbg::CtxDeleter::operator()(EVP_CIPHER_CTX* ctx) const
{
    EVP_CIPHER_CTX_free(ctx);
}

namespace
{

const EVP_CIPHER*
Aes256Ctr()
{
    // Fetched once: implicit fetching on every construction would dominate its cost.
    static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
    return cipher;
}

} // namespace

Drbg::Drbg(uint64_t seed, const std::string& label)
{
    uint8_t material[8];
    for (int i = 0; i < 8; ++i)
    {
        material[i] = static_cast<uint8_t>(seed >> (56 - 8 * i));
    }
    uint8_t key[32];
    unsigned int keyLen = 0;
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), nullptr) == 1 &&
              EVP_DigestUpdate(md, material, sizeof(material)) == 1 &&
              EVP_DigestUpdate(md, label.data(), label.size()) == 1 &&
              EVP_DigestFinal_ex(md, key, &keyLen) == 1 && keyLen == 32;
    EVP_MD_CTX_free(md);
    if (!ok)
    {
        // Only an allocation failure in OpenSSL gets here; nothing sensible can continue.
        std::abort();
    }
    *this = Drbg(key);
}

Drbg::Drbg(const uint8_t key[32])
  : m_ctx(EVP_CIPHER_CTX_new())
{
    static const uint8_t zeroIv[16] = {};
    if (!m_ctx || EVP_EncryptInit_ex(m_ctx.get(), Aes256Ctr(), nullptr, key, zeroIv) != 1)
    {
        std::abort();
    }
}

Drbg
Drbg::FromOsEntropy()
{
    uint8_t key[32];
    if (RAND_bytes(key, sizeof(key)) != 1)
    {
        std::abort();
    }
    return Drbg(key);
}

Drbg::Drbg(Drbg&&) noexcept = default;
Drbg& Drbg::operator=(Drbg&&) noexcept = default;
Drbg::~Drbg() = default;

void
Drbg::Refill()
{
    static const uint8_t zeros[sizeof(m_buf)] = {};
    int outLen = 0;
    EVP_EncryptUpdate(m_ctx.get(), m_buf, &outLen, zeros, sizeof(zeros));
    m_pos = 0;
}

void
Drbg::Generate(uint8_t* out, size_t n)
{
    CountCrypto(CryptoOp::Random, n);
    // Serve from the buffered keystream first, then bulk requests straight from the cipher.
    size_t fromBuf = std::min(n, sizeof(m_buf) - m_pos);
    std::memcpy(out, m_buf + m_pos, fromBuf);
    m_pos += fromBuf;
    out += fromBuf;
    n -= fromBuf;
    if (n >= sizeof(m_buf))
    {
        size_t bulk = n - n % sizeof(m_buf);
        std::memset(out, 0, bulk);
        size_t done = 0;
        while (done < bulk)
        {
            int chunk = static_cast<int>(std::min<size_t>(bulk - done, 1 << 20));
            int outLen = 0;
            EVP_EncryptUpdate(m_ctx.get(), out + done, &outLen, out + done, chunk);
            done += chunk;
        }
        out += bulk;
        n -= bulk;
    }
    if (n > 0)
    {
        Refill();
        std::memcpy(out, m_buf, n);
        m_pos = n;
    }
}

Bytes
Drbg::Generate(size_t n)
{
    Bytes out(n);
    if (n > 0)
    {
        Generate(out.data(), n);
    }
    return out;
}

uint32_t
Drbg::NextU32()
{
    uint8_t b[4];
    Generate(b, sizeof(b));
    return (uint32_t{ b[0] } << 24) | (uint32_t{ b[1] } << 16) | (uint32_t{ b[2] } << 8) | b[3];
}

uint64_t
Drbg::NextU64()
{
    uint8_t b[8];
    Generate(b, sizeof(b));
    uint64_t v = 0;
    for (uint8_t x : b)
    {
        v = (v << 8) | x;
    }
    return v;
}

double
Drbg::NextUniform()
{
    return static_cast<double>(NextU64() >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t
Drbg::NextBelow(uint64_t bound)
{
    if (bound == 0)
    {
        return 0;
    }
    // Rejection sampling: accept only values below the largest multiple of bound.
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound + 1) % bound;
    uint64_t v;
    do
    {
        v = NextU64();
    } while (v > limit);
    return v % bound;
}

} // namespace ikev2

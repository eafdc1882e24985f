#include "prf.h"

#include "crypto-meter.h"
#include "ike-constants.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace ikev2
{

bool
IsSupportedPrf(uint16_t id)
{
    return id == transform::kPrfHmacSha256 || id == transform::kPrfHmacSha384 ||
           id == transform::kPrfHmacSha512;
}

Prf::Prf(uint16_t id)
  : m_id(id)
{
    switch (id)
    {
        case transform::kPrfHmacSha256:
            m_hash = "sha256";
            m_outLen = 32;
            break;
        case transform::kPrfHmacSha384:
            m_hash = "sha384";
            m_outLen = 48;
            break;
        case transform::kPrfHmacSha512:
            m_hash = "sha512";
            m_outLen = 64;
            break;
        default:
            break;
    }
}

namespace
{

EVP_MAC*
HmacAlgorithm()
{
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

} // namespace

Bytes
Prf::Compute(const Bytes& key, const Bytes& data) const
{
    return Compute(key, data.data(), data.size());
}

Bytes
Prf::Compute(const Bytes& key, const uint8_t* data, size_t len) const
{
    if (m_outLen == 0 || !HmacAlgorithm())
    {
        return {};
    }
    CountCrypto(CryptoOp::Prf, len);
    // The key changes from call to call (SKEYSEED, SK_d, SK_p...), so a context per call.
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(HmacAlgorithm());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(
          OSSL_MAC_PARAM_DIGEST, const_cast<char*>(m_hash.c_str()), 0),
        OSSL_PARAM_construct_end(),
    };
    static const uint8_t empty = 0;
    Bytes out(m_outLen);
    size_t outLen = 0;
    bool ok = ctx &&
              EVP_MAC_init(ctx, key.empty() ? &empty : key.data(), key.size(), params) == 1 &&
              (len == 0 || EVP_MAC_update(ctx, data, len) == 1) &&
              EVP_MAC_final(ctx, out.data(), &outLen, out.size()) == 1 && outLen == m_outLen;
    EVP_MAC_CTX_free(ctx);
    if (!ok)
    {
        return {};
    }
    return out;
}

Bytes
Prf::Plus(const Bytes& key, const Bytes& seed, size_t length) const
{
    // T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n); the counter is one octet, so at most
    // 255 blocks (RFC 7296 2.13).
    if (m_outLen == 0 || length > 255 * m_outLen)
    {
        return {};
    }
    Bytes out;
    out.reserve(length + m_outLen);
    Bytes t;
    Bytes input;
    for (unsigned n = 1; out.size() < length; ++n)
    {
        input.clear();
        input.insert(input.end(), t.begin(), t.end());
        input.insert(input.end(), seed.begin(), seed.end());
        input.push_back(static_cast<uint8_t>(n));
        t = Compute(key, input);
        if (t.empty())
        {
            return {};
        }
        out.insert(out.end(), t.begin(), t.end());
    }
    out.resize(length);
    return out;
}

} // namespace ikev2

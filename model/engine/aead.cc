#include "aead.h"

#include "crypto-meter.h"

#include <climits>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace ikev2
{

void
CipherCtxDeleter::operator()(EVP_CIPHER_CTX* ctx) const
{
    EVP_CIPHER_CTX_free(ctx);
}

void
MacCtxDeleter::operator()(EVP_MAC_CTX* ctx) const
{
    EVP_MAC_CTX_free(ctx);
}

namespace
{

// Algorithms are fetched once per process: an implicit fetch per SetKey would cost more than
// the key schedule itself.
const EVP_CIPHER*
FetchCipher(const char* name)
{
    return EVP_CIPHER_fetch(nullptr, name, nullptr);
}

const EVP_CIPHER*
GcmCipher(size_t keyLen)
{
    static const EVP_CIPHER* gcm128 = FetchCipher("AES-128-GCM");
    static const EVP_CIPHER* gcm256 = FetchCipher("AES-256-GCM");
    return keyLen == 16 ? gcm128 : keyLen == 32 ? gcm256 : nullptr;
}

const EVP_CIPHER*
CbcCipher(size_t keyLen)
{
    static const EVP_CIPHER* cbc128 = FetchCipher("AES-128-CBC");
    static const EVP_CIPHER* cbc256 = FetchCipher("AES-256-CBC");
    return keyLen == 16 ? cbc128 : keyLen == 32 ? cbc256 : nullptr;
}

EVP_MAC*
HmacAlgorithm()
{
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

bool
FitsInt(size_t n)
{
    return n <= static_cast<size_t>(INT_MAX);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// AES-GCM

bool
AesGcm::SetKey(const uint8_t* key, size_t len)
{
    m_ctx.reset();
    m_keyLen = 0;
    const EVP_CIPHER* cipher = GcmCipher(len);
    if (!cipher)
    {
        return false;
    }
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
    // The key schedule is done once here; each Seal/Open only sets the nonce.
    if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key, nullptr, 1) != 1)
    {
        return false;
    }
    m_ctx = std::move(ctx);
    m_keyLen = len;
    return true;
}

bool
AesGcm::Seal(const uint8_t nonce[12],
             const uint8_t* aad,
             size_t aadLen,
             const uint8_t* pt,
             size_t ptLen,
             uint8_t* ctOut,
             uint8_t* tagOut,
             size_t tagLen)
{
    if (!m_ctx || tagLen < 4 || tagLen > kMaxTagSize || !FitsInt(aadLen) || !FitsInt(ptLen))
    {
        return false;
    }
    CountCrypto(CryptoOp::AeadSeal, ptLen);
    EVP_CIPHER_CTX* c = m_ctx.get();
    int len = 0;
    if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce, 1) != 1)
    {
        return false;
    }
    if (aadLen > 0 && EVP_CipherUpdate(c, nullptr, &len, aad, static_cast<int>(aadLen)) != 1)
    {
        return false;
    }
    if (ptLen > 0 && EVP_CipherUpdate(c, ctOut, &len, pt, static_cast<int>(ptLen)) != 1)
    {
        return false;
    }
    if (EVP_CipherFinal_ex(c, ctOut + ptLen, &len) != 1)
    {
        return false;
    }
    return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tagLen), tagOut) == 1;
}

bool
AesGcm::Open(const uint8_t nonce[12],
             const uint8_t* aad,
             size_t aadLen,
             const uint8_t* ct,
             size_t ctLen,
             const uint8_t* tag,
             size_t tagLen,
             uint8_t* ptOut)
{
    if (!m_ctx || tagLen < 4 || tagLen > kMaxTagSize || !FitsInt(aadLen) || !FitsInt(ctLen))
    {
        return false;
    }
    CountCrypto(CryptoOp::AeadOpen, ctLen);
    EVP_CIPHER_CTX* c = m_ctx.get();
    int len = 0;
    if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, nonce, 0) != 1)
    {
        return false;
    }
    if (aadLen > 0 && EVP_CipherUpdate(c, nullptr, &len, aad, static_cast<int>(aadLen)) != 1)
    {
        return false;
    }
    if (ctLen > 0 && EVP_CipherUpdate(c, ptOut, &len, ct, static_cast<int>(ctLen)) != 1)
    {
        return false;
    }
    if (EVP_CIPHER_CTX_ctrl(
          c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tagLen), const_cast<uint8_t*>(tag)) != 1)
    {
        return false;
    }
    // Final compares the tag in constant time.
    return EVP_CipherFinal_ex(c, ptOut + ctLen, &len) == 1;
}

// ---------------------------------------------------------------------------------------------
// AES-CBC

bool
AesCbc::SetKey(const uint8_t* key, size_t len)
{
    m_enc.reset();
    m_dec.reset();
    m_keyLen = 0;
    const EVP_CIPHER* cipher = CbcCipher(len);
    if (!cipher)
    {
        return false;
    }
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> enc(EVP_CIPHER_CTX_new());
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> dec(EVP_CIPHER_CTX_new());
    if (!enc || !dec || EVP_CipherInit_ex(enc.get(), cipher, nullptr, key, nullptr, 1) != 1 ||
        EVP_CipherInit_ex(dec.get(), cipher, nullptr, key, nullptr, 0) != 1)
    {
        return false;
    }
    EVP_CIPHER_CTX_set_padding(enc.get(), 0);
    EVP_CIPHER_CTX_set_padding(dec.get(), 0);
    m_enc = std::move(enc);
    m_dec = std::move(dec);
    m_keyLen = len;
    return true;
}

namespace
{

bool
CbcRun(EVP_CIPHER_CTX* c,
       int enc,
       const uint8_t iv[16],
       const uint8_t* in,
       size_t len,
       uint8_t* out)
{
    if (len % AesCbc::kBlockSize != 0 || !FitsInt(len))
    {
        return false;
    }
    int outLen = 0;
    if (EVP_CipherInit_ex(c, nullptr, nullptr, nullptr, iv, enc) != 1)
    {
        return false;
    }
    if (len > 0 && EVP_CipherUpdate(c, out, &outLen, in, static_cast<int>(len)) != 1)
    {
        return false;
    }
    int finalLen = 0;
    return EVP_CipherFinal_ex(c, out + outLen, &finalLen) == 1 &&
           static_cast<size_t>(outLen + finalLen) == len;
}

} // namespace

bool
AesCbc::Encrypt(const uint8_t iv[16], const uint8_t* in, size_t len, uint8_t* out)
{
    if (!m_enc)
    {
        return false;
    }
    CountCrypto(CryptoOp::AeadSeal, len);
    return CbcRun(m_enc.get(), 1, iv, in, len, out);
}

bool
AesCbc::Decrypt(const uint8_t iv[16], const uint8_t* in, size_t len, uint8_t* out)
{
    if (!m_dec)
    {
        return false;
    }
    CountCrypto(CryptoOp::AeadOpen, len);
    return CbcRun(m_dec.get(), 0, iv, in, len, out);
}

// ---------------------------------------------------------------------------------------------
// HMAC

Hmac::Hmac(const std::string& hash)
  : m_hash(hash)
{
    if (hash == "sha256")
    {
        m_outLen = 32;
    }
    else if (hash == "sha384")
    {
        m_outLen = 48;
    }
    else if (hash == "sha512")
    {
        m_outLen = 64;
    }
}

Hmac::Hmac(Hmac&&) noexcept = default;
Hmac& Hmac::operator=(Hmac&&) noexcept = default;
Hmac::~Hmac() = default;

bool
Hmac::SetKey(const uint8_t* key, size_t len)
{
    m_keyed.reset();
    if (m_outLen == 0 || !HmacAlgorithm())
    {
        return false;
    }
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(HmacAlgorithm()));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(
          OSSL_MAC_PARAM_DIGEST, const_cast<char*>(m_hash.c_str()), 0),
        OSSL_PARAM_construct_end(),
    };
    // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
    static const uint8_t empty = 0;
    if (!ctx || EVP_MAC_init(ctx.get(), len ? key : &empty, len, params) != 1)
    {
        return false;
    }
    m_keyed = std::move(ctx);
    return true;
}

void
Hmac::Compute(const uint8_t* data, size_t len, uint8_t* out)
{
    Compute(data, len, nullptr, 0, out);
}

void
Hmac::Compute(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen, uint8_t* out)
{
    if (!m_keyed)
    {
        return;
    }
    CountCrypto(CryptoOp::Prf, alen + blen);
    // Re-initialising without a key restores the keyed inner/outer state (no key-pad hashing,
    // no allocation).
    EVP_MAC_CTX* c = m_keyed.get();
    size_t outLen = 0;
    if (EVP_MAC_init(c, nullptr, 0, nullptr) != 1 || (alen && EVP_MAC_update(c, a, alen) != 1) ||
        (blen && EVP_MAC_update(c, b, blen) != 1))
    {
        return;
    }
    EVP_MAC_final(c, out, &outLen, m_outLen);
}

} // namespace ikev2

#include "sk-cipher.h"

#include "ike-constants.h"

#include <cstring>

namespace ikev2
{

namespace
{

constexpr size_t kGcmSaltSize = 4;
constexpr size_t kGcmIvSize = 8;
constexpr size_t kGcmIcvSize = 16;
constexpr size_t kCbcIvSize = 16;
constexpr size_t kHmacIcvSize = 16; // AUTH_HMAC_SHA2_256_128

/// ENCR_AES_GCM_16 (RFC 5282).
class GcmSkCipher : public SkCipher
{
  public:
    bool Init(const Bytes& encKey)
    {
        if (encKey.size() != 16 + kGcmSaltSize && encKey.size() != 32 + kGcmSaltSize)
        {
            return false;
        }
        size_t keyLen = encKey.size() - kGcmSaltSize;
        std::memcpy(m_salt, encKey.data() + keyLen, kGcmSaltSize);
        return m_gcm.SetKey(encKey.data(), keyLen);
    }

    size_t IvSize() const override { return kGcmIvSize; }
    size_t IcvSize() const override { return kGcmIcvSize; }
    size_t BlockSize() const override { return 1; }

    bool Seal(uint8_t* message, size_t skBodyOffset, size_t plaintextLen, Drbg&) override
    {
        // A counter IV can never repeat under this key; the same datagram is retransmitted
        // from the engine's cache rather than sealed again.
        if (m_exhausted)
        {
            return false;
        }
        uint8_t* iv = message + skBodyOffset;
        for (size_t i = 0; i < kGcmIvSize; ++i)
        {
            iv[i] = static_cast<uint8_t>(m_counter >> (56 - 8 * i));
        }
        if (m_counter == UINT64_MAX)
        {
            m_exhausted = true;
        }
        ++m_counter;
        uint8_t nonce[12];
        std::memcpy(nonce, m_salt, kGcmSaltSize);
        std::memcpy(nonce + kGcmSaltSize, iv, kGcmIvSize);
        uint8_t* pt = iv + kGcmIvSize;
        return m_gcm.Seal(
          nonce, message, skBodyOffset, pt, plaintextLen, pt, pt + plaintextLen, kGcmIcvSize);
    }

    bool Open(const uint8_t* message,
              size_t skBodyOffset,
              size_t bodyLen,
              Bytes& plaintext) override
    {
        if (bodyLen < kGcmIvSize + kGcmIcvSize)
        {
            return false;
        }
        const uint8_t* iv = message + skBodyOffset;
        size_t ctLen = bodyLen - kGcmIvSize - kGcmIcvSize;
        uint8_t nonce[12];
        std::memcpy(nonce, m_salt, kGcmSaltSize);
        std::memcpy(nonce + kGcmSaltSize, iv, kGcmIvSize);
        plaintext.resize(ctLen);
        const uint8_t* ct = iv + kGcmIvSize;
        bool ok = m_gcm.Open(
          nonce, message, skBodyOffset, ct, ctLen, ct + ctLen, kGcmIcvSize, plaintext.data());
        if (!ok)
        {
            plaintext.clear();
        }
        return ok;
    }

    uint64_t NextIvCounter() const override { return m_counter; }
    void SetNextIvCounter(uint64_t next) override
    {
        m_counter = next;
        m_exhausted = false;
    }

  private:
    AesGcm m_gcm;
    uint8_t m_salt[kGcmSaltSize]{};
    uint64_t m_counter{ 0 };
    bool m_exhausted{ false };
};

/// ENCR_AES_CBC with AUTH_HMAC_SHA2_256_128 (RFC 7296 3.14, RFC 3602, RFC 4868).
class CbcHmacSkCipher : public SkCipher
{
  public:
    CbcHmacSkCipher()
      : m_hmac("sha256")
    {
    }

    bool Init(const Bytes& encKey, const Bytes& integKey)
    {
        return integKey.size() == 32 && m_cbc.SetKey(encKey.data(), encKey.size()) &&
               (encKey.size() == 16 || encKey.size() == 32) &&
               m_hmac.SetKey(integKey.data(), integKey.size());
    }

    size_t IvSize() const override { return kCbcIvSize; }
    size_t IcvSize() const override { return kHmacIcvSize; }
    size_t BlockSize() const override { return AesCbc::kBlockSize; }

    bool Seal(uint8_t* message, size_t skBodyOffset, size_t plaintextLen, Drbg& rng) override
    {
        if (plaintextLen == 0 || plaintextLen % AesCbc::kBlockSize != 0)
        {
            return false;
        }
        uint8_t* iv = message + skBodyOffset;
        rng.Generate(iv, kCbcIvSize);
        uint8_t* pt = iv + kCbcIvSize;
        if (!m_cbc.Encrypt(iv, pt, plaintextLen, pt))
        {
            return false;
        }
        // Encrypt-then-MAC over the whole message up to the ICV.
        size_t macLen = skBodyOffset + kCbcIvSize + plaintextLen;
        uint8_t mac[32];
        m_hmac.Compute(message, macLen, mac);
        std::memcpy(message + macLen, mac, kHmacIcvSize);
        return true;
    }

    bool Open(const uint8_t* message,
              size_t skBodyOffset,
              size_t bodyLen,
              Bytes& plaintext) override
    {
        if (bodyLen < kCbcIvSize + AesCbc::kBlockSize + kHmacIcvSize ||
            (bodyLen - kCbcIvSize - kHmacIcvSize) % AesCbc::kBlockSize != 0)
        {
            return false;
        }
        size_t ctLen = bodyLen - kCbcIvSize - kHmacIcvSize;
        size_t macLen = skBodyOffset + kCbcIvSize + ctLen;
        uint8_t mac[32];
        m_hmac.Compute(message, macLen, mac);
        if (!ConstantTimeEqual(mac, message + macLen, kHmacIcvSize))
        {
            return false;
        }
        const uint8_t* iv = message + skBodyOffset;
        plaintext.resize(ctLen);
        if (!m_cbc.Decrypt(iv, iv + kCbcIvSize, ctLen, plaintext.data()))
        {
            plaintext.clear();
            return false;
        }
        return true;
    }

  private:
    AesCbc m_cbc;
    Hmac m_hmac;
};

} // namespace

std::unique_ptr<SkCipher>
SkCipher::Create(const IkeSuite& suite, const Bytes& encKey, const Bytes& integKey)
{
    if (encKey.size() != suite.EncrKeyBytes() || integKey.size() != suite.IntegKeyBytes() ||
        encKey.empty())
    {
        return nullptr;
    }
    if (suite.encr == transform::kEncrAesGcm16)
    {
        auto c = std::make_unique<GcmSkCipher>();
        return c->Init(encKey) ? std::move(c) : nullptr;
    }
    if (suite.encr == transform::kEncrAesCbc && suite.integ == transform::kIntegHmacSha256_128)
    {
        auto c = std::make_unique<CbcHmacSkCipher>();
        return c->Init(encKey, integKey) ? std::move(c) : nullptr;
    }
    return nullptr;
}

} // namespace ikev2

// The IKEv2 PRFs and prf+ (RFC 7296 2.13), checked against HMAC computed directly.
#include "crypto-meter.h"
#include "ike-constants.h"
#include "prf.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ikev2
{
namespace
{

Bytes
DirectHmac(const EVP_MD* md, const Bytes& key, const Bytes& data)
{
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    static const uint8_t empty = 0; // HMAC() refuses a null key pointer
    HMAC(md,
         key.empty() ? &empty : key.data(),
         static_cast<int>(key.size()),
         data.data(),
         data.size(),
         out,
         &len);
    return Bytes(out, out + len);
}

/// prf+ written out as in RFC 7296 2.13, independent of Prf::Plus.
Bytes
DirectPrfPlus(const EVP_MD* md, const Bytes& key, const Bytes& seed, size_t length)
{
    Bytes out;
    Bytes t;
    for (int n = 1; out.size() < length; ++n)
    {
        Bytes in = t;
        in.insert(in.end(), seed.begin(), seed.end());
        in.push_back(static_cast<uint8_t>(n));
        t = DirectHmac(md, key, in);
        out.insert(out.end(), t.begin(), t.end());
    }
    out.resize(length);
    return out;
}

struct PrfCase
{
    uint16_t id;
    const EVP_MD* (*md)();
    size_t size;
};

const PrfCase kCases[] = {
    { transform::kPrfHmacSha256, EVP_sha256, 32 },
    { transform::kPrfHmacSha384, EVP_sha384, 48 },
    { transform::kPrfHmacSha512, EVP_sha512, 64 },
};

TEST(PrfTest, ComputeMatchesHmac)
{
    Bytes key = { 'J', 'e', 'f', 'e' };
    std::string text = "what do ya want for nothing?";
    Bytes data(text.begin(), text.end());
    for (const PrfCase& c : kCases)
    {
        Prf prf(c.id);
        ASSERT_TRUE(prf.Valid());
        EXPECT_EQ(prf.OutputSize(), c.size);
        EXPECT_EQ(prf.PreferredKeySize(), c.size);
        EXPECT_EQ(prf.Compute(key, data), DirectHmac(c.md(), key, data));
        EXPECT_EQ(prf.Compute(key, data.data(), data.size()), DirectHmac(c.md(), key, data));
        EXPECT_EQ(prf.Compute(Bytes(), Bytes()), DirectHmac(c.md(), Bytes(), Bytes()));
    }
    EXPECT_EQ(ToHex(Prf(transform::kPrfHmacSha256).Compute(Bytes(), Bytes())),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    // RFC 4231 test case 2 as an absolute anchor.
    EXPECT_EQ(ToHex(Prf(transform::kPrfHmacSha256).Compute(key, data)),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(PrfTest, PlusMatchesDirectComputationForManyLengths)
{
    Bytes key(37);
    Bytes seed(70);
    for (size_t i = 0; i < key.size(); ++i)
    {
        key[i] = static_cast<uint8_t>(i * 7 + 1);
    }
    for (size_t i = 0; i < seed.size(); ++i)
    {
        seed[i] = static_cast<uint8_t>(0xa0 ^ i);
    }
    for (const PrfCase& c : kCases)
    {
        Prf prf(c.id);
        for (size_t len :
             { size_t{ 1 }, c.size - 1, c.size, c.size + 1, size_t{ 200 }, size_t{ 1000 } })
        {
            SCOPED_TRACE(len);
            Bytes got = prf.Plus(key, seed, len);
            EXPECT_EQ(got, DirectPrfPlus(c.md(), key, seed, len));
        }
        // The longest output: exactly 255 blocks; one octet more is an error.
        EXPECT_EQ(prf.Plus(key, seed, 255 * c.size),
                  DirectPrfPlus(c.md(), key, seed, 255 * c.size));
        EXPECT_TRUE(prf.Plus(key, seed, 255 * c.size + 1).empty());
    }
}

TEST(PrfTest, PlusPrefixProperty)
{
    // prf+ output for a shorter length is a prefix of the longer one.
    Prf prf(transform::kPrfHmacSha256);
    Bytes key(32, 0x11);
    Bytes seed(16, 0x22);
    Bytes long1 = prf.Plus(key, seed, 100);
    Bytes short1 = prf.Plus(key, seed, 45);
    EXPECT_TRUE(std::equal(short1.begin(), short1.end(), long1.begin()));
}

TEST(PrfTest, UnsupportedIds)
{
    EXPECT_FALSE(IsSupportedPrf(2)); // PRF_HMAC_SHA1
    EXPECT_FALSE(IsSupportedPrf(8));
    EXPECT_TRUE(IsSupportedPrf(5));
    Prf prf(2);
    EXPECT_FALSE(prf.Valid());
    EXPECT_TRUE(prf.Compute(Bytes(4), Bytes(4)).empty());
    EXPECT_TRUE(prf.Plus(Bytes(4), Bytes(4), 10).empty());
}

TEST(PrfTest, CountsOnePrfPerHmac)
{
    CryptoCounts counts;
    ScopedMeter meter(&counts);
    Prf prf(transform::kPrfHmacSha256);
    prf.Compute(Bytes(32), Bytes(10));
    prf.Plus(Bytes(32), Bytes(8), 70); // three blocks
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::Prf)], 4u);
    EXPECT_EQ(counts.bytes[static_cast<size_t>(CryptoOp::Prf)], 10u + 9 + 41 + 41);
}

} // namespace
} // namespace ikev2

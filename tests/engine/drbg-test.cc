// Drbg: determinism per (seed, label), independence across seeds and labels, and the
// AES-256-CTR construction checked against an independent EVP computation.
#include "crypto-meter.h"
#include "drbg.h"

#include <cmath>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <set>

namespace ikev2
{
namespace
{

TEST(DrbgTest, SameSeedAndLabelGiveSameBytes)
{
    Drbg a(42, "node-a");
    Drbg b(42, "node-a");
    EXPECT_EQ(a.Generate(1000), b.Generate(1000));
    EXPECT_EQ(a.NextU64(), b.NextU64());
    EXPECT_EQ(a.NextU32(), b.NextU32());
}

TEST(DrbgTest, DifferentLabelOrSeedGivesDifferentBytes)
{
    Bytes base = Drbg(42, "node-a").Generate(32);
    EXPECT_NE(base, Drbg(42, "node-b").Generate(32));
    EXPECT_NE(base, Drbg(43, "node-a").Generate(32));
    EXPECT_NE(base, Drbg(42, "node-a ").Generate(32));
}

TEST(DrbgTest, ChunkingDoesNotChangeTheStream)
{
    // However the caller slices its requests, the keystream is the same.
    Drbg whole(7, "x");
    Bytes expected = whole.Generate(1000);
    Drbg parts(7, "x");
    Bytes got;
    size_t sizes[] = { 1, 3, 64, 65, 0, 200, 7, 128, 532 };
    for (size_t n : sizes)
    {
        Bytes b = parts.Generate(n);
        got.insert(got.end(), b.begin(), b.end());
    }
    ASSERT_EQ(got.size(), 1000u);
    EXPECT_EQ(got, expected);
}

TEST(DrbgTest, MatchesAes256CtrKeyedBySha256OfSeedAndLabel)
{
    uint64_t seed = 0x0102030405060708ull;
    std::string label = "ike-spi";
    uint8_t material[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    Bytes input(material, material + 8);
    input.insert(input.end(), label.begin(), label.end());
    uint8_t key[32];
    unsigned int keyLen = 0;
    ASSERT_EQ(EVP_Digest(input.data(), input.size(), key, &keyLen, EVP_sha256(), nullptr), 1);
    uint8_t iv[16] = {};
    Bytes zeros(300, 0);
    Bytes expected(300);
    int outLen = 0;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    ASSERT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, key, iv), 1);
    ASSERT_EQ(EVP_EncryptUpdate(ctx, expected.data(), &outLen, zeros.data(), 300), 1);
    EVP_CIPHER_CTX_free(ctx);
    Drbg d(seed, label);
    EXPECT_EQ(d.Generate(300), expected);
}

TEST(DrbgTest, MoveKeepsTheStreamPosition)
{
    Drbg a(1, "m");
    Drbg ref(1, "m");
    a.Generate(10);
    ref.Generate(10);
    Drbg b(std::move(a));
    EXPECT_EQ(b.Generate(100), ref.Generate(100));
    Drbg c(2, "other");
    c = std::move(b);
    EXPECT_EQ(c.Generate(100), ref.Generate(100));
}

TEST(DrbgTest, UniformAndBelowStayInRange)
{
    Drbg d(9, "u");
    double sum = 0;
    for (int i = 0; i < 10000; ++i)
    {
        double u = d.NextUniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
        uint64_t b = d.NextBelow(7);
        ASSERT_LT(b, 7u);
    }
    // Mean of 10000 uniforms: standard deviation 0.0029; 0.02 is a 7-sigma band.
    EXPECT_NEAR(sum / 10000, 0.5, 0.02);
    EXPECT_EQ(d.NextBelow(0), 0u);
    EXPECT_EQ(d.NextBelow(1), 0u);
}

TEST(DrbgTest, OsEntropyInstancesDiffer)
{
    EXPECT_NE(Drbg::FromOsEntropy().Generate(32), Drbg::FromOsEntropy().Generate(32));
}

TEST(DrbgTest, CountsRandomBytesOnTheMeter)
{
    CryptoCounts counts;
    {
        ScopedMeter meter(&counts);
        Drbg d(1, "c");
        d.Generate(20);
        d.NextU32();
    }
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::Random)], 2u);
    EXPECT_EQ(counts.bytes[static_cast<size_t>(CryptoOp::Random)], 24u);
}

} // namespace
} // namespace ikev2

// DH groups 31, 19, 14: RFC 7748 and RFC 5903 vectors, agreement between two key pairs, an
// independent MODP computation, and rejection of invalid peer values.
#include "crypto-meter.h"
#include "dh.h"
#include "ike-constants.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

namespace ikev2
{
namespace
{

Bytes
H(const std::string& hex)
{
    Bytes out;
    EXPECT_TRUE(FromHex(hex, out)) << hex;
    return out;
}

// ---------------------------------------------------------------------------------------------
// X25519

TEST(DhTest, X25519Rfc7748Section52Vectors)
{
    struct
    {
        const char* scalar;
        const char* u;
        const char* out;
    } cases[] = {
        { "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
          "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
          "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
        { "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
          "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
          "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
    };
    for (auto& c : cases)
    {
        auto pair = DhKeyPair::FromPrivate(transform::kDhCurve25519, H(c.scalar));
        ASSERT_NE(pair, nullptr);
        auto shared = pair->Derive(H(c.u));
        ASSERT_TRUE(shared.has_value());
        EXPECT_EQ(ToHex(*shared), c.out);
    }
}

TEST(DhTest, X25519Rfc7748Section61AliceAndBob)
{
    auto alice =
      DhKeyPair::FromPrivate(transform::kDhCurve25519,
                             H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    auto bob =
      DhKeyPair::FromPrivate(transform::kDhCurve25519,
                             H("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    ASSERT_TRUE(alice && bob);
    EXPECT_EQ(ToHex(alice->PublicValue()),
              "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    EXPECT_EQ(ToHex(bob->PublicValue()),
              "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    auto k1 = alice->Derive(bob->PublicValue());
    auto k2 = bob->Derive(alice->PublicValue());
    ASSERT_TRUE(k1 && k2);
    EXPECT_EQ(ToHex(*k1), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    EXPECT_EQ(*k1, *k2);
}

TEST(DhTest, X25519RejectsLowOrderAndWrongLength)
{
    Drbg rng(1, "x25519");
    auto pair = DhKeyPair::Generate(transform::kDhCurve25519, rng);
    ASSERT_NE(pair, nullptr);
    EXPECT_EQ(pair->PublicValue().size(), 32u);
    EXPECT_FALSE(pair->Derive(Bytes(32, 0)).has_value());
    Bytes one(32, 0);
    one[0] = 1; // u = 1, order 1 point
    EXPECT_FALSE(pair->Derive(one).has_value());
    EXPECT_FALSE(pair->Derive(Bytes(31, 9)).has_value());
    EXPECT_FALSE(pair->Derive(Bytes(33, 9)).has_value());
    EXPECT_FALSE(pair->Derive(Bytes()).has_value());
}

// ---------------------------------------------------------------------------------------------
// ECP-256

TEST(DhTest, Ecp256Rfc5903Section81)
{
    auto i = DhKeyPair::FromPrivate(
      transform::kDhEcp256, H("c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433"));
    auto r = DhKeyPair::FromPrivate(
      transform::kDhEcp256, H("c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53"));
    ASSERT_TRUE(i && r);
    // RFC 5903 KE payload data: x | y, no point-format octet.
    EXPECT_EQ(ToHex(i->PublicValue()),
              "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
              "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3");
    EXPECT_EQ(ToHex(r->PublicValue()),
              "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
              "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab");
    auto k1 = i->Derive(r->PublicValue());
    auto k2 = r->Derive(i->PublicValue());
    ASSERT_TRUE(k1 && k2);
    // The shared secret is the x coordinate only (RFC 5903 section 7).
    EXPECT_EQ(ToHex(*k1), "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de");
    EXPECT_EQ(*k1, *k2);
}

TEST(DhTest, Ecp256AgreementAndInvalidPeerValues)
{
    Drbg rng(2, "ecp");
    auto a = DhKeyPair::Generate(transform::kDhEcp256, rng);
    auto b = DhKeyPair::Generate(transform::kDhEcp256, rng);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->PublicValue().size(), 64u);
    EXPECT_NE(a->PublicValue(), b->PublicValue());
    auto k1 = a->Derive(b->PublicValue());
    auto k2 = b->Derive(a->PublicValue());
    ASSERT_TRUE(k1 && k2);
    EXPECT_EQ(k1->size(), 32u);
    EXPECT_EQ(*k1, *k2);

    Bytes offCurve = b->PublicValue();
    offCurve[63] ^= 0x01;
    EXPECT_FALSE(a->Derive(offCurve).has_value());
    EXPECT_FALSE(a->Derive(Bytes(64, 0)).has_value());
    EXPECT_FALSE(a->Derive(Bytes(64, 0xff)).has_value());
    Bytes withPrefix{ 0x04 };
    withPrefix.insert(withPrefix.end(), b->PublicValue().begin(), b->PublicValue().end());
    EXPECT_FALSE(a->Derive(withPrefix).has_value());
    EXPECT_FALSE(
      a->Derive(Bytes(b->PublicValue().begin(), b->PublicValue().begin() + 32)).has_value());
}

TEST(DhTest, Ecp256RejectsInvalidScalars)
{
    EXPECT_EQ(DhKeyPair::FromPrivate(transform::kDhEcp256, Bytes(32, 0)), nullptr);
    EXPECT_EQ(DhKeyPair::FromPrivate(transform::kDhEcp256, Bytes(32, 0xff)), nullptr);
    EXPECT_EQ(DhKeyPair::FromPrivate(transform::kDhEcp256, Bytes(31, 1)), nullptr);
}

// ---------------------------------------------------------------------------------------------
// MODP-2048

TEST(DhTest, Modp2048AgreementMatchesIndependentModExp)
{
    Bytes xa = H("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    Bytes xb = H("fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543211");
    auto a = DhKeyPair::FromPrivate(transform::kDhModp2048, xa);
    auto b = DhKeyPair::FromPrivate(transform::kDhModp2048, xb);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->PublicValue().size(), 256u);
    auto k1 = a->Derive(b->PublicValue());
    auto k2 = b->Derive(a->PublicValue());
    ASSERT_TRUE(k1 && k2);
    ASSERT_EQ(k1->size(), 256u);
    EXPECT_EQ(*k1, *k2);

    // Independent: g^(xa*xb) mod p with plain BIGNUM arithmetic on the RFC 3526 prime.
    BIGNUM* p = BN_get_rfc3526_prime_2048(nullptr);
    BIGNUM* g = BN_new();
    BIGNUM* ea = BN_bin2bn(xa.data(), 32, nullptr);
    BIGNUM* eb = BN_bin2bn(xb.data(), 32, nullptr);
    BIGNUM* ya = BN_new();
    BIGNUM* z = BN_new();
    BN_CTX* ctx = BN_CTX_new();
    BN_set_word(g, 2);
    ASSERT_EQ(BN_mod_exp(ya, g, ea, p, ctx), 1);
    ASSERT_EQ(BN_mod_exp(z, ya, eb, p, ctx), 1);
    Bytes pubA(256);
    Bytes expected(256);
    BN_bn2binpad(ya, pubA.data(), 256);
    BN_bn2binpad(z, expected.data(), 256);
    EXPECT_EQ(a->PublicValue(), pubA);
    EXPECT_EQ(*k1, expected);
    for (BIGNUM* n : { p, g, ea, eb, ya, z })
    {
        BN_free(n);
    }
    BN_CTX_free(ctx);
}

TEST(DhTest, Modp2048RejectsOutOfRangePeerValues)
{
    Drbg rng(3, "modp");
    auto a = DhKeyPair::Generate(transform::kDhModp2048, rng);
    ASSERT_NE(a, nullptr);
    BIGNUM* p = BN_get_rfc3526_prime_2048(nullptr);
    Bytes pBytes(256);
    BN_bn2binpad(p, pBytes.data(), 256);
    BN_free(p);
    Bytes pMinus1 = pBytes;
    pMinus1[255] -= 1; // p is odd: no borrow
    Bytes one(256, 0);
    one[255] = 1;
    Bytes two(256, 0);
    two[255] = 2;
    EXPECT_FALSE(a->Derive(Bytes(256, 0)).has_value());
    EXPECT_FALSE(a->Derive(one).has_value());
    EXPECT_FALSE(a->Derive(pMinus1).has_value());
    EXPECT_FALSE(a->Derive(pBytes).has_value());
    EXPECT_FALSE(a->Derive(Bytes(256, 0xff)).has_value());
    EXPECT_FALSE(a->Derive(Bytes(255, 0x11)).has_value());
    EXPECT_TRUE(a->Derive(two).has_value());
}

// ---------------------------------------------------------------------------------------------

TEST(DhTest, GenerationIsDeterministicPerSeed)
{
    for (uint16_t group :
         { transform::kDhCurve25519, transform::kDhEcp256, transform::kDhModp2048 })
    {
        Drbg r1(77, "dh");
        Drbg r2(77, "dh");
        Drbg r3(78, "dh");
        auto a = DhKeyPair::Generate(group, r1);
        auto b = DhKeyPair::Generate(group, r2);
        auto c = DhKeyPair::Generate(group, r3);
        ASSERT_TRUE(a && b && c);
        EXPECT_EQ(a->Group(), group);
        EXPECT_EQ(a->PublicValue().size(), DhPublicValueSize(group));
        EXPECT_EQ(a->PublicValue(), b->PublicValue());
        EXPECT_NE(a->PublicValue(), c->PublicValue());
    }
}

TEST(DhTest, UnsupportedGroupAndSizes)
{
    Drbg rng(4, "g");
    EXPECT_EQ(DhKeyPair::Generate(2, rng), nullptr);
    EXPECT_FALSE(IsSupportedDhGroup(15));
    EXPECT_TRUE(IsSupportedDhGroup(31));
    EXPECT_EQ(DhPublicValueSize(14), 256u);
    EXPECT_EQ(DhPublicValueSize(19), 64u);
    EXPECT_EQ(DhPublicValueSize(31), 32u);
    EXPECT_EQ(DhPublicValueSize(20), 0u);
}

TEST(DhTest, CountsKeygenAndDerivePerGroup)
{
    CryptoCounts counts;
    ScopedMeter meter(&counts);
    Drbg rng(5, "count");
    auto a = DhKeyPair::Generate(transform::kDhEcp256, rng);
    auto b = DhKeyPair::Generate(transform::kDhEcp256, rng);
    ASSERT_TRUE(a->Derive(b->PublicValue()));
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::DhKeygenEcp256)], 2u);
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::DhDeriveEcp256)], 1u);
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::DhKeygenX25519)], 0u);
}

} // namespace
} // namespace ikev2

// IKE SA and Child SA key derivation (RFC 7296 2.14, 2.17, 2.18) against a derivation written
// out in the test with HMAC directly.
#include "crypto-suite.h"
#include "ike-constants.h"
#include "ike-keys.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ikev2
{
namespace
{

using namespace transform;

Bytes
Hm(const Bytes& key, const Bytes& data)
{
    uint8_t out[32];
    unsigned int len = 0;
    HMAC(
      EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len);
    return Bytes(out, out + len);
}

Bytes
Cat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const Bytes& p : parts)
    {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

Bytes
Expand(const Bytes& key, const Bytes& seed, size_t length)
{
    Bytes out;
    Bytes t;
    for (int n = 1; out.size() < length; ++n)
    {
        t = Hm(key, Cat({ t, seed, Bytes{ static_cast<uint8_t>(n) } }));
        out.insert(out.end(), t.begin(), t.end());
    }
    out.resize(length);
    return out;
}

Bytes
Slice(const Bytes& b, size_t from, size_t n)
{
    return Bytes(b.begin() + from, b.begin() + from + n);
}

Bytes
Fill(size_t n, uint8_t start)
{
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
    {
        b[i] = static_cast<uint8_t>(start + i);
    }
    return b;
}

const Bytes kNi = Fill(32, 0x10);
const Bytes kNr = Fill(24, 0x80);
const Bytes kShared = Fill(32, 0xc0);
const uint64_t kSpiI = 0x0102030405060708ull;
const uint64_t kSpiR = 0x1112131415161718ull;
const Bytes kSpis = { 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 };

IkeSuite
Gcm128()
{
    return IkeSuite{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhCurve25519 };
}

IkeSuite
Cbc128()
{
    return IkeSuite{ kEncrAesCbc, 128, kIntegHmacSha256_128, kPrfHmacSha256, kDhModp2048 };
}

TEST(IkeKeysTest, GcmKeysMatchIndependentDerivation)
{
    IkeKeys k = DeriveIkeKeys(Gcm128(), kShared, kNi, kNr, kSpiI, kSpiR);
    Bytes skeyseed = Hm(Cat({ kNi, kNr }), kShared);
    // SK_d 32 | SK_ai 0 | SK_ar 0 | SK_ei 20 | SK_er 20 | SK_pi 32 | SK_pr 32
    Bytes km = Expand(skeyseed, Cat({ kNi, kNr, kSpis }), 32 + 20 + 20 + 32 + 32);
    EXPECT_EQ(k.skD, Slice(km, 0, 32));
    EXPECT_TRUE(k.skAi.empty());
    EXPECT_TRUE(k.skAr.empty());
    EXPECT_EQ(k.skEi, Slice(km, 32, 20));
    EXPECT_EQ(k.skEr, Slice(km, 52, 20));
    EXPECT_EQ(k.skPi, Slice(km, 72, 32));
    EXPECT_EQ(k.skPr, Slice(km, 104, 32));
}

TEST(IkeKeysTest, CbcKeysMatchIndependentDerivation)
{
    IkeKeys k = DeriveIkeKeys(Cbc128(), kShared, kNi, kNr, kSpiI, kSpiR);
    Bytes skeyseed = Hm(Cat({ kNi, kNr }), kShared);
    Bytes km = Expand(skeyseed, Cat({ kNi, kNr, kSpis }), 32 + 32 + 32 + 16 + 16 + 32 + 32);
    EXPECT_EQ(k.skD, Slice(km, 0, 32));
    EXPECT_EQ(k.skAi, Slice(km, 32, 32));
    EXPECT_EQ(k.skAr, Slice(km, 64, 32));
    EXPECT_EQ(k.skEi, Slice(km, 96, 16));
    EXPECT_EQ(k.skEr, Slice(km, 112, 16));
    EXPECT_EQ(k.skPi, Slice(km, 128, 32));
    EXPECT_EQ(k.skPr, Slice(km, 160, 32));
}

TEST(IkeKeysTest, KeyLengthsPerSuite)
{
    IkeSuite gcm256{ kEncrAesGcm16, 256, 0, kPrfHmacSha512, kDhEcp256 };
    IkeKeys k = DeriveIkeKeys(gcm256, kShared, kNi, kNr, kSpiI, kSpiR);
    EXPECT_EQ(k.skD.size(), 64u);
    EXPECT_EQ(k.skEi.size(), 36u);
    EXPECT_EQ(k.skEr.size(), 36u);
    EXPECT_EQ(k.skPi.size(), 64u);
    EXPECT_NE(k.skEi, k.skEr);
    IkeSuite cbc256{ kEncrAesCbc, 256, kIntegHmacSha256_128, kPrfHmacSha384, kDhEcp256 };
    k = DeriveIkeKeys(cbc256, kShared, kNi, kNr, kSpiI, kSpiR);
    EXPECT_EQ(k.skD.size(), 48u);
    EXPECT_EQ(k.skAi.size(), 32u);
    EXPECT_EQ(k.skEi.size(), 32u);
    EXPECT_EQ(k.skPr.size(), 48u);
}

TEST(IkeKeysTest, EveryInputChangesTheKeys)
{
    IkeKeys base = DeriveIkeKeys(Gcm128(), kShared, kNi, kNr, kSpiI, kSpiR);
    Bytes other = kShared;
    other[0] ^= 1;
    EXPECT_NE(DeriveIkeKeys(Gcm128(), other, kNi, kNr, kSpiI, kSpiR).skD, base.skD);
    EXPECT_NE(DeriveIkeKeys(Gcm128(), kShared, kNr, kNi, kSpiI, kSpiR).skD, base.skD);
    EXPECT_NE(DeriveIkeKeys(Gcm128(), kShared, kNi, kNr, kSpiI + 1, kSpiR).skD, base.skD);
    EXPECT_NE(DeriveIkeKeys(Gcm128(), kShared, kNi, kNr, kSpiI, kSpiR + 1).skEi, base.skEi);
}

TEST(IkeKeysTest, RekeyUsesOldSkdAndOldPrf)
{
    Bytes oldSkD = Fill(32, 0x55);
    IkeSuite newSuite = Cbc128();
    IkeKeys k =
      DeriveRekeyedIkeKeys(newSuite, kPrfHmacSha256, oldSkD, kShared, kNi, kNr, kSpiI, kSpiR);
    Bytes skeyseed = Hm(oldSkD, Cat({ kShared, kNi, kNr }));
    Bytes km = Expand(skeyseed, Cat({ kNi, kNr, kSpis }), 32 + 32 + 32 + 16 + 16 + 32 + 32);
    EXPECT_EQ(k.skD, Slice(km, 0, 32));
    EXPECT_EQ(k.skAr, Slice(km, 64, 32));
    EXPECT_EQ(k.skPr, Slice(km, 160, 32));
    // Differs from a fresh derivation with the same DH value and nonces.
    EXPECT_NE(k.skD, DeriveIkeKeys(newSuite, kShared, kNi, kNr, kSpiI, kSpiR).skD);
    // A different old PRF gives different keys.
    IkeKeys k512 =
      DeriveRekeyedIkeKeys(newSuite, kPrfHmacSha512, oldSkD, kShared, kNi, kNr, kSpiI, kSpiR);
    EXPECT_NE(k512.skD, k.skD);
    EXPECT_EQ(k512.skD.size(), 32u); // sized by the new suite's PRF
}

TEST(IkeKeysTest, ChildKeysWithAndWithoutPfs)
{
    Bytes skD = Fill(32, 0x33);
    EspSuite gcm{ kEncrAesGcm16, 128, 0, 0, false };
    ChildKeys c = DeriveChildKeys(kPrfHmacSha256, skD, gcm, nullptr, kNi, kNr);
    Bytes km = Expand(skD, Cat({ kNi, kNr }), 40);
    EXPECT_EQ(c.encrI, Slice(km, 0, 20));
    EXPECT_TRUE(c.integI.empty());
    EXPECT_EQ(c.encrR, Slice(km, 20, 20));
    EXPECT_TRUE(c.integR.empty());

    EspSuite cbc{ kEncrAesCbc, 256, kIntegHmacSha256_128, kDhCurve25519, true };
    ChildKeys p = DeriveChildKeys(kPrfHmacSha256, skD, cbc, &kShared, kNi, kNr);
    Bytes kmPfs = Expand(skD, Cat({ kShared, kNi, kNr }), 2 * (32 + 32));
    EXPECT_EQ(p.encrI, Slice(kmPfs, 0, 32));
    EXPECT_EQ(p.integI, Slice(kmPfs, 32, 32));
    EXPECT_EQ(p.encrR, Slice(kmPfs, 64, 32));
    EXPECT_EQ(p.integR, Slice(kmPfs, 96, 32));
}

} // namespace
} // namespace ikev2

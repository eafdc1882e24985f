// Known-answer tests of the keyed primitives: HMAC-SHA2 (RFC 4231), AES-GCM (McGrew & Viega,
// "The Galois/Counter Mode of Operation", test cases 2-4, 14, 15) and AES-CBC (RFC 3602).
#include "aead.h"
#include "crypto-meter.h"

#include <gtest/gtest.h>
#include <string>

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

Bytes
S(const std::string& text)
{
    return Bytes(text.begin(), text.end());
}

std::string
HmacHex(const std::string& hash, const Bytes& key, const Bytes& data)
{
    Hmac h(hash);
    EXPECT_TRUE(h.SetKey(key.data(), key.size()));
    Bytes out(h.OutputSize());
    h.Compute(data.data(), data.size(), out.data());
    return ToHex(out);
}

// ---------------------------------------------------------------------------------------------
// RFC 4231

TEST(HmacKatTest, Rfc4231Case1)
{
    Bytes key(20, 0x0b);
    Bytes data = S("Hi There");
    EXPECT_EQ(HmacHex("sha256", key, data),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    EXPECT_EQ(HmacHex("sha384", key, data),
              "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
              "faea9ea9076ede7f4af152e8b2fa9cb6");
    EXPECT_EQ(HmacHex("sha512", key, data),
              "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
              "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
}

TEST(HmacKatTest, Rfc4231Case2)
{
    Bytes key = S("Jefe");
    Bytes data = S("what do ya want for nothing?");
    EXPECT_EQ(HmacHex("sha256", key, data),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(HmacHex("sha384", key, data),
              "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
              "8e2240ca5e69e2c78b3239ecfab21649");
    EXPECT_EQ(HmacHex("sha512", key, data),
              "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
              "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(HmacKatTest, Rfc4231Case3And4)
{
    EXPECT_EQ(HmacHex("sha256", Bytes(20, 0xaa), Bytes(50, 0xdd)),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    EXPECT_EQ(HmacHex("sha512", Bytes(20, 0xaa), Bytes(50, 0xdd)),
              "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
              "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb");
    EXPECT_EQ(
      HmacHex("sha256", H("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd)),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(HmacKatTest, Rfc4231Case6And7LargeKey)
{
    Bytes key(131, 0xaa);
    EXPECT_EQ(HmacHex("sha256", key, S("Test Using Larger Than Block-Size Key - Hash Key First")),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    EXPECT_EQ(HmacHex("sha512", key, S("Test Using Larger Than Block-Size Key - Hash Key First")),
              "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
              "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
    EXPECT_EQ(HmacHex("sha256",
                      key,
                      S("This is a test using a larger than block-size key and a larger than "
                        "block-size data. The key needs to be hashed before being used by the "
                        "HMAC algorithm.")),
              "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacKatTest, ReusedContextAndTwoPartInputGiveTheSameMac)
{
    Hmac h("sha256");
    Bytes key = S("Jefe");
    ASSERT_TRUE(h.SetKey(key.data(), key.size()));
    Bytes data = S("what do ya want for nothing?");
    Bytes out(32);
    for (int i = 0; i < 3; ++i)
    {
        std::fill(out.begin(), out.end(), 0);
        h.Compute(data.data(), data.size(), out.data());
        EXPECT_EQ(ToHex(out), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        std::fill(out.begin(), out.end(), 0);
        h.Compute(data.data(), 10, data.data() + 10, data.size() - 10, out.data());
        EXPECT_EQ(ToHex(out), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}

TEST(HmacKatTest, UnknownHashIsRejected)
{
    Hmac h("md5");
    uint8_t key[4] = {};
    EXPECT_EQ(h.OutputSize(), 0u);
    EXPECT_FALSE(h.SetKey(key, 4));
}

// ---------------------------------------------------------------------------------------------
// AES-GCM, McGrew & Viega test cases

struct GcmCase
{
    const char* name;
    const char* key;
    const char* iv;
    const char* pt;
    const char* aad;
    const char* ct;
    const char* tag;
};

const char* kTc3Pt = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const char* kTc4Pt = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";

const GcmCase kGcmCases[] = {
    { "TC2",
      "00000000000000000000000000000000",
      "000000000000000000000000",
      "00000000000000000000000000000000",
      "",
      "0388dace60b6a392f328c2b971b2fe78",
      "ab6e47d42cec13bdf53a67b21257bddf" },
    { "TC3",
      "feffe9928665731c6d6a8f9467308308",
      "cafebabefacedbaddecaf888",
      kTc3Pt,
      "",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
      "4d5c2af327cd64a62cf35abd2ba6fab4" },
    { "TC4",
      "feffe9928665731c6d6a8f9467308308",
      "cafebabefacedbaddecaf888",
      kTc4Pt,
      "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
      "5bc94fbc3221a5db94fae95ae7121a47" },
    { "TC14",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "000000000000000000000000",
      "00000000000000000000000000000000",
      "",
      "cea7403d4d606b6e074ec5d3baf39d18",
      "d0d1c8a799996bf0265b98b5d48ab919" },
    { "TC15",
      "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
      "cafebabefacedbaddecaf888",
      kTc3Pt,
      "",
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
      "b094dac5d93471bdec1a502270e3cc6c" },
};

TEST(AesGcmKatTest, McGrewViegaVectorsSealAndOpen)
{
    for (const GcmCase& c : kGcmCases)
    {
        SCOPED_TRACE(c.name);
        Bytes key = H(c.key);
        Bytes iv = H(c.iv);
        Bytes pt = H(c.pt);
        Bytes aad = H(c.aad);
        AesGcm gcm;
        ASSERT_TRUE(gcm.SetKey(key.data(), key.size()));
        Bytes ct(pt.size());
        uint8_t tag[16];
        ASSERT_TRUE(
          gcm.Seal(iv.data(), aad.data(), aad.size(), pt.data(), pt.size(), ct.data(), tag));
        EXPECT_EQ(ToHex(ct), c.ct);
        EXPECT_EQ(ToHex(tag, 16), c.tag);

        Bytes back(ct.size());
        ASSERT_TRUE(
          gcm.Open(iv.data(), aad.data(), aad.size(), ct.data(), ct.size(), tag, 16, back.data()));
        EXPECT_EQ(back, pt);

        // Any flipped bit in ciphertext, tag or AAD fails the open.
        ct[0] ^= 0x01;
        EXPECT_FALSE(
          gcm.Open(iv.data(), aad.data(), aad.size(), ct.data(), ct.size(), tag, 16, back.data()));
        ct[0] ^= 0x01;
        tag[15] ^= 0x80;
        EXPECT_FALSE(
          gcm.Open(iv.data(), aad.data(), aad.size(), ct.data(), ct.size(), tag, 16, back.data()));
        tag[15] ^= 0x80;
        if (!aad.empty())
        {
            aad[3] ^= 0x10;
            EXPECT_FALSE(gcm.Open(
              iv.data(), aad.data(), aad.size(), ct.data(), ct.size(), tag, 16, back.data()));
        }
    }
}

TEST(AesGcmKatTest, InPlaceSealMatches)
{
    const GcmCase& c = kGcmCases[2];
    Bytes key = H(c.key);
    Bytes iv = H(c.iv);
    Bytes buf = H(c.pt);
    Bytes aad = H(c.aad);
    AesGcm gcm;
    ASSERT_TRUE(gcm.SetKey(key.data(), key.size()));
    uint8_t tag[16];
    ASSERT_TRUE(
      gcm.Seal(iv.data(), aad.data(), aad.size(), buf.data(), buf.size(), buf.data(), tag));
    EXPECT_EQ(ToHex(buf), c.ct);
    ASSERT_TRUE(
      gcm.Open(iv.data(), aad.data(), aad.size(), buf.data(), buf.size(), tag, 16, buf.data()));
    EXPECT_EQ(ToHex(buf), c.pt);
}

TEST(AesGcmKatTest, RejectsBadKeyLengthAndUnkeyedUse)
{
    AesGcm gcm;
    uint8_t key[24] = {};
    uint8_t nonce[12] = {};
    uint8_t tag[16];
    EXPECT_FALSE(gcm.SetKey(key, 24));
    EXPECT_FALSE(gcm.Seal(nonce, nullptr, 0, nullptr, 0, nullptr, tag));
    EXPECT_TRUE(gcm.SetKey(key, 16));
    EXPECT_FALSE(gcm.Seal(nonce, nullptr, 0, nullptr, 0, nullptr, tag, 17));
}

TEST(AesGcmKatTest, CountsSealAndOpenBytes)
{
    CryptoCounts counts;
    ScopedMeter meter(&counts);
    AesGcm gcm;
    uint8_t key[16] = {};
    uint8_t nonce[12] = {};
    uint8_t buf[100] = {};
    uint8_t tag[16];
    ASSERT_TRUE(gcm.SetKey(key, 16));
    ASSERT_TRUE(gcm.Seal(nonce, nullptr, 0, buf, 100, buf, tag));
    ASSERT_TRUE(gcm.Open(nonce, nullptr, 0, buf, 100, tag, 16, buf));
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::AeadSeal)], 1u);
    EXPECT_EQ(counts.bytes[static_cast<size_t>(CryptoOp::AeadSeal)], 100u);
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::AeadOpen)], 1u);
}

// ---------------------------------------------------------------------------------------------
// AES-CBC, RFC 3602 section 4

TEST(AesCbcKatTest, Rfc3602Cases1And2)
{
    struct
    {
        const char* key;
        const char* iv;
        Bytes pt;
        const char* ct;
    } cases[] = {
        { "06a9214036b8a15b512e03d534120006",
          "3dafba429d9eb430b422da802c9fac41",
          S("Single block msg"),
          "e353779c1079aeb82708942dbe77181a" },
        { "c286696d887c9aa0611bbb3e2025a45a",
          "562e17996d093d28ddb3ba695a2e6f58",
          H("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
          "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1" },
    };
    for (auto& c : cases)
    {
        Bytes key = H(c.key);
        Bytes iv = H(c.iv);
        AesCbc cbc;
        ASSERT_TRUE(cbc.SetKey(key.data(), key.size()));
        Bytes ct(c.pt.size());
        ASSERT_TRUE(cbc.Encrypt(iv.data(), c.pt.data(), c.pt.size(), ct.data()));
        EXPECT_EQ(ToHex(ct), c.ct);
        Bytes back(ct.size());
        ASSERT_TRUE(cbc.Decrypt(iv.data(), ct.data(), ct.size(), back.data()));
        EXPECT_EQ(back, c.pt);
        // In place, twice in a row (the context's IV is reset on each call).
        Bytes buf = c.pt;
        ASSERT_TRUE(cbc.Encrypt(iv.data(), buf.data(), buf.size(), buf.data()));
        EXPECT_EQ(ToHex(buf), c.ct);
    }
}

TEST(AesCbcKatTest, RejectsPartialBlocks)
{
    AesCbc cbc;
    uint8_t key[32] = {};
    uint8_t iv[16] = {};
    uint8_t buf[32] = {};
    ASSERT_TRUE(cbc.SetKey(key, 32));
    EXPECT_FALSE(cbc.Encrypt(iv, buf, 15, buf));
    EXPECT_FALSE(cbc.Decrypt(iv, buf, 17, buf));
    EXPECT_FALSE(cbc.SetKey(key, 20));
}

} // namespace
} // namespace ikev2

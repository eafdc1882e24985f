// AUTH payload computations (RFC 7296 2.15): signed octets, PSK, RSA (RFC 7427) and ECDSA
// P-256 (RFC 4754) signatures, the RFC 6979 nonce, and rejection of wrong keys and data.
#include "auth.h"
#include "crypto-meter.h"
#include "ike-constants.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

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
S(const std::string& s)
{
    return Bytes(s.begin(), s.end());
}

Bytes
Hm(const Bytes& key, const Bytes& data)
{
    uint8_t out[32];
    unsigned int len = 0;
    HMAC(
      EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len);
    return Bytes(out, out + len);
}

/// Keys are generated once for the whole suite: RSA generation is slow.
class AuthTest : public ::testing::Test
{
  protected:
    static void SetUpTestSuite()
    {
        s_rsa = PrivateKey::GenerateRsa(2048).release();
        s_rsaOther = PrivateKey::GenerateRsa(2048).release();
        s_ec = PrivateKey::GenerateEcdsaP256().release();
        s_ecOther = PrivateKey::GenerateEcdsaP256().release();
    }

    static void TearDownTestSuite()
    {
        for (PrivateKey* k : { s_rsa, s_rsaOther, s_ec, s_ecOther })
        {
            delete k;
        }
    }

    static std::unique_ptr<PublicKey> Pub(const PrivateKey* k)
    {
        return PublicKey::FromPem(k->PublicKeyPem());
    }

    static PrivateKey* s_rsa;
    static PrivateKey* s_rsaOther;
    static PrivateKey* s_ec;
    static PrivateKey* s_ecOther;
};

PrivateKey* AuthTest::s_rsa = nullptr;
PrivateKey* AuthTest::s_rsaOther = nullptr;
PrivateKey* AuthTest::s_ec = nullptr;
PrivateKey* AuthTest::s_ecOther = nullptr;

TEST_F(AuthTest, SignedOctetsLayout)
{
    Prf prf(transform::kPrfHmacSha256);
    Bytes message = S("IKE_SA_INIT message bytes");
    Bytes nonce(32, 0x5a);
    Bytes skP(32, 0x77);
    Bytes idBody = IdPayloadBody(static_cast<uint8_t>(IdType::Fqdn), S("gw1.example"));
    EXPECT_EQ(idBody.size(), 4u + 11);
    EXPECT_EQ(idBody[0], 2);
    EXPECT_EQ(idBody[1], 0);
    EXPECT_EQ(idBody[3], 0);
    Bytes octets = BuildSignedOctets(message, nonce, prf, skP, idBody);
    Bytes expected = message;
    expected.insert(expected.end(), nonce.begin(), nonce.end());
    Bytes mac = Hm(skP, idBody);
    expected.insert(expected.end(), mac.begin(), mac.end());
    EXPECT_EQ(octets, expected);
}

TEST_F(AuthTest, PskAuthMatchesIndependentComputation)
{
    Prf prf(transform::kPrfHmacSha256);
    Bytes psk = S("correct horse battery staple");
    Bytes octets = S("some signed octets");
    Bytes expected = Hm(Hm(psk, S("Key Pad for IKEv2")), octets);
    EXPECT_EQ(ComputePskAuth(prf, psk, octets), expected);
    EXPECT_NE(ComputePskAuth(prf, S("wrong"), octets), expected);
    // PRF_HMAC_SHA2_512 gives a 64-octet AUTH.
    EXPECT_EQ(ComputePskAuth(Prf(transform::kPrfHmacSha512), psk, octets).size(), 64u);
}

TEST_F(AuthTest, RsaDigitalSignatureRoundTripAndFormat)
{
    ASSERT_TRUE(s_rsa);
    EXPECT_EQ(s_rsa->Method(), AuthMethod::DigitalSignature);
    Bytes octets = S("signed octets for RSA");
    Bytes auth;
    ASSERT_TRUE(s_rsa->Sign(octets, auth));
    // RFC 7427: 15 | sha256WithRSAEncryption AlgorithmIdentifier | 256-octet signature.
    ASSERT_EQ(auth.size(), 1u + 15 + 256);
    EXPECT_EQ(ToHex(Bytes(auth.begin(), auth.begin() + 16)), "0f300d06092a864886f70d01010b0500");
    Bytes again;
    ASSERT_TRUE(s_rsa->Sign(octets, again));
    EXPECT_EQ(auth, again); // PKCS#1 v1.5 is deterministic

    auto pub = Pub(s_rsa);
    ASSERT_TRUE(pub);
    EXPECT_TRUE(pub->IsRsa());
    EXPECT_TRUE(pub->Verify(14, octets, auth));
    EXPECT_FALSE(Pub(s_rsaOther)->Verify(14, octets, auth));
    EXPECT_FALSE(pub->Verify(14, S("other octets"), auth));
    EXPECT_FALSE(pub->Verify(9, octets, auth));
    EXPECT_FALSE(pub->Verify(1, octets, auth));
    for (size_t pos : { size_t{ 0 }, size_t{ 5 }, size_t{ 16 }, auth.size() - 1 })
    {
        Bytes bad = auth;
        bad[pos] ^= 0x01;
        EXPECT_FALSE(pub->Verify(14, octets, bad)) << pos;
    }
    EXPECT_FALSE(pub->Verify(14, octets, Bytes()));
    EXPECT_FALSE(pub->Verify(14, octets, Bytes{ 0xff }));
    EXPECT_FALSE(pub->Verify(14, octets, Bytes(auth.begin(), auth.begin() + 16)));
}

TEST_F(AuthTest, RsaMethod1VerifiesSha1Pkcs1)
{
    // Sign with SHA-1 PKCS#1 v1.5 through OpenSSL directly, as an RFC 7296 peer would.
    std::string pem = s_rsa->ToPem();
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_TRUE(key);
    Bytes octets = S("method one");
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 512;
    Bytes sig(len);
    ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha1(), nullptr, key), 1);
    ASSERT_EQ(EVP_DigestSign(ctx, sig.data(), &len, octets.data(), octets.size()), 1);
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    auto pub = Pub(s_rsa);
    EXPECT_TRUE(pub->Verify(1, octets, sig));
    EXPECT_FALSE(pub->Verify(1, S("method two"), sig));
    EXPECT_FALSE(Pub(s_rsaOther)->Verify(1, octets, sig));
}

TEST_F(AuthTest, EcdsaRoundTripWrongKeyAndTamper)
{
    ASSERT_TRUE(s_ec);
    EXPECT_EQ(s_ec->Method(), AuthMethod::EcdsaSha256P256);
    Bytes octets = S("signed octets for ECDSA");
    Bytes auth;
    ASSERT_TRUE(s_ec->Sign(octets, auth));
    ASSERT_EQ(auth.size(), 64u);
    Bytes again;
    ASSERT_TRUE(s_ec->Sign(octets, again));
    EXPECT_EQ(auth, again); // RFC 6979 nonce: deterministic
    auto pub = Pub(s_ec);
    ASSERT_TRUE(pub);
    EXPECT_FALSE(pub->IsRsa());
    EXPECT_TRUE(pub->Verify(9, octets, auth));
    EXPECT_FALSE(Pub(s_ecOther)->Verify(9, octets, auth));
    EXPECT_FALSE(pub->Verify(9, S("tampered"), auth));
    EXPECT_FALSE(pub->Verify(14, octets, auth));
    EXPECT_FALSE(pub->Verify(1, octets, auth));
    for (size_t pos : { size_t{ 0 }, size_t{ 31 }, size_t{ 32 }, size_t{ 63 } })
    {
        Bytes bad = auth;
        bad[pos] ^= 0x40;
        EXPECT_FALSE(pub->Verify(9, octets, bad)) << pos;
    }
    EXPECT_FALSE(pub->Verify(9, octets, Bytes(63, 1)));
    EXPECT_FALSE(pub->Verify(9, octets, Bytes(64, 0)));
    EXPECT_FALSE(pub->Verify(9, octets, Bytes(64, 0xff)));
    // The RSA key does not verify an ECDSA signature.
    EXPECT_FALSE(Pub(s_rsa)->Verify(9, octets, auth));
}

TEST_F(AuthTest, EcdsaRfc6979SampleVector)
{
    // RFC 6979 A.2.5: P-256, SHA-256, message "sample".
    auto key = PrivateKey::EcdsaP256FromScalar(
      H("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"));
    ASSERT_TRUE(key);
    Bytes sig;
    ASSERT_TRUE(key->Sign(S("sample"), sig));
    EXPECT_EQ(ToHex(sig),
              "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
              "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    ASSERT_TRUE(key->Sign(S("test"), sig));
    EXPECT_EQ(ToHex(sig),
              "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
              "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083");
    EXPECT_TRUE(Pub(key.get())->Verify(9, S("test"), sig));
    EXPECT_EQ(PrivateKey::EcdsaP256FromScalar(Bytes(32, 0)), nullptr);
    EXPECT_EQ(PrivateKey::EcdsaP256FromScalar(Bytes(32, 0xff)), nullptr);
}

TEST_F(AuthTest, EcdsaDigitalSignatureMethodWithDer)
{
    // A peer may use RFC 7427 with ecdsa-with-SHA256 and a DER signature.
    std::string pem = s_ec->ToPem();
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_TRUE(key);
    Bytes octets = S("rfc 7427 ecdsa");
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 128;
    Bytes der(len);
    ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
    ASSERT_EQ(EVP_DigestSign(ctx, der.data(), &len, octets.data(), octets.size()), 1);
    der.resize(len);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    Bytes auth = H("0c300a06082a8648ce3d040302");
    auth.insert(auth.end(), der.begin(), der.end());
    EXPECT_TRUE(Pub(s_ec)->Verify(14, octets, auth));
    EXPECT_FALSE(Pub(s_ecOther)->Verify(14, octets, auth));
    Bytes wrongAlg = auth;
    wrongAlg[12] = 0x03; // ecdsa-with-SHA384 OID
    EXPECT_FALSE(Pub(s_ec)->Verify(14, octets, wrongAlg));
}

TEST_F(AuthTest, PemRoundTripAndRejections)
{
    for (const PrivateKey* k : { s_rsa, s_ec })
    {
        auto back = PrivateKey::FromPem(k->ToPem());
        ASSERT_TRUE(back);
        EXPECT_EQ(back->PublicKeyPem(), k->PublicKeyPem());
        EXPECT_EQ(back->Method(), k->Method());
        Bytes sig;
        ASSERT_TRUE(back->Sign(S("x"), sig));
        EXPECT_TRUE(Pub(k)->Verify(static_cast<uint8_t>(k->Method()), S("x"), sig));
    }
    EXPECT_EQ(PrivateKey::FromPem("not a key"), nullptr);
    EXPECT_EQ(PublicKey::FromPem(""), nullptr);
    EXPECT_EQ(PublicKey::FromPem(s_rsa->ToPem()), nullptr); // private PEM is not a PUBKEY
    // Keys of other types are refused.
    EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    ASSERT_TRUE(ed);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, ed, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string edPem(data, static_cast<size_t>(n));
    BIO_free(bio);
    EVP_PKEY_free(ed);
    EXPECT_EQ(PrivateKey::FromPem(edPem), nullptr);
}

TEST_F(AuthTest, CountsSignAndVerify)
{
    CryptoCounts counts;
    ScopedMeter meter(&counts);
    Bytes sig;
    ASSERT_TRUE(s_ec->Sign(S("m"), sig));
    EXPECT_TRUE(Pub(s_ec)->Verify(9, S("m"), sig));
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::SignEcdsaP256)], 1u);
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::VerifyEcdsaP256)], 1u);
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::SignRsa2048)], 0u);
}

} // namespace
} // namespace ikev2

#include "auth.h"

#include "crypto-meter.h"

#include <cstring>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

namespace ikev2
{

namespace
{

/// RFC 7427 Appendix A: AlgorithmIdentifier DER encodings.
const uint8_t kSha256WithRsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                   0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
const uint8_t kEcdsaWithSha256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                     0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };

struct BnDeleter
{
    void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

struct BioDeleter
{
    void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string
BioToString(BIO* bio)
{
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

bool
IsP256(EVP_PKEY* key)
{
    char name[64] = {};
    size_t len = 0;
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(
             key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) == 1 &&
           (std::strcmp(name, "prime256v1") == 0 || std::strcmp(name, "P-256") == 0);
}

/// Accepts RSA (any size OpenSSL allows) and P-256 keys only.
bool
Acceptable(EVP_PKEY* key, bool& isRsa)
{
    if (!key)
    {
        return false;
    }
    isRsa = EVP_PKEY_is_a(key, "RSA");
    return isRsa || IsP256(key);
}

bool
Sha256(const uint8_t* data, size_t len, uint8_t out[32])
{
    unsigned int outLen = 0;
    return EVP_Digest(data, len, out, &outLen, EVP_sha256(), nullptr) == 1 && outLen == 32;
}

bool
DigestSign(EVP_PKEY* key, const EVP_MD* md, const Bytes& msg, Bytes& sig)
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1 &&
              EVP_DigestSign(ctx, nullptr, &len, msg.data(), msg.size()) == 1;
    if (ok)
    {
        sig.resize(len);
        ok = EVP_DigestSign(ctx, sig.data(), &len, msg.data(), msg.size()) == 1;
        sig.resize(ok ? len : 0);
    }
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool
DigestVerify(EVP_PKEY* key, const EVP_MD* md, const Bytes& msg, const uint8_t* sig, size_t sigLen)
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, sig, sigLen, msg.data(), msg.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/// HMAC-SHA-256 of the concatenation of up to four parts (RFC 6979's building block).
void
HmacSha256(const uint8_t key[32],
           std::initializer_list<std::pair<const uint8_t*, size_t>> parts,
           uint8_t out[32])
{
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end(),
    };
    size_t outLen = 0;
    bool ok = ctx && EVP_MAC_init(ctx, key, 32, params) == 1;
    for (const auto& p : parts)
    {
        ok = ok && (p.second == 0 || EVP_MAC_update(ctx, p.first, p.second) == 1);
    }
    if (!ok || EVP_MAC_final(ctx, out, &outLen, 32) != 1)
    {
        std::memset(out, 0, 32);
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

/// ECDSA P-256 / SHA-256 with the RFC 6979 deterministic nonce, giving r | s (64 octets).
/// OpenSSL 3.0 has no deterministic ECDSA and its random nonce would make simulation runs
/// differ from one another; the arithmetic is OpenSSL's BN and EC_POINT code.
bool
EcdsaP256SignDeterministic(EVP_PKEY* key, const Bytes& msg, Bytes& out)
{
    static EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM* rawD = nullptr;
    if (!group || EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &rawD) != 1)
    {
        return false;
    }
    BnPtr d(rawD);
    BN_set_flags(d.get(), BN_FLG_CONSTTIME);
    const BIGNUM* n = EC_GROUP_get0_order(group);
    std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> bnCtx(BN_CTX_secure_new(), BN_CTX_free);
    uint8_t h1[32];
    uint8_t x[32];
    if (!bnCtx || !Sha256(msg.data(), msg.size(), h1) || BN_bn2binpad(d.get(), x, 32) != 32)
    {
        return false;
    }
    // e = bits2int(h1) (qlen == hlen == 256); bits2octets(h1) = e mod n.
    BnPtr e(BN_bin2bn(h1, 32, nullptr));
    BnPtr eModN(BN_new());
    uint8_t h1ModN[32];
    if (!e || !eModN || BN_nnmod(eModN.get(), e.get(), n, bnCtx.get()) != 1 ||
        BN_bn2binpad(eModN.get(), h1ModN, 32) != 32)
    {
        return false;
    }
    uint8_t v[32];
    uint8_t k[32];
    std::memset(v, 0x01, 32);
    std::memset(k, 0x00, 32);
    const uint8_t zero = 0x00;
    const uint8_t one = 0x01;
    HmacSha256(k, { { v, 32 }, { &zero, 1 }, { x, 32 }, { h1ModN, 32 } }, k);
    HmacSha256(k, { { v, 32 } }, v);
    HmacSha256(k, { { v, 32 }, { &one, 1 }, { x, 32 }, { h1ModN, 32 } }, k);
    HmacSha256(k, { { v, 32 } }, v);

    BnPtr kBn(BN_secure_new());
    BnPtr r(BN_new());
    BnPtr s(BN_new());
    BnPtr kInv(BN_secure_new());
    BnPtr nMinus2(BN_dup(n));
    BnPtr rx(BN_new());
    std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group), EC_POINT_free);
    if (!kBn || !r || !s || !kInv || !nMinus2 || !rx || !point || !BN_sub_word(nMinus2.get(), 2))
    {
        return false;
    }
    for (int attempt = 0; attempt < 64; ++attempt)
    {
        HmacSha256(k, { { v, 32 } }, v);
        BN_bin2bn(v, 32, kBn.get());
        bool retry = BN_is_zero(kBn.get()) || BN_cmp(kBn.get(), n) >= 0;
        if (!retry)
        {
            BN_set_flags(kBn.get(), BN_FLG_CONSTTIME);
            // r = (kG).x mod n; s = k^-1 (e + r d) mod n, with k^-1 = k^(n-2) (n is prime).
            if (EC_POINT_mul(group, point.get(), kBn.get(), nullptr, nullptr, bnCtx.get()) != 1 ||
                EC_POINT_get_affine_coordinates(
                  group, point.get(), rx.get(), nullptr, bnCtx.get()) != 1 ||
                BN_nnmod(r.get(), rx.get(), n, bnCtx.get()) != 1 ||
                BN_mod_exp_mont_consttime(
                  kInv.get(), kBn.get(), nMinus2.get(), n, bnCtx.get(), nullptr) != 1 ||
                BN_mod_mul(s.get(), r.get(), d.get(), n, bnCtx.get()) != 1 ||
                BN_mod_add(s.get(), s.get(), eModN.get(), n, bnCtx.get()) != 1 ||
                BN_mod_mul(s.get(), s.get(), kInv.get(), n, bnCtx.get()) != 1)
            {
                return false;
            }
            retry = BN_is_zero(r.get()) || BN_is_zero(s.get());
        }
        if (!retry)
        {
            out.assign(64, 0);
            bool ok = BN_bn2binpad(r.get(), out.data(), 32) == 32 &&
                      BN_bn2binpad(s.get(), out.data() + 32, 32) == 32;
            OPENSSL_cleanse(x, sizeof(x));
            OPENSSL_cleanse(k, sizeof(k));
            OPENSSL_cleanse(v, sizeof(v));
            return ok;
        }
        HmacSha256(k, { { v, 32 }, { &zero, 1 } }, k);
        HmacSha256(k, { { v, 32 } }, v);
    }
    return false;
}

/// r | s (64 octets) to a DER ECDSA-Sig-Value for OpenSSL's verifier.
bool
RawToDer(const uint8_t* rs, size_t len, Bytes& der)
{
    if (len != 64)
    {
        return false;
    }
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(rs, 32, nullptr);
    BIGNUM* s = BN_bin2bn(rs + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1)
    {
        ECDSA_SIG_free(sig);
        BN_free(r);
        BN_free(s);
        return false;
    }
    int n = i2d_ECDSA_SIG(sig, nullptr);
    bool ok = n > 0;
    if (ok)
    {
        der.resize(static_cast<size_t>(n));
        uint8_t* p = der.data();
        ok = i2d_ECDSA_SIG(sig, &p) == n;
    }
    ECDSA_SIG_free(sig);
    return ok;
}

} // namespace

// ---------------------------------------------------------------------------------------------

Bytes
IdPayloadBody(uint8_t idType, const Bytes& data)
{
    ByteWriter w(4 + data.size());
    w.U8(idType);
    w.Zeros(3);
    w.Append(data);
    return w.Take();
}

Bytes
BuildSignedOctets(const Bytes& realMessage,
                  const Bytes& peerNonce,
                  const Prf& prf,
                  const Bytes& skP,
                  const Bytes& idPayloadBody)
{
    Bytes macedId = prf.Compute(skP, idPayloadBody);
    Bytes out;
    out.reserve(realMessage.size() + peerNonce.size() + macedId.size());
    out.insert(out.end(), realMessage.begin(), realMessage.end());
    out.insert(out.end(), peerNonce.begin(), peerNonce.end());
    out.insert(out.end(), macedId.begin(), macedId.end());
    return out;
}

Bytes
ComputePskAuth(const Prf& prf, const Bytes& psk, const Bytes& signedOctets)
{
    static const char kPad[] = "Key Pad for IKEv2";
    Bytes padKey = prf.Compute(psk, reinterpret_cast<const uint8_t*>(kPad), sizeof(kPad) - 1);
    Bytes auth = prf.Compute(padKey, signedOctets);
    OPENSSL_cleanse(padKey.data(), padKey.size());
    return auth;
}

// ---------------------------------------------------------------------------------------------

PrivateKey::PrivateKey(EVP_PKEY* key)
  : m_key(key)
  , m_isRsa(EVP_PKEY_is_a(key, "RSA"))
{
}

PrivateKey::~PrivateKey()
{
    EVP_PKEY_free(m_key);
}

std::unique_ptr<PrivateKey>
PrivateKey::GenerateRsa(int bits)
{
    if (bits < 1024 || bits > 16384)
    {
        return nullptr;
    }
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
    return key ? std::unique_ptr<PrivateKey>(new PrivateKey(key)) : nullptr;
}

std::unique_ptr<PrivateKey>
PrivateKey::GenerateEcdsaP256()
{
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    return key ? std::unique_ptr<PrivateKey>(new PrivateKey(key)) : nullptr;
}

std::unique_ptr<PrivateKey>
PrivateKey::EcdsaP256FromScalar(const Bytes& scalar)
{
    static EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    if (!group || scalar.size() != 32)
    {
        return nullptr;
    }
    BnPtr d(BN_bin2bn(scalar.data(), 32, nullptr));
    std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> q(EC_POINT_new(group), EC_POINT_free);
    uint8_t pub[65];
    if (!d || !q || BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group)) >= 0 ||
        EC_POINT_mul(group, q.get(), d.get(), nullptr, nullptr, nullptr) != 1 ||
        EC_POINT_point2oct(group, q.get(), POINT_CONVERSION_UNCOMPRESSED, pub, 65, nullptr) != 65)
    {
        return nullptr;
    }
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d.get()) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 65))
    {
        params = OSSL_PARAM_BLD_to_param(bld);
    }
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
    {
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params);
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return key ? std::unique_ptr<PrivateKey>(new PrivateKey(key)) : nullptr;
}

std::unique_ptr<PrivateKey>
PrivateKey::FromPem(const std::string& pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    bool isRsa = false;
    if (!Acceptable(key, isRsa))
    {
        EVP_PKEY_free(key);
        return nullptr;
    }
    return std::unique_ptr<PrivateKey>(new PrivateKey(key));
}

std::string
PrivateKey::ToPem() const
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), m_key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    {
        return {};
    }
    return BioToString(bio.get());
}

std::string
PrivateKey::PublicKeyPem() const
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_key) != 1)
    {
        return {};
    }
    return BioToString(bio.get());
}

AuthMethod
PrivateKey::Method() const
{
    return m_isRsa ? AuthMethod::DigitalSignature : AuthMethod::EcdsaSha256P256;
}

bool
PrivateKey::Sign(const Bytes& signedOctets, Bytes& authData) const
{
    authData.clear();
    if (m_isRsa)
    {
        CountCrypto(CryptoOp::SignRsa2048);
        // RFC 7427: ASN.1 length | AlgorithmIdentifier | signature.
        Bytes sig;
        if (!DigestSign(m_key, EVP_sha256(), signedOctets, sig))
        {
            return false;
        }
        authData.push_back(sizeof(kSha256WithRsa));
        authData.insert(authData.end(), kSha256WithRsa, kSha256WithRsa + sizeof(kSha256WithRsa));
        authData.insert(authData.end(), sig.begin(), sig.end());
        return true;
    }
    CountCrypto(CryptoOp::SignEcdsaP256);
    return EcdsaP256SignDeterministic(m_key, signedOctets, authData);
}

// ---------------------------------------------------------------------------------------------

PublicKey::PublicKey(EVP_PKEY* key)
  : m_key(key)
  , m_isRsa(EVP_PKEY_is_a(key, "RSA"))
{
}

PublicKey::~PublicKey()
{
    EVP_PKEY_free(m_key);
}

std::unique_ptr<PublicKey>
PublicKey::FromPem(const std::string& pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    bool isRsa = false;
    if (!Acceptable(key, isRsa))
    {
        EVP_PKEY_free(key);
        return nullptr;
    }
    return std::unique_ptr<PublicKey>(new PublicKey(key));
}

bool
PublicKey::Verify(uint8_t authMethod, const Bytes& signedOctets, const Bytes& authData) const
{
    CountCrypto(m_isRsa ? CryptoOp::VerifyRsa2048 : CryptoOp::VerifyEcdsaP256);
    const auto method = static_cast<AuthMethod>(authMethod);
    if (method == AuthMethod::DigitalSignature)
    {
        ByteReader reader(authData);
        uint8_t algLen = 0;
        Bytes algId;
        if (!reader.ReadU8(algLen) || !reader.ReadBytes(algLen, algId) || reader.Empty())
        {
            return false;
        }
        const uint8_t* sig = reader.Current();
        size_t sigLen = reader.Remaining();
        if (m_isRsa)
        {
            return algId == Bytes(kSha256WithRsa, kSha256WithRsa + sizeof(kSha256WithRsa)) &&
                   DigestVerify(m_key, EVP_sha256(), signedOctets, sig, sigLen);
        }
        return algId == Bytes(kEcdsaWithSha256, kEcdsaWithSha256 + sizeof(kEcdsaWithSha256)) &&
               DigestVerify(m_key, EVP_sha256(), signedOctets, sig, sigLen);
    }
    if (method == AuthMethod::RsaSig && m_isRsa)
    {
        // RFC 7296 3.8: RSASSA-PKCS1-v1_5 with SHA-1.
        return !authData.empty() &&
               DigestVerify(m_key, EVP_sha1(), signedOctets, authData.data(), authData.size());
    }
    if (method == AuthMethod::EcdsaSha256P256 && !m_isRsa)
    {
        Bytes der;
        return RawToDer(authData.data(), authData.size(), der) &&
               DigestVerify(m_key, EVP_sha256(), signedOctets, der.data(), der.size());
    }
    return false;
}

} // namespace ikev2

#include "dh.h"

#include "crypto-meter.h"
#include "ike-constants.h"

#include <algorithm>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

namespace ikev2
{

namespace
{

constexpr size_t kModpSize = 256;
/// MODP exponent length: 256 bits, twice the group's ~112-bit strength with margin (the
/// practice of RFC 3526 section 8 and of OpenSSL for named safe-prime groups).
constexpr size_t kModpExponentSize = 32;

struct BnDeleter
{
    void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

struct BldDeleter
{
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter
{
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter
{
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct PkeyDeleter
{
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

const EC_GROUP*
P256()
{
    static EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    return group;
}

const BIGNUM*
ModpPrime()
{
    static BIGNUM* p = BN_get_rfc3526_prime_2048(nullptr);
    return p;
}

EVP_PKEY*
PkeyFromParams(const char* type, OSSL_PARAM_BLD* bld, int selection)
{
    std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1)
    {
        return nullptr;
    }
    return key;
}

/// P-256 key from a public value x | y (nullptr if not a point on the curve).
EVP_PKEY*
Ecp256Public(const Bytes& xy)
{
    if (xy.size() != 64)
    {
        return nullptr;
    }
    uint8_t point[65];
    point[0] = POINT_CONVERSION_UNCOMPRESSED;
    std::copy(xy.begin(), xy.end(), point + 1);
    std::unique_ptr<OSSL_PARAM_BLD, BldDeleter> bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, 65))
    {
        return nullptr;
    }
    // Decoding the point checks that it lies on the curve.
    return PkeyFromParams("EC", bld.get(), EVP_PKEY_PUBLIC_KEY);
}

EVP_PKEY*
ModpPublic(const BIGNUM* y)
{
    std::unique_ptr<OSSL_PARAM_BLD, BldDeleter> bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "modp_2048", 0) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y))
    {
        return nullptr;
    }
    return PkeyFromParams("DH", bld.get(), EVP_PKEY_PUBLIC_KEY);
}

std::unique_ptr<DhKeyPair>
Fail()
{
    return nullptr;
}

} // namespace

bool
IsSupportedDhGroup(uint16_t group)
{
    return group == transform::kDhCurve25519 || group == transform::kDhEcp256 ||
           group == transform::kDhModp2048;
}

size_t
DhPublicValueSize(uint16_t group)
{
    switch (group)
    {
        case transform::kDhCurve25519:
            return 32;
        case transform::kDhEcp256:
            return 64;
        case transform::kDhModp2048:
            return kModpSize;
        default:
            return 0;
    }
}

size_t
DhSharedSecretSize(uint16_t group)
{
    switch (group)
    {
        case transform::kDhCurve25519:
        case transform::kDhEcp256:
            return 32;
        case transform::kDhModp2048:
            return kModpSize;
        default:
            return 0;
    }
}

DhKeyPair::DhKeyPair(uint16_t group, EVP_PKEY* key, Bytes pub)
  : m_group(group)
  , m_key(key)
  , m_public(std::move(pub))
{
}

DhKeyPair::~DhKeyPair()
{
    EVP_PKEY_free(m_key);
}

std::unique_ptr<DhKeyPair>
DhKeyPair::Generate(uint16_t group, Drbg& rng)
{
    Bytes priv;
    if (group == transform::kDhCurve25519)
    {
        priv = rng.Generate(32);
    }
    else if (group == transform::kDhEcp256)
    {
        // Rejection sampling for a uniform scalar in [1, n-1].
        const BIGNUM* order = P256() ? EC_GROUP_get0_order(P256()) : nullptr;
        BnPtr d(BN_secure_new());
        if (!order || !d)
        {
            return Fail();
        }
        do
        {
            priv = rng.Generate(32);
            BN_bin2bn(priv.data(), 32, d.get());
        } while (BN_is_zero(d.get()) || BN_cmp(d.get(), order) >= 0);
    }
    else if (group == transform::kDhModp2048)
    {
        do
        {
            priv = rng.Generate(kModpExponentSize);
        } while (std::all_of(priv.begin(), priv.end() - 1, [](uint8_t b) { return b == 0; }) &&
                 priv.back() <= 1);
    }
    else
    {
        return Fail();
    }
    auto pair = FromPrivate(group, priv);
    OPENSSL_cleanse(priv.data(), priv.size());
    return pair;
}

std::unique_ptr<DhKeyPair>
DhKeyPair::FromPrivate(uint16_t group, const Bytes& priv)
{
    if (group == transform::kDhCurve25519)
    {
        CountCrypto(CryptoOp::DhKeygenX25519);
        if (priv.size() != 32)
        {
            return Fail();
        }
        // OpenSSL clamps the scalar (RFC 7748 decodeScalar25519) itself.
        EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), 32);
        Bytes pub(32);
        size_t len = pub.size();
        if (!key || EVP_PKEY_get_raw_public_key(key, pub.data(), &len) != 1 || len != 32)
        {
            EVP_PKEY_free(key);
            return Fail();
        }
        return std::unique_ptr<DhKeyPair>(new DhKeyPair(group, key, std::move(pub)));
    }
    if (group == transform::kDhEcp256)
    {
        CountCrypto(CryptoOp::DhKeygenEcp256);
        const EC_GROUP* ec = P256();
        const BIGNUM* order = ec ? EC_GROUP_get0_order(ec) : nullptr;
        BnPtr d(BN_secure_new());
        if (!order || !d || priv.size() != 32)
        {
            return Fail();
        }
        BN_bin2bn(priv.data(), 32, d.get());
        if (BN_is_zero(d.get()) || BN_cmp(d.get(), order) >= 0)
        {
            return Fail();
        }
        BN_set_flags(d.get(), BN_FLG_CONSTTIME);
        std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> q(EC_POINT_new(ec), EC_POINT_free);
        uint8_t point[65];
        if (!q || EC_POINT_mul(ec, q.get(), d.get(), nullptr, nullptr, nullptr) != 1 ||
            EC_POINT_point2oct(ec, q.get(), POINT_CONVERSION_UNCOMPRESSED, point, 65, nullptr) !=
              65)
        {
            return Fail();
        }
        std::unique_ptr<OSSL_PARAM_BLD, BldDeleter> bld(OSSL_PARAM_BLD_new());
        if (!bld ||
            !OSSL_PARAM_BLD_push_utf8_string(
              bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
            !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
            !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, 65))
        {
            return Fail();
        }
        EVP_PKEY* key = PkeyFromParams("EC", bld.get(), EVP_PKEY_KEYPAIR);
        if (!key)
        {
            return Fail();
        }
        return std::unique_ptr<DhKeyPair>(new DhKeyPair(group, key, Bytes(point + 1, point + 65)));
    }
    if (group == transform::kDhModp2048)
    {
        CountCrypto(CryptoOp::DhKeygenModp2048);
        const BIGNUM* p = ModpPrime();
        BnPtr x(BN_secure_new());
        BnPtr y(BN_new());
        BnPtr g(BN_new());
        std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> bnCtx(BN_CTX_secure_new(), BN_CTX_free);
        if (!p || !x || !y || !g || !bnCtx || !BN_set_word(g.get(), 2) || priv.empty() ||
            priv.size() > kModpSize)
        {
            return Fail();
        }
        BN_bin2bn(priv.data(), static_cast<int>(priv.size()), x.get());
        if (BN_cmp(x.get(), BN_value_one()) <= 0 || BN_cmp(x.get(), p) >= 0)
        {
            return Fail();
        }
        BN_set_flags(x.get(), BN_FLG_CONSTTIME);
        if (BN_mod_exp(y.get(), g.get(), x.get(), p, bnCtx.get()) != 1)
        {
            return Fail();
        }
        std::unique_ptr<OSSL_PARAM_BLD, BldDeleter> bld(OSSL_PARAM_BLD_new());
        if (!bld ||
            !OSSL_PARAM_BLD_push_utf8_string(
              bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "modp_2048", 0) ||
            !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, x.get()) ||
            !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y.get()))
        {
            return Fail();
        }
        Bytes pub(kModpSize);
        EVP_PKEY* key = PkeyFromParams("DH", bld.get(), EVP_PKEY_KEYPAIR);
        if (!key || BN_bn2binpad(y.get(), pub.data(), kModpSize) != static_cast<int>(kModpSize))
        {
            EVP_PKEY_free(key);
            return Fail();
        }
        return std::unique_ptr<DhKeyPair>(new DhKeyPair(group, key, std::move(pub)));
    }
    return Fail();
}

std::optional<Bytes>
DhKeyPair::Derive(const Bytes& peerPublic) const
{
    PkeyPtr peer;
    size_t secretSize = DhSharedSecretSize(m_group);
    if (m_group == transform::kDhCurve25519)
    {
        CountCrypto(CryptoOp::DhDeriveX25519);
        if (peerPublic.size() != 32)
        {
            return std::nullopt;
        }
        peer.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peerPublic.data(), 32));
    }
    else if (m_group == transform::kDhEcp256)
    {
        CountCrypto(CryptoOp::DhDeriveEcp256);
        peer.reset(Ecp256Public(peerPublic));
    }
    else if (m_group == transform::kDhModp2048)
    {
        CountCrypto(CryptoOp::DhDeriveModp2048);
        if (peerPublic.size() != kModpSize)
        {
            return std::nullopt;
        }
        // RFC 7296 / SP 800-56A partial validation: 1 < y < p - 1.
        BnPtr y(BN_bin2bn(peerPublic.data(), static_cast<int>(peerPublic.size()), nullptr));
        BnPtr pMinus1(BN_dup(ModpPrime()));
        if (!y || !pMinus1 || !BN_sub_word(pMinus1.get(), 1) ||
            BN_cmp(y.get(), BN_value_one()) <= 0 || BN_cmp(y.get(), pMinus1.get()) >= 0)
        {
            return std::nullopt;
        }
        peer.reset(ModpPublic(y.get()));
    }
    if (!peer)
    {
        return std::nullopt;
    }
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, m_key, nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1)
    {
        return std::nullopt;
    }
    if (m_group == transform::kDhModp2048 && EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1) != 1)
    {
        return std::nullopt;
    }
    // The peer was validated above (length, 1 < y < p-1, point decoding checks the curve
    // equation; P-256 has cofactor 1, X25519's low-order points are caught below). OpenSSL's
    // own full check would add an order multiplication (EC) or y^q mod p (MODP), doubling the
    // cost of a derivation for no gain in IKEv2.
    if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1)
    {
        return std::nullopt;
    }
    size_t len = 0;
    if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len > secretSize)
    {
        return std::nullopt;
    }
    Bytes secret(secretSize, 0);
    // Any shorter result is left-padded, as g^ir must be (RFC 7296 2.14).
    size_t off = secretSize - len;
    if (EVP_PKEY_derive(ctx.get(), secret.data() + off, &len) != 1 || off + len != secretSize)
    {
        return std::nullopt;
    }
    uint8_t acc = 0;
    for (uint8_t b : secret)
    {
        acc |= b;
    }
    if (acc == 0)
    {
        // X25519 with a low-order point (RFC 7748 section 6.1 check).
        return std::nullopt;
    }
    return secret;
}

} // namespace ikev2

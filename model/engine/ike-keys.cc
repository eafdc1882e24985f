#include "ike-keys.h"

#include "prf.h"

#include <openssl/crypto.h>

namespace ikev2
{

namespace
{

Bytes
Concat(const Bytes& a, const Bytes& b)
{
    Bytes out;
    out.reserve(a.size() + b.size());
    out.insert(out.end(), a.begin(), a.end());
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

Bytes
Take(const Bytes& keymat, size_t& pos, size_t n)
{
    if (pos + n > keymat.size())
    {
        return {};
    }
    Bytes out(keymat.begin() + pos, keymat.begin() + pos + n);
    pos += n;
    return out;
}

/// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
IkeKeys
ExpandIkeKeys(const IkeSuite& suite,
              Bytes skeyseed,
              const Bytes& ni,
              const Bytes& nr,
              uint64_t spiI,
              uint64_t spiR)
{
    Prf prf(suite.prf);
    IkeKeys k;
    if (!prf.Valid() || skeyseed.empty())
    {
        return k;
    }
    Bytes seed = Concat(ni, nr);
    for (uint64_t spi : { spiI, spiR })
    {
        for (int i = 7; i >= 0; --i)
        {
            seed.push_back(static_cast<uint8_t>(spi >> (8 * i)));
        }
    }
    size_t dLen = prf.PreferredKeySize();
    size_t aLen = suite.IntegKeyBytes();
    size_t eLen = suite.EncrKeyBytes();
    size_t pLen = prf.PreferredKeySize();
    Bytes keymat = prf.Plus(skeyseed, seed, dLen + 2 * aLen + 2 * eLen + 2 * pLen);
    OPENSSL_cleanse(skeyseed.data(), skeyseed.size());
    if (keymat.empty())
    {
        return k;
    }
    size_t pos = 0;
    k.skD = Take(keymat, pos, dLen);
    k.skAi = Take(keymat, pos, aLen);
    k.skAr = Take(keymat, pos, aLen);
    k.skEi = Take(keymat, pos, eLen);
    k.skEr = Take(keymat, pos, eLen);
    k.skPi = Take(keymat, pos, pLen);
    k.skPr = Take(keymat, pos, pLen);
    OPENSSL_cleanse(keymat.data(), keymat.size());
    return k;
}

} // namespace

IkeKeys
DeriveIkeKeys(const IkeSuite& suite,
              const Bytes& sharedSecret,
              const Bytes& ni,
              const Bytes& nr,
              uint64_t spiI,
              uint64_t spiR)
{
    // SKEYSEED = prf(Ni | Nr, g^ir): the HMAC PRFs take the whole nonces as the key.
    Prf prf(suite.prf);
    Bytes skeyseed = prf.Compute(Concat(ni, nr), sharedSecret);
    return ExpandIkeKeys(suite, std::move(skeyseed), ni, nr, spiI, spiR);
}

IkeKeys
DeriveRekeyedIkeKeys(const IkeSuite& newSuite,
                     uint16_t oldPrf,
                     const Bytes& oldSkD,
                     const Bytes& sharedSecret,
                     const Bytes& ni,
                     const Bytes& nr,
                     uint64_t spiI,
                     uint64_t spiR)
{
    // SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old SA's PRF (RFC 7296 2.18).
    Prf prf(oldPrf);
    Bytes data = Concat(Concat(sharedSecret, ni), nr);
    Bytes skeyseed = prf.Compute(oldSkD, data);
    OPENSSL_cleanse(data.data(), data.size());
    return ExpandIkeKeys(newSuite, std::move(skeyseed), ni, nr, spiI, spiR);
}

ChildKeys
DeriveChildKeys(uint16_t prfId,
                const Bytes& skD,
                const EspSuite& suite,
                const Bytes* pfsSharedSecret,
                const Bytes& ni,
                const Bytes& nr)
{
    Prf prf(prfId);
    ChildKeys k;
    Bytes seed;
    if (pfsSharedSecret)
    {
        seed = *pfsSharedSecret;
    }
    seed.insert(seed.end(), ni.begin(), ni.end());
    seed.insert(seed.end(), nr.begin(), nr.end());
    size_t eLen = suite.EncrKeyBytes();
    size_t aLen = suite.IntegKeyBytes();
    Bytes keymat = prf.Plus(skD, seed, 2 * (eLen + aLen));
    OPENSSL_cleanse(seed.data(), seed.size());
    if (keymat.empty() || eLen == 0)
    {
        return k;
    }
    // Initiator-to-responder keys first; within a direction encryption before integrity.
    size_t pos = 0;
    k.encrI = Take(keymat, pos, eLen);
    k.integI = Take(keymat, pos, aLen);
    k.encrR = Take(keymat, pos, eLen);
    k.integR = Take(keymat, pos, aLen);
    OPENSSL_cleanse(keymat.data(), keymat.size());
    return k;
}

} // namespace ikev2

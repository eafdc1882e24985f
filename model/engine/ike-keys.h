// IKE SA and Child SA key derivation (RFC 7296 2.14, 2.17, 2.18).
#ifndef IKEV2_IKE_KEYS_H
#define IKEV2_IKE_KEYS_H

#include "bytes.h"
#include "crypto-suite.h"

#include <cstdint>

namespace ikev2
{

struct IkeKeys
{
    Bytes skD, skAi, skAr, skEi, skEr, skPi, skPr;
};

/// SKEYSEED = prf(Ni | Nr, g^ir); {SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr} =
/// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). Full nonces are used (RFC 7296; no truncation
/// applies to the HMAC PRFs). SK_e includes the GCM salt.
IkeKeys DeriveIkeKeys(const IkeSuite& suite,
                      const Bytes& sharedSecret,
                      const Bytes& ni,
                      const Bytes& nr,
                      uint64_t spiI,
                      uint64_t spiR);

/// Rekey (2.18): SKEYSEED = prf_old(SK_d_old, g^ir (new) | Ni | Nr), then prf+ with the new
/// suite's PRF over Ni | Nr | SPIi | SPIr (new SPIs).
IkeKeys DeriveRekeyedIkeKeys(const IkeSuite& newSuite,
                             uint16_t oldPrf,
                             const Bytes& oldSkD,
                             const Bytes& sharedSecret,
                             const Bytes& ni,
                             const Bytes& nr,
                             uint64_t spiI,
                             uint64_t spiR);

/// Keys of one Child SA: "I" keys protect initiator-to-responder traffic.
struct ChildKeys
{
    Bytes encrI, integI, encrR, integR;
};

/// KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), taken as encrI, integI, encrR, integR (2.17).
/// @param pfsSharedSecret nullptr without PFS.
ChildKeys DeriveChildKeys(uint16_t prf,
                          const Bytes& skD,
                          const EspSuite& suite,
                          const Bytes* pfsSharedSecret,
                          const Bytes& ni,
                          const Bytes& nr);

} // namespace ikev2

#endif

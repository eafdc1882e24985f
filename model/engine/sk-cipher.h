// The SK payload's cipher for one direction of an IKE SA (RFC 7296 3.14; RFC 5282 for GCM).
//
// Works in place on the whole datagram, laid out as
//   [IKE header | SK generic header] [IV] [plaintext: payloads, padding, pad length] [ICV]
//   ^0                               ^skBodyOffset
// AES-GCM-16: 8-octet explicit IV from a per-cipher 64-bit counter (never repeats for a key;
// RFC 5282 permits a counter), nonce = 4-octet salt | IV, AAD = octets [0, skBodyOffset),
// 16-octet ICV, no padding needed.
// AES-CBC + HMAC-SHA2-256-128: 16-octet IV drawn from the Drbg, plaintext padded to 16,
// ICV = first 16 octets of HMAC over octets [0, start of ICV).
#ifndef IKEV2_SK_CIPHER_H
#define IKEV2_SK_CIPHER_H

#include "aead.h"
#include "bytes.h"
#include "crypto-suite.h"
#include "drbg.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ikev2
{

class SkCipher
{
  public:
    /// nullptr if the suite is unsupported or a key has the wrong length
    /// (encKey: suite.EncrKeyBytes(), integKey: suite.IntegKeyBytes()).
    static std::unique_ptr<SkCipher> Create(const IkeSuite& suite,
                                            const Bytes& encKey,
                                            const Bytes& integKey);
    virtual ~SkCipher() = default;

    virtual size_t IvSize() const = 0;
    virtual size_t IcvSize() const = 0;
    /// The plaintext (payloads | padding | pad length) must be a multiple of this (1 or 16).
    virtual size_t BlockSize() const = 0;

    /// Fills the IV, encrypts the plaintext in place and writes the ICV. @p message holds
    /// skBodyOffset + IvSize() + plaintextLen + IcvSize() octets. Counts one AeadSeal (and,
    /// for CBC, one Prf for the HMAC). False if the GCM IV counter is exhausted.
    virtual bool Seal(uint8_t* message, size_t skBodyOffset, size_t plaintextLen, Drbg& rng) = 0;
    /// Verifies the ICV and decrypts the body (IV | ciphertext | ICV, @p bodyLen octets at
    /// skBodyOffset) into @p plaintext. False on any integrity failure or impossible length.
    /// Counts one AeadOpen (and one Prf for CBC).
    virtual bool Open(const uint8_t* message,
                      size_t skBodyOffset,
                      size_t bodyLen,
                      Bytes& plaintext) = 0;

    /// The GCM IV counter (next IV to use), so that a restored SA never repeats an IV.
    /// Meaningless (0) for CBC.
    virtual uint64_t NextIvCounter() const { return 0; }
    virtual void SetNextIvCounter(uint64_t) {}
};

} // namespace ikev2

#endif

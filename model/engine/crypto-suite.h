// Negotiated algorithm sets for IKE and ESP SAs, strongSwan-style proposal strings, and the
// responder's proposal selection (RFC 7296 2.7 and 3.3).
//
// Supported: ENCR_AES_GCM_16 (128/256), ENCR_AES_CBC (128/256) with AUTH_HMAC_SHA2_256_128,
// PRF_HMAC_SHA2_256/384/512, DH groups 31, 19, 14, ESN yes/no.
// Proposal string tokens: aes128gcm16 aes256gcm16 aes128 aes256 sha256 prfsha256 prfsha384
// prfsha512 x25519 (curve25519) ecp256 modp2048 esn noesn, joined by '-'. For IKE, "sha256"
// alone also implies prfsha256 when no PRF is given (as strongSwan does).
#ifndef IKEV2_CRYPTO_SUITE_H
#define IKEV2_CRYPTO_SUITE_H

#include "ike-message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ikev2
{

struct IkeSuite
{
    uint16_t encr{ 0 };
    uint16_t encrKeyBits{ 0 };
    uint16_t integ{ 0 }; ///< 0 for AEAD
    uint16_t prf{ 0 };
    uint16_t dh{ 0 };

    bool IsAead() const;
    /// SK_e size: AES key, plus the 4-octet salt for GCM.
    size_t EncrKeyBytes() const;
    /// SK_a size (0 for AEAD).
    size_t IntegKeyBytes() const;
    /// Octets of the SK payload's ICV (16 for GCM-16 and for HMAC-SHA2-256-128).
    size_t IntegIcvBytes() const;
    /// Proposal string, e.g. "aes128gcm16-prfsha256-x25519" (parses back to this suite).
    std::string ToString() const;
    bool operator==(const IkeSuite& o) const
    {
        return encr == o.encr && encrKeyBits == o.encrKeyBits && integ == o.integ && prf == o.prf &&
               dh == o.dh;
    }
    bool operator!=(const IkeSuite& o) const { return !(*this == o); }
};

struct EspSuite
{
    uint16_t encr{ 0 };
    uint16_t encrKeyBits{ 0 };
    uint16_t integ{ 0 }; ///< 0 for AEAD
    uint16_t dh{ 0 };    ///< 0 = no PFS
    bool esn{ false };

    bool IsAead() const;
    /// Encryption key size: AES key, plus the 4-octet salt for GCM (RFC 4106).
    size_t EncrKeyBytes() const;
    size_t IntegKeyBytes() const;
    /// ICV octets in the ESP trailer (16 for GCM-16 and for HMAC-SHA2-256-128).
    size_t IcvBytes() const;
    /// Proposal string, e.g. "aes128gcm16-x25519-esn".
    std::string ToString() const;
    bool operator==(const EspSuite& o) const
    {
        return encr == o.encr && encrKeyBits == o.encrKeyBits && integ == o.integ && dh == o.dh &&
               esn == o.esn;
    }
    bool operator!=(const EspSuite& o) const { return !(*this == o); }
};

/// Parses an IKE proposal string into a Proposal (protocol IKE, number 1, empty SPI).
bool ParseIkeProposal(const std::string& text, Proposal& out, std::string& error);
/// Parses an ESP proposal string (protocol ESP, number 1, empty SPI, ESN transform always
/// present: "no ESN" unless "esn" is given).
bool ParseEspProposal(const std::string& text, Proposal& out, std::string& error);

/// Exactly one transform of each required type (and supported) or nullopt.
std::optional<IkeSuite> IkeSuiteFromProposal(const Proposal& proposal);
std::optional<EspSuite> EspSuiteFromProposal(const Proposal& proposal);

/// Responder selection: the first offered proposal (in the peer's order) from which a suite
/// acceptable to one of @p ours can be formed; within it the first transform of each type that
/// we accept. @p chosenNumber receives the offered proposal's number.
std::optional<IkeSuite> SelectIkeSuite(const std::vector<Proposal>& offered,
                                       const std::vector<Proposal>& ours,
                                       uint8_t& chosenNumber);
std::optional<EspSuite> SelectEspSuite(const std::vector<Proposal>& offered,
                                       const std::vector<Proposal>& ours,
                                       uint8_t& chosenNumber);

/// A single-choice proposal carrying the suite (as the responder returns it, or as the
/// initiator of a rekey offers it).
Proposal ToProposal(const IkeSuite& suite, uint8_t number, const Bytes& spi);
Proposal ToProposal(const EspSuite& suite, uint8_t number, const Bytes& spi);

/// Does @p suite appear among the choices of @p proposal (initiator checks the response)?
bool ProposalAllows(const Proposal& proposal, const IkeSuite& suite);
bool ProposalAllows(const Proposal& proposal, const EspSuite& suite);

} // namespace ikev2

#endif

// QCD tokens (RFC 6290): the maker's persistent secret, token generation, the taker's stored
// token, and the QUICK_CRASH_DETECTION notify codec. Self-contained building blocks for the QCD
// policy; doc/qcd.md records every protocol decision taken here.
#ifndef IKEV2_QCD_TOKEN_H
#define IKEV2_QCD_TOKEN_H

#include "aead.h"
#include "bytes.h"
#include "engine-config.h"
#include "engine-types.h"
#include "ike-message.h"
#include "persistent-store.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ikev2
{

class Drbg;

/// RFC 6290 4.1: TOKEN_SECRET_DATA is 16 to 128 octets.
constexpr size_t kQcdMinTokenLength = 16;
constexpr size_t kQcdMaxTokenLength = 128;
/// RFC 6290 5.1: 32 random octets.
constexpr size_t kQcdSecretLength = 32;
/// RFC 6290 4.5: up to 3 old secrets besides the current one, so up to 4 tokens per reply.
constexpr size_t kQcdMaxGenerations = 4;
/// A taker checks at most this many QCD_TOKEN notifies of one message (RFC 6290 4.5 requires
/// at least 4); the rest are ignored so that a stuffed message costs bounded work.
constexpr size_t kQcdMaxTokensPerMessage = 8;

/// Empty when @p config is usable by QcdTokenMaker; else names the bad value.
std::string ValidateQcdConfig(const QcdConfig& config);

/// The maker's QCD_SECRET generations, kept in the PersistentStore so that they survive
/// Crash() (RFC 6290 5.1: "non-volatile storage"). Created at first start from the Drbg; later
/// starts (new objects over the same store) find and reuse them without drawing randomness.
class QcdSecretStore
{
  public:
    /// Store key under which the secrets live; a hot standby that must make the same tokens
    /// (RFC 6290 6) copies this entry to its own store.
    static constexpr const char* kStoreKey = "qcd.secrets";

    /// Loads the secrets from @p store, or creates the first one from @p drbg and persists it
    /// when the entry is missing or unreadable. @p drbg is kept for Rotate(): it must outlive
    /// this object.
    QcdSecretStore(PersistentStore& store, Drbg& drbg);

    /// Makes a new current secret; the previous current one and up to two older ones are kept
    /// (4 generations in all), the oldest beyond that is dropped. Persisted at once.
    void Rotate();

    /// Newest first; never empty; at most kQcdMaxGenerations entries of kQcdSecretLength octets.
    const std::vector<Bytes>& Secrets() const { return m_secrets; }
    /// Counts rotations since the secret was first created (persisted); changes on Rotate().
    uint32_t Generation() const { return m_generation; }
    /// Octets this scheme keeps in the persistent store (key and value).
    size_t PersistentBytes() const;

  private:
    bool Load();
    void Save();

    PersistentStore& m_store;
    Drbg& m_drbg;
    std::vector<Bytes> m_secrets;
    uint32_t m_generation{0};
};

/// TOKEN_SECRET_DATA = HMAC-<hash>(QCD_SECRET, SPIi | SPIr [| IPv4 of the taker]) with the SPIs
/// as 8 octets each in IKE header order and the address as 4 octets in network order. When
/// tokenLength exceeds the hash output the output is extended with counter blocks (doc/qcd.md):
///   T(1) = HMAC(K, M),  T(i) = HMAC(K, T(i-1) | M | i) for i >= 2 (i as one octet),
///   TOKEN = first tokenLength octets of T(1) | T(2) | ...
/// so a token no longer than the hash is the plain truncated HMAC.
class QcdTokenMaker
{
  public:
    /// Throws ConfigError when ValidateQcdConfig() fails. Copies @p config; keeps a reference
    /// to @p secrets, which must outlive this object.
    QcdTokenMaker(const QcdConfig& config, QcdSecretStore& secrets);

    /// Token from the newest secret. @p takerAddress null: not address-bound; non-null: bound
    /// to that address (RFC 6290 5.2; pass it when QcdConfig::bindTakerAddress is set).
    Bytes Token(uint64_t spiI, uint64_t spiR, const Ipv4Address* takerAddress) const;
    /// One token per kept secret generation, newest first (1 to 4), for the unprotected reply
    /// of RFC 6290 4.5.
    std::vector<Bytes> AllTokens(uint64_t spiI,
                                 uint64_t spiR,
                                 const Ipv4Address* takerAddress) const;
    size_t TokenLength() const { return m_config.tokenLength; }

  private:
    Bytes Compute(size_t generation, uint64_t spiI, uint64_t spiR, const Ipv4Address* addr) const;
    void RefreshKeys() const;

    QcdConfig m_config;
    QcdSecretStore& m_secrets;
    /// One keyed HMAC per secret generation, rebuilt when the store rotates.
    mutable std::vector<Hmac> m_macs;
    mutable uint32_t m_keyedGeneration{0};
    mutable bool m_keyed{false};
};

/// What a token taker keeps with an IKE SA: the token itself or its SHA-256 digest
/// (QcdConfig::storeDigest; RFC 6290 2: "the token or a digest of it"), so that a memory dump
/// of the taker does not reveal tokens that tear down live SAs (RFC 6290 9.1).
class StoredToken
{
  public:
    StoredToken() = default;
    StoredToken(const Bytes& token, bool storeDigest);

    bool Empty() const { return m_value.empty(); }
    bool IsDigest() const { return m_digest; }
    /// Constant-time comparison of @p received (or its digest) with what is stored. False when
    /// nothing is stored.
    bool Matches(const Bytes& received) const;
    /// True when any of @p received matches (RFC 6290 4.5: any of up to 4 tokens verifies).
    bool MatchesAny(const std::vector<Bytes>& received) const;
    /// Octets kept per IKE SA: the token length, or 32 for a digest.
    size_t StateBytes() const { return m_value.size(); }

  private:
    Bytes m_value;
    bool m_digest{false};
};

/// SHA-256 of @p data through OpenSSL EVP (counted on the crypto meter as one Prf); the
/// digest a taker stores with QcdConfig::storeDigest.
Bytes QcdDigest(const Bytes& data);

/// N(QCD_TOKEN) as sent: Protocol ID 0 (erratum 3449 to RFC 6290 4.1), SPI size 0, type 16419.
NotifyPayload MakeQcdTokenNotify(const Bytes& token);
/// Accepts type 16419 with Protocol ID 0 or 1 (the RFC's value and the erratum's), SPI size 0
/// and 16..128 octets of token; false otherwise (token left empty).
bool ParseQcdTokenNotify(const NotifyPayload& notify, Bytes& token);
/// The tokens of every valid QCD_TOKEN notify in @p payloads, in order, at most
/// kQcdMaxTokensPerMessage; malformed ones are skipped.
std::vector<Bytes> ExtractQcdTokens(const std::vector<Payload>& payloads);

} // namespace ikev2

#endif

// One direction of an ESP security association (RFC 4303): sequence numbers (32-bit or ESN),
// the anti-replay window, and the transforms AES-GCM-16 (RFC 4106) and AES-CBC with
// HMAC-SHA2-256-128 (RFC 3602, RFC 4868). An outbound SA only seals, an inbound one only opens;
// the object does not know which it is.
#ifndef IKEV2_ESP_SA_H
#define IKEV2_ESP_SA_H

#include "aead.h"
#include "bytes.h"
#include "crypto-suite.h"
#include "drbg.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ikev2
{

struct EspSaParams
{
    uint32_t spi{ 0 };
    EspSuite suite;
    Bytes encKey;   ///< suite.EncrKeyBytes() octets (AES key then the 4-octet salt for GCM)
    Bytes integKey; ///< suite.IntegKeyBytes() octets (empty for GCM)
    uint32_t replayWindow{ 64 };
};

enum class EspOpenStatus
{
    Ok,
    Malformed,       ///< wrong SPI, too short, misaligned: dropped before any crypto
    Replay,          ///< duplicate or left of the window (or sequence number 0)
    IntegrityFailed, ///< ICV mismatch
    BadTrailer,      ///< authentic, but the padding or Pad Length is wrong
    DummyPacket,     ///< authentic, Next Header 59: to be discarded silently
};

const char* EspOpenStatusName(EspOpenStatus status);

/// RFC 4303 3.4 audit counters and the RFC 4301 lifetime counters.
struct EspSaCounters
{
    uint64_t packets{ 0 }; ///< sealed, or opened successfully (dummy packets included)
    uint64_t bytes{ 0 };   ///< inner octets of those packets (lifetime accounting)
    uint64_t replayDrops{ 0 };
    uint64_t integrityFailures{ 0 };
    uint64_t malformed{ 0 }; ///< Malformed and BadTrailer
};

/// Sliding anti-replay window over 64-bit sequence numbers (RFC 4303 3.4.3 and Appendix A),
/// kept as a ring of 64-bit blocks (RFC 6479) so that advancing never shifts the whole bitmap.
class EspReplayWindow
{
  public:
    /// @param size window size in packets (>= 1).
    explicit EspReplayWindow(uint32_t size);

    /// True when @p seq is new: not 0, not left of the window, not yet marked.
    bool Check(uint64_t seq) const;
    /// Marks @p seq as received (after its ICV passed), advancing the window if needed.
    void Update(uint64_t seq);
    /// Highest sequence number received (0 when none).
    uint64_t Top() const { return m_top; }
    uint32_t Size() const { return m_size; }
    /// Forgets the bitmap and treats every number up to @p top as received (counter sync).
    void Reset(uint64_t top);
    size_t BitmapBytes() const { return m_blocks.size() * sizeof(uint64_t); }

  private:
    uint32_t m_size;
    uint64_t m_top{ 0 };
    std::vector<uint64_t> m_blocks;
};

class EspSa
{
  public:
    static constexpr uint32_t kMinReplayWindow = 1;
    static constexpr uint32_t kMaxReplayWindow = 1u << 20;

    /// Validates the suite, key sizes, SPI (non-zero) and window size; keys the cipher
    /// contexts once. nullptr with @p error set on failure.
    static std::unique_ptr<EspSa> Create(const EspSaParams& params, std::string& error);

    /// Builds SPI | seq | IV | E(inner | padding | PadLen | NextHdr) | ICV into @p packetOut.
    /// Returns false (and sends nothing) when the sequence number would wrap: the SA must be
    /// rekeyed (RFC 4303 3.3.3).
    bool Seal(const uint8_t* inner, size_t len, uint8_t nextHeader, Drbg& rng, Bytes& packetOut);
    /// Inbound processing of RFC 4303 3.4: length checks, replay pre-check, ICV, window update,
    /// trailer. @p innerOut and @p nextHeader are meaningful only for Ok (innerOut is
    /// left empty otherwise).
    EspOpenStatus Open(const uint8_t* packet, size_t len, Bytes& innerOut, uint8_t& nextHeader);

    uint32_t Spi() const { return m_spi; }
    const EspSuite& Suite() const { return m_suite; }
    /// The full (64-bit with ESN) sequence number the next Seal uses.
    uint64_t NextSequence() const { return m_nextSeq; }
    /// Highest sequence number accepted by Open (0 when none).
    uint64_t HighestReceived() const { return m_window.Top(); }
    const EspSaCounters& Counters() const { return m_counters; }
    /// SA state an implementation must hold for this direction: SPI, suite, keys, counters,
    /// the replay bitmap. Cipher library contexts are excluded (implementation specific).
    size_t StateBytes() const;
    /// Bytes added to an inner packet of @p innerLength by Seal (header, IV, trailer, ICV).
    size_t Overhead(size_t innerLength) const;

    /// Counter synchronisation after a failover (RFC 6311, RFC 6027 3.4/3.5): the outbound side
    /// skips ahead to @p next; tests use it to reach the end of the sequence space.
    void SetNextSequence(uint64_t next);
    /// The inbound side treats everything up to @p highest as already received.
    void SyncReplayWindow(uint64_t highest);

  private:
    explicit EspSa(const EspSaParams& params);
    /// Infers the full sequence number from its low 32 bits (RFC 4303 Appendix A2.2); false when
    /// it can only be left of the window (or 0).
    bool InferSequence(uint32_t low, uint64_t& seq) const;
    EspOpenStatus OpenGcm(ByteReader& r, uint64_t seq, Bytes& innerOut);
    EspOpenStatus OpenCbc(ByteReader& r,
                          uint64_t seq,
                          const uint8_t* packet,
                          size_t len,
                          Bytes& innerOut);

    uint32_t m_spi;
    EspSuite m_suite;
    size_t m_keyBytes;
    uint8_t m_salt[4]{};
    AesGcm m_gcm;
    AesCbc m_cbc;
    Hmac m_hmac{ "sha256" };
    uint64_t m_nextSeq{ 1 };
    bool m_exhausted{ false };
    EspReplayWindow m_window;
    EspSaCounters m_counters;
};

} // namespace ikev2

#endif

#include "esp-sa.h"

#include "esp-packet.h"
#include "ike-constants.h"

#include <algorithm>
#include <limits>

namespace ikev2
{

namespace
{

constexpr size_t kGcmSaltSize = 4;
constexpr size_t kGcmIvSize = 8;
constexpr size_t kCbcIvSize = AesCbc::kBlockSize;
constexpr size_t kIcvSize = 16;
constexpr size_t kHmacSha256Size = 32;
constexpr size_t kBlockBits = 64;

uint32_t
High32(uint64_t v)
{
    return static_cast<uint32_t>(v >> 32);
}

uint32_t
Low32(uint64_t v)
{
    return static_cast<uint32_t>(v & 0xffffffffu);
}

} // namespace

const char*
EspOpenStatusName(EspOpenStatus status)
{
    switch (status)
    {
        case EspOpenStatus::Ok:
            return "ok";
        case EspOpenStatus::Malformed:
            return "malformed";
        case EspOpenStatus::Replay:
            return "replay";
        case EspOpenStatus::IntegrityFailed:
            return "integrity-failed";
        case EspOpenStatus::BadTrailer:
            return "bad-trailer";
        case EspOpenStatus::DummyPacket:
            return "dummy";
    }
    return "unknown";
}

// ---------------------------------------------------------------------------------------------
// EspReplayWindow

EspReplayWindow::EspReplayWindow(uint32_t size)
  : m_size(size == 0 ? 1 : size)
  ,
  // One block more than the window spans, so that every number still inside the window
  // keeps its bit while the block holding the top is being filled (RFC 6479).
  m_blocks((m_size + kBlockBits - 1) / kBlockBits + 1, 0)
{
}

bool
EspReplayWindow::Check(uint64_t seq) const
{
    if (seq == 0)
    {
        return false;
    }
    if (seq > m_top)
    {
        return true;
    }
    if (m_top - seq >= m_size)
    {
        return false;
    }
    uint64_t block = (seq / kBlockBits) % m_blocks.size();
    return (m_blocks[block] & (uint64_t{ 1 } << (seq % kBlockBits))) == 0;
}

void
EspReplayWindow::Update(uint64_t seq)
{
    if (seq > m_top)
    {
        // Blocks above the old top's block are reused for the new numbers: clear them.
        uint64_t diff = seq / kBlockBits - m_top / kBlockBits;
        if (diff >= m_blocks.size())
        {
            std::fill(m_blocks.begin(), m_blocks.end(), 0);
        }
        else
        {
            for (uint64_t i = 1; i <= diff; ++i)
            {
                m_blocks[(m_top / kBlockBits + i) % m_blocks.size()] = 0;
            }
        }
        m_top = seq;
    }
    uint64_t block = (seq / kBlockBits) % m_blocks.size();
    m_blocks[block] |= uint64_t{ 1 } << (seq % kBlockBits);
}

void
EspReplayWindow::Reset(uint64_t top)
{
    m_top = top;
    std::fill(m_blocks.begin(), m_blocks.end(), ~uint64_t{ 0 });
    // Bits above the top must stay clear: they belong to numbers not yet received.
    uint64_t bit = top % kBlockBits;
    uint64_t mask = bit == kBlockBits - 1 ? ~uint64_t{ 0 } : (uint64_t{ 1 } << (bit + 1)) - 1;
    m_blocks[(top / kBlockBits) % m_blocks.size()] = mask;
}

// ---------------------------------------------------------------------------------------------
// EspSa

EspSa::EspSa(const EspSaParams& params)
  : m_spi(params.spi)
  , m_suite(params.suite)
  , m_keyBytes(params.encKey.size() + params.integKey.size())
  , m_window(params.replayWindow)
{
}

std::unique_ptr<EspSa>
EspSa::Create(const EspSaParams& params, std::string& error)
{
    const EspSuite& s = params.suite;
    if (params.spi == 0)
    {
        error = "ESP SPI 0 is reserved";
        return nullptr;
    }
    if (s.encrKeyBits != 128 && s.encrKeyBits != 256)
    {
        error = "unsupported ESP key length " + std::to_string(s.encrKeyBits);
        return nullptr;
    }
    if (s.encr == transform::kEncrAesGcm16)
    {
        if (s.integ != transform::kIntegNone)
        {
            error = "AES-GCM takes no integrity transform";
            return nullptr;
        }
    }
    else if (s.encr == transform::kEncrAesCbc)
    {
        if (s.integ != transform::kIntegHmacSha256_128)
        {
            error = "AES-CBC needs HMAC-SHA2-256-128";
            return nullptr;
        }
    }
    else
    {
        error = "unsupported ESP encryption transform " + std::to_string(s.encr);
        return nullptr;
    }
    if (params.encKey.size() != s.EncrKeyBytes() || params.integKey.size() != s.IntegKeyBytes())
    {
        error = "ESP key material has the wrong size";
        return nullptr;
    }
    if (params.replayWindow < kMinReplayWindow || params.replayWindow > kMaxReplayWindow)
    {
        error = "replay window out of range";
        return nullptr;
    }

    std::unique_ptr<EspSa> sa(new EspSa(params));
    size_t aesKeyBytes = s.encrKeyBits / 8;
    if (s.IsAead())
    {
        ByteReader key(params.encKey);
        ByteReader aesKey;
        ByteReader salt;
        if (!key.ReadSub(aesKeyBytes, aesKey) || !key.ReadSub(kGcmSaltSize, salt) ||
            !sa->m_gcm.SetKey(aesKey.Current(), aesKeyBytes))
        {
            error = "cannot key AES-GCM";
            return nullptr;
        }
        Bytes saltBytes;
        salt.ReadRest(saltBytes);
        std::copy(saltBytes.begin(), saltBytes.end(), sa->m_salt);
    }
    else if (!sa->m_cbc.SetKey(params.encKey.data(), aesKeyBytes) ||
             !sa->m_hmac.SetKey(params.integKey.data(), params.integKey.size()))
    {
        error = "cannot key AES-CBC / HMAC-SHA-256";
        return nullptr;
    }
    return sa;
}

size_t
EspSa::Overhead(size_t innerLength) const
{
    size_t iv = m_suite.IsAead() ? kGcmIvSize : kCbcIvSize;
    size_t alignment = m_suite.IsAead() ? kEspMinAlignment : AesCbc::kBlockSize;
    return kEspHeaderSize + iv + EspPaddingLength(innerLength, alignment) + kEspTrailerFixedSize +
           kIcvSize;
}

size_t
EspSa::StateBytes() const
{
    // SPI, transform IDs and key length, ESN flag, keys (with salt), next sequence number,
    // window top and size, the bitmap, and the five audit counters.
    return sizeof(uint32_t) + 4 * sizeof(uint16_t) + 1 + m_keyBytes + sizeof(uint64_t) * 2 +
           sizeof(uint32_t) + m_window.BitmapBytes() + sizeof(EspSaCounters);
}

void
EspSa::SetNextSequence(uint64_t next)
{
    m_nextSeq = next;
    m_exhausted = next == 0;
}

void
EspSa::SyncReplayWindow(uint64_t highest)
{
    m_window.Reset(highest);
}

bool
EspSa::Seal(const uint8_t* inner, size_t len, uint8_t nextHeader, Drbg& rng, Bytes& packetOut)
{
    uint64_t maxSeq =
      m_suite.esn ? std::numeric_limits<uint64_t>::max() : std::numeric_limits<uint32_t>::max();
    if (m_exhausted || m_nextSeq > maxSeq || (len > 0 && inner == nullptr))
    {
        return false;
    }
    uint64_t seq = m_nextSeq;
    bool aead = m_suite.IsAead();
    size_t alignment = aead ? kEspMinAlignment : AesCbc::kBlockSize;

    ByteWriter w(len + Overhead(len));
    w.U32(m_spi);
    w.U32(Low32(seq));
    if (aead)
    {
        // RFC 4106 3.1: the explicit IV only has to be unique per key; the sequence number is.
        w.U64(seq);
    }
    else
    {
        uint8_t iv[kCbcIvSize];
        rng.Generate(iv, sizeof(iv));
        w.Append(iv, sizeof(iv));
    }
    size_t payloadStart = w.Size();
    AppendEspPayloadAndTrailer(w, inner, len, alignment, nextHeader);
    size_t ctLen = w.Size() - payloadStart;
    uint8_t* buf = w.MutableData().data();

    uint8_t icv[kHmacSha256Size]{};
    if (aead)
    {
        // nonce = salt | IV; AAD = SPI | [seq high] | seq low (RFC 4106 5).
        ByteWriter nonce(AesGcm::kNonceSize);
        nonce.Append(m_salt, kGcmSaltSize);
        nonce.U64(seq);
        ByteWriter aad(12);
        aad.U32(m_spi);
        if (m_suite.esn)
        {
            aad.U32(High32(seq));
        }
        aad.U32(Low32(seq));
        if (!m_gcm.Seal(nonce.Data().data(),
                        aad.Data().data(),
                        aad.Size(),
                        buf + payloadStart,
                        ctLen,
                        buf + payloadStart,
                        icv,
                        kIcvSize))
        {
            return false;
        }
    }
    else
    {
        if (!m_cbc.Encrypt(buf + kEspHeaderSize, buf + payloadStart, ctLen, buf + payloadStart))
        {
            return false;
        }
        // RFC 4303 3.3.2.1: the ESN high half is covered by the ICV but never sent.
        ByteWriter high(4);
        high.U32(High32(seq));
        m_hmac.Compute(buf, w.Size(), high.Data().data(), m_suite.esn ? 4 : 0, icv);
    }
    w.Append(icv, kIcvSize);
    packetOut = w.Take();

    if (seq == maxSeq)
    {
        m_exhausted = true;
    }
    else
    {
        m_nextSeq = seq + 1;
    }
    m_counters.packets++;
    m_counters.bytes += len;
    return true;
}

bool
EspSa::InferSequence(uint32_t low, uint64_t& seq) const
{
    if (!m_suite.esn)
    {
        seq = low;
        return low != 0;
    }
    // RFC 4303 Appendix A2.2, with T the highest authenticated number and W the window.
    uint64_t top = m_window.Top();
    uint32_t tl = Low32(top);
    uint32_t th = High32(top);
    uint32_t w = m_window.Size();
    uint32_t bottom = tl - w + 1; // modulo 2^32 on purpose
    uint32_t seqHigh = th;
    if (tl >= w - 1)
    {
        // The window lies in one 2^32 subspace; anything below it is taken to be ahead.
        if (low < bottom)
        {
            if (th == std::numeric_limits<uint32_t>::max())
            {
                return false; // would wrap the 64-bit space
            }
            seqHigh = th + 1;
        }
    }
    else if (low >= bottom)
    {
        // The window spans two subspaces and this number lies in the lower one.
        if (th == 0)
        {
            return false; // before the first packet
        }
        seqHigh = th - 1;
    }
    seq = (static_cast<uint64_t>(seqHigh) << 32) | low;
    return seq != 0;
}

EspOpenStatus
EspSa::Open(const uint8_t* packet, size_t len, Bytes& innerOut, uint8_t& nextHeader)
{
    ByteReader r(packet, len);
    uint32_t spi = 0;
    uint32_t low = 0;
    bool aead = m_suite.IsAead();
    size_t ivSize = aead ? kGcmIvSize : kCbcIvSize;
    size_t alignment = aead ? kEspMinAlignment : AesCbc::kBlockSize;
    // The smallest valid ciphertext is one aligned unit holding at least the 2-octet trailer.
    if (!r.ReadU32(spi) || !r.ReadU32(low) || spi != m_spi ||
        r.Remaining() < ivSize + alignment + kIcvSize ||
        (r.Remaining() - ivSize - kIcvSize) % alignment != 0)
    {
        m_counters.malformed++;
        return EspOpenStatus::Malformed;
    }

    // Coarse replay check before spending any crypto (RFC 4303 3.4.3).
    uint64_t seq = 0;
    if (!InferSequence(low, seq) || !m_window.Check(seq))
    {
        m_counters.replayDrops++;
        return EspOpenStatus::Replay;
    }

    EspOpenStatus status =
      aead ? OpenGcm(r, seq, innerOut) : OpenCbc(r, seq, packet, len, innerOut);
    if (status != EspOpenStatus::Ok)
    {
        innerOut.clear();
        m_counters.integrityFailures++;
        return status;
    }
    // Only an authentic packet moves the window (RFC 4303 3.4.4).
    m_window.Update(seq);

    size_t payloadLength = 0;
    uint8_t next = 0;
    if (!ParseEspTrailer(innerOut.data(), innerOut.size(), payloadLength, next))
    {
        innerOut.clear();
        m_counters.malformed++;
        return EspOpenStatus::BadTrailer;
    }
    innerOut.resize(payloadLength);
    m_counters.packets++;
    m_counters.bytes += payloadLength;
    if (next == kNextHeaderNone)
    {
        innerOut.clear();
        return EspOpenStatus::DummyPacket;
    }
    nextHeader = next;
    return EspOpenStatus::Ok;
}

EspOpenStatus
EspSa::OpenGcm(ByteReader& r, uint64_t seq, Bytes& innerOut)
{
    uint64_t iv = 0;
    ByteReader ciphertext;
    ByteReader icv;
    size_t ctLen = r.Remaining() - kGcmIvSize - kIcvSize;
    if (!r.ReadU64(iv) || !r.ReadSub(ctLen, ciphertext) || !r.ReadSub(kIcvSize, icv))
    {
        return EspOpenStatus::IntegrityFailed; // unreachable: lengths checked by the caller
    }
    ByteWriter nonce(AesGcm::kNonceSize);
    nonce.Append(m_salt, kGcmSaltSize);
    nonce.U64(iv);
    ByteWriter aad(12);
    aad.U32(m_spi);
    if (m_suite.esn)
    {
        aad.U32(High32(seq));
    }
    aad.U32(Low32(seq));
    innerOut.resize(ctLen);
    if (!m_gcm.Open(nonce.Data().data(),
                    aad.Data().data(),
                    aad.Size(),
                    ciphertext.Current(),
                    ctLen,
                    icv.Current(),
                    kIcvSize,
                    innerOut.data()))
    {
        return EspOpenStatus::IntegrityFailed;
    }
    return EspOpenStatus::Ok;
}

EspOpenStatus
EspSa::OpenCbc(ByteReader& r, uint64_t seq, const uint8_t* packet, size_t len, Bytes& innerOut)
{
    ByteReader iv;
    ByteReader ciphertext;
    ByteReader icv;
    size_t ctLen = r.Remaining() - kCbcIvSize - kIcvSize;
    if (!r.ReadSub(kCbcIvSize, iv) || !r.ReadSub(ctLen, ciphertext) || !r.ReadSub(kIcvSize, icv))
    {
        return EspOpenStatus::IntegrityFailed; // unreachable: lengths checked by the caller
    }
    // Encrypt-then-MAC: verify before decrypting anything.
    uint8_t mac[kHmacSha256Size]{};
    ByteWriter high(4);
    high.U32(High32(seq));
    m_hmac.Compute(packet, len - kIcvSize, high.Data().data(), m_suite.esn ? 4 : 0, mac);
    if (!ConstantTimeEqual(mac, icv.Current(), kIcvSize))
    {
        return EspOpenStatus::IntegrityFailed;
    }
    innerOut.resize(ctLen);
    if (!m_cbc.Decrypt(iv.Current(), ciphertext.Current(), ctLen, innerOut.data()))
    {
        return EspOpenStatus::IntegrityFailed;
    }
    return EspOpenStatus::Ok;
}

} // namespace ikev2

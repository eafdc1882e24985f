// Bounds-checked byte reader and writer used by every IKE and ESP parser and builder.
//
// Modelled on BoringSSL's CBS/CBB: every read is checked and reports failure instead of
// reading past the end; a length-prefixed region becomes a child reader that cannot read past
// its own end; the writer back-patches lengths once a region is closed. Attacker-controlled
// bytes are never parsed with anything else.
#ifndef IKEV2_BYTES_H
#define IKEV2_BYTES_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ikev2
{

using Bytes = std::vector<uint8_t>;

/// Hex encoding (lower case, no separators) for logs and Wireshark key files.
std::string ToHex(const uint8_t* data, size_t size);
std::string ToHex(const Bytes& data);
/// Parses lower- or upper-case hex; returns false on odd length or a non-hex character.
bool FromHex(const std::string& hex, Bytes& out);

/// Constant-time comparison for secrets (tokens, ICVs, cookies).
bool ConstantTimeEqual(const uint8_t* a, const uint8_t* b, size_t size);
bool ConstantTimeEqual(const Bytes& a, const Bytes& b);

class ByteReader
{
  public:
    ByteReader() = default;
    /// @param baseOffset absolute offset of data[0] within the outermost buffer (for errors).
    ByteReader(const uint8_t* data, size_t size, size_t baseOffset = 0);
    explicit ByteReader(const Bytes& data);

    bool ReadU8(uint8_t& value);
    bool ReadU16(uint16_t& value);
    bool ReadU32(uint32_t& value);
    bool ReadU64(uint64_t& value);
    /// Copies the next @p n bytes into @p out (replacing its content).
    bool ReadBytes(size_t n, Bytes& out);
    /// Copies everything that is left.
    void ReadRest(Bytes& out);
    bool Skip(size_t n);
    /// A child reader over the next @p n bytes; this reader moves past them.
    bool ReadSub(size_t n, ByteReader& child);
    /// Reads a 16-bit length then a child of that length.
    bool ReadU16LengthPrefixed(ByteReader& child);

    size_t Remaining() const { return m_size - m_pos; }
    bool Empty() const { return m_pos == m_size; }
    /// Absolute offset of the next byte, for error messages.
    size_t Offset() const { return m_base + m_pos; }
    const uint8_t* Current() const { return m_data + m_pos; }

  private:
    const uint8_t* m_data{nullptr};
    size_t m_size{0};
    size_t m_pos{0};
    size_t m_base{0};
};

class ByteWriter
{
  public:
    ByteWriter() = default;
    explicit ByteWriter(size_t reserve) { m_buf.reserve(reserve); }

    void U8(uint8_t v);
    void U16(uint16_t v);
    void U32(uint32_t v);
    void U64(uint64_t v);
    void Append(const uint8_t* data, size_t size);
    void Append(const Bytes& data) { Append(data.data(), data.size()); }
    void Zeros(size_t n);

    /// Current size; use as a mark for Patch*() or for length computations.
    size_t Size() const { return m_buf.size(); }
    /// Overwrites two or four bytes at @p pos (which must already be written).
    void PatchU16(size_t pos, uint16_t v);
    void PatchU32(size_t pos, uint32_t v);
    void PatchU8(size_t pos, uint8_t v);

    const Bytes& Data() const { return m_buf; }
    Bytes& MutableData() { return m_buf; }
    Bytes Take() { return std::move(m_buf); }

  private:
    Bytes m_buf;
};

} // namespace ikev2

#endif

#include "bytes.h"

#include <cstring>

namespace ikev2
{

std::string
ToHex(const uint8_t* data, size_t size)
{
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    out.resize(size * 2);
    for (size_t i = 0; i < size; ++i)
    {
        out[2 * i] = kDigits[data[i] >> 4];
        out[2 * i + 1] = kDigits[data[i] & 0x0f];
    }
    return out;
}

std::string
ToHex(const Bytes& data)
{
    return ToHex(data.data(), data.size());
}

static int
HexValue(char c)
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f')
    {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F')
    {
        return c - 'A' + 10;
    }
    return -1;
}

bool
FromHex(const std::string& hex, Bytes& out)
{
    if (hex.size() % 2 != 0)
    {
        return false;
    }
    Bytes result(hex.size() / 2);
    for (size_t i = 0; i < result.size(); ++i)
    {
        int hi = HexValue(hex[2 * i]);
        int lo = HexValue(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
        {
            return false;
        }
        result[i] = static_cast<uint8_t>((hi << 4) | lo);
    }
    out = std::move(result);
    return true;
}

bool
ConstantTimeEqual(const uint8_t* a, const uint8_t* b, size_t size)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < size; ++i)
    {
        diff |= a[i] ^ b[i];
    }
    return diff == 0;
}

bool
ConstantTimeEqual(const Bytes& a, const Bytes& b)
{
    return a.size() == b.size() && ConstantTimeEqual(a.data(), b.data(), a.size());
}

ByteReader::ByteReader(const uint8_t* data, size_t size, size_t baseOffset)
    : m_data(data),
      m_size(data ? size : 0),
      m_pos(0),
      m_base(baseOffset)
{
}

ByteReader::ByteReader(const Bytes& data)
    : ByteReader(data.data(), data.size(), 0)
{
}

bool
ByteReader::ReadU8(uint8_t& value)
{
    if (Remaining() < 1)
    {
        return false;
    }
    value = m_data[m_pos++];
    return true;
}

bool
ByteReader::ReadU16(uint16_t& value)
{
    if (Remaining() < 2)
    {
        return false;
    }
    value = static_cast<uint16_t>((m_data[m_pos] << 8) | m_data[m_pos + 1]);
    m_pos += 2;
    return true;
}

bool
ByteReader::ReadU32(uint32_t& value)
{
    if (Remaining() < 4)
    {
        return false;
    }
    value = (uint32_t(m_data[m_pos]) << 24) | (uint32_t(m_data[m_pos + 1]) << 16) |
            (uint32_t(m_data[m_pos + 2]) << 8) | uint32_t(m_data[m_pos + 3]);
    m_pos += 4;
    return true;
}

bool
ByteReader::ReadU64(uint64_t& value)
{
    uint32_t hi;
    uint32_t lo;
    if (Remaining() < 8)
    {
        return false;
    }
    ReadU32(hi);
    ReadU32(lo);
    value = (uint64_t(hi) << 32) | lo;
    return true;
}

bool
ByteReader::ReadBytes(size_t n, Bytes& out)
{
    if (Remaining() < n)
    {
        return false;
    }
    out.assign(m_data + m_pos, m_data + m_pos + n);
    m_pos += n;
    return true;
}

void
ByteReader::ReadRest(Bytes& out)
{
    ReadBytes(Remaining(), out);
}

bool
ByteReader::Skip(size_t n)
{
    if (Remaining() < n)
    {
        return false;
    }
    m_pos += n;
    return true;
}

bool
ByteReader::ReadSub(size_t n, ByteReader& child)
{
    if (Remaining() < n)
    {
        return false;
    }
    child = ByteReader(m_data + m_pos, n, m_base + m_pos);
    m_pos += n;
    return true;
}

bool
ByteReader::ReadU16LengthPrefixed(ByteReader& child)
{
    size_t start = m_pos;
    uint16_t len;
    if (!ReadU16(len) || !ReadSub(len, child))
    {
        m_pos = start;
        return false;
    }
    return true;
}

void
ByteWriter::U8(uint8_t v)
{
    m_buf.push_back(v);
}

void
ByteWriter::U16(uint16_t v)
{
    m_buf.push_back(static_cast<uint8_t>(v >> 8));
    m_buf.push_back(static_cast<uint8_t>(v));
}

void
ByteWriter::U32(uint32_t v)
{
    U16(static_cast<uint16_t>(v >> 16));
    U16(static_cast<uint16_t>(v));
}

void
ByteWriter::U64(uint64_t v)
{
    U32(static_cast<uint32_t>(v >> 32));
    U32(static_cast<uint32_t>(v));
}

void
ByteWriter::Append(const uint8_t* data, size_t size)
{
    if (size > 0)
    {
        m_buf.insert(m_buf.end(), data, data + size);
    }
}

void
ByteWriter::Zeros(size_t n)
{
    m_buf.resize(m_buf.size() + n, 0);
}

void
ByteWriter::PatchU8(size_t pos, uint8_t v)
{
    m_buf.at(pos) = v;
}

void
ByteWriter::PatchU16(size_t pos, uint16_t v)
{
    m_buf.at(pos) = static_cast<uint8_t>(v >> 8);
    m_buf.at(pos + 1) = static_cast<uint8_t>(v);
}

void
ByteWriter::PatchU32(size_t pos, uint32_t v)
{
    PatchU16(pos, static_cast<uint16_t>(v >> 16));
    PatchU16(pos + 2, static_cast<uint16_t>(v));
}

} // namespace ikev2

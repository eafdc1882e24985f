// ByteReader / ByteWriter: the only way the engine reads attacker-controlled bytes.
#include "bytes.h"
#include "engine-types.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace
{

const Bytes kSample = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a };

TEST(BytesReader, ReadsBigEndianIntegers)
{
    ByteReader r(kSample);
    uint8_t a = 0;
    uint16_t b = 0;
    uint32_t c = 0;
    ASSERT_TRUE(r.ReadU8(a));
    ASSERT_TRUE(r.ReadU16(b));
    ASSERT_TRUE(r.ReadU32(c));
    EXPECT_EQ(a, 0x01);
    EXPECT_EQ(b, 0x0203);
    EXPECT_EQ(c, 0x04050607u);
    EXPECT_EQ(r.Remaining(), 3u);
    EXPECT_EQ(r.Offset(), 7u);

    ByteReader r64(kSample);
    uint64_t d = 0;
    ASSERT_TRUE(r64.ReadU64(d));
    EXPECT_EQ(d, 0x0102030405060708ull);
}

// Every read that would cross the end fails, leaves the value and the position untouched, so
// that the caller can still report a precise offset.
TEST(BytesReader, EveryReadPastTheEndFailsCleanly)
{
    for (size_t size = 0; size <= 8; ++size)
    {
        ByteReader r(kSample.data(), size, 100);
        uint8_t u8 = 0xaa;
        uint16_t u16 = 0xaaaa;
        uint32_t u32 = 0xaaaaaaaa;
        uint64_t u64 = 0xaaaaaaaaaaaaaaaaull;
        Bytes bytes = { 0xee };
        ByteReader child;
        if (size < 8)
        {
            EXPECT_FALSE(r.ReadU64(u64)) << size;
            EXPECT_EQ(u64, 0xaaaaaaaaaaaaaaaaull);
        }
        if (size < 4)
        {
            EXPECT_FALSE(r.ReadU32(u32)) << size;
            EXPECT_EQ(u32, 0xaaaaaaaau);
        }
        if (size < 2)
        {
            EXPECT_FALSE(r.ReadU16(u16)) << size;
            EXPECT_EQ(u16, 0xaaaa);
        }
        if (size < 1)
        {
            EXPECT_FALSE(r.ReadU8(u8));
            EXPECT_EQ(u8, 0xaa);
        }
        EXPECT_FALSE(r.ReadBytes(size + 1, bytes));
        EXPECT_EQ(bytes, Bytes{ 0xee });
        EXPECT_FALSE(r.Skip(size + 1));
        EXPECT_FALSE(r.ReadSub(size + 1, child));
        EXPECT_EQ(r.Remaining(), size);
        EXPECT_EQ(r.Offset(), 100u);
        // Exactly the available bytes still succeed after the failures.
        EXPECT_TRUE(r.ReadBytes(size, bytes));
        EXPECT_EQ(bytes, Bytes(kSample.begin(), kSample.begin() + size));
        EXPECT_TRUE(r.Empty());
        EXPECT_FALSE(r.ReadU8(u8));
    }
}

TEST(BytesReader, HugeLengthsDoNotWrap)
{
    ByteReader r(kSample);
    Bytes out;
    ByteReader child;
    EXPECT_FALSE(r.ReadBytes(SIZE_MAX, out));
    EXPECT_FALSE(r.Skip(SIZE_MAX));
    EXPECT_FALSE(r.ReadSub(SIZE_MAX, child));
    ASSERT_TRUE(r.Skip(1));
    EXPECT_FALSE(r.ReadBytes(SIZE_MAX, out));
    EXPECT_EQ(r.Remaining(), kSample.size() - 1);
}

TEST(BytesReader, NullDataIsEmpty)
{
    ByteReader r(nullptr, 50);
    uint8_t v = 0;
    EXPECT_TRUE(r.Empty());
    EXPECT_FALSE(r.ReadU8(v));
    ByteReader d;
    EXPECT_TRUE(d.Empty());
    EXPECT_FALSE(d.Skip(1));
}

TEST(BytesReader, ChildCannotReadPastItsEnd)
{
    ByteReader r(kSample);
    ASSERT_TRUE(r.Skip(2));
    ByteReader child;
    ASSERT_TRUE(r.ReadSub(3, child));
    EXPECT_EQ(r.Offset(), 5u);
    EXPECT_EQ(child.Offset(), 2u); // offsets are absolute
    uint32_t u32 = 0;
    EXPECT_FALSE(child.ReadU32(u32));
    uint16_t u16 = 0;
    ASSERT_TRUE(child.ReadU16(u16));
    EXPECT_EQ(u16, 0x0304);
    EXPECT_EQ(child.Offset(), 4u);
    EXPECT_FALSE(child.ReadU16(u16));
    uint8_t u8 = 0;
    ASSERT_TRUE(child.ReadU8(u8));
    EXPECT_EQ(u8, 0x05);
    EXPECT_FALSE(child.ReadU8(u8));
    // The parent went on after the child's region.
    ASSERT_TRUE(r.ReadU8(u8));
    EXPECT_EQ(u8, 0x06);

    // Grandchildren keep absolute offsets as well.
    ByteReader base(kSample.data(), kSample.size(), 1000);
    ByteReader c1;
    ByteReader c2;
    ASSERT_TRUE(base.Skip(1));
    ASSERT_TRUE(base.ReadSub(6, c1));
    ASSERT_TRUE(c1.Skip(2));
    ASSERT_TRUE(c1.ReadSub(2, c2));
    EXPECT_EQ(c2.Offset(), 1003u);
    EXPECT_FALSE(c2.Skip(3));
    EXPECT_EQ(c1.Offset(), 1005u);
}

TEST(BytesReader, U16LengthPrefixedRestoresPositionOnFailure)
{
    const Bytes ok = { 0x00, 0x02, 0xaa, 0xbb, 0xcc };
    ByteReader r(ok);
    ByteReader child;
    ASSERT_TRUE(r.ReadU16LengthPrefixed(child));
    EXPECT_EQ(child.Remaining(), 2u);
    EXPECT_EQ(child.Offset(), 2u);
    EXPECT_EQ(r.Remaining(), 1u);

    const Bytes bad = { 0x00, 0x05, 0xaa, 0xbb };
    ByteReader rb(bad);
    EXPECT_FALSE(rb.ReadU16LengthPrefixed(child));
    EXPECT_EQ(rb.Offset(), 0u);
    EXPECT_EQ(rb.Remaining(), 4u);

    const Bytes cut = { 0x00 };
    ByteReader rc(cut);
    EXPECT_FALSE(rc.ReadU16LengthPrefixed(child));
    EXPECT_EQ(rc.Remaining(), 1u);
}

TEST(BytesReader, ReadRestTakesEverything)
{
    ByteReader r(kSample);
    ASSERT_TRUE(r.Skip(7));
    Bytes rest;
    r.ReadRest(rest);
    EXPECT_EQ(rest, (Bytes{ 0x08, 0x09, 0x0a }));
    EXPECT_TRUE(r.Empty());
    r.ReadRest(rest);
    EXPECT_TRUE(rest.empty());
}

TEST(BytesWriter, WritesBigEndianAndPatches)
{
    ByteWriter w;
    w.U8(0x01);
    size_t mark = w.Size();
    w.U16(0);
    w.U32(0x02030405);
    w.U64(0x060708090a0b0c0dull);
    w.Zeros(2);
    w.Append(Bytes{ 0xee, 0xff });
    w.Append(nullptr, 0);
    w.PatchU16(mark, 0xbeef);
    w.PatchU8(0, 0x11);
    EXPECT_EQ(ToHex(w.Data()), "11beef02030405060708090a0b0c0d0000eeff");
    w.PatchU32(3, 0xcafebabe);
    EXPECT_EQ(ToHex(w.Data()), "11beefcafebabe060708090a0b0c0d0000eeff");
    EXPECT_EQ(w.Size(), 19u);
    Bytes taken = w.Take();
    EXPECT_EQ(taken.size(), 19u);
}

TEST(BytesWriter, RoundTripsThroughReader)
{
    ByteWriter w;
    w.U8(0xfe);
    w.U16(0xfedc);
    w.U32(0xfedcba98);
    w.U64(0xfedcba9876543210ull);
    ByteReader r(w.Data());
    uint8_t a = 0;
    uint16_t b = 0;
    uint32_t c = 0;
    uint64_t d = 0;
    ASSERT_TRUE(r.ReadU8(a) && r.ReadU16(b) && r.ReadU32(c) && r.ReadU64(d));
    EXPECT_EQ(a, 0xfe);
    EXPECT_EQ(b, 0xfedc);
    EXPECT_EQ(c, 0xfedcba98u);
    EXPECT_EQ(d, 0xfedcba9876543210ull);
    EXPECT_TRUE(r.Empty());
}

TEST(BytesHex, EncodesAndDecodes)
{
    EXPECT_EQ(ToHex(Bytes{}), "");
    EXPECT_EQ(ToHex(Bytes{ 0x00, 0x7f, 0x80, 0xff }), "007f80ff");
    Bytes out;
    ASSERT_TRUE(FromHex("007F80ff", out));
    EXPECT_EQ(out, (Bytes{ 0x00, 0x7f, 0x80, 0xff }));
    ASSERT_TRUE(FromHex("", out));
    EXPECT_TRUE(out.empty());
}

TEST(BytesHex, RejectsMalformedHexAndKeepsOutput)
{
    Bytes out = { 0x42 };
    EXPECT_FALSE(FromHex("abc", out));
    EXPECT_FALSE(FromHex("zz", out));
    EXPECT_FALSE(FromHex("0g", out));
    EXPECT_FALSE(FromHex("a ", out));
    EXPECT_EQ(out, Bytes{ 0x42 });
}

TEST(BytesConstantTime, ComparesContentAndSize)
{
    EXPECT_TRUE(ConstantTimeEqual(Bytes{ 1, 2, 3 }, Bytes{ 1, 2, 3 }));
    EXPECT_FALSE(ConstantTimeEqual(Bytes{ 1, 2, 3 }, Bytes{ 1, 2, 4 }));
    EXPECT_FALSE(ConstantTimeEqual(Bytes{ 1, 2, 3 }, Bytes{ 1, 2 }));
    EXPECT_TRUE(ConstantTimeEqual(Bytes{}, Bytes{}));
}

TEST(BytesIpv4Address, ParsesAndFormats)
{
    Ipv4Address a;
    ASSERT_TRUE(Ipv4Address::Parse("192.0.2.254", a));
    EXPECT_EQ(a.value, 0xc00002feu);
    EXPECT_EQ(a.ToString(), "192.0.2.254");
    EXPECT_EQ(a.ToBytes(), (Bytes{ 192, 0, 2, 254 }));
    ASSERT_TRUE(Ipv4Address::Parse("0.0.0.0", a));
    EXPECT_EQ(a.value, 0u);
    ASSERT_TRUE(Ipv4Address::Parse("255.255.255.255", a));
    EXPECT_EQ(a.value, 0xffffffffu);
    SocketAddress s{ Ipv4Address{ 0x0a000001 }, 4500 };
    EXPECT_EQ(s.ToString(), "10.0.0.1:4500");
}

TEST(BytesIpv4Address, RejectsMalformed)
{
    Ipv4Address a{ 0x01020304 };
    for (const char* bad : { "",
                             "1.2.3",
                             "1.2.3.4.5",
                             "256.1.1.1",
                             "1.2.3.4 ",
                             " 1.2.3.4",
                             "1..3.4",
                             "1.2.3.",
                             "a.b.c.d",
                             "1.2.3.0004",
                             "-1.2.3.4" })
    {
        EXPECT_FALSE(Ipv4Address::Parse(bad, a)) << bad;
    }
    EXPECT_EQ(a.value, 0x01020304u);
}

} // namespace
} // namespace ikev2

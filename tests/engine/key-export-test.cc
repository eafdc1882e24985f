// Wireshark key-file lines: exact formats and Wireshark 4.0 UAT algorithm names.
#include "key-export.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace
{

using namespace transform;

Bytes
Fill(size_t n, uint8_t start)
{
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
    {
        b[i] = static_cast<uint8_t>(start + i);
    }
    return b;
}

TEST(KeyExportTest, IkeGcmLine)
{
    IkeKeys k;
    k.skEi = Fill(20, 0x00);
    k.skEr = Fill(20, 0x20);
    IkeSuite s{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhCurve25519 };
    EXPECT_EQ(IkeDecryptionTableLine(0x0102030405060708ull, 0xa1b2c3d4e5f60718ull, s, k),
              "0102030405060708,a1b2c3d4e5f60718,"
              "000102030405060708090a0b0c0d0e0f10111213,"
              "202122232425262728292a2b2c2d2e2f30313233,"
              "\"AES-GCM-128 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"");
    s.encrKeyBits = 256;
    EXPECT_NE(
      IkeDecryptionTableLine(1, 2, s, k).find("\"AES-GCM-256 with 16 octet ICV [RFC5282]\""),
      std::string::npos);
}

TEST(KeyExportTest, IkeCbcLine)
{
    IkeKeys k;
    k.skEi = Fill(16, 0x00);
    k.skEr = Fill(16, 0x10);
    k.skAi = Fill(32, 0x40);
    k.skAr = Fill(32, 0x60);
    IkeSuite s{ kEncrAesCbc, 256, kIntegHmacSha256_128, kPrfHmacSha256, kDhModp2048 };
    EXPECT_EQ(IkeDecryptionTableLine(0, 0xffffffffffffffffull, s, k),
              "0000000000000000,ffffffffffffffff,"
              "000102030405060708090a0b0c0d0e0f,101112131415161718191a1b1c1d1e1f,"
              "\"AES-CBC-256 [RFC3602]\","
              "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f,"
              "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f,"
              "\"HMAC_SHA2_256_128 [RFC4868]\"");
}

TEST(KeyExportTest, EspLines)
{
    Ipv4Address a;
    Ipv4Address b;
    ASSERT_TRUE(Ipv4Address::Parse("192.0.2.1", a));
    ASSERT_TRUE(Ipv4Address::Parse("198.51.100.7", b));
    EspSuite gcm{ kEncrAesGcm16, 128, 0, 0, false };
    EXPECT_EQ(EspSaLine(a, b, 0xc0ffee01u, gcm, Fill(20, 0), Bytes()),
              "\"IPv4\",\"192.0.2.1\",\"198.51.100.7\",\"0xc0ffee01\","
              "\"AES-GCM with 16 octet ICV [RFC4106]\","
              "\"0x000102030405060708090a0b0c0d0e0f10111213\",\"NULL\",\"\"");
    EspSuite cbc{ kEncrAesCbc, 128, kIntegHmacSha256_128, 0, false };
    EXPECT_EQ(EspSaLine(b, a, 0x00000042u, cbc, Fill(16, 0), Fill(32, 0x80)),
              "\"IPv4\",\"198.51.100.7\",\"192.0.2.1\",\"0x00000042\",\"AES-CBC [RFC3602]\","
              "\"0x000102030405060708090a0b0c0d0e0f\",\"HMAC-SHA-256-128 [RFC4868]\","
              "\"0x808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f\"");
}

} // namespace
} // namespace ikev2

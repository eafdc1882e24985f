#include "key-export.h"

#include "ike-constants.h"

#include <cstdio>

namespace ikev2
{

namespace
{

// Wireshark 4.0 UAT strings (epan/dissectors/packet-isakmp.c and packet-esp.c).
const char*
IkeEncrName(const IkeSuite& s)
{
    if (s.encr == transform::kEncrAesGcm16)
    {
        return s.encrKeyBits == 256 ? "AES-GCM-256 with 16 octet ICV [RFC5282]"
                                    : "AES-GCM-128 with 16 octet ICV [RFC5282]";
    }
    if (s.encr == transform::kEncrAesCbc)
    {
        return s.encrKeyBits == 256 ? "AES-CBC-256 [RFC3602]" : "AES-CBC-128 [RFC3602]";
    }
    return "NONE [RFC4306]";
}

const char*
IkeIntegName(const IkeSuite& s)
{
    if (!s.IsAead() && s.integ == transform::kIntegHmacSha256_128)
    {
        return "HMAC_SHA2_256_128 [RFC4868]";
    }
    return "NONE [RFC4306]";
}

std::string
Hex64(uint64_t v)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace

std::string
IkeDecryptionTableLine(uint64_t spiI, uint64_t spiR, const IkeSuite& suite, const IkeKeys& keys)
{
    // For AEAD the integrity fields stay empty and the algorithm is NONE, as strongSwan's
    // save-keys plugin writes them.
    std::string line = Hex64(spiI) + "," + Hex64(spiR) + "," + ToHex(keys.skEi) + "," +
                       ToHex(keys.skEr) + ",\"" + IkeEncrName(suite) + "\",";
    if (suite.IsAead())
    {
        line += ",,";
    }
    else
    {
        line += ToHex(keys.skAi) + "," + ToHex(keys.skAr) + ",";
    }
    line += "\"" + std::string(IkeIntegName(suite)) + "\"";
    return line;
}

std::string
EspSaLine(Ipv4Address src,
          Ipv4Address dst,
          uint32_t spi,
          const EspSuite& suite,
          const Bytes& encKey,
          const Bytes& integKey)
{
    char spiHex[16];
    std::snprintf(spiHex, sizeof(spiHex), "0x%08x", spi);
    // ESP names carry no key size: Wireshark takes it from the key (plus the 4-octet salt).
    const char* encr = suite.encr == transform::kEncrAesGcm16
                         ? "AES-GCM with 16 octet ICV [RFC4106]"
                       : suite.encr == transform::kEncrAesCbc ? "AES-CBC [RFC3602]"
                                                              : "NULL";
    std::string line = "\"IPv4\",\"" + src.ToString() + "\",\"" + dst.ToString() + "\",\"" +
                       spiHex + "\",\"" + encr + "\",\"0x" + ToHex(encKey) + "\",";
    if (!suite.IsAead() && suite.integ == transform::kIntegHmacSha256_128)
    {
        line += "\"HMAC-SHA-256-128 [RFC4868]\",\"0x" + ToHex(integKey) + "\"";
    }
    else
    {
        line += "\"NULL\",\"\"";
    }
    return line;
}

} // namespace ikev2

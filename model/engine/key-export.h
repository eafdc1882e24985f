// Wireshark key lines for decrypting captures (formats of strongSwan's save-keys plugin):
// one `ikev2_decryption_table` line per IKE SA and one `esp_sa` line per ESP SA direction.
// Algorithm names are Wireshark 4.0's UAT strings.
#ifndef IKEV2_KEY_EXPORT_H
#define IKEV2_KEY_EXPORT_H

#include "bytes.h"
#include "crypto-suite.h"
#include "engine-types.h"
#include "ike-keys.h"

#include <cstdint>
#include <string>

namespace ikev2
{

/// `<SPIi>,<SPIr>,<SK_ei>,<SK_er>,"<encr>",<SK_ai>,<SK_ar>,"<integ>"` (no newline).
std::string IkeDecryptionTableLine(uint64_t spiI,
                                   uint64_t spiR,
                                   const IkeSuite& suite,
                                   const IkeKeys& keys);
/// `"IPv4","<src>","<dst>","0x<SPI>","<encr>","0x<key>","<auth>","<0xkey or empty>"`.
std::string EspSaLine(Ipv4Address src,
                      Ipv4Address dst,
                      uint32_t spi,
                      const EspSuite& suite,
                      const Bytes& encKey,
                      const Bytes& integKey);

} // namespace ikev2

#endif

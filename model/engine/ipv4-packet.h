// Minimal IPv4 (RFC 791), UDP (RFC 768) and ICMP echo (RFC 792) handling for the inner packets
// that travel through tunnel-mode ESP: enough to pick a Child SA by its traffic selectors and
// to generate test traffic. Parsing goes through ByteReader only; inner packets come from the
// wire after decryption and are attacker-controlled if the peer is.
#ifndef IKEV2_IPV4_PACKET_H
#define IKEV2_IPV4_PACKET_H

#include "bytes.h"
#include "engine-types.h"

#include <cstddef>
#include <cstdint>

namespace ikev2
{

constexpr uint8_t kIpProtoIcmp = 1;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;
constexpr size_t kIpv4MinHeaderSize = 20;
constexpr size_t kUdpHeaderSize = 8;
constexpr size_t kIcmpEchoHeaderSize = 8;

struct Ipv4Info
{
    Ipv4Address src;
    Ipv4Address dst;
    uint8_t protocol{ 0 };
    uint16_t srcPort{ 0 }; ///< UDP/TCP only, and only in the first fragment; 0 otherwise
    uint16_t dstPort{ 0 };
    size_t headerLength{ 0 }; ///< IHL * 4
    size_t totalLength{ 0 };  ///< the Total Length field (bytes beyond it are ignored)
};

/// RFC 1071 one's-complement sum of @p data, folded and complemented (the value to store).
uint16_t InternetChecksum(const uint8_t* data, size_t size);

/// Parses an IPv4 header: version 4, IHL >= 5, header and Total Length within @p size, valid
/// header checksum. Ports are filled for UDP and TCP when the first four transport octets are
/// present in a non-fragment or first fragment. Returns false on any violation.
bool ParseIpv4(const uint8_t* data, size_t size, Ipv4Info& info);
inline bool
ParseIpv4(const Bytes& packet, Ipv4Info& info)
{
    return ParseIpv4(packet.data(), packet.size(), info);
}

/// True when @p packet (a whole IPv4 datagram carrying UDP) has a correct UDP checksum
/// (RFC 768 pseudo-header); a zero checksum field (none sent) counts as correct.
bool VerifyUdpChecksum(const uint8_t* packet, size_t size);

/// An IPv4/UDP datagram with correct header and UDP checksums (DF clear, no options).
Bytes BuildUdpIpv4(Ipv4Address src,
                   Ipv4Address dst,
                   uint16_t srcPort,
                   uint16_t dstPort,
                   const Bytes& payload,
                   uint16_t id = 0,
                   uint8_t ttl = 64);

/// An IPv4 ICMP echo request (type 8) or reply (type 0) with correct checksums.
Bytes BuildIcmpEcho(Ipv4Address src,
                    Ipv4Address dst,
                    bool reply,
                    uint16_t identifier,
                    uint16_t sequence,
                    const Bytes& payload,
                    uint16_t id = 0,
                    uint8_t ttl = 64);

} // namespace ikev2

#endif

// The ESP packet format of RFC 4303 section 2 without the cryptography: the 8-octet header,
// the trailer (padding, Pad Length, Next Header) inside the encrypted part, and the
// demultiplexing of UDP port 4500 between IKE, ESP and NAT-keepalives (RFC 3948).
//
//   SPI(4) | Sequence Number(4) | IV | E( payload | padding | PadLen(1) | NextHdr(1) ) | ICV
#ifndef IKEV2_ESP_PACKET_H
#define IKEV2_ESP_PACKET_H

#include "bytes.h"

#include <cstddef>
#include <cstdint>

namespace ikev2
{

constexpr size_t kEspHeaderSize = 8;
/// Pad Length and Next Header.
constexpr size_t kEspTrailerFixedSize = 2;
/// RFC 4303 2.4: the ciphertext (payload through Next Header) ends on a 4-octet boundary.
constexpr size_t kEspMinAlignment = 4;
/// Next Header values (IANA protocol numbers) the tunnel-mode engine uses.
constexpr uint8_t kNextHeaderIpv4 = 4;
constexpr uint8_t kNextHeaderNone = 59; ///< dummy packet (RFC 4303 2.6): discard
/// RFC 3948 2.2: the single-octet NAT-keepalive payload.
constexpr uint8_t kNatKeepaliveByte = 0xff;
/// RFC 3948 2.2: IKE on port 4500 is preceded by four zero octets.
constexpr size_t kNonEspMarkerSize = 4;

/// Reads SPI and sequence number; false when fewer than 8 octets or SPI 0 (never valid on the
/// wire; RFC 4303 2.1). SPIs 1..255 are reserved but are the receiver's to reject by lookup.
bool PeekEspHeader(const uint8_t* data, size_t size, uint32_t& spi, uint32_t& seq);

/// Padding octets needed after @p payloadLength so that payload | padding | PadLen | NextHdr
/// is a multiple of @p alignment (rounded up to at least 4; RFC 4303 2.4). Always < alignment.
size_t EspPaddingLength(size_t payloadLength, size_t alignment);

/// Appends payload | padding (1, 2, 3, ...) | Pad Length | Next Header to @p w.
void AppendEspPayloadAndTrailer(ByteWriter& w,
                                const uint8_t* payload,
                                size_t payloadLength,
                                size_t alignment,
                                uint8_t nextHeader);

/// Parses the trailer of a decrypted ESP payload of @p size octets: Pad Length must fit in
/// front of the trailer and the padding must be the default monotonic sequence 1, 2, 3, ...
/// (RFC 4303 2.4: the receiver SHOULD check it). On success @p payloadLength is the length of
/// the inner packet at the start of @p plaintext.
bool ParseEspTrailer(const uint8_t* plaintext,
                     size_t size,
                     size_t& payloadLength,
                     uint8_t& nextHeader);

/// RFC 3948 2.2: true when a UDP-4500 payload begins with the four-zero-octet non-ESP marker,
/// i.e. it carries IKE (the marker is then stripped by the caller).
bool IsNonEspMarker(const uint8_t* data, size_t size);

/// RFC 3948 2.3: a NAT-keepalive is a UDP payload of exactly one octet 0xFF.
bool IsNatKeepalive(const uint8_t* data, size_t size);

enum class Udp4500Kind
{
    Ike,       ///< non-ESP marker then an IKE message
    Esp,       ///< an ESP packet (non-zero SPI and a full header)
    Keepalive, ///< NAT-keepalive: ignore
    Invalid,   ///< too short to be anything: drop
};

/// Demultiplexes a UDP payload received on port 4500 (RFC 3948 2.2, 2.3).
Udp4500Kind ClassifyUdp4500(const uint8_t* data, size_t size);

} // namespace ikev2

#endif

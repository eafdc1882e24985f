// Forged IKEv2 and ESP bytes for the attacker models, built with the engine's codec
// (ike-message.h, sir-check-spi.h, qcd-token.h) so that they are exactly what a real peer would
// put on the wire and Wireshark dissects them. Plain C++: no ns-3 here.
//
// Each builder mirrors the format the engine itself emits (model/engine/endpoint.cc header
// comment, sir-policy.cc), because a forgery that differs in form would be dropped for its form
// and measure nothing about the scheme.
#ifndef IKEV2_ATTACKS_FORGERY_H
#define IKEV2_ATTACKS_FORGERY_H

#include "bytes.h"
#include "ike-message.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attacks
{

/// The forgery kinds of --attackKind (doc/mitm.md).
enum class ForgeryKind
{
    InvalidSpi,    ///< unprotected HDR(0,0) INFORMATIONAL N(INVALID_SPI, child SPI)
    InvalidIkeSpi, ///< unprotected response HDR(A,B) N(INVALID_IKE_SPI)
    QcdToken,      ///< unprotected response HDR(A,B) N(INVALID_IKE_SPI) N(QCD_TOKEN)
    CheckSpiNack,  ///< unprotected response HDR(A,B) N(CHECK_SPI NACK, Cookie_Y)
    Replay,        ///< a captured packet sent again unchanged
    Flood,         ///< ESP with unknown SPIs toward Bob, spoofing Alice's address
};
const char* ForgeryKindName(ForgeryKind kind);
/// Parses a comma-separated list ("invalid-spi,qcd-token"); false with @p error naming the bad
/// entry.
bool ParseForgeryKinds(const std::string& text, std::vector<ForgeryKind>& out, std::string& error);

/// RFC 7296 2.21 / engine form: HDR(0,0) INFORMATIONAL, I=1, R=0, message ID 0,
/// N(INVALID_SPI) with Protocol ID 0 and the 4-octet SPI as data.
ikev2::Bytes ForgeInvalidSpi(uint32_t childSpi);
/// The answer to a request (@p request's SPIs, exchange, message ID; R=1, I inverted):
/// N(INVALID_IKE_SPI) and, when @p tokens is not empty, one N(QCD_TOKEN) per token.
ikev2::Bytes ForgeInvalidIkeSpi(const ikev2::IkeHeader& request,
                                const std::vector<ikev2::Bytes>& tokens = {});
/// The answer to an unprotected CHECK_SPI QUERY @p query (under @p request): the same notify
/// with subtype NACK, i.e. the asker's cookie echoed as the draft's real X does.
ikev2::Bytes ForgeCheckSpiNack(const ikev2::IkeHeader& request, const ikev2::NotifyPayload& query);
/// An ESP packet (RFC 4303): SPI, sequence number, then @p body octets standing for IV,
/// ciphertext and ICV (the attacker has no key).
ikev2::Bytes ForgeEsp(uint32_t spi, uint32_t seq, const ikev2::Bytes& body);

/// What a sniffer learns from one IKE datagram (UDP payload without the non-ESP marker).
struct IkeSighting
{
    bool ok{ false };                 ///< decoded as IKEv2
    ikev2::IkeHeader header;          ///< its header
    bool isProtected{ false };        ///< ends with SK
    std::vector<ikev2::Bytes> tokens; ///< QCD_TOKEN notifies seen in clear
    bool hasCheckSpi{ false };        ///< a CHECK_SPI notify in clear
    ikev2::NotifyPayload checkSpi;    ///< the first one
};
/// Decodes @p data (an IKE message) for the sniffer; malformed input gives ok=false.
IkeSighting Inspect(const ikev2::Bytes& data);

} // namespace attacks

#endif

// Building and opening protected IKE messages (a header followed by one SK payload).
#ifndef IKEV2_PROTECTED_MESSAGE_H
#define IKEV2_PROTECTED_MESSAGE_H

#include "bytes.h"
#include "drbg.h"
#include "ike-message.h"
#include "sk-cipher.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ikev2
{

/// The complete datagram: @p header (Next Payload = SK, Length computed), the SK payload whose
/// generic header's Next Payload is the first inner payload's type, and the sealed body.
/// An empty @p inner gives an SK payload with Next Payload = 0 (e.g. a DPD request).
Bytes SealMessage(const IkeHeader& header,
                  const std::vector<Payload>& inner,
                  SkCipher& cipher,
                  Drbg& rng);

struct OpenResult
{
    enum class Status
    {
        Ok,
        IntegrityFailed, ///< wrong ICV: drop silently (RFC 7296 2.21.2)
        Malformed,       ///< no SK payload, impossible lengths, bad padding, bad inner chain
    };
    Status status{ Status::Malformed };
    std::vector<Payload> inner;
    DecodeError error; ///< for Malformed
};

/// Opens the SK payload of @p outer, which DecodeMessage() produced from exactly these
/// @p size octets. Never reads out of bounds whatever the input.
OpenResult OpenMessage(const uint8_t* datagram,
                       size_t size,
                       const IkeMessage& outer,
                       SkCipher& cipher);

} // namespace ikev2

#endif

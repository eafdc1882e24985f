// NAT detection (RFC 7296 2.23): NAT_DETECTION_SOURCE_IP / _DESTINATION_IP carry
// SHA-1(SPIi | SPIr | IP | port) of the message's own SPIs and the sender's / the recipient's
// address. A mismatch on receipt means a NAT rewrote that address; then IKE moves to UDP 4500
// and ESP is UDP-encapsulated (RFC 3948).
#ifndef IKEV2_NAT_DETECTION_H
#define IKEV2_NAT_DETECTION_H

#include "engine-types.h"
#include "ike-message.h"

#include <vector>

namespace ikev2
{

class Drbg;

Bytes NatDetectionHash(uint64_t spiI, uint64_t spiR, const SocketAddress& address);

/// The two notifies for a message with these SPIs from @p local to @p remote. With
/// @p fakeSource the source hash is random, so that the peer sees a NAT and both sides use
/// UDP encapsulation (what strongSwan does for its userspace ESP).
std::vector<Payload> NatDetectionNotifies(uint64_t spiI,
                                          uint64_t spiR,
                                          const SocketAddress& local,
                                          const SocketAddress& remote,
                                          bool fakeSource,
                                          Drbg& rng);

struct NatResult
{
    bool supported{false}; ///< the peer sent the notifies
    bool localBehindNat{false};
    bool remoteBehindNat{false};
    bool Any() const { return localBehindNat || remoteBehindNat; }
};

/// Checks the notifies of a received IKE_SA_INIT message (SPIs from its header) that arrived
/// on @p local from @p remote.
NatResult CheckNatDetection(const IkeMessage& message,
                            const SocketAddress& local,
                            const SocketAddress& remote);

} // namespace ikev2

#endif

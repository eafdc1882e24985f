// A Child SA (RFC 7296 1.3, 2.17): a pair of ESP SAs in tunnel mode with their traffic
// selectors, lifetimes and counters. The cryptography and the replay window live in EspSa
// (esp-sa.h); this object ties the two directions to the IKE SA that negotiated them.
#ifndef IKEV2_CHILD_SA_H
#define IKEV2_CHILD_SA_H

#include "crypto-suite.h"
#include "drbg.h"
#include "engine-types.h"
#include "ike-keys.h"
#include "traffic-selector.h"

#include <cstdint>
#include <memory>

namespace ikev2
{

class EspSa;

enum class ChildSaState : uint8_t
{
    Installed,
    Rekeying, ///< a CREATE_CHILD_SA rekey of this SA is in flight
    Rekeyed,  ///< replaced; kept until its Delete exchange completes
    Deleting, ///< a Delete for it is in flight
};

/// Everything needed to install a Child SA once an exchange has agreed on it.
struct ChildSaParams
{
    uint32_t spiIn{0};
    uint32_t spiOut{0};
    EspSuite suite;
    ChildKeys keys;
    bool weInitiated{false}; ///< we were the initiator of the creating exchange
    SelectorList localTs;
    SelectorList remoteTs;
    SocketAddress local;
    SocketAddress remote;
    bool udpEncap{false};
    uint32_t replayWindow{64};
    /// Lowest of the nonces of the creating exchange (simultaneous rekey, RFC 7296 2.8.1).
    Bytes lowestNonce;
    uint32_t reqid{0};
};

class ChildSa
{
  public:
    /// nullptr if the ESP SAs cannot be keyed (unsupported suite or wrong key sizes).
    static std::unique_ptr<ChildSa> Create(const ChildSaParams& params, Time now);
    ~ChildSa();

    uint32_t SpiIn() const { return m_spiIn; }
    uint32_t SpiOut() const { return m_spiOut; }
    const EspSuite& Suite() const { return m_suite; }
    const SelectorList& LocalTs() const { return m_localTs; }
    const SelectorList& RemoteTs() const { return m_remoteTs; }
    uint32_t Reqid() const { return m_reqid; }
    const Bytes& LowestNonce() const { return m_lowestNonce; }
    bool WeInitiated() const { return m_weInitiated; }

    ChildSaState state{ChildSaState::Installed};
    Time installedAt{0};
    Time rekeyAt{kNever};  ///< soft lifetime (with jitter)
    Time expireAt{kNever}; ///< hard lifetime
    uint64_t packetsIn{0};
    uint64_t packetsOut{0};
    uint64_t bytesIn{0};
    uint64_t bytesOut{0};
    /// Simultaneous rekey (RFC 7296 2.8.1): while our rekey of this SA was in flight we
    /// answered the peer's; the SA we installed for it and the lowest nonce of that exchange.
    uint32_t collisionSpiIn{0};
    Bytes collisionNonce;

    /// Seals an inner IPv4 packet into an ESP packet (without any UDP encapsulation).
    bool Seal(const Bytes& inner, Drbg& rng, Bytes& espPacket);
    enum class OpenStatus
    {
        Ok,
        Replay,
        IntegrityFailed,
        Malformed,
        Dummy, ///< Next Header 59: valid but to be discarded
    };
    /// Opens an ESP packet (replay check, ICV, window update) into the inner packet.
    OpenStatus Open(const uint8_t* data, size_t size, Bytes& inner);

    /// Approximate memory of this Child SA including its two ESP SAs.
    size_t StateBytes() const;

  private:
    ChildSa() = default;
    uint32_t m_spiIn{0};
    uint32_t m_spiOut{0};
    EspSuite m_suite;
    SelectorList m_localTs;
    SelectorList m_remoteTs;
    Bytes m_lowestNonce;
    bool m_weInitiated{false};
    uint32_t m_reqid{0};
    std::unique_ptr<EspSa> m_in;
    std::unique_ptr<EspSa> m_out;
};

} // namespace ikev2

#endif

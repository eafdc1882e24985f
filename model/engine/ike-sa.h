// An IKE SA (RFC 7296 1.1-1.4, 2.x): SPIs, roles, the negotiated suite and keys, the SK
// ciphers of both directions, the exchange state (task manager), its Child SAs and the
// bookkeeping for liveness, lifetimes and the recovery policy.
#ifndef IKEV2_IKE_SA_H
#define IKEV2_IKE_SA_H

#include "child-sa.h"
#include "crypto-suite.h"
#include "dh.h"
#include "engine-config.h"
#include "engine-events.h"
#include "ike-keys.h"
#include "ike-message.h"
#include "sk-cipher.h"
#include "task-manager.h"

#include <memory>
#include <string>
#include <vector>

namespace ikev2
{

/// Per-IKE-SA data a recovery policy keeps (a QCD token, SIR dampening state, ...).
class PolicySaData
{
  public:
    virtual ~PolicySaData() = default;
    /// Octets this data costs per IKE SA (the state comparison of the schemes).
    virtual size_t StateBytes() const = 0;
};

class IkeSa
{
  public:
    /// @param handle a number unique within the endpoint (for logs and the SA database).
    IkeSa(uint64_t handle, bool originalInitiator, size_t peerIndex, const PeerConfig& peer);
    ~IkeSa();
    IkeSa(const IkeSa&) = delete;
    IkeSa& operator=(const IkeSa&) = delete;

    uint64_t Handle() const { return m_handle; }
    /// Our own SPI: the one this SA is indexed by.
    uint64_t LocalSpi() const { return originalInitiator ? spiI : spiR; }
    uint64_t RemoteSpi() const { return originalInitiator ? spiR : spiI; }
    const PeerConfig& Peer() const { return *m_peer; }
    size_t PeerIndex() const { return m_peerIndex; }
    /// Changes the connection (the responder learns it from IDi in IKE_AUTH).
    void SetPeer(size_t index, const PeerConfig& peer);

    /// Header of an outgoing message on this SA (Length filled in by the encoder).
    IkeHeader MakeHeader(ExchangeType exchange, bool response, uint32_t messageId) const;
    /// Encodes @p payloads: in the clear for IKE_SA_INIT, else sealed in an SK payload.
    Bytes Encode(const IkeHeader& header, const std::vector<Payload>& payloads, Drbg& rng);

    /// Installs the keys (after IKE_SA_INIT or an IKE rekey). False on a cipher error.
    bool SetKeys(const IkeSuite& suite, const IkeKeys& keys);
    bool HasKeys() const { return cipherIn != nullptr; }
    /// The Wireshark ikev2_decryption_table line of this SA.
    std::string KeyLine() const;

    IkeSaInfo Info() const;
    ChildSa* FindChildByIn(uint32_t spiIn);
    ChildSa* FindChildByOut(uint32_t spiOut);
    size_t StateBytes() const;

    // --- identity and addressing
    uint64_t spiI{0};
    uint64_t spiR{0};
    bool originalInitiator{false}; ///< I flag on our messages (RFC 7296 3.1)
    IkeSaState state{IkeSaState::Connecting};
    bool dead{false}; ///< deleted; destroyed at the end of the current engine call
    SocketAddress local;
    SocketAddress remote;
    bool natT{false};          ///< IKE and ESP on UDP 4500 (NAT detected or forced)
    bool natPending{false};    ///< responder: NAT seen in IKE_SA_INIT, move to 4500 on IKE_AUTH
    std::string remoteIdentity; ///< the authenticated peer ID (data of IDi/IDr)

    // --- keys
    IkeSuite suite;
    IkeKeys keys;
    std::unique_ptr<SkCipher> cipherOut;
    std::unique_ptr<SkCipher> cipherIn;
    Bytes nonceI;
    Bytes nonceR;
    Bytes initRequest;  ///< IKE_SA_INIT request as sent (for AUTH), dropped once authenticated
    Bytes initResponse; ///< IKE_SA_INIT response as sent

    // --- exchanges
    TaskManager tasks;

    // --- Child SAs
    std::vector<std::unique_ptr<ChildSa>> children;

    // --- liveness (RFC 7296 2.4)
    Time lastProtectedIn{0};  ///< IKE message or ESP packet that passed its integrity check
    Time lastOutbound{0};     ///< ESP packet sent
    Time livenessDue{kNever}; ///< next time the need for a check is evaluated
    Time lastHintCheck{kNever};

    // --- lifetimes
    Time establishedAt{0};
    Time rekeyAt{kNever};
    Time expireAt{kNever};
    Time halfOpenExpireAt{kNever};
    /// When set, this SA replaces the one with this handle, which is deleted once this
    /// one is established ("re-create, then delete").
    uint64_t replaces{0};
    /// Simultaneous IKE rekey: the SA we created answering the peer's rekey while ours was in
    /// flight, and the lowest nonce of that exchange (RFC 7296 2.8.2).
    uint64_t collisionSa{0};
    Bytes collisionNonce;
    /// Used INITIAL_CONTACT in our first IKE_AUTH (or saw it from the peer).
    bool initialContact{false};

    // --- recovery policy
    std::unique_ptr<PolicySaData> policyData;

  private:
    uint64_t m_handle;
    size_t m_peerIndex;
    const PeerConfig* m_peer;
};

} // namespace ikev2

#endif

// What the endpoint offers to its exchange tasks and recovery policies: time, randomness,
// configuration, the persistent store, output, the SA database and the actions that change
// it. EndpointImpl (endpoint.cc) implements it; tasks and policies never see each other or
// the endpoint's internals.
#ifndef IKEV2_ENGINE_CONTEXT_H
#define IKEV2_ENGINE_CONTEXT_H

#include "child-sa.h"
#include "drbg.h"
#include "endpoint.h"
#include "ike-message.h"

#include <memory>
#include <string>
#include <vector>

namespace ikev2
{

class IkeSa;
class PrivateKey;
class PublicKey;
class RecoveryPolicy;

class EngineContext
{
  public:
    virtual ~EngineContext() = default;

    virtual Time Now() const = 0;
    virtual Drbg& Rng() = 0;
    virtual const EndpointConfig& Config() const = 0;
    virtual PersistentStore& Store() = 0;
    virtual Output& Out() = 0;
    virtual EndpointCounters& Counters() = 0;
    virtual RecoveryPolicy& Policy() = 0;
    /// Signature credentials of the connection with index @p peerIndex (parsed once at
    /// construction; nullptr for PSK connections).
    virtual const PrivateKey* LocalPrivateKey(size_t peerIndex) const = 0;
    virtual const PublicKey* PeerPublicKey(size_t peerIndex) const = 0;
    /// Times since the endpoint (re)started and how often it has booted.
    virtual Time StartedAt() const = 0;
    virtual uint64_t BootCount() const = 0;

    /// An event about @p sa (peer, SPIs, remote filled in) or about nothing (nullptr).
    virtual Event MakeEvent(EventType type, const IkeSa* sa) const = 0;
    virtual void Emit(Event event) = 0;

    // --- SA database
    virtual uint64_t NewIkeSpi() = 0;
    /// A fresh inbound ESP SPI, reserved until installed or released.
    virtual uint32_t NewChildSpi() = 0;
    virtual void ReleaseChildSpi(uint32_t spi) = 0;
    virtual IkeSa* FindIkeSaByHandle(uint64_t handle) = 0;
    virtual IkeSa* FindIkeSaBySpis(uint64_t spiI, uint64_t spiR) = 0;
    /// Live (not deleted) IKE SAs, in creation order.
    virtual std::vector<IkeSa*> IkeSas() = 0;
    /// Live IKE SAs of one connection, in creation order: O(its SAs), not O(all SAs).
    virtual std::vector<IkeSa*> IkeSasOfPeer(size_t peerIndex) = 0;
    /// Binds @p sa to connection @p peerIndex (the responder learns it in IKE_AUTH); keeps the
    /// per-connection index in step, so use this rather than IkeSa::SetPeer.
    virtual void SetIkeSaPeer(IkeSa& sa, size_t peerIndex) = 0;
    /// Live IKE SAs whose peer is at @p ip, in creation order (RFC 7296 1.5 lookups).
    virtual std::vector<IkeSa*> IkeSasTo(Ipv4Address ip) = 0;
    /// Moves @p sa to the peer address @p remote; keeps the by-address index in step, so use
    /// this rather than assigning IkeSa::remote.
    virtual void SetIkeSaRemote(IkeSa& sa, const SocketAddress& remote) = 0;
    /// A new IKE SA object of ours (responder or rekey), registered under its local SPI.
    virtual IkeSa& CreateIkeSa(bool originalInitiator, size_t peerIndex, uint64_t localSpi) = 0;
    /// The connection for an authenticated peer identity arriving on these addresses.
    virtual const PeerConfig* FindPeerByIdentity(const std::string& remoteId,
                                                 const SocketAddress& local,
                                                 const SocketAddress& remote,
                                                 size_t& index) const = 0;

    /// Installs a negotiated Child SA on @p sa: indexes its inbound SPI, sets lifetimes,
    /// writes the esp_sa key lines, emits ChildSaInstalled (or ChildSaRekeyed with
    /// @p replaced) and releases packets queued by an acquire.
    virtual ChildSa* InstallChild(IkeSa& sa,
                                  const ChildSaParams& params,
                                  const ChildSa* replaced = nullptr) = 0;
    /// Removes a Child SA (event ChildSaDeleted with @p reason).
    virtual void RemoveChild(IkeSa& sa, uint32_t spiIn, const std::string& reason) = 0;
    /// Moves every Child SA of @p from to @p to (IKE SA rekey).
    virtual void MoveChildren(IkeSa& from, IkeSa& to) = 0;
    /// The IKE SA is established (IKE_AUTH or rekey): events, lifetimes, liveness, policy.
    virtual void IkeSaEstablished(IkeSa& sa) = 0;
    /// Deletes @p sa and its Child SAs now, without sending anything (events with @p reason);
    /// the object lives until the end of the current engine call.
    virtual void DeleteIkeSa(IkeSa& sa, const std::string& reason) = 0;
    /// The retransmission schedule of @p sa ran out.
    virtual void PeerDead(IkeSa& sa) = 0;

    // --- sending
    /// Sends an IKE message of @p sa (adds the non-ESP marker on port 4500, counts it).
    virtual void SendIke(IkeSa& sa, const Bytes& message) = 0;
    /// Sends an unprotected message outside (or beside) any IKE SA.
    virtual void SendUnprotected(const SocketAddress& local,
                                 const SocketAddress& remote,
                                 const IkeMessage& message) = 0;

    // --- actions (also offered to recovery policies)
    /// Initiates the named connection (a new IKE SA with its first Child SA).
    /// @return the new IKE SA, or nullptr when it has no remote address.
    virtual IkeSa* Initiate(const std::string& peerName) = 0;
    /// Queues an empty INFORMATIONAL on @p sa unless one is already pending.
    virtual void StartLivenessCheck(IkeSa& sa) = 0;
    /// Queues a protected INFORMATIONAL carrying @p notifies.
    virtual void SendInformational(IkeSa& sa, std::vector<Payload> notifies) = 0;
    /// Creates a new IKE SA (and Child SAs) to the same peer; once it is established the old
    /// one is deleted without a Delete exchange ("re-create, then delete").
    virtual void ReplaceIkeSa(IkeSa& sa) = 0;
};

} // namespace ikev2

#endif

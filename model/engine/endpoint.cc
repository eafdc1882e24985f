// EndpointImpl: the dispatcher of one IKEv2/ESP endpoint. It classifies what arrives (IKE on
// 500/4500, ESP in IP or UDP, inner packets from the protected side, timer expiries), finds
// the SA it belongs to and hands it to that SA's task manager, ESP SA or the recovery policy;
// it owns all volatile state in one struct (VolatileState), so Crash() is one reset.
//
// Decisions on what RFC 7296 leaves open (section 1.5):
// - Unprotected INVALID_SPI for ESP with an unknown SPI: header SPIs 0/0 (the explicit
//   exception to the non-zero SPIi rule, and what SIR's HDR(0,0) uses), exchange type
//   INFORMATIONAL, I=1, R=0, message ID 0; sent to the packet's source address (its source port
//   on UDP 4500 with the non-ESP marker, else port 500). A receiver looks the SPI up among the
//   outbound SPIs of its SAs with that peer address, whatever the header SPIs are.
// - Unprotected INVALID_IKE_SPI for a protected request with unknown SPIs: SPIs, message ID
//   and exchange type copied, R=1, I the inverse of the request's.
// - Each is limited per source address, in a bucket of its own (RateLimits::invalidSpiPerSecond,
//   invalidIkeSpiPerSecond): with one shared bucket, a peer sending ESP into the black hole
//   faster than the limit used up the INVALID_IKE_SPI answer to its liveness check (and with it
//   the QCD token). The buckets are bounded LRU tables, so spoofed sources cannot grow them.
// - Unprotected input counted in EndpointCounters::unprotectedIn excludes IKE_SA_INIT.
#include "endpoint.h"

#include "auth.h"
#include "child-create-task.h"
#include "child-negotiation.h"
#include "cookie.h"
#include "crypto-suite.h"
#include "engine-context.h"
#include "esp-packet.h"
#include "ike-auth-task.h"
#include "ike-init-task.h"
#include "ike-rekey-task.h"
#include "ike-sa.h"
#include "informational-task.h"
#include "ipv4-packet.h"
#include "key-export.h"
#include "protected-message.h"
#include "recovery-policy.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#ifdef IKEV2_VERIFY_INDEXES
#include <cstdio>
#include <cstdlib>
#endif

namespace ikev2
{

namespace
{

/// How long a responder keeps a half-open IKE SA (strongSwan's half_open_timeout).
constexpr Time kHalfOpenTimeout = std::chrono::seconds(30);
const char* const kBootCountKey = "engine.boot-count";

Bytes
U64Bytes(uint64_t v)
{
    Bytes b(8);
    for (int i = 7; i >= 0; --i)
    {
        b[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
    return b;
}

uint64_t
U64FromBytes(const Bytes& b)
{
    uint64_t v = 0;
    for (uint8_t c : b)
    {
        v = (v << 8) | c;
    }
    return v;
}

bool
AddressMatches(const SocketAddress& configured, const SocketAddress& actual)
{
    return configured.ip.value == 0 || configured.ip == actual.ip;
}

/// One stored packet per connection while its SA comes up.
struct HeldPacket
{
    Bytes packet;
};

} // namespace

// ---------------------------------------------------------------------------------------------

/// Everything Crash() drops.
struct VolatileState
{
    VolatileState(Drbg generator, const RateLimits& limits)
        : rng(std::move(generator)),
          invalidSpiLimiter(limits.invalidSpiPerSecond, std::max(1.0, limits.invalidSpiPerSecond)),
          invalidIkeSpiLimiter(limits.invalidIkeSpiPerSecond,
                               std::max(1.0, limits.invalidIkeSpiPerSecond))
    {
    }

    Drbg rng;
    uint64_t nextHandle{1};
    /// By handle, which grows with creation: iteration is in creation order.
    std::map<uint64_t, std::unique_ptr<IkeSa>> sas;
    /// Our IKE SPI -> handle.
    std::unordered_map<uint64_t, uint64_t> byLocalSpi;
    /// Responder half-open SAs by (peer address, SPIi), to recognise retransmitted
    /// IKE_SA_INIT requests; and the reverse, to drop the entry.
    std::map<std::pair<SocketAddress, uint64_t>, uint64_t> halfOpen;
    std::unordered_map<uint64_t, std::pair<SocketAddress, uint64_t>> halfOpenKey;
    /// Inbound ESP SPI -> handle of the IKE SA owning the Child SA.
    std::unordered_map<uint32_t, uint64_t> childByIn;
    std::set<uint32_t> reservedSpis;
    /// Outbound lookup cache: inner destination -> (IKE SA handle, inbound SPI of the child).
    std::unordered_map<uint32_t, std::pair<uint64_t, uint32_t>> outboundCache;
    /// SAs deleted during the current call; destroyed at its end.
    std::vector<std::unique_ptr<IkeSa>> graveyard;
    IpRateLimiter invalidSpiLimiter;    ///< INVALID_SPI replies, per source address
    IpRateLimiter invalidIkeSpiLimiter; ///< INVALID_IKE_SPI replies, per source address
    CookieJar cookies;
    std::map<size_t, HeldPacket> acquireQueue;
    Time startedAt{0};
    /// The next deadline without walking every SA (that walk was O(SAs) per engine call):
    /// each live SA's own earliest deadline, the same ordered by time, and the SAs handed out
    /// since the last recompute. Every path that can give code an IkeSa* or IkeSa& marks it
    /// (FindIkeSaByHandle, CreateIkeSa, the EngineContext calls); IkeSas() hands out all of
    /// them, so it marks all. saDeadline is indexed by handle (dense from 1, and a timer call
    /// re-reads them all in order); kNever there means "not in the set".
    std::vector<Time> saDeadline;
    std::set<std::pair<Time, uint64_t>> deadlines;
    std::unordered_set<uint64_t> touched;
    bool allTouched{false};
    /// The live IKE SAs of each connection (peer index), in creation order, for the lookups
    /// that want one connection's SAs: a gateway with tens of thousands of connections must
    /// not walk every SA per packet or per exchange. Kept in step with sas by CreateIkeSa,
    /// SetIkeSaPeer and DeleteIkeSa.
    std::vector<std::set<uint64_t>> sasByPeer;
    /// The same by the peer's current IP address (RFC 7296 1.5 lookups "to the IP address from
    /// whence the packet came"); kept in step by CreateIkeSa, SetIkeSaRemote and DeleteIkeSa.
    std::unordered_map<uint32_t, std::set<uint64_t>> sasByRemoteIp;
    /// Child SAs by their remote selectors' address ranges: (start, end, inbound SPI), and the
    /// widths (end - start) present, so that the outbound lookup on a cache miss scans only
    /// ranges starting within the widest width below the destination: O(log N + matches) when
    /// Child SAs cover hosts or small subnets (one connection serving N peers included).
    std::set<std::tuple<uint32_t, uint32_t, uint32_t>> childRemoteRanges;
    std::multiset<uint32_t> childRemoteWidths;
    /// Outbound policy lookup: inner destination -> the connections whose remote selectors
    /// contain that address, ascending. Connections do not change while running, so entries
    /// stay valid; cleared when it reaches kMaxDestinations.
    std::unordered_map<uint32_t, std::vector<size_t>> peersByDestination;
    static constexpr size_t kMaxDestinations = 1 << 16;
};

class EndpointImpl : public EngineContext
{
  public:
    EndpointImpl(EndpointConfig config, PersistentStore& store);

    // Public API (Endpoint forwards here).
    void Start(Time now, Output& out);
    void HandleDatagram(Time now, const Datagram& in, Output& out);
    void SendInner(Time now, const Bytes& packet, Output& out);
    void InitiateApi(Time now, const std::string& peer, Output& out);
    void RekeyChildApi(Time now, const std::string& peer, Output& out);
    void RekeyIkeApi(Time now, const std::string& peer, Output& out);
    void TerminateApi(Time now, const std::string& peer, Output& out);
    void HandleTimer(Time now, Output& out);
    bool ForgetIkeSa(Time now, uint64_t spiI, uint64_t spiR, Output& out);
    bool ForgetChildSa(Time now, uint32_t spiIn, Output& out);
    Time NextDeadline() const { return m_deadline; }
    void Crash();
    const EndpointCounters& GetCounters() const { return m_counters; }
    std::vector<IkeSaInfo> Snapshot() const;
    size_t StateBytesPerIkeSa() const;
    size_t VolatileStateBytes() const;
    const EndpointConfig& GetConfig() const { return m_config; }

    // EngineContext
    Time Now() const override { return m_now; }
    Drbg& Rng() override { return m_v->rng; }
    const EndpointConfig& Config() const override { return m_config; }
    PersistentStore& Store() override { return m_store; }
    Output& Out() override { return *m_out; }
    EndpointCounters& Counters() override { return m_counters; }
    RecoveryPolicy& Policy() override { return *m_policy; }
    const PrivateKey* LocalPrivateKey(size_t peerIndex) const override
    {
        return peerIndex < m_privateKeys.size() ? m_privateKeys[peerIndex].get() : nullptr;
    }
    const PublicKey* PeerPublicKey(size_t peerIndex) const override
    {
        return peerIndex < m_publicKeys.size() ? m_publicKeys[peerIndex].get() : nullptr;
    }
    Time StartedAt() const override { return m_v ? m_v->startedAt : Time(0); }
    uint64_t BootCount() const override { return m_bootCount; }
    Event MakeEvent(EventType type, const IkeSa* sa) const override;
    void Emit(Event event) override;

    uint64_t NewIkeSpi() override;
    uint32_t NewChildSpi() override;
    void ReleaseChildSpi(uint32_t spi) override;
    IkeSa* FindIkeSaByHandle(uint64_t handle) override;
    IkeSa* FindIkeSaBySpis(uint64_t spiI, uint64_t spiR) override;
    std::vector<IkeSa*> IkeSas() override;
    std::vector<IkeSa*> IkeSasOfPeer(size_t peerIndex) override;
    /// The SAs of @p handles that are not dead, each marked as touched.
    std::vector<IkeSa*> LiveAndTouched(const std::set<uint64_t>& handles);
    void SetIkeSaPeer(IkeSa& sa, size_t peerIndex) override;
    std::vector<IkeSa*> IkeSasTo(Ipv4Address ip) override;
    void SetIkeSaRemote(IkeSa& sa, const SocketAddress& remote) override;
    IkeSa& CreateIkeSa(bool originalInitiator, size_t peerIndex, uint64_t localSpi) override;
    const PeerConfig* FindPeerByIdentity(const std::string& remoteId,
                                         const SocketAddress& local,
                                         const SocketAddress& remote,
                                         size_t& index) const override;
    ChildSa* InstallChild(IkeSa& sa,
                          const ChildSaParams& params,
                          const ChildSa* replaced) override;
    void RemoveChild(IkeSa& sa, uint32_t spiIn, const std::string& reason) override;
    void MoveChildren(IkeSa& from, IkeSa& to) override;
    void IkeSaEstablished(IkeSa& sa) override;
    void DeleteIkeSa(IkeSa& sa, const std::string& reason) override;
    void PeerDead(IkeSa& sa) override;
    void SendIke(IkeSa& sa, const Bytes& message) override;
    void SendUnprotected(const SocketAddress& local,
                         const SocketAddress& remote,
                         const IkeMessage& message) override;
    IkeSa* Initiate(const std::string& peerName) override;
    void StartLivenessCheck(IkeSa& sa) override;
    void SendInformational(IkeSa& sa, std::vector<Payload> notifies) override;
    void ReplaceIkeSa(IkeSa& sa) override;

  private:
    /// Runs @p body as one engine call: time, output, crypto meter, then the sweep.
    /// @p dataPath: ESP traffic, after which the SA deadlines are recomputed only if
    /// something else happened (an event, an IKE message, an SA created or deleted).
    template <typename F>
    void Enter(Time now, Output& out, F body, bool dataPath = false);
    void Sweep();
    /// Earliest deadline of one SA (its exchange, half-open, liveness, lifetimes, children).
    static Time SaDeadline(const IkeSa& sa);
    /// Brings the per-SA deadlines of the touched SAs up to date; returns the earliest.
    Time UpdateDeadlines();
    void Touch(const IkeSa& sa);
    void TouchAll();
#ifdef IKEV2_VERIFY_INDEXES
    /// The full walk; checked against the incremental result in verification builds.
    Time ComputeDeadline() const;
    /// Aborts if an SA left out of a timer call had something due.
    void VerifyNothingDueOutside(const std::vector<uint64_t>& due) const;
    /// Aborts if the indexed outbound lookup disagrees with a walk over every SA.
    void VerifyOutboundLookup(const Ipv4Info& info, const ChildSa* found) const;
    /// Aborts if the by-connection or by-address index disagrees with the SAs.
    void VerifyIndexes() const;
#endif
    void Validate();

    // Receive paths.
    void HandleIke(const Datagram& in, const uint8_t* data, size_t size);
    void HandleIkeSaInit(const Datagram& in, const IkeMessage& msg, const Bytes& raw);
    void HandleUnprotectedInvalidSpi(const Datagram& in,
                                     const IkeMessage& msg,
                                     const NotifyPayload& n);
    void ReplyUnknownIkeSpi(const Datagram& in, const IkeMessage& msg);
    void HandleEsp(const Datagram& in, const uint8_t* data, size_t size, bool udpEncap);
    void ReplyUnknownEsp(const Datagram& in, uint32_t spi, bool udpEncap);
    IkeSa* FindForHeader(const IkeHeader& h);
    IkeSa* ByLocalSpi(uint64_t spi);

    // Send paths.
    void SendInnerPacket(const Bytes& packet, bool allowAcquire);
    bool FindOutboundChild(const Ipv4Info& info, IkeSa*& sa, ChildSa*& child);
    void SendEsp(IkeSa& sa, ChildSa& child, const Bytes& packet);
    void FlushAcquire(size_t peerIndex);
    void Acquire(size_t peerIndex, const Bytes& packet);

    // Timers.
    void EvaluateLiveness(IkeSa& sa);
    void CheckLifetimes(IkeSa& sa);

    // Connections.
    bool FindPeerIndex(const std::string& name, size_t& index) const;
    const PeerConfig* FindPeerByAddress(const SocketAddress& local,
                                        const SocketAddress& remote,
                                        size_t& index) const;
    IkeSa* NewestEstablished(size_t peerIndex);
    /// The connections whose remote selectors contain @p destination (cached).
    const std::vector<size_t>& PeersForDestination(uint32_t destination);
    /// Adds (or removes) @p child's remote selectors to (from) childRemoteRanges.
    void IndexChildRanges(const ChildSa& child, bool add);
    bool ConnectionPending(size_t peerIndex);
    Time Jitter(Time max);

    EndpointConfig m_config;
    PersistentStore& m_store;
    std::unique_ptr<RecoveryPolicy> m_policy;
    std::vector<std::unique_ptr<PrivateKey>> m_privateKeys;
    std::vector<std::unique_ptr<PublicKey>> m_publicKeys;
    /// Each connection's configured selectors, parsed once: (local, remote).
    std::vector<std::pair<SelectorList, SelectorList>> m_peerSelectors;
    EndpointCounters m_counters;
    std::unique_ptr<VolatileState> m_v;
    uint64_t m_bootCount{0};
    Time m_now{0};
    Output* m_out{nullptr};
    Time m_deadline{kNever};
    Time m_saDeadline{kNever}; ///< earliest deadline of the SAs (as of the last dirty call)
    bool m_dirty{true};
};

// ---------------------------------------------------------------------------------------------
// Construction and configuration

EndpointImpl::EndpointImpl(EndpointConfig config, PersistentStore& store)
    : m_config(std::move(config)),
      m_store(store)
{
    Validate();
    m_policy = CreateRecoveryPolicy(m_config);
    for (const PeerConfig& peer : m_config.peers)
    {
        m_peerSelectors.emplace_back(FromConfig(peer.localTs), FromConfig(peer.remoteTs));
    }
    if (const Bytes* b = m_store.Get(kBootCountKey))
    {
        m_bootCount = U64FromBytes(*b);
    }
}

void
EndpointImpl::Validate()
{
    const auto& rt = m_config.retransmit;
    if (rt.timeout <= Time(0) || rt.base < 1.0 || rt.limit < Time(0))
    {
        throw ConfigError("retransmit: timeout must be > 0, base >= 1, limit >= 0");
    }
    if (m_config.livenessInterval < Time(0))
    {
        throw ConfigError("livenessInterval must be >= 0");
    }
    if (m_config.replayWindow < 32 || m_config.replayWindow > 4096)
    {
        throw ConfigError("replayWindow must be within 32..4096 (RFC 4303 3.4.3)");
    }
    if (m_config.limits.invalidSpiPerSecond < 0 || m_config.limits.invalidIkeSpiPerSecond < 0 ||
        m_config.limits.hintChecksPerSecond < 0)
    {
        throw ConfigError("rate limits must be >= 0");
    }
    std::set<std::string> names;
    for (const auto& peer : m_config.peers)
    {
        const std::string where = "peer '" + peer.name + "': ";
        if (peer.name.empty() || !names.insert(peer.name).second)
        {
            throw ConfigError("peer names must be unique and not empty ('" + peer.name + "')");
        }
        if (peer.ikeProposals.empty() || peer.espProposals.empty())
        {
            throw ConfigError(where + "needs IKE and ESP proposals");
        }
        for (const auto& text : peer.ikeProposals)
        {
            Proposal p;
            std::string error;
            if (!ParseIkeProposal(text, p, error))
            {
                throw ConfigError(where + "IKE proposal '" + text + "': " + error);
            }
        }
        for (const auto& text : peer.espProposals)
        {
            Proposal p;
            std::string error;
            if (!ParseEspProposal(text, p, error))
            {
                throw ConfigError(where + "ESP proposal '" + text + "': " + error);
            }
        }
        if (peer.localTs.empty() || peer.remoteTs.empty())
        {
            throw ConfigError(where + "needs local and remote traffic selectors");
        }
        if (peer.ikeLifetime <= Time(0) || peer.childLifetime <= Time(0) ||
            peer.rekeyJitter < Time(0) || peer.rekeyJitter >= peer.childLifetime ||
            peer.rekeyJitter >= peer.ikeLifetime || peer.hardLifetimeMargin < Time(0))
        {
            throw ConfigError(where + "lifetimes must be > 0 and larger than the jitter");
        }
        std::unique_ptr<PrivateKey> priv;
        std::unique_ptr<PublicKey> pub;
        if (peer.auth == AuthKind::Psk)
        {
            if (peer.psk.empty())
            {
                throw ConfigError(where + "PSK authentication needs a psk");
            }
        }
        else
        {
            priv = PrivateKey::FromPem(peer.privateKeyPem);
            pub = PublicKey::FromPem(peer.peerPublicKeyPem);
            if (!priv || !pub)
            {
                throw ConfigError(where + "signature authentication needs privateKeyPem and "
                                          "peerPublicKeyPem (RSA or P-256)");
            }
            const bool wantRsa = peer.auth == AuthKind::Rsa;
            if ((priv->Method() == AuthMethod::DigitalSignature) != wantRsa)
            {
                throw ConfigError(where + "privateKeyPem does not match the auth kind");
            }
        }
        m_privateKeys.push_back(std::move(priv));
        m_publicKeys.push_back(std::move(pub));
    }
}

bool
EndpointImpl::FindPeerIndex(const std::string& name, size_t& index) const
{
    for (size_t i = 0; i < m_config.peers.size(); ++i)
    {
        if (m_config.peers[i].name == name)
        {
            index = i;
            return true;
        }
    }
    return false;
}

const PeerConfig*
EndpointImpl::FindPeerByAddress(const SocketAddress& local,
                                const SocketAddress& remote,
                                size_t& index) const
{
    for (size_t i = 0; i < m_config.peers.size(); ++i)
    {
        const PeerConfig& p = m_config.peers[i];
        if (AddressMatches(p.local, local) && AddressMatches(p.remote, remote))
        {
            index = i;
            return &p;
        }
    }
    return nullptr;
}

const PeerConfig*
EndpointImpl::FindPeerByIdentity(const std::string& remoteId,
                                 const SocketAddress& local,
                                 const SocketAddress& remote,
                                 size_t& index) const
{
    for (size_t i = 0; i < m_config.peers.size(); ++i)
    {
        const PeerConfig& p = m_config.peers[i];
        if (AddressMatches(p.local, local) && AddressMatches(p.remote, remote) &&
            (p.remoteId.empty() || p.remoteId == remoteId))
        {
            index = i;
            return &p;
        }
    }
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Entry points

template <typename F>
void
EndpointImpl::Enter(Time now, Output& out, F body, bool dataPath)
{
    m_now = std::max(m_now, now);
    m_out = &out;
    m_dirty = !dataPath;
    {
        ScopedMeter meter(&out.crypto);
        if (m_v)
        {
            body();
        }
    }
    Sweep();
    m_out = nullptr;
}

void
EndpointImpl::Sweep()
{
    if (m_v)
    {
        m_v->graveyard.clear();
    }
    if (m_dirty)
    {
        m_saDeadline = UpdateDeadlines();
    }
    m_deadline = m_v ? std::min(m_saDeadline, m_policy->NextDeadline()) : kNever;
}

void
EndpointImpl::Start(Time now, Output& out)
{
    if (m_v)
    {
        return; // already running
    }
    m_bootCount++;
    m_store.Put(kBootCountKey, U64Bytes(m_bootCount));
    // A rebooted node must not repeat SPIs, nonces or keys: the boot count is in the label.
    m_v = std::make_unique<VolatileState>(
        Drbg(m_config.seed, m_config.name + "/boot-" + std::to_string(m_bootCount)),
        m_config.limits);
    m_now = std::max(m_now, now);
    m_v->startedAt = now;
    m_v->sasByPeer.resize(m_config.peers.size());
    Enter(now, out, [&] {
        m_policy->OnStart(*this);
        const bool all = m_policy->InitiateAtStart(*this);
        for (const auto& peer : m_config.peers)
        {
            if ((peer.startAction == StartAction::Start || all) && peer.remote.ip.value != 0)
            {
                Initiate(peer.name);
            }
        }
    });
}

void
EndpointImpl::Crash()
{
    m_policy->OnCrash();
    m_v.reset();
    m_deadline = kNever;
    m_saDeadline = kNever;
}

void
EndpointImpl::HandleDatagram(Time now, const Datagram& in, Output& out)
{
    Enter(now, out, [&] {
        const uint8_t* data = in.data.data();
        size_t size = in.data.size();
        if (in.transport == Transport::EspIp)
        {
            HandleEsp(in, data, size, false);
            return;
        }
        if (in.local.port == kNatTPort)
        {
            switch (ClassifyUdp4500(data, size))
            {
            case Udp4500Kind::Ike:
                HandleIke(in, data + kNonEspMarkerSize, size - kNonEspMarkerSize);
                return;
            case Udp4500Kind::Esp:
                HandleEsp(in, data, size, true);
                return;
            case Udp4500Kind::Keepalive:
                return;
            case Udp4500Kind::Invalid:
                m_counters.malformedDropped++;
                return;
            }
            return;
        }
        HandleIke(in, data, size);
    },
          true);
}

void
EndpointImpl::SendInner(Time now, const Bytes& packet, Output& out)
{
    Enter(now, out, [&] { SendInnerPacket(packet, true); }, true);
}

void
EndpointImpl::InitiateApi(Time now, const std::string& peer, Output& out)
{
    Enter(now, out, [&] {
        size_t index = 0;
        if (!FindPeerIndex(peer, index))
        {
            throw ConfigError("no connection named '" + peer + "'");
        }
        if (!ConnectionPending(index))
        {
            Initiate(peer);
        }
    });
}

void
EndpointImpl::RekeyChildApi(Time now, const std::string& peer, Output& out)
{
    Enter(now, out, [&] {
        size_t index = 0;
        if (!FindPeerIndex(peer, index))
        {
            throw ConfigError("no connection named '" + peer + "'");
        }
        if (IkeSa* sa = NewestEstablished(index))
        {
            for (auto& c : sa->children)
            {
                if (c->state == ChildSaState::Installed)
                {
                    sa->tasks.Queue(ChildCreateTask::Rekey(c->SpiIn()));
                    sa->tasks.Initiate(*this, *sa);
                    return;
                }
            }
        }
    });
}

void
EndpointImpl::RekeyIkeApi(Time now, const std::string& peer, Output& out)
{
    Enter(now, out, [&] {
        size_t index = 0;
        if (!FindPeerIndex(peer, index))
        {
            throw ConfigError("no connection named '" + peer + "'");
        }
        if (IkeSa* sa = NewestEstablished(index))
        {
            sa->tasks.Queue(std::make_unique<IkeRekeyTask>(true));
            sa->tasks.Initiate(*this, *sa);
        }
    });
}

void
EndpointImpl::TerminateApi(Time now, const std::string& peer, Output& out)
{
    Enter(now, out, [&] {
        size_t index = 0;
        if (!FindPeerIndex(peer, index))
        {
            throw ConfigError("no connection named '" + peer + "'");
        }
        for (IkeSa* sa : IkeSasOfPeer(index))
        {
            if (sa->state == IkeSaState::Connecting)
            {
                DeleteIkeSa(*sa, "terminated");
                continue;
            }
            sa->tasks.QueueFirst(InformationalTask::DeleteIke());
            sa->tasks.Initiate(*this, *sa);
        }
        m_v->acquireQueue.erase(index);
    });
}

void
EndpointImpl::HandleTimer(Time now, Output& out)
{
    Enter(now, out, [&] {
        // Only the SAs whose deadline has come: the cached deadlines are exact between calls
        // (UpdateDeadlines), so every other SA has nothing due, and a timer call costs
        // O(due log N) instead of a walk over tens of thousands of SAs. Handle order keeps the
        // order of the full walk this replaces, so outputs are unchanged.
        std::vector<uint64_t> handles;
        for (auto it = m_v->deadlines.begin();
             it != m_v->deadlines.end() && it->first <= m_now;
             ++it)
        {
            handles.push_back(it->second);
        }
        std::sort(handles.begin(), handles.end());
#ifdef IKEV2_VERIFY_INDEXES
        VerifyNothingDueOutside(handles);
#endif
        for (uint64_t h : handles)
        {
            IkeSa* sa = FindIkeSaByHandle(h);
            if (!sa)
            {
                continue;
            }
            sa->tasks.OnTimer(*this, *sa);
            if (sa->dead)
            {
                continue;
            }
            if (sa->state == IkeSaState::Connecting && m_now >= sa->halfOpenExpireAt)
            {
                DeleteIkeSa(*sa, "half-open-timeout");
                continue;
            }
            if (sa->state != IkeSaState::Connecting && m_now >= sa->livenessDue)
            {
                EvaluateLiveness(*sa);
            }
            CheckLifetimes(*sa);
        }
        if (m_now >= m_policy->NextDeadline())
        {
            m_policy->OnTimer(*this);
        }
    });
}

bool
EndpointImpl::ForgetIkeSa(Time now, uint64_t spiI, uint64_t spiR, Output& out)
{
    bool found = false;
    Enter(now, out, [&] {
        if (IkeSa* sa = FindIkeSaBySpis(spiI, spiR))
        {
            found = true;
            DeleteIkeSa(*sa, "forgotten");
        }
    });
    return found;
}

bool
EndpointImpl::ForgetChildSa(Time now, uint32_t spiIn, Output& out)
{
    bool found = false;
    Enter(now, out, [&] {
        auto it = m_v->childByIn.find(spiIn);
        if (it == m_v->childByIn.end())
        {
            return;
        }
        if (IkeSa* sa = FindIkeSaByHandle(it->second))
        {
            found = true;
            RemoveChild(*sa, spiIn, "forgotten");
        }
    });
    return found;
}

Time
EndpointImpl::SaDeadline(const IkeSa& sa)
{
    if (sa.dead)
    {
        return kNever;
    }
    Time d = sa.tasks.NextDeadline();
    if (sa.state == IkeSaState::Connecting)
    {
        return std::min(d, sa.halfOpenExpireAt);
    }
    d = std::min({d, sa.livenessDue, sa.rekeyAt, sa.expireAt});
    for (const auto& c : sa.children)
    {
        d = std::min({d, c->rekeyAt, c->expireAt});
    }
    return d;
}

void
EndpointImpl::Touch(const IkeSa& sa)
{
    if (m_v && !m_v->allTouched)
    {
        m_v->touched.insert(sa.Handle());
    }
}

void
EndpointImpl::TouchAll()
{
    if (m_v)
    {
        m_v->allTouched = true;
        m_v->touched.clear();
    }
}

Time
EndpointImpl::UpdateDeadlines()
{
    if (!m_v)
    {
        return kNever;
    }
    VolatileState& v = *m_v;
    auto update = [&](uint64_t handle, const IkeSa* sa) {
        const Time d = sa ? SaDeadline(*sa) : kNever;
        if (handle >= v.saDeadline.size())
        {
            v.saDeadline.resize(handle + 1, kNever);
        }
        Time& cached = v.saDeadline[handle];
        if (cached == d)
        {
            return;
        }
        if (cached != kNever)
        {
            v.deadlines.erase({cached, handle});
        }
        if (d != kNever)
        {
            v.deadlines.insert({d, handle});
        }
        cached = d;
    };
    if (v.allTouched)
    {
        // Deleted SAs left the set in DeleteIkeSa: only the live ones are left to re-read.
        for (const auto& [h, sa] : v.sas)
        {
            update(h, sa.get());
        }
    }
    else
    {
        for (uint64_t h : v.touched)
        {
            auto it = v.sas.find(h);
            update(h, it == v.sas.end() ? nullptr : it->second.get());
        }
    }
    v.touched.clear();
    v.allTouched = false;
    const Time d = v.deadlines.empty() ? kNever : v.deadlines.begin()->first;
#ifdef IKEV2_VERIFY_INDEXES
    VerifyIndexes();
    for (const auto& [h, sa] : v.sas)
    {
        const Time own = SaDeadline(*sa);
        const Time have = h < v.saDeadline.size() ? v.saDeadline[h] : kNever;
        if (own != have)
        {
            fprintf(stderr, "IKEV2_VERIFY_INDEXES: SA %llu deadline %lld, cached %lld\n",
                    (unsigned long long)h, (long long)own.count(), (long long)have.count());
            abort();
        }
    }
    if (d != ComputeDeadline() ||
        v.deadlines.size() != size_t(v.saDeadline.size() - std::count(v.saDeadline.begin(),
                                                                       v.saDeadline.end(),
                                                                       kNever)))
    {
        fprintf(stderr, "IKEV2_VERIFY_INDEXES: earliest deadline mismatch\n");
        abort();
    }
#endif
    return d;
}

#ifdef IKEV2_VERIFY_INDEXES
void
EndpointImpl::VerifyOutboundLookup(const Ipv4Info& info, const ChildSa* found) const
{
    // The walk over every SA that the per-connection lookup replaced.
    const ChildSa* expected = nullptr;
    for (auto it = m_v->sas.rbegin(); it != m_v->sas.rend() && !expected; ++it)
    {
        const IkeSa* s = it->second.get();
        for (auto c = s->children.rbegin(); c != s->children.rend(); ++c)
        {
            if (!s->dead && s->state != IkeSaState::Connecting &&
                ((*c)->state == ChildSaState::Installed ||
                 (*c)->state == ChildSaState::Rekeying) &&
                MatchesOutbound((*c)->LocalTs(), (*c)->RemoteTs(), info))
            {
                expected = c->get();
                break;
            }
        }
    }
    VerifyIndexes();
    if (expected != found)
    {
        fprintf(stderr, "IKEV2_VERIFY_INDEXES: outbound lookup differs from the full walk\n");
        abort();
    }
}

void
EndpointImpl::VerifyIndexes() const
{
    size_t byIp = 0;
    for (const auto& [ip, handles] : m_v->sasByRemoteIp)
    {
        for (uint64_t h : handles)
        {
            byIp++;
            if (m_v->sas.at(h)->remote.ip.value != ip)
            {
                fprintf(stderr, "IKEV2_VERIFY_INDEXES: SA %llu indexed under the wrong IP\n",
                        (unsigned long long)h);
                abort();
            }
        }
    }
    if (byIp != m_v->sas.size())
    {
        fprintf(stderr, "IKEV2_VERIFY_INDEXES: IP index has %zu SAs, not %zu\n", byIp,
                m_v->sas.size());
        abort();
    }
    size_t byPeer = 0;
    for (size_t i = 0; i < m_v->sasByPeer.size(); ++i)
    {
        byPeer += m_v->sasByPeer[i].size();
        for (uint64_t h : m_v->sasByPeer[i])
        {
            if (m_v->sas.at(h)->PeerIndex() != i)
            {
                fprintf(stderr, "IKEV2_VERIFY_INDEXES: SA %llu indexed under the wrong peer\n",
                        (unsigned long long)h);
                abort();
            }
        }
    }
    std::set<std::tuple<uint32_t, uint32_t, uint32_t>> ranges;
    for (const auto& [h, sa] : m_v->sas)
    {
        for (const auto& c : sa->children)
        {
            for (const Selector& r : c->RemoteTs())
            {
                ranges.insert({r.startAddress, r.endAddress, c->SpiIn()});
            }
        }
    }
    if (ranges != m_v->childRemoteRanges || ranges.size() != m_v->childRemoteWidths.size())
    {
        fprintf(stderr, "IKEV2_VERIFY_INDEXES: Child SA range index out of step\n");
        abort();
    }
    if (byPeer != m_v->sas.size())
    {
        fprintf(stderr, "IKEV2_VERIFY_INDEXES: peer index has %zu SAs, not %zu\n", byPeer,
                m_v->sas.size());
        abort();
    }
}

void
EndpointImpl::VerifyNothingDueOutside(const std::vector<uint64_t>& due) const
{
    // The full walk also ran CheckLifetimes' Initiate on every SA; skipping an SA is only
    // safe if that would have done nothing there.
    for (const auto& [h, sa] : m_v->sas)
    {
        if (std::binary_search(due.begin(), due.end(), h) || sa->dead)
        {
            continue;
        }
        if (SaDeadline(*sa) <= m_now || (!sa->tasks.Busy() && !sa->tasks.Queued().empty() &&
                                         sa->state != IkeSaState::Connecting))
        {
            fprintf(stderr, "IKEV2_VERIFY_INDEXES: SA %llu has work but is not due\n",
                    (unsigned long long)h);
            abort();
        }
    }
}

Time
EndpointImpl::ComputeDeadline() const
{
    if (!m_v)
    {
        return kNever;
    }
    Time d = kNever;
    for (const auto& [h, sa] : m_v->sas)
    {
        if (sa->dead)
        {
            continue;
        }
        d = std::min(d, sa->tasks.NextDeadline());
        if (sa->state == IkeSaState::Connecting)
        {
            d = std::min(d, sa->halfOpenExpireAt);
            continue;
        }
        d = std::min({d, sa->livenessDue, sa->rekeyAt, sa->expireAt});
        for (const auto& c : sa->children)
        {
            d = std::min({d, c->rekeyAt, c->expireAt});
        }
    }
    return d;
}
#endif

// ---------------------------------------------------------------------------------------------
// Events and output

Event
EndpointImpl::MakeEvent(EventType type, const IkeSa* sa) const
{
    Event e;
    e.time = m_now;
    e.type = type;
    if (sa)
    {
        e.peer = sa->Peer().name;
        e.spiI = sa->spiI;
        e.spiR = sa->spiR;
        e.remote = sa->remote;
    }
    return e;
}

void
EndpointImpl::Emit(Event event)
{
    m_dirty = true;
    if (m_out)
    {
        event.time = m_now;
        m_out->events.push_back(std::move(event));
    }
}

void
EndpointImpl::SendIke(IkeSa& sa, const Bytes& message)
{
    Touch(sa);
    m_dirty = true;
    Datagram d;
    d.transport = Transport::Udp;
    d.local = sa.local;
    d.remote = sa.remote;
    if (sa.natT)
    {
        d.data.assign(kNonEspMarkerSize, 0);
    }
    d.data.insert(d.data.end(), message.begin(), message.end());
    m_counters.ikeMessagesOut++;
    m_counters.ikeBytesOut += d.data.size();
    m_out->datagrams.push_back(std::move(d));
}

void
EndpointImpl::SendUnprotected(const SocketAddress& local,
                              const SocketAddress& remote,
                              const IkeMessage& message)
{
    Datagram d;
    d.transport = Transport::Udp;
    d.local = local;
    d.remote = remote;
    if (local.port == kNatTPort)
    {
        d.data.assign(kNonEspMarkerSize, 0);
    }
    Bytes encoded = EncodeMessage(message);
    d.data.insert(d.data.end(), encoded.begin(), encoded.end());
    m_counters.ikeMessagesOut++;
    m_counters.ikeBytesOut += d.data.size();
    m_counters.unprotectedOut++;
    m_out->datagrams.push_back(std::move(d));
    for (const auto& p : message.payloads)
    {
        if (const auto* n = std::get_if<NotifyPayload>(&p.body))
        {
            Event e = MakeEvent(EventType::NotifySent, nullptr);
            e.notifyType = n->type;
            e.protectedMsg = false;
            e.remote = remote;
            e.spiI = message.header.spiI;
            e.spiR = message.header.spiR;
            e.detail = NotifyTypeName(n->type);
            Emit(std::move(e));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SA database

uint64_t
EndpointImpl::NewIkeSpi()
{
    for (;;)
    {
        uint64_t spi = m_v->rng.NextU64();
        if (spi != 0 && m_v->byLocalSpi.count(spi) == 0)
        {
            return spi;
        }
    }
}

uint32_t
EndpointImpl::NewChildSpi()
{
    for (;;)
    {
        uint32_t spi = m_v->rng.NextU32();
        // RFC 4303 2.1: 0 is never sent and 1..255 are reserved.
        if (spi >= 256 && m_v->childByIn.count(spi) == 0 && m_v->reservedSpis.count(spi) == 0)
        {
            m_v->reservedSpis.insert(spi);
            return spi;
        }
    }
}

void
EndpointImpl::ReleaseChildSpi(uint32_t spi)
{
    if (m_v)
    {
        m_v->reservedSpis.erase(spi);
    }
}

IkeSa*
EndpointImpl::FindIkeSaByHandle(uint64_t handle)
{
    auto it = m_v->sas.find(handle);
    if (it == m_v->sas.end() || it->second->dead)
    {
        return nullptr;
    }
    Touch(*it->second); // the caller may change its timers
    return it->second.get();
}

IkeSa*
EndpointImpl::ByLocalSpi(uint64_t spi)
{
    auto it = m_v->byLocalSpi.find(spi);
    return it == m_v->byLocalSpi.end() ? nullptr : FindIkeSaByHandle(it->second);
}

IkeSa*
EndpointImpl::FindIkeSaBySpis(uint64_t spiI, uint64_t spiR)
{
    for (uint64_t local : {spiI, spiR})
    {
        IkeSa* sa = ByLocalSpi(local);
        if (sa && sa->spiI == spiI && sa->spiR == spiR)
        {
            return sa;
        }
    }
    return nullptr;
}

IkeSa*
EndpointImpl::FindForHeader(const IkeHeader& h)
{
    return FindIkeSaBySpis(h.spiI, h.spiR);
}

std::vector<IkeSa*>
EndpointImpl::IkeSas()
{
    TouchAll(); // any of them may be changed by the caller
    std::vector<IkeSa*> out;
    if (!m_v)
    {
        return out;
    }
    for (auto& [h, sa] : m_v->sas)
    {
        if (!sa->dead)
        {
            out.push_back(sa.get());
        }
    }
    return out;
}

std::vector<IkeSa*>
EndpointImpl::IkeSasOfPeer(size_t peerIndex)
{
    std::vector<IkeSa*> out;
    if (!m_v || peerIndex >= m_v->sasByPeer.size())
    {
        return out;
    }
    return LiveAndTouched(m_v->sasByPeer[peerIndex]);
}

std::vector<IkeSa*>
EndpointImpl::LiveAndTouched(const std::set<uint64_t>& handles)
{
    std::vector<IkeSa*> out;
    for (uint64_t h : handles)
    {
        IkeSa* sa = m_v->sas.at(h).get();
        if (!sa->dead)
        {
            Touch(*sa); // the caller may change it
            out.push_back(sa);
        }
    }
    return out;
}

void
EndpointImpl::SetIkeSaPeer(IkeSa& sa, size_t peerIndex)
{
    Touch(sa);
    m_v->sasByPeer[sa.PeerIndex()].erase(sa.Handle());
    sa.SetPeer(peerIndex, m_config.peers.at(peerIndex));
    m_v->sasByPeer[peerIndex].insert(sa.Handle());
}

std::vector<IkeSa*>
EndpointImpl::IkeSasTo(Ipv4Address ip)
{
    std::vector<IkeSa*> out;
    if (!m_v)
    {
        return out;
    }
    auto it = m_v->sasByRemoteIp.find(ip.value);
    return it == m_v->sasByRemoteIp.end() ? out : LiveAndTouched(it->second);
}

void
EndpointImpl::SetIkeSaRemote(IkeSa& sa, const SocketAddress& remote)
{
    Touch(sa);
    if (sa.remote.ip != remote.ip)
    {
        auto it = m_v->sasByRemoteIp.find(sa.remote.ip.value);
        if (it != m_v->sasByRemoteIp.end() && it->second.erase(sa.Handle()) && it->second.empty())
        {
            m_v->sasByRemoteIp.erase(it);
        }
        m_v->sasByRemoteIp[remote.ip.value].insert(sa.Handle());
    }
    sa.remote = remote;
}

IkeSa&
EndpointImpl::CreateIkeSa(bool originalInitiator, size_t peerIndex, uint64_t localSpi)
{
    m_dirty = true;
    const uint64_t handle = m_v->nextHandle++;
    auto sa = std::make_unique<IkeSa>(handle, originalInitiator, peerIndex,
                                      m_config.peers[peerIndex]);
    if (originalInitiator)
    {
        sa->spiI = localSpi;
    }
    else
    {
        sa->spiR = localSpi;
    }
    IkeSa& ref = *sa;
    Touch(ref);
    m_v->byLocalSpi[localSpi] = handle;
    m_v->sas[handle] = std::move(sa);
    m_v->sasByPeer[peerIndex].insert(handle);
    m_v->sasByRemoteIp[ref.remote.ip.value].insert(handle);
    return ref;
}

Time
EndpointImpl::Jitter(Time max)
{
    if (max <= Time(0))
    {
        return Time(0);
    }
    return FromSeconds(m_v->rng.NextUniform() * ToSeconds(max));
}

ChildSa*
EndpointImpl::InstallChild(IkeSa& sa, const ChildSaParams& params, const ChildSa* replaced)
{
    Touch(sa);
    m_v->reservedSpis.erase(params.spiIn);
    auto child = ChildSa::Create(params, m_now);
    if (!child)
    {
        Event e = MakeEvent(EventType::NegotiationFailed, &sa);
        e.detail = "ESP SA setup failed";
        Emit(std::move(e));
        return nullptr;
    }
    const PeerConfig& peer = sa.Peer();
    child->rekeyAt = m_now + peer.childLifetime - Jitter(peer.rekeyJitter);
    child->expireAt = m_now + peer.childLifetime + peer.hardLifetimeMargin;
    m_v->childByIn[params.spiIn] = sa.Handle();

    const ChildKeys& k = params.keys;
    const Bytes& outEnc = params.weInitiated ? k.encrI : k.encrR;
    const Bytes& outInteg = params.weInitiated ? k.integI : k.integR;
    const Bytes& inEnc = params.weInitiated ? k.encrR : k.encrI;
    const Bytes& inInteg = params.weInitiated ? k.integR : k.integI;
    m_out->espKeyLines.push_back(
        EspSaLine(sa.local.ip, sa.remote.ip, params.spiOut, params.suite, outEnc, outInteg));
    m_out->espKeyLines.push_back(
        EspSaLine(sa.remote.ip, sa.local.ip, params.spiIn, params.suite, inEnc, inInteg));

    Event e = MakeEvent(replaced ? EventType::ChildSaRekeyed : EventType::ChildSaInstalled, &sa);
    e.childSpiIn = params.spiIn;
    e.childSpiOut = params.spiOut;
    e.detail = params.suite.ToString();
    if (replaced)
    {
        e.detail += " replaces " + std::to_string(replaced->SpiIn());
    }
    Emit(std::move(e));

    ChildSa* raw = child.get();
    IndexChildRanges(*raw, true);
    sa.children.push_back(std::move(child));
    FlushAcquire(sa.PeerIndex());
    return raw;
}

void
EndpointImpl::RemoveChild(IkeSa& sa, uint32_t spiIn, const std::string& reason)
{
    Touch(sa);
    auto it = std::find_if(sa.children.begin(), sa.children.end(), [&](const auto& c) {
        return c->SpiIn() == spiIn;
    });
    if (it == sa.children.end())
    {
        return;
    }
    Event e = MakeEvent(EventType::ChildSaDeleted, &sa);
    e.childSpiIn = (*it)->SpiIn();
    e.childSpiOut = (*it)->SpiOut();
    e.detail = reason;
    Emit(std::move(e));
    m_v->childByIn.erase(spiIn);
    IndexChildRanges(**it, false);
    sa.children.erase(it);
}

void
EndpointImpl::MoveChildren(IkeSa& from, IkeSa& to)
{
    Touch(from);
    Touch(to);
    for (auto& c : from.children)
    {
        m_v->childByIn[c->SpiIn()] = to.Handle();
        to.children.push_back(std::move(c));
    }
    from.children.clear();
}

void
EndpointImpl::IkeSaEstablished(IkeSa& sa)
{
    Touch(sa);
    const PeerConfig& peer = sa.Peer();
    sa.state = IkeSaState::Established;
    sa.establishedAt = m_now;
    sa.lastProtectedIn = m_now;
    sa.halfOpenExpireAt = kNever;
    sa.rekeyAt = m_now + peer.ikeLifetime - Jitter(peer.rekeyJitter);
    sa.expireAt = m_now + peer.ikeLifetime + peer.hardLifetimeMargin;
    sa.livenessDue =
        m_config.livenessInterval > Time(0) ? m_now + m_config.livenessInterval : kNever;
    auto ho = m_v->halfOpenKey.find(sa.Handle());
    if (ho != m_v->halfOpenKey.end())
    {
        m_v->halfOpen.erase(ho->second);
        m_v->halfOpenKey.erase(ho);
    }
    Event e = MakeEvent(EventType::IkeSaEstablished, &sa);
    e.detail = sa.suite.ToString() + (sa.natT ? " udp-encap" : "");
    Emit(std::move(e));
    m_policy->OnIkeSaEstablished(*this, sa);
    if (sa.replaces != 0)
    {
        if (IkeSa* old = FindIkeSaByHandle(sa.replaces))
        {
            DeleteIkeSa(*old, "replaced");
        }
        sa.replaces = 0;
    }
}

void
EndpointImpl::DeleteIkeSa(IkeSa& sa, const std::string& reason)
{
    Touch(sa);
    if (sa.dead)
    {
        return;
    }
    sa.dead = true;
    sa.tasks.AbortAll(*this, sa);
    for (auto& c : sa.children)
    {
        Event e = MakeEvent(EventType::ChildSaDeleted, &sa);
        e.childSpiIn = c->SpiIn();
        e.childSpiOut = c->SpiOut();
        e.detail = reason;
        Emit(std::move(e));
        m_v->childByIn.erase(c->SpiIn());
        IndexChildRanges(*c, false);
    }
    sa.children.clear();
    Event e = MakeEvent(EventType::IkeSaDeleted, &sa);
    e.detail = reason;
    Emit(std::move(e));
    m_policy->OnIkeSaDeleted(*this, sa);
    if (sa.state == IkeSaState::Connecting && sa.originalInitiator &&
        !ConnectionPending(sa.PeerIndex()))
    {
        // The acquire this SA served failed: do not hold its packet forever.
        m_v->acquireQueue.erase(sa.PeerIndex());
    }
    auto ho = m_v->halfOpenKey.find(sa.Handle());
    if (ho != m_v->halfOpenKey.end())
    {
        m_v->halfOpen.erase(ho->second);
        m_v->halfOpenKey.erase(ho);
    }
    m_v->byLocalSpi.erase(sa.LocalSpi());
    if (sa.Handle() < m_v->saDeadline.size() && m_v->saDeadline[sa.Handle()] != kNever)
    {
        m_v->deadlines.erase({m_v->saDeadline[sa.Handle()], sa.Handle()});
        m_v->saDeadline[sa.Handle()] = kNever;
    }
    auto it = m_v->sas.find(sa.Handle());
    if (it != m_v->sas.end())
    {
        m_v->sasByPeer[sa.PeerIndex()].erase(sa.Handle());
        auto byIp = m_v->sasByRemoteIp.find(sa.remote.ip.value);
        if (byIp != m_v->sasByRemoteIp.end() && byIp->second.erase(sa.Handle()) &&
            byIp->second.empty())
        {
            m_v->sasByRemoteIp.erase(byIp);
        }
        m_v->graveyard.push_back(std::move(it->second));
        m_v->sas.erase(it);
    }
}

void
EndpointImpl::PeerDead(IkeSa& sa)
{
    Touch(sa);
    Event e = MakeEvent(EventType::PeerDead, &sa);
    e.detail = "no answer " + std::to_string(ToSeconds(m_now - sa.tasks.RequestFirstSent())) +
               " s after the first send";
    Emit(std::move(e));
    const bool wasUp = sa.state != IkeSaState::Connecting;
    if (wasUp)
    {
        Event r = MakeEvent(EventType::RecoveryDetected, &sa);
        r.detail = "peer-dead";
        Emit(std::move(r));
    }
    const std::string name = sa.Peer().name;
    const bool restart = wasUp && sa.Peer().startAction == StartAction::Start;
    DeleteIkeSa(sa, "peer-dead");
    if (restart)
    {
        // strongSwan's dpd_action=restart; trap connections come back on the next packet.
        Initiate(name);
    }
}

IkeSa*
EndpointImpl::NewestEstablished(size_t peerIndex)
{
    IkeSa* best = nullptr;
    for (uint64_t h : m_v->sasByPeer[peerIndex])
    {
        IkeSa* sa = m_v->sas.at(h).get();
        if (!sa->dead && sa->state == IkeSaState::Established)
        {
            best = sa;
        }
    }
    if (best)
    {
        Touch(*best);
    }
    return best;
}

bool
EndpointImpl::ConnectionPending(size_t peerIndex)
{
    for (uint64_t h : m_v->sasByPeer[peerIndex])
    {
        const IkeSa* sa = m_v->sas.at(h).get();
        if (sa->dead)
        {
            continue;
        }
        if (sa->state == IkeSaState::Connecting && sa->originalInitiator)
        {
            return true;
        }
        if (sa->state != IkeSaState::Connecting)
        {
            for (const auto& t : sa->tasks.Queued())
            {
                if (t->Exchange() == ExchangeType::CreateChildSa)
                {
                    return true;
                }
            }
            if (sa->tasks.Active() &&
                sa->tasks.Active()->Exchange() == ExchangeType::CreateChildSa)
            {
                return true;
            }
        }
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Actions

IkeSa*
EndpointImpl::Initiate(const std::string& peerName)
{
    size_t index = 0;
    if (!FindPeerIndex(peerName, index))
    {
        return nullptr;
    }
    const PeerConfig& peer = m_config.peers[index];
    if (peer.remote.ip.value == 0)
    {
        return nullptr;
    }
    IkeSa& sa = CreateIkeSa(true, index, NewIkeSpi());
    sa.local = peer.local;
    if (sa.local.port == 0)
    {
        sa.local.port = kIkePort;
    }
    SocketAddress remote = peer.remote;
    if (remote.port == 0)
    {
        remote.port = kIkePort;
    }
    SetIkeSaRemote(sa, remote);
    sa.tasks.Queue(std::make_unique<IkeInitTask>(true));
    sa.tasks.Queue(std::make_unique<IkeAuthTask>(true));
    sa.tasks.Initiate(*this, sa);
    return sa.dead ? nullptr : &sa;
}

void
EndpointImpl::StartLivenessCheck(IkeSa& sa)
{
    Touch(sa);
    if (sa.dead || sa.state == IkeSaState::Connecting || sa.tasks.Busy() ||
        sa.tasks.LivenessCheckPending())
    {
        return;
    }
    sa.tasks.Queue(InformationalTask::Liveness());
    sa.tasks.Initiate(*this, sa);
}

void
EndpointImpl::SendInformational(IkeSa& sa, std::vector<Payload> notifies)
{
    Touch(sa);
    if (sa.dead || sa.state == IkeSaState::Connecting)
    {
        return;
    }
    sa.tasks.Queue(InformationalTask::Notify(std::move(notifies)));
    sa.tasks.Initiate(*this, sa);
}

void
EndpointImpl::ReplaceIkeSa(IkeSa& sa)
{
    Touch(sa);
    if (sa.dead)
    {
        return;
    }
    Event r = MakeEvent(EventType::RecoveryDetected, &sa);
    r.detail = "replace";
    Emit(std::move(r));
    const uint64_t old = sa.Handle();
    if (IkeSa* fresh = Initiate(sa.Peer().name))
    {
        fresh->replaces = old;
    }
}

// ---------------------------------------------------------------------------------------------
// IKE receive path

void
EndpointImpl::HandleIke(const Datagram& in, const uint8_t* data, size_t size)
{
    m_dirty = true; // IKE is rare next to ESP: always recompute the deadlines after it
    m_counters.ikeMessagesIn++;
    m_counters.ikeBytesIn += size;
    auto decoded = DecodeMessage(data, size);
    if (!decoded)
    {
        m_counters.malformedDropped++;
        Event e = MakeEvent(EventType::MalformedDropped, nullptr);
        e.remote = in.remote;
        e.detail = decoded.Error().ToString();
        Emit(std::move(e));
        return;
    }
    const IkeMessage& msg = decoded.Value();
    const IkeHeader& h = msg.header;
    const Bytes raw(data, data + size);
    if (h.exchangeType == static_cast<uint8_t>(ExchangeType::IkeSaInit))
    {
        HandleIkeSaInit(in, msg, raw);
        return;
    }
    const bool isProtected =
        !msg.payloads.empty() && msg.payloads.back().type == static_cast<uint8_t>(PayloadType::Sk);
    if (!isProtected)
    {
        m_counters.unprotectedIn++;
        for (const auto& p : msg.payloads)
        {
            if (const auto* n = std::get_if<NotifyPayload>(&p.body))
            {
                Event e = MakeEvent(EventType::NotifyReceived, nullptr);
                e.notifyType = n->type;
                e.protectedMsg = false;
                e.remote = in.remote;
                e.spiI = h.spiI;
                e.spiR = h.spiR;
                e.detail = NotifyTypeName(n->type);
                Emit(std::move(e));
            }
        }
        const NotifyPayload* invalidSpi = msg.FindNotify(notify::kInvalidSpi);
        if (invalidSpi && !h.IsResponse())
        {
            HandleUnprotectedInvalidSpi(in, msg, *invalidSpi);
            return;
        }
    }
    IkeSa* sa = FindForHeader(h);
    if (!sa)
    {
        if (isProtected && !h.IsResponse())
        {
            ReplyUnknownIkeSpi(in, msg);
        }
        else if (!isProtected)
        {
            m_policy->OnUnprotectedOutsideSa(*this, msg, in);
        }
        // A response for an SA we do not know is never answered (RFC 7296 2.21.4).
        return;
    }
    if (!isProtected)
    {
        m_policy->OnUnprotectedForSa(*this, *sa, msg, in);
        return;
    }
    if (!sa->HasKeys())
    {
        return;
    }
    if (!h.IsResponse())
    {
        if (sa->tasks.ResendCachedResponse(*this, *sa, h, raw))
        {
            return;
        }
        if (!sa->tasks.ExpectsRequest(h))
        {
            return;
        }
    }
    else if (!sa->tasks.ExpectsResponse(h))
    {
        return;
    }
    OpenResult opened = OpenMessage(data, size, msg, *sa->cipherIn);
    if (opened.status != OpenResult::Status::Ok)
    {
        // RFC 7296 2.21.2: an integrity failure is dropped silently (counted).
        m_counters.malformedDropped++;
        Event e = MakeEvent(EventType::MalformedDropped, sa);
        e.detail = opened.status == OpenResult::Status::IntegrityFailed
                       ? "SK integrity check failed"
                       : opened.error.ToString();
        Emit(std::move(e));
        return;
    }
    sa->lastProtectedIn = m_now;
    // RFC 7296 2.23: the authenticated message's addresses are where the peer now is (the
    // responder moves to 4500 when IKE_AUTH arrives there, and follows NAT mapping changes).
    if (in.local.port == kNatTPort && (!sa->natT || sa->remote != in.remote))
    {
        sa->natT = true;
        sa->natPending = false;
        sa->local = in.local;
        SetIkeSaRemote(*sa, in.remote);
    }
    for (const auto& p : opened.inner)
    {
        if (const auto* n = std::get_if<NotifyPayload>(&p.body))
        {
            Event e = MakeEvent(EventType::NotifyReceived, sa);
            e.notifyType = n->type;
            e.protectedMsg = true;
            e.detail = NotifyTypeName(n->type);
            Emit(std::move(e));
        }
    }
    if (h.IsResponse())
    {
        sa->tasks.OnResponse(*this, *sa, h, opened.inner);
    }
    else
    {
        sa->tasks.OnRequest(*this, *sa, h, opened.inner, raw);
    }
}

void
EndpointImpl::HandleIkeSaInit(const Datagram& in, const IkeMessage& msg, const Bytes& raw)
{
    const IkeHeader& h = msg.header;
    if (h.IsResponse())
    {
        IkeSa* sa = ByLocalSpi(h.spiI);
        if (!sa || !sa->originalInitiator || sa->state != IkeSaState::Connecting ||
            !sa->tasks.ExpectsResponse(h))
        {
            return;
        }
        sa->initResponse = raw;
        m_policy->OnIkeSaInitMessage(*this, *sa, h, msg.payloads);
        if (!sa->dead)
        {
            sa->tasks.OnResponse(*this, *sa, h, msg.payloads);
        }
        return;
    }
    if (h.spiR != 0 || h.spiI == 0 || h.messageId != 0)
    {
        return;
    }
    auto key = std::make_pair(in.remote, h.spiI);
    auto existing = m_v->halfOpen.find(key);
    if (existing != m_v->halfOpen.end())
    {
        if (IkeSa* sa = FindIkeSaByHandle(existing->second))
        {
            sa->tasks.ResendCachedResponse(*this, *sa, h, raw);
        }
        return;
    }
    size_t index = 0;
    const PeerConfig* peer = FindPeerByAddress(in.local, in.remote, index);
    if (!peer)
    {
        Event e = MakeEvent(EventType::NegotiationFailed, nullptr);
        e.remote = in.remote;
        e.detail = "no connection for " + in.remote.ToString();
        Emit(std::move(e));
        return;
    }
    if (m_v->halfOpen.size() >= m_config.limits.cookieThreshold)
    {
        // RFC 7296 2.6: under half-open load, demand a cookie before keeping any state.
        const NoncePayload* ni = msg.Get<NoncePayload>(PayloadType::Nonce);
        if (!ni)
        {
            return;
        }
        const NotifyPayload* cookie = msg.FindNotify(notify::kCookie);
        if ((!cookie || !m_v->cookies.Verify(cookie->data, ni->nonce, in.remote.ip, h.spiI)) &&
            !m_policy->AcceptsCookieSubstitute(*this, msg, in))
        {
            if (cookie)
            {
                Event e = MakeEvent(EventType::CookieRejected, nullptr);
                e.remote = in.remote;
                e.spiI = h.spiI;
                Emit(std::move(e));
            }
            IkeMessage reply;
            reply.header.spiI = h.spiI;
            reply.header.spiR = 0;
            reply.header.exchangeType = h.exchangeType;
            reply.header.flags = kFlagResponse;
            reply.header.messageId = 0;
            reply.payloads.push_back(MakeNotify(
                notify::kCookie,
                m_v->cookies.Make(m_now, m_v->rng, ni->nonce, in.remote.ip, h.spiI)));
            SendUnprotected(in.local, in.remote, reply);
            return;
        }
    }
    IkeSa& sa = CreateIkeSa(false, index, NewIkeSpi());
    sa.spiI = h.spiI;
    sa.local = in.local;
    SetIkeSaRemote(sa, in.remote);
    sa.halfOpenExpireAt = m_now + kHalfOpenTimeout;
    sa.initRequest = raw;
    m_v->halfOpen[key] = sa.Handle();
    m_v->halfOpenKey[sa.Handle()] = key;
    m_policy->OnIkeSaInitMessage(*this, sa, h, msg.payloads);
    if (!sa.dead)
    {
        sa.tasks.OnRequest(*this, sa, h, msg.payloads, raw);
    }
}

void
EndpointImpl::HandleUnprotectedInvalidSpi(const Datagram& in,
                                          const IkeMessage& msg,
                                          const NotifyPayload& n)
{
    if (n.data.size() == 4)
    {
        const uint32_t spi = SpiFromBytes(n.data);
        for (IkeSa* sa : IkeSasTo(in.remote.ip))
        {
            if (ChildSa* child = sa->FindChildByOut(spi))
            {
                Touch(*sa);
                m_policy->OnUnprotectedInvalidSpi(*this, *sa, *child, msg, in);
                return;
            }
        }
    }
    Event e = MakeEvent(EventType::UnprotectedIgnored, nullptr);
    e.notifyType = notify::kInvalidSpi;
    e.remote = in.remote;
    e.detail = "INVALID_SPI for no Child SA of ours";
    Emit(std::move(e));
}

void
EndpointImpl::ReplyUnknownIkeSpi(const Datagram& in, const IkeMessage& msg)
{
    if (!m_v->invalidIkeSpiLimiter.Allow(in.remote.ip, m_now))
    {
        m_counters.rateLimited++;
        Event e = MakeEvent(EventType::RateLimited, nullptr);
        e.remote = in.remote;
        e.notifyType = notify::kInvalidIkeSpi;
        e.detail = "INVALID_IKE_SPI reply";
        Emit(std::move(e));
        return;
    }
    UnprotectedReply r = m_policy->OnUnknownIkeSpiRequest(*this, msg, in);
    if (!r.send)
    {
        return;
    }
    IkeMessage reply;
    reply.header.spiI = msg.header.spiI;
    reply.header.spiR = msg.header.spiR;
    reply.header.exchangeType = msg.header.exchangeType;
    reply.header.messageId = msg.header.messageId;
    reply.header.flags = kFlagResponse | (msg.header.IsInitiator() ? 0 : kFlagInitiator);
    reply.payloads = std::move(r.payloads);
    SendUnprotected(in.local, in.remote, reply);
}

// ---------------------------------------------------------------------------------------------
// ESP receive path

void
EndpointImpl::HandleEsp(const Datagram& in, const uint8_t* data, size_t size, bool udpEncap)
{
    uint32_t spi = 0;
    uint32_t seq = 0;
    if (!PeekEspHeader(data, size, spi, seq))
    {
        m_counters.malformedDropped++;
        return;
    }
    auto it = m_v->childByIn.find(spi);
    IkeSa* sa = it == m_v->childByIn.end() ? nullptr : FindIkeSaByHandle(it->second);
    ChildSa* child = sa ? sa->FindChildByIn(spi) : nullptr;
    if (!child)
    {
        // RFC 4303 3.4.2: no SA -> discard and audit.
        m_counters.espNoSa++;
        Event e = MakeEvent(EventType::EspNoSa, nullptr);
        e.childSpiIn = spi;
        e.remote = in.remote;
        e.detail = "seq " + std::to_string(seq);
        Emit(std::move(e));
        ReplyUnknownEsp(in, spi, udpEncap);
        return;
    }
    Bytes inner;
    switch (child->Open(data, size, inner))
    {
    case ChildSa::OpenStatus::Replay: {
        m_counters.espReplay++;
        Event e = MakeEvent(EventType::EspReplay, sa);
        e.childSpiIn = spi;
        e.detail = "seq " + std::to_string(seq);
        Emit(std::move(e));
        return;
    }
    case ChildSa::OpenStatus::IntegrityFailed: {
        m_counters.espIntegrityFailed++;
        Event e = MakeEvent(EventType::EspIntegrityFailed, sa);
        e.childSpiIn = spi;
        e.detail = "seq " + std::to_string(seq);
        Emit(std::move(e));
        return;
    }
    case ChildSa::OpenStatus::Malformed:
        m_counters.malformedDropped++;
        return;
    case ChildSa::OpenStatus::Dummy:
        sa->lastProtectedIn = m_now;
        return;
    case ChildSa::OpenStatus::Ok:
        break;
    }
    // Authentic: proof of the peer's liveness for the IKE SA and all its children (2.4).
    sa->lastProtectedIn = m_now;
    m_counters.espPacketsIn++;
    child->packetsIn++;
    child->bytesIn += inner.size();
    Ipv4Info info;
    if (!ParseIpv4(inner, info) || !MatchesInbound(child->LocalTs(), child->RemoteTs(), info))
    {
        // RFC 4301 5.2: an inner packet outside the SA's selectors is discarded.
        m_counters.malformedDropped++;
        Event e = MakeEvent(EventType::MalformedDropped, sa);
        e.childSpiIn = spi;
        e.detail = "inner packet outside the Child SA's selectors";
        Emit(std::move(e));
        return;
    }
    m_out->delivered.push_back(std::move(inner));
}

void
EndpointImpl::ReplyUnknownEsp(const Datagram& in, uint32_t spi, bool udpEncap)
{
    if (!m_v->invalidSpiLimiter.Allow(in.remote.ip, m_now))
    {
        m_counters.rateLimited++;
        Event e = MakeEvent(EventType::RateLimited, nullptr);
        e.remote = in.remote;
        e.notifyType = notify::kInvalidSpi;
        e.detail = "INVALID_SPI reply";
        Emit(std::move(e));
        return;
    }
    // RFC 7296 1.5: with an IKE SA to the sender's address, say it protected.
    for (IkeSa* sa : IkeSasTo(in.remote.ip))
    {
        if (sa->state == IkeSaState::Established)
        {
            SendInformational(*sa, {MakeNotify(notify::kInvalidSpi, SpiToBytes(spi))});
            return;
        }
    }
    UnprotectedReply r = m_policy->OnUnknownEspSpi(*this, spi, in);
    if (!r.send)
    {
        return;
    }
    IkeMessage reply;
    reply.header.spiI = r.spiI;
    reply.header.spiR = r.spiR;
    reply.header.exchangeType = static_cast<uint8_t>(ExchangeType::Informational);
    reply.header.flags = kFlagInitiator;
    reply.header.messageId = 0;
    reply.payloads = std::move(r.payloads);
    SocketAddress local = in.local;
    SocketAddress remote = in.remote;
    if (!udpEncap)
    {
        local.port = kIkePort;
        remote.port = kIkePort;
    }
    SendUnprotected(local, remote, reply);
}

// ---------------------------------------------------------------------------------------------
// Outbound inner packets and acquires

bool
EndpointImpl::FindOutboundChild(const Ipv4Info& info, IkeSa*& sa, ChildSa*& child)
{
    auto usable = [](const IkeSa* s, const ChildSa* c) {
        return !s->dead && s->state != IkeSaState::Connecting &&
               (c->state == ChildSaState::Installed || c->state == ChildSaState::Rekeying);
    };
    auto cached = m_v->outboundCache.find(info.dst.value);
    if (cached != m_v->outboundCache.end())
    {
        IkeSa* s = FindIkeSaByHandle(cached->second.first);
        ChildSa* c = s ? s->FindChildByIn(cached->second.second) : nullptr;
        if (c && usable(s, c) && MatchesOutbound(c->LocalTs(), c->RemoteTs(), info))
        {
            sa = s;
            child = c;
            return true;
        }
        m_v->outboundCache.erase(cached);
    }
    // Only a Child SA with a remote selector containing the destination can match: gather
    // those from the range index, then keep the full walk's order (newest IKE SA first, newest
    // Child SA first: a rekeyed or re-established SA wins).
    VolatileState& v = *m_v;
    std::unordered_set<uint32_t> candidates;
    std::vector<uint64_t> handles;
    if (!v.childRemoteWidths.empty())
    {
        const uint32_t dst = info.dst.value;
        const uint32_t widest = *v.childRemoteWidths.rbegin();
        const uint32_t from = dst > widest ? dst - widest : 0;
        for (auto it = v.childRemoteRanges.lower_bound({from, 0, 0});
             it != v.childRemoteRanges.end() && std::get<0>(*it) <= dst;
             ++it)
        {
            if (std::get<1>(*it) >= dst && candidates.insert(std::get<2>(*it)).second)
            {
                handles.push_back(v.childByIn.at(std::get<2>(*it)));
            }
        }
    }
    std::sort(handles.begin(), handles.end());
    handles.erase(std::unique(handles.begin(), handles.end()), handles.end());
    bool found = false;
    for (auto it = handles.rbegin(); it != handles.rend() && !found; ++it)
    {
        IkeSa* s = m_v->sas.at(*it).get();
        for (auto c = s->children.rbegin(); c != s->children.rend(); ++c)
        {
            if (candidates.count((*c)->SpiIn()) && usable(s, c->get()) &&
                MatchesOutbound((*c)->LocalTs(), (*c)->RemoteTs(), info))
            {
                sa = s;
                child = c->get();
                found = true;
                break;
            }
        }
    }
#ifdef IKEV2_VERIFY_INDEXES
    VerifyOutboundLookup(info, found ? child : nullptr);
#endif
    if (found)
    {
        Touch(*sa);
        m_v->outboundCache[info.dst.value] = {sa->Handle(), child->SpiIn()};
    }
    return found;
}

void
EndpointImpl::IndexChildRanges(const ChildSa& child, bool add)
{
    for (const Selector& r : child.RemoteTs())
    {
        const auto key = std::make_tuple(r.startAddress, r.endAddress, child.SpiIn());
        if (add)
        {
            if (m_v->childRemoteRanges.insert(key).second)
            {
                m_v->childRemoteWidths.insert(r.endAddress - r.startAddress);
            }
        }
        else if (m_v->childRemoteRanges.erase(key))
        {
            m_v->childRemoteWidths.erase(
              m_v->childRemoteWidths.find(r.endAddress - r.startAddress));
        }
    }
}

const std::vector<size_t>&
EndpointImpl::PeersForDestination(uint32_t destination)
{
    auto it = m_v->peersByDestination.find(destination);
    if (it != m_v->peersByDestination.end())
    {
        return it->second;
    }
    if (m_v->peersByDestination.size() >= VolatileState::kMaxDestinations)
    {
        m_v->peersByDestination.clear();
    }
    std::vector<size_t> peers;
    for (size_t i = 0; i < m_peerSelectors.size(); ++i)
    {
        for (const Selector& r : m_peerSelectors[i].second)
        {
            if (r.startAddress <= destination && destination <= r.endAddress)
            {
                peers.push_back(i);
                break;
            }
        }
    }
    return m_v->peersByDestination.emplace(destination, std::move(peers)).first->second;
}

void
EndpointImpl::SendEsp(IkeSa& sa, ChildSa& child, const Bytes& packet)
{
    Bytes esp;
    if (!child.Seal(packet, m_v->rng, esp))
    {
        m_counters.innerDroppedNoSa++;
        Event e = MakeEvent(EventType::InnerDropped, &sa);
        e.detail = "ESP seal failed (sequence number exhausted?)";
        Emit(std::move(e));
        return;
    }
    Datagram d;
    d.transport = sa.natT ? Transport::Udp : Transport::EspIp;
    d.local = sa.local;
    d.remote = sa.remote;
    d.data = std::move(esp);
    m_counters.espPacketsOut++;
    child.packetsOut++;
    child.bytesOut += packet.size();
    sa.lastOutbound = m_now;
    m_out->datagrams.push_back(std::move(d));
}

void
EndpointImpl::SendInnerPacket(const Bytes& packet, bool allowAcquire)
{
    Ipv4Info info;
    if (!ParseIpv4(packet, info))
    {
        m_counters.malformedDropped++;
        Event e = MakeEvent(EventType::MalformedDropped, nullptr);
        e.detail = "inner packet is not IPv4";
        Emit(std::move(e));
        return;
    }
    IkeSa* sa = nullptr;
    ChildSa* child = nullptr;
    if (FindOutboundChild(info, sa, child))
    {
        SendEsp(*sa, *child, packet);
        return;
    }
    for (size_t i : PeersForDestination(info.dst.value))
    {
        const PeerConfig& peer = m_config.peers[i];
        if (!MatchesOutbound(m_peerSelectors[i].first, m_peerSelectors[i].second, info))
        {
            continue;
        }
        if (allowAcquire && peer.startAction == StartAction::Trap && peer.remote.ip.value != 0)
        {
            Acquire(i, packet);
            return;
        }
        break;
    }
    m_counters.innerDroppedNoSa++;
    Event e = MakeEvent(EventType::InnerDropped, nullptr);
    e.detail = "no Child SA and no trap policy for " + info.src.ToString() + " -> " +
               info.dst.ToString();
    Emit(std::move(e));
}

void
EndpointImpl::Acquire(size_t peerIndex, const Bytes& packet)
{
    const PeerConfig& peer = m_config.peers[peerIndex];
    if (!ConnectionPending(peerIndex))
    {
        Event e = MakeEvent(EventType::AcquireStarted, nullptr);
        e.peer = peer.name;
        e.remote = peer.remote;
        Emit(std::move(e));
        if (IkeSa* sa = NewestEstablished(peerIndex))
        {
            // The IKE SA is up but has no Child SA for this traffic: add one.
            sa->tasks.Queue(ChildCreateTask::Create());
            sa->tasks.Initiate(*this, *sa);
        }
        else
        {
            Initiate(peer.name);
        }
    }
    if (m_config.queueOnAcquire && m_v->acquireQueue.count(peerIndex) == 0)
    {
        m_v->acquireQueue[peerIndex] = HeldPacket{packet};
        return;
    }
    m_counters.innerDroppedNoSa++;
    Event e = MakeEvent(EventType::InnerDropped, nullptr);
    e.peer = peer.name;
    e.detail = "acquire pending";
    Emit(std::move(e));
}

void
EndpointImpl::FlushAcquire(size_t peerIndex)
{
    auto it = m_v->acquireQueue.find(peerIndex);
    if (it == m_v->acquireQueue.end())
    {
        return;
    }
    Bytes packet = std::move(it->second.packet);
    m_v->acquireQueue.erase(it);
    Ipv4Info info;
    IkeSa* sa = nullptr;
    ChildSa* child = nullptr;
    if (ParseIpv4(packet, info) && FindOutboundChild(info, sa, child))
    {
        SendEsp(*sa, *child, packet);
    }
    else
    {
        // This Child SA does not cover the held packet: keep it for the next one.
        m_v->acquireQueue[peerIndex] = HeldPacket{std::move(packet)};
    }
}

// ---------------------------------------------------------------------------------------------
// Timers

void
EndpointImpl::EvaluateLiveness(IkeSa& sa)
{
    const Time interval = m_config.livenessInterval;
    if (interval <= Time(0))
    {
        sa.livenessDue = kNever;
        return;
    }
    if (m_now - sa.lastProtectedIn < interval)
    {
        sa.livenessDue = sa.lastProtectedIn + interval;
        return;
    }
    // RFC 7296 2.4: a check matters when we send and hear nothing back.
    const bool needed = m_config.livenessAlways || sa.lastOutbound > sa.lastProtectedIn;
    if (needed && sa.state == IkeSaState::Established)
    {
        StartLivenessCheck(sa);
    }
    sa.livenessDue = m_now + interval;
}

void
EndpointImpl::CheckLifetimes(IkeSa& sa)
{
    if (sa.state == IkeSaState::Connecting || sa.dead)
    {
        return;
    }
    if (m_now >= sa.expireAt)
    {
        // Hard lifetime: the SA must go; say so to the peer, best effort.
        sa.expireAt = kNever;
        sa.rekeyAt = kNever;
        sa.tasks.QueueFirst(InformationalTask::DeleteIke());
        sa.tasks.Initiate(*this, sa);
        return;
    }
    if (m_now >= sa.rekeyAt)
    {
        sa.rekeyAt = kNever;
        sa.tasks.Queue(std::make_unique<IkeRekeyTask>(true));
        sa.tasks.Initiate(*this, sa);
    }
    for (auto& c : sa.children)
    {
        if (m_now >= c->expireAt)
        {
            c->expireAt = kNever;
            c->rekeyAt = kNever;
            sa.tasks.Queue(InformationalTask::DeleteChild({c->SpiIn()}));
        }
        else if (m_now >= c->rekeyAt)
        {
            c->rekeyAt = kNever;
            if (c->state == ChildSaState::Installed)
            {
                sa.tasks.Queue(ChildCreateTask::Rekey(c->SpiIn()));
            }
        }
    }
    sa.tasks.Initiate(*this, sa);
}

// ---------------------------------------------------------------------------------------------
// Snapshots and state size

std::vector<IkeSaInfo>
EndpointImpl::Snapshot() const
{
    std::vector<IkeSaInfo> out;
    if (!m_v)
    {
        return out;
    }
    for (const auto& [h, sa] : m_v->sas)
    {
        if (!sa->dead)
        {
            out.push_back(sa->Info());
        }
    }
    return out;
}

size_t
EndpointImpl::StateBytesPerIkeSa() const
{
    if (!m_v || m_v->sas.empty())
    {
        return 0;
    }
    size_t total = 0;
    for (const auto& [h, sa] : m_v->sas)
    {
        // The SA database entries: by handle, by local SPI, and one per inbound child SPI.
        total += sa->StateBytes() + 2 * (sizeof(uint64_t) * 2 + 4 * sizeof(void*)) +
                 sa->children.size() * (sizeof(uint32_t) + sizeof(uint64_t) + 4 * sizeof(void*));
    }
    return total / m_v->sas.size();
}

size_t
EndpointImpl::VolatileStateBytes() const
{
    if (!m_v)
    {
        return 0;
    }
    size_t n = sizeof(VolatileState);
    n += StateBytesPerIkeSa() * m_v->sas.size();
    n += m_v->halfOpen.size() * (sizeof(SocketAddress) + 2 * sizeof(uint64_t) + 8 * sizeof(void*));
    n += m_v->reservedSpis.size() * (sizeof(uint32_t) + 4 * sizeof(void*));
    n += m_v->outboundCache.size() * (sizeof(uint32_t) + sizeof(uint64_t) + 8 + 2 * sizeof(void*));
    n += m_v->invalidSpiLimiter.StateBytes() + m_v->invalidIkeSpiLimiter.StateBytes();
    n += m_v->cookies.StateBytes();
    for (const auto& [i, held] : m_v->acquireQueue)
    {
        n += held.packet.capacity() + 4 * sizeof(void*);
    }
    n += m_policy->VolatileStateBytes();
    return n;
}

// ---------------------------------------------------------------------------------------------
// Endpoint (the public face)

void
Output::Clear()
{
    datagrams.clear();
    delivered.clear();
    events.clear();
    crypto = CryptoCounts{};
    ikeKeyLines.clear();
    espKeyLines.clear();
}

Endpoint::Endpoint(EndpointConfig config, PersistentStore& store)
    : m_impl(std::make_unique<EndpointImpl>(std::move(config), store))
{
}

Endpoint::~Endpoint() = default;

void
Endpoint::Start(Time now, Output& out)
{
    m_impl->Start(now, out);
}

void
Endpoint::HandleDatagram(Time now, const Datagram& in, Output& out)
{
    m_impl->HandleDatagram(now, in, out);
}

void
Endpoint::SendInner(Time now, const Bytes& ipv4Packet, Output& out)
{
    m_impl->SendInner(now, ipv4Packet, out);
}

void
Endpoint::Initiate(Time now, const std::string& peerName, Output& out)
{
    m_impl->InitiateApi(now, peerName, out);
}

void
Endpoint::RekeyChild(Time now, const std::string& peerName, Output& out)
{
    m_impl->RekeyChildApi(now, peerName, out);
}

void
Endpoint::RekeyIke(Time now, const std::string& peerName, Output& out)
{
    m_impl->RekeyIkeApi(now, peerName, out);
}

void
Endpoint::Terminate(Time now, const std::string& peerName, Output& out)
{
    m_impl->TerminateApi(now, peerName, out);
}

void
Endpoint::HandleTimer(Time now, Output& out)
{
    m_impl->HandleTimer(now, out);
}

bool
Endpoint::ForgetIkeSa(Time now, uint64_t spiI, uint64_t spiR, Output& out)
{
    return m_impl->ForgetIkeSa(now, spiI, spiR, out);
}

bool
Endpoint::ForgetChildSa(Time now, uint32_t spiIn, Output& out)
{
    return m_impl->ForgetChildSa(now, spiIn, out);
}

Time
Endpoint::NextDeadline() const
{
    return m_impl->NextDeadline();
}

void
Endpoint::Crash()
{
    m_impl->Crash();
}

const EndpointConfig&
Endpoint::Config() const
{
    return m_impl->GetConfig();
}

const EndpointCounters&
Endpoint::Counters() const
{
    return m_impl->GetCounters();
}

std::vector<IkeSaInfo>
Endpoint::IkeSas() const
{
    return m_impl->Snapshot();
}

size_t
Endpoint::StateBytesPerIkeSa() const
{
    return m_impl->StateBytesPerIkeSa();
}

size_t
Endpoint::VolatileStateBytes() const
{
    return m_impl->VolatileStateBytes();
}

} // namespace ikev2

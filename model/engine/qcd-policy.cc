#include "qcd-policy.h"

#include "engine-context.h"
#include "ike-constants.h"
#include "ike-sa.h"

#include <algorithm>
#include <cstdio>

namespace ikev2
{

namespace
{

/// The round trip assumed before one was measured on the SA (as SIR's default wait).
constexpr Time kDefaultRtt = std::chrono::milliseconds(100);

/// A bucket as deep as one second of its rate (at least one token).
double
Burst(double rate)
{
    return std::max(1.0, rate);
}

IpRateLimiter
MakeLimiter(double rate, double aggregateFactor)
{
    IpRateLimiter l(rate, Burst(rate));
    if (rate > 0 && aggregateFactor > 0)
    {
        // Per-source buckets alone do not bound a flood from spoofed sources (an evicted
        // source comes back with a full bucket): cap all sources together too.
        l.SetAggregate(rate * aggregateFactor, Burst(rate * aggregateFactor));
    }
    return l;
}

bool
IsIkeRekeyResponse(const std::vector<Payload>& payloads, uint64_t& peerSpi)
{
    for (const auto& p : payloads)
    {
        const auto* sa = std::get_if<SaPayload>(&p.body);
        if (sa && sa->proposals.size() == 1 &&
            sa->proposals[0].protocolId == static_cast<uint8_t>(ProtocolId::Ike) &&
            sa->proposals[0].spi.size() == 8)
        {
            ByteReader r(sa->proposals[0].spi);
            return r.ReadU64(peerSpi);
        }
    }
    return false;
}

} // namespace

QcdPolicy::QcdPolicy(const EndpointConfig& config)
  : RecoveryPolicy(config)
  , m_replyLimiter(MakeLimiter(config.qcd.tokenRepliesPerSecond, config.qcd.aggregateFactor))
  , m_verifyLimiter(MakeLimiter(config.qcd.verificationsPerSecond, config.qcd.aggregateFactor))
  , m_hintLimiter(config.limits.hintChecksPerSecond, 1)
{
    std::string error = ValidateQcdConfig(config.qcd);
    if (!error.empty())
    {
        throw ConfigError(error);
    }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

void
QcdPolicy::OnStart(EngineContext& ctx)
{
    if (m_config.qcd.maker)
    {
        // Found in the store after a reboot (no randomness drawn), created at first start.
        m_secrets = std::make_unique<QcdSecretStore>(ctx.Store(), ctx.Rng());
        m_maker = std::make_unique<QcdTokenMaker>(m_config.qcd, *m_secrets);
    }
    RotateMapAtStart(ctx);
}

void
QcdPolicy::OnCrash()
{
    // The secret stays in the store; these objects refer to the volatile Drbg.
    m_maker.reset();
    m_secrets.reset();
    m_replyLimiter.Clear();
    m_verifyLimiter.Clear();
    m_hintLimiter.Clear();
    m_pending.clear();
    m_mapEntries = 0;
}

QcdSaData&
QcdPolicy::Data(IkeSa& sa)
{
    auto* d = dynamic_cast<QcdSaData*>(sa.policyData.get());
    if (!d)
    {
        auto fresh = std::make_unique<QcdSaData>();
        d = fresh.get();
        sa.policyData = std::move(fresh);
    }
    return *d;
}

// ---------------------------------------------------------------------------------------------
// Maker: tokens in protected messages

Payload
QcdPolicy::TokenFor(IkeSa& sa)
{
    const bool bind = m_config.qcd.bindTakerAddress;
    if (bind)
    {
        QcdSaData& d = Data(sa);
        d.bound = true;
        d.boundTo = sa.remote.ip;
    }
    return MakePayload(
      MakeQcdTokenNotify(m_maker->Token(sa.spiI, sa.spiR, bind ? &sa.remote.ip : nullptr)));
}

void
QcdPolicy::AddIkeAuthRequestNotifies(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    if (MakerActive())
    {
        out.push_back(TokenFor(sa));
    }
}

void
QcdPolicy::AddIkeAuthResponseNotifies(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    if (MakerActive())
    {
        out.push_back(TokenFor(sa));
    }
}

void
QcdPolicy::AddIkeRekeyResponseNotifies(EngineContext& ctx,
                                       IkeSa& oldSa,
                                       IkeSa& newSa,
                                       std::vector<Payload>& out)
{
    // RFC 6290 4.3: the maker that answers the rekey puts the new SA's token in the response.
    if (MakerActive())
    {
        out.push_back(TokenFor(newSa));
    }
}

void
QcdPolicy::OnIkeSaRekeyed(EngineContext& ctx, IkeSa& oldSa, IkeSa& newSa, bool weInitiated)
{
    // RFC 6290 4.3: the maker that initiated sends the new SA's token at once, protected.
    if (MakerActive() && weInitiated)
    {
        ctx.SendInformational(newSa, { TokenFor(newSa) });
    }
    SyncChildMap(ctx, newSa); // the Child SAs moved to the new SA
}

// ---------------------------------------------------------------------------------------------
// Protected input: storing tokens, replacing bound tokens, keeping the map

void
QcdPolicy::OnProtectedMessage(EngineContext& ctx,
                              IkeSa& sa,
                              const IkeHeader& header,
                              const std::vector<Payload>& payloads)
{
    if (MakerActive() && m_config.qcd.bindTakerAddress)
    {
        // RFC 6290 4.4: the taker's address moved (NAT rebinding; the endpoint follows it on
        // authenticated input): the token we gave is bound to the old one, send its
        // replacement.
        QcdSaData& d = Data(sa);
        if (d.bound && d.boundTo != sa.remote.ip && sa.state == IkeSaState::Established)
        {
            ctx.SendInformational(sa, { TokenFor(sa) });
        }
    }
    SyncChildMap(ctx, sa);

    if (!m_config.qcd.taker)
    {
        return;
    }
    std::vector<Bytes> tokens = ExtractQcdTokens(payloads);
    if (tokens.empty())
    {
        return;
    }
    // Several tokens in one protected message: the first valid one is the maker's current.
    const Bytes& token = tokens.front();
    switch (static_cast<ExchangeType>(header.exchangeType))
    {
        case ExchangeType::IkeAuth:
            // The peer's token travels in the message the peer sends: the first request when it
            // initiated, the final response when it responded (RFC 6290 4.2).
            if (header.IsResponse() == sa.originalInitiator)
            {
                StoreToken(ctx, sa, token, "IKE_AUTH");
            }
            return;
        case ExchangeType::Informational:
            // 4.3 (the maker initiated the IKE rekey) and 4.4 (replacement): requests only.
            if (!header.IsResponse())
            {
                StoreToken(ctx, sa, token, "INFORMATIONAL");
            }
            return;
        case ExchangeType::CreateChildSa:
        {
            // 4.3: the maker answered our IKE rekey; the token is the new SA's, whose remote SPI is
            // the one in the response's proposal.
            uint64_t peerSpi = 0;
            if (!header.IsResponse() || !IsIkeRekeyResponse(payloads, peerSpi))
            {
                return;
            }
            for (IkeSa* other : ctx.IkeSasOfPeer(sa.PeerIndex()))
            {
                if (other != &sa && other->RemoteSpi() == peerSpi && other->originalInitiator)
                {
                    StoreToken(ctx, *other, token, "CREATE_CHILD_SA");
                    return;
                }
            }
            return; // the new SA lost a rekey collision already: its token dies with it
        }
        default:
            return;
    }
}

void
QcdPolicy::StoreToken(EngineContext& ctx, IkeSa& sa, const Bytes& token, const char* how)
{
    // A newer protected token replaces the stored one (RFC 6290 4.4: takers MUST accept).
    Data(sa).token = StoredToken(token, m_config.qcd.storeDigest);
}

void
QcdPolicy::OnIkeSaEstablished(EngineContext& ctx, IkeSa& sa)
{
    m_pending.erase(sa.Handle());
}

void
QcdPolicy::OnIkeSaDeleted(EngineContext& ctx, IkeSa& sa)
{
    m_pending.erase(sa.Handle());
    // A Crash() never comes here: the map of a crashed maker survives, as it must.
    EraseMapEntries(ctx, sa);
}

// ---------------------------------------------------------------------------------------------
// Maker after a crash: unprotected replies

bool
QcdPolicy::InPostBootWindow(EngineContext& ctx) const
{
    const Time window = m_config.qcd.postBootWindow;
    return window <= Time(0) || ctx.Now() - ctx.StartedAt() <= window;
}

std::vector<Bytes>
QcdPolicy::ReplyTokens(EngineContext& ctx,
                       uint64_t spiI,
                       uint64_t spiR,
                       const Datagram& in,
                       const char* what)
{
    if (!MakerActive() || spiI == 0 || spiR == 0 || !InPostBootWindow(ctx))
    {
        return {};
    }
    // RFC 6290 9.2: never a valid token in clear for an IKE SA that still exists. The
    // endpoint calls us only for SPIs it does not know; the 8.2 map may be stale.
    if (ctx.FindIkeSaBySpis(spiI, spiR))
    {
        return {};
    }
    // 9.2 in a cluster: the SA may live on another member that shares our secret.
    if (m_config.qcd.liveElsewhere && m_config.qcd.liveElsewhere(spiI, spiR))
    {
        return {};
    }
    if (!m_replyLimiter.Allow(in.remote.ip, ctx.Now()))
    {
        // RFC 6290 8.1: over the limit the maker reverts to the plain notify.
        ctx.Counters().rateLimited++;
        Event e = ctx.MakeEvent(EventType::RateLimited, nullptr);
        e.remote = in.remote;
        e.spiI = spiI;
        e.spiR = spiR;
        e.notifyType = notify::kQcdToken;
        e.detail = std::string("qcd token reply (") + what + ")";
        ctx.Emit(std::move(e));
        return {};
    }
    // Bound to the address asking: a token requested from anywhere else is useless against
    // the taker's stored one (5.2).
    return m_maker->AllTokens(spiI, spiR, m_config.qcd.bindTakerAddress ? &in.remote.ip : nullptr);
}

UnprotectedReply
QcdPolicy::OnUnknownIkeSpiRequest(EngineContext& ctx, const IkeMessage& request, const Datagram& in)
{
    // HDR (SPIs, Message ID and exchange type copied, R=1; built by the endpoint),
    // N(INVALID_IKE_SPI) first for peers without QCD, then N(QCD_TOKEN) x 1..4 (RFC 6290 4.5).
    UnprotectedReply r = RecoveryPolicy::OnUnknownIkeSpiRequest(ctx, request, in);
    for (auto& t : ReplyTokens(ctx, request.header.spiI, request.header.spiR, in, "IKE"))
    {
        r.payloads.push_back(MakePayload(MakeQcdTokenNotify(t)));
    }
    return r;
}

UnprotectedReply
QcdPolicy::OnUnknownEspSpi(EngineContext& ctx, uint32_t spi, const Datagram& in)
{
    UnprotectedReply r = RecoveryPolicy::OnUnknownEspSpi(ctx, spi, in);
    uint64_t spiI = 0;
    uint64_t spiR = 0;
    if (!m_config.qcd.childSpiMap || !LookupMap(ctx, spi, spiI, spiR))
    {
        return r;
    }
    std::vector<Bytes> tokens = ReplyTokens(ctx, spiI, spiR, in, "ESP");
    if (tokens.empty())
    {
        return r;
    }
    // RFC 6290 8.2: HDR naming the parent IKE SA, N(INVALID_SPI), N(QCD_TOKEN) x 1..4.
    r.spiI = spiI;
    r.spiR = spiR;
    for (auto& t : tokens)
    {
        r.payloads.push_back(MakePayload(MakeQcdTokenNotify(t)));
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// Taker: verification

void
QcdPolicy::OnUnprotectedForSa(EngineContext& ctx,
                              IkeSa& sa,
                              const IkeMessage& message,
                              const Datagram& in)
{
    std::vector<Bytes> tokens = ExtractQcdTokens(message.payloads);
    if (!m_config.qcd.taker || tokens.empty())
    {
        RecoveryPolicy::OnUnprotectedForSa(ctx, sa, message, in); // RFC 7296 hint
        return;
    }
    if (!message.header.IsResponse())
    {
        // The draft-00 format (the rebooted side sends the token in a request) is not RFC 6290.
        Ignore(ctx, &sa, notify::kQcdToken, in, "qcd: QCD_TOKEN in an unprotected request");
        return;
    }
    if (!sa.tasks.ExpectsResponse(message.header))
    {
        // A maker only answers our requests: a reply to none we have in flight is examined by
        // nobody (and costs an off-path forger the Message ID as well as the token).
        Ignore(ctx, &sa, notify::kQcdToken, in, "qcd: token reply to no request in flight");
        return;
    }
    // The source address is not checked (RFC 6290 4.5: tokens come from any address).
    Verify(ctx, sa, tokens, in, "IKE");
}

void
QcdPolicy::OnUnprotectedInvalidSpi(EngineContext& ctx,
                                   IkeSa& sa,
                                   ChildSa& child,
                                   const IkeMessage& message,
                                   const Datagram& in)
{
    std::vector<Bytes> tokens = ExtractQcdTokens(message.payloads);
    if (m_config.qcd.taker && !tokens.empty())
    {
        // RFC 6290 8.2: verified against the parent of the Child SA the INVALID_SPI names.
        if (message.header.spiI != sa.spiI || message.header.spiR != sa.spiR)
        {
            Reject(ctx,
                   sa,
                   in,
                   "INVALID_SPI + QCD_TOKEN names another IKE SA than the Child "
                   "SA's parent");
        }
        else if (Verify(ctx, sa, tokens, in, "ESP"))
        {
            return;
        }
    }
    // No (valid) token: INVALID_SPI is still a hint. A map may be stale, so a token that does
    // not verify here does not silence the hint.
    OnUnprotectedHint(ctx, sa, notify::kInvalidSpi, in);
}

bool
QcdPolicy::Verify(EngineContext& ctx,
                  IkeSa& sa,
                  const std::vector<Bytes>& tokens,
                  const Datagram& in,
                  const char* path)
{
    // Every examined reply costs a token of the source's bucket, matching or not: otherwise
    // a flood of wrong tokens would be free (doc/qcd.md section 8).
    if (!m_verifyLimiter.Allow(in.remote.ip, ctx.Now()))
    {
        ctx.Counters().rateLimited++;
        Event e = ctx.MakeEvent(EventType::RateLimited, &sa);
        e.remote = in.remote;
        e.notifyType = notify::kQcdToken;
        e.detail = "qcd token verification";
        ctx.Emit(std::move(e));
        return false;
    }
    auto* d = dynamic_cast<QcdSaData*>(sa.policyData.get());
    if (sa.state == IkeSaState::Connecting || !d || d->token.Empty())
    {
        Reject(ctx, sa, in, "no token stored for this IKE SA");
        return false;
    }
    if (!d->token.MatchesAny(tokens))
    {
        Reject(ctx, sa, in, std::to_string(tokens.size()) + " token(s), none matches");
        return false;
    }
    // An SA already replaced by an IKE rekey (its Delete still in flight, the peer deleted it
    // already and answers from the unknown-SPI path) or a second SA of the same connection is
    // not a lost peer: it only goes away.
    const bool replaced = sa.state == IkeSaState::Deleting;
    bool sibling = false;
    for (IkeSa* other : ctx.IkeSasOfPeer(sa.PeerIndex()))
    {
        sibling |= other != &sa && other->state != IkeSaState::Connecting;
    }
    Event v = ctx.MakeEvent(EventType::TokenVerified, &sa);
    v.remote = in.remote;
    v.notifyType = notify::kQcdToken;
    v.detail = std::string(path) + (replaced || sibling ? " (SA already replaced)" : "");
    ctx.Emit(std::move(v));
    if (!replaced && !sibling)
    {
        Event r = ctx.MakeEvent(EventType::RecoveryDetected, &sa);
        r.remote = in.remote;
        r.notifyType = notify::kQcdToken;
        r.detail = std::string("qcd-") + path;
        ctx.Emit(std::move(r));
    }
    const PeerConfig& peer = sa.Peer();
    // Silently: no Delete, no reply; the request in flight is abandoned with the SA.
    ctx.DeleteIkeSa(sa, "qcd-token");
    if (!replaced && !sibling)
    {
        Reestablish(ctx, peer);
    }
    return true;
}

void
QcdPolicy::Reject(EngineContext& ctx, IkeSa& sa, const Datagram& in, const std::string& why)
{
    // RFC 6290 4.5: nothing is sent and nothing changes; logged (and counted by event).
    Event e = ctx.MakeEvent(EventType::TokenRejected, &sa);
    e.remote = in.remote;
    e.notifyType = notify::kQcdToken;
    e.detail = why;
    ctx.Emit(std::move(e));
}

void
QcdPolicy::Reestablish(EngineContext& ctx, const PeerConfig& peer)
{
    // reinitiateAtOnce: now. Otherwise what the connection's start action does after losing
    // its SA: trap -> on the next outbound packet (the endpoint's acquire), start -> now,
    // none -> wait for the peer.
    const bool now = m_config.qcd.reinitiateAtOnce || peer.startAction == StartAction::Start;
    if (!now)
    {
        return;
    }
    for (IkeSa* other : ctx.IkeSas())
    {
        if (other->Peer().name == peer.name && other->state == IkeSaState::Connecting &&
            other->originalInitiator)
        {
            return; // already being re-established
        }
    }
    if (m_pending.size() >= m_config.qcd.maxPending)
    {
        // Cap on pending work: this connection comes back on traffic (trap) or from the peer.
        ctx.Counters().rateLimited++;
        Event e = ctx.MakeEvent(EventType::RateLimited, nullptr);
        e.peer = peer.name;
        e.detail = "qcd re-initiation (maxPending)";
        ctx.Emit(std::move(e));
        return;
    }
    if (IkeSa* fresh = ctx.Initiate(peer.name))
    {
        m_pending.insert(fresh->Handle());
    }
}

void
QcdPolicy::OnUnprotectedHint(EngineContext& ctx, IkeSa& sa, uint16_t notifyType, const Datagram& in)
{
    // RFC 7296 2.21.4, as the hint scheme: a liveness check at once, rate-limited per SA, its
    // schedule not shortened. Against a QCD maker the check is what fetches the token.
    if (sa.state != IkeSaState::Established)
    {
        Ignore(ctx, &sa, notifyType, in, "qcd hint: SA not established");
        return;
    }
    if (sa.tasks.Busy())
    {
        // Our request (typically the liveness check) is in flight. If it has waited two RTTs,
        // the peer has most likely lost the SA and a maker answers a request with the token:
        // resend it now rather than wait up to a whole backoff step for the schedule.
        const Time first = sa.tasks.RequestFirstSent();
        const Time rtt = sa.tasks.MeasuredRtt() > Time(0) ? sa.tasks.MeasuredRtt() : kDefaultRtt;
        if (!m_config.qcd.resendOnHint || first == kNever || ctx.Now() - first < 2 * rtt)
        {
            Ignore(ctx, &sa, notifyType, in, "qcd hint: exchange already in flight");
            return;
        }
        if (!m_hintLimiter.Allow(sa.Handle(), ctx.Now()))
        {
            ctx.Counters().rateLimited++;
            Event e = ctx.MakeEvent(EventType::RateLimited, &sa);
            e.notifyType = notifyType;
            e.detail = "hint early resend";
            ctx.Emit(std::move(e));
            return;
        }
        sa.tasks.ResendNow(ctx, sa, "qcd hint");
        return;
    }
    if (!m_hintLimiter.Allow(sa.Handle(), ctx.Now()))
    {
        ctx.Counters().rateLimited++;
        Event e = ctx.MakeEvent(EventType::RateLimited, &sa);
        e.notifyType = notifyType;
        e.detail = "hint liveness check";
        ctx.Emit(std::move(e));
        return;
    }
    ctx.StartLivenessCheck(sa);
}

size_t
QcdPolicy::VolatileStateBytes() const
{
    // The secrets and keyed HMACs are a fixed cost (about 1 KiB per generation in OpenSSL);
    // the tables are bounded.
    return m_replyLimiter.StateBytes() + m_verifyLimiter.StateBytes() + m_hintLimiter.StateBytes() +
           m_pending.size() * (sizeof(uint64_t) + 4 * sizeof(void*));
}

// ---------------------------------------------------------------------------------------------
// RFC 6290 8.2: inbound Child SPI -> parent IKE SPIs, in the persistent store

std::string
QcdPolicy::MapKey(const char* prefix, uint32_t spi)
{
    char hex[9];
    std::snprintf(hex, sizeof(hex), "%08x", spi);
    return std::string(prefix) + hex;
}

void
QcdPolicy::RotateMapAtStart(EngineContext& ctx)
{
    PersistentStore& store = ctx.Store();
    const std::string current = kMapPrefix;
    const std::string old = kOldMapPrefix;
    std::vector<std::pair<std::string, Bytes>> moved;
    std::vector<std::string> erased;
    for (const auto& [key, value] : store.Entries())
    {
        if (key.compare(0, old.size(), old) == 0)
        {
            erased.push_back(key);
        }
        else if (key.compare(0, current.size(), current) == 0)
        {
            erased.push_back(key);
            moved.emplace_back(old + key.substr(current.size()), value);
        }
    }
    for (const auto& k : erased)
    {
        store.Erase(k);
    }
    if (!m_config.qcd.childSpiMap || !m_config.qcd.maker)
    {
        return; // switched off: nothing of it stays in the store
    }
    // The SAs of the boot before are the ones a crash lost; those of earlier boots were
    // either answered already or are long dead at the taker.
    for (auto& [k, v] : moved)
    {
        store.Put(k, std::move(v));
    }
    m_mapEntries = 0;
}

void
QcdPolicy::SyncChildMap(EngineContext& ctx, IkeSa& sa)
{
    if (!m_config.qcd.childSpiMap || !MakerActive() || sa.dead)
    {
        return;
    }
    auto* existing = dynamic_cast<QcdSaData*>(sa.policyData.get());
    if (sa.children.empty() && (!existing || existing->mappedSpis.empty()))
    {
        return;
    }
    QcdSaData& d = Data(sa);
    std::vector<uint32_t> live;
    for (const auto& c : sa.children)
    {
        live.push_back(c->SpiIn());
    }
    ByteWriter w(16);
    w.U64(sa.spiI);
    w.U64(sa.spiR);
    const Bytes parent = w.Take();
    PersistentStore& store = ctx.Store();
    std::vector<uint32_t> mapped;
    for (uint32_t spi : d.mappedSpis)
    {
        if (std::find(live.begin(), live.end(), spi) != live.end())
        {
            mapped.push_back(spi);
            continue;
        }
        const std::string key = MapKey(kMapPrefix, spi);
        const Bytes* v = store.Get(key);
        if (v && *v == parent)
        {
            store.Erase(key);
            m_mapEntries -= m_mapEntries > 0 ? 1 : 0;
        }
    }
    for (uint32_t spi : live)
    {
        const std::string key = MapKey(kMapPrefix, spi);
        const Bytes* v = store.Get(key);
        if (v && *v == parent)
        {
            if (std::find(mapped.begin(), mapped.end(), spi) == mapped.end())
            {
                mapped.push_back(spi);
            }
            continue;
        }
        if (!v && m_mapEntries >= kMaxMapEntries)
        {
            continue; // full: this Child SA's ESP will take the liveness-check path
        }
        if (!v)
        {
            ++m_mapEntries;
        }
        store.Put(key, parent); // new, or moved here by an IKE rekey
        mapped.push_back(spi);
    }
    d.mappedSpis = std::move(mapped);
}

void
QcdPolicy::EraseMapEntries(EngineContext& ctx, IkeSa& sa)
{
    auto* d = dynamic_cast<QcdSaData*>(sa.policyData.get());
    if (!d || d->mappedSpis.empty())
    {
        return;
    }
    ByteWriter w(16);
    w.U64(sa.spiI);
    w.U64(sa.spiR);
    const Bytes parent = w.Take();
    for (uint32_t spi : d->mappedSpis)
    {
        const std::string key = MapKey(kMapPrefix, spi);
        const Bytes* v = ctx.Store().Get(key);
        // An entry rewritten by an IKE rekey belongs to the new SA now.
        if (v && *v == parent)
        {
            ctx.Store().Erase(key);
            m_mapEntries -= m_mapEntries > 0 ? 1 : 0;
        }
    }
    d->mappedSpis.clear();
}

bool
QcdPolicy::LookupMap(EngineContext& ctx, uint32_t spi, uint64_t& spiI, uint64_t& spiR) const
{
    for (const char* prefix : { kOldMapPrefix, kMapPrefix })
    {
        const Bytes* v = ctx.Store().Get(MapKey(prefix, spi));
        if (!v)
        {
            continue;
        }
        ByteReader r(*v);
        if (r.ReadU64(spiI) && r.ReadU64(spiR) && r.Remaining() == 0)
        {
            return true;
        }
    }
    return false;
}

} // namespace ikev2

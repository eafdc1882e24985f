// The `sir` scheme (draft-detienne-ikev2-recovery-03). Section numbers are the draft's; the
// header-field decisions and their reasons are in doc/sir.md.
#include "sir-policy.h"

#include "child-negotiation.h"
#include "engine-context.h"
#include "ike-sa.h"

#include <algorithm>
#include <cstdio>

namespace ikev2
{

namespace
{

constexpr Time kDefaultWait = std::chrono::milliseconds(100);
constexpr Time kMinWait = std::chrono::milliseconds(1);
constexpr Time kMaxWait = std::chrono::seconds(1);

/// The CHECK_SPI notifies among @p payloads, decoded in order. False (with @p error) when one
/// is malformed: the whole message is then dropped, never partly acted on.
bool
DecodeAll(const std::vector<Payload>& payloads, std::vector<CheckSpi>& out, std::string& error)
{
    for (const auto& p : payloads)
    {
        const auto* n = std::get_if<NotifyPayload>(&p.body);
        if (!n || n->type != notify::kCheckSpi)
        {
            continue;
        }
        CheckSpi c;
        if (!DecodeCheckSpi(*n, c, error))
        {
            return false;
        }
        out.push_back(std::move(c));
    }
    return true;
}

const CheckSpi*
FindSubtype(const std::vector<CheckSpi>& checks, CheckSpiSubtype subtype)
{
    for (const auto& c : checks)
    {
        if (c.subtype == subtype)
        {
            return &c;
        }
    }
    return nullptr;
}

/// The first QUERY, ACK or NACK (anything but a LONE_COOKIE).
const CheckSpi*
FindMain(const std::vector<CheckSpi>& checks)
{
    for (const auto& c : checks)
    {
        if (c.subtype != CheckSpiSubtype::LoneCookie)
        {
            return &c;
        }
    }
    return nullptr;
}

bool
HasSirVendorId(const std::vector<Payload>& payloads)
{
    for (const auto& p : payloads)
    {
        const auto* v = std::get_if<VendorIdPayload>(&p.body);
        if (v && IsSirVendorId(v->data))
        {
            return true;
        }
    }
    return false;
}

/// An IKE-form CHECK_SPI about exactly the SA of @p h (the header form, or the explicit form
/// naming the same pair).
bool
NamesHeaderSa(const CheckSpi& c, const IkeHeader& h)
{
    uint64_t spiI = 0;
    uint64_t spiR = 0;
    return c.IsIkeSa() && CheckSpiIkeSpis(c, h.spiI, h.spiR, spiI, spiR) && spiI == h.spiI &&
           spiR == h.spiR && spiI != 0 && spiR != 0;
}

/// Cookie_X binds the addresses only: the IKE_SA_INIT it admits goes to port 500 even when
/// the QUERY came on 4500 (doc/sir.md section 4).
SocketAddress
IpOnly(const SocketAddress& a)
{
    SocketAddress s;
    s.ip = a.ip;
    return s;
}

std::string
Hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%08x", v);
    return buf;
}

std::string
Millis(Time t)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f ms", ToSeconds(t) * 1e3);
    return buf;
}

void
EmitIgnored(EngineContext& ctx,
            IkeSa* sa,
            uint16_t notifyType,
            const SocketAddress& remote,
            const std::string& detail)
{
    Event e = ctx.MakeEvent(EventType::UnprotectedIgnored, sa);
    e.notifyType = notifyType;
    e.remote = remote;
    e.detail = detail;
    ctx.Emit(std::move(e));
}

void
EmitMalformed(EngineContext& ctx, IkeSa* sa, const SocketAddress& remote, const std::string& error)
{
    ctx.Counters().malformedDropped++;
    Event e = ctx.MakeEvent(EventType::MalformedDropped, sa);
    e.notifyType = notify::kCheckSpi;
    e.remote = remote;
    e.detail = "sir: " + error;
    ctx.Emit(std::move(e));
}

/// One recovery takes, from one peer, up to three unauthenticated messages within two RTTs
/// (INVALID_SPI, INVALID_IKE_SPI, NACK) and sends it two queries (SK{QUERY}, QUERY): the buckets
/// hold at least that much, so that even a limit of 1/s lets one whole recovery through.
constexpr double kAcceptPerRecovery = 3;
constexpr double kQueriesPerRecovery = 2;

double
Burst(double rate, double perRecovery)
{
    return std::max(perRecovery, rate);
}

} // namespace

SirPolicy::SirPolicy(const EndpointConfig& config)
  : RecoveryPolicy(config)
  , m_queryLimiter(config.sir.queriesPerSecond,
                   Burst(config.sir.queriesPerSecond, kQueriesPerRecovery))
  , m_acceptLimiter(config.sir.acceptPerSecond,
                    Burst(config.sir.acceptPerSecond, kAcceptPerRecovery))
{
    const SirConfig& s = config.sir;
    if (s.queriesPerSecond < 0 || s.acceptPerSecond < 0 || s.aggregateFactor < 0)
    {
        throw ConfigError("sir: queriesPerSecond, acceptPerSecond and aggregateFactor must be "
                          ">= 0 (0: no limit)");
    }
    if (s.acceptPerSecond > 0 && s.aggregateFactor > 0)
    {
        const double all = s.acceptPerSecond * s.aggregateFactor;
        m_acceptLimiter.SetAggregate(all, Burst(all, kAcceptPerRecovery));
    }
    if (s.cookieLifetime <= Time(0))
    {
        throw ConfigError("sir: cookieLifetime must be > 0");
    }
    if (s.dampening < Time(0) || s.waitTime < Time(0))
    {
        throw ConfigError("sir: dampening and waitTime must be >= 0");
    }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle and per-SA data

void
SirPolicy::OnStart(EngineContext& ctx)
{
    // Its own generator, so that SIR leaves the engine's SPI and nonce stream untouched (the
    // same seed gives the same SAs under every scheme); a new label per boot.
    m_drbg = std::make_unique<Drbg>(
      m_config.seed, m_config.name + "/sir-cookie/boot-" + std::to_string(ctx.BootCount()));
    m_jar = std::make_unique<SirCookieJar>(*m_drbg, m_config.sir.cookieLifetime);
}

void
SirPolicy::OnCrash()
{
    m_jar.reset();
    m_drbg.reset();
    m_queryLimiter.Clear();
    m_acceptLimiter.Clear();
    m_waiting.clear();
    m_pendingCookieX.reset();
    m_pendingNack.reset();
}

SirSaData&
SirPolicy::Data(IkeSa& sa)
{
    if (!sa.policyData)
    {
        sa.policyData = std::make_unique<SirSaData>();
    }
    return static_cast<SirSaData&>(*sa.policyData);
}

const SirSaData*
SirPolicy::Data(const IkeSa& sa) const
{
    return static_cast<const SirSaData*>(sa.policyData.get());
}

bool
SirPolicy::Dampened(const IkeSa& sa, Time now) const
{
    // After create or rekey (the SA's establishment time), after a recovery or an anomaly.
    if (now < sa.establishedAt + m_config.sir.dampening)
    {
        return true;
    }
    const SirSaData* d = Data(sa);
    return d && now < d->dampenUntil;
}

void
SirPolicy::Dampen(IkeSa& sa, Time now)
{
    Data(sa).dampenUntil = now + m_config.sir.dampening;
}

Time
SirPolicy::WaitTime(const IkeSa& sa) const
{
    if (m_config.sir.waitTime > Time(0))
    {
        return m_config.sir.waitTime;
    }
    const SirSaData* d = Data(sa);
    if (!d || d->rtt <= Time(0))
    {
        return kDefaultWait;
    }
    return std::clamp(d->rtt, kMinWait, kMaxWait);
}

Time
SirPolicy::MeasuredRtt(const IkeSa& sa) const
{
    const SirSaData* d = Data(sa);
    return d && d->rtt > Time(0) ? d->rtt : kDefaultWait;
}

bool
SirPolicy::Accept(EngineContext& ctx, IkeSa* sa, const SocketAddress& from, const char* what)
{
    if (m_acceptLimiter.Allow(from.ip, ctx.Now()))
    {
        return true;
    }
    ctx.Counters().rateLimited++;
    Event e = ctx.MakeEvent(EventType::RateLimited, sa);
    e.remote = from;
    e.notifyType = notify::kCheckSpi;
    e.detail = std::string("sir: ") + what;
    ctx.Emit(std::move(e));
    return false;
}

void
SirPolicy::EmitCheckSpi(EngineContext& ctx,
                        EventType type,
                        IkeSa* sa,
                        const SocketAddress& remote,
                        const std::string& detail)
{
    Event e = ctx.MakeEvent(type, sa);
    e.remote = remote;
    e.notifyType = notify::kCheckSpi;
    e.detail = detail;
    ctx.Emit(std::move(e));
}

// ---------------------------------------------------------------------------------------------
// IKE_SA_INIT: Vendor ID, RTT, Cookie_X, the mandatory initiator's NACK

void
SirPolicy::AddIkeSaInitPayloads(EngineContext& ctx,
                                IkeSa& sa,
                                bool request,
                                std::vector<Payload>& out)
{
    SirSaData& d = Data(sa);
    d.measureFrom = ctx.Now();
    if (request)
    {
        if (m_pendingCookieX && m_pendingCookieX->first == sa.PeerIndex())
        {
            d.initNotify = std::make_unique<NotifyPayload>(
              EncodeCheckSpi(MakeLoneCookie(m_pendingCookieX->second)));
            m_pendingCookieX.reset();
        }
        if (m_pendingNack)
        {
            d.initNotify = std::make_unique<NotifyPayload>(*m_pendingNack);
            m_pendingNack.reset();
        }
        if (d.initNotify)
        {
            // First, where RFC 7296 2.6 puts COOKIE (after it when a COOKIE is being returned).
            auto at = out.begin();
            if (at != out.end())
            {
                const auto* n = std::get_if<NotifyPayload>(&at->body);
                if (n && n->type == notify::kCookie)
                {
                    ++at;
                }
            }
            out.insert(at, MakePayload(*d.initNotify));
        }
    }
    out.push_back(MakePayload(VendorIdPayload{ SirVendorId() }));
}

void
SirPolicy::OnIkeSaInitMessage(EngineContext& ctx,
                              IkeSa& sa,
                              const IkeHeader& header,
                              const std::vector<Payload>& payloads)
{
    SirSaData& d = Data(sa);
    if (HasSirVendorId(payloads))
    {
        d.peerSupportsSir = true;
    }
    if (header.IsResponse())
    {
        // The initiator's RTT: IKE_SA_INIT request (last built) to its response.
        if (d.measureFrom != kNever)
        {
            d.rtt = ctx.Now() - d.measureFrom;
            d.measureFrom = kNever;
        }
        return;
    }
    std::vector<CheckSpi> checks;
    std::string error;
    if (!DecodeAll(payloads, checks, error))
    {
        EmitMalformed(ctx, &sa, sa.remote, error);
        return;
    }
    const CheckSpi* nack = FindSubtype(checks, CheckSpiSubtype::Nack);
    if (nack && nack->IsExplicitIkeSa())
    {
        OnNackInInit(ctx, sa, *nack);
    }
}

void
SirPolicy::OnNackInInit(EngineContext& ctx, IkeSa& fresh, const CheckSpi& nack)
{
    uint64_t spiI = 0;
    uint64_t spiR = 0;
    CheckSpiIkeSpis(nack, 0, 0, spiI, spiR);
    IkeSa* old = ctx.FindIkeSaBySpis(spiI, spiR);
    if (!old || old == &fresh || old->state == IkeSaState::Connecting ||
        old->remote.ip != fresh.remote.ip)
    {
        EmitIgnored(ctx,
                    nullptr,
                    notify::kCheckSpi,
                    fresh.remote,
                    "sir: NACK in IKE_SA_INIT for no SA of ours with that peer");
        return;
    }
    if (Dampened(*old, ctx.Now()))
    {
        EmitIgnored(ctx, old, notify::kCheckSpi, fresh.remote, "sir: dampened");
        return;
    }
    if (!Accept(ctx, old, fresh.remote, "NACK in IKE_SA_INIT"))
    {
        return;
    }
    // Our QUERY went out under the old SA's addresses (its ports may differ from this
    // IKE_SA_INIT's when the old SA used UDP 4500).
    if (!m_jar || !m_jar->Verify(nack.cookie, nack, 0, 0, old->local, old->remote, ctx.Now()))
    {
        EmitCheckSpi(ctx,
                     EventType::CookieRejected,
                     old,
                     fresh.remote,
                     "sir: NACK in IKE_SA_INIT with an invalid or expired cookie");
        return;
    }
    Data(fresh).replacesHandle = old->Handle();
    Dampen(*old, ctx.Now());
    m_waiting.erase(old->Handle());
    EmitCheckSpi(ctx,
                 EventType::CheckSpiAnswer,
                 old,
                 fresh.remote,
                 "nack in IKE_SA_INIT (mandatory initiator): replaced once the new SA is "
                 "authenticated");
    Event r = ctx.MakeEvent(EventType::RecoveryDetected, old);
    r.detail = "sir-nack-in-init";
    ctx.Emit(std::move(r));
}

void
SirPolicy::OnIkeSaEstablished(EngineContext& ctx, IkeSa& sa)
{
    SirSaData& d = Data(sa);
    if (!sa.originalInitiator && d.measureFrom != kNever)
    {
        // The responder's RTT: IKE_SA_INIT response sent to IKE_AUTH request received.
        d.rtt = ctx.Now() - d.measureFrom;
    }
    d.measureFrom = kNever;
    d.initNotify.reset();
    if (d.replacesHandle != 0)
    {
        IkeSa* old = ctx.FindIkeSaByHandle(d.replacesHandle);
        d.replacesHandle = 0;
        // Only an SA with the identity the new one just authenticated.
        if (old && old != &sa && old->remoteIdentity == sa.remoteIdentity)
        {
            ctx.DeleteIkeSa(*old, "sir-replaced");
        }
    }
}

void
SirPolicy::OnIkeSaRekeyed(EngineContext& ctx, IkeSa& oldSa, IkeSa& newSa, bool weInitiated)
{
    const bool peerSupportsSir = Data(oldSa).peerSupportsSir;
    const Time rtt = Data(oldSa).rtt;
    SirSaData& to = Data(newSa);
    to.peerSupportsSir = peerSupportsSir;
    to.rtt = rtt;
    m_waiting.erase(oldSa.Handle());
}

void
SirPolicy::OnIkeSaDeleted(EngineContext& ctx, IkeSa& sa)
{
    m_waiting.erase(sa.Handle());
}

// ---------------------------------------------------------------------------------------------
// Y: the triggers (Child path 3.4 and IKE path 3.2.2, step 3)

bool
SirPolicy::MayQuery(EngineContext& ctx, IkeSa& sa, uint16_t trigger, const Datagram& in)
{
    if (sa.state != IkeSaState::Established && sa.state != IkeSaState::Rekeying)
    {
        Ignore(ctx, &sa, trigger, in, "sir: SA not established");
        return false;
    }
    if (!Data(sa).peerSupportsSir)
    {
        Ignore(ctx, &sa, trigger, in, "sir: the peer did not announce SIR");
        return false;
    }
    if (m_waiting.count(sa.Handle()) != 0)
    {
        Ignore(ctx, &sa, trigger, in, "sir: waiting before re-creating");
        return false;
    }
    if (Dampened(sa, ctx.Now()))
    {
        Ignore(ctx, &sa, trigger, in, "sir: dampened");
        return false;
    }
    return true;
}

bool
SirPolicy::QueryOutstanding(EngineContext& ctx, IkeSa& sa, uint16_t trigger, const Datagram& in)
{
    // One QUERY outstanding per SA: its answer is one RTT away; if it is lost, the next trigger
    // after two RTTs asks again (draft 3.2.2: a lost message restarts the process).
    const SirSaData& d = Data(sa);
    if (d.querySentAt != kNever && ctx.Now() - d.querySentAt < 2 * MeasuredRtt(sa))
    {
        Ignore(ctx, &sa, trigger, in, "sir: QUERY outstanding");
        return true;
    }
    return false;
}

void
SirPolicy::OnUnprotectedInvalidSpi(EngineContext& ctx,
                                   IkeSa& sa,
                                   ChildSa& child,
                                   const IkeMessage& message,
                                   const Datagram& in)
{
    if (!MayQuery(ctx, sa, notify::kInvalidSpi, in))
    {
        return;
    }
    if (sa.tasks.Busy())
    {
        // Our request in flight (a liveness check, or our own SK{QUERY}) is the protected probe
        // the Child path needs: unanswered for two RTTs, it shows the peer cannot answer on
        // this IKE SA, so go to the IKE path at once (doc/sir.md 7) rather than wait for its
        // next retransmission. Ignored hints take no token from the peer's bucket: the NACK
        // must still get one.
        const Time first = sa.tasks.RequestFirstSent();
        if (first == kNever || ctx.Now() - first < 2 * MeasuredRtt(sa))
        {
            Ignore(ctx, &sa, notify::kInvalidSpi, in, "sir: exchange in flight");
            return;
        }
        if (!QueryOutstanding(ctx, sa, notify::kInvalidSpi, in) &&
            Accept(ctx, &sa, in.remote, "INVALID_SPI"))
        {
            SendIkeQuery(ctx, sa, "INVALID_SPI with our request unanswered");
        }
        return;
    }
    if (!Accept(ctx, &sa, in.remote, "INVALID_SPI"))
    {
        return;
    }
    if (!m_queryLimiter.Allow(sa.remote.ip, ctx.Now()))
    {
        ctx.Counters().rateLimited++;
        Event e = ctx.MakeEvent(EventType::RateLimited, &sa);
        e.notifyType = notify::kCheckSpi;
        e.detail = "sir: SK{QUERY}";
        ctx.Emit(std::move(e));
        return;
    }
    // The SPI as it appeared in the ESP packets (the peer's inbound SPI, ours outbound).
    const uint32_t spi = child.SpiOut();
    ctx.SendInformational(
      sa, { MakePayload(EncodeCheckSpi(MakeChildCheckSpi(CheckSpiSubtype::Query, spi))) });
    Data(sa).probeSentAt = ctx.Now();
    EmitCheckSpi(
      ctx, EventType::CheckSpiQuery, &sa, sa.remote, "sent SK{QUERY} for Child SA " + Hex32(spi));
}

void
SirPolicy::SendIkeQuery(EngineContext& ctx, IkeSa& sa, const char* why)
{
    if (!m_jar)
    {
        return;
    }
    if (!m_queryLimiter.Allow(sa.remote.ip, ctx.Now()))
    {
        ctx.Counters().rateLimited++;
        Event e = ctx.MakeEvent(EventType::RateLimited, &sa);
        e.notifyType = notify::kCheckSpi;
        e.detail = "sir: QUERY";
        ctx.Emit(std::move(e));
        return;
    }
    CheckSpi q = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    q.cookie = m_jar->Make(q, sa.spiI, sa.spiR, sa.local, sa.remote, ctx.Now());
    IkeMessage m;
    m.header.spiI = sa.spiI;
    m.header.spiR = sa.spiR;
    m.header.exchangeType = static_cast<uint8_t>(ExchangeType::Informational);
    m.header.messageId = 0;
    m.header.flags = sa.originalInitiator ? kFlagInitiator : 0;
    m.payloads.push_back(MakePayload(EncodeCheckSpi(q)));
    ctx.SendUnprotected(sa.local, sa.remote, m);
    Data(sa).querySentAt = ctx.Now();
    EmitCheckSpi(
      ctx, EventType::CheckSpiQuery, &sa, sa.remote, std::string("sent QUERY after ") + why);
}

// ---------------------------------------------------------------------------------------------
// Unprotected messages naming an SA we hold

void
SirPolicy::OnUnprotectedForSa(EngineContext& ctx,
                              IkeSa& sa,
                              const IkeMessage& message,
                              const Datagram& in)
{
    const IkeHeader& h = message.header;
    std::vector<CheckSpi> checks;
    std::string error;
    if (!DecodeAll(message.payloads, checks, error))
    {
        EmitMalformed(ctx, &sa, in.remote, error);
        return;
    }
    const CheckSpi* main = FindMain(checks);
    if (!main)
    {
        if (h.IsResponse() && message.FindNotify(notify::kInvalidIkeSpi) &&
            sa.tasks.ExpectsResponse(h))
        {
            if (MayQuery(ctx, sa, notify::kInvalidIkeSpi, in) &&
                !QueryOutstanding(ctx, sa, notify::kInvalidIkeSpi, in) &&
                Accept(ctx, &sa, in.remote, "INVALID_IKE_SPI"))
            {
                SendIkeQuery(ctx, sa, "INVALID_IKE_SPI");
            }
            return;
        }
        RecoveryPolicy::OnUnprotectedForSa(ctx, sa, message, in);
        return;
    }
    if (!NamesHeaderSa(*main, h))
    {
        EmitIgnored(ctx,
                    &sa,
                    notify::kCheckSpi,
                    in.remote,
                    "sir: unprotected CHECK_SPI not about the IKE SA of its header");
        return;
    }
    if (!h.IsResponse() && main->subtype == CheckSpiSubtype::Query)
    {
        AnswerQuery(ctx, &sa, message, *main, in); // X that still has the SA: ACK
        return;
    }
    if (h.IsResponse() &&
        (main->subtype == CheckSpiSubtype::Ack || main->subtype == CheckSpiSubtype::Nack))
    {
        const CheckSpi* lone = FindSubtype(checks, CheckSpiSubtype::LoneCookie);
        OnAnswer(ctx, sa, message, *main, lone ? lone->cookie : Bytes{}, in);
        return;
    }
    EmitIgnored(ctx, &sa, notify::kCheckSpi, in.remote, "sir: unexpected CHECK_SPI");
}

void
SirPolicy::OnAnswer(EngineContext& ctx,
                    IkeSa& sa,
                    const IkeMessage& message,
                    const CheckSpi& answer,
                    const Bytes& cookieX,
                    const Datagram& in)
{
    const Time now = ctx.Now();
    const bool ack = answer.subtype == CheckSpiSubtype::Ack;
    auto waiting = m_waiting.find(sa.Handle());
    if (waiting == m_waiting.end() && Dampened(sa, now))
    {
        EmitIgnored(ctx, &sa, notify::kCheckSpi, in.remote, "sir: dampened");
        return;
    }
    if (!Accept(ctx, &sa, in.remote, ack ? "ACK" : "NACK"))
    {
        return;
    }
    // Stateless proof that this answers a QUERY we sent to this address (draft 3.2.4).
    if (!m_jar || !m_jar->Verify(answer.cookie,
                                 answer,
                                 message.header.spiI,
                                 message.header.spiR,
                                 in.local,
                                 in.remote,
                                 now))
    {
        EmitCheckSpi(ctx,
                     EventType::CookieRejected,
                     &sa,
                     in.remote,
                     std::string("sir: ") + CheckSpiSubtypeName(answer.subtype) +
                       " with an invalid or expired cookie");
        return;
    }
    if (ack)
    {
        const bool contradicted = waiting != m_waiting.end();
        if (contradicted)
        {
            m_waiting.erase(waiting);
        }
        Dampen(sa, now);
        EmitCheckSpi(ctx,
                     EventType::CheckSpiAnswer,
                     &sa,
                     in.remote,
                     contradicted ? "ack and nack: re-creation aborted (forged NACK or race)"
                                  : "ack: SA kept (race or spoofed INVALID_SPI)");
        return;
    }
    if (waiting != m_waiting.end())
    {
        EmitIgnored(ctx, &sa, notify::kCheckSpi, in.remote, "sir: NACK already seen");
        return;
    }
    if (m_config.sir.waitBeforeRekey)
    {
        const Time wait = WaitTime(sa);
        m_waiting[sa.Handle()] = Waiting{ now + wait, cookieX };
        EmitCheckSpi(ctx,
                     EventType::CheckSpiAnswer,
                     &sa,
                     in.remote,
                     "nack: waiting " + Millis(wait) + " for a contradicting ACK");
        return;
    }
    EmitCheckSpi(ctx, EventType::CheckSpiAnswer, &sa, in.remote, "nack: re-creating");
    Recreate(ctx, sa, cookieX);
}

void
SirPolicy::Recreate(EngineContext& ctx, IkeSa& sa, const Bytes& cookieX)
{
    Dampen(sa, ctx.Now());
    m_waiting.erase(sa.Handle());
    if (!cookieX.empty())
    {
        m_pendingCookieX = std::make_pair(sa.PeerIndex(), cookieX);
    }
    // RecoveryDetected; the new IKE SA (with its first Child SA) replaces this one once it is
    // established: the old SAs keep carrying our traffic until then.
    ctx.ReplaceIkeSa(sa);
    m_pendingCookieX.reset();
}

Time
SirPolicy::NextDeadline() const
{
    Time d = kNever;
    for (const auto& [handle, w] : m_waiting)
    {
        d = std::min(d, w.until);
    }
    return d;
}

void
SirPolicy::OnTimer(EngineContext& ctx)
{
    std::vector<std::pair<uint64_t, Bytes>> due;
    for (auto it = m_waiting.begin(); it != m_waiting.end();)
    {
        if (it->second.until <= ctx.Now())
        {
            due.emplace_back(it->first, std::move(it->second.cookieX));
            it = m_waiting.erase(it);
        }
        else
        {
            ++it;
        }
    }
    for (auto& [handle, cookieX] : due)
    {
        if (IkeSa* sa = ctx.FindIkeSaByHandle(handle))
        {
            EmitCheckSpi(ctx,
                         EventType::CheckSpiAnswer,
                         sa,
                         sa->remote,
                         "nack: no contradicting ACK within the wait, re-creating");
            Recreate(ctx, *sa, cookieX);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// X: answering QUERYs

void
SirPolicy::OnUnprotectedOutsideSa(EngineContext& ctx, const IkeMessage& message, const Datagram& in)
{
    const IkeHeader& h = message.header;
    if (h.IsResponse())
    {
        return; // never answered (RFC 7296 2.21.4); e.g. a late answer for an SA now gone
    }
    std::vector<CheckSpi> checks;
    std::string error;
    if (!DecodeAll(message.payloads, checks, error))
    {
        EmitMalformed(ctx, nullptr, in.remote, error);
        return;
    }
    const CheckSpi* query = FindSubtype(checks, CheckSpiSubtype::Query);
    if (!query || !NamesHeaderSa(*query, h))
    {
        return;
    }
    AnswerQuery(ctx, nullptr, message, *query, in);
}

void
SirPolicy::AnswerQuery(EngineContext& ctx,
                       IkeSa* sa,
                       const IkeMessage& query,
                       const CheckSpi& c,
                       const Datagram& in)
{
    const IkeHeader& h = query.header;
    if (!Accept(ctx, sa, in.remote, "QUERY"))
    {
        return;
    }
    if (c.cookie.empty())
    {
        EmitIgnored(ctx, sa, notify::kCheckSpi, in.remote, "sir: unprotected QUERY without cookie");
        return;
    }
    Event q = ctx.MakeEvent(EventType::CheckSpiQuery, sa);
    q.remote = in.remote;
    q.spiI = h.spiI;
    q.spiR = h.spiR;
    q.notifyType = notify::kCheckSpi;
    q.detail = sa ? "received QUERY for an SA we hold" : "received QUERY for an SA we lack";
    ctx.Emit(std::move(q));
    if (!sa && m_config.sir.mandatoryInitiator && InitiateWithNack(ctx, query, c, in))
    {
        return;
    }
    IkeMessage reply;
    reply.header.spiI = h.spiI;
    reply.header.spiR = h.spiR;
    reply.header.exchangeType = h.exchangeType;
    reply.header.messageId = h.messageId;
    reply.header.flags = kFlagResponse | (h.IsInitiator() ? 0 : kFlagInitiator);
    CheckSpi answer = c;
    answer.subtype = sa ? CheckSpiSubtype::Ack : CheckSpiSubtype::Nack;
    reply.payloads.push_back(MakePayload(EncodeCheckSpi(answer)));
    if (!sa && m_jar)
    {
        // Cookie_X: lets the IKE_SA_INIT that re-creates the SA past our COOKIE demand.
        reply.payloads.push_back(MakePayload(EncodeCheckSpi(
          MakeLoneCookie(m_jar->MakeLone(IpOnly(in.local), IpOnly(in.remote), ctx.Now())))));
    }
    ctx.SendUnprotected(in.local, in.remote, reply);
    Event e = ctx.MakeEvent(EventType::CheckSpiAnswer, sa);
    e.remote = in.remote;
    e.spiI = h.spiI;
    e.spiR = h.spiR;
    e.notifyType = notify::kCheckSpi;
    e.detail = sa ? "sent ACK" : "sent NACK";
    ctx.Emit(std::move(e));
}

bool
SirPolicy::InitiateWithNack(EngineContext& ctx,
                            const IkeMessage& query,
                            const CheckSpi& c,
                            const Datagram& in)
{
    const auto& peers = ctx.Config().peers;
    size_t index = peers.size();
    for (size_t i = 0; i < peers.size(); ++i)
    {
        const PeerConfig& p = peers[i];
        if (p.remote.ip == in.remote.ip && (p.local.ip.value == 0 || p.local.ip == in.local.ip))
        {
            index = i;
            break;
        }
    }
    if (index == peers.size())
    {
        return false; // no policy to initiate to this peer: answer with a NACK message
    }
    for (IkeSa* s : ctx.IkeSasOfPeer(index))
    {
        if (s->originalInitiator && s->state == IkeSaState::Connecting)
        {
            EmitIgnored(ctx,
                        s,
                        notify::kCheckSpi,
                        in.remote,
                        "sir: QUERY while our IKE_SA_INIT with a NACK is under way");
            return true;
        }
    }
    uint64_t spiI = 0;
    uint64_t spiR = 0;
    CheckSpiIkeSpis(c, query.header.spiI, query.header.spiR, spiI, spiR);
    m_pendingNack =
      EncodeCheckSpi(MakeExplicitIkeCheckSpi(CheckSpiSubtype::Nack, spiI, spiR, c.cookie));
    IkeSa* fresh = ctx.Initiate(peers[index].name);
    m_pendingNack.reset();
    if (!fresh)
    {
        return false;
    }
    Event e = ctx.MakeEvent(EventType::CheckSpiAnswer, fresh);
    e.remote = in.remote;
    e.notifyType = notify::kCheckSpi;
    e.detail = "sent NACK in IKE_SA_INIT (mandatory initiator)";
    ctx.Emit(std::move(e));
    return true;
}

bool
SirPolicy::AcceptsCookieSubstitute(EngineContext& ctx,
                                   const IkeMessage& request,
                                   const Datagram& in)
{
    std::vector<CheckSpi> checks;
    std::string error;
    if (!m_jar || !DecodeAll(request.payloads, checks, error))
    {
        return false;
    }
    const CheckSpi* lone = FindSubtype(checks, CheckSpiSubtype::LoneCookie);
    if (!lone || !Accept(ctx, nullptr, in.remote, "Cookie_X"))
    {
        return false;
    }
    if (m_jar->VerifyLone(lone->cookie, IpOnly(in.local), IpOnly(in.remote), ctx.Now()))
    {
        return true;
    }
    EmitCheckSpi(ctx,
                 EventType::CookieRejected,
                 nullptr,
                 in.remote,
                 "sir: IKE_SA_INIT with an invalid or expired Cookie_X");
    return false;
}

// ---------------------------------------------------------------------------------------------
// Protected CHECK_SPI (Child path, draft 3.4)

void
SirPolicy::OnProtectedMessage(EngineContext& ctx,
                              IkeSa& sa,
                              const IkeHeader& header,
                              const std::vector<Payload>& payloads)
{
    SirSaData& d = Data(sa);
    if (d.probeSentAt != kNever)
    {
        // Y: an authenticated message after our SK{QUERY} (its answer, or anything else)
        // shows the peer holds this IKE SA: the INVALID_SPI was forged or raced a rekey.
        d.probeSentAt = kNever;
        Dampen(sa, ctx.Now());
        EmitCheckSpi(ctx,
                     EventType::CheckSpiAnswer,
                     &sa,
                     sa.remote,
                     "protected answer after SK{QUERY}: the peer holds the IKE SA (forged "
                     "INVALID_SPI or race), dampened");
    }
    if (header.IsResponse())
    {
        return;
    }
    std::vector<CheckSpi> checks;
    std::string error;
    if (!DecodeAll(payloads, checks, error))
    {
        EmitMalformed(ctx, &sa, sa.remote, error);
        return;
    }
    for (const auto& c : checks)
    {
        if (c.subtype != CheckSpiSubtype::Query || c.protocolId != uint8_t(ProtocolId::Esp))
        {
            continue;
        }
        // We are X and still hold the IKE SA: the peer's ESP reached us on an SPI we lack only
        // if we lost that Child SA; say so protected (Y deletes it). A Child SA we have means
        // a race or a forged INVALID_SPI on the peer's side: log it.
        const uint32_t spi = CheckSpiEspSpi(c);
        if (sa.FindChildByIn(spi))
        {
            EmitCheckSpi(ctx,
                         EventType::CheckSpiQuery,
                         &sa,
                         sa.remote,
                         "received SK{QUERY} for live Child SA " + Hex32(spi) +
                           ": race or forged INVALID_SPI (security log)");
            continue;
        }
        EmitCheckSpi(ctx,
                     EventType::CheckSpiQuery,
                     &sa,
                     sa.remote,
                     "received SK{QUERY} for missing Child SA " + Hex32(spi) +
                       ": protected INVALID_SPI");
        ctx.SendInformational(sa, { MakeNotify(notify::kInvalidSpi, SpiToBytes(spi)) });
    }
}

// ---------------------------------------------------------------------------------------------
// Resources

size_t
SirPolicy::VolatileStateBytes() const
{
    size_t n = m_queryLimiter.StateBytes() + m_acceptLimiter.StateBytes();
    if (m_jar)
    {
        n += m_jar->StateBytes();
    }
    for (const auto& [handle, w] : m_waiting)
    {
        n += sizeof(handle) + sizeof(Waiting) + w.cookieX.capacity() + 4 * sizeof(void*);
    }
    return n;
}

} // namespace ikev2

// The schemes built on RFC 7296 alone (hint, initial-contact, trust) and the factory.
// QCD and SIR live in their own files and are created here.
#include "engine-context.h"
#include "ike-sa.h"
#include "qcd-policy.h"
#include "recovery-policy.h"
#include "sir-policy.h"

namespace ikev2
{

namespace
{

/// RFC 7296 2.21.4: an unprotected INVALID_SPI / INVALID_IKE_SPI starts a liveness check at
/// once (rate-limited per IKE SA); the SA is still declared dead only when that check's
/// ordinary retransmission schedule runs out.
class HintPolicy : public RecoveryPolicy
{
  public:
    explicit HintPolicy(const EndpointConfig& config)
        : RecoveryPolicy(config),
          m_limiter(config.limits.hintChecksPerSecond, 1)
    {
    }
    RecoveryScheme Scheme() const override { return RecoveryScheme::Hint; }
    void OnCrash() override { m_limiter.Clear(); }

    void OnUnprotectedHint(EngineContext& ctx,
                           IkeSa& sa,
                           uint16_t notifyType,
                           const Datagram& in) override
    {
        if (sa.state != IkeSaState::Established)
        {
            Ignore(ctx, &sa, notifyType, in, "hint: SA not established");
            return;
        }
        if (sa.tasks.Busy())
        {
            // A request is already being retransmitted: it is the liveness check.
            Ignore(ctx, &sa, notifyType, in, "hint: exchange already in flight");
            return;
        }
        if (!m_limiter.Allow(sa.Handle(), ctx.Now()))
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

    size_t VolatileStateBytes() const override { return m_limiter.StateBytes(); }

  private:
    U64RateLimiter m_limiter; ///< per IKE SA handle
};

/// The rebooted side re-initiates every connection it has an address for, with
/// INITIAL_CONTACT; the survivor behaves as `none` and honours INITIAL_CONTACT.
class InitialContactPolicy : public RecoveryPolicy
{
  public:
    using RecoveryPolicy::RecoveryPolicy;
    RecoveryScheme Scheme() const override { return RecoveryScheme::InitialContact; }
    bool InitiateAtStart(EngineContext& ctx) const override { return ctx.BootCount() > 1; }
    bool SendInitialContact(EngineContext& ctx, const IkeSa& sa) override
    {
        for (IkeSa* other : ctx.IkeSasOfPeer(sa.PeerIndex()))
        {
            if (other != &sa && other->state != IkeSaState::Connecting)
            {
                return false;
            }
        }
        return true;
    }
};

/// Insecure reference: the first unprotected INVALID_SPI / INVALID_IKE_SPI tears the IKE SA
/// down and re-initiates, which is as fast as recovery can be and as easy to forge.
class TrustPolicy : public RecoveryPolicy
{
  public:
    using RecoveryPolicy::RecoveryPolicy;
    RecoveryScheme Scheme() const override { return RecoveryScheme::Trust; }

    void OnUnprotectedHint(EngineContext& ctx,
                           IkeSa& sa,
                           uint16_t notifyType,
                           const Datagram& in) override
    {
        if (sa.state == IkeSaState::Connecting)
        {
            Ignore(ctx, &sa, notifyType, in, "trust: SA not established");
            return;
        }
        Event e = ctx.MakeEvent(EventType::RecoveryDetected, &sa);
        e.notifyType = notifyType;
        e.remote = in.remote;
        e.detail = "trust";
        ctx.Emit(std::move(e));
        const std::string peer = sa.Peer().name;
        ctx.DeleteIkeSa(sa, "trust-teardown");
        ctx.Initiate(peer);
    }
};

} // namespace

std::unique_ptr<RecoveryPolicy>
CreateRecoveryPolicy(const EndpointConfig& config)
{
    switch (config.scheme)
    {
    case RecoveryScheme::None:
        return std::make_unique<RecoveryPolicy>(config);
    case RecoveryScheme::Hint:
        return std::make_unique<HintPolicy>(config);
    case RecoveryScheme::InitialContact:
        return std::make_unique<InitialContactPolicy>(config);
    case RecoveryScheme::Trust:
        return std::make_unique<TrustPolicy>(config);
    case RecoveryScheme::Sir:
        return std::make_unique<SirPolicy>(config);
    case RecoveryScheme::Qcd:
        return std::make_unique<QcdPolicy>(config);
    }
    throw ConfigError(std::string("recovery scheme '") + SchemeName(config.scheme) +
                      "' is not built into this engine yet");
}

} // namespace ikev2

// The RFC 7296 behaviour every scheme starts from (the `none` scheme).
#include "recovery-policy.h"

#include "engine-context.h"
#include "ike-sa.h"

namespace ikev2
{

RecoveryPolicy::RecoveryPolicy(const EndpointConfig& config)
    : m_config(config)
{
}

void
RecoveryPolicy::OnCrash()
{
}

bool
RecoveryPolicy::SendInitialContact(EngineContext& ctx, const IkeSa& sa)
{
    if (!ctx.Config().sendInitialContact)
    {
        return false;
    }
    // "The only IKE SA between these identities" (RFC 7296 2.4): not when we hold another
    // established one for this connection.
    for (IkeSa* other : ctx.IkeSasOfPeer(sa.PeerIndex()))
    {
        if (other != &sa && other->state != IkeSaState::Connecting)
        {
            return false;
        }
    }
    return true;
}

void
RecoveryPolicy::OnInitialContact(EngineContext& ctx, IkeSa& sa)
{
    bool first = true;
    for (IkeSa* other : ctx.IkeSas())
    {
        if (other == &sa || other->dead || other->remoteIdentity != sa.remoteIdentity ||
            other->state == IkeSaState::Connecting || other->Handle() > sa.Handle())
        {
            continue;
        }
        if (first)
        {
            Event r = ctx.MakeEvent(EventType::RecoveryDetected, other);
            r.detail = "initial-contact";
            ctx.Emit(std::move(r));
            first = false;
        }
        Event e = ctx.MakeEvent(EventType::InitialContactHonoured, other);
        e.detail = "replaced by " + std::to_string(sa.spiI) + "/" + std::to_string(sa.spiR);
        ctx.Emit(std::move(e));
        ctx.DeleteIkeSa(*other, "initial-contact");
    }
}

UnprotectedReply
RecoveryPolicy::OnUnknownIkeSpiRequest(EngineContext& ctx,
                                       const IkeMessage& request,
                                       const Datagram& in)
{
    UnprotectedReply r;
    r.send = true;
    r.payloads.push_back(MakeNotify(notify::kInvalidIkeSpi));
    return r;
}

UnprotectedReply
RecoveryPolicy::OnUnknownEspSpi(EngineContext& ctx, uint32_t spi, const Datagram& in)
{
    UnprotectedReply r;
    r.send = true;
    Bytes data{static_cast<uint8_t>(spi >> 24),
               static_cast<uint8_t>(spi >> 16),
               static_cast<uint8_t>(spi >> 8),
               static_cast<uint8_t>(spi)};
    // RFC 7296 3.10: the SPI field is empty, so Protocol ID 0; the SPI goes in the data.
    r.payloads.push_back(MakeNotify(notify::kInvalidSpi, data));
    return r;
}

void
RecoveryPolicy::OnUnprotectedForSa(EngineContext& ctx,
                                   IkeSa& sa,
                                   const IkeMessage& message,
                                   const Datagram& in)
{
    if (message.header.IsResponse() && message.FindNotify(notify::kInvalidIkeSpi) &&
        sa.tasks.ExpectsResponse(message.header))
    {
        OnUnprotectedHint(ctx, sa, notify::kInvalidIkeSpi, in);
        return;
    }
    Ignore(ctx, &sa, 0, in, "unprotected message for an existing IKE SA");
}

void
RecoveryPolicy::OnUnprotectedInvalidSpi(EngineContext& ctx,
                                        IkeSa& sa,
                                        ChildSa& child,
                                        const IkeMessage& message,
                                        const Datagram& in)
{
    OnUnprotectedHint(ctx, sa, notify::kInvalidSpi, in);
}

void
RecoveryPolicy::OnUnprotectedHint(EngineContext& ctx,
                                  IkeSa& sa,
                                  uint16_t notifyType,
                                  const Datagram& in)
{
    Ignore(ctx, &sa, notifyType, in, "none: unauthenticated");
}

void
RecoveryPolicy::Ignore(EngineContext& ctx,
                       IkeSa* sa,
                       uint16_t notifyType,
                       const Datagram& in,
                       const std::string& detail)
{
    Event e = ctx.MakeEvent(EventType::UnprotectedIgnored, sa);
    e.notifyType = notifyType;
    e.remote = in.remote;
    e.detail = detail;
    ctx.Emit(std::move(e));
}

} // namespace ikev2

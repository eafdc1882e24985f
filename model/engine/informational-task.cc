#include "informational-task.h"

#include "child-create-task.h"
#include "child-negotiation.h"
#include "engine-context.h"
#include "ike-sa.h"

#include <algorithm>

namespace ikev2
{

InformationalTask::InformationalTask(bool initiator, Kind kind)
    : Task(initiator),
      m_kind(kind)
{
}

std::unique_ptr<InformationalTask>
InformationalTask::Liveness()
{
    return std::unique_ptr<InformationalTask>(new InformationalTask(true, Kind::Liveness));
}

std::unique_ptr<InformationalTask>
InformationalTask::DeleteIke()
{
    return std::unique_ptr<InformationalTask>(new InformationalTask(true, Kind::DeleteIke));
}

std::unique_ptr<InformationalTask>
InformationalTask::DeleteChild(std::vector<uint32_t> spisIn)
{
    auto t = std::unique_ptr<InformationalTask>(new InformationalTask(true, Kind::DeleteChild));
    t->m_spis = std::move(spisIn);
    return t;
}

std::unique_ptr<InformationalTask>
InformationalTask::Notify(std::vector<Payload> payloads)
{
    auto t = std::unique_ptr<InformationalTask>(new InformationalTask(true, Kind::Notify));
    t->m_payloads = std::move(payloads);
    return t;
}

std::unique_ptr<InformationalTask>
InformationalTask::Responder()
{
    return std::unique_ptr<InformationalTask>(new InformationalTask(false, Kind::Responder));
}

const char*
InformationalTask::Name() const
{
    switch (m_kind)
    {
    case Kind::Liveness:
        return "liveness";
    case Kind::DeleteIke:
        return "delete-ike";
    case Kind::DeleteChild:
        return "delete-child";
    case Kind::Notify:
        return "informational";
    case Kind::Responder:
        break;
    }
    return "informational";
}

bool
InformationalTask::BuildRequest(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    switch (m_kind)
    {
    case Kind::Liveness:
        return true; // HDR, SK {} (RFC 7296 2.4)
    case Kind::DeleteIke: {
        sa.state = IkeSaState::Deleting;
        DeletePayload d;
        d.protocolId = static_cast<uint8_t>(ProtocolId::Ike);
        d.spiSize = 0;
        out.push_back(MakePayload(d));
        return true;
    }
    case Kind::DeleteChild: {
        DeletePayload d;
        d.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
        d.spiSize = 4;
        for (uint32_t spi : m_spis)
        {
            if (ChildSa* c = sa.FindChildByIn(spi))
            {
                c->state = ChildSaState::Deleting;
                d.spis.push_back(SpiToBytes(spi));
            }
        }
        if (d.spis.empty())
        {
            return false;
        }
        out.push_back(MakePayload(d));
        return true;
    }
    case Kind::Notify:
        out = m_payloads;
        return true;
    case Kind::Responder:
        break;
    }
    return false;
}

TaskResult
InformationalTask::ProcessResponse(EngineContext& ctx,
                                   IkeSa& sa,
                                   const IkeHeader& header,
                                   const std::vector<Payload>& in)
{
    switch (m_kind)
    {
    case Kind::Liveness:
        ctx.Emit(ctx.MakeEvent(EventType::LivenessCheckOk, &sa));
        break;
    case Kind::DeleteIke:
        ctx.DeleteIkeSa(sa, "delete-sent");
        break;
    case Kind::DeleteChild:
        for (uint32_t spi : m_spis)
        {
            if (sa.FindChildByIn(spi))
            {
                ctx.RemoveChild(sa, spi, "delete-sent");
            }
        }
        break;
    case Kind::Notify:
    case Kind::Responder:
        break;
    }
    return TaskResult::Done;
}

TaskResult
InformationalTask::ProcessRequest(EngineContext& ctx,
                                  IkeSa& sa,
                                  const IkeHeader& header,
                                  const std::vector<Payload>& in,
                                  std::vector<Payload>& response)
{
    DeletePayload ours;
    ours.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
    ours.spiSize = 4;
    std::vector<uint32_t> toRemove;
    std::vector<uint32_t> invalid;
    std::vector<std::pair<IkeSa*, uint32_t>> invalidElsewhere;
    for (const auto& p : in)
    {
        if (const auto* d = std::get_if<DeletePayload>(&p.body))
        {
            if (d->protocolId == static_cast<uint8_t>(ProtocolId::Ike))
            {
                // RFC 7296 1.4.1: answer with an empty INFORMATIONAL, then the SA is gone.
                response.clear();
                return TaskResult::DeleteSa;
            }
            if (d->protocolId != static_cast<uint8_t>(ProtocolId::Esp) || d->spiSize != 4)
            {
                continue;
            }
            for (const auto& spiBytes : d->spis)
            {
                // The peer names its inbound SPIs: our outbound ones.
                if (ChildSa* c = sa.FindChildByOut(SpiFromBytes(spiBytes)))
                {
                    ours.spis.push_back(SpiToBytes(c->SpiIn()));
                    toRemove.push_back(c->SpiIn());
                }
            }
        }
        else if (const auto* n = std::get_if<NotifyPayload>(&p.body))
        {
            if (n->type == notify::kInvalidSpi && n->data.size() == 4)
            {
                // Protected INVALID_SPI (RFC 7296 1.5): the peer has no such inbound SA.
                // Not for a Child SA younger than a grace of min(first retransmission timeout,
                // 1 s): our ESP sent right after we installed it as IKE_AUTH/CREATE_CHILD_SA
                // responder can reach the peer before it has processed our response, and the
                // INVALID_SPI it drew is stale on arrival, about one RTT after the install
                // (seen with both sides initiating at once). A Child SA really lost that young
                // is re-reported by the next packet after the grace.
                uint32_t spiOut = SpiFromBytes(n->data);
                const Time grace =
                    std::min<Time>(ctx.Config().retransmit.timeout, std::chrono::seconds(1));
                auto young = [&ctx, grace](const ChildSa* c) {
                    return ctx.Now() - c->installedAt < grace;
                };
                if (ChildSa* c = sa.FindChildByOut(spiOut); c && young(c))
                {
                    continue;
                }
                if (ChildSa* c = sa.FindChildByOut(spiOut))
                {
                    invalid.push_back(c->SpiIn());
                }
                else
                {
                    // The peer cannot know which IKE SA a Child SA it lost belonged to, and
                    // 1.5 lets it use "an active IKE SA to the IP address from whence the
                    // packet came": look among our other IKE SAs between the same two
                    // addresses (doc/sa-loss.md).
                    for (IkeSa* other : ctx.IkeSasTo(sa.remote.ip))
                    {
                        ChildSa* c = nullptr;
                        if (other != &sa && !other->dead &&
                            other->state == IkeSaState::Established &&
                            other->local.ip == sa.local.ip &&
                            (c = other->FindChildByOut(spiOut)) != nullptr)
                        {
                            if (!young(c))
                            {
                                invalidElsewhere.emplace_back(other, c->SpiIn());
                            }
                            break;
                        }
                    }
                }
            }
        }
    }
    for (uint32_t spi : toRemove)
    {
        if (sa.FindChildByIn(spi))
        {
            ctx.RemoveChild(sa, spi, "delete-received");
        }
    }
    // The peer said authentically that it lost these Child SAs: delete ours and, for a
    // connection that is meant to be up (start action "start"), re-create one at once; a trap
    // connection re-creates it on its next packet (acquire). doc/sa-loss.md.
    auto recreate = [&ctx](IkeSa& owner, uint32_t spi) {
        ctx.RemoveChild(owner, spi, "invalid-spi");
        if (ctx.Config().peers[owner.PeerIndex()].startAction == StartAction::Start)
        {
            owner.tasks.Queue(ChildCreateTask::Create());
        }
    };
    for (uint32_t spi : invalid)
    {
        if (sa.FindChildByIn(spi))
        {
            // Queued only: TaskManager::OnRequest starts it after sending this response.
            recreate(sa, spi);
        }
    }
    for (const auto& [other, spi] : invalidElsewhere)
    {
        if (other->FindChildByIn(spi))
        {
            recreate(*other, spi);
            other->tasks.Initiate(ctx, *other);
        }
    }
    if (!ours.spis.empty())
    {
        response.push_back(MakePayload(ours));
    }
    return TaskResult::Done;
}

} // namespace ikev2

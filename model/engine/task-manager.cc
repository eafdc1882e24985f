#include "task-manager.h"

#include "engine-context.h"
#include "ike-sa.h"
#include "recovery-policy.h"
#include "task-factory.h"

#include <cmath>

namespace ikev2
{

namespace
{

void
EmitNotifies(EngineContext& ctx,
             IkeSa& sa,
             const std::vector<Payload>& payloads,
             bool isProtected)
{
    for (const auto& p : payloads)
    {
        if (const auto* n = std::get_if<NotifyPayload>(&p.body))
        {
            Event e = ctx.MakeEvent(EventType::NotifySent, &sa);
            e.notifyType = n->type;
            e.protectedMsg = isProtected;
            e.detail = NotifyTypeName(n->type);
            ctx.Emit(std::move(e));
        }
    }
}

bool
IsProtectedExchange(uint8_t exchange)
{
    return exchange != static_cast<uint8_t>(ExchangeType::IkeSaInit);
}

} // namespace

void
TaskManager::Queue(std::unique_ptr<Task> task)
{
    m_queue.push_back(std::move(task));
}

void
TaskManager::QueueFirst(std::unique_ptr<Task> task)
{
    m_queue.push_front(std::move(task));
}

std::deque<std::unique_ptr<Task>>
TaskManager::TakeQueued()
{
    std::deque<std::unique_ptr<Task>> out;
    out.swap(m_queue);
    return out;
}

bool
TaskManager::HasQueued(ExchangeType exchange) const
{
    for (const auto& t : m_queue)
    {
        if (t->Exchange() == exchange)
        {
            return true;
        }
    }
    return false;
}

bool
TaskManager::LivenessCheckPending() const
{
    if (m_active && m_active->IsLivenessCheck())
    {
        return true;
    }
    for (const auto& t : m_queue)
    {
        if (t->IsLivenessCheck())
        {
            return true;
        }
    }
    return false;
}

void
TaskManager::Initiate(EngineContext& ctx, IkeSa& sa)
{
    while (!m_active && !m_processing && !m_queue.empty() && !sa.dead)
    {
        m_active = std::move(m_queue.front());
        m_queue.pop_front();
        SendRequest(ctx, sa);
    }
}

void
TaskManager::SendRequest(EngineContext& ctx, IkeSa& sa)
{
    std::vector<Payload> payloads;
    if (!m_active->BuildRequest(ctx, sa, payloads))
    {
        // Nothing to do any more (e.g. the Child SA to rekey went away meanwhile).
        m_active.reset();
        return;
    }
    const ExchangeType exchange = m_active->Exchange();
    IkeHeader header = sa.MakeHeader(exchange, false, m_nextSendId);
    m_request = sa.Encode(header, payloads, ctx.Rng());
    if (exchange == ExchangeType::IkeSaInit)
    {
        sa.initRequest = m_request;
    }
    const RetransmitProfile& profile = ctx.Config().retransmit;
    m_firstSent = ctx.Now();
    m_retransmits = 0;
    m_nextRetransmit = m_firstSent + profile.timeout;
    m_giveUpAt = m_firstSent + profile.GiveUpAfter();
    if (profile.tries == 0 || m_nextRetransmit >= m_giveUpAt)
    {
        m_nextRetransmit = kNever;
    }
    ctx.SendIke(sa, m_request);

    Event e = ctx.MakeEvent(
        m_active->IsLivenessCheck() ? EventType::LivenessCheckSent : EventType::RequestSent,
        &sa);
    e.detail = m_active->Name();
    ctx.Emit(std::move(e));
    EmitNotifies(ctx, sa, payloads, IsProtectedExchange(static_cast<uint8_t>(exchange)));
}

bool
TaskManager::ExpectsRequest(const IkeHeader& header) const
{
    return !header.IsResponse() && header.messageId == m_nextExpectId;
}

bool
TaskManager::ExpectsResponse(const IkeHeader& header) const
{
    return header.IsResponse() && m_active && header.messageId == m_nextSendId &&
           header.exchangeType == static_cast<uint8_t>(m_active->Exchange());
}

bool
TaskManager::ResendCachedResponse(EngineContext& ctx,
                                  IkeSa& sa,
                                  const IkeHeader& header,
                                  const Bytes& raw)
{
    if (!m_haveCached || header.IsResponse() || header.messageId != m_cachedId)
    {
        return false;
    }
    if (ctx.Now() - m_cachedAt > ctx.Config().responseCacheTime)
    {
        // RFC 7296 2.1: the responder may forget its reply after several minutes.
        m_haveCached = false;
        m_cachedRequest.clear();
        m_cachedResponse.clear();
        return false;
    }
    if (raw != m_cachedRequest)
    {
        // Same message ID but different bytes: neither a retransmission nor a valid request.
        return false;
    }
    ctx.SendIke(sa, m_cachedResponse);
    Event e = ctx.MakeEvent(EventType::Retransmit, &sa);
    e.detail = "response " + std::to_string(header.messageId);
    ctx.Emit(std::move(e));
    ctx.Counters().retransmissions++;
    return true;
}

void
TaskManager::OnRequest(EngineContext& ctx,
                       IkeSa& sa,
                       const IkeHeader& header,
                       const std::vector<Payload>& payloads,
                       const Bytes& raw)
{
    if (!ExpectsRequest(header))
    {
        return;
    }
    std::unique_ptr<Task> task = CreateResponderTask(ctx, sa, header, payloads);
    if (!task)
    {
        return;
    }
    std::vector<Payload> response;
    TaskResult result = task->ProcessRequest(ctx, sa, header, payloads, response);
    if (result == TaskResult::Ignore)
    {
        return;
    }
    IkeHeader rh = sa.MakeHeader(task->Exchange(), true, header.messageId);
    Bytes packet = sa.Encode(rh, response, ctx.Rng());
    if (task->Exchange() == ExchangeType::IkeSaInit)
    {
        sa.initResponse = packet;
    }
    m_nextExpectId = header.messageId + 1;
    m_haveCached = true;
    m_cachedId = header.messageId;
    m_cachedRequest = raw;
    m_cachedResponse = packet;
    m_cachedAt = ctx.Now();
    ctx.SendIke(sa, packet);
    EmitNotifies(ctx, sa, response, IsProtectedExchange(header.exchangeType));

    if (result == TaskResult::Done && IsProtectedExchange(header.exchangeType) && !sa.dead &&
        sa.state != IkeSaState::Connecting)
    {
        ctx.Policy().OnProtectedMessage(ctx, sa, header, payloads);
    }
    if (result == TaskResult::Failed)
    {
        ctx.DeleteIkeSa(sa, std::string("failed-") + task->Name());
    }
    else if (result == TaskResult::DeleteSa)
    {
        ctx.DeleteIkeSa(sa, "delete-received");
    }
    // A responder-side exchange may have freed the way for our own queued requests.
    Initiate(ctx, sa);
}

void
TaskManager::OnResponse(EngineContext& ctx,
                        IkeSa& sa,
                        const IkeHeader& header,
                        const std::vector<Payload>& payloads)
{
    if (!ExpectsResponse(header))
    {
        return;
    }
    if (m_retransmits == 0)
    {
        m_rtt = ctx.Now() - m_firstSent;
    }
    // The task is held here while it runs: what it does may delete the SA (AbortAll), and
    // nothing may start another request before this exchange is closed.
    std::unique_ptr<Task> task = std::move(m_active);
    m_processing = true;
    TaskResult result = task->ProcessResponse(ctx, sa, header, payloads);
    m_processing = false;
    if (result == TaskResult::Retry && !sa.dead)
    {
        // IKE_SA_INIT with a COOKIE or another DH group: same message ID, new request.
        m_active = std::move(task);
        SendRequest(ctx, sa);
        return;
    }
    m_request.clear();
    m_nextRetransmit = kNever;
    m_giveUpAt = kNever;
    m_nextSendId++;
    if (sa.dead)
    {
        task->Abort(ctx, sa);
        return;
    }
    if (result == TaskResult::Done)
    {
        if (IsProtectedExchange(header.exchangeType) && sa.state != IkeSaState::Connecting)
        {
            ctx.Policy().OnProtectedMessage(ctx, sa, header, payloads);
        }
        if (!sa.dead)
        {
            Initiate(ctx, sa);
        }
    }
    else
    {
        task->Abort(ctx, sa);
        ctx.DeleteIkeSa(sa, std::string("failed-") + task->Name());
    }
}

Time
TaskManager::NextDeadline() const
{
    if (!m_active)
    {
        return kNever;
    }
    return std::min(m_nextRetransmit, m_giveUpAt);
}

bool
TaskManager::ResendNow(EngineContext& ctx, IkeSa& sa, const char* why)
{
    if (!m_active || m_request.empty())
    {
        return false;
    }
    ctx.SendIke(sa, m_request);
    ctx.Counters().retransmissions++;
    Event e = ctx.MakeEvent(EventType::Retransmit, &sa);
    e.detail = std::string(m_active->Name()) + " early: " + why;
    ctx.Emit(std::move(e));
    return true;
}

void
TaskManager::OnTimer(EngineContext& ctx, IkeSa& sa)
{
    if (!m_active)
    {
        return;
    }
    const Time now = ctx.Now();
    if (now >= m_giveUpAt)
    {
        ctx.PeerDead(sa);
        return;
    }
    if (now < m_nextRetransmit)
    {
        return;
    }
    const RetransmitProfile& profile = ctx.Config().retransmit;
    m_retransmits++;
    ctx.SendIke(sa, m_request);
    ctx.Counters().retransmissions++;
    Event e = ctx.MakeEvent(EventType::Retransmit, &sa);
    e.detail = std::string(m_active->Name()) + " try " + std::to_string(m_retransmits);
    ctx.Emit(std::move(e));
    if (m_retransmits >= profile.tries)
    {
        m_nextRetransmit = kNever;
        return;
    }
    // Next send at first + timeout * (1 + base + ... + base^retransmits), computed from the
    // first send so that rounding does not accumulate.
    double total = 0;
    double step = ToSeconds(profile.timeout);
    for (uint32_t i = 0; i <= m_retransmits; ++i)
    {
        total += step;
        step *= profile.base;
    }
    m_nextRetransmit = m_firstSent + FromSeconds(total);
    if (m_nextRetransmit >= m_giveUpAt)
    {
        m_nextRetransmit = kNever;
    }
}

void
TaskManager::AbortAll(EngineContext& ctx, IkeSa& sa)
{
    if (m_active)
    {
        m_active->Abort(ctx, sa);
        m_active.reset();
    }
    for (auto& t : m_queue)
    {
        t->Abort(ctx, sa);
    }
    m_queue.clear();
    m_request.clear();
    m_nextRetransmit = kNever;
    m_giveUpAt = kNever;
    m_cachedRequest.clear();
    m_cachedResponse.clear();
    m_haveCached = false;
}

size_t
TaskManager::StateBytes() const
{
    // A queued task is a small object (vtable, role, a few fields): count 64 octets each.
    return sizeof(*this) + m_request.capacity() + m_cachedRequest.capacity() +
           m_cachedResponse.capacity() + 64 * (m_queue.size() + (m_active ? 1 : 0));
}

} // namespace ikev2

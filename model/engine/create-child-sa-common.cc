#include "create-child-sa-common.h"

#include "engine-context.h"
#include "ike-sa.h"

namespace ikev2
{

void
ReportNegotiationFailed(EngineContext& ctx, IkeSa& sa, const std::string& detail)
{
    Event e = ctx.MakeEvent(EventType::NegotiationFailed, &sa);
    e.detail = detail;
    ctx.Emit(std::move(e));
}

bool
ValidNonce(const Bytes& nonce)
{
    return nonce.size() >= 16 && nonce.size() <= 256;
}

Refusal::Refusal(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& response, std::string what)
  : m_ctx(ctx)
  , m_sa(sa)
  , m_response(response)
  , m_what(std::move(what))
{
}

TaskResult
Refusal::operator()(uint16_t type, Bytes data) const
{
    m_response.push_back(MakeNotify(type, std::move(data)));
    ReportNegotiationFailed(m_ctx, m_sa, m_what + " refused: " + NotifyTypeName(type));
    return TaskResult::Done;
}

const NotifyPayload*
FirstErrorNotify(const std::vector<Payload>& payloads)
{
    for (const auto& p : payloads)
    {
        if (const auto* n = std::get_if<NotifyPayload>(&p.body); n && n->IsError())
        {
            return n;
        }
    }
    return nullptr;
}

bool
AcceptsCreateChildSa(const IkeSa& sa)
{
    return sa.state == IkeSaState::Established || sa.state == IkeSaState::Rekeying;
}

} // namespace ikev2

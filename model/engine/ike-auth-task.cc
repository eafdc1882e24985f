#include "ike-auth-task.h"

#include "authenticator.h"
#include "child-negotiation.h"
#include "engine-context.h"
#include "ike-sa.h"
#include "recovery-policy.h"

namespace ikev2
{

namespace
{

void
AuthFailed(EngineContext& ctx, IkeSa& sa, const std::string& detail)
{
    Event e = ctx.MakeEvent(EventType::AuthFailed, &sa);
    e.detail = detail;
    ctx.Emit(std::move(e));
}

void
ChildFailed(EngineContext& ctx, IkeSa& sa, const std::string& detail)
{
    Event e = ctx.MakeEvent(EventType::NegotiationFailed, &sa);
    e.detail = detail;
    ctx.Emit(std::move(e));
}

const IdPayload*
GetId(const IkeMessage& m, PayloadType type)
{
    return m.Get<IdPayload>(type);
}

} // namespace

IkeAuthTask::IkeAuthTask(bool initiator)
    : Task(initiator)
{
}

bool
IkeAuthTask::BuildRequest(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    const PeerConfig& peer = sa.Peer();
    IdPayload idi = MakeIdentity(peer.localId, sa.local.ip);
    AuthPayload auth;
    if (!BuildAuth(ctx, sa, idi, auth))
    {
        AuthFailed(ctx, sa, "cannot build AUTH (credentials)");
        ctx.DeleteIkeSa(sa, "auth-failed");
        return false;
    }
    out.push_back(MakeIdPayload(PayloadType::IdI, idi));
    if (!peer.remoteId.empty())
    {
        out.push_back(MakeIdPayload(PayloadType::IdR, MakeIdentity(peer.remoteId, sa.remote.ip)));
    }
    out.push_back(MakePayload(auth));
    if (ctx.Policy().SendInitialContact(ctx, sa))
    {
        out.push_back(MakeNotify(notify::kInitialContact));
        sa.initialContact = true;
    }
    ctx.Policy().AddIkeAuthRequestNotifies(ctx, sa, out);
    if (m_spi == 0)
    {
        m_spi = ctx.NewChildSpi();
    }
    out.push_back(MakePayload(SaPayload{OurEspProposals(peer, m_spi, 0)}));
    out.push_back(MakeTsPayload(PayloadType::TsI, ToPayload(FromConfig(peer.localTs))));
    out.push_back(MakeTsPayload(PayloadType::TsR, ToPayload(FromConfig(peer.remoteTs))));
    return true;
}

TaskResult
IkeAuthTask::ProcessResponse(EngineContext& ctx,
                             IkeSa& sa,
                             const IkeHeader& header,
                             const std::vector<Payload>& in)
{
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    const IdPayload* idr = GetId(m, PayloadType::IdR);
    const AuthPayload* auth = m.Get<AuthPayload>(PayloadType::Auth);
    if (m.FindNotify(notify::kAuthenticationFailed) || !idr || !auth)
    {
        AuthFailed(ctx, sa, m.FindNotify(notify::kAuthenticationFailed)
                                ? "AUTHENTICATION_FAILED from peer"
                                : "no IDr/AUTH in response");
        return TaskResult::Failed;
    }
    const std::string identity = IdentityToString(*idr);
    if (!sa.Peer().remoteId.empty() && identity != sa.Peer().remoteId)
    {
        AuthFailed(ctx, sa, "unexpected IDr " + identity);
        return TaskResult::Failed;
    }
    if (!VerifyAuth(ctx, sa, *idr, *auth))
    {
        AuthFailed(ctx, sa, "AUTH of " + identity + " does not verify");
        return TaskResult::Failed;
    }
    sa.remoteIdentity = identity;
    ctx.IkeSaEstablished(sa);
    if (sa.dead)
    {
        return TaskResult::Done;
    }
    if (m.FindNotify(notify::kInitialContact))
    {
        ctx.Policy().OnInitialContact(ctx, sa);
    }
    InstallInitiatorChild(ctx, sa, m);
    return TaskResult::Done;
}

void
IkeAuthTask::InstallInitiatorChild(EngineContext& ctx, IkeSa& sa, const IkeMessage& m)
{
    const uint32_t spi = m_spi;
    m_spi = 0;
    for (const auto& p : m.payloads)
    {
        if (const auto* n = std::get_if<NotifyPayload>(&p.body); n && n->IsError())
        {
            ctx.ReleaseChildSpi(spi);
            ChildFailed(ctx, sa, "first Child SA: " + NotifyTypeName(n->type));
            return;
        }
    }
    const SaPayload* sap = m.Get<SaPayload>(PayloadType::Sa);
    const TsPayload* tsi = m.Get<TsPayload>(PayloadType::TsI);
    const TsPayload* tsr = m.Get<TsPayload>(PayloadType::TsR);
    if (!sap || !tsi || !tsr || sap->proposals.size() != 1)
    {
        ctx.ReleaseChildSpi(spi);
        ChildFailed(ctx, sa, "first Child SA: no SA/TS in response");
        return;
    }
    const Proposal& chosen = sap->proposals[0];
    auto suite = EspSuiteFromProposal(chosen);
    bool allowed = false;
    if (suite)
    {
        for (const auto& p : OurEspProposals(sa.Peer(), 0, 0))
        {
            allowed |= ProposalAllows(p, *suite);
        }
    }
    SelectorList ltsi = FromPayload(*tsi);
    SelectorList ltsr = FromPayload(*tsr);
    const uint32_t peerSpi = SpiFromBytes(chosen.spi);
    if (!suite || !allowed || suite->dh != 0 || peerSpi < 256 ||
        chosen.protocolId != static_cast<uint8_t>(ProtocolId::Esp))
    {
        ctx.ReleaseChildSpi(spi);
        ChildFailed(ctx, sa, "first Child SA: unacceptable proposal in response");
        return;
    }
    if (ltsi.empty() || ltsr.empty() || !IsSubset(ltsi, FromConfig(sa.Peer().localTs)) ||
        !IsSubset(ltsr, FromConfig(sa.Peer().remoteTs)))
    {
        ctx.ReleaseChildSpi(spi);
        ChildFailed(ctx, sa, "first Child SA: selectors wider than proposed");
        return;
    }
    ChildSaParams params = MakeChildParams(
        ctx, sa, true, *suite, spi, peerSpi, ltsi, ltsr, nullptr, sa.nonceI, sa.nonceR);
    ctx.InstallChild(sa, params);
}

TaskResult
IkeAuthTask::ProcessRequest(EngineContext& ctx,
                            IkeSa& sa,
                            const IkeHeader& header,
                            const std::vector<Payload>& in,
                            std::vector<Payload>& response)
{
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    auto reject = [&](const std::string& detail) {
        AuthFailed(ctx, sa, detail);
        response.clear();
        response.push_back(MakeNotify(notify::kAuthenticationFailed));
        return TaskResult::Failed;
    };
    const IdPayload* idi = GetId(m, PayloadType::IdI);
    const AuthPayload* auth = m.Get<AuthPayload>(PayloadType::Auth);
    if (!idi || !auth)
    {
        return reject("no IDi/AUTH in request");
    }
    const std::string identity = IdentityToString(*idi);
    size_t index = 0;
    const PeerConfig* peer = ctx.FindPeerByIdentity(identity, sa.local, sa.remote, index);
    if (!peer)
    {
        return reject("no connection for " + identity);
    }
    ctx.SetIkeSaPeer(sa, index);
    if (!VerifyAuth(ctx, sa, *idi, *auth))
    {
        return reject("AUTH of " + identity + " does not verify");
    }
    sa.remoteIdentity = identity;
    IdPayload idr = MakeIdentity(peer->localId, sa.local.ip);
    AuthPayload ours;
    if (!BuildAuth(ctx, sa, idr, ours))
    {
        return reject("cannot build AUTH (credentials)");
    }
    response.push_back(MakeIdPayload(PayloadType::IdR, idr));
    response.push_back(MakePayload(ours));
    ctx.Policy().AddIkeAuthResponseNotifies(ctx, sa, response);

    ctx.IkeSaEstablished(sa);
    if (sa.dead)
    {
        return TaskResult::Done;
    }
    if (m.FindNotify(notify::kInitialContact))
    {
        sa.initialContact = true;
        ctx.Policy().OnInitialContact(ctx, sa);
    }

    const SaPayload* sap = m.Get<SaPayload>(PayloadType::Sa);
    const TsPayload* tsi = m.Get<TsPayload>(PayloadType::TsI);
    const TsPayload* tsr = m.Get<TsPayload>(PayloadType::TsR);
    if (!sap || !tsi || !tsr)
    {
        return TaskResult::Done; // IKE SA without a Child SA (RFC 7296 1.2 allows none)
    }
    uint16_t error = 0;
    auto agreement = RespondChild(*peer, *sap, *tsi, *tsr, false, error);
    if (!agreement)
    {
        response.push_back(MakeNotify(error));
        ChildFailed(ctx, sa, "first Child SA: " + NotifyTypeName(error));
        return TaskResult::Done;
    }
    const uint32_t spiIn = ctx.NewChildSpi();
    ChildSaParams params = MakeChildParams(ctx,
                                           sa,
                                           false,
                                           agreement->suite,
                                           spiIn,
                                           agreement->peerSpi,
                                           agreement->tsi,
                                           agreement->tsr,
                                           nullptr,
                                           sa.nonceI,
                                           sa.nonceR);
    if (!ctx.InstallChild(sa, params))
    {
        response.push_back(MakeNotify(notify::kNoProposalChosen));
        return TaskResult::Done;
    }
    response.push_back(MakePayload(
        SaPayload{{ToProposal(agreement->suite, agreement->proposalNumber, SpiToBytes(spiIn))}}));
    response.push_back(MakeTsPayload(PayloadType::TsI, ToPayload(agreement->tsi)));
    response.push_back(MakeTsPayload(PayloadType::TsR, ToPayload(agreement->tsr)));
    return TaskResult::Done;
}

void
IkeAuthTask::Abort(EngineContext& ctx, IkeSa& sa)
{
    if (m_spi != 0)
    {
        ctx.ReleaseChildSpi(m_spi);
        m_spi = 0;
    }
}

} // namespace ikev2

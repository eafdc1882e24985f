#include "child-create-task.h"

#include "child-negotiation.h"
#include "create-child-sa-common.h"
#include "engine-context.h"
#include "ike-sa.h"
#include "informational-task.h"

namespace ikev2
{

ChildCreateTask::ChildCreateTask(bool initiator)
    : Task(initiator)
{
}

std::unique_ptr<ChildCreateTask>
ChildCreateTask::Create()
{
    return std::make_unique<ChildCreateTask>(true);
}

std::unique_ptr<ChildCreateTask>
ChildCreateTask::Rekey(uint32_t spiIn)
{
    auto t = std::make_unique<ChildCreateTask>(true);
    t->m_rekeySpi = spiIn;
    return t;
}

bool
ChildCreateTask::BuildRequest(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    if (sa.state != IkeSaState::Established)
    {
        return false;
    }
    const PeerConfig& peer = sa.Peer();
    SelectorList tsi = FromConfig(peer.localTs);
    SelectorList tsr = FromConfig(peer.remoteTs);
    if (m_rekeySpi)
    {
        ChildSa* old = sa.FindChildByIn(m_rekeySpi);
        if (!old || old->state != ChildSaState::Installed)
        {
            return false; // gone or already being replaced
        }
        old->state = ChildSaState::Rekeying;
        old->collisionSpiIn = 0;
        old->collisionNonce.clear();
        tsi = old->LocalTs();
        tsr = old->RemoteTs();
        out.push_back(MakeNotify(notify::kRekeySa,
                                 {},
                                 static_cast<uint8_t>(ProtocolId::Esp),
                                 SpiToBytes(m_rekeySpi)));
    }
    if (m_spi == 0)
    {
        m_spi = ctx.NewChildSpi();
    }
    m_nonce = ctx.Rng().Generate(32);
    const uint16_t group = peer.pfs ? sa.suite.dh : 0;
    out.push_back(MakePayload(SaPayload{OurEspProposals(peer, m_spi, group)}));
    out.push_back(MakePayload(NoncePayload{m_nonce}));
    if (group != 0)
    {
        m_dh = DhKeyPair::Generate(group, ctx.Rng());
        if (!m_dh)
        {
            return false;
        }
        out.push_back(MakePayload(KePayload{group, m_dh->PublicValue()}));
    }
    out.push_back(MakeTsPayload(PayloadType::TsI, ToPayload(tsi)));
    out.push_back(MakeTsPayload(PayloadType::TsR, ToPayload(tsr)));
    return true;
}

void
ChildCreateTask::Failed(EngineContext& ctx, IkeSa& sa, const std::string& detail, bool temporary)
{
    ReportNegotiationFailed(ctx, sa, std::string(Name()) + ": " + detail);
    if (m_spi)
    {
        ctx.ReleaseChildSpi(m_spi);
        m_spi = 0;
    }
    ChildSa* old = m_rekeySpi ? sa.FindChildByIn(m_rekeySpi) : nullptr;
    if (!old)
    {
        return;
    }
    if (old->collisionSpiIn != 0 && sa.FindChildByIn(old->collisionSpiIn))
    {
        // The peer's simultaneous rekey succeeded: that SA replaces this one, and the peer,
        // whose rekey completed, deletes the old SA.
        old->state = ChildSaState::Rekeyed;
        return;
    }
    old->state = ChildSaState::Installed;
    old->rekeyAt = temporary ? ctx.Now() + kRetryDelay : kNever;
}

TaskResult
ChildCreateTask::ProcessResponse(EngineContext& ctx,
                                 IkeSa& sa,
                                 const IkeHeader& header,
                                 const std::vector<Payload>& in)
{
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    if (const NotifyPayload* n = FirstErrorNotify(in))
    {
        Failed(ctx, sa, NotifyTypeName(n->type), n->type == notify::kTemporaryFailure);
        return TaskResult::Done;
    }
    const SaPayload* sap = m.Get<SaPayload>(PayloadType::Sa);
    const NoncePayload* nr = m.Get<NoncePayload>(PayloadType::Nonce);
    const TsPayload* tsi = m.Get<TsPayload>(PayloadType::TsI);
    const TsPayload* tsr = m.Get<TsPayload>(PayloadType::TsR);
    const KePayload* ke = m.Get<KePayload>(PayloadType::Ke);
    if (!sap || !nr || !tsi || !tsr || sap->proposals.size() != 1 || !ValidNonce(nr->nonce))
    {
        Failed(ctx, sa, "malformed response", false);
        return TaskResult::Done;
    }
    const Proposal& chosen = sap->proposals[0];
    auto suite = EspSuiteFromProposal(chosen);
    const uint16_t group = m_dh ? m_dh->Group() : 0;
    bool allowed = false;
    if (suite)
    {
        for (const auto& p : OurEspProposals(sa.Peer(), 0, group))
        {
            allowed |= ProposalAllows(p, *suite);
        }
    }
    const uint32_t peerSpi = SpiFromBytes(chosen.spi);
    if (!suite || !allowed || suite->dh != group || peerSpi < 256)
    {
        Failed(ctx, sa, "unacceptable proposal in response", false);
        return TaskResult::Done;
    }
    std::optional<Bytes> shared;
    if (group != 0)
    {
        if (!ke || ke->group != group || !(shared = m_dh->Derive(ke->data)))
        {
            Failed(ctx, sa, "missing or invalid KEr", false);
            return TaskResult::Done;
        }
    }
    SelectorList ltsi = FromPayload(*tsi);
    SelectorList ltsr = FromPayload(*tsr);
    ChildSa* old = m_rekeySpi ? sa.FindChildByIn(m_rekeySpi) : nullptr;
    const SelectorList ourTsi = old ? old->LocalTs() : FromConfig(sa.Peer().localTs);
    const SelectorList ourTsr = old ? old->RemoteTs() : FromConfig(sa.Peer().remoteTs);
    if (ltsi.empty() || ltsr.empty() || !IsSubset(ltsi, ourTsi) || !IsSubset(ltsr, ourTsr))
    {
        Failed(ctx, sa, "selectors wider than proposed", false);
        return TaskResult::Done;
    }
    ChildSaParams params = MakeChildParams(ctx,
                                           sa,
                                           true,
                                           *suite,
                                           m_spi,
                                           peerSpi,
                                           ltsi,
                                           ltsr,
                                           shared ? &*shared : nullptr,
                                           m_nonce,
                                           nr->nonce);
    const uint32_t newSpi = m_spi;
    m_spi = 0;
    ChildSa* created = ctx.InstallChild(sa, params, old);
    m_dh.reset();
    if (!old || !created)
    {
        return TaskResult::Done;
    }
    // Rekey: normally we delete the old SA. After a collision the SA created with the lowest
    // nonce is deleted by its creator, and the other side deletes the old one.
    std::vector<uint32_t> toDelete;
    if (old->collisionSpiIn != 0 && sa.FindChildByIn(old->collisionSpiIn))
    {
        const Bytes& ours = created->LowestNonce();
        const bool weLose = &LowestNonce(ours, old->collisionNonce) == &ours;
        if (weLose)
        {
            created->state = ChildSaState::Rekeyed;
            old->state = ChildSaState::Rekeyed;
            toDelete.push_back(newSpi);
        }
        else
        {
            old->state = ChildSaState::Rekeyed;
            toDelete.push_back(old->SpiIn());
        }
    }
    else
    {
        old->state = ChildSaState::Rekeyed;
        toDelete.push_back(old->SpiIn());
    }
    sa.tasks.QueueFirst(InformationalTask::DeleteChild(toDelete));
    return TaskResult::Done;
}

TaskResult
ChildCreateTask::ProcessRequest(EngineContext& ctx,
                                IkeSa& sa,
                                const IkeHeader& header,
                                const std::vector<Payload>& in,
                                std::vector<Payload>& response)
{
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    const Refusal refuse(ctx, sa, response, "CREATE_CHILD_SA");
    if (!AcceptsCreateChildSa(sa))
    {
        return refuse(notify::kTemporaryFailure);
    }
    ChildSa* old = nullptr;
    if (const NotifyPayload* rekey = m.FindNotify(notify::kRekeySa))
    {
        // The peer names its inbound SPI: our outbound one.
        old = sa.FindChildByOut(SpiFromBytes(rekey->spi));
        if (!old)
        {
            return refuse(notify::kChildSaNotFound);
        }
        if (old->state == ChildSaState::Rekeyed || old->state == ChildSaState::Deleting)
        {
            // RFC 7296 2.25: we already replaced it (our rekey finished first).
            return refuse(notify::kTemporaryFailure);
        }
    }
    const SaPayload* sap = m.Get<SaPayload>(PayloadType::Sa);
    const NoncePayload* ni = m.Get<NoncePayload>(PayloadType::Nonce);
    const TsPayload* tsi = m.Get<TsPayload>(PayloadType::TsI);
    const TsPayload* tsr = m.Get<TsPayload>(PayloadType::TsR);
    const KePayload* ke = m.Get<KePayload>(PayloadType::Ke);
    if (!sap || !ni || !tsi || !tsr || !ValidNonce(ni->nonce))
    {
        return refuse(notify::kInvalidSyntax);
    }
    uint16_t error = 0;
    auto agreement = RespondChild(sa.Peer(), *sap, *tsi, *tsr, ke != nullptr, error);
    if (!agreement)
    {
        return refuse(error);
    }
    std::optional<Bytes> shared;
    std::unique_ptr<DhKeyPair> dh;
    if (agreement->suite.dh != 0)
    {
        if (!ke || ke->group != agreement->suite.dh)
        {
            const uint16_t g = agreement->suite.dh;
            return refuse(notify::kInvalidKePayload,
                          Bytes{static_cast<uint8_t>(g >> 8), static_cast<uint8_t>(g)});
        }
        dh = DhKeyPair::Generate(agreement->suite.dh, ctx.Rng());
        if (!dh || !(shared = dh->Derive(ke->data)))
        {
            return refuse(notify::kInvalidSyntax);
        }
    }
    const Bytes nr = ctx.Rng().Generate(32);
    const uint32_t spiIn = ctx.NewChildSpi();
    ChildSaParams params = MakeChildParams(ctx,
                                           sa,
                                           false,
                                           agreement->suite,
                                           spiIn,
                                           agreement->peerSpi,
                                           agreement->tsi,
                                           agreement->tsr,
                                           shared ? &*shared : nullptr,
                                           ni->nonce,
                                           nr);
    ChildSa* created = ctx.InstallChild(sa, params, old);
    if (!created)
    {
        ctx.ReleaseChildSpi(spiIn);
        return refuse(notify::kNoProposalChosen);
    }
    if (old)
    {
        if (old->state == ChildSaState::Rekeying)
        {
            // Our own rekey of this SA is in flight: remember the peer's for the nonce duel.
            old->collisionSpiIn = spiIn;
            old->collisionNonce = created->LowestNonce();
        }
        else
        {
            // The initiator deletes the old SA; the new one carries traffic from now on.
            old->state = ChildSaState::Rekeyed;
        }
    }
    response.push_back(MakePayload(SaPayload{
        {ToProposal(agreement->suite, agreement->proposalNumber, SpiToBytes(spiIn))}}));
    response.push_back(MakePayload(NoncePayload{nr}));
    if (dh)
    {
        response.push_back(MakePayload(KePayload{dh->Group(), dh->PublicValue()}));
    }
    response.push_back(MakeTsPayload(PayloadType::TsI, ToPayload(agreement->tsi)));
    response.push_back(MakeTsPayload(PayloadType::TsR, ToPayload(agreement->tsr)));
    return TaskResult::Done;
}

void
ChildCreateTask::Abort(EngineContext& ctx, IkeSa& sa)
{
    if (m_spi)
    {
        ctx.ReleaseChildSpi(m_spi);
        m_spi = 0;
    }
}

} // namespace ikev2

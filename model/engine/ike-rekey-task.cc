#include "ike-rekey-task.h"

#include "child-negotiation.h"
#include "create-child-sa-common.h"
#include "crypto-suite.h"
#include "engine-context.h"
#include "ike-init-task.h"
#include "ike-keys.h"
#include "ike-sa.h"
#include "informational-task.h"
#include "recovery-policy.h"

namespace ikev2
{

namespace
{

Bytes
Spi64(uint64_t v)
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
Spi64From(const Bytes& b)
{
    uint64_t v = 0;
    for (uint8_t c : b)
    {
        v = (v << 8) | c;
    }
    return v;
}

/// The new IKE SA of a rekey with its keys, addresses and identity taken over from @p old.
IkeSa*
MakeRekeyedSa(EngineContext& ctx,
              IkeSa& old,
              bool weInitiated,
              uint64_t ourSpi,
              uint64_t peerSpi,
              const IkeSuite& suite,
              const Bytes& shared,
              const Bytes& ni,
              const Bytes& nr)
{
    IkeSa& n = ctx.CreateIkeSa(weInitiated, old.PeerIndex(), ourSpi);
    if (weInitiated)
    {
        n.spiR = peerSpi;
    }
    else
    {
        n.spiI = peerSpi;
    }
    IkeKeys keys =
        DeriveRekeyedIkeKeys(suite, old.suite.prf, old.keys.skD, shared, ni, nr, n.spiI, n.spiR);
    if (!n.SetKeys(suite, keys))
    {
        ctx.DeleteIkeSa(n, "rekey-cipher-setup");
        return nullptr;
    }
    n.nonceI = ni;
    n.nonceR = nr;
    n.local = old.local;
    ctx.SetIkeSaRemote(n, old.remote);
    n.natT = old.natT;
    n.remoteIdentity = old.remoteIdentity;
    n.lastOutbound = old.lastOutbound;
    ctx.Out().ikeKeyLines.push_back(n.KeyLine());
    ctx.IkeSaEstablished(n);
    return n.dead ? nullptr : &n;
}

} // namespace

void
CompleteIkeRekey(EngineContext& ctx, IkeSa& oldSa, IkeSa& newSa, bool weInitiated)
{
    ctx.MoveChildren(oldSa, newSa);
    for (auto& t : oldSa.tasks.TakeQueued())
    {
        newSa.tasks.Queue(std::move(t));
    }
    oldSa.state = IkeSaState::Deleting;
    oldSa.rekeyAt = kNever;
    oldSa.livenessDue = kNever;
    // Should the peer's Delete of the old SA never come, it goes away by itself.
    oldSa.expireAt = ctx.Now() + ctx.Config().retransmit.GiveUpAfter();
    Event e = ctx.MakeEvent(EventType::IkeSaRekeyed, &newSa);
    e.detail = "old " + std::to_string(oldSa.spiI) + "/" + std::to_string(oldSa.spiR);
    ctx.Emit(std::move(e));
    ctx.Policy().OnIkeSaRekeyed(ctx, oldSa, newSa, weInitiated);
    newSa.tasks.Initiate(ctx, newSa);
}

IkeRekeyTask::IkeRekeyTask(bool initiator)
    : Task(initiator)
{
}

bool
IkeRekeyTask::BuildRequest(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    if (sa.state != IkeSaState::Established)
    {
        return false;
    }
    sa.state = IkeSaState::Rekeying;
    sa.collisionSa = 0;
    sa.collisionNonce.clear();
    m_spi = ctx.NewIkeSpi();
    m_nonce = ctx.Rng().Generate(32);
    m_dh = DhKeyPair::Generate(sa.suite.dh, ctx.Rng());
    if (!m_dh)
    {
        sa.state = IkeSaState::Established;
        return false;
    }
    std::vector<Proposal> proposals = OurIkeProposals(sa.Peer());
    for (auto& p : proposals)
    {
        p.spi = Spi64(m_spi);
    }
    out.push_back(MakePayload(SaPayload{proposals}));
    out.push_back(MakePayload(NoncePayload{m_nonce}));
    out.push_back(MakePayload(KePayload{m_dh->Group(), m_dh->PublicValue()}));
    return true;
}

void
IkeRekeyTask::Failed(EngineContext& ctx, IkeSa& sa, const std::string& detail, bool temporary)
{
    ReportNegotiationFailed(ctx, sa, "ike-rekey: " + detail);
    if (sa.collisionSa != 0)
    {
        if (IkeSa* theirs = ctx.FindIkeSaByHandle(sa.collisionSa))
        {
            // The peer's simultaneous rekey went through: move to its SA; it deletes ours.
            CompleteIkeRekey(ctx, sa, *theirs, false);
            return;
        }
    }
    sa.state = IkeSaState::Established;
    sa.rekeyAt = temporary ? ctx.Now() + kRetryDelay : kNever;
}

TaskResult
IkeRekeyTask::ProcessResponse(EngineContext& ctx,
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
    const KePayload* ke = m.Get<KePayload>(PayloadType::Ke);
    if (!sap || !nr || !ke || sap->proposals.size() != 1 || !ValidNonce(nr->nonce) ||
        sap->proposals[0].spi.size() != 8 || !m_dh)
    {
        Failed(ctx, sa, "malformed response", false);
        return TaskResult::Done;
    }
    auto suite = IkeSuiteFromProposal(sap->proposals[0]);
    bool allowed = false;
    if (suite)
    {
        for (const auto& p : OurIkeProposals(sa.Peer()))
        {
            allowed |= ProposalAllows(p, *suite);
        }
    }
    const uint64_t peerSpi = Spi64From(sap->proposals[0].spi);
    std::optional<Bytes> shared;
    if (!suite || !allowed || suite->dh != m_dh->Group() || ke->group != m_dh->Group() ||
        peerSpi == 0 || !(shared = m_dh->Derive(ke->data)))
    {
        Failed(ctx, sa, "unacceptable response", false);
        return TaskResult::Done;
    }
    IkeSa* fresh =
        MakeRekeyedSa(ctx, sa, true, m_spi, peerSpi, *suite, *shared, m_nonce, nr->nonce);
    m_dh.reset();
    if (!fresh)
    {
        Failed(ctx, sa, "cipher setup", false);
        return TaskResult::Done;
    }
    IkeSa* theirs = sa.collisionSa ? ctx.FindIkeSaByHandle(sa.collisionSa) : nullptr;
    if (theirs)
    {
        const Bytes& ours = LowestNonce(m_nonce, nr->nonce);
        if (&LowestNonce(ours, sa.collisionNonce) == &ours)
        {
            // Ours has the lowest nonce: we delete it; the peer deletes the old SA.
            CompleteIkeRekey(ctx, sa, *theirs, false);
            fresh->tasks.QueueFirst(InformationalTask::DeleteIke());
            fresh->tasks.Initiate(ctx, *fresh);
            return TaskResult::Done;
        }
    }
    CompleteIkeRekey(ctx, sa, *fresh, true);
    // RFC 7296 2.18: the old SA's last request is its Delete.
    sa.tasks.QueueFirst(InformationalTask::DeleteIke());
    return TaskResult::Done;
}

TaskResult
IkeRekeyTask::ProcessRequest(EngineContext& ctx,
                             IkeSa& sa,
                             const IkeHeader& header,
                             const std::vector<Payload>& in,
                             std::vector<Payload>& response)
{
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    const Refusal refuse(ctx, sa, response, "IKE rekey");
    if (!AcceptsCreateChildSa(sa))
    {
        return refuse(notify::kTemporaryFailure);
    }
    if (sa.tasks.Busy() && sa.state != IkeSaState::Rekeying)
    {
        // Another of our exchanges is in flight (RFC 7296 2.25: TEMPORARY_FAILURE).
        return refuse(notify::kTemporaryFailure);
    }
    const SaPayload* sap = m.Get<SaPayload>(PayloadType::Sa);
    const NoncePayload* ni = m.Get<NoncePayload>(PayloadType::Nonce);
    const KePayload* ke = m.Get<KePayload>(PayloadType::Ke);
    if (!sap || !ni || !ke || !ValidNonce(ni->nonce))
    {
        return refuse(notify::kInvalidSyntax);
    }
    std::vector<Proposal> offered;
    for (const auto& p : sap->proposals)
    {
        if (p.protocolId == static_cast<uint8_t>(ProtocolId::Ike) && p.spi.size() == 8 &&
            Spi64From(p.spi) != 0)
        {
            offered.push_back(p);
        }
    }
    uint8_t number = 0;
    auto suite = SelectIkeSuite(offered, OurIkeProposals(sa.Peer()), number);
    if (!suite)
    {
        return refuse(notify::kNoProposalChosen);
    }
    if (suite->dh != ke->group)
    {
        return refuse(notify::kInvalidKePayload,
                      Bytes{static_cast<uint8_t>(suite->dh >> 8), static_cast<uint8_t>(suite->dh)});
    }
    uint64_t peerSpi = 0;
    for (const auto& p : offered)
    {
        if (p.number == number)
        {
            peerSpi = Spi64From(p.spi);
            break;
        }
    }
    auto dh = DhKeyPair::Generate(suite->dh, ctx.Rng());
    std::optional<Bytes> shared;
    if (!dh || !(shared = dh->Derive(ke->data)) || peerSpi == 0)
    {
        return refuse(notify::kInvalidSyntax);
    }
    const Bytes nr = ctx.Rng().Generate(32);
    const uint64_t ourSpi = ctx.NewIkeSpi();
    IkeSa* fresh = MakeRekeyedSa(ctx, sa, false, ourSpi, peerSpi, *suite, *shared, ni->nonce, nr);
    if (!fresh)
    {
        return refuse(notify::kNoProposalChosen);
    }
    response.push_back(MakePayload(SaPayload{{ToProposal(*suite, number, Spi64(ourSpi))}}));
    response.push_back(MakePayload(NoncePayload{nr}));
    response.push_back(MakePayload(KePayload{dh->Group(), dh->PublicValue()}));
    ctx.Policy().AddIkeRekeyResponseNotifies(ctx, sa, *fresh, response);
    if (sa.state == IkeSaState::Rekeying)
    {
        // Our own IKE rekey is in flight: the nonce duel decides when its response arrives.
        sa.collisionSa = fresh->Handle();
        sa.collisionNonce = LowestNonce(ni->nonce, nr);
    }
    else
    {
        CompleteIkeRekey(ctx, sa, *fresh, false);
    }
    return TaskResult::Done;
}

} // namespace ikev2

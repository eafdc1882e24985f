#include "ike-init-task.h"

#include "crypto-suite.h"
#include "engine-context.h"
#include "ike-keys.h"
#include "ike-sa.h"
#include "nat-detection.h"
#include "recovery-policy.h"

namespace ikev2
{

namespace
{

/// RFC 7427 hash algorithm identifier for SHA2-256.
constexpr uint16_t kSignatureHashSha256 = 2;

Bytes
U16Bytes(uint16_t v)
{
    return Bytes{static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

bool
ValidNonce(const Bytes& n)
{
    return n.size() >= 16 && n.size() <= 256;
}

void
Fail(EngineContext& ctx, IkeSa& sa, const std::string& detail)
{
    Event e = ctx.MakeEvent(EventType::NegotiationFailed, &sa);
    e.detail = detail;
    ctx.Emit(std::move(e));
}

uint16_t
FirstDhGroup(const std::vector<Proposal>& proposals)
{
    for (const auto& p : proposals)
    {
        for (const auto& t : p.transforms)
        {
            if (t.type == static_cast<uint8_t>(TransformType::Dh))
            {
                return t.id;
            }
        }
    }
    return 0;
}

bool
OffersGroup(const std::vector<Proposal>& proposals, uint16_t group)
{
    for (const auto& p : proposals)
    {
        for (const auto& t : p.transforms)
        {
            if (t.type == static_cast<uint8_t>(TransformType::Dh) && t.id == group)
            {
                return true;
            }
        }
    }
    return false;
}

/// The offered proposals restricted to DH group @p group (those without it dropped).
std::vector<Proposal>
RestrictToGroup(const std::vector<Proposal>& offered, uint16_t group)
{
    std::vector<Proposal> out;
    for (const auto& p : offered)
    {
        Proposal q = p;
        q.transforms.clear();
        bool has = false;
        for (const auto& t : p.transforms)
        {
            if (t.type != static_cast<uint8_t>(TransformType::Dh))
            {
                q.transforms.push_back(t);
            }
            else if (t.id == group)
            {
                q.transforms.push_back(t);
                has = true;
            }
        }
        if (has)
        {
            out.push_back(q);
        }
    }
    return out;
}

void
AddNatDetection(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    if (!sa.Peer().natTraversal && !sa.Peer().forceUdpEncap)
    {
        return;
    }
    for (auto& p : NatDetectionNotifies(sa.spiI,
                                        sa.spiR,
                                        sa.local,
                                        sa.remote,
                                        sa.Peer().forceUdpEncap,
                                        ctx.Rng()))
    {
        out.push_back(std::move(p));
    }
}

/// Decides UDP encapsulation from the peer's NAT detection payloads.
bool
WantsUdpEncap(const IkeSa& sa, const IkeHeader& header, const std::vector<Payload>& in)
{
    if (!sa.Peer().natTraversal && !sa.Peer().forceUdpEncap)
    {
        return false;
    }
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    NatResult r = CheckNatDetection(m, sa.local, sa.remote);
    return r.supported && (r.Any() || sa.Peer().forceUdpEncap);
}

} // namespace

std::vector<Proposal>
OurIkeProposals(const PeerConfig& peer)
{
    std::vector<Proposal> out;
    uint8_t number = 1;
    for (const auto& text : peer.ikeProposals)
    {
        Proposal p;
        std::string error;
        if (ParseIkeProposal(text, p, error))
        {
            p.number = number++;
            out.push_back(std::move(p));
        }
    }
    return out;
}

IkeInitTask::IkeInitTask(bool initiator)
    : Task(initiator)
{
}

bool
IkeInitTask::BuildRequest(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& out)
{
    std::vector<Proposal> proposals = OurIkeProposals(sa.Peer());
    if (m_group == 0)
    {
        m_group = FirstDhGroup(proposals);
    }
    if (!m_dh || m_dh->Group() != m_group)
    {
        m_dh = DhKeyPair::Generate(m_group, ctx.Rng());
        if (!m_dh)
        {
            return false;
        }
    }
    if (sa.nonceI.empty())
    {
        sa.nonceI = ctx.Rng().Generate(32);
    }
    if (!m_cookie.empty())
    {
        // RFC 7296 2.6: the COOKIE notify comes first.
        out.push_back(MakeNotify(notify::kCookie, m_cookie));
    }
    SaPayload sap;
    sap.proposals = proposals;
    out.push_back(MakePayload(sap));
    out.push_back(MakePayload(KePayload{m_group, m_dh->PublicValue()}));
    out.push_back(MakePayload(NoncePayload{sa.nonceI}));
    AddNatDetection(ctx, sa, out);
    if (sa.Peer().auth != AuthKind::Psk)
    {
        out.push_back(MakeNotify(notify::kSignatureHashAlgorithms, U16Bytes(kSignatureHashSha256)));
    }
    ctx.Policy().AddIkeSaInitPayloads(ctx, sa, true, out);
    return true;
}

TaskResult
IkeInitTask::ProcessResponse(EngineContext& ctx,
                             IkeSa& sa,
                             const IkeHeader& header,
                             const std::vector<Payload>& in)
{
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    if (const NotifyPayload* cookie = m.FindNotify(notify::kCookie))
    {
        if (cookie->data.empty() || cookie->data.size() > 64 ||
            ++m_cookieRetries > kMaxCookieRetries)
        {
            Fail(ctx, sa, "cookie");
            return TaskResult::Failed;
        }
        m_cookie = cookie->data;
        return TaskResult::Retry;
    }
    if (const NotifyPayload* ke = m.FindNotify(notify::kInvalidKePayload))
    {
        uint16_t group = ke->data.size() == 2 ? uint16_t((ke->data[0] << 8) | ke->data[1]) : 0;
        if (group == m_group || !OffersGroup(OurIkeProposals(sa.Peer()), group) ||
            ++m_keRetries > kMaxKeRetries)
        {
            Fail(ctx, sa, "INVALID_KE_PAYLOAD");
            return TaskResult::Failed;
        }
        m_group = group;
        m_dh.reset();
        return TaskResult::Retry;
    }
    for (const auto& p : in)
    {
        if (const auto* n = std::get_if<NotifyPayload>(&p.body); n && n->IsError())
        {
            Fail(ctx, sa, NotifyTypeName(n->type));
            return TaskResult::Failed;
        }
    }
    const SaPayload* sap = m.Get<SaPayload>(PayloadType::Sa);
    const KePayload* ke = m.Get<KePayload>(PayloadType::Ke);
    const NoncePayload* nr = m.Get<NoncePayload>(PayloadType::Nonce);
    if (!sap || !ke || !nr || sap->proposals.size() != 1 || !ValidNonce(nr->nonce) ||
        header.spiR == 0)
    {
        Fail(ctx, sa, "malformed IKE_SA_INIT response");
        return TaskResult::Failed;
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
    if (!suite || !allowed || suite->dh != m_group || ke->group != m_group || !m_dh)
    {
        Fail(ctx, sa, "unacceptable IKE proposal in response");
        return TaskResult::Failed;
    }
    auto shared = m_dh->Derive(ke->data);
    if (!shared)
    {
        Fail(ctx, sa, "invalid KE");
        return TaskResult::Failed;
    }
    sa.spiR = header.spiR;
    sa.nonceR = nr->nonce;
    IkeKeys keys = DeriveIkeKeys(*suite, *shared, sa.nonceI, sa.nonceR, sa.spiI, sa.spiR);
    if (!sa.SetKeys(*suite, keys))
    {
        Fail(ctx, sa, "cipher setup");
        return TaskResult::Failed;
    }
    ctx.Out().ikeKeyLines.push_back(sa.KeyLine());
    if (WantsUdpEncap(sa, header, in))
    {
        // RFC 7296 2.23: from IKE_AUTH on, both sides use port 4500.
        sa.natT = true;
        sa.local.port = kNatTPort;
        sa.remote.port = kNatTPort;
    }
    m_dh.reset();
    return TaskResult::Done;
}

TaskResult
IkeInitTask::ProcessRequest(EngineContext& ctx,
                            IkeSa& sa,
                            const IkeHeader& header,
                            const std::vector<Payload>& in,
                            std::vector<Payload>& response)
{
    IkeMessage m;
    m.header = header;
    m.payloads = in;
    const SaPayload* sap = m.Get<SaPayload>(PayloadType::Sa);
    const KePayload* ke = m.Get<KePayload>(PayloadType::Ke);
    const NoncePayload* ni = m.Get<NoncePayload>(PayloadType::Nonce);
    auto reject = [&](uint16_t type, Bytes data, const std::string& detail) {
        // Errors in IKE_SA_INIT keep the responder stateless: SPIr 0, SA dropped after.
        sa.spiR = 0;
        response.push_back(MakeNotify(type, std::move(data)));
        Fail(ctx, sa, detail);
        return TaskResult::Failed;
    };
    if (!sap || !ke || !ni || !ValidNonce(ni->nonce))
    {
        return reject(notify::kInvalidSyntax, {}, "malformed IKE_SA_INIT request");
    }
    std::vector<Proposal> offered;
    for (const auto& p : sap->proposals)
    {
        if (p.protocolId == static_cast<uint8_t>(ProtocolId::Ike) && p.spi.empty())
        {
            offered.push_back(p);
        }
    }
    const std::vector<Proposal> ours = OurIkeProposals(sa.Peer());
    uint8_t number = 0;
    auto suite = SelectIkeSuite(offered, ours, number);
    if (!suite)
    {
        return reject(notify::kNoProposalChosen, {}, "NO_PROPOSAL_CHOSEN");
    }
    if (ke->group != suite->dh)
    {
        // Prefer a suite in the group the initiator already sent a KE for.
        uint8_t n2 = 0;
        auto inKeGroup = SelectIkeSuite(RestrictToGroup(offered, ke->group), ours, n2);
        if (!inKeGroup)
        {
            return reject(notify::kInvalidKePayload,
                          U16Bytes(suite->dh),
                          "INVALID_KE_PAYLOAD (asked for " + std::to_string(suite->dh) + ")");
        }
        suite = inKeGroup;
        number = n2;
    }
    auto dh = DhKeyPair::Generate(suite->dh, ctx.Rng());
    if (!dh)
    {
        return reject(notify::kNoProposalChosen, {}, "unsupported DH group");
    }
    auto shared = dh->Derive(ke->data);
    if (!shared)
    {
        return reject(notify::kInvalidSyntax, {}, "invalid KE");
    }
    sa.nonceI = ni->nonce;
    sa.nonceR = ctx.Rng().Generate(32);
    IkeKeys keys = DeriveIkeKeys(*suite, *shared, sa.nonceI, sa.nonceR, sa.spiI, sa.spiR);
    if (!sa.SetKeys(*suite, keys))
    {
        return reject(notify::kNoProposalChosen, {}, "cipher setup");
    }
    ctx.Out().ikeKeyLines.push_back(sa.KeyLine());
    const bool encap = WantsUdpEncap(sa, header, in);

    response.push_back(MakePayload(SaPayload{{ToProposal(*suite, number, Bytes{})}}));
    response.push_back(MakePayload(KePayload{suite->dh, dh->PublicValue()}));
    response.push_back(MakePayload(NoncePayload{sa.nonceR}));
    if (m.FindNotify(notify::kNatDetectionSourceIp))
    {
        AddNatDetection(ctx, sa, response);
    }
    if (m.FindNotify(notify::kSignatureHashAlgorithms))
    {
        response.push_back(MakeNotify(notify::kSignatureHashAlgorithms,
                                      U16Bytes(kSignatureHashSha256)));
    }
    ctx.Policy().AddIkeSaInitPayloads(ctx, sa, false, response);
    // The response still goes to port 500; IKE_AUTH arrives on 4500 when encapsulating and
    // the endpoint then moves the SA (RFC 7296 2.23).
    sa.natT = false;
    sa.natPending = encap;
    return TaskResult::Done;
}

} // namespace ikev2

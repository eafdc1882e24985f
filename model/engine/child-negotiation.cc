#include "child-negotiation.h"

#include "engine-context.h"
#include "ike-keys.h"
#include "ike-sa.h"

#include <algorithm>

namespace ikev2
{

std::vector<Proposal>
OurEspProposals(const PeerConfig& peer, uint32_t spi, uint16_t dhGroup)
{
    std::vector<Proposal> out;
    uint8_t number = 1;
    for (const auto& text : peer.espProposals)
    {
        Proposal p;
        std::string error;
        if (!ParseEspProposal(text, p, error))
        {
            continue; // validated at construction; never happens
        }
        bool hasDh = false;
        for (const auto& t : p.transforms)
        {
            hasDh |= t.type == static_cast<uint8_t>(TransformType::Dh);
        }
        if (dhGroup == 0)
        {
            p.transforms.erase(std::remove_if(p.transforms.begin(),
                                              p.transforms.end(),
                                              [](const Transform& t) {
                                                  return t.type == static_cast<uint8_t>(
                                                                       TransformType::Dh);
                                              }),
                               p.transforms.end());
        }
        else if (!hasDh)
        {
            Transform dh;
            dh.type = static_cast<uint8_t>(TransformType::Dh);
            dh.id = dhGroup;
            // RFC 7296 3.3.2: transforms ordered by type; DH (4) goes before ESN (5).
            auto pos = std::find_if(
                p.transforms.begin(), p.transforms.end(), [](const Transform& t) {
                    return t.type > static_cast<uint8_t>(TransformType::Dh);
                });
            p.transforms.insert(pos, dh);
        }
        p.number = number++;
        p.spi = SpiToBytes(spi);
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<Proposal>
WithoutDh(std::vector<Proposal> proposals)
{
    for (auto& p : proposals)
    {
        p.transforms.erase(std::remove_if(p.transforms.begin(),
                                          p.transforms.end(),
                                          [](const Transform& t) {
                                              return t.type ==
                                                     static_cast<uint8_t>(TransformType::Dh);
                                          }),
                           p.transforms.end());
    }
    return proposals;
}

uint32_t
SpiFromBytes(const Bytes& spi)
{
    if (spi.size() != 4)
    {
        return 0;
    }
    return (uint32_t(spi[0]) << 24) | (uint32_t(spi[1]) << 16) | (uint32_t(spi[2]) << 8) | spi[3];
}

Bytes
SpiToBytes(uint32_t spi)
{
    return Bytes{static_cast<uint8_t>(spi >> 24),
                 static_cast<uint8_t>(spi >> 16),
                 static_cast<uint8_t>(spi >> 8),
                 static_cast<uint8_t>(spi)};
}

std::optional<ChildAgreement>
RespondChild(const PeerConfig& peer,
             const SaPayload& offered,
             const TsPayload& tsi,
             const TsPayload& tsr,
             bool allowDh,
             uint16_t& error)
{
    std::vector<Proposal> espOffered;
    for (const auto& p : offered.proposals)
    {
        if (p.protocolId == static_cast<uint8_t>(ProtocolId::Esp) && p.spi.size() == 4 &&
            SpiFromBytes(p.spi) >= 256)
        {
            espOffered.push_back(p);
        }
    }
    std::vector<Proposal> ours = OurEspProposals(peer, 0, 0);
    if (!allowDh)
    {
        espOffered = WithoutDh(std::move(espOffered));
    }
    else
    {
        // With PFS the initiator's groups must be acceptable; offer ours with and without.
        std::vector<Proposal> withDh;
        for (const auto& text : peer.espProposals)
        {
            Proposal p;
            std::string e;
            if (ParseEspProposal(text, p, e))
            {
                withDh.push_back(p);
            }
        }
        ours = withDh;
    }
    ChildAgreement a;
    auto suite = SelectEspSuite(espOffered, ours, a.proposalNumber);
    if (!suite && allowDh)
    {
        // Our proposals name no group: accept the offered one (PFS with the IKE group).
        std::vector<Proposal> plusDh;
        for (const auto& p : espOffered)
        {
            for (const auto& t : p.transforms)
            {
                if (t.type == static_cast<uint8_t>(TransformType::Dh))
                {
                    for (auto o : OurEspProposals(peer, 0, t.id))
                    {
                        plusDh.push_back(o);
                    }
                }
            }
        }
        suite = SelectEspSuite(espOffered, plusDh, a.proposalNumber);
    }
    if (!suite)
    {
        error = notify::kNoProposalChosen;
        return std::nullopt;
    }
    a.suite = *suite;
    for (const auto& p : espOffered)
    {
        if (p.number == a.proposalNumber)
        {
            a.peerSpi = SpiFromBytes(p.spi);
            break;
        }
    }
    // The initiator's TSi are its local side, our remote side.
    a.tsi = Narrow(FromPayload(tsi), FromConfig(peer.remoteTs));
    a.tsr = Narrow(FromPayload(tsr), FromConfig(peer.localTs));
    if (a.tsi.empty() || a.tsr.empty() || a.peerSpi == 0)
    {
        error = a.peerSpi == 0 ? notify::kNoProposalChosen : notify::kTsUnacceptable;
        return std::nullopt;
    }
    return a;
}

ChildSaParams
MakeChildParams(EngineContext& ctx,
                const IkeSa& sa,
                bool weInitiated,
                const EspSuite& suite,
                uint32_t spiIn,
                uint32_t spiOut,
                const SelectorList& tsi,
                const SelectorList& tsr,
                const Bytes* pfsSecret,
                const Bytes& ni,
                const Bytes& nr)
{
    ChildSaParams p;
    p.spiIn = spiIn;
    p.spiOut = spiOut;
    p.suite = suite;
    p.keys = DeriveChildKeys(sa.suite.prf, sa.keys.skD, suite, pfsSecret, ni, nr);
    p.weInitiated = weInitiated;
    p.localTs = weInitiated ? tsi : tsr;
    p.remoteTs = weInitiated ? tsr : tsi;
    p.local = sa.local;
    p.remote = sa.remote;
    p.udpEncap = sa.natT;
    p.replayWindow = ctx.Config().replayWindow;
    p.lowestNonce = LowestNonce(ni, nr);
    return p;
}

const Bytes&
LowestNonce(const Bytes& a, const Bytes& b)
{
    return std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end()) ? b : a;
}

} // namespace ikev2

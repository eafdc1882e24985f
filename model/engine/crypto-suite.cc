#include "crypto-suite.h"

#include "dh.h"
#include "prf.h"

#include <sstream>

namespace ikev2
{

namespace
{

using namespace transform;

constexpr uint8_t kEncr = static_cast<uint8_t>(TransformType::Encr);
constexpr uint8_t kPrf = static_cast<uint8_t>(TransformType::Prf);
constexpr uint8_t kInteg = static_cast<uint8_t>(TransformType::Integ);
constexpr uint8_t kDh = static_cast<uint8_t>(TransformType::Dh);
constexpr uint8_t kEsn = static_cast<uint8_t>(TransformType::Esn);
constexpr size_t kGcmSaltBytes = 4;

bool
IsSupportedEncr(uint16_t id, uint16_t bits)
{
    return (id == kEncrAesGcm16 || id == kEncrAesCbc) && (bits == 128 || bits == 256);
}

bool
IsSupportedInteg(uint16_t id)
{
    return id == kIntegHmacSha256_128;
}

size_t
EncrKeyBytesOf(uint16_t encr, uint16_t bits)
{
    if (!IsSupportedEncr(encr, bits))
    {
        return 0;
    }
    return bits / 8 + (encr == kEncrAesGcm16 ? kGcmSaltBytes : 0);
}

size_t
IntegKeyBytesOf(uint16_t integ)
{
    return integ == kIntegHmacSha256_128 ? 32 : 0;
}

Transform
MakeTransform(uint8_t type, uint16_t id, uint16_t keyBits = 0)
{
    Transform t;
    t.type = type;
    t.id = id;
    if (keyBits)
    {
        TransformAttribute a;
        a.type = kAttrKeyLength;
        a.tv = true;
        a.tvValue = keyBits;
        t.attributes.push_back(a);
    }
    return t;
}

std::string
EncrToken(uint16_t encr, uint16_t bits)
{
    std::string s = "aes" + std::to_string(bits);
    return encr == kEncrAesGcm16 ? s + "gcm16" : s;
}

std::string
DhToken(uint16_t dh)
{
    switch (dh)
    {
        case kDhCurve25519:
            return "x25519";
        case kDhEcp256:
            return "ecp256";
        case kDhModp2048:
            return "modp2048";
        default:
            return "dh" + std::to_string(dh);
    }
}

std::string
PrfToken(uint16_t prf)
{
    switch (prf)
    {
        case kPrfHmacSha256:
            return "prfsha256";
        case kPrfHmacSha384:
            return "prfsha384";
        case kPrfHmacSha512:
            return "prfsha512";
        default:
            return "prf" + std::to_string(prf);
    }
}

/// One token of a proposal string, classified.
struct Token
{
    uint8_t type{ 0 };
    uint16_t id{ 0 };
    uint16_t keyBits{ 0 };
};

bool
ClassifyToken(const std::string& tok, Token& out)
{
    struct Entry
    {
        const char* name;
        uint8_t type;
        uint16_t id;
        uint16_t keyBits;
    };
    static const Entry kTable[] = {
        { "aes128gcm16", kEncr, kEncrAesGcm16, 128 },
        { "aes128gcm128", kEncr, kEncrAesGcm16, 128 },
        { "aes128gcm", kEncr, kEncrAesGcm16, 128 },
        { "aes256gcm16", kEncr, kEncrAesGcm16, 256 },
        { "aes256gcm128", kEncr, kEncrAesGcm16, 256 },
        { "aes256gcm", kEncr, kEncrAesGcm16, 256 },
        { "aes128", kEncr, kEncrAesCbc, 128 },
        { "aes256", kEncr, kEncrAesCbc, 256 },
        { "sha256", kInteg, kIntegHmacSha256_128, 0 },
        { "sha2_256", kInteg, kIntegHmacSha256_128, 0 },
        { "prfsha256", kPrf, kPrfHmacSha256, 0 },
        { "prfsha384", kPrf, kPrfHmacSha384, 0 },
        { "prfsha512", kPrf, kPrfHmacSha512, 0 },
        { "x25519", kDh, kDhCurve25519, 0 },
        { "curve25519", kDh, kDhCurve25519, 0 },
        { "ecp256", kDh, kDhEcp256, 0 },
        { "modp2048", kDh, kDhModp2048, 0 },
        { "esn", kEsn, kEsnYes, 0 },
        { "noesn", kEsn, kEsnNo, 0 },
    };
    for (const Entry& e : kTable)
    {
        if (tok == e.name)
        {
            out = { e.type, e.id, e.keyBits };
            return true;
        }
    }
    return false;
}

bool
Tokenize(const std::string& text, std::vector<Token>& tokens, std::string& error)
{
    tokens.clear();
    std::string cur;
    std::istringstream in(text);
    while (std::getline(in, cur, '-'))
    {
        Token t;
        if (cur.empty())
        {
            error = "empty algorithm name in '" + text + "'";
            return false;
        }
        if (!ClassifyToken(cur, t))
        {
            error = "unknown algorithm '" + cur + "'";
            return false;
        }
        tokens.push_back(t);
    }
    if (tokens.empty())
    {
        error = "empty proposal";
        return false;
    }
    return true;
}

/// Appends the transform unless the same one is already there (e.g. "sha256-sha256").
void
AddUnique(std::vector<Transform>& v, const Transform& t)
{
    for (const Transform& x : v)
    {
        if (x == t)
        {
            return;
        }
    }
    v.push_back(t);
}

/// Splits tokens by type and checks that AEAD and non-AEAD ciphers are not mixed.
bool
Collect(const std::vector<Token>& tokens,
        std::vector<Transform> (&byType)[6],
        bool& aead,
        std::string& error)
{
    bool anyAead = false;
    bool anyPlain = false;
    for (const Token& t : tokens)
    {
        AddUnique(byType[t.type], MakeTransform(t.type, t.id, t.keyBits));
        if (t.type == kEncr)
        {
            (t.id == kEncrAesGcm16 ? anyAead : anyPlain) = true;
        }
    }
    if (!anyAead && !anyPlain)
    {
        error = "no encryption algorithm";
        return false;
    }
    if (anyAead && anyPlain)
    {
        error = "AEAD and non-AEAD encryption algorithms belong in separate proposals";
        return false;
    }
    aead = anyAead;
    if (aead && !byType[kInteg].empty())
    {
        error = "an AEAD proposal takes no integrity algorithm";
        return false;
    }
    if (!aead && byType[kInteg].empty())
    {
        error = "AES-CBC needs an integrity algorithm (e.g. sha256)";
        return false;
    }
    return true;
}

/// The steps ParseIkeProposal and ParseEspProposal share: split @p text into known
/// algorithms and group them by transform type, with the cipher checks of Collect.
bool
ParseTransforms(const std::string& text,
                std::vector<Transform> (&byType)[6],
                bool& aead,
                std::string& error)
{
    std::vector<Token> tokens;
    return Tokenize(text, tokens, error) && Collect(tokens, byType, aead, error);
}

/// Proposal number 1 of @p protocol holding @p byType's transforms, types in @p order (a
/// fixed order, so the same configuration always puts the same bytes on the wire).
Proposal
AssembleProposal(ProtocolId protocol,
                 const std::vector<Transform> (&byType)[6],
                 std::initializer_list<uint8_t> order)
{
    Proposal out;
    out.number = 1;
    out.protocolId = static_cast<uint8_t>(protocol);
    for (uint8_t type : order)
    {
        out.transforms.insert(out.transforms.end(), byType[type].begin(), byType[type].end());
    }
    return out;
}

std::optional<uint16_t>
KeyBitsOf(const Transform& t)
{
    for (const TransformAttribute& a : t.attributes)
    {
        if (a.type == kAttrKeyLength && a.tv)
        {
            return a.tvValue;
        }
    }
    return std::nullopt;
}

bool
HasUnknownAttributes(const Transform& t)
{
    for (const TransformAttribute& a : t.attributes)
    {
        if (a.type != kAttrKeyLength || !a.tv)
        {
            return true;
        }
    }
    return false;
}

bool
SameTransform(const Transform& a, const Transform& b)
{
    return a.type == b.type && a.id == b.id && KeyBitsOf(a) == KeyBitsOf(b);
}

/// First transform of @p type in @p offered that also appears in @p ours (and we support).
/// @p implicitNone: a missing type counts as the single value 0 (ESP's DH and ESN).
std::optional<Transform>
PickTransform(const Proposal& offered, const Proposal& ours, uint8_t type, bool implicitNone)
{
    std::vector<Transform> theirs;
    std::vector<Transform> mine;
    for (const Transform& t : offered.transforms)
    {
        if (t.type == type)
        {
            theirs.push_back(t);
        }
    }
    for (const Transform& t : ours.transforms)
    {
        if (t.type == type)
        {
            mine.push_back(t);
        }
    }
    if (implicitNone)
    {
        if (theirs.empty())
        {
            theirs.push_back(MakeTransform(type, 0));
        }
        if (mine.empty())
        {
            mine.push_back(MakeTransform(type, 0));
        }
    }
    for (const Transform& t : theirs)
    {
        if (HasUnknownAttributes(t))
        {
            continue;
        }
        for (const Transform& m : mine)
        {
            if (SameTransform(t, m))
            {
                return t;
            }
        }
    }
    return std::nullopt;
}

bool
OnlyTypes(const Proposal& p, std::initializer_list<uint8_t> allowed)
{
    for (const Transform& t : p.transforms)
    {
        bool ok = false;
        for (uint8_t a : allowed)
        {
            ok = ok || t.type == a;
        }
        if (!ok)
        {
            return false;
        }
    }
    return true;
}

/// The part of matching IKE and ESP share: the chosen ENCR transform @p encr and, unless it
/// is AEAD, an INTEG transform both sides list. False when either is unsupported.
template<typename Suite>
bool
PickCipher(const Proposal& offered, const Proposal& ours, const Transform& encr, Suite& s)
{
    s.encr = encr.id;
    s.encrKeyBits = KeyBitsOf(encr).value_or(0);
    if (!s.IsAead())
    {
        auto integ = PickTransform(offered, ours, kInteg, false);
        if (!integ)
        {
            return false;
        }
        s.integ = integ->id;
    }
    return IsSupportedEncr(s.encr, s.encrKeyBits) && (s.IsAead() || IsSupportedInteg(s.integ));
}

/// The initiator lists its proposals most preferred first (RFC 7296 2.7), so the offered
/// order is the outer loop; @p chosenNumber is the number of the proposal taken.
template<typename Match>
auto
SelectFirst(const std::vector<Proposal>& offered,
            const std::vector<Proposal>& ours,
            Match match,
            uint8_t& chosenNumber) -> decltype(match(offered.front(), ours.front()))
{
    for (const Proposal& o : offered)
    {
        for (const Proposal& m : ours)
        {
            if (auto s = match(o, m))
            {
                chosenNumber = o.number;
                return s;
            }
        }
    }
    return std::nullopt;
}

std::optional<IkeSuite>
MatchIke(const Proposal& offered, const Proposal& ours)
{
    if (offered.protocolId != static_cast<uint8_t>(ProtocolId::Ike) ||
        !OnlyTypes(offered, { kEncr, kPrf, kInteg, kDh }))
    {
        return std::nullopt;
    }
    auto encr = PickTransform(offered, ours, kEncr, false);
    auto prf = PickTransform(offered, ours, kPrf, false);
    auto dh = PickTransform(offered, ours, kDh, false);
    if (!encr || !prf || !dh)
    {
        return std::nullopt;
    }
    IkeSuite s;
    s.prf = prf->id;
    s.dh = dh->id;
    if (!PickCipher(offered, ours, *encr, s) || !IsSupportedPrf(s.prf) || !IsSupportedDhGroup(s.dh))
    {
        return std::nullopt;
    }
    return s;
}

std::optional<EspSuite>
MatchEsp(const Proposal& offered, const Proposal& ours)
{
    if (offered.protocolId != static_cast<uint8_t>(ProtocolId::Esp) ||
        !OnlyTypes(offered, { kEncr, kInteg, kDh, kEsn }))
    {
        return std::nullopt;
    }
    auto encr = PickTransform(offered, ours, kEncr, false);
    auto dh = PickTransform(offered, ours, kDh, true);
    auto esn = PickTransform(offered, ours, kEsn, true);
    if (!encr || !dh || !esn)
    {
        return std::nullopt;
    }
    EspSuite s;
    s.dh = dh->id;
    s.esn = esn->id == kEsnYes;
    if (!PickCipher(offered, ours, *encr, s) || (s.dh != 0 && !IsSupportedDhGroup(s.dh)) ||
        (esn->id != kEsnYes && esn->id != kEsnNo))
    {
        return std::nullopt;
    }
    return s;
}

/// The single transform of @p type, nullopt if there are several; @p none if there is none.
bool
SingleOf(const Proposal& p, uint8_t type, const Transform*& out)
{
    out = nullptr;
    for (const Transform& t : p.transforms)
    {
        if (t.type == type)
        {
            if (out)
            {
                return false;
            }
            out = &t;
        }
    }
    return true;
}

/// The cipher part IKE and ESP suites share, read from a single-choice proposal: @p encr
/// and @p integ (null when absent). False unless supported, and AEAD comes without INTEG.
template<typename Suite>
bool
CipherOf(const Transform& encr, const Transform* integ, Suite& s)
{
    s.encr = encr.id;
    s.encrKeyBits = KeyBitsOf(encr).value_or(0);
    s.integ = integ ? integ->id : 0;
    const bool integOk = s.IsAead() ? s.integ == kIntegNone : IsSupportedInteg(s.integ);
    return IsSupportedEncr(s.encr, s.encrKeyBits) && !HasUnknownAttributes(encr) && integOk;
}

bool
Contains(const Proposal& p, const Transform& t)
{
    for (const Transform& x : p.transforms)
    {
        if (SameTransform(x, t))
        {
            return true;
        }
    }
    return false;
}

} // namespace

// ---------------------------------------------------------------------------------------------

bool
IkeSuite::IsAead() const
{
    return encr == kEncrAesGcm16;
}

size_t
IkeSuite::EncrKeyBytes() const
{
    return EncrKeyBytesOf(encr, encrKeyBits);
}

size_t
IkeSuite::IntegKeyBytes() const
{
    return IsAead() ? 0 : IntegKeyBytesOf(integ);
}

size_t
IkeSuite::IntegIcvBytes() const
{
    return 16; // GCM-16 tag and HMAC-SHA2-256-128 alike
}

std::string
IkeSuite::ToString() const
{
    std::string s = EncrToken(encr, encrKeyBits);
    if (!IsAead())
    {
        s += integ == kIntegHmacSha256_128 ? "-sha256" : "-integ" + std::to_string(integ);
    }
    return s + "-" + PrfToken(prf) + "-" + DhToken(dh);
}

bool
EspSuite::IsAead() const
{
    return encr == kEncrAesGcm16;
}

size_t
EspSuite::EncrKeyBytes() const
{
    return EncrKeyBytesOf(encr, encrKeyBits);
}

size_t
EspSuite::IntegKeyBytes() const
{
    return IsAead() ? 0 : IntegKeyBytesOf(integ);
}

size_t
EspSuite::IcvBytes() const
{
    return 16;
}

std::string
EspSuite::ToString() const
{
    std::string s = EncrToken(encr, encrKeyBits);
    if (!IsAead())
    {
        s += integ == kIntegHmacSha256_128 ? "-sha256" : "-integ" + std::to_string(integ);
    }
    if (dh)
    {
        s += "-" + DhToken(dh);
    }
    if (esn)
    {
        s += "-esn";
    }
    return s;
}

bool
ParseIkeProposal(const std::string& text, Proposal& out, std::string& error)
{
    std::vector<Transform> byType[6];
    bool aead = false;
    if (!ParseTransforms(text, byType, aead, error))
    {
        return false;
    }
    if (!byType[kEsn].empty())
    {
        error = "ESN is not an IKE transform";
        return false;
    }
    if (byType[kPrf].empty())
    {
        if (aead)
        {
            error = "an AEAD IKE proposal needs a PRF (e.g. prfsha256)";
            return false;
        }
        // strongSwan derives the PRF from the integrity algorithm.
        byType[kPrf].push_back(MakeTransform(kPrf, kPrfHmacSha256));
    }
    if (byType[kDh].empty())
    {
        error = "an IKE proposal needs a DH group";
        return false;
    }
    out = AssembleProposal(ProtocolId::Ike, byType, { kEncr, kPrf, kInteg, kDh });
    return true;
}

bool
ParseEspProposal(const std::string& text, Proposal& out, std::string& error)
{
    std::vector<Transform> byType[6];
    bool aead = false;
    if (!ParseTransforms(text, byType, aead, error))
    {
        return false;
    }
    if (!byType[kPrf].empty())
    {
        error = "a PRF is not an ESP transform";
        return false;
    }
    if (byType[kEsn].empty())
    {
        byType[kEsn].push_back(MakeTransform(kEsn, kEsnNo));
    }
    out = AssembleProposal(ProtocolId::Esp, byType, { kEncr, kInteg, kDh, kEsn });
    return true;
}

std::optional<IkeSuite>
IkeSuiteFromProposal(const Proposal& p)
{
    const Transform* encr;
    const Transform* prf;
    const Transform* integ;
    const Transform* dh;
    if (p.protocolId != static_cast<uint8_t>(ProtocolId::Ike) ||
        !OnlyTypes(p, { kEncr, kPrf, kInteg, kDh }) || !SingleOf(p, kEncr, encr) ||
        !SingleOf(p, kPrf, prf) || !SingleOf(p, kInteg, integ) || !SingleOf(p, kDh, dh) || !encr ||
        !prf || !dh)
    {
        return std::nullopt;
    }
    IkeSuite s;
    s.prf = prf->id;
    s.dh = dh->id;
    if (!CipherOf(*encr, integ, s) || !IsSupportedPrf(s.prf) || !IsSupportedDhGroup(s.dh))
    {
        return std::nullopt;
    }
    return s;
}

std::optional<EspSuite>
EspSuiteFromProposal(const Proposal& p)
{
    const Transform* encr;
    const Transform* integ;
    const Transform* dh;
    const Transform* esn;
    if (p.protocolId != static_cast<uint8_t>(ProtocolId::Esp) ||
        !OnlyTypes(p, { kEncr, kInteg, kDh, kEsn }) || !SingleOf(p, kEncr, encr) ||
        !SingleOf(p, kInteg, integ) || !SingleOf(p, kDh, dh) || !SingleOf(p, kEsn, esn) || !encr)
    {
        return std::nullopt;
    }
    EspSuite s;
    s.dh = dh ? dh->id : 0;
    s.esn = esn && esn->id == kEsnYes;
    if (!CipherOf(*encr, integ, s) || (s.dh != 0 && !IsSupportedDhGroup(s.dh)) ||
        (esn && esn->id != kEsnYes && esn->id != kEsnNo))
    {
        return std::nullopt;
    }
    return s;
}

std::optional<IkeSuite>
SelectIkeSuite(const std::vector<Proposal>& offered,
               const std::vector<Proposal>& ours,
               uint8_t& chosenNumber)
{
    return SelectFirst(offered, ours, MatchIke, chosenNumber);
}

std::optional<EspSuite>
SelectEspSuite(const std::vector<Proposal>& offered,
               const std::vector<Proposal>& ours,
               uint8_t& chosenNumber)
{
    return SelectFirst(offered, ours, MatchEsp, chosenNumber);
}

Proposal
ToProposal(const IkeSuite& suite, uint8_t number, const Bytes& spi)
{
    Proposal p;
    p.number = number;
    p.protocolId = static_cast<uint8_t>(ProtocolId::Ike);
    p.spi = spi;
    p.transforms.push_back(MakeTransform(kEncr, suite.encr, suite.encrKeyBits));
    p.transforms.push_back(MakeTransform(kPrf, suite.prf));
    if (!suite.IsAead())
    {
        p.transforms.push_back(MakeTransform(kInteg, suite.integ));
    }
    p.transforms.push_back(MakeTransform(kDh, suite.dh));
    return p;
}

Proposal
ToProposal(const EspSuite& suite, uint8_t number, const Bytes& spi)
{
    Proposal p;
    p.number = number;
    p.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
    p.spi = spi;
    p.transforms.push_back(MakeTransform(kEncr, suite.encr, suite.encrKeyBits));
    if (!suite.IsAead())
    {
        p.transforms.push_back(MakeTransform(kInteg, suite.integ));
    }
    if (suite.dh)
    {
        p.transforms.push_back(MakeTransform(kDh, suite.dh));
    }
    p.transforms.push_back(MakeTransform(kEsn, suite.esn ? kEsnYes : kEsnNo));
    return p;
}

bool
ProposalAllows(const Proposal& p, const IkeSuite& suite)
{
    Proposal single = ToProposal(suite, p.number, p.spi);
    for (const Transform& t : single.transforms)
    {
        if (!Contains(p, t))
        {
            return false;
        }
    }
    return p.protocolId == single.protocolId;
}

bool
ProposalAllows(const Proposal& p, const EspSuite& suite)
{
    Proposal single = ToProposal(suite, p.number, p.spi);
    if (suite.dh == 0)
    {
        single.transforms.push_back(MakeTransform(kDh, 0));
    }
    for (const Transform& t : single.transforms)
    {
        // Absent DH / ESN types stand for "none" / "no ESN".
        bool implicit = t.id == 0 && (t.type == kDh || t.type == kEsn);
        if (implicit)
        {
            const Transform* any = nullptr;
            for (const Transform& x : p.transforms)
            {
                any = x.type == t.type ? &x : any;
            }
            if (!any)
            {
                continue;
            }
        }
        if (!Contains(p, t))
        {
            return false;
        }
    }
    return p.protocolId == single.protocolId;
}

} // namespace ikev2

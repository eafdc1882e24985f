// Proposal strings, suites and the responder's selection (RFC 7296 2.7, 3.3).
#include "crypto-suite.h"
#include "ike-constants.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace
{

using namespace transform;

Proposal
Ike(const std::string& s, uint8_t number = 1)
{
    Proposal p;
    std::string error;
    EXPECT_TRUE(ParseIkeProposal(s, p, error)) << s << ": " << error;
    p.number = number;
    return p;
}

Proposal
Esp(const std::string& s, uint8_t number = 1)
{
    Proposal p;
    std::string error;
    EXPECT_TRUE(ParseEspProposal(s, p, error)) << s << ": " << error;
    p.number = number;
    return p;
}

TEST(CryptoSuiteTest, ParsesSingleIkeProposals)
{
    auto gcm = IkeSuiteFromProposal(Ike("aes128gcm16-prfsha256-x25519"));
    ASSERT_TRUE(gcm);
    EXPECT_EQ(*gcm, (IkeSuite{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhCurve25519 }));
    EXPECT_TRUE(gcm->IsAead());
    EXPECT_EQ(gcm->EncrKeyBytes(), 20u);
    EXPECT_EQ(gcm->IntegKeyBytes(), 0u);
    EXPECT_EQ(gcm->IntegIcvBytes(), 16u);

    auto gcm256 = IkeSuiteFromProposal(Ike("aes256gcm16-prfsha384-ecp256"));
    ASSERT_TRUE(gcm256);
    EXPECT_EQ(*gcm256, (IkeSuite{ kEncrAesGcm16, 256, 0, kPrfHmacSha384, kDhEcp256 }));
    EXPECT_EQ(gcm256->EncrKeyBytes(), 36u);

    auto cbc = IkeSuiteFromProposal(Ike("aes128-sha256-modp2048"));
    ASSERT_TRUE(cbc);
    EXPECT_EQ(*cbc,
              (IkeSuite{ kEncrAesCbc, 128, kIntegHmacSha256_128, kPrfHmacSha256, kDhModp2048 }));
    EXPECT_FALSE(cbc->IsAead());
    EXPECT_EQ(cbc->EncrKeyBytes(), 16u);
    EXPECT_EQ(cbc->IntegKeyBytes(), 32u);
}

TEST(CryptoSuiteTest, ToStringParsesBack)
{
    for (const char* s : { "aes128gcm16-prfsha256-x25519",
                           "aes256gcm16-prfsha512-modp2048",
                           "aes256-sha256-prfsha384-ecp256" })
    {
        auto suite = IkeSuiteFromProposal(Ike(s));
        ASSERT_TRUE(suite) << s;
        EXPECT_EQ(suite->ToString(), s);
        EXPECT_EQ(IkeSuiteFromProposal(Ike(suite->ToString())), suite);
    }
    for (const char* s : { "aes128gcm16",
                           "aes256gcm16-esn",
                           "aes128-sha256",
                           "aes128gcm16-x25519",
                           "aes256-sha256-ecp256-esn" })
    {
        auto suite = EspSuiteFromProposal(Esp(s));
        ASSERT_TRUE(suite) << s;
        EXPECT_EQ(suite->ToString(), s);
    }
}

TEST(CryptoSuiteTest, IkeProposalWithSeveralAlgorithmsPerType)
{
    Proposal p = Ike("aes128gcm16-aes256gcm16-prfsha256-x25519-modp2048");
    EXPECT_EQ(p.protocolId, static_cast<uint8_t>(ProtocolId::Ike));
    EXPECT_EQ(p.transforms.size(), 5u);
    EXPECT_EQ(p.transforms[0].type, 1);
    ASSERT_EQ(p.transforms[0].attributes.size(), 1u);
    EXPECT_EQ(p.transforms[0].attributes[0].type, kAttrKeyLength);
    EXPECT_EQ(p.transforms[0].attributes[0].tvValue, 128);
    EXPECT_EQ(p.transforms[1].attributes[0].tvValue, 256);
    EXPECT_EQ(p.transforms[2].type, 2);
    EXPECT_EQ(p.transforms[3].id, kDhCurve25519);
    EXPECT_EQ(p.transforms[4].id, kDhModp2048);
    // Several choices: not a single suite.
    EXPECT_FALSE(IkeSuiteFromProposal(p));
}

TEST(CryptoSuiteTest, EspProposalsAndEsnDefault)
{
    Proposal p = Esp("aes128gcm16");
    EXPECT_EQ(p.protocolId, static_cast<uint8_t>(ProtocolId::Esp));
    ASSERT_EQ(p.transforms.size(), 2u);
    EXPECT_EQ(p.transforms[1].type, static_cast<uint8_t>(TransformType::Esn));
    EXPECT_EQ(p.transforms[1].id, kEsnNo);
    auto s = EspSuiteFromProposal(p);
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->esn);
    EXPECT_EQ(s->dh, 0);
    EXPECT_EQ(s->EncrKeyBytes(), 20u);

    auto esn = EspSuiteFromProposal(Esp("aes256gcm16-esn"));
    ASSERT_TRUE(esn);
    EXPECT_TRUE(esn->esn);
    EXPECT_EQ(esn->EncrKeyBytes(), 36u);

    auto cbc = EspSuiteFromProposal(Esp("aes128-sha256"));
    ASSERT_TRUE(cbc);
    EXPECT_EQ(cbc->integ, kIntegHmacSha256_128);
    EXPECT_EQ(cbc->IntegKeyBytes(), 32u);

    auto pfs = EspSuiteFromProposal(Esp("aes128gcm16-x25519"));
    ASSERT_TRUE(pfs);
    EXPECT_EQ(pfs->dh, kDhCurve25519);
}

TEST(CryptoSuiteTest, RejectsBadProposalStrings)
{
    Proposal p;
    std::string error;
    for (const char* bad : { "",
                             "aes128gcm16",
                             "aes128gcm16-x25519",
                             "aes128-prfsha256-x25519",
                             "aes128-aes128gcm16-sha256-prfsha256-x25519",
                             "aes192-sha256-x25519",
                             "aes128gcm16-sha256-prfsha256-x25519",
                             "aes128gcm16--x25519",
                             "aes128gcm16-prfsha256-x25519-esn",
                             "3des-sha1-modp1024" })
    {
        EXPECT_FALSE(ParseIkeProposal(bad, p, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
    for (const char* bad : { "",
                             "aes128",
                             "aes128gcm16-sha256",
                             "aes128gcm16-prfsha256",
                             "sha256",
                             "aes128gcm16-bogus" })
    {
        error.clear();
        EXPECT_FALSE(ParseEspProposal(bad, p, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(CryptoSuiteTest, SelectIkeFirstOfferedAcceptableProposal)
{
    std::vector<Proposal> ours = { Ike("aes256gcm16-prfsha256-ecp256"),
                                   Ike("aes128gcm16-prfsha256-x25519-modp2048") };
    std::vector<Proposal> offered = {
        Ike("aes128-sha256-x25519", 1),
        Ike("aes128gcm16-aes256gcm16-prfsha512-prfsha256-modp2048-x25519", 2),
        Ike("aes256gcm16-prfsha256-ecp256", 3)
    };
    uint8_t chosen = 0;
    auto s = SelectIkeSuite(offered, ours, chosen);
    ASSERT_TRUE(s);
    EXPECT_EQ(chosen, 2);
    // Within the proposal, the first offered transform of each type that we accept.
    EXPECT_EQ(*s, (IkeSuite{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhModp2048 }));
    // The reply proposal carries the offered number and allows the suite.
    Proposal reply = ToProposal(*s, chosen, Bytes());
    EXPECT_EQ(reply.number, 2);
    EXPECT_EQ(IkeSuiteFromProposal(reply), s);
    EXPECT_TRUE(ProposalAllows(offered[1], *s));
    EXPECT_FALSE(ProposalAllows(offered[0], *s));
}

TEST(CryptoSuiteTest, SelectIkeNoMatch)
{
    std::vector<Proposal> ours = { Ike("aes128gcm16-prfsha256-x25519") };
    uint8_t chosen = 0;
    EXPECT_FALSE(SelectIkeSuite({ Ike("aes256gcm16-prfsha256-x25519") }, ours, chosen));
    EXPECT_FALSE(SelectIkeSuite({ Ike("aes128gcm16-prfsha384-x25519") }, ours, chosen));
    EXPECT_FALSE(SelectIkeSuite({ Ike("aes128gcm16-prfsha256-ecp256") }, ours, chosen));
    EXPECT_FALSE(SelectIkeSuite({ Esp("aes128gcm16") }, ours, chosen));
    EXPECT_FALSE(SelectIkeSuite({}, ours, chosen));
    // An offered proposal with an unknown transform type is skipped.
    Proposal odd = Ike("aes128gcm16-prfsha256-x25519");
    Transform t;
    t.type = 9;
    t.id = 1;
    odd.transforms.push_back(t);
    EXPECT_FALSE(SelectIkeSuite({ odd }, ours, chosen));
    // A key length we do not use is not a match either.
    Proposal k192 = Ike("aes128gcm16-prfsha256-x25519");
    k192.transforms[0].attributes[0].tvValue = 192;
    EXPECT_FALSE(SelectIkeSuite({ k192 }, ours, chosen));
}

TEST(CryptoSuiteTest, SelectEspWithPfsAndEsn)
{
    std::vector<Proposal> ours = { Esp("aes128gcm16-x25519-esn-noesn") };
    uint8_t chosen = 0;
    auto s =
      SelectEspSuite({ Esp("aes256gcm16", 1), Esp("aes128gcm16-x25519-esn", 2) }, ours, chosen);
    ASSERT_TRUE(s);
    EXPECT_EQ(chosen, 2);
    EXPECT_EQ(*s, (EspSuite{ kEncrAesGcm16, 128, 0, kDhCurve25519, true }));
    Proposal reply = ToProposal(*s, chosen, Bytes{ 1, 2, 3, 4 });
    EXPECT_EQ(reply.spi, (Bytes{ 1, 2, 3, 4 }));
    EXPECT_EQ(EspSuiteFromProposal(reply), s);

    // Without PFS on our side a PFS-only offer does not match, a no-PFS offer does.
    std::vector<Proposal> noPfs = { Esp("aes128gcm16") };
    EXPECT_FALSE(SelectEspSuite({ Esp("aes128gcm16-x25519") }, noPfs, chosen));
    auto plain = SelectEspSuite({ Esp("aes128gcm16") }, noPfs, chosen);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->dh, 0);
    EXPECT_FALSE(plain->esn);
    EXPECT_TRUE(ProposalAllows(Esp("aes128gcm16"), *plain));
    EXPECT_FALSE(ProposalAllows(Esp("aes128gcm16-x25519"), *plain));
    // An offer without an ESN transform counts as "no ESN".
    Proposal noEsn = Esp("aes128gcm16");
    noEsn.transforms.pop_back();
    EXPECT_TRUE(SelectEspSuite({ noEsn }, noPfs, chosen));
    EXPECT_FALSE(SelectEspSuite({ Esp("aes128gcm16-esn") }, noPfs, chosen));
}

TEST(CryptoSuiteTest, SuiteFromProposalRejectsInvalidSingles)
{
    Proposal p = Ike("aes128gcm16-prfsha256-x25519");
    p.transforms[0].attributes.clear(); // AES without key length
    EXPECT_FALSE(IkeSuiteFromProposal(p));
    Proposal q = Ike("aes128gcm16-prfsha256-x25519");
    q.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
    EXPECT_FALSE(IkeSuiteFromProposal(q));
    Proposal r = Ike("aes128gcm16-prfsha256-x25519");
    r.transforms.erase(r.transforms.begin() + 2); // no DH
    EXPECT_FALSE(IkeSuiteFromProposal(r));
    Proposal e = Esp("aes128-sha256");
    e.transforms.erase(e.transforms.begin() + 1); // CBC without integrity
    EXPECT_FALSE(EspSuiteFromProposal(e));
}

} // namespace
} // namespace ikev2

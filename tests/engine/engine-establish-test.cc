// IKE_SA_INIT + IKE_AUTH + first Child SA between two endpoints on the virtual wire: every
// proposal combination, NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD, COOKIE, wrong PSK,
// traffic-selector narrowing, signatures, loss and retransmission, determinism.
#include "engine-test-util.h"
#include "ike-constants.h"
#include "ipv4-packet.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

TEST(EngineEstablish, PskCreatesIkeSaAndChildSaOnBothSides)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established()) << p.wire.Dump();
    auto a = p.wire.Node(p.alice).IkeSas()[0];
    auto b = p.wire.Node(p.bob).IkeSas()[0];
    EXPECT_EQ(a.spiI, b.spiI);
    EXPECT_EQ(a.spiR, b.spiR);
    EXPECT_TRUE(a.initiator);
    EXPECT_FALSE(b.initiator);
    EXPECT_EQ(a.remoteId, "bob.example");
    EXPECT_EQ(b.remoteId, "alice.example");
    EXPECT_EQ(a.children[0].spiOut, b.children[0].spiIn);
    EXPECT_EQ(a.children[0].spiIn, b.children[0].spiOut);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::IkeSaEstablished), 1u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::ChildSaInstalled), 1u);
    // Two exchanges: 4 IKE datagrams.
    EXPECT_EQ(p.wire.Wire().size(), 4u);
    // Key export: one IKE line and two ESP lines per side.
    EXPECT_EQ(p.wire.IkeKeyLines(p.alice).size(), 1u);
    EXPECT_EQ(p.wire.IkeKeyLines(p.alice), p.wire.IkeKeyLines(p.bob));
    EXPECT_EQ(p.wire.EspKeyLines(p.alice).size(), 2u);
    EXPECT_EQ(p.wire.EspKeyLines(p.bob).size(), 2u);
    // INITIAL_CONTACT in the first IKE_AUTH after start.
    bool ic = false;
    for (const auto& e : p.wire.EventsOf(p.bob, EventType::NotifyReceived))
    {
        ic |= e.notifyType == notify::kInitialContact && e.protectedMsg;
    }
    EXPECT_TRUE(ic);
    // Crypto was counted: two DH keygens and derives across both, AEAD seal/open.
    const auto& ca = p.wire.Crypto(p.alice);
    EXPECT_EQ(ca.count[size_t(CryptoOp::DhKeygenX25519)], 1u);
    EXPECT_EQ(ca.count[size_t(CryptoOp::DhDeriveX25519)], 1u);
    EXPECT_GE(ca.count[size_t(CryptoOp::AeadSeal)], 1u);
    EXPECT_GT(ca.count[size_t(CryptoOp::Prf)], 5u);
    EXPECT_GT(p.wire.Node(p.alice).StateBytesPerIkeSa(), 1000u);
}

struct SuiteCase
{
    const char* ike;
    const char* esp;
};

class EngineEstablishSuites : public ::testing::TestWithParam<SuiteCase>
{
};

TEST_P(EngineEstablishSuites, Establishes)
{
    PairOptions o;
    o.aliceIke = o.bobIke = {GetParam().ike};
    o.aliceEsp = o.bobEsp = {GetParam().esp};
    Pair p(o);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established()) << GetParam().ike << " / " << GetParam().esp;
    p.wire.SendInner(p.alice, Sec(2), Pair::AliceToBob());
    p.wire.SendInner(p.bob, Sec(2), Pair::BobToAlice());
    p.wire.RunUntil(Sec(3));
    ASSERT_EQ(p.wire.Delivered(p.bob).size(), 1u);
    EXPECT_EQ(p.wire.Delivered(p.bob)[0], Pair::AliceToBob());
    ASSERT_EQ(p.wire.Delivered(p.alice).size(), 1u);
    EXPECT_EQ(p.wire.Delivered(p.alice)[0], Pair::BobToAlice());
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations,
    EngineEstablishSuites,
    ::testing::Values(SuiteCase{"aes128gcm16-prfsha256-x25519", "aes128gcm16"},
                      SuiteCase{"aes128gcm16-prfsha256-ecp256", "aes128gcm16"},
                      SuiteCase{"aes128gcm16-prfsha256-modp2048", "aes128gcm16"},
                      SuiteCase{"aes256gcm16-prfsha256-x25519", "aes256gcm16"},
                      SuiteCase{"aes256gcm16-prfsha384-ecp256", "aes256gcm16-esn"},
                      SuiteCase{"aes256gcm16-prfsha512-modp2048", "aes128gcm16"},
                      SuiteCase{"aes128-sha256-x25519", "aes128-sha256"},
                      SuiteCase{"aes256-sha256-ecp256", "aes256-sha256"},
                      SuiteCase{"aes128-sha256-modp2048", "aes128-sha256-esn"},
                      SuiteCase{"aes256-sha256-prfsha512-x25519", "aes128gcm16"},
                      SuiteCase{"aes128gcm16-prfsha256-x25519", "aes256-sha256"}),
    [](const ::testing::TestParamInfo<SuiteCase>& info) {
        std::string n = std::string(info.param.ike) + "_" + info.param.esp;
        for (auto& c : n)
        {
            if (!isalnum(static_cast<unsigned char>(c)))
            {
                c = '_';
            }
        }
        return n;
    });

TEST(EngineEstablish, ResponderPicksFirstAcceptableOfferedProposal)
{
    PairOptions o;
    o.aliceIke = {"aes256gcm16-prfsha512-modp2048", "aes128gcm16-prfsha256-x25519"};
    o.bobIke = {"aes128gcm16-prfsha256-x25519", "aes256gcm16-prfsha512-modp2048"};
    Pair p(o);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    auto ev = p.wire.EventsOf(p.alice, EventType::IkeSaEstablished);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_NE(ev[0].detail.find("modp2048"), std::string::npos) << ev[0].detail;
}

TEST(EngineEstablish, NoProposalChosenFailsWithoutState)
{
    PairOptions o;
    o.aliceIke = {"aes128gcm16-prfsha256-x25519"};
    o.bobIke = {"aes256-sha256-modp2048"};
    Pair p(o);
    p.wire.RunUntil(Sec(1));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
    auto fails = p.wire.EventsOf(p.alice, EventType::NegotiationFailed);
    ASSERT_EQ(fails.size(), 1u);
    EXPECT_NE(fails[0].detail.find("NO_PROPOSAL_CHOSEN"), std::string::npos);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::NegotiationFailed), 1u);
}

TEST(EngineEstablish, InvalidKePayloadRetriesWithTheAskedGroup)
{
    PairOptions o;
    // Alice sends her KE for x25519 first but also offers ecp256; Bob only takes ecp256.
    o.aliceIke = {"aes128gcm16-prfsha256-x25519", "aes128gcm16-prfsha256-ecp256"};
    o.bobIke = {"aes128gcm16-prfsha256-ecp256"};
    Pair p(o);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    bool sawInvalidKe = false;
    for (const auto& e : p.wire.EventsOf(p.bob, EventType::NotifySent))
    {
        sawInvalidKe |= e.notifyType == notify::kInvalidKePayload;
    }
    EXPECT_TRUE(sawInvalidKe);
    // Three IKE_SA_INIT messages and the IKE_AUTH pair: 6 datagrams.
    EXPECT_EQ(p.wire.Wire().size(), 6u);
    const auto& ca = p.wire.Crypto(p.alice);
    EXPECT_EQ(ca.count[size_t(CryptoOp::DhKeygenX25519)], 1u);
    EXPECT_EQ(ca.count[size_t(CryptoOp::DhKeygenEcp256)], 1u);
    EXPECT_EQ(ca.count[size_t(CryptoOp::DhDeriveEcp256)], 1u);
    // Bob kept no state for the first attempt.
    EXPECT_EQ(p.wire.Node(p.bob).IkeSas().size(), 1u);
}

TEST(EngineEstablish, CookieDemandedAboveHalfOpenThreshold)
{
    PairOptions o;
    EndpointConfig bob = BobConfig(o);
    bob.limits.cookieThreshold = 0; // demand a cookie from the first request on
    Pair p(AliceConfig(o), bob);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    size_t cookies = 0;
    for (const auto& e : p.wire.EventsOf(p.bob, EventType::NotifySent))
    {
        cookies += e.notifyType == notify::kCookie && !e.protectedMsg;
    }
    EXPECT_EQ(cookies, 1u);
    EXPECT_EQ(p.wire.Wire().size(), 6u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::CookieRejected), 0u);
}

TEST(EngineEstablish, ForgedCookieIsRejectedAndAFreshOneIssued)
{
    PairOptions o;
    EndpointConfig bob = BobConfig(o);
    bob.limits.cookieThreshold = 0;
    Pair p(AliceConfig(o), bob);
    // Corrupt the cookie in Alice's second IKE_SA_INIT once: Bob rejects it and asks again.
    int seen = 0;
    p.wire.SetDropFilter([&](const WireRecord& r) {
        if (r.from == p.alice && r.datagram.data.size() > 60 && r.datagram.data[18] == 34 &&
            ++seen == 2)
        {
            return true; // lose the first retry: Alice retransmits it unchanged
        }
        return false;
    });
    p.wire.RunUntil(Sec(10));
    ASSERT_TRUE(p.Established());
    EXPECT_GE(p.wire.Count(p.alice, EventType::Retransmit), 1u);
}

TEST(EngineEstablish, WrongPskFailsAndInstallsNothing)
{
    PairOptions o;
    EndpointConfig bob = BobConfig(o);
    bob.peers[0].psk = Bytes{'w', 'r', 'o', 'n', 'g'};
    Pair p(AliceConfig(o), bob);
    p.wire.RunUntil(Sec(2));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
    EXPECT_EQ(p.wire.Count(p.bob, EventType::AuthFailed), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::AuthFailed), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaInstalled), 0u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::ChildSaInstalled), 0u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::IkeSaEstablished), 0u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::IkeSaEstablished), 0u);
    bool authFailedSent = false;
    for (const auto& e : p.wire.EventsOf(p.bob, EventType::NotifySent))
    {
        authFailedSent |= e.notifyType == notify::kAuthenticationFailed && e.protectedMsg;
    }
    EXPECT_TRUE(authFailedSent);
    EXPECT_TRUE(p.wire.EspKeyLines(p.alice).empty());
}

TEST(EngineEstablish, WrongIdentityFails)
{
    PairOptions o;
    EndpointConfig alice = AliceConfig(o);
    alice.peers[0].remoteId = "mallory.example";
    Pair p(alice, BobConfig(o));
    p.wire.RunUntil(Sec(2));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    EXPECT_EQ(p.wire.Count(p.alice, EventType::AuthFailed), 1u);
}

TEST(EngineEstablish, ResponderNarrowsTrafficSelectors)
{
    PairOptions o;
    EndpointConfig alice = AliceConfig(o);
    alice.peers[0].localTs = {TrafficSelectorConfig::FromCidr("10.1.0.0/16")};
    alice.peers[0].remoteTs = {TrafficSelectorConfig::FromCidr("10.0.0.0/8")};
    EndpointConfig bob = BobConfig(o); // 10.2.0.0/24 <-> 10.1.0.0/24
    Pair p(alice, bob);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    // Traffic inside the narrowed selectors flows; traffic outside it has no Child SA.
    p.wire.SendInner(p.alice, Sec(2), Pair::AliceToBob());
    p.wire.SendInner(p.alice,
                     Sec(2),
                     BuildUdpIpv4(Ip("10.1.5.1"), Ip("10.2.0.20"), 1, 2, Bytes(10, 1)));
    p.wire.RunUntil(Sec(3));
    EXPECT_EQ(p.wire.Delivered(p.bob).size(), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::InnerDropped), 1u);
}

TEST(EngineEstablish, DisjointSelectorsGiveTsUnacceptableButKeepTheIkeSa)
{
    PairOptions o;
    EndpointConfig alice = AliceConfig(o);
    alice.peers[0].remoteTs = {TrafficSelectorConfig::FromCidr("10.9.0.0/24")};
    Pair p(alice, BobConfig(o));
    p.wire.RunUntil(Sec(1));
    ASSERT_EQ(CountEstablished(p.wire.Node(p.alice)), 1u);
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas()[0].children.empty());
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas()[0].children.empty());
    auto f = p.wire.EventsOf(p.alice, EventType::NegotiationFailed);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].detail.find("TS_UNACCEPTABLE"), std::string::npos);
}

class EngineEstablishSignatures : public ::testing::TestWithParam<AuthKind>
{
};

TEST_P(EngineEstablishSignatures, Establishes)
{
    PairOptions o;
    o.auth = GetParam();
    Pair p(o);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    const auto& ca = p.wire.Crypto(p.alice);
    if (GetParam() == AuthKind::Rsa)
    {
        EXPECT_EQ(ca.count[size_t(CryptoOp::SignRsa2048)], 1u);
        EXPECT_EQ(ca.count[size_t(CryptoOp::VerifyRsa2048)], 1u);
    }
    else
    {
        EXPECT_EQ(ca.count[size_t(CryptoOp::SignEcdsaP256)], 1u);
        EXPECT_EQ(ca.count[size_t(CryptoOp::VerifyEcdsaP256)], 1u);
    }
}

TEST_P(EngineEstablishSignatures, WrongPeerKeyFails)
{
    PairOptions o;
    o.auth = GetParam();
    EndpointConfig bob = BobConfig(o);
    // Bob expects the key of a third party.
    bob.peers[0].peerPublicKeyPem = PublicPemOf(GetParam() == AuthKind::Rsa ? RsaKeyPem(2)
                                                                            : EcdsaKeyPem(2));
    Pair p(AliceConfig(o), bob);
    p.wire.RunUntil(Sec(2));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
    EXPECT_EQ(p.wire.Count(p.bob, EventType::AuthFailed), 1u);
}

INSTANTIATE_TEST_SUITE_P(RsaAndEcdsa,
                         EngineEstablishSignatures,
                         ::testing::Values(AuthKind::Rsa, AuthKind::Ecdsa),
                         [](const ::testing::TestParamInfo<AuthKind>& i) {
                             return i.param == AuthKind::Rsa ? "Rsa" : "Ecdsa";
                         });

TEST(EngineEstablish, SurvivesLossDuplicationAndReordering)
{
    for (uint64_t seed = 1; seed <= 8; ++seed)
    {
        Pair p(PairOptions{}, seed);
        LinkParams l;
        l.delay = Ms(20);
        l.loss = 0.3;
        l.duplicate = 0.3;
        l.reorderJitter = Ms(30);
        p.wire.SetLink(l);
        p.wire.RunUntil(Sec(200));
        EXPECT_TRUE(p.Established()) << "wire seed " << seed;
    }
}

TEST(EngineEstablish, ResponderAnswersRetransmittedRequestFromItsCache)
{
    Pair p;
    // Drop Bob's first IKE_AUTH response: Alice retransmits; Bob resends the cached bytes.
    int bobSent = 0;
    p.wire.SetDropFilter([&](const WireRecord& r) { return r.from == p.bob && ++bobSent == 2; });
    p.wire.RunUntil(Sec(10));
    ASSERT_TRUE(p.Established());
    std::vector<Bytes> bobResponses;
    for (const auto& r : p.wire.Wire())
    {
        if (r.from == p.bob)
        {
            bobResponses.push_back(r.datagram.data);
        }
    }
    ASSERT_EQ(bobResponses.size(), 3u);
    EXPECT_EQ(bobResponses[1], bobResponses[2]); // bitwise identical
    std::vector<Bytes> aliceRequests;
    for (const auto& r : p.wire.Wire())
    {
        if (r.from == p.alice)
        {
            aliceRequests.push_back(r.datagram.data);
        }
    }
    ASSERT_EQ(aliceRequests.size(), 3u);
    EXPECT_EQ(aliceRequests[1], aliceRequests[2]);
    EXPECT_EQ(p.wire.Wire()[2].sent + Sec(4), p.wire.Wire()[4].sent);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::ChildSaInstalled), 1u);
}

TEST(EngineEstablish, SameSeedGivesByteIdenticalDatagrams)
{
    auto run = [](uint64_t seed) {
        PairOptions o;
        o.seed = seed;
        Pair p(o);
        p.wire.SendInner(p.alice, Sec(1), Pair::AliceToBob());
        p.wire.SendInner(p.bob, Sec(1), Pair::BobToAlice());
        p.wire.RunUntil(Sec(2));
        std::vector<Bytes> out;
        for (const auto& r : p.wire.Wire())
        {
            out.push_back(r.datagram.data);
        }
        return out;
    };
    auto a = run(42);
    auto b = run(42);
    auto c = run(43);
    ASSERT_EQ(a.size(), 6u);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST(EngineEstablish, TrapConnectionInitiatesOnTrafficAndDeliversTheHeldPacket)
{
    PairOptions o;
    o.aliceStart = StartAction::Trap;
    Pair p(o);
    p.wire.RunUntil(Sec(1));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    p.wire.SendInner(p.alice, Sec(2), Pair::AliceToBob(1));
    p.wire.SendInner(p.alice, Sec(2) + Ms(1), Pair::AliceToBob(2)); // dropped: one held
    p.wire.RunUntil(Sec(3));
    ASSERT_TRUE(p.Established());
    EXPECT_EQ(p.wire.Count(p.alice, EventType::AcquireStarted), 1u);
    ASSERT_EQ(p.wire.Delivered(p.bob).size(), 1u);
    EXPECT_EQ(p.wire.Delivered(p.bob)[0], Pair::AliceToBob(1));
    EXPECT_EQ(p.wire.Count(p.alice, EventType::InnerDropped), 1u);
}

TEST(EngineEstablish, HalfOpenResponderStateExpires)
{
    Pair p;
    // Alice's IKE_AUTH never reaches Bob.
    p.wire.SetDropFilter(
        [&](const WireRecord& r) { return r.from == p.alice && r.sent > Time(0); });
    p.wire.RunUntil(Sec(29));
    ASSERT_EQ(p.wire.Node(p.bob).IkeSas().size(), 1u);
    EXPECT_EQ(p.wire.Node(p.bob).IkeSas()[0].state, IkeSaState::Connecting);
    p.wire.RunUntil(Sec(31));
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
    auto del = p.wire.EventsOf(p.bob, EventType::IkeSaDeleted);
    ASSERT_EQ(del.size(), 1u);
    EXPECT_EQ(del[0].detail, "half-open-timeout");
    // Alice gives up after her schedule: nothing installed, PeerDead without RecoveryDetected.
    p.wire.RunUntil(Sec(200));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    EXPECT_EQ(p.wire.Count(p.alice, EventType::PeerDead), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
}

TEST(EngineEstablish, DuplicatedIkeSaInitCreatesOneResponderSa)
{
    Pair p;
    LinkParams l;
    l.duplicate = 1.0;
    p.wire.SetLink(l);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    EXPECT_EQ(p.wire.Count(p.bob, EventType::IkeSaEstablished), 1u);
    EXPECT_GE(p.wire.Count(p.bob, EventType::Retransmit), 1u); // duplicates answered from cache
}

TEST(EngineEstablish, ConfigErrorsNameTheBadValue)
{
    PersistentStore store;
    EndpointConfig c = AliceConfig();
    c.peers[0].ikeProposals = {"aes128gcm16-prfsha256-bogus"};
    EXPECT_THROW(Endpoint(c, store), ConfigError);
    c = AliceConfig();
    c.peers[0].psk.clear();
    EXPECT_THROW(Endpoint(c, store), ConfigError);
    c = AliceConfig();
    c.peers[0].auth = AuthKind::Rsa;
    EXPECT_THROW(Endpoint(c, store), ConfigError);
    c = AliceConfig();
    c.replayWindow = 8;
    EXPECT_THROW(Endpoint(c, store), ConfigError);
    c = AliceConfig();
    c.peers.push_back(c.peers[0]);
    EXPECT_THROW(Endpoint(c, store), ConfigError);
    EXPECT_NO_THROW(Endpoint(AliceConfig(), store));
}

} // namespace
} // namespace test
} // namespace ikev2

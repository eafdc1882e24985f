// CREATE_CHILD_SA and INFORMATIONAL: new Child SA on an existing IKE SA, Child SA rekey (with
// and without PFS), IKE SA rekey, simultaneous rekeys resolved by the lowest nonce, lifetimes
// with jitter, Delete of Child and IKE SAs.
#include "engine-test-util.h"
#include "ike-constants.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

/// Both sides: one established IKE SA with one Child SA, the same SPIs seen from each side,
/// and traffic flowing both ways at @p at.
void
ExpectHealthy(Pair& p, Time at, const std::string& context)
{
    ASSERT_TRUE(p.Established()) << context << "\n" << p.wire.Dump();
    auto a = p.wire.Node(p.alice).IkeSas()[0];
    auto b = p.wire.Node(p.bob).IkeSas()[0];
    EXPECT_EQ(a.spiI, b.spiI) << context;
    EXPECT_EQ(a.spiR, b.spiR) << context;
    EXPECT_EQ(a.children[0].spiIn, b.children[0].spiOut) << context;
    EXPECT_EQ(a.children[0].spiOut, b.children[0].spiIn) << context;
    const size_t da = p.wire.Delivered(p.alice).size();
    const size_t db = p.wire.Delivered(p.bob).size();
    p.wire.SendInner(p.alice, at, Pair::AliceToBob(99));
    p.wire.SendInner(p.bob, at, Pair::BobToAlice(99));
    p.wire.RunUntil(at + Sec(1));
    EXPECT_EQ(p.wire.Delivered(p.bob).size(), db + 1) << context;
    EXPECT_EQ(p.wire.Delivered(p.alice).size(), da + 1) << context;
}

void
Rekey(Pair& p, size_t node, bool ike, Time at)
{
    p.wire.At(at, [&p, node, ike] {
        p.wire.Call(node, [&](Endpoint& e, Output& out) {
            const std::string peer = node == p.alice ? "bob" : "alice";
            if (ike)
            {
                e.RekeyIke(p.wire.Now(), peer, out);
            }
            else
            {
                e.RekeyChild(p.wire.Now(), peer, out);
            }
        });
    });
}

TEST(EngineRekey, ChildRekeyReplacesTheChildOnBothSides)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    auto before = p.wire.Node(p.alice).IkeSas()[0].children[0];
    Rekey(p, p.alice, false, Sec(2));
    p.wire.RunUntil(Sec(3));
    ExpectHealthy(p, Sec(4), "after child rekey");
    auto after = p.wire.Node(p.alice).IkeSas()[0].children[0];
    EXPECT_NE(after.spiIn, before.spiIn);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaRekeyed), 1u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::ChildSaRekeyed), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaDeleted), 1u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::ChildSaDeleted), 1u);
    // Four more ESP key lines per side (two per Child SA).
    EXPECT_EQ(p.wire.EspKeyLines(p.alice).size(), 4u);
}

TEST(EngineRekey, ChildRekeyWithPfsRunsAFreshDiffieHellman)
{
    PairOptions o;
    EndpointConfig a = AliceConfig(o);
    a.peers[0].pfs = true;
    Pair p(a, BobConfig(o));
    p.wire.RunUntil(Sec(1));
    Rekey(p, p.alice, false, Sec(2));
    p.wire.RunUntil(Sec(3));
    ExpectHealthy(p, Sec(4), "after PFS rekey");
    EXPECT_EQ(p.wire.Crypto(p.alice).count[size_t(CryptoOp::DhKeygenX25519)], 2u);
    EXPECT_EQ(p.wire.Crypto(p.bob).count[size_t(CryptoOp::DhDeriveX25519)], 2u);
}

TEST(EngineRekey, ResponderCanRekeyTheChildToo)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    Rekey(p, p.bob, false, Sec(2));
    p.wire.RunUntil(Sec(3));
    ExpectHealthy(p, Sec(4), "after responder child rekey");
    EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaRekeyed), 1u);
}

TEST(EngineRekey, SimultaneousChildRekeysKeepExactlyOneChild)
{
    for (int delayMs : {0, 3, 7})
    {
        Pair p;
        p.wire.RunUntil(Sec(1));
        Rekey(p, p.alice, false, Sec(2));
        Rekey(p, p.bob, false, Sec(2) + Ms(delayMs));
        p.wire.RunUntil(Sec(4));
        ExpectHealthy(p, Sec(5), "simultaneous child rekey, delay " + std::to_string(delayMs));
        // Each side created one new SA; the redundant one and the old one were deleted.
        EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaRekeyed), 2u);
        EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaDeleted), 2u);
        EXPECT_EQ(p.wire.Count(p.bob, EventType::ChildSaDeleted), 2u);
    }
}

TEST(EngineRekey, IkeRekeyMovesChildrenAndResetsMessageIds)
{
    Pair p;
    p.wire.Stream(p.alice, Sec(1), Sec(3), Ms(100), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.RunUntil(Sec(1));
    auto before = p.wire.Node(p.alice).IkeSas()[0];
    Rekey(p, p.alice, true, Sec(2));
    p.wire.RunUntil(Sec(3));
    ExpectHealthy(p, Sec(4), "after IKE rekey");
    auto after = p.wire.Node(p.alice).IkeSas()[0];
    EXPECT_NE(after.spiI, before.spiI);
    EXPECT_NE(after.spiR, before.spiR);
    EXPECT_EQ(after.children[0].spiIn, before.children[0].spiIn); // the child moved
    EXPECT_TRUE(after.initiator);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::IkeSaRekeyed), 1u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::IkeSaRekeyed), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaDeleted), 0u);
    EXPECT_EQ(p.wire.IkeKeyLines(p.alice).size(), 2u);
    // No packet was lost across the rekey.
    EXPECT_EQ(p.wire.Delivered(p.bob).size(), 20u + 1u);
    // The new SA starts at message ID 0: its first request (a liveness check later) is ID 0.
    p.wire.Stream(p.alice, Sec(5), Sec(60), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.RunUntil(Sec(60));
    EXPECT_GE(p.wire.Count(p.alice, EventType::LivenessCheckOk), 1u);
}

TEST(EngineRekey, ResponderRekeyOfTheIkeSaMakesItTheOriginalInitiator)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    Rekey(p, p.bob, true, Sec(2));
    p.wire.RunUntil(Sec(3));
    ExpectHealthy(p, Sec(4), "after responder IKE rekey");
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas()[0].initiator);
    EXPECT_FALSE(p.wire.Node(p.alice).IkeSas()[0].initiator);
    // Liveness checks from Bob work on the new SA (I flag and message IDs are right).
    p.wire.Stream(p.bob, Sec(5), Sec(70), Sec(1), Ip("10.2.0.20"), Ip("10.1.0.10"));
    p.wire.RunUntil(Sec(70));
    EXPECT_GE(p.wire.Count(p.bob, EventType::LivenessCheckOk), 1u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::PeerDead), 0u);
}

TEST(EngineRekey, SimultaneousIkeRekeysKeepExactlyOneIkeSa)
{
    for (int delayMs : {0, 4, 9})
    {
        Pair p;
        p.wire.RunUntil(Sec(1));
        Rekey(p, p.alice, true, Sec(2));
        Rekey(p, p.bob, true, Sec(2) + Ms(delayMs));
        p.wire.RunUntil(Sec(4));
        ExpectHealthy(p, Sec(5), "simultaneous IKE rekey, delay " + std::to_string(delayMs));
        EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaDeleted), 0u);
    }
}

TEST(EngineRekey, LifetimesWithJitterRekeyRepeatedly)
{
    PairOptions o;
    EndpointConfig a = AliceConfig(o);
    a.peers[0].childLifetime = std::chrono::seconds(60);
    a.peers[0].ikeLifetime = std::chrono::seconds(150);
    a.peers[0].rekeyJitter = std::chrono::seconds(10);
    EndpointConfig b = BobConfig(o);
    b.peers[0].childLifetime = std::chrono::seconds(90);
    b.peers[0].ikeLifetime = std::chrono::seconds(400);
    Pair p(a, b);
    p.wire.Stream(p.alice, Sec(1), Sec(600), Ms(500), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Stream(p.bob, Sec(1), Sec(600), Ms(500), Ip("10.2.0.20"), Ip("10.1.0.10"));
    p.wire.RunUntil(Sec(600));
    ExpectHealthy(p, Sec(601), "after ten minutes of lifetimes");
    EXPECT_GE(p.wire.Count(p.alice, EventType::ChildSaRekeyed), 8u);
    EXPECT_GE(p.wire.Count(p.alice, EventType::IkeSaRekeyed), 3u);
    // Soft lifetime minus jitter: the first child rekey comes within [50 s, 60 s].
    auto first = p.wire.FirstTime(p.alice, EventType::ChildSaRekeyed);
    EXPECT_GE(first, Sec(50));
    EXPECT_LE(first, Sec(61));
    // Hardly any packet lost over the whole run.
    EXPECT_GE(p.wire.Delivered(p.bob).size(), 1195u);
}

TEST(EngineRekey, TerminateDeletesTheIkeSaOnBothSides)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    p.wire.At(Sec(2), [&] {
        p.wire.Call(p.alice,
                    [&](Endpoint& e, Output& out) { e.Terminate(p.wire.Now(), "bob", out); });
    });
    p.wire.RunUntil(Sec(3));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
    auto da = p.wire.EventsOf(p.alice, EventType::IkeSaDeleted);
    auto db = p.wire.EventsOf(p.bob, EventType::IkeSaDeleted);
    ASSERT_EQ(da.size(), 1u);
    ASSERT_EQ(db.size(), 1u);
    EXPECT_EQ(da[0].detail, "delete-sent");
    EXPECT_EQ(db[0].detail, "delete-received");
    EXPECT_EQ(p.wire.Count(p.bob, EventType::ChildSaDeleted), 1u);
}

TEST(EngineRekey, LostChildSaIsReplacedOnTheSameIkeSa)
{
    PairOptions o;
    o.aliceStart = StartAction::Trap;
    Pair p(o);
    p.wire.SendInner(p.alice, Sec(1), Pair::AliceToBob());
    p.wire.RunUntil(Sec(2));
    ASSERT_TRUE(p.Established());
    const uint64_t spiI = p.wire.Node(p.alice).IkeSas()[0].spiI;
    const uint32_t bobIn = p.wire.Node(p.bob).IkeSas()[0].children[0].spiIn;
    // Bob loses the Child SA only (sa-loss): Alice's next ESP brings a protected INVALID_SPI
    // (Bob still has the IKE SA), she drops the child, and the next packet creates a new one
    // with CREATE_CHILD_SA on the same IKE SA.
    p.wire.At(Sec(3), [&] {
        p.wire.Call(p.bob, [&](Endpoint& e, Output& out) {
            EXPECT_TRUE(e.ForgetChildSa(p.wire.Now(), bobIn, out));
        });
    });
    p.wire.SendInner(p.alice, Sec(4), Pair::AliceToBob(2));
    p.wire.SendInner(p.alice, Sec(5), Pair::AliceToBob(3));
    p.wire.RunUntil(Sec(6));
    ExpectHealthy(p, Sec(7), "after child loss");
    EXPECT_EQ(p.wire.Node(p.alice).IkeSas()[0].spiI, spiI);
    auto del = p.wire.EventsOf(p.alice, EventType::ChildSaDeleted);
    ASSERT_EQ(del.size(), 1u);
    EXPECT_EQ(del[0].detail, "invalid-spi");
    EXPECT_EQ(p.wire.Count(p.alice, EventType::AcquireStarted), 2u);
    // The packet that triggered the second acquire was held and delivered.
    EXPECT_EQ(p.wire.Delivered(p.bob).back(), Pair::AliceToBob(99));
    EXPECT_EQ(p.wire.Delivered(p.bob).size(), 3u);
}

TEST(EngineRekey, ForgottenIkeSaAnswersWithInvalidIkeSpi)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    auto sa = p.wire.Node(p.bob).IkeSas()[0];
    p.wire.At(Sec(2), [&] {
        p.wire.Call(p.bob, [&](Endpoint& e, Output& out) {
            EXPECT_TRUE(e.ForgetIkeSa(p.wire.Now(), sa.spiI, sa.spiR, out));
        });
    });
    p.wire.At(Sec(3), [&] {
        p.wire.Call(p.alice,
                    [&](Endpoint& e, Output& out) { e.RekeyChild(p.wire.Now(), "bob", out); });
    });
    p.wire.RunUntil(Sec(4));
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
    EXPECT_EQ(p.wire.Count(p.alice, EventType::UnprotectedIgnored), 1u);
}

} // namespace
} // namespace test
} // namespace ikev2

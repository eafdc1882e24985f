// The schemes built into the engine (none, hint, initial-contact, trust) when the responder
// (Bob) crashes at 20 s and is back at 25 s while Alice keeps sending: when Alice detects the
// loss (t_detect) and when traffic flows again (t_restored).
#include "engine-test-util.h"
#include "ike-constants.h"
#include "ike-message.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

const Time kCrash = Sec(20);
const Time kUp = Sec(25);

struct Outcome
{
    Time detect{kNever};
    Time restored{kNever};
    Time firstCheck{kNever};
    Time dead{kNever};
    size_t ignored{0};
};

Outcome
RunCrash(Pair& p, Time until)
{
    p.wire.Stream(p.alice, Sec(1), until, Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(until);
    Outcome o;
    o.detect = p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash);
    o.restored = p.wire.FirstDelivery(p.bob, kCrash);
    o.firstCheck = p.wire.FirstTime(p.alice, EventType::LivenessCheckSent, kCrash);
    o.dead = p.wire.FirstTime(p.alice, EventType::PeerDead, kCrash);
    o.ignored = p.wire.Count(p.alice, EventType::UnprotectedIgnored);
    return o;
}

size_t
ChecksBefore(Pair& p, Time t)
{
    size_t n = 0;
    for (const auto& e : p.wire.EventsOf(p.alice, EventType::LivenessCheckSent))
    {
        n += e.time < t;
    }
    return n;
}

PairOptions
Scheme(RecoveryScheme alice, RecoveryScheme bob = RecoveryScheme::None)
{
    PairOptions o;
    o.scheme = alice;
    return o;
}

TEST(EngineRecovery, NoneWaitsForTheLivenessScheduleAndIgnoresHints)
{
    Pair p(Scheme(RecoveryScheme::None));
    Outcome o = RunCrash(p, Sec(300));
    // Bob answers Alice's ESP with INVALID_SPI once back; Alice ignores every one.
    EXPECT_GE(o.ignored, 5u);
    EXPECT_EQ(ChecksBefore(p, o.detect), 1u);
    EXPECT_NEAR(ToSeconds(o.firstCheck), 30.04, 1e-6);
    EXPECT_EQ(o.dead, o.firstCheck + RetransmitProfile::Named("strongswan").GiveUpAfter());
    EXPECT_EQ(o.detect, o.dead);
    // Re-initiated at once (start action Start): traffic within a second.
    EXPECT_GT(o.restored, o.detect);
    EXPECT_LT(o.restored, o.detect + Sec(1.1));
    EXPECT_TRUE(p.Established());
    // Bob's unprotected replies: INVALID_SPI for ESP, INVALID_IKE_SPI for the check.
    bool invalidIkeSpi = false;
    for (const auto& e : p.wire.EventsOf(p.bob, EventType::NotifySent))
    {
        invalidIkeSpi |= e.notifyType == notify::kInvalidIkeSpi && !e.protectedMsg;
    }
    EXPECT_TRUE(invalidIkeSpi);
}

TEST(EngineRecovery, HintStartsTheCheckAtOnceButDoesNotShortenIt)
{
    Pair p(Scheme(RecoveryScheme::Hint));
    Outcome o = RunCrash(p, Sec(300));
    // The first ESP after Bob is up (t=25 s) brings INVALID_SPI back at 25.02 s.
    EXPECT_NEAR(ToSeconds(o.firstCheck), 25.02, 1e-6);
    EXPECT_EQ(o.dead, o.firstCheck + RetransmitProfile::Named("strongswan").GiveUpAfter());
    EXPECT_EQ(o.detect, o.dead);
    EXPECT_LT(o.restored, o.detect + Sec(1.1));
    // Later hints while the check is running start nothing new.
    EXPECT_EQ(ChecksBefore(p, o.detect), 1u);
}

TEST(EngineRecovery, HintChecksAreRateLimited)
{
    PairOptions opt = Scheme(RecoveryScheme::Hint);
    opt.liveness = Time(0);
    Pair p(opt);
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    const uint32_t spiOut = p.wire.Node(p.alice).IkeSas()[0].children[0].spiOut;
    // Forged INVALID_SPI naming Alice's real outbound SPI, 20 times in 2 s.
    for (int i = 0; i < 20; ++i)
    {
        IkeMessage m;
        m.header.exchangeType = uint8_t(ExchangeType::Informational);
        m.header.flags = kFlagInitiator;
        m.payloads.push_back(MakeNotify(notify::kInvalidSpi,
                                        Bytes{uint8_t(spiOut >> 24),
                                              uint8_t(spiOut >> 16),
                                              uint8_t(spiOut >> 8),
                                              uint8_t(spiOut)}));
        Datagram d;
        d.local = Sock("10.0.0.1");
        d.remote = Sock("10.0.0.2");
        d.data = EncodeMessage(m);
        p.wire.Inject(p.alice, Sec(2) + Ms(100 * i), d);
    }
    p.wire.RunUntil(Sec(5));
    // Bob is alive: each check is answered, so a new one may start once the limit allows
    // (1 per second).
    const size_t checks = p.wire.Count(p.alice, EventType::LivenessCheckSent);
    EXPECT_GE(checks, 2u);
    EXPECT_LE(checks, 3u);
    EXPECT_GE(p.wire.Count(p.alice, EventType::RateLimited), 15u);
    EXPECT_TRUE(p.Established());
}

TEST(EngineRecovery, TrustTearsDownOnTheFirstHintAndReconnects)
{
    Pair p(Scheme(RecoveryScheme::Trust));
    Outcome o = RunCrash(p, Sec(60));
    EXPECT_NEAR(ToSeconds(o.detect), 25.02, 1e-6);
    EXPECT_EQ(o.dead, kNever);
    EXPECT_LT(o.restored, Sec(27));
    EXPECT_TRUE(p.Established());
    auto del = p.wire.EventsOf(p.alice, EventType::IkeSaDeleted, kCrash);
    ASSERT_FALSE(del.empty());
    EXPECT_EQ(del[0].detail, "trust-teardown");
}

TEST(EngineRecovery, TrustIsFooledByAForgedInvalidSpi)
{
    Pair p(Scheme(RecoveryScheme::Trust));
    p.wire.RunUntil(Sec(1));
    const uint32_t spiOut = p.wire.Node(p.alice).IkeSas()[0].children[0].spiOut;
    IkeMessage m;
    m.header.exchangeType = uint8_t(ExchangeType::Informational);
    m.header.flags = kFlagInitiator;
    m.payloads.push_back(MakeNotify(notify::kInvalidSpi,
                                    Bytes{uint8_t(spiOut >> 24),
                                          uint8_t(spiOut >> 16),
                                          uint8_t(spiOut >> 8),
                                          uint8_t(spiOut)}));
    Datagram d;
    d.local = Sock("10.0.0.1");
    d.remote = Sock("10.0.0.2");
    d.data = EncodeMessage(m);
    p.wire.Inject(p.alice, Sec(2), d);
    p.wire.RunUntil(Sec(3));
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 1u);
    // A false teardown: Alice rebuilt while Bob still had the old SA (until it ages out).
    EXPECT_EQ(p.wire.Count(p.alice, EventType::IkeSaEstablished), 2u);
}

TEST(EngineRecovery, InitialContactRebootedSideReinitiatesAndSurvivorReplaces)
{
    PairOptions opt;
    EndpointConfig alice = AliceConfig(opt); // the survivor behaves as `none`
    opt.scheme = RecoveryScheme::InitialContact;
    EndpointConfig bob = BobConfig(opt);
    Pair p(alice, bob);
    p.wire.RunUntil(Sec(1));
    const uint64_t oldSpiI = p.wire.Node(p.alice).IkeSas()[0].spiI;
    Outcome o = RunCrash(p, Sec(60));
    // Bob initiates at boot with INITIAL_CONTACT; Alice honours it one hop later.
    EXPECT_NEAR(ToSeconds(o.detect), 25.03, 1e-6);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::InitialContactHonoured), 1u);
    EXPECT_EQ(o.dead, kNever);
    EXPECT_LT(o.restored, Sec(26.1));
    ASSERT_TRUE(p.Established());
    auto a = p.wire.Node(p.alice).IkeSas()[0];
    EXPECT_FALSE(a.initiator);
    EXPECT_NE(a.spiI, oldSpiI);
    // Bob's boot counter survived the crash.
    const Bytes* boots = p.wire.Store(p.bob).Get("engine.boot-count");
    ASSERT_NE(boots, nullptr);
    EXPECT_EQ(boots->back(), 2);
}

TEST(EngineRecovery, InitialContactOnFirstBootDoesNotInitiate)
{
    PairOptions opt;
    opt.scheme = RecoveryScheme::InitialContact;
    opt.aliceStart = StartAction::None;
    Pair p(opt);
    p.wire.RunUntil(Sec(5));
    EXPECT_TRUE(p.wire.Node(p.alice).IkeSas().empty());
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
}

TEST(EngineRecovery, RebootedNodeDrawsFreshRandomness)
{
    PairOptions opt;
    opt.aliceStart = StartAction::None;
    opt.bobStart = StartAction::Start;
    Pair p(opt);
    p.wire.RunUntil(Sec(1));
    const uint64_t first = p.wire.Node(p.bob).IkeSas()[0].spiI;
    p.wire.Reboot(p.bob, Sec(2), Sec(1));
    p.wire.RunUntil(Sec(4));
    auto sas = p.wire.Node(p.bob).IkeSas();
    ASSERT_EQ(sas.size(), 1u);
    EXPECT_NE(sas[0].spiI, first);
    // Alice got INITIAL_CONTACT and replaced her SA.
    EXPECT_EQ(p.wire.Count(p.alice, EventType::InitialContactHonoured), 1u);
    EXPECT_EQ(p.wire.Node(p.alice).IkeSas().size(), 1u);
}

TEST(EngineRecovery, CrashDropsAllVolatileState)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    EXPECT_GT(p.wire.Node(p.bob).VolatileStateBytes(), 0u);
    p.wire.Crash(p.bob, Sec(2));
    p.wire.RunUntil(Sec(3));
    EXPECT_TRUE(p.wire.Node(p.bob).IkeSas().empty());
    EXPECT_EQ(p.wire.Node(p.bob).VolatileStateBytes(), 0u);
    EXPECT_EQ(p.wire.Node(p.bob).NextDeadline(), kNever);
    EXPECT_NE(p.wire.Store(p.bob).Get("engine.boot-count"), nullptr);
}

TEST(EngineRecovery, UnknownSchemeIsAConfigError)
{
    PersistentStore store;
    EndpointConfig c = AliceConfig();
    EXPECT_EQ(ParseScheme("initial-contact"), RecoveryScheme::InitialContact);
    EXPECT_THROW(ParseScheme("magic"), ConfigError);
    EXPECT_STREQ(SchemeName(RecoveryScheme::Trust), "trust");
}

} // namespace
} // namespace test
} // namespace ikev2

// QCD (RFC 6290) end to end on the virtual wire: Alice (10.0.0.1) and Bob (10.0.0.2), both
// token maker and taker unless a test says otherwise, 10 ms each way. Bob usually crashes at
// 20 s and is back at 25 s while Alice sends one inner packet a second; the RFC 7296 baseline
// under the same timeline is in engine-recovery-test.cc.
#include "drbg.h"
#include "engine-test-util.h"
#include "ike-constants.h"
#include "ike-message.h"
#include "qcd-policy.h"
#include "qcd-token.h"

#include <gtest/gtest.h>
#include <optional>

namespace ikev2
{
namespace test
{
namespace
{

const Time kCrash = Sec(20);
const Time kUp = Sec(25);
const Ipv4Address kAliceIp = Ip("10.0.0.1");

PairOptions
QcdOptions()
{
    PairOptions o;
    o.scheme = RecoveryScheme::Qcd;
    return o;
}

/// Alice and Bob with QCD; @p tweak edits both configurations before the pair starts.
struct QcdPair
{
    explicit QcdPair(const std::function<void(EndpointConfig&, EndpointConfig&)>& tweak = {},
                     PairOptions o = QcdOptions())
      : alice(AliceConfig(o))
      , bob(BobConfig(o))
    {
        if (tweak)
        {
            tweak(alice, bob);
        }
        pair = std::make_unique<Pair>(alice, bob);
    }
    EndpointConfig alice;
    EndpointConfig bob;
    std::unique_ptr<Pair> pair;
    VirtualWire& Wire() { return pair->wire; }
    size_t A() const { return pair->alice; }
    size_t B() const { return pair->bob; }
    IkeSaInfo AliceSa() { return Wire().Node(A()).IkeSas().at(0); }
};

/// The IKE message in a UDP datagram (after the non-ESP marker on 4500); nullopt for ESP.
std::optional<IkeMessage>
DecodeIke(const Datagram& d)
{
    if (d.transport != Transport::Udp)
    {
        return std::nullopt;
    }
    size_t offset = 0;
    if (d.local.port == kNatTPort || d.remote.port == kNatTPort)
    {
        if (d.data.size() < 4 || d.data[0] || d.data[1] || d.data[2] || d.data[3])
        {
            return std::nullopt; // UDP-encapsulated ESP
        }
        offset = 4;
    }
    auto m = DecodeMessage(d.data.data() + offset, d.data.size() - offset);
    if (!m)
    {
        return std::nullopt;
    }
    return m.Value();
}

bool
IsProtected(const IkeMessage& m)
{
    return !m.payloads.empty() && m.payloads.back().type == static_cast<uint8_t>(PayloadType::Sk);
}

/// Unprotected IKE messages @p node put on the wire (after @p after).
std::vector<std::pair<WireRecord, IkeMessage>>
UnprotectedFrom(VirtualWire& w, size_t node, Time after = Time::min())
{
    std::vector<std::pair<WireRecord, IkeMessage>> out;
    for (const auto& r : w.Wire())
    {
        if (r.from != node || r.sent < after)
        {
            continue;
        }
        auto m = DecodeIke(r.datagram);
        if (m && !IsProtected(*m) &&
            m->header.exchangeType != static_cast<uint8_t>(ExchangeType::IkeSaInit))
        {
            out.emplace_back(r, *m);
        }
    }
    return out;
}

/// The last protected request @p node sent (its header names the SA and the Message ID).
std::optional<std::pair<Datagram, IkeMessage>>
LastRequest(VirtualWire& w, size_t node)
{
    for (auto it = w.Wire().rbegin(); it != w.Wire().rend(); ++it)
    {
        if (it->from != node)
        {
            continue;
        }
        auto m = DecodeIke(it->datagram);
        if (m && IsProtected(*m) && !m->header.IsResponse())
        {
            return std::make_pair(it->datagram, *m);
        }
    }
    return std::nullopt;
}

/// Tokens the maker whose store is @p store would put in an unprotected reply (computed on a
/// copy, so the maker itself is not disturbed).
std::vector<Bytes>
MakerTokens(const PersistentStore& store,
            const QcdConfig& config,
            uint64_t spiI,
            uint64_t spiR,
            const Ipv4Address* bound = nullptr)
{
    PersistentStore copy = store;
    Drbg unused(1, "unused");
    QcdSecretStore secrets(copy, unused);
    return QcdTokenMaker(config, secrets).AllTokens(spiI, spiR, bound);
}

/// An unprotected reply to @p request (as a maker would build it) from @p from, delivered to
/// the requester.
Datagram
ForgedReply(const Datagram& requestSent,
            const IkeMessage& request,
            const std::vector<Bytes>& tokens,
            const SocketAddress& from,
            uint8_t protocolId = 0)
{
    IkeMessage m;
    m.header = request.header;
    m.header.flags = kFlagResponse | (request.header.IsInitiator() ? 0 : kFlagInitiator);
    m.payloads.push_back(MakeNotify(notify::kInvalidIkeSpi));
    for (const auto& t : tokens)
    {
        NotifyPayload n = MakeQcdTokenNotify(t);
        n.protocolId = protocolId;
        m.payloads.push_back(MakePayload(n));
    }
    Datagram d;
    d.local = requestSent.local; // the requester's side
    d.remote = from;
    d.data = EncodeMessage(m);
    return d;
}

size_t
ProtectedNotifies(VirtualWire& w,
                  size_t node,
                  EventType type,
                  uint16_t notifyType,
                  Time after,
                  Time before = kNever)
{
    size_t n = 0;
    for (const auto& e : w.EventsOf(node, type, after))
    {
        n += e.notifyType == notifyType && e.protectedMsg && e.time < before;
    }
    return n;
}

void
StreamAliceToBob(VirtualWire& w, size_t alice, Time until)
{
    w.Stream(alice, Sec(1), until, Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
}

// ---------------------------------------------------------------------------------------------
// Token exchange

TEST(EngineQcd, TokensTravelProtectedInIkeAuthBothWays)
{
    QcdPair p;
    p.Wire().RunUntil(Sec(1));
    ASSERT_TRUE(p.pair->Established()) << p.Wire().Dump();
    // Each side sent one token (Alice in her first IKE_AUTH request, Bob in his final
    // response) and received the other's, protected.
    for (size_t n : { p.A(), p.B() })
    {
        EXPECT_EQ(ProtectedNotifies(p.Wire(), n, EventType::NotifySent, notify::kQcdToken, {}), 1u);
        EXPECT_EQ(ProtectedNotifies(p.Wire(), n, EventType::NotifyReceived, notify::kQcdToken, {}),
                  1u);
    }
    // Nothing QCD went out in clear.
    EXPECT_TRUE(UnprotectedFrom(p.Wire(), p.A()).empty());
    EXPECT_TRUE(UnprotectedFrom(p.Wire(), p.B()).empty());
    // Bob's secret is in his persistent store: Format | Generation | Count | 32 octets.
    const Bytes* secret = p.Wire().Store(p.B()).Get(QcdSecretStore::kStoreKey);
    ASSERT_NE(secret, nullptr);
    EXPECT_EQ(secret->size(), 6u + kQcdSecretLength);
}

TEST(EngineQcd, MakerOffSendsNoTokenAndTakerOffIgnoresThem)
{
    QcdPair p(
      [](EndpointConfig& a, EndpointConfig& b)
      {
          b.qcd.maker = false;
          a.qcd.taker = false;
      });
    StreamAliceToBob(p.Wire(), p.A(), Sec(40));
    p.Wire().Reboot(p.B(), kCrash, kUp - kCrash);
    p.Wire().RunUntil(Sec(40));
    // Alice's token reached Bob (Alice is still a maker); Bob sent none.
    EXPECT_EQ(ProtectedNotifies(p.Wire(), p.B(), EventType::NotifySent, notify::kQcdToken, {}), 0u);
    EXPECT_EQ(ProtectedNotifies(p.Wire(), p.A(), EventType::NotifySent, notify::kQcdToken, {}), 1u);
    for (const auto& [r, m] : UnprotectedFrom(p.Wire(), p.B()))
    {
        EXPECT_TRUE(ExtractQcdTokens(m.payloads).empty());
    }
    EXPECT_EQ(p.Wire().Count(p.A(), EventType::TokenVerified), 0u);
    EXPECT_EQ(p.Wire().Count(p.A(), EventType::RecoveryDetected), 0u); // schedule still running
}

// ---------------------------------------------------------------------------------------------
// Recovery after the maker reboots

TEST(EngineQcd, EspTriggeredRecoveryTakesOneLivenessRoundTrip)
{
    QcdPair p;
    StreamAliceToBob(p.Wire(), p.A(), Sec(40));
    p.Wire().Reboot(p.B(), kCrash, kUp - kCrash);
    p.Wire().RunUntil(Sec(40));
    auto& w = p.Wire();
    // ESP at 25.00 -> INVALID_SPI back at 25.02 -> liveness check -> Bob's token reply back at
    // 25.04: Alice verifies and deletes the SA silently.
    const Time verified = w.FirstTime(p.A(), EventType::TokenVerified, kCrash);
    EXPECT_NEAR(ToSeconds(verified), 25.04, 1e-6) << w.Dump();
    EXPECT_EQ(w.FirstTime(p.A(), EventType::RecoveryDetected, kCrash), verified);
    EXPECT_EQ(w.EventsOf(p.A(), EventType::TokenVerified).at(0).detail, "IKE");
    EXPECT_EQ(w.Count(p.A(), EventType::TokenRejected), 0u);
    EXPECT_EQ(w.Count(p.A(), EventType::PeerDead), 0u);
    // Silent: Alice sent nothing between the reply and her new IKE_SA_INIT (no Delete).
    for (const auto& r : w.Wire())
    {
        if (r.from == p.A() && r.sent >= verified && r.sent < verified + Ms(1))
        {
            auto m = DecodeIke(r.datagram);
            ASSERT_TRUE(m.has_value());
            EXPECT_EQ(m->header.exchangeType, static_cast<uint8_t>(ExchangeType::IkeSaInit));
        }
    }
    // Re-initiated at once: IKE_SA_INIT + IKE_AUTH = 2 RTT.
    const Time up = w.FirstTime(p.A(), EventType::IkeSaEstablished, verified);
    EXPECT_NEAR(ToSeconds(up), 25.08, 1e-6);
    EXPECT_NEAR(ToSeconds(w.FirstDelivery(p.B(), kCrash)), 26.01, 1e-6);
    EXPECT_TRUE(p.pair->Established());
    // Bob's clear reply: SPIs, Message ID and exchange type of the check copied, R set,
    // INVALID_IKE_SPI first, one token (one secret generation).
    auto replies = UnprotectedFrom(w, p.B(), kUp);
    bool sawTokenReply = false;
    for (const auto& [r, m] : replies)
    {
        if (ExtractQcdTokens(m.payloads).empty())
        {
            continue;
        }
        sawTokenReply = true;
        EXPECT_TRUE(m.header.IsResponse());
        EXPECT_EQ(m.header.exchangeType, static_cast<uint8_t>(ExchangeType::Informational));
        EXPECT_EQ(std::get<NotifyPayload>(m.payloads.at(0).body).type, notify::kInvalidIkeSpi);
        EXPECT_EQ(ExtractQcdTokens(m.payloads).size(), 1u);
        EXPECT_EQ(std::get<NotifyPayload>(m.payloads.at(1).body).protocolId, 0);
    }
    EXPECT_TRUE(sawTokenReply);
}

TEST(EngineQcd, IkeTriggeredRecoveryCopiesTheExchangeType)
{
    QcdPair p;
    auto& w = p.Wire();
    w.Reboot(p.B(), Sec(5), Sec(1));
    // Alice's next IKE request after Bob is back: a Child SA rekey (CREATE_CHILD_SA).
    w.At(Sec(8),
         [&] { w.Call(p.A(), [](Endpoint& e, Output& o) { e.RekeyChild(Sec(8), "bob", o); }); });
    w.RunUntil(Sec(10));
    EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::TokenVerified)), 8.02, 1e-6) << w.Dump();
    auto replies = UnprotectedFrom(w, p.B(), Sec(8));
    ASSERT_FALSE(replies.empty());
    EXPECT_EQ(replies[0].second.header.exchangeType,
              static_cast<uint8_t>(ExchangeType::CreateChildSa));
    EXPECT_TRUE(p.pair->Established());
}

// Regression: Bob down longer than Alice's liveness interval while Alice streams ESP faster
// than Bob's INVALID_SPI limit (50 pkt/s against 10/s). Bob's INVALID_SPI answers drain that
// bucket; the INVALID_IKE_SPI + token answer to Alice's retransmitted liveness check must still
// go out (it has a bucket of its own), so recovery takes one retransmission, not the schedule.
// resendOnHint is off so that the reply answers a scheduled retransmission, seconds into the
// stream, when the INVALID_SPI bucket has long been empty.
TEST(EngineQcd, TokenReplyIsNotStarvedByInvalidSpiRepliesToAFastStream)
{
    QcdPair p([](EndpointConfig& a, EndpointConfig&) { a.qcd.resendOnHint = false; });
    auto& w = p.Wire();
    const Time up = Sec(70);
    w.Stream(p.A(), Sec(1), Sec(90), Ms(20), Ip("10.1.0.10"), Ip("10.2.0.20"));
    w.Reboot(p.B(), kCrash, up - kCrash);
    w.RunUntil(Sec(90));
    // Alice's first IKE request (a retransmission of her liveness check) that Bob hears.
    Time firstRequest = kNever;
    for (const auto& r : w.Wire())
    {
        auto m = r.from == p.A() && r.sent >= up ? DecodeIke(r.datagram) : std::nullopt;
        if (m && IsProtected(*m) && !m->header.IsResponse())
        {
            firstRequest = r.sent;
            break;
        }
    }
    ASSERT_NE(firstRequest, kNever) << w.Dump();
    ASSERT_GT(w.Count(p.B(), EventType::RateLimited), 0u) << "the stream must exceed the limit";
    const Time verified = w.FirstTime(p.A(), EventType::TokenVerified, kCrash);
    EXPECT_NEAR(ToSeconds(verified), ToSeconds(firstRequest) + 0.02, 1e-6) << w.Dump();
    EXPECT_EQ(w.Count(p.A(), EventType::PeerDead), 0u);
    EXPECT_TRUE(p.pair->Established());
}

// Bob down 50 s, longer than Alice's 30 s liveness interval: her check is in flight when he is
// back. The INVALID_SPI answering her first ESP after that makes her resend the check at once
// (resendOnHint), so the token arrives one round trip later; without the knob it waits for the
// check's next scheduled retransmission.
TEST(EngineQcd, HintResendsTheCheckInFlightUnlessSwitchedOff)
{
    const Time up = Sec(70);
    auto verifiedAt = [&](bool resend)
    {
        QcdPair p([resend](EndpointConfig& a, EndpointConfig&) { a.qcd.resendOnHint = resend; });
        auto& w = p.Wire();
        StreamAliceToBob(w, p.A(), Sec(200));
        w.Reboot(p.B(), kCrash, up - kCrash);
        w.RunUntil(Sec(200));
        EXPECT_TRUE(p.pair->Established()) << w.Dump();
        EXPECT_EQ(w.Count(p.A(), EventType::PeerDead), 0u);
        return ToSeconds(w.FirstTime(p.A(), EventType::TokenVerified, kCrash));
    };
    // ESP at 70.00 -> INVALID_SPI at 70.02 -> resent check -> token reply at 70.04.
    EXPECT_NEAR(verifiedAt(true), 70.04, 1e-6);
    const double scheduled = verifiedAt(false);
    EXPECT_GT(scheduled, 70.5);
    EXPECT_LT(scheduled, 200);
}

TEST(EngineQcd, AliceAsMakerBobAsTaker)
{
    PairOptions o = QcdOptions();
    o.aliceStart = StartAction::Trap; // rebooted Alice must not simply re-initiate herself
    QcdPair p({}, o);
    auto& w = p.Wire();
    w.SendInner(p.A(), Sec(0.5), Pair::AliceToBob());
    w.Stream(p.B(), Sec(1), Sec(40), Sec(1), Ip("10.2.0.20"), Ip("10.1.0.10"));
    w.Reboot(p.A(), kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    EXPECT_NEAR(ToSeconds(w.FirstTime(p.B(), EventType::TokenVerified, kCrash)), 25.04, 1e-6)
      << w.Dump();
    EXPECT_EQ(w.Count(p.A(), EventType::TokenVerified), 0u);
    // Bob re-initiated (his start action is none; QCD re-initiates at once).
    EXPECT_NEAR(ToSeconds(w.FirstDelivery(p.A(), kCrash)), 26.01, 1e-6);
    EXPECT_TRUE(p.pair->Established());
}

TEST(EngineQcd, ChildSpiMapAnswersTheFirstEspDirectly)
{
    QcdPair p([](EndpointConfig&, EndpointConfig& b) { b.qcd.childSpiMap = true; });
    auto& w = p.Wire();
    StreamAliceToBob(w, p.A(), Sec(40));
    w.RunUntil(Sec(2));
    // One entry per inbound Child SPI of Bob: "qcd.m." + SPI in hex -> SPIi | SPIr.
    const uint32_t bobSpiIn = w.Node(p.B()).IkeSas().at(0).children.at(0).spiIn;
    const Bytes* entry = w.Store(p.B()).Get(QcdPolicy::MapKey(QcdPolicy::kMapPrefix, bobSpiIn));
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->size(), 16u);
    w.Reboot(p.B(), kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    // ESP at 25.00 -> INVALID_SPI + QCD_TOKEN back at 25.02: no liveness round trip.
    const Time verified = w.FirstTime(p.A(), EventType::TokenVerified, kCrash);
    EXPECT_NEAR(ToSeconds(verified), 25.02, 1e-6) << w.Dump();
    EXPECT_EQ(w.EventsOf(p.A(), EventType::TokenVerified).at(0).detail, "ESP");
    EXPECT_EQ(w.FirstTime(p.A(), EventType::LivenessCheckSent, kCrash), kNever);
    EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::IkeSaEstablished, verified)), 25.06, 1e-6);
    // After the reboot the lost SA's entry is kept under the "old" prefix; the new SA is
    // mapped under the current one.
    EXPECT_NE(w.Store(p.B()).Get(QcdPolicy::MapKey(QcdPolicy::kOldMapPrefix, bobSpiIn)), nullptr);
    const uint32_t newSpiIn = w.Node(p.B()).IkeSas().at(0).children.at(0).spiIn;
    EXPECT_NE(w.Store(p.B()).Get(QcdPolicy::MapKey(QcdPolicy::kMapPrefix, newSpiIn)), nullptr);
}

TEST(EngineQcd, ChildSpiMapFollowsRekeysAndDeletes)
{
    QcdPair p([](EndpointConfig&, EndpointConfig& b) { b.qcd.childSpiMap = true; });
    auto& w = p.Wire();
    StreamAliceToBob(w, p.A(), Sec(40));
    w.RunUntil(Sec(2));
    const uint32_t firstSpi = w.Node(p.B()).IkeSas().at(0).children.at(0).spiIn;
    w.Call(p.A(), [](Endpoint& e, Output& o) { e.RekeyChild(Sec(2), "bob", o); });
    w.RunUntil(Sec(3));
    w.Call(p.B(), [](Endpoint& e, Output& o) { e.RekeyIke(Sec(3), "alice", o); });
    w.RunUntil(Sec(4));
    auto sas = w.Node(p.B()).IkeSas();
    ASSERT_EQ(sas.size(), 1u);
    ASSERT_EQ(sas[0].children.size(), 1u);
    const uint32_t spi = sas[0].children[0].spiIn;
    EXPECT_NE(spi, firstSpi);
    // The rekeyed-away Child SA's entry is gone; the new one points at the new IKE SA.
    EXPECT_EQ(w.Store(p.B()).Get(QcdPolicy::MapKey(QcdPolicy::kMapPrefix, firstSpi)), nullptr);
    const Bytes* entry = w.Store(p.B()).Get(QcdPolicy::MapKey(QcdPolicy::kMapPrefix, spi));
    ASSERT_NE(entry, nullptr);
    ByteWriter expected(16);
    expected.U64(sas[0].spiI);
    expected.U64(sas[0].spiR);
    EXPECT_EQ(*entry, expected.Data());
    size_t entries = 0;
    for (const auto& [k, v] : w.Store(p.B()).Entries())
    {
        entries += k.rfind(QcdPolicy::kMapPrefix, 0) == 0;
    }
    EXPECT_EQ(entries, 1u);
    w.Reboot(p.B(), kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    const auto verified = w.EventsOf(p.A(), EventType::TokenVerified, kCrash);
    ASSERT_EQ(verified.size(), 1u) << w.Dump();
    EXPECT_EQ(verified[0].detail, "ESP");
    EXPECT_EQ(verified[0].spiI, sas[0].spiI);
    EXPECT_EQ(verified[0].spiR, sas[0].spiR);
}

TEST(EngineQcd, ReinitiateOnTrafficWaitsForThePacket)
{
    PairOptions o = QcdOptions();
    o.aliceStart = StartAction::Trap;
    QcdPair p([](EndpointConfig& a, EndpointConfig&) { a.qcd.reinitiateAtOnce = false; }, o);
    auto& w = p.Wire();
    StreamAliceToBob(w, p.A(), Sec(40));
    w.Reboot(p.B(), kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    const Time verified = w.FirstTime(p.A(), EventType::TokenVerified, kCrash);
    EXPECT_NEAR(ToSeconds(verified), 25.04, 1e-6) << w.Dump();
    // Nothing until the next inner packet at 26 s: acquire, 2 RTT, the held packet goes out.
    EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::AcquireStarted, verified)), 26.0, 1e-6);
    EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::IkeSaEstablished, verified)), 26.04, 1e-6);
    EXPECT_NEAR(ToSeconds(w.FirstDelivery(p.B(), kCrash)), 26.05, 1e-6);
}

TEST(EngineQcd, MaxPendingZeroDefersToTraffic)
{
    PairOptions o = QcdOptions();
    o.aliceStart = StartAction::Trap;
    QcdPair p([](EndpointConfig& a, EndpointConfig&) { a.qcd.maxPending = 0; }, o);
    auto& w = p.Wire();
    StreamAliceToBob(w, p.A(), Sec(40));
    w.Reboot(p.B(), kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    const Time verified = w.FirstTime(p.A(), EventType::TokenVerified, kCrash);
    EXPECT_NEAR(ToSeconds(verified), 25.04, 1e-6);
    EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::IkeSaEstablished, verified)), 26.04, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// IKE rekey (RFC 6290 4.3)

/// Rekeys the IKE SA from @p initiator at 5 s, reboots Bob, and returns the SPIs of the SA
/// the rekey made together with Alice's TokenVerified events.
void
RekeyThenCrash(QcdPair& p, size_t initiator, size_t victim)
{
    auto& w = p.Wire();
    const std::string peer = initiator == p.A() ? "bob" : "alice";
    w.At(Sec(5),
         [&w, initiator, peer]
         { w.Call(initiator, [&peer](Endpoint& e, Output& o) { e.RekeyIke(Sec(5), peer, o); }); });
    w.RunUntil(Sec(6));
    auto sas = w.Node(p.A()).IkeSas();
    ASSERT_EQ(sas.size(), 1u);
    ASSERT_EQ(w.Count(p.A(), EventType::IkeSaRekeyed), 1u) << w.Dump();
    const size_t survivor = victim == p.A() ? p.B() : p.A();
    if (survivor == p.A())
    {
        StreamAliceToBob(w, p.A(), Sec(40));
    }
    else
    {
        w.Stream(p.B(), Sec(6), Sec(40), Sec(1), Ip("10.2.0.20"), Ip("10.1.0.10"));
    }
    w.Reboot(victim, kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    const auto verified = w.EventsOf(survivor, EventType::TokenVerified, kCrash);
    ASSERT_EQ(verified.size(), 1u) << w.Dump();
    EXPECT_NEAR(ToSeconds(verified[0].time), 25.04, 1e-6);
    // The SA the rekey made, not the original one.
    EXPECT_EQ(verified[0].spiI, sas[0].spiI);
    EXPECT_EQ(verified[0].spiR, sas[0].spiR);
    EXPECT_EQ(w.Count(survivor, EventType::TokenRejected), 0u);
}

TEST(EngineQcd, MakerAnsweringTheRekeyPutsTheTokenInTheResponse)
{
    QcdPair p;
    RekeyThenCrash(p, p.A(), p.B());
    // The token came in Bob's CREATE_CHILD_SA response: no INFORMATIONAL from Bob.
    auto& w = p.Wire();
    EXPECT_EQ(
      ProtectedNotifies(w, p.A(), EventType::NotifyReceived, notify::kQcdToken, Sec(5), Sec(6)),
      1u);
    EXPECT_EQ(ProtectedNotifies(w, p.B(), EventType::NotifySent, notify::kQcdToken, Sec(5), Sec(6)),
              1u);
    for (const auto& r : w.Wire())
    {
        auto m = DecodeIke(r.datagram);
        EXPECT_FALSE(r.from == p.B() && r.sent >= Sec(5) && r.sent < Sec(6) && m &&
                     !m->header.IsResponse());
    }
}

TEST(EngineQcd, MakerInitiatingTheRekeySendsAnInformational)
{
    QcdPair p;
    RekeyThenCrash(p, p.B(), p.B());
    bool informational = false;
    for (const auto& r : p.Wire().Wire())
    {
        auto m = DecodeIke(r.datagram);
        informational |=
          r.from == p.B() && r.sent >= Sec(5) && r.sent < Sec(6) && m && !m->header.IsResponse() &&
          m->header.exchangeType == static_cast<uint8_t>(ExchangeType::Informational);
    }
    EXPECT_TRUE(informational);
}

TEST(EngineQcd, RekeyTokensForAliceAsMakerInBothDirections)
{
    for (bool aliceRekeys : { true, false })
    {
        PairOptions o = QcdOptions();
        o.aliceStart = StartAction::Trap;
        QcdPair p({}, o);
        p.Wire().SendInner(p.A(), Sec(0.5), Pair::AliceToBob());
        RekeyThenCrash(p, aliceRekeys ? p.A() : p.B(), p.A());
    }
}

TEST(EngineQcd, TokensInProtectedMessagesNeverTearDown)
{
    // IKE_AUTH, both rekey directions and an INFORMATIONAL token all carry valid tokens for
    // live SAs: they are stored, never verified.
    QcdPair p;
    auto& w = p.Wire();
    StreamAliceToBob(w, p.A(), Sec(20));
    w.At(Sec(3),
         [&] { w.Call(p.A(), [](Endpoint& e, Output& o) { e.RekeyIke(Sec(3), "bob", o); }); });
    w.At(Sec(6),
         [&] { w.Call(p.B(), [](Endpoint& e, Output& o) { e.RekeyIke(Sec(6), "alice", o); }); });
    w.RunUntil(Sec(20));
    EXPECT_GE(ProtectedNotifies(w, p.A(), EventType::NotifyReceived, notify::kQcdToken, {}), 3u);
    for (size_t n : { p.A(), p.B() })
    {
        EXPECT_EQ(w.Count(n, EventType::TokenVerified), 0u);
        EXPECT_EQ(w.Count(n, EventType::RecoveryDetected), 0u);
    }
    EXPECT_TRUE(p.pair->Established());
    EXPECT_EQ(w.Delivered(p.B()).size(), 19u);
}

TEST(EngineQcd, LateTokenForTheRekeyedAwaySaOnlyDeletesIt)
{
    // Alice rekeys the IKE SA; Bob deletes the old one on her Delete but his answer is lost, so
    // her retransmitted Delete meets the unknown-SPI path and Bob's token for the old SA. That
    // SA is on its way out anyway: it goes, and nothing is re-initiated.
    QcdPair p;
    auto& w = p.Wire();
    w.RunUntil(Sec(1));
    const IkeSaInfo old = p.AliceSa();
    w.SetDropFilter(
      [&](const WireRecord& r)
      {
          auto m = DecodeIke(r.datagram);
          return r.from == p.B() && m && IsProtected(*m) && m->header.IsResponse() &&
                 m->header.spiI == old.spiI && m->header.spiR == old.spiR &&
                 m->header.exchangeType == static_cast<uint8_t>(ExchangeType::Informational);
      });
    w.At(Sec(5),
         [&] { w.Call(p.A(), [](Endpoint& e, Output& o) { e.RekeyIke(Sec(5), "bob", o); }); });
    w.RunUntil(Sec(30));
    const auto verified = w.EventsOf(p.A(), EventType::TokenVerified);
    ASSERT_EQ(verified.size(), 1u) << w.Dump();
    EXPECT_EQ(verified[0].spiI, old.spiI);
    EXPECT_EQ(verified[0].detail, "IKE (SA already replaced)");
    EXPECT_EQ(w.Count(p.A(), EventType::RecoveryDetected), 0u);
    EXPECT_EQ(w.Count(p.A(), EventType::IkeSaEstablished), 2u); // IKE_AUTH and the rekey
    EXPECT_TRUE(p.pair->Established());
    EXPECT_NE(p.AliceSa().spiI, old.spiI);
}

// ---------------------------------------------------------------------------------------------
// What the taker must not believe

/// Bob stays down from 5 s; Alice's liveness check (2 s interval) is in flight from about 7 s.
struct CheckInFlight
{
    CheckInFlight()
      : p([](EndpointConfig& a, EndpointConfig&) { a.livenessInterval = Sec(2); })
    {
        auto& w = p.Wire();
        StreamAliceToBob(w, p.A(), Sec(300));
        w.Crash(p.B(), Sec(5));
        w.RunUntil(Sec(9));
        request = LastRequest(w, p.A());
    }
    QcdPair p;
    std::optional<std::pair<Datagram, IkeMessage>> request;
    std::vector<Bytes> BobTokens(uint64_t spiI, uint64_t spiR, const Ipv4Address* bound = nullptr)
    {
        return MakerTokens(p.Wire().Store(p.B()), p.bob.qcd, spiI, spiR, bound);
    }
    void Inject(const Datagram& d, Time at) { p.Wire().Inject(p.A(), at, d); }
};

TEST(EngineQcd, WrongTokenIsRejectedSilently)
{
    CheckInFlight f;
    ASSERT_TRUE(f.request.has_value()) << f.p.Wire().Dump();
    auto& w = f.p.Wire();
    const auto& [sent, req] = *f.request;
    Drbg rng(3, "forger");
    f.Inject(ForgedReply(sent, req, { rng.Generate(32) }, Sock("10.0.0.66")), Sec(9.5));
    w.RunUntil(Sec(10));
    ASSERT_EQ(w.Count(f.p.A(), EventType::TokenRejected), 1u) << w.Dump();
    EXPECT_EQ(w.Count(f.p.A(), EventType::TokenVerified), 0u);
    EXPECT_EQ(w.Node(f.p.A()).IkeSas().size(), 1u);
    // Nothing went back to the forger, and the check kept its schedule: Alice still gives up
    // only at first send + 165.06 s.
    for (const auto& r : w.Wire())
    {
        EXPECT_NE(r.datagram.remote.ip, Ip("10.0.0.66"));
    }
    w.RunUntil(Sec(300));
    EXPECT_EQ(w.Count(f.p.A(), EventType::PeerDead), 1u);
}

TEST(EngineQcd, TokenForAnotherSaIsRejected)
{
    CheckInFlight f;
    ASSERT_TRUE(f.request.has_value());
    const auto& [sent, req] = *f.request;
    // A genuine token of Bob's secret, for SPIs one off.
    auto tokens = f.BobTokens(req.header.spiI, req.header.spiR + 1);
    f.Inject(ForgedReply(sent, req, tokens, Sock("10.0.0.2")), Sec(9.5));
    f.p.Wire().RunUntil(Sec(10));
    EXPECT_EQ(f.p.Wire().Count(f.p.A(), EventType::TokenRejected), 1u);
    EXPECT_EQ(f.p.Wire().Count(f.p.A(), EventType::TokenVerified), 0u);
    EXPECT_EQ(f.p.Wire().Node(f.p.A()).IkeSas().size(), 1u);
}

TEST(EngineQcd, TokenFromAnotherAddressIsAcceptedAndProtocolIdOneToo)
{
    CheckInFlight f;
    ASSERT_TRUE(f.request.has_value());
    const auto& [sent, req] = *f.request;
    auto tokens = f.BobTokens(req.header.spiI, req.header.spiR);
    // From a standby's address, with the RFC's Protocol ID 1 (erratum 3449: accept both).
    f.Inject(ForgedReply(sent, req, tokens, Sock("10.0.0.99"), 1), Sec(9.5));
    f.p.Wire().RunUntil(Sec(10));
    const auto v = f.p.Wire().EventsOf(f.p.A(), EventType::TokenVerified);
    ASSERT_EQ(v.size(), 1u) << f.p.Wire().Dump();
    EXPECT_EQ(v[0].remote.ip, Ip("10.0.0.99"));
    EXPECT_NEAR(ToSeconds(v[0].time), 9.5, 1e-9);
}

TEST(EngineQcd, ReplyToNoRequestInFlightOrAsARequestIsIgnored)
{
    CheckInFlight f;
    ASSERT_TRUE(f.request.has_value());
    const auto& [sent, req] = *f.request;
    auto tokens = f.BobTokens(req.header.spiI, req.header.spiR);
    IkeMessage wrongId = req;
    wrongId.header.messageId += 1;
    f.Inject(ForgedReply(sent, wrongId, tokens, Sock("10.0.0.2")), Sec(9.5));
    // The draft-00 shape: the token in an unprotected request.
    Datagram asRequest = ForgedReply(sent, req, tokens, Sock("10.0.0.2"));
    asRequest.data[19] = kFlagInitiator; // header flags: I, not R
    f.Inject(asRequest, Sec(9.6));
    f.p.Wire().RunUntil(Sec(10));
    EXPECT_EQ(f.p.Wire().Count(f.p.A(), EventType::TokenVerified), 0u) << f.p.Wire().Dump();
    EXPECT_EQ(f.p.Wire().Node(f.p.A()).IkeSas().size(), 1u);
}

TEST(EngineQcd, ReplayedOldTokenChangesNothing)
{
    QcdPair p;
    auto& w = p.Wire();
    StreamAliceToBob(w, p.A(), Sec(60));
    w.Reboot(p.B(), kCrash, kUp - kCrash);
    w.RunUntil(Sec(30));
    ASSERT_EQ(w.Count(p.A(), EventType::TokenVerified), 1u);
    // Bob's genuine clear reply, as Alice received it.
    std::optional<Datagram> reply;
    for (const auto& [r, m] : UnprotectedFrom(w, p.B(), kUp))
    {
        if (!ExtractQcdTokens(m.payloads).empty())
        {
            reply = r.datagram;
        }
    }
    ASSERT_TRUE(reply.has_value());
    Datagram rx = *reply;
    std::swap(rx.local, rx.remote);
    // Verbatim: names the SA that is gone, so it finds nothing.
    w.Inject(p.A(), Sec(31), rx);
    // Retargeted to the new SA while Alice has a request in flight on it: the old token does
    // not match the new SA's.
    w.At(Sec(32),
         [&] { w.Call(p.A(), [](Endpoint& e, Output& o) { e.RekeyChild(Sec(32), "bob", o); }); });
    w.SetDropFilter([&](const WireRecord& r)
                    { return r.from == p.B() && r.sent >= Sec(32) && r.sent < Sec(33); });
    w.At(Sec(32.001),
         [&]
         {
             auto last = LastRequest(w, p.A());
             ASSERT_TRUE(last.has_value());
             auto old = DecodeIke(rx);
             ASSERT_TRUE(old.has_value());
             w.Inject(
               p.A(),
               Sec(32.002),
               ForgedReply(
                 last->first, last->second, ExtractQcdTokens(old->payloads), Sock("10.0.0.2")));
         });
    w.RunUntil(Sec(60));
    EXPECT_EQ(w.Count(p.A(), EventType::TokenVerified), 1u) << w.Dump();
    EXPECT_EQ(w.Count(p.A(), EventType::TokenRejected), 1u);
    EXPECT_TRUE(p.pair->Established());
}

TEST(EngineQcd, NoTokenInClearForAnIkeSaThatStillExists)
{
    // RFC 6290 9.2: requests naming Bob's live SA, damaged so that they do not decrypt, with
    // either I flag, get nothing in clear.
    QcdPair p;
    auto& w = p.Wire();
    w.At(Sec(1),
         [&] { w.Call(p.A(), [](Endpoint& e, Output& o) { e.RekeyChild(Sec(1), "bob", o); }); });
    w.RunUntil(Sec(2));
    auto last = LastRequest(w, p.A());
    ASSERT_TRUE(last.has_value());
    for (uint8_t flags : { kFlagInitiator, uint8_t(0) })
    {
        Datagram d = last->first;
        std::swap(d.local, d.remote);
        d.data[19] = flags;
        d.data.back() ^= 0x01; // ICV fails
        w.Inject(p.B(), Sec(3), d);
    }
    w.RunUntil(Sec(4));
    EXPECT_TRUE(UnprotectedFrom(w, p.B()).empty());
    EXPECT_TRUE(p.pair->Established());
}

// ---------------------------------------------------------------------------------------------
// Secrets: persistence, rollover, loss

TEST(EngineQcd, SecretSurvivesCrashByteForByte)
{
    QcdPair p;
    auto& w = p.Wire();
    w.RunUntil(Sec(1));
    const Bytes before = *w.Store(p.B()).Get(QcdSecretStore::kStoreKey);
    w.Reboot(p.B(), Sec(2), Sec(1));
    w.RunUntil(Sec(5));
    EXPECT_EQ(*w.Store(p.B()).Get(QcdSecretStore::kStoreKey), before);
}

TEST(EngineQcd, FourTokenRolloverVerifiesAndAFifthGenerationDoesNot)
{
    for (int rotations : { 3, 4 })
    {
        QcdPair p;
        auto& w = p.Wire();
        StreamAliceToBob(w, p.A(), Sec(220));
        w.Reboot(p.B(), kCrash, kUp - kCrash);
        w.At(Sec(22),
             [&w, &p, rotations]
             {
                 Drbg rng(11, "rotation");
                 QcdSecretStore s(w.Store(p.B()), rng);
                 for (int i = 0; i < rotations; ++i)
                 {
                     s.Rotate();
                 }
             });
        w.RunUntil(Sec(220));
        size_t maxTokens = 0;
        for (const auto& [r, m] : UnprotectedFrom(w, p.B(), kUp))
        {
            maxTokens = std::max(maxTokens, ExtractQcdTokens(m.payloads).size());
        }
        EXPECT_EQ(maxTokens, kQcdMaxGenerations);
        if (rotations == 3)
        {
            EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::TokenVerified)), 25.04, 1e-6);
        }
        else
        {
            // The generation Alice's token came from is gone: RFC 7296 schedule.
            EXPECT_EQ(w.Count(p.A(), EventType::TokenVerified), 0u);
            EXPECT_GE(w.Count(p.A(), EventType::TokenRejected), 1u);
            EXPECT_EQ(w.Count(p.A(), EventType::PeerDead), 1u) << w.Dump();
        }
    }
}

TEST(EngineQcd, LostSecretFallsBackToTheSchedule)
{
    QcdPair p;
    auto& w = p.Wire();
    StreamAliceToBob(w, p.A(), Sec(220));
    w.Reboot(p.B(), kCrash, kUp - kCrash);
    w.At(Sec(22), [&] { w.Store(p.B()).Erase(QcdSecretStore::kStoreKey); });
    w.RunUntil(Sec(220));
    EXPECT_EQ(w.Count(p.A(), EventType::TokenVerified), 0u);
    EXPECT_GE(w.Count(p.A(), EventType::TokenRejected), 1u);
    EXPECT_EQ(w.Count(p.A(), EventType::PeerDead), 1u);
    EXPECT_TRUE(p.pair->Established());
}

TEST(EngineQcd, PostBootWindowLimitsWhenTokensAreSent)
{
    for (double window : { 2.0, 0.5 })
    {
        QcdPair p([window](EndpointConfig&, EndpointConfig& b)
                  { b.qcd.postBootWindow = Sec(window); });
        auto& w = p.Wire();
        // Alice's traffic resumes 1 s after Bob is back.
        w.Stream(p.A(), Sec(26), Sec(40), Sec(1), Ip("10.1.0.10"), Ip("10.2.0.20"));
        w.SendInner(p.A(), Sec(1), Pair::AliceToBob());
        w.Reboot(p.B(), kCrash, kUp - kCrash);
        w.RunUntil(Sec(40));
        if (window > 1)
        {
            EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::TokenVerified)), 26.04, 1e-6);
        }
        else
        {
            EXPECT_EQ(w.Count(p.A(), EventType::TokenVerified), 0u);
            for (const auto& [r, m] : UnprotectedFrom(w, p.B(), kUp))
            {
                EXPECT_TRUE(ExtractQcdTokens(m.payloads).empty());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Address binding (RFC 6290 5.2, 4.4)

TEST(EngineQcd, AddressBoundTokenObtainedFromAnotherAddressDoesNotVerify)
{
    for (bool bind : { false, true })
    {
        QcdPair p(
          [bind](EndpointConfig& a, EndpointConfig& b)
          {
              a.livenessInterval = Sec(2);
              b.qcd.bindTakerAddress = bind;
          });
        auto& w = p.Wire();
        StreamAliceToBob(w, p.A(), Sec(300));
        w.Reboot(p.B(), Sec(5), Sec(100)); // down until 105 s: Alice's check is in flight
        w.RunUntil(Sec(9));
        auto last = LastRequest(w, p.A());
        ASSERT_TRUE(last.has_value());
        // At 105 s the attacker (10.0.0.66) asks the rebooted Bob for the token of Alice's SA
        // and forwards what it gets to Alice before Alice's own retransmission reaches Bob.
        std::optional<Datagram> stolen;
        w.SetDropFilter(
          [&](const WireRecord& r)
          {
              if (r.from == p.B() && r.datagram.remote.ip == Ip("10.0.0.66"))
              {
                  stolen = r.datagram;
              }
              // Alice's own retransmissions do not reach Bob: only the attacker's token counts.
              return r.from == p.A() && r.sent > Sec(100);
          });
        w.At(Sec(105.5),
             [&]
             {
                 Datagram d = last->first;
                 std::swap(d.local, d.remote);
                 d.remote = Sock("10.0.0.66");
                 w.Inject(p.B(), Sec(105.5), d);
             });
        w.At(Sec(105.6),
             [&]
             {
                 ASSERT_TRUE(stolen.has_value());
                 auto m = DecodeIke(*stolen);
                 ASSERT_TRUE(m.has_value());
                 w.Inject(
                   p.A(),
                   Sec(105.6),
                   ForgedReply(
                     last->first, last->second, ExtractQcdTokens(m->payloads), Sock("10.0.0.66")));
             });
        w.RunUntil(Sec(106));
        EXPECT_EQ(w.Count(p.A(), EventType::TokenVerified), bind ? 0u : 1u) << w.Dump();
        EXPECT_EQ(w.Count(p.A(), EventType::TokenRejected), bind ? 1u : 0u);
    }
}

TEST(EngineQcd, BoundTokenIsReplacedWhenTheTakersAddressChanges)
{
    // Alice behind a NAT (UDP encapsulation forced) whose public address moves from 10.0.0.1
    // to 10.0.0.3 at 5 s; Bob binds tokens to the address he sees.
    QcdPair p(
      [](EndpointConfig& a, EndpointConfig& b)
      {
          a.peers[0].forceUdpEncap = true;
          b.qcd.bindTakerAddress = true;
      });
    auto& w = p.Wire();
    const Ipv4Address natted = Ip("10.0.0.3");
    w.SetDropFilter(
      [&](const WireRecord& r)
      {
          if (r.sent < Sec(5))
          {
              return false;
          }
          if (r.from == p.A())
          {
              Datagram rx = r.datagram;
              rx.local = r.datagram.remote;
              rx.remote = r.datagram.local;
              rx.remote.ip = natted;
              w.Inject(p.B(), w.Now() + Ms(10), rx);
              return true;
          }
          if (r.from == p.B() && r.datagram.remote.ip == natted)
          {
              Datagram rx = r.datagram;
              rx.local = r.datagram.remote;
              rx.local.ip = kAliceIp;
              rx.remote = r.datagram.local;
              w.Inject(p.A(), w.Now() + Ms(10), rx);
          }
          return false;
      });
    StreamAliceToBob(w, p.A(), Sec(40));
    w.At(Sec(6),
         [&] { w.Call(p.A(), [](Endpoint& e, Output& o) { e.RekeyChild(Sec(6), "bob", o); }); });
    w.RunUntil(Sec(8));
    ASSERT_EQ(w.Node(p.B()).IkeSas().at(0).remote.ip, natted) << w.Dump();
    // The replacement INFORMATIONAL (4.4).
    EXPECT_EQ(ProtectedNotifies(w, p.B(), EventType::NotifySent, notify::kQcdToken, Sec(5)), 1u);
    EXPECT_EQ(ProtectedNotifies(w, p.A(), EventType::NotifyReceived, notify::kQcdToken, Sec(5)),
              1u);
    w.Reboot(p.B(), kCrash, kUp - kCrash);
    w.RunUntil(Sec(40));
    EXPECT_NEAR(ToSeconds(w.FirstTime(p.A(), EventType::TokenVerified, kCrash)), 25.04, 1e-6)
      << w.Dump();
}

// ---------------------------------------------------------------------------------------------
// Rate limits under floods (RFC 6290 8.1, 9.3)

/// A protected request for random SPIs (Alice's last request with its SPIs replaced).
Datagram
RandomSpiRequest(const Datagram& template_,
                 Drbg& rng,
                 const SocketAddress& from,
                 const SocketAddress& to)
{
    Datagram d = template_;
    d.local = to;
    d.remote = from;
    Bytes spis = rng.Generate(16);
    std::copy(spis.begin(), spis.end(), d.data.begin());
    return d;
}

/// @p count such requests, each from its own spoofed source (192.0.0.0 + i), @p step apart.
void
InjectFromSpoofedSources(VirtualWire& w,
                         size_t node,
                         const Datagram& template_,
                         Drbg& rng,
                         int count,
                         Time start,
                         std::chrono::microseconds step)
{
    for (int i = 0; i < count; ++i)
    {
        SocketAddress src;
        src.ip.value = 0xC0000000u + static_cast<uint32_t>(i);
        src.port = 500;
        w.Inject(node, start + step * i, RandomSpiRequest(template_, rng, src, Sock("10.0.0.2")));
    }
}

TEST(EngineQcd, MakerTokenRepliesAreRateLimitedPerSourceAndInAll)
{
    QcdPair p([](EndpointConfig&, EndpointConfig& b) { b.limits.invalidIkeSpiPerSecond = 0; });
    auto& w = p.Wire();
    w.RunUntil(Sec(1));
    auto last = LastRequest(w, p.A());
    ASSERT_TRUE(last.has_value());
    Drbg rng(5, "flood");
    // One source, 1000 requests in one second, then 5000 spoofed sources in the next second.
    for (int i = 0; i < 1000; ++i)
    {
        w.Inject(p.B(),
                 Sec(2) + Ms(i),
                 RandomSpiRequest(last->first, rng, Sock("10.0.0.66"), Sock("10.0.0.2")));
    }
    InjectFromSpoofedSources(
      w, p.B(), last->first, rng, 5000, Sec(4), std::chrono::microseconds(200));
    w.RunUntil(Sec(6));
    size_t withToken[2] = { 0, 0 };
    size_t plain[2] = { 0, 0 };
    for (const auto& [r, m] : UnprotectedFrom(w, p.B(), Sec(2)))
    {
        const int phase = r.sent < Sec(4) ? 0 : 1;
        (ExtractQcdTokens(m.payloads).empty() ? plain : withToken)[phase]++;
    }
    // 10/s with a burst of 10 per source: at most 10 + 10 in the first second.
    EXPECT_GE(withToken[0], 10u);
    EXPECT_LE(withToken[0], 20u);
    EXPECT_EQ(withToken[0] + plain[0], 1000u);
    // Spoofed sources: every one has a fresh bucket, the aggregate (100 x 10/s, burst 1000)
    // holds the total.
    EXPECT_LE(withToken[1], 1000u + 1000u + 1u);
    EXPECT_GE(withToken[1], 1000u);
    EXPECT_EQ(withToken[1] + plain[1], 5000u);
    // Bounded memory: the per-source table tracks at most 4096 sources of about 100 octets.
    EXPECT_LT(w.Node(p.B()).VolatileStateBytes(), 2u * 1024 * 1024);
}

// aggregateFactor 0 removes the all-sources cap (per-source buckets only): every one of 3000
// spoofed sources gets its token reply; factor 20 holds them to 200/s, burst 200.
TEST(EngineQcd, AggregateFactorSetsTheAllSourcesCap)
{
    auto tokenRepliesToSpoofedSources = [](double factor)
    {
        QcdPair p(
          [factor](EndpointConfig&, EndpointConfig& b)
          {
              b.limits.invalidIkeSpiPerSecond = 0;
              b.qcd.aggregateFactor = factor;
          });
        auto& w = p.Wire();
        w.RunUntil(Sec(1));
        auto last = LastRequest(w, p.A());
        Drbg rng(6, "aggregate");
        InjectFromSpoofedSources(
          w, p.B(), last->first, rng, 3000, Sec(2), std::chrono::microseconds(300));
        w.RunUntil(Sec(4));
        size_t withToken = 0;
        for (const auto& [r, m] : UnprotectedFrom(w, p.B(), Sec(2)))
        {
            withToken += ExtractQcdTokens(m.payloads).empty() ? 0 : 1;
        }
        return withToken;
    };
    EXPECT_EQ(tokenRepliesToSpoofedSources(0), 3000u);
    const size_t capped = tokenRepliesToSpoofedSources(20);
    EXPECT_GE(capped, 200u);
    EXPECT_LE(capped, 200u + 200u + 1u);
}

TEST(EngineQcd, TakerVerificationsAreRateLimitedPerSource)
{
    CheckInFlight f;
    ASSERT_TRUE(f.request.has_value());
    const auto& [sent, req] = *f.request;
    Drbg rng(9, "flood");
    for (int i = 0; i < 1000; ++i)
    {
        f.Inject(ForgedReply(sent, req, { rng.Generate(32) }, Sock("10.0.0.66")),
                 Sec(9.2) + std::chrono::microseconds(500 * i));
    }
    // The flood from 10.0.0.66 does not use up the genuine reply's budget.
    f.Inject(
      ForgedReply(sent, req, f.BobTokens(req.header.spiI, req.header.spiR), Sock("10.0.0.2")),
      Sec(9.8));
    f.p.Wire().RunUntil(Sec(10));
    auto& w = f.p.Wire();
    const size_t rejected = w.Count(f.p.A(), EventType::TokenRejected);
    EXPECT_GE(rejected, 10u);
    EXPECT_LE(rejected, 10u + 5u + 1u); // burst 10, then 10/s for 0.5 s
    size_t limited = 0;
    for (const auto& e : w.EventsOf(f.p.A(), EventType::RateLimited))
    {
        limited += e.detail == "qcd token verification";
    }
    EXPECT_EQ(rejected + limited, 1000u);
    EXPECT_EQ(w.Count(f.p.A(), EventType::TokenVerified), 1u);
}

// ---------------------------------------------------------------------------------------------
// State

TEST(EngineQcd, StateBytesPerSaAndPersistent)
{
    // Taker stores the token (32) or its digest (32 whatever the token length).
    for (bool digest : { false, true })
    {
        QcdPair p(
          [digest](EndpointConfig& a, EndpointConfig& b)
          {
              a.qcd.storeDigest = digest;
              b.qcd.tokenLength = 64;
              b.qcd.hash = "sha512";
          });
        Pair none;
        p.Wire().RunUntil(Sec(1));
        none.wire.RunUntil(Sec(1));
        const size_t qcdBytes = p.Wire().Node(p.A()).StateBytesPerIkeSa();
        const size_t noneBytes = none.wire.Node(none.alice).StateBytesPerIkeSa();
        // At least the stored token; the IKE_AUTH messages cached for retransmission are also
        // longer by the token notify.
        EXPECT_GE(qcdBytes, noneBytes + (digest ? 32u : 64u));
        EXPECT_LE(qcdBytes, noneBytes + (digest ? 32u : 64u) + 2 * (8 + 64) + 64);
        // Persistent: the secret entry and the boot counter; none has only the boot counter.
        EXPECT_EQ(p.Wire().Store(p.B()).SizeBytes() - none.wire.Store(none.bob).SizeBytes(),
                  std::string(QcdSecretStore::kStoreKey).size() + 6 + kQcdSecretLength);
    }
}

TEST(EngineQcd, BadConfigurationIsRefused)
{
    EndpointConfig c = AliceConfig(QcdOptions());
    c.qcd.tokenLength = 8;
    PersistentStore store;
    EXPECT_THROW({ Endpoint e(c, store); }, ConfigError);
    c.qcd.tokenLength = 32;
    c.qcd.hash = "md5";
    EXPECT_THROW({ Endpoint e(c, store); }, ConfigError);
    c.qcd.hash = "sha256";
    c.qcd.aggregateFactor = -1;
    EXPECT_THROW({ Endpoint e(c, store); }, ConfigError);
}

} // namespace
} // namespace test
} // namespace ikev2

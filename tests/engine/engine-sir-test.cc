// The `sir` scheme (draft-detienne-ikev2-recovery-03) on the virtual wire: Alice keeps the SAs
// (Y), Bob reboots and loses them (X). Links are 10 ms each way, so one RTT is 20 ms and every
// step of the exchange can be timed exactly. doc/sir.md describes what is checked here.
#include "drbg.h"
#include "engine-test-util.h"
#include "ike-constants.h"
#include "ike-message.h"
#include "sir-check-spi.h"

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
const Time kRtt = Ms(20);
constexpr size_t kAlice = 0;
constexpr size_t kBob = 1;

PairOptions
SirOptions()
{
    PairOptions o;
    o.scheme = RecoveryScheme::Sir;
    return o;
}

/// The IKE message a wire record carries (nullopt for ESP or anything that does not decode).
std::optional<IkeMessage>
IkeOf(const WireRecord& r)
{
    if (r.datagram.transport != Transport::Udp)
    {
        return std::nullopt;
    }
    const Bytes& d = r.datagram.data;
    size_t skip = 0;
    if (r.datagram.local.port == kNatTPort || r.datagram.remote.port == kNatTPort)
    {
        if (d.size() < 4 || d[0] || d[1] || d[2] || d[3])
        {
            return std::nullopt;
        }
        skip = 4;
    }
    auto m = DecodeMessage(d.data() + skip, d.size() - skip);
    if (!m)
    {
        return std::nullopt;
    }
    return m.Value();
}

std::vector<CheckSpi>
ChecksOf(const std::vector<Payload>& payloads)
{
    std::vector<CheckSpi> out;
    for (const auto& p : payloads)
    {
        const auto* n = std::get_if<NotifyPayload>(&p.body);
        CheckSpi c;
        std::string error;
        if (n && n->type == notify::kCheckSpi && DecodeCheckSpi(*n, c, error))
        {
            out.push_back(c);
        }
    }
    return out;
}

bool
HasSubtype(const std::vector<CheckSpi>& checks, CheckSpiSubtype s)
{
    for (const auto& c : checks)
    {
        if (c.subtype == s)
        {
            return true;
        }
    }
    return false;
}

/// Records of unprotected messages @p from sent carrying a CHECK_SPI of subtype @p s.
std::vector<WireRecord>
CheckSpiOnWire(const VirtualWire& w, size_t from, CheckSpiSubtype s, Time after = Time(0))
{
    std::vector<WireRecord> out;
    for (const auto& r : w.Wire())
    {
        if (r.from != from || r.sent < after)
        {
            continue;
        }
        auto m = IkeOf(r);
        if (m && HasSubtype(ChecksOf(m->payloads), s))
        {
            out.push_back(r);
        }
    }
    return out;
}

/// IKE_SA_INIT requests @p from sent at or after @p after.
std::vector<IkeMessage>
InitRequests(const VirtualWire& w, size_t from, Time after)
{
    std::vector<IkeMessage> out;
    for (const auto& r : w.Wire())
    {
        auto m = IkeOf(r);
        if (r.from == from && r.sent >= after && m &&
            m->header.exchangeType == uint8_t(ExchangeType::IkeSaInit) && !m->header.IsResponse())
        {
            out.push_back(*m);
        }
    }
    return out;
}

bool
HasSirVendorId(const IkeMessage& m)
{
    for (const auto& p : m.payloads)
    {
        const auto* v = std::get_if<VendorIdPayload>(&p.body);
        if (v && IsSirVendorId(v->data))
        {
            return true;
        }
    }
    return false;
}

std::vector<Event>
WithDetail(const VirtualWire& w, size_t node, EventType t, const std::string& prefix)
{
    std::vector<Event> out;
    for (const auto& e : w.EventsOf(node, t))
    {
        if (e.detail.compare(0, prefix.size(), prefix) == 0)
        {
            out.push_back(e);
        }
    }
    return out;
}

size_t
CountDetail(const VirtualWire& w, size_t node, EventType t, const std::string& prefix)
{
    return WithDetail(w, node, t, prefix).size();
}

/// A datagram arriving at Alice from @p from (Bob's address by default).
Datagram
ToAlice(const Bytes& data, const std::string& from = "10.0.0.2")
{
    Datagram d;
    d.local = Sock("10.0.0.1");
    d.remote = Sock(from);
    d.data = data;
    return d;
}

Datagram
ToBob(const Bytes& data, const std::string& from = "10.0.0.1")
{
    Datagram d;
    d.local = Sock("10.0.0.2");
    d.remote = Sock(from);
    d.data = data;
    return d;
}

/// An unprotected INVALID_SPI naming @p spi (RFC 7296 1.5 form, HDR(0,0)).
Bytes
InvalidSpi(uint32_t spi)
{
    IkeMessage m;
    m.header.exchangeType = uint8_t(ExchangeType::Informational);
    m.header.flags = kFlagInitiator;
    m.payloads.push_back(
      MakeNotify(notify::kInvalidSpi,
                 Bytes{ uint8_t(spi >> 24), uint8_t(spi >> 16), uint8_t(spi >> 8), uint8_t(spi) }));
    return EncodeMessage(m);
}

/// The answer an on-path attacker forges from a QUERY it saw: @p subtype, cookie echoed.
Bytes
AnswerTo(const IkeMessage& query, CheckSpiSubtype subtype, std::optional<Bytes> cookie = {})
{
    IkeMessage m;
    m.header = query.header;
    m.header.length = 0;
    m.header.flags = kFlagResponse | (query.header.IsInitiator() ? 0 : kFlagInitiator);
    CheckSpi c = ChecksOf(query.payloads).at(0);
    c.subtype = subtype;
    if (cookie)
    {
        c.cookie = *cookie;
    }
    m.payloads.push_back(MakePayload(EncodeCheckSpi(c)));
    return EncodeMessage(m);
}

void
RekeyChildAt(Pair& p, Time at)
{
    p.wire.At(at,
              [&p] {
                  p.wire.Call(p.alice,
                              [&p](Endpoint& e, Output& o)
                              { e.RekeyChild(p.wire.Now(), "bob", o); });
              });
}

/// Bob alive; an on-path attacker drops Alice's request at 10 s and answers it with a spoofed
/// unprotected INVALID_IKE_SPI at 10.01 s, so Alice sends a QUERY at 10.01 s. Returns it.
IkeMessage
SpoofInvalidIkeSpi(Pair& p)
{
    p.wire.RunUntil(Sec(6)); // past the dampening after creation
    EXPECT_TRUE(p.Established());
    p.wire.SetDropFilter(
      [](const WireRecord& r)
      {
          return r.from == kAlice && r.sent >= Sec(10) && r.sent < Sec(10.005) &&
                 r.datagram.transport == Transport::Udp;
      });
    RekeyChildAt(p, Sec(10));
    p.wire.RunUntil(Sec(10.001));
    std::optional<IkeMessage> request;
    for (const auto& r : p.wire.Wire())
    {
        if (r.from == kAlice && r.sent == Sec(10) && r.dropped)
        {
            request = IkeOf(r);
        }
    }
    EXPECT_TRUE(request.has_value());
    IkeMessage spoof;
    spoof.header = request->header;
    spoof.header.length = 0;
    spoof.header.flags = kFlagResponse | (request->header.IsInitiator() ? 0 : kFlagInitiator);
    spoof.payloads.push_back(MakeNotify(notify::kInvalidIkeSpi));
    p.wire.Inject(p.alice, Sec(10.01), ToAlice(EncodeMessage(spoof)));
    p.wire.RunUntil(Sec(10.0101));
    auto queries = CheckSpiOnWire(p.wire, kAlice, CheckSpiSubtype::Query, Sec(10));
    EXPECT_EQ(queries.size(), 1u) << p.wire.Dump();
    return queries.empty() ? IkeMessage{} : *IkeOf(queries[0]);
}

/// Time of Bob's first unprotected INVALID_SPI at or after @p after.
Time
BobInvalidSpi(const VirtualWire& w, Time after)
{
    for (const auto& e : w.EventsOf(kBob, EventType::NotifySent, after))
    {
        if (e.notifyType == notify::kInvalidSpi && !e.protectedMsg)
        {
            return e.time;
        }
    }
    return kNever;
}

} // namespace

// ESP trigger (draft 3.4): ESP -> INVALID_SPI -> SK{QUERY} -> INVALID_IKE_SPI -> QUERY -> NACK:
// Alice detects 2.5 RTT after Bob's INVALID_SPI, re-creates (2 RTT) and only then deletes.
TEST(EngineSir, BobRebootAliceRecoversThroughQueryNackOnEsp)
{
    Pair p(SirOptions());
    p.wire.Stream(p.alice, Sec(1), Sec(30), Ms(50), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(Sec(5));
    ASSERT_TRUE(p.Established());
    const IkeSaInfo before = p.wire.Node(p.alice).IkeSas().at(0);
    p.wire.RunUntil(Sec(30));

    const Time invalidSpi = BobInvalidSpi(p.wire, kUp);
    EXPECT_EQ(invalidSpi, kUp + Ms(10)); // the 25.00 s packet, one way later
    const Time detect = p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash);
    EXPECT_EQ(detect, invalidSpi + kRtt / 2 + 2 * kRtt) << p.wire.Dump();
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 1u);
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiQuery, "sent SK{QUERY}"), 1u);
    EXPECT_EQ(
      CountDetail(p.wire, kAlice, EventType::CheckSpiQuery, "sent QUERY after INVALID_IKE_SPI"),
      1u);
    EXPECT_EQ(CountDetail(p.wire, kBob, EventType::CheckSpiAnswer, "sent NACK"), 1u);
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiAnswer, "nack: re-creating"), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::CookieRejected), 0u);

    // Re-create, then delete: the old SA goes at the instant its replacement is established.
    auto est = p.wire.EventsOf(p.alice, EventType::IkeSaEstablished, kCrash);
    ASSERT_EQ(est.size(), 1u);
    EXPECT_EQ(est[0].time, detect + 2 * kRtt);
    auto del = p.wire.EventsOf(p.alice, EventType::IkeSaDeleted, kCrash);
    ASSERT_EQ(del.size(), 1u);
    EXPECT_EQ(del[0].detail, "replaced");
    EXPECT_EQ(del[0].time, est[0].time);
    EXPECT_EQ(del[0].spiI, before.spiI);
    // Meanwhile Alice's packets still went out on the old Child SA (and were lost at Bob).
    size_t noSa = 0;
    for (const auto& e : p.wire.EventsOf(p.bob, EventType::EspNoSa, detect))
    {
        noSa += e.time < est[0].time + kRtt / 2;
    }
    EXPECT_GE(noSa, 1u);

    // Traffic again on the next packet; about 5 RTT plus the stream's gap after Bob is up.
    const Time restored = p.wire.FirstDelivery(p.bob, kCrash);
    EXPECT_GT(restored, est[0].time);
    EXPECT_LE(restored, est[0].time + Ms(50) + kRtt / 2);
    EXPECT_LE(restored - kUp, 5 * kRtt + Ms(50) + kRtt / 2);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::PeerDead), 0u);
    ASSERT_TRUE(p.Established());
    EXPECT_NE(p.wire.Node(p.alice).IkeSas().at(0).spiI, before.spiI);

    // Vendor ID in both IKE_SA_INIT messages; the re-creating one carries Cookie_X first.
    auto inits = InitRequests(p.wire, kAlice, kCrash);
    ASSERT_EQ(inits.size(), 1u);
    EXPECT_TRUE(HasSirVendorId(inits[0]));
    auto checks = ChecksOf(inits[0].payloads);
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(checks[0].subtype, CheckSpiSubtype::LoneCookie);
    EXPECT_EQ(inits[0].payloads.at(0).type, uint8_t(PayloadType::Notify));
    for (const auto& r : p.wire.Wire())
    {
        auto m = IkeOf(r);
        if (r.from == kBob && m && m->header.exchangeType == uint8_t(ExchangeType::IkeSaInit))
        {
            EXPECT_TRUE(HasSirVendorId(*m));
        }
    }
}

// A lost NACK: nothing was stored, so the next INVALID_SPI more than two RTTs after the QUERY
// simply asks again (the SK{QUERY} in flight would only be retransmitted 4 s later).
TEST(EngineSir, LostNackIsAskedAgainOnTheNextInvalidSpi)
{
    Pair p(SirOptions());
    bool dropped = false;
    p.wire.SetDropFilter(
      [&dropped](const WireRecord& r)
      {
          auto m = IkeOf(r);
          if (dropped || r.from != kBob || !m ||
              !HasSubtype(ChecksOf(m->payloads), CheckSpiSubtype::Nack))
          {
              return false;
          }
          dropped = true;
          return true;
      });
    p.wire.Stream(p.alice, Sec(1), Sec(30), Ms(50), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(Sec(30));
    ASSERT_TRUE(dropped);
    auto queries = CheckSpiOnWire(p.wire, kAlice, CheckSpiSubtype::Query, kCrash);
    ASSERT_EQ(queries.size(), 2u) << p.wire.Dump();
    EXPECT_EQ(queries[0].sent, kUp + Ms(40));
    // 25.07 s: within two RTTs of the first QUERY, ignored; 25.12 s: asked again.
    EXPECT_EQ(queries[1].sent, kUp + Ms(120));
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::UnprotectedIgnored, "sir: QUERY outstanding"),
              1u);
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash), kUp + Ms(140));
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiQuery, "sent SK{QUERY}"), 1u);
    EXPECT_TRUE(p.Established());
}

// IKE trigger (draft 3.2.2): a protected request -> INVALID_IKE_SPI -> QUERY -> NACK, 2 RTT.
TEST(EngineSir, BobRebootAliceRecoversThroughQueryNackOnIke)
{
    Pair p(SirOptions());
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    RekeyChildAt(p, Sec(26));
    p.wire.SendInner(p.alice, Sec(27), Pair::AliceToBob(7));
    p.wire.RunUntil(Sec(30));
    const Time detect = p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash);
    EXPECT_EQ(detect, Sec(26) + 2 * kRtt) << p.wire.Dump();
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiQuery, "sent SK{QUERY}"), 0u);
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::IkeSaEstablished, kCrash), detect + 2 * kRtt);
    EXPECT_EQ(p.wire.FirstDelivery(p.bob, kCrash), Sec(27) + kRtt / 2);
    ASSERT_TRUE(p.Established());

    // The QUERY/NACK header fields of doc/sir.md section 3.
    auto q = CheckSpiOnWire(p.wire, kAlice, CheckSpiSubtype::Query);
    auto n = CheckSpiOnWire(p.wire, kBob, CheckSpiSubtype::Nack);
    ASSERT_EQ(q.size(), 1u);
    ASSERT_EQ(n.size(), 1u);
    IkeMessage qm = *IkeOf(q[0]);
    IkeMessage nm = *IkeOf(n[0]);
    EXPECT_EQ(qm.header.exchangeType, uint8_t(ExchangeType::Informational));
    EXPECT_EQ(qm.header.messageId, 0u);
    EXPECT_EQ(qm.header.flags, kFlagInitiator); // Alice is the original initiator, R=0
    EXPECT_EQ(nm.header.flags, kFlagResponse);
    EXPECT_EQ(nm.header.spiI, qm.header.spiI);
    EXPECT_EQ(nm.header.spiR, qm.header.spiR);
    auto qc = ChecksOf(qm.payloads);
    auto nc = ChecksOf(nm.payloads);
    ASSERT_EQ(qc.size(), 1u);
    ASSERT_EQ(nc.size(), 2u);
    EXPECT_EQ(qc[0].protocolId, 0u);
    EXPECT_EQ(qc[0].cookie.size(), SirCookieJar::kCookieLength);
    EXPECT_EQ(nc[0].subtype, CheckSpiSubtype::Nack);
    EXPECT_EQ(nc[0].cookie, qc[0].cookie);
    EXPECT_EQ(nc[1].subtype, CheckSpiSubtype::LoneCookie);
    EXPECT_EQ(q[0].datagram.data.size(), 57u);
    EXPECT_EQ(n[0].datagram.data.size(), 86u);
}

// Bob still has the SA (a spoofed INVALID_IKE_SPI): he answers ACK, Alice keeps the SA.
TEST(EngineSir, AckKeepsTheSa)
{
    Pair p(SirOptions());
    p.wire.RunUntil(Sec(1));
    const IkeSaInfo before = p.wire.Node(p.alice).IkeSas().at(0);
    SpoofInvalidIkeSpi(p);
    p.wire.RunUntil(Sec(10.1));
    EXPECT_EQ(CountDetail(p.wire, kBob, EventType::CheckSpiAnswer, "sent ACK"), 1u);
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiAnswer, "ack: SA kept"), 1u)
      << p.wire.Dump();
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
    p.wire.SetDropFilter(nullptr);
    p.wire.RunUntil(Sec(20)); // the retransmitted rekey gets through
    ASSERT_TRUE(p.Established());
    EXPECT_EQ(p.wire.Node(p.alice).IkeSas().at(0).spiI, before.spiI);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::IkeSaEstablished), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::ChildSaRekeyed), 1u);
}

// An off-path attacker's NACK (wrong cookie) and a NACK with the right cookie from another
// address are dropped and logged; Alice stores nothing for them.
TEST(EngineSir, ForgedCookieIsDroppedAndNothingIsStored)
{
    Pair p(SirOptions());
    IkeMessage query = SpoofInvalidIkeSpi(p);
    const Bytes cookie = ChecksOf(query.payloads).at(0).cookie;
    p.wire.Inject(
      p.alice, Sec(10.011), ToAlice(AnswerTo(query, CheckSpiSubtype::Nack), "10.0.0.9"));
    p.wire.RunUntil(Sec(10.012));
    const size_t state = p.wire.Node(p.alice).VolatileStateBytes();
    for (int i = 0; i < 5; ++i)
    {
        Bytes forged = cookie;
        forged[1 + i] ^= 0x01;
        p.wire.Inject(p.alice,
                      Sec(10.013) + Ms(i) / 10,
                      ToAlice(AnswerTo(query, CheckSpiSubtype::Nack, forged)));
    }
    p.wire.RunUntil(Sec(10.015));
    EXPECT_EQ(p.wire.Node(p.alice).VolatileStateBytes(), state);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::CookieRejected), 6u) << p.wire.Dump();
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
    p.wire.RunUntil(Sec(11));
    // The genuine ACK still verifies afterwards.
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiAnswer, "ack: SA kept"), 1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
}

namespace
{

/// Bob has lost the SA from 9 s; every NACK he sends is lost. Alice's QUERY at 12.02 s makes
/// the first cookie (secret v1, lifetime 1 s); a second QUERY at 13.5 s rotates the secret.
/// The first NACK is then replayed to Alice at @p replayAt.
void
RotationRun(Pair& p, Time replayAt)
{
    p.wire.Reboot(p.bob, Sec(8), Sec(1));
    p.wire.SetDropFilter(
      [](const WireRecord& r)
      {
          auto m = IkeOf(r);
          return r.from == kBob && m && HasSubtype(ChecksOf(m->payloads), CheckSpiSubtype::Nack);
      });
    p.wire.RunUntil(Sec(7));
    const uint32_t spiOut = p.wire.Node(p.alice).IkeSas().at(0).children.at(0).spiOut;
    RekeyChildAt(p, Sec(12));
    p.wire.RunUntil(Sec(13.4));
    auto nacks = CheckSpiOnWire(p.wire, kBob, CheckSpiSubtype::Nack);
    ASSERT_EQ(nacks.size(), 1u) << p.wire.Dump();
    EXPECT_EQ(nacks[0].sent, Sec(12) + kRtt + kRtt / 2);
    // A forged INVALID_SPI while the rekey is unanswered: straight to a QUERY (new cookie).
    p.wire.Inject(p.alice, Sec(13.5), ToAlice(InvalidSpi(spiOut)));
    p.wire.RunUntil(Sec(13.55));
    EXPECT_EQ(CheckSpiOnWire(p.wire, kAlice, CheckSpiSubtype::Query).size(), 2u);
    Datagram replay = nacks[0].datagram;
    std::swap(replay.local, replay.remote);
    p.wire.Inject(p.alice, replayAt, replay);
    p.wire.RunUntil(replayAt + Ms(1));
}

} // namespace

TEST(EngineSir, CookieOfThePreviousSecretIsAcceptedAfterARotation)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    a.sir.cookieLifetime = b.sir.cookieLifetime = Sec(1);
    Pair p(a, b);
    RotationRun(p, Sec(13.6));
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::RecoveryDetected), Sec(13.6)) << p.wire.Dump();
    EXPECT_EQ(p.wire.Count(p.alice, EventType::CookieRejected), 0u);
}

TEST(EngineSir, CookieIsRejectedOnceItsSecretHasExpired)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    a.sir.cookieLifetime = b.sir.cookieLifetime = Sec(1);
    Pair p(a, b);
    // Made at 12.02 s, rotated out at 13.5 s: accepted until 14.02 s at the latest.
    RotationRun(p, Sec(14.1));
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u) << p.wire.Dump();
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::CookieRejected), Sec(14.1));
}

// Draft 3.2.3: an on-path attacker copies Cookie_Y into a forged NACK while the real Bob
// answers ACK. With the wait, Alice sees both and aborts; without it she re-creates (draft 8).
TEST(EngineSir, WaitBeforeRekeyAbortsOnAContradictingAck)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    a.sir.waitBeforeRekey = b.sir.waitBeforeRekey = true;
    Pair p(a, b);
    p.wire.RunUntil(Sec(1));
    const IkeSaInfo before = p.wire.Node(p.alice).IkeSas().at(0);
    IkeMessage query = SpoofInvalidIkeSpi(p);
    p.wire.Inject(p.alice, Sec(10.011), ToAlice(AnswerTo(query, CheckSpiSubtype::Nack)));
    p.wire.RunUntil(Sec(11));
    // The wait is the RTT measured in IKE_SA_INIT: 20 ms; the real ACK comes at 10.03 s.
    auto waiting = WithDetail(p.wire, kAlice, EventType::CheckSpiAnswer, "nack: waiting 20.000 ms");
    ASSERT_EQ(waiting.size(), 1u) << p.wire.Dump();
    EXPECT_EQ(waiting[0].time, Sec(10.011));
    auto aborted = WithDetail(p.wire, kAlice, EventType::CheckSpiAnswer, "ack and nack");
    ASSERT_EQ(aborted.size(), 1u);
    EXPECT_EQ(aborted[0].time, Sec(10.01) + kRtt);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
    EXPECT_TRUE(InitRequests(p.wire, kAlice, Sec(10)).empty());
    EXPECT_EQ(p.wire.Node(p.alice).IkeSas().at(0).spiI, before.spiI);
}

TEST(EngineSir, OnPathForgedNackForcesARecreationWithoutTheWait)
{
    Pair p(SirOptions());
    IkeMessage query = SpoofInvalidIkeSpi(p);
    p.wire.Inject(p.alice, Sec(10.011), ToAlice(AnswerTo(query, CheckSpiSubtype::Nack)));
    p.wire.RunUntil(Sec(11));
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::RecoveryDetected), Sec(10.011));
    // The real ACK arrives during the dampening that follows and is ignored.
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiAnswer, "ack"), 0u);
    EXPECT_GE(CountDetail(p.wire, kAlice, EventType::UnprotectedIgnored, "sir: dampened"), 1u);
    EXPECT_EQ(InitRequests(p.wire, kAlice, Sec(10)).size(), 1u);
}

// With the wait and no contradicting ACK (a real reboot), recovery costs one more RTT.
TEST(EngineSir, WaitBeforeRekeyCostsOneMeasuredRttAfterARealReboot)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    a.sir.waitBeforeRekey = b.sir.waitBeforeRekey = true;
    Pair p(a, b);
    p.wire.Stream(p.alice, Sec(1), Sec(30), Ms(50), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(Sec(30));
    const Time detect = p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash);
    EXPECT_EQ(detect, BobInvalidSpi(p.wire, kUp) + kRtt / 2 + 2 * kRtt + kRtt) << p.wire.Dump();
    EXPECT_TRUE(p.Established());
}

// A flood of forged INVALID_SPI (Bob alive): one SK{QUERY}, whose protected answer shows the
// SA is live; dampening then ignores the rest.
TEST(EngineSir, DampeningHoldsUnderAFloodOfForgedInvalidSpi)
{
    Pair p(SirOptions());
    p.wire.RunUntil(Sec(6));
    const IkeSaInfo before = p.wire.Node(p.alice).IkeSas().at(0);
    const uint32_t spiOut = before.children.at(0).spiOut;
    for (int i = 0; i < 500; ++i)
    {
        p.wire.Inject(p.alice, Sec(6) + Ms(2 * i), ToAlice(InvalidSpi(spiOut)));
    }
    p.wire.RunUntil(Sec(8));
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiQuery, "sent"), 1u);
    EXPECT_EQ(CountDetail(p.wire, kBob, EventType::CheckSpiQuery, "received SK{QUERY} for live"),
              1u);
    EXPECT_EQ(CountDetail(p.wire, kAlice, EventType::CheckSpiAnswer, "protected answer"), 1u);
    EXPECT_GE(CountDetail(p.wire, kAlice, EventType::UnprotectedIgnored, "sir: dampened"), 480u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
    EXPECT_EQ(p.wire.Node(p.alice).IkeSas().at(0).spiI, before.spiI);
}

// Without dampening the per-peer limits still hold: at most burst + rate x 1 s queries.
TEST(EngineSir, RateLimitsHoldUnderAFloodWithoutDampening)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    a.sir.dampening = b.sir.dampening = Time(0);
    Pair p(a, b);
    p.wire.RunUntil(Sec(6));
    const uint32_t spiOut = p.wire.Node(p.alice).IkeSas().at(0).children.at(0).spiOut;
    for (int i = 0; i < 500; ++i)
    {
        p.wire.Inject(p.alice, Sec(6) + Ms(2 * i), ToAlice(InvalidSpi(spiOut)));
    }
    p.wire.RunUntil(Sec(8));
    const size_t queries = CountDetail(p.wire, kAlice, EventType::CheckSpiQuery, "sent");
    EXPECT_GE(queries, 5u);
    EXPECT_LE(queries, 5u + 5u); // queriesPerSecond 5, burst 5, over 1 s
    EXPECT_GE(p.wire.Count(p.alice, EventType::RateLimited), 400u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
    EXPECT_TRUE(p.Established());
}

// The buckets hold one whole recovery (3 messages accepted, 2 queries sent) whatever the rate,
// and hints Alice ignores take no token: limits of 1/s still recover as fast as the defaults,
// under a dense stream whose INVALID_SPIs keep coming while the exchange runs.
TEST(EngineSir, SlowestRateLimitsStillLetOneRecoveryThrough)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    for (EndpointConfig* c : { &a, &b })
    {
        c->sir.queriesPerSecond = 1;
        c->sir.acceptPerSecond = 1;
    }
    Pair p(a, b);
    p.wire.Stream(p.alice, Sec(1), Sec(30), Ms(10), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(Sec(30));
    const Time detect = p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash);
    EXPECT_EQ(detect, BobInvalidSpi(p.wire, kUp) + kRtt / 2 + 2 * kRtt) << p.wire.Dump();
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::IkeSaEstablished, kCrash), detect + 2 * kRtt);
    EXPECT_TRUE(p.Established());
}

/// An unprotected CHECK_SPI QUERY for random IKE SPIs (what X answers with a NACK).
static Bytes
RandomQuery(Drbg& rng)
{
    IkeMessage m;
    m.header.spiI = rng.NextU64() | 1;
    m.header.spiR = rng.NextU64() | 1;
    m.header.exchangeType = uint8_t(ExchangeType::Informational);
    m.header.flags = kFlagInitiator;
    m.payloads.push_back(
      MakePayload(EncodeCheckSpi(MakeIkeCheckSpi(CheckSpiSubtype::Query, rng.Generate(17)))));
    return EncodeMessage(m);
}

// X answers QUERYs without storing anything: the state is the same after one query as after a
// thousand (from one source), and bounded under a spoofed-source flood.
TEST(EngineSir, QueriesCostBobNoStateAndAreRateLimited)
{
    Pair p(SirOptions());
    p.wire.RunUntil(Sec(6));
    Drbg rng(99, "sir-flood");
    auto query = [&rng] { return RandomQuery(rng); };
    p.wire.Inject(p.bob, Sec(6), ToBob(query()));
    p.wire.RunUntil(Sec(6.0001));
    const size_t state = p.wire.Node(p.bob).VolatileStateBytes();
    EXPECT_EQ(CountDetail(p.wire, kBob, EventType::CheckSpiAnswer, "sent NACK"), 1u);
    for (int i = 1; i < 1000; ++i)
    {
        p.wire.Inject(p.bob, Sec(6) + Ms(i), ToBob(query()));
    }
    p.wire.RunUntil(Sec(7));
    EXPECT_EQ(p.wire.Node(p.bob).VolatileStateBytes(), state);
    const size_t nacks = CountDetail(p.wire, kBob, EventType::CheckSpiAnswer, "sent NACK");
    EXPECT_GE(nacks, 10u);
    EXPECT_LE(nacks, 10u + 10u); // acceptPerSecond 10, burst 10, over 1 s
    EXPECT_EQ(p.wire.Node(p.bob).IkeSas().size(), 1u);

    // 6000 spoofed sources: the limiter table stops growing at its capacity (4096).
    size_t at5000 = 0;
    for (int i = 0; i < 6000; ++i)
    {
        const std::string from =
          "10.9." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
        p.wire.Inject(p.bob, Sec(8) + Ms(i) / 10, ToBob(query(), from));
        if (i == 4999)
        {
            p.wire.RunUntil(Sec(8) + Ms(i) / 10);
            at5000 = p.wire.Node(p.bob).VolatileStateBytes();
        }
    }
    p.wire.RunUntil(Sec(9));
    EXPECT_EQ(p.wire.Node(p.bob).VolatileStateBytes(), at5000);
    EXPECT_EQ(p.wire.Node(p.bob).IkeSas().size(), 1u);
}

// Draft 3.5: Bob must initiate; his IKE_SA_INIT(A',0) carries the NACK naming (A,B) with
// Alice's cookie; Alice replaces (A,B) once the new SA is authenticated.
TEST(EngineSir, MandatoryInitiatorPutsTheNackInItsIkeSaInit)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    a.sir.mandatoryInitiator = b.sir.mandatoryInitiator = true;
    Pair p(a, b);
    p.wire.Stream(p.alice, Sec(1), Sec(30), Ms(50), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(Sec(5));
    const IkeSaInfo before = p.wire.Node(p.alice).IkeSas().at(0);
    p.wire.RunUntil(Sec(30));
    const Time detect = p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash);
    EXPECT_EQ(detect, BobInvalidSpi(p.wire, kUp) + kRtt / 2 + 2 * kRtt) << p.wire.Dump();
    EXPECT_EQ(CountDetail(p.wire, kBob, EventType::CheckSpiAnswer, "sent NACK in IKE_SA_INIT"), 1u);
    EXPECT_TRUE(CheckSpiOnWire(p.wire, kBob, CheckSpiSubtype::Nack, kCrash).size() == 1u);
    auto inits = InitRequests(p.wire, kBob, kCrash);
    ASSERT_EQ(inits.size(), 1u);
    auto checks = ChecksOf(inits[0].payloads);
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_TRUE(checks[0].IsExplicitIkeSa());
    uint64_t spiI = 0;
    uint64_t spiR = 0;
    ASSERT_TRUE(CheckSpiIkeSpis(checks[0], 0, 0, spiI, spiR));
    EXPECT_EQ(spiI, before.spiI);
    EXPECT_EQ(spiR, before.spiR);
    auto del = p.wire.EventsOf(p.alice, EventType::IkeSaDeleted, kCrash);
    ASSERT_EQ(del.size(), 1u);
    EXPECT_EQ(del[0].detail, "sir-replaced");
    // Alice answers IKE_SA_INIT and is established when IKE_AUTH arrives, one RTT later.
    EXPECT_EQ(del[0].time, detect + kRtt);
    ASSERT_TRUE(p.Established());
    EXPECT_FALSE(p.wire.Node(p.alice).IkeSas().at(0).initiator);
    EXPECT_LE(p.wire.FirstDelivery(p.bob, detect), del[0].time + Ms(50) + kRtt);
}

// Cookie_X (LONE_COOKIE) lets Alice's re-creating IKE_SA_INIT past a gateway that demands
// RFC 7296 cookies, without the COOKIE round trip.
TEST(EngineSir, CookieXSavesTheCookieRoundTrip)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    EndpointConfig b = BobConfig(o);
    b.limits.cookieThreshold = 0; // Bob always demands a COOKIE
    Pair p(a, b);
    p.wire.Stream(p.alice, Sec(1), Sec(30), Ms(50), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(Sec(30));
    size_t cookiesBefore = 0;
    size_t cookiesAfter = 0;
    for (const auto& e : p.wire.EventsOf(p.bob, EventType::NotifySent))
    {
        if (e.notifyType == notify::kCookie)
        {
            (e.time < kCrash ? cookiesBefore : cookiesAfter)++;
        }
    }
    EXPECT_EQ(cookiesBefore, 1u); // the first set-up paid the round trip
    EXPECT_EQ(cookiesAfter, 0u) << p.wire.Dump();
    const Time detect = p.wire.FirstTime(p.alice, EventType::RecoveryDetected, kCrash);
    EXPECT_EQ(p.wire.FirstTime(p.alice, EventType::IkeSaEstablished, kCrash), detect + 2 * kRtt);
    EXPECT_TRUE(p.Established());
}

// A peer that did not send the Vendor ID gets RFC 7296 behaviour.
TEST(EngineSir, PeerWithoutVendorIdIsNotQueried)
{
    PairOptions o = SirOptions();
    EndpointConfig a = AliceConfig(o);
    o.scheme = RecoveryScheme::None;
    EndpointConfig b = BobConfig(o);
    Pair p(a, b);
    p.wire.Stream(p.alice, Sec(1), Sec(27), Ms(50), Ip("10.1.0.10"), Ip("10.2.0.20"));
    p.wire.Reboot(p.bob, kCrash, kUp - kCrash);
    p.wire.RunUntil(Sec(27));
    EXPECT_GE(
      CountDetail(
        p.wire, kAlice, EventType::UnprotectedIgnored, "sir: the peer did not announce SIR"),
      1u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::CheckSpiQuery), 0u);
    EXPECT_EQ(p.wire.Count(p.alice, EventType::RecoveryDetected), 0u);
}

// The draft limits per peer only, so by default 2000 spoofed sources in one second all get a
// NACK; aggregateFactor caps all of them together (here 10 x 10/s, burst 100), as QCD's does.
TEST(EngineSir, AggregateFactorCapsUnauthenticatedInputFromAllSources)
{
    auto nacksFromSpoofedSources = [](double factor)
    {
        PairOptions o = SirOptions();
        EndpointConfig a = AliceConfig(o);
        EndpointConfig b = BobConfig(o);
        b.sir.aggregateFactor = factor;
        Pair p(a, b);
        p.wire.RunUntil(Sec(6));
        Drbg rng(98, "sir-aggregate");
        for (int i = 0; i < 2000; ++i)
        {
            const std::string from =
              "10.9." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
            p.wire.Inject(p.bob, Sec(6) + Ms(i) / 2, ToBob(RandomQuery(rng), from));
        }
        p.wire.RunUntil(Sec(8));
        return CountDetail(p.wire, kBob, EventType::CheckSpiAnswer, "sent NACK");
    };
    EXPECT_EQ(nacksFromSpoofedSources(0), 2000u);
    const size_t capped = nacksFromSpoofedSources(10);
    EXPECT_GE(capped, 100u);
    EXPECT_LE(capped, 100u + 100u + 1u); // burst 100 + 100/s over 1 s
}

} // namespace test
} // namespace ikev2

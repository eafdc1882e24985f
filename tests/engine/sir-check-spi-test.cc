// The SIR CHECK_SPI codec (every malformed form refused), the stateless cookie of section
// 3.2.4 (binding, forgery, rotation, lifetime, O(1) state) and the Vendor ID.
#include "drbg.h"
#include "sir-check-spi.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace ikev2;
using std::chrono::seconds;

namespace
{

constexpr uint64_t kSpiI = 0x1111222233334444ULL;
constexpr uint64_t kSpiR = 0x5555666677778888ULL;

SocketAddress
Addr(const char* ip, uint16_t port)
{
    SocketAddress a;
    Ipv4Address::Parse(ip, a.ip);
    a.port = port;
    return a;
}

const SocketAddress kAlice = Addr("198.51.100.1", 500);
const SocketAddress kBob = Addr("203.0.113.7", 500);

NotifyPayload
RawNotify(uint8_t proto, Bytes spi, Bytes data)
{
    NotifyPayload n;
    n.protocolId = proto;
    n.spi = std::move(spi);
    n.type = notify::kCheckSpi;
    n.data = std::move(data);
    return n;
}

bool
Decodes(const NotifyPayload& n)
{
    CheckSpi out;
    std::string error;
    bool ok = DecodeCheckSpi(n, out, error);
    EXPECT_EQ(ok, error.empty()) << error;
    return ok;
}

} // namespace

TEST(CheckSpiCodec, EncodesTheDraftLayout)
{
    NotifyPayload n = EncodeCheckSpi(MakeIkeCheckSpi(CheckSpiSubtype::Nack, Bytes{9, 8, 7}));
    EXPECT_EQ(n.type, 32770);
    EXPECT_EQ(n.protocolId, 0);
    EXPECT_TRUE(n.spi.empty());
    EXPECT_EQ(n.data, (Bytes{2, 3, 0, 0, 9, 8, 7}));
    EXPECT_FALSE(n.IsError()) << "a status type: peers without SIR ignore it";

    NotifyPayload c = EncodeCheckSpi(MakeChildCheckSpi(CheckSpiSubtype::Query, 0xc0ffee01));
    EXPECT_EQ(c.protocolId, 3);
    EXPECT_EQ(c.spi, (Bytes{0xc0, 0xff, 0xee, 0x01}));
    EXPECT_EQ(c.data, (Bytes{0, 0, 0, 0}));
}

TEST(CheckSpiCodec, RoundTripsEveryForm)
{
    std::vector<CheckSpi> forms;
    for (auto st : {CheckSpiSubtype::Query, CheckSpiSubtype::Ack, CheckSpiSubtype::Nack})
    {
        forms.push_back(MakeIkeCheckSpi(st, Bytes(17, 0x42)));
        forms.push_back(MakeChildCheckSpi(st, 0x12345678, Bytes(17, 0x43)));
        forms.push_back(MakeChildCheckSpi(st, 256));
    }
    forms.push_back(MakeIkeCheckSpi(CheckSpiSubtype::Query, Bytes(64, 1)));
    forms.push_back(MakeExplicitIkeCheckSpi(CheckSpiSubtype::Nack, kSpiI, kSpiR, Bytes(17, 5)));
    forms.push_back(MakeLoneCookie(Bytes(17, 0x44)));
    for (const auto& f : forms)
    {
        CheckSpi back;
        std::string error;
        ASSERT_TRUE(DecodeCheckSpi(EncodeCheckSpi(f), back, error)) << error;
        EXPECT_EQ(back, f) << CheckSpiSubtypeName(f.subtype);
    }
    EXPECT_EQ(CheckSpiEspSpi(MakeChildCheckSpi(CheckSpiSubtype::Ack, 0x12345678)), 0x12345678u);
    EXPECT_EQ(CheckSpiEspSpi(MakeIkeCheckSpi(CheckSpiSubtype::Ack)), 0u);

    NotifyPayload named = EncodeCheckSpi(MakeExplicitIkeCheckSpi(CheckSpiSubtype::Nack, 1, 2));
    EXPECT_EQ(named.protocolId, 1);
    EXPECT_EQ(named.spi, (Bytes{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}));

    uint64_t i = 0, r = 0;
    EXPECT_TRUE(CheckSpiIkeSpis(MakeIkeCheckSpi(CheckSpiSubtype::Ack), 7, 8, i, r));
    EXPECT_EQ(i, 7u);
    EXPECT_EQ(r, 8u);
    CheckSpi explicitForm = MakeExplicitIkeCheckSpi(CheckSpiSubtype::Nack, kSpiI, kSpiR);
    EXPECT_TRUE(explicitForm.IsIkeSa());
    EXPECT_TRUE(explicitForm.IsExplicitIkeSa());
    EXPECT_TRUE(CheckSpiIkeSpis(explicitForm, 7, 8, i, r));
    EXPECT_EQ(i, kSpiI);
    EXPECT_EQ(r, kSpiR);
    EXPECT_FALSE(CheckSpiIkeSpis(MakeChildCheckSpi(CheckSpiSubtype::Ack, 9), 7, 8, i, r));
}

TEST(CheckSpiCodec, AcceptsProtocolIkeWithoutSpiAndIgnoresReserved)
{
    CheckSpi out;
    std::string error;
    ASSERT_TRUE(DecodeCheckSpi(RawNotify(1, {}, {1, 2, 0, 0, 5, 6}), out, error)) << error;
    EXPECT_EQ(out.protocolId, 0);
    EXPECT_TRUE(out.IsIkeSa());
    EXPECT_EQ(out.subtype, CheckSpiSubtype::Ack);
    EXPECT_EQ(out.cookie, (Bytes{5, 6}));
    ASSERT_TRUE(DecodeCheckSpi(RawNotify(0, {}, {2, 1, 0xff, 0xff, 5}), out, error)) << error;
    EXPECT_EQ(out.subtype, CheckSpiSubtype::Nack);
}

TEST(CheckSpiCodec, RejectsEveryMalformedForm)
{
    const Bytes esp{0, 0, 1, 0};
    const Bytes okData{0, 1, 0, 0, 7};
    ASSERT_TRUE(Decodes(RawNotify(0, {}, okData)));
    ASSERT_TRUE(Decodes(RawNotify(3, esp, okData)));

    NotifyPayload wrongType = RawNotify(0, {}, okData);
    wrongType.type = notify::kQcdToken;
    EXPECT_FALSE(Decodes(wrongType));
    // Data shorter than the fixed part.
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {0})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {0, 0})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {0, 0, 0})));
    // Unknown subtypes.
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {4, 0, 0, 0})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {255, 0, 0, 0})));
    // Cookie size disagreeing with the data: truncated, trailing octets.
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {0, 2, 0, 0, 7})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {0, 255, 0, 0})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {0, 0, 0, 0, 7})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {0, 1, 0, 0, 7, 8})));
    // Cookie longer than 64 octets.
    Bytes long65{0, 65, 0, 0};
    long65.resize(4 + 65, 1);
    EXPECT_FALSE(Decodes(RawNotify(0, {}, long65)));
    // Protocol / SPI combinations.
    EXPECT_FALSE(Decodes(RawNotify(0, esp, okData)));
    EXPECT_FALSE(Decodes(RawNotify(1, Bytes(8, 1), okData)));
    EXPECT_TRUE(Decodes(RawNotify(1, Bytes(16, 1), okData)));
    EXPECT_FALSE(Decodes(RawNotify(1, Bytes(15, 1), okData)));
    EXPECT_FALSE(Decodes(RawNotify(1, Bytes(17, 1), okData)));
    EXPECT_FALSE(Decodes(RawNotify(0, Bytes(16, 1), okData)));
    EXPECT_FALSE(Decodes(RawNotify(3, Bytes(16, 1), okData)));
    Bytes zeroI(16, 1), zeroR(16, 1);
    std::fill(zeroI.begin(), zeroI.begin() + 8, 0);
    std::fill(zeroR.begin() + 8, zeroR.end(), 0);
    EXPECT_FALSE(Decodes(RawNotify(1, zeroI, okData)));
    EXPECT_FALSE(Decodes(RawNotify(1, zeroR, okData)));
    EXPECT_FALSE(Decodes(RawNotify(2, esp, okData)));
    EXPECT_FALSE(Decodes(RawNotify(3, {}, okData)));
    EXPECT_FALSE(Decodes(RawNotify(3, Bytes(8, 1), okData)));
    EXPECT_FALSE(Decodes(RawNotify(3, {0, 0, 1}, okData)));
    EXPECT_FALSE(Decodes(RawNotify(3, {0, 0, 0, 0}, okData)));
    EXPECT_FALSE(Decodes(RawNotify(4, {}, okData)));
    // LONE_COOKIE needs the IKE form and a cookie.
    EXPECT_TRUE(Decodes(RawNotify(0, {}, {3, 1, 0, 0, 7})));
    EXPECT_FALSE(Decodes(RawNotify(0, {}, {3, 0, 0, 0})));
    EXPECT_FALSE(Decodes(RawNotify(3, esp, {3, 1, 0, 0, 7})));
    EXPECT_FALSE(Decodes(RawNotify(1, Bytes(16, 1), {3, 1, 0, 0, 7})));
}

TEST(CheckSpiCodec, FailedDecodeLeavesOutputUntouched)
{
    CheckSpi out = MakeChildCheckSpi(CheckSpiSubtype::Ack, 77, Bytes{1});
    CheckSpi copy = out;
    std::string error;
    EXPECT_FALSE(DecodeCheckSpi(RawNotify(0, {}, {0, 5, 0, 0}), out, error));
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(out, copy);
}

TEST(SirCookie, EchoedCookieVerifiesForgedOnesDoNot)
{
    Drbg drbg(1, "sir-cookie");
    SirCookieJar jar(drbg, seconds(60));
    Time t0 = seconds(100);
    CheckSpi query = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    Bytes cookie = jar.Make(query, kSpiI, kSpiR, kAlice, kBob, t0);
    ASSERT_EQ(cookie.size(), SirCookieJar::kCookieLength);
    EXPECT_EQ(cookie.size(), 17u);

    // Bob's NACK echoes the query's SA and the cookie; the subtype differs.
    CheckSpi nack = MakeIkeCheckSpi(CheckSpiSubtype::Nack, cookie);
    EXPECT_TRUE(jar.Verify(nack.cookie, nack, kSpiI, kSpiR, kAlice, kBob, t0 + seconds(1)));
    CheckSpi ack = MakeIkeCheckSpi(CheckSpiSubtype::Ack, cookie);
    EXPECT_TRUE(jar.Verify(ack.cookie, ack, kSpiI, kSpiR, kAlice, kBob, t0 + seconds(1)));

    // Forged: random MAC with the right version, flipped bits, wrong version, wrong length.
    Drbg attacker(2, "attacker");
    for (int i = 0; i < 100; ++i)
    {
        Bytes forged = attacker.Generate(SirCookieJar::kCookieLength);
        forged[0] = cookie[0];
        EXPECT_FALSE(jar.Verify(forged, nack, kSpiI, kSpiR, kAlice, kBob, t0));
    }
    for (size_t i = 0; i < cookie.size(); ++i)
    {
        Bytes flipped = cookie;
        flipped[i] ^= 0x01;
        EXPECT_FALSE(jar.Verify(flipped, nack, kSpiI, kSpiR, kAlice, kBob, t0)) << i;
    }
    EXPECT_FALSE(jar.Verify(Bytes(cookie.begin(), cookie.end() - 1), nack, kSpiI, kSpiR, kAlice,
                            kBob, t0));
    Bytes longer = cookie;
    longer.push_back(0);
    EXPECT_FALSE(jar.Verify(longer, nack, kSpiI, kSpiR, kAlice, kBob, t0));
    EXPECT_FALSE(jar.Verify(Bytes{}, nack, kSpiI, kSpiR, kAlice, kBob, t0));
}

TEST(SirCookie, BindsTheQueryTheSpisAndTheAddresses)
{
    Drbg drbg(3, "sir-cookie");
    SirCookieJar jar(drbg, seconds(60));
    Time t = seconds(5);
    CheckSpi child = MakeChildCheckSpi(CheckSpiSubtype::Query, 0xabcdef01);
    Bytes cookie = jar.Make(child, kSpiI, kSpiR, kAlice, kBob, t);
    ASSERT_TRUE(jar.Verify(cookie, child, kSpiI, kSpiR, kAlice, kBob, t));

    EXPECT_FALSE(jar.Verify(cookie, MakeChildCheckSpi(CheckSpiSubtype::Nack, 0xabcdef02), kSpiI,
                            kSpiR, kAlice, kBob, t));
    EXPECT_FALSE(jar.Verify(cookie, MakeIkeCheckSpi(CheckSpiSubtype::Nack), kSpiI, kSpiR, kAlice,
                            kBob, t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiI ^ 1, kSpiR, kAlice, kBob, t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiI, kSpiR ^ 1, kAlice, kBob, t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiR, kSpiI, kAlice, kBob, t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiI, kSpiR, kBob, kAlice, t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiI, kSpiR, Addr("198.51.100.2", 500), kBob, t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiI, kSpiR, kAlice, Addr("203.0.113.8", 500), t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiI, kSpiR, Addr("198.51.100.1", 4500), kBob, t));
    EXPECT_FALSE(jar.Verify(cookie, child, kSpiI, kSpiR, kAlice, Addr("203.0.113.7", 4500), t));

    // The IKE form under other header SPIs.
    CheckSpi ike = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    Bytes ikeCookie = jar.Make(ike, kSpiI, kSpiR, kAlice, kBob, t);
    EXPECT_TRUE(jar.Verify(ikeCookie, ike, kSpiI, kSpiR, kAlice, kBob, t));
    EXPECT_FALSE(jar.Verify(ikeCookie, ike, kSpiI + 1, kSpiR, kAlice, kBob, t));
    EXPECT_NE(ikeCookie, cookie);
}

TEST(SirCookie, ExplicitNackInIkeSaInitVerifiesTheHeaderFormQuery)
{
    // Draft 3.5: Alice queried under HDR(A,B); Bob, a mandatory initiator, answers with a NACK
    // naming (A,B) inside IKE_SA_INIT(A',0).
    Drbg drbg(11, "sir-cookie");
    SirCookieJar jar(drbg, seconds(60));
    Time t = seconds(2);
    Bytes cookie =
        jar.Make(MakeIkeCheckSpi(CheckSpiSubtype::Query), kSpiI, kSpiR, kAlice, kBob, t);
    const uint64_t newSpiI = 0x9999aaaabbbbccccULL;
    CheckSpi nack = MakeExplicitIkeCheckSpi(CheckSpiSubtype::Nack, kSpiI, kSpiR, cookie);
    EXPECT_TRUE(jar.Verify(cookie, nack, newSpiI, 0, kAlice, kBob, t));
    CheckSpi other = MakeExplicitIkeCheckSpi(CheckSpiSubtype::Nack, kSpiI, kSpiR + 1, cookie);
    EXPECT_FALSE(jar.Verify(cookie, other, newSpiI, 0, kAlice, kBob, t));
    // And the other way round: an explicit-form query, a header-form echo under (A,B).
    Bytes c2 = jar.Make(MakeExplicitIkeCheckSpi(CheckSpiSubtype::Query, kSpiI, kSpiR), 0, 0,
                        kAlice, kBob, t);
    EXPECT_EQ(c2, cookie);
}

TEST(SirCookie, LoneCookieIsSeparateFromQueryCookies)
{
    Drbg drbg(4, "sir-cookie");
    SirCookieJar jar(drbg, seconds(60));
    Time t = seconds(1);
    Bytes lone = jar.MakeLone(kBob, kAlice, t);
    EXPECT_TRUE(jar.VerifyLone(lone, kBob, kAlice, t + seconds(2)));
    EXPECT_FALSE(jar.VerifyLone(lone, kAlice, kBob, t));
    EXPECT_FALSE(jar.VerifyLone(lone, kBob, Addr("198.51.100.1", 4500), t));

    CheckSpi ike = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    Bytes query = jar.Make(ike, 0, 0, kBob, kAlice, t);
    EXPECT_FALSE(jar.VerifyLone(query, kBob, kAlice, t));
    EXPECT_FALSE(jar.Verify(lone, ike, 0, 0, kBob, kAlice, t));
}

TEST(SirCookie, NothingVerifiesBeforeTheFirstCookie)
{
    Drbg drbg(5, "sir-cookie");
    SirCookieJar jar(drbg, seconds(60));
    CheckSpi ike = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    // Version 0 is the first secret's; without Make() nothing is outstanding.
    Bytes guess(SirCookieJar::kCookieLength, 0);
    EXPECT_FALSE(jar.Verify(guess, ike, kSpiI, kSpiR, kAlice, kBob, seconds(1)));
}

TEST(SirCookie, RotationAcceptsThePreviousGenerationThenExpiresIt)
{
    Drbg drbg(6, "sir-cookie");
    const Time life = seconds(60);
    SirCookieJar jar(drbg, life);
    CheckSpi q = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    auto verify = [&](const Bytes& c, Time now) {
        return jar.Verify(c, q, kSpiI, kSpiR, kAlice, kBob, now);
    };

    Bytes c0 = jar.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(0));
    jar.Rotate(seconds(30));
    Bytes c1 = jar.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(31));
    EXPECT_NE(c0[0], c1[0]) << "new version octet";
    EXPECT_TRUE(verify(c0, seconds(31)));
    EXPECT_TRUE(verify(c0, seconds(89)));
    EXPECT_FALSE(verify(c0, seconds(90))) << "previous secret outlived its lifetime";
    EXPECT_TRUE(verify(c1, seconds(90)));

    // A second rotation forgets the first secret at once: only two are kept.
    Bytes c1b = jar.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(40));
    jar.Rotate(seconds(41));
    EXPECT_TRUE(verify(c1b, seconds(42)));
    jar.Rotate(seconds(42));
    EXPECT_FALSE(verify(c1b, seconds(43)));
}

TEST(SirCookie, LazyRotationGivesEveryCookieOneToTwoLifetimes)
{
    Drbg drbg(7, "sir-cookie");
    const Time life = seconds(60);
    SirCookieJar jar(drbg, life);
    CheckSpi q = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    auto verify = [&](const Bytes& c, Time now) {
        return jar.Verify(c, q, kSpiI, kSpiR, kAlice, kBob, now);
    };

    Bytes early = jar.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(0));
    Bytes late = jar.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(59));
    EXPECT_EQ(early[0], late[0]);
    // No Make since: the current secret still counts as retired at 60 s at the latest.
    EXPECT_TRUE(verify(early, seconds(100)));
    EXPECT_TRUE(verify(late, seconds(118)));
    EXPECT_FALSE(verify(early, seconds(120)));

    // A Make at 70 s rotates (due since 60 s): the old secret is accepted until 120 s.
    Bytes fresh = jar.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(70));
    EXPECT_NE(fresh[0], early[0]);
    EXPECT_TRUE(verify(late, seconds(119)));
    EXPECT_FALSE(verify(late, seconds(120)));
    EXPECT_TRUE(verify(fresh, seconds(129)));
}

TEST(SirCookie, DeterministicAndConstantState)
{
    Drbg d1(8, "sir-cookie"), d2(8, "sir-cookie"), d3(9, "sir-cookie");
    SirCookieJar a(d1, seconds(60)), b(d2, seconds(60)), c(d3, seconds(60));
    CheckSpi q = MakeIkeCheckSpi(CheckSpiSubtype::Query);
    Bytes ca = a.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(1));
    EXPECT_EQ(ca, b.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(1)));
    EXPECT_NE(ca, c.Make(q, kSpiI, kSpiR, kAlice, kBob, seconds(1)));

    const size_t before = a.StateBytes();
    for (uint32_t i = 0; i < 10000; ++i)
    {
        SocketAddress peer;
        peer.ip.value = 0x0a000000 + i;
        peer.port = 500;
        a.Make(q, i, i + 1, kAlice, peer, seconds(1) + std::chrono::milliseconds(i));
    }
    EXPECT_EQ(a.StateBytes(), before);
    EXPECT_LE(before, 128u);
}

TEST(SirVendorId, IsTheAsciiString)
{
    Bytes vid = SirVendorId();
    EXPECT_EQ(std::string(vid.begin(), vid.end()), "SECURE IKE RECOVERY");
    EXPECT_EQ(vid.size(), 19u);
    EXPECT_TRUE(IsSirVendorId(vid));
    Bytes withNul = vid;
    withNul.push_back(0);
    EXPECT_FALSE(IsSirVendorId(withNul));
    EXPECT_FALSE(IsSirVendorId(Bytes(vid.begin(), vid.end() - 1)));
    EXPECT_FALSE(IsSirVendorId(Bytes{}));
}

TEST(CheckSpiCodec, RandomInputsDecodeOnlyToCanonicalForms)
{
    // Deterministic random notifies: whatever decodes re-encodes to a notify that decodes to the
    // same value, and the decoded form is one of the three valid shapes.
    Drbg rng(12, "check-spi-random");
    size_t accepted = 0;
    for (int i = 0; i < 20000; ++i)
    {
        const uint8_t proto = static_cast<uint8_t>(rng.NextBelow(5));
        const size_t spiSizes[] = {0, 4, 8, 16, 3};
        Bytes spi = rng.Generate(spiSizes[rng.NextBelow(5)]);
        Bytes data = rng.Generate(rng.NextBelow(24));
        if (data.size() >= 2 && rng.NextBelow(2))
        {
            data[0] = static_cast<uint8_t>(rng.NextBelow(5));
            data[1] = static_cast<uint8_t>(data.size() >= 4 ? data.size() - 4 : 0);
        }
        CheckSpi out;
        std::string error;
        if (!DecodeCheckSpi(RawNotify(proto, spi, data), out, error))
        {
            EXPECT_FALSE(error.empty());
            continue;
        }
        ++accepted;
        EXPECT_TRUE((out.protocolId == 0 && out.spi.empty()) ||
                    (out.protocolId == 1 && out.spi.size() == 16) ||
                    (out.protocolId == 3 && out.spi.size() == 4));
        EXPECT_LE(out.cookie.size(), kCheckSpiMaxCookie);
        CheckSpi again;
        ASSERT_TRUE(DecodeCheckSpi(EncodeCheckSpi(out), again, error)) << error;
        EXPECT_EQ(again, out);
    }
    EXPECT_GT(accepted, 100u) << "the generator should hit valid forms too";
}

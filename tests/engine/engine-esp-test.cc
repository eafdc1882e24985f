// The ESP data plane at the endpoint level and messages outside any IKE SA: inner packets both
// ways, replay and tamper detection, INVALID_SPI and INVALID_IKE_SPI emission with their rate
// limits, unknown responses never answered.
#include "engine-test-util.h"
#include "ike-constants.h"
#include "ike-message.h"
#include "ipv4-packet.h"

#include <gtest/gtest.h>

namespace ikev2
{
namespace test
{
namespace
{

/// The first ESP datagram Alice put on the wire.
const WireRecord*
FirstEsp(const VirtualWire& w, size_t from)
{
    for (const auto& r : w.Wire())
    {
        if (r.from == from && r.datagram.transport == Transport::EspIp)
        {
            return &r;
        }
    }
    return nullptr;
}

Datagram
Received(const WireRecord& r)
{
    Datagram d = r.datagram;
    std::swap(d.local, d.remote);
    return d;
}

TEST(EngineEsp, InnerPacketsFlowBothWays)
{
    Pair p;
    for (int i = 0; i < 20; ++i)
    {
        p.wire.SendInner(p.alice, Sec(1) + Ms(10 * i), Pair::AliceToBob(i));
        p.wire.SendInner(p.bob, Sec(1) + Ms(10 * i), Pair::BobToAlice(i));
    }
    p.wire.RunUntil(Sec(2));
    ASSERT_EQ(p.wire.Delivered(p.bob).size(), 20u);
    ASSERT_EQ(p.wire.Delivered(p.alice).size(), 20u);
    EXPECT_EQ(p.wire.Delivered(p.bob)[7], Pair::AliceToBob(7));
    EXPECT_EQ(p.wire.Node(p.alice).Counters().espPacketsOut, 20u);
    EXPECT_EQ(p.wire.Node(p.bob).Counters().espPacketsIn, 20u);
    auto a = p.wire.Node(p.alice).IkeSas()[0].children[0];
    EXPECT_EQ(a.packetsOut, 20u);
    EXPECT_EQ(a.packetsIn, 20u);
}

TEST(EngineEsp, ReplayedPacketIsDroppedAndCounted)
{
    Pair p;
    p.wire.SendInner(p.alice, Sec(1), Pair::AliceToBob());
    p.wire.RunUntil(Sec(2));
    const WireRecord* esp = FirstEsp(p.wire, p.alice);
    ASSERT_NE(esp, nullptr);
    p.wire.Inject(p.bob, Sec(3), Received(*esp));
    p.wire.RunUntil(Sec(4));
    EXPECT_EQ(p.wire.Delivered(p.bob).size(), 1u);
    EXPECT_EQ(p.wire.Node(p.bob).Counters().espReplay, 1u);
    EXPECT_EQ(p.wire.Count(p.bob, EventType::EspReplay), 1u);
}

TEST(EngineEsp, TamperedPacketFailsIntegrity)
{
    Pair p;
    p.wire.SendInner(p.alice, Sec(1), Pair::AliceToBob());
    // Hold the packet back, flip one ciphertext bit and deliver that instead.
    p.wire.SetDropFilter([&](const WireRecord& r) {
        return r.from == p.alice && r.datagram.transport == Transport::EspIp;
    });
    p.wire.RunUntil(Sec(2));
    const WireRecord* esp = FirstEsp(p.wire, p.alice);
    ASSERT_NE(esp, nullptr);
    Datagram d = Received(*esp);
    d.data[20] ^= 0x01;
    p.wire.Inject(p.bob, Sec(3), d);
    p.wire.RunUntil(Sec(4));
    EXPECT_TRUE(p.wire.Delivered(p.bob).empty());
    EXPECT_EQ(p.wire.Node(p.bob).Counters().espIntegrityFailed, 1u);
    // The genuine packet still passes afterwards: the window was not advanced by the forgery.
    p.wire.Inject(p.bob, Sec(5), Received(*esp));
    p.wire.RunUntil(Sec(6));
    EXPECT_EQ(p.wire.Delivered(p.bob).size(), 1u);
}

TEST(EngineEsp, UnknownSpiFromAStrangerGetsUnprotectedInvalidSpi)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    Datagram d;
    d.transport = Transport::EspIp;
    d.local = Sock("10.0.0.2", 0);
    d.remote = Sock("10.0.0.9", 0);
    d.data = {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1};
    d.data.resize(80, 0x55);
    p.wire.Inject(p.bob, Sec(2), d);
    p.wire.RunUntil(Sec(3));
    EXPECT_EQ(p.wire.Node(p.bob).Counters().espNoSa, 1u);
    const WireRecord& reply = p.wire.Wire().back();
    ASSERT_EQ(reply.from, p.bob);
    EXPECT_EQ(reply.datagram.remote.ip, Ip("10.0.0.9"));
    EXPECT_EQ(reply.datagram.remote.port, 500);
    auto m = DecodeMessage(reply.datagram.data);
    ASSERT_TRUE(m.Ok());
    EXPECT_EQ(m.Value().header.spiI, 0u);
    EXPECT_EQ(m.Value().header.spiR, 0u);
    EXPECT_EQ(m.Value().header.exchangeType, uint8_t(ExchangeType::Informational));
    EXPECT_EQ(m.Value().header.flags, kFlagInitiator);
    const NotifyPayload* n = m.Value().FindNotify(notify::kInvalidSpi);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->data, (Bytes{0x12, 0x34, 0x56, 0x78}));
    EXPECT_EQ(n->protocolId, 0);
    EXPECT_EQ(p.wire.Node(p.bob).Counters().unprotectedOut, 1u);
}

TEST(EngineEsp, UnknownSpiFromAPeerWithAnIkeSaGetsProtectedInvalidSpi)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    ASSERT_TRUE(p.Established());
    Datagram d;
    d.transport = Transport::EspIp;
    d.local = Sock("10.0.0.2", 0);
    d.remote = Sock("10.0.0.1", 0);
    d.data = {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1};
    d.data.resize(80, 0x55);
    p.wire.Inject(p.bob, Sec(2), d);
    p.wire.RunUntil(Sec(3));
    bool protectedInvalidSpi = false;
    for (const auto& e : p.wire.EventsOf(p.alice, EventType::NotifyReceived))
    {
        protectedInvalidSpi |= e.notifyType == notify::kInvalidSpi && e.protectedMsg;
    }
    EXPECT_TRUE(protectedInvalidSpi);
    EXPECT_TRUE(p.Established()); // naming no Child SA of Alice's, it changes nothing
}

TEST(EngineEsp, InvalidSpiRepliesAreRateLimitedPerSource)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    for (int i = 0; i < 100; ++i)
    {
        Datagram d;
        d.transport = Transport::EspIp;
        d.local = Sock("10.0.0.2", 0);
        d.remote = Sock("10.0.0.9", 0);
        d.data = {0x12, 0x34, 0x56, uint8_t(i), 0, 0, 0, 1};
        d.data.resize(80, 0x55);
        p.wire.Inject(p.bob, Sec(2) + Ms(i), d); // 100 packets in 0.1 s
    }
    p.wire.RunUntil(Sec(3));
    const auto& c = p.wire.Node(p.bob).Counters();
    EXPECT_EQ(c.espNoSa, 100u);
    // The burst of 10; 0.099 s at 10/s refills less than one more token.
    EXPECT_EQ(c.unprotectedOut, 10u);
    EXPECT_EQ(c.rateLimited, 90u);
    // A second later the bucket has refilled.
    Datagram d;
    d.transport = Transport::EspIp;
    d.local = Sock("10.0.0.2", 0);
    d.remote = Sock("10.0.0.9", 0);
    d.data = {0x12, 0x34, 0x56, 0xff, 0, 0, 0, 1};
    d.data.resize(80, 0x55);
    p.wire.Inject(p.bob, Sec(4), d);
    p.wire.RunUntil(Sec(5));
    EXPECT_EQ(c.unprotectedOut, 11u);
}

Datagram
FakeProtectedRequest(uint64_t spiI, uint64_t spiR, uint32_t messageId, const std::string& from)
{
    IkeMessage m;
    m.header.spiI = spiI;
    m.header.spiR = spiR;
    m.header.exchangeType = uint8_t(ExchangeType::Informational);
    m.header.flags = kFlagInitiator;
    m.header.messageId = messageId;
    Payload sk;
    sk.type = uint8_t(PayloadType::Sk);
    sk.body = SkPayload{0, Bytes(40, 0x77)};
    m.payloads.push_back(sk);
    Datagram d;
    d.local = Sock("10.0.0.2");
    d.remote = Sock(from);
    d.data = EncodeMessage(m);
    return d;
}

TEST(EngineEsp, ProtectedRequestForUnknownIkeSaGetsInvalidIkeSpiResponse)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    p.wire.Inject(p.bob, Sec(2), FakeProtectedRequest(0x1111, 0x2222, 7, "10.0.0.9"));
    p.wire.RunUntil(Sec(3));
    const WireRecord& reply = p.wire.Wire().back();
    ASSERT_EQ(reply.from, p.bob);
    auto m = DecodeMessage(reply.datagram.data);
    ASSERT_TRUE(m.Ok());
    const IkeHeader& h = m.Value().header;
    EXPECT_EQ(h.spiI, 0x1111u);
    EXPECT_EQ(h.spiR, 0x2222u);
    EXPECT_EQ(h.messageId, 7u);
    EXPECT_EQ(h.exchangeType, uint8_t(ExchangeType::Informational));
    EXPECT_TRUE(h.IsResponse());
    EXPECT_FALSE(h.IsInitiator());
    ASSERT_EQ(m.Value().payloads.size(), 1u);
    EXPECT_NE(m.Value().FindNotify(notify::kInvalidIkeSpi), nullptr);
}

TEST(EngineEsp, InvalidIkeSpiRepliesAreRateLimitedAndResponsesNeverAnswered)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    const size_t before = p.wire.Wire().size();
    for (int i = 0; i < 50; ++i)
    {
        p.wire.Inject(p.bob,
                      Sec(2) + Ms(i),
                      FakeProtectedRequest(0x1111 + i, 0x2222, 7, "10.0.0.9"));
    }
    // A response with unknown SPIs is never answered.
    Datagram resp = FakeProtectedRequest(0x5555, 0x6666, 3, "10.0.0.8");
    resp.data[19] |= kFlagResponse;
    p.wire.Inject(p.bob, Sec(2), resp);
    p.wire.RunUntil(Sec(3));
    size_t replies = 0;
    for (size_t i = before; i < p.wire.Wire().size(); ++i)
    {
        replies += p.wire.Wire()[i].from == p.bob;
        EXPECT_NE(p.wire.Wire()[i].datagram.remote.ip, Ip("10.0.0.8"));
    }
    EXPECT_EQ(replies, 10u);
    EXPECT_EQ(p.wire.Node(p.bob).Counters().rateLimited, 40u);
}

TEST(EngineEsp, MalformedIkeIsDroppedAndCounted)
{
    Pair p;
    p.wire.RunUntil(Sec(1));
    Datagram d;
    d.local = Sock("10.0.0.2");
    d.remote = Sock("10.0.0.1");
    d.data = Bytes(27, 0);
    p.wire.Inject(p.bob, Sec(2), d);
    d.data = FakeProtectedRequest(1, 2, 3, "10.0.0.1").data;
    d.data.pop_back(); // length field no longer matches
    p.wire.Inject(p.bob, Sec(2), d);
    p.wire.RunUntil(Sec(3));
    EXPECT_EQ(p.wire.Node(p.bob).Counters().malformedDropped, 2u);
    EXPECT_TRUE(p.Established());
}

} // namespace
} // namespace test
} // namespace ikev2

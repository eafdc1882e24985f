// Small engine parts on their own: rate limiter, cookie jar, traffic selectors, configuration
// helpers.
#include "cookie.h"
#include "engine-config.h"
#include "engine-events.h"
#include "token-bucket.h"
#include "traffic-selector.h"

#include <gtest/gtest.h>

#include <set>

namespace ikev2
{
namespace
{

Time
S(double s)
{
    return FromSeconds(s);
}

TEST(EngineUnits, RateLimiterBurstAndRefill)
{
    U64RateLimiter r(2, 3);
    EXPECT_TRUE(r.Allow(1, S(0)));
    EXPECT_TRUE(r.Allow(1, S(0)));
    EXPECT_TRUE(r.Allow(1, S(0)));
    EXPECT_FALSE(r.Allow(1, S(0)));
    EXPECT_TRUE(r.Allow(2, S(0))); // another key has its own bucket
    EXPECT_FALSE(r.Allow(1, S(0.4)));
    EXPECT_TRUE(r.Allow(1, S(0.5)));
    EXPECT_FALSE(r.Allow(1, S(0.5)));
    EXPECT_TRUE(r.Allow(1, S(100)));
    U64RateLimiter off(0, 1);
    for (int i = 0; i < 100; ++i)
    {
        EXPECT_TRUE(off.Allow(1, S(0)));
    }
}

TEST(EngineUnits, RateLimiterStateStaysBoundedUnderAFloodOfSources)
{
    // Spoofed sources all at once: nothing refills, only the LRU bound holds the table.
    U64RateLimiter r(10, 10);
    for (uint64_t k = 0; k < 20000; ++k)
    {
        r.Allow(k, S(0));
    }
    EXPECT_EQ(r.Size(), U64RateLimiter::kDefaultCapacity);
}

TEST(EngineUnits, CookieVerifiesOnlyItsOwnInputsAndSurvivesOneRotation)
{
    CookieJar jar;
    Drbg rng(1, "cookie");
    Ipv4Address a;
    a.value = 0x0a000001;
    Ipv4Address b;
    b.value = 0x0a000002;
    Bytes ni(32, 7);
    Bytes c = jar.Make(S(0), rng, ni, a, 42);
    EXPECT_TRUE(jar.Verify(c, ni, a, 42));
    EXPECT_FALSE(jar.Verify(c, ni, b, 42));
    EXPECT_FALSE(jar.Verify(c, ni, a, 43));
    EXPECT_FALSE(jar.Verify(c, Bytes(32, 8), a, 42));
    Bytes bad = c;
    bad.back() ^= 1;
    EXPECT_FALSE(jar.Verify(bad, ni, a, 42));
    EXPECT_FALSE(jar.Verify(Bytes{}, ni, a, 42));
    // After one rotation the old cookie is still good; after two it is not.
    jar.Make(S(301), rng, ni, a, 1);
    EXPECT_TRUE(jar.Verify(c, ni, a, 42));
    jar.Make(S(602), rng, ni, a, 1);
    EXPECT_FALSE(jar.Verify(c, ni, a, 42));
    EXPECT_LE(c.size(), 64u);
}

TEST(EngineUnits, TrafficSelectorNarrowingAndMatching)
{
    auto wide = FromConfig(TrafficSelectorConfig::FromCidr("10.0.0.0/8"));
    auto net = FromConfig(TrafficSelectorConfig::FromCidr("10.1.0.0/24"));
    auto r = Intersect(wide, net);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, net);
    EXPECT_FALSE(Intersect(net, FromConfig(TrafficSelectorConfig::FromCidr("10.2.0.0/24"))));
    Selector udp = wide;
    udp.protocol = 17;
    Selector tcp = wide;
    tcp.protocol = 6;
    EXPECT_FALSE(Intersect(udp, tcp));
    EXPECT_EQ(Intersect(udp, wide)->protocol, 17);
    EXPECT_TRUE(IsSubset({net}, {wide}));
    EXPECT_FALSE(IsSubset({wide}, {net}));
    EXPECT_EQ(Narrow({wide}, {net}), SelectorList{net});
    EXPECT_TRUE(Covers({net}, 0x0a010005, 17, 1234));
    EXPECT_FALSE(Covers({net}, 0x0a020005, 17, 1234));
    // Wire round trip; malformed ranges are dropped.
    TsPayload p = ToPayload({net, udp});
    EXPECT_EQ(FromPayload(p), (SelectorList{net, udp}));
    p.selectors[0].startAddress = {10, 9, 9, 9};
    p.selectors[0].endAddress = {10, 0, 0, 0};
    EXPECT_EQ(FromPayload(p).size(), 1u);
}

TEST(EngineUnits, CidrParsing)
{
    auto ts = TrafficSelectorConfig::FromCidr("192.168.7.130/25");
    EXPECT_EQ(ts.start.ToString(), "192.168.7.128");
    EXPECT_EQ(ts.end.ToString(), "192.168.7.255");
    auto host = TrafficSelectorConfig::FromCidr("10.0.0.1");
    EXPECT_EQ(host.start, host.end);
    auto all = TrafficSelectorConfig::FromCidr("0.0.0.0/0");
    EXPECT_EQ(all.end.value, 0xffffffffu);
    EXPECT_THROW(TrafficSelectorConfig::FromCidr("10.0.0.0/33"), ConfigError);
    EXPECT_THROW(TrafficSelectorConfig::FromCidr("10.0.0/8"), ConfigError);
    EXPECT_THROW(TrafficSelectorConfig::FromCidr("10.0.0.0/"), ConfigError);
}

TEST(EngineUnits, EventNamesAreDistinct)
{
    std::set<std::string> names;
    for (int t = 0; t <= static_cast<int>(EventType::InnerDropped); ++t)
    {
        names.insert(EventTypeName(static_cast<EventType>(t)));
    }
    EXPECT_EQ(names.size(), static_cast<size_t>(EventType::InnerDropped) + 1);
    EXPECT_EQ(names.count("unknown"), 0u);
}

} // namespace
} // namespace ikev2

// Token buckets: rate and burst, flood behaviour, the memory bound under a spoofed-source
// flood and the aggregate cap. Time is simulated; nothing depends on the machine's speed.
#include "token-bucket.h"

#include <gtest/gtest.h>

using namespace ikev2;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TokenBucket, BurstThenRate)
{
    TokenBucket b(10, 5);
    Time t = seconds(1);
    for (int i = 0; i < 5; ++i)
    {
        EXPECT_TRUE(b.Take(t)) << i;
    }
    EXPECT_FALSE(b.Take(t));
    EXPECT_FALSE(b.Take(t + milliseconds(99)));
    EXPECT_TRUE(b.Take(t + milliseconds(100)));
    EXPECT_FALSE(b.Take(t + milliseconds(100)));
    // A long idle period refills to the burst only.
    Time later = t + seconds(100);
    EXPECT_NEAR(b.Available(later), 5.0, 1e-9);
    int allowed = 0;
    for (int i = 0; i < 50; ++i)
    {
        allowed += b.Take(later);
    }
    EXPECT_EQ(allowed, 5);
}

TEST(TokenBucket, TimeGoingBackwardsRefillsNothing)
{
    TokenBucket b(1, 1);
    EXPECT_TRUE(b.Take(seconds(10)));
    EXPECT_FALSE(b.Take(seconds(5)));
    EXPECT_FALSE(b.Take(seconds(10)));
    EXPECT_TRUE(b.Take(seconds(11)));
}

TEST(TokenBucket, DisabledAllowsEverything)
{
    TokenBucket b(0, 1);
    for (int i = 0; i < 1000; ++i)
    {
        EXPECT_TRUE(b.Take(seconds(1)));
    }
}

TEST(BoundedRateLimiter, HoldsItsRateUnderAFlood)
{
    U64RateLimiter limiter(10, 5);
    // 1000 requests per second from one key for 10 s.
    int allowed = 0;
    for (int i = 0; i < 10000; ++i)
    {
        allowed += limiter.Allow(42, milliseconds(i));
    }
    // burst + rate * 10 s (the last request is at 9.999 s).
    EXPECT_LE(allowed, 5 + 100);
    EXPECT_GE(allowed, 5 + 99);
    EXPECT_EQ(limiter.Denied(), static_cast<uint64_t>(10000 - allowed));
    EXPECT_EQ(limiter.Size(), 1u);
}

TEST(BoundedRateLimiter, KeysAreIndependent)
{
    AddressRateLimiter limiter(1, 2);
    SocketAddress a, b;
    Ipv4Address::Parse("192.0.2.1", a.ip);
    Ipv4Address::Parse("192.0.2.2", b.ip);
    a.port = b.port = 500;
    SocketAddress a4500 = a;
    a4500.port = 4500;
    Time t = seconds(1);
    EXPECT_TRUE(limiter.Allow(a, t));
    EXPECT_TRUE(limiter.Allow(a, t));
    EXPECT_FALSE(limiter.Allow(a, t));
    EXPECT_TRUE(limiter.Allow(b, t));
    EXPECT_TRUE(limiter.Allow(a4500, t)) << "SocketAddress keys include the port";
    EXPECT_EQ(limiter.Size(), 3u);

    IpRateLimiter byIp(1, 1);
    EXPECT_TRUE(byIp.Allow(a.ip, t));
    EXPECT_FALSE(byIp.Allow(a4500.ip, t));
}

TEST(BoundedRateLimiter, SpoofedSourceFloodCannotGrowTheTable)
{
    U64RateLimiter limiter(1, 1, 128);
    const size_t bytesAtCapacity = [&] {
        for (uint64_t k = 0; k < 128; ++k)
        {
            limiter.Allow(k, seconds(0));
        }
        return limiter.StateBytes();
    }();
    for (uint64_t k = 0; k < 100000; ++k)
    {
        limiter.Allow(1000000 + k, microseconds(k));
        ASSERT_LE(limiter.Size(), 128u);
    }
    EXPECT_EQ(limiter.Size(), 128u);
    EXPECT_EQ(limiter.Evictions(), 100000u);
    EXPECT_EQ(limiter.StateBytes(), bytesAtCapacity);
}

TEST(BoundedRateLimiter, AggregateCapBoundsASpoofedFlood)
{
    U64RateLimiter limiter(1, 1, 64);
    limiter.SetAggregate(100, 10);
    // 100,000 distinct spoofed sources within one second: each would get its own full bucket,
    // the aggregate lets through at most burst + rate * 1 s.
    int allowed = 0;
    for (uint64_t k = 0; k < 100000; ++k)
    {
        allowed += limiter.Allow(k, microseconds(10 * k));
    }
    EXPECT_LE(allowed, 10 + 100);
    EXPECT_GE(allowed, 100);
    EXPECT_LE(limiter.Size(), 64u);
}

TEST(BoundedRateLimiter, RecentlyUsedKeysSurviveEviction)
{
    U64RateLimiter limiter(1, 1, 4);
    Time t = seconds(1);
    EXPECT_TRUE(limiter.Allow(7, t)); // key 7 spends its token
    for (uint64_t k = 100; k < 103; ++k)
    {
        limiter.Allow(k, t);
    }
    EXPECT_FALSE(limiter.Allow(7, t)) << "still tracked, still empty";
    for (uint64_t k = 200; k < 203; ++k)
    {
        limiter.Allow(k, t);
    }
    EXPECT_FALSE(limiter.Allow(7, t)) << "touched last, so not the one evicted";
    for (uint64_t k = 300; k < 304; ++k)
    {
        limiter.Allow(k, t);
    }
    // Four newer keys pushed 7 out: it is forgotten and starts again with a full bucket.
    EXPECT_TRUE(limiter.Allow(7, t));
}

TEST(BoundedRateLimiter, DeniedByAggregateKeepsTheKeysToken)
{
    U64RateLimiter limiter(1, 1);
    limiter.SetAggregate(1, 1);
    Time t = seconds(1);
    EXPECT_TRUE(limiter.Allow(1, t));
    EXPECT_FALSE(limiter.Allow(2, t)); // aggregate empty
    EXPECT_TRUE(limiter.Allow(2, t + seconds(1))) << "key 2 did not lose its token";
}

TEST(BoundedRateLimiter, DisabledTracksNothing)
{
    U64RateLimiter limiter(0, 1);
    for (uint64_t k = 0; k < 1000; ++k)
    {
        EXPECT_TRUE(limiter.Allow(k, seconds(1)));
    }
    EXPECT_EQ(limiter.Size(), 0u);
}

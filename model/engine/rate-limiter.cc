#include "rate-limiter.h"

#include <algorithm>

namespace ikev2
{

namespace
{
constexpr size_t kPruneThreshold = 4096;
} // namespace

RateLimiter::RateLimiter(double perSecond, double burst)
    : m_rate(perSecond),
      m_burst(std::max(1.0, burst))
{
}

bool
RateLimiter::Allow(uint64_t key, Time now)
{
    if (m_rate <= 0)
    {
        return true;
    }
    auto it = m_buckets.find(key);
    if (it == m_buckets.end())
    {
        if (m_buckets.size() >= kPruneThreshold)
        {
            Prune(now);
        }
        it = m_buckets.emplace(key, Bucket{m_burst, now}).first;
    }
    Bucket& b = it->second;
    if (now > b.last)
    {
        b.tokens = std::min(m_burst, b.tokens + ToSeconds(now - b.last) * m_rate);
        b.last = now;
    }
    if (b.tokens >= 1.0)
    {
        b.tokens -= 1.0;
        return true;
    }
    return false;
}

void
RateLimiter::Prune(Time now)
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();)
    {
        double refilled = it->second.tokens + ToSeconds(now - it->second.last) * m_rate;
        if (refilled >= m_burst)
        {
            it = m_buckets.erase(it);
        }
        else
        {
            ++it;
        }
    }
}

size_t
RateLimiter::StateBytes() const
{
    // A red-black tree node: three pointers and a colour besides the value.
    return m_buckets.size() * (sizeof(uint64_t) + sizeof(Bucket) + 4 * sizeof(void*));
}

} // namespace ikev2

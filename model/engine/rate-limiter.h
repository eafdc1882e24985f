// Token buckets keyed by an integer (a peer address, an SA handle): the rate limits RFC 7296
// 2.21.4 asks for on replies to, and actions on, unprotected messages.
#ifndef IKEV2_RATE_LIMITER_H
#define IKEV2_RATE_LIMITER_H

#include "engine-types.h"

#include <cstddef>
#include <cstdint>
#include <map>

namespace ikev2
{

class RateLimiter
{
  public:
    /// @param perSecond sustained rate; @param burst bucket depth (at least 1 token).
    /// A rate <= 0 disables the limit (everything is allowed).
    explicit RateLimiter(double perSecond = 1, double burst = 1);

    /// Takes one token from @p key's bucket if there is one.
    bool Allow(uint64_t key, Time now);
    void Clear() { m_buckets.clear(); }
    size_t Size() const { return m_buckets.size(); }
    size_t StateBytes() const;

  private:
    struct Bucket
    {
        double tokens{0};
        Time last{0};
    };
    /// Drops full buckets (those idle long enough to have refilled) when the map grows, so
    /// that a flood from many sources cannot grow it without bound.
    void Prune(Time now);

    double m_rate;
    double m_burst;
    std::map<uint64_t, Bucket> m_buckets;
};

/// The key of a rate-limiter bucket for an address (port ignored).
inline uint64_t
AddressKey(const SocketAddress& a)
{
    return a.ip.value;
}

} // namespace ikev2

#endif

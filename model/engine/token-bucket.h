// Token buckets for unauthenticated input and output (RFC 7296 2.21.4, RFC 6290 8.1, SIR
// section 4), with memory bounded whatever an attacker sends.
//
// BoundedRateLimiter keeps one bucket per key (a source address, an SPI) in a table of fixed
// capacity, least recently used entry evicted first, so that a flood from spoofed sources costs
// at most `capacity` entries. Eviction forgets a bucket, and a forgotten key starts again with a
// full bucket; the optional aggregate bucket bounds what all keys together get, which is the
// bound that holds under a spoofed-source flood.
//
// This is the engine's only rate limiter (endpoint replies, hint checks, QCD and SIR).
#ifndef IKEV2_TOKEN_BUCKET_H
#define IKEV2_TOKEN_BUCKET_H

#include "engine-types.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <map>

namespace ikev2
{

/// One bucket: `burst` tokens deep, refilled at `rate` per second, starting full. A rate <= 0
/// disables it (everything allowed). Time going backwards refills nothing.
class TokenBucket
{
  public:
    TokenBucket(double ratePerSecond, double burst);

    /// Takes @p cost tokens if there are that many.
    bool Take(Time now, double cost = 1.0);
    /// Tokens available at @p now (without taking any).
    double Available(Time now) const;
    bool Enabled() const { return m_rate > 0; }
    double Rate() const { return m_rate; }
    double Burst() const { return m_burst; }

    /// The refill rule shared with BoundedRateLimiter's entries.
    static double Refill(double tokens, Time last, Time now, double rate, double burst);

  private:
    double m_rate;
    double m_burst;
    double m_tokens;
    Time m_last{0};
    bool m_started{false};
};

/// Per-key token buckets in a bounded LRU table. @p Key needs operator< (SocketAddress,
/// Ipv4Address, uint64_t).
template <typename Key>
class BoundedRateLimiter
{
  public:
    static constexpr size_t kDefaultCapacity = 4096;

    /// @param ratePerSecond sustained rate per key (<= 0: no limit, nothing tracked);
    /// @param burst bucket depth (at least 1); @param capacity most keys tracked (at least 1).
    BoundedRateLimiter(double ratePerSecond, double burst, size_t capacity = kDefaultCapacity)
        : m_rate(ratePerSecond),
          m_burst(burst < 1.0 ? 1.0 : burst),
          m_capacity(capacity == 0 ? 1 : capacity)
    {
    }

    /// Caps what all keys together are allowed (<= 0: no aggregate cap, the default).
    void SetAggregate(double ratePerSecond, double burst)
    {
        m_aggregate = TokenBucket(ratePerSecond, burst < 1.0 ? 1.0 : burst);
    }

    /// True (and one token taken from the key's bucket and the aggregate one) when both have
    /// a token; false otherwise, nothing taken.
    bool Allow(const Key& key, Time now)
    {
        if (m_rate <= 0)
        {
            return TakeAggregate(now);
        }
        Entry& e = Touch(key, now);
        e.tokens = TokenBucket::Refill(e.tokens, e.last, now, m_rate, m_burst);
        if (now > e.last)
        {
            e.last = now;
        }
        if (e.tokens < 1.0)
        {
            ++m_denied;
            return false;
        }
        if (!TakeAggregate(now))
        {
            return false; // counted there; the key keeps its token
        }
        e.tokens -= 1.0;
        return true;
    }

    /// Keys currently tracked (never more than Capacity()).
    size_t Size() const { return m_index.size(); }
    size_t Capacity() const { return m_capacity; }
    uint64_t Evictions() const { return m_evictions; }
    uint64_t Denied() const { return m_denied; }
    void Clear()
    {
        m_index.clear();
        m_lru.clear();
    }
    /// Approximate heap octets: a list node and a map node per key.
    size_t StateBytes() const
    {
        return m_index.size() * (sizeof(Entry) + 2 * sizeof(void*) + sizeof(Key) +
                                 sizeof(typename List::iterator) + 4 * sizeof(void*)) +
               sizeof(*this);
    }

  private:
    struct Entry
    {
        Key key;
        double tokens;
        Time last;
    };
    using List = std::list<Entry>;

    /// The key's entry, moved to the front; created full (evicting the least recently used
    /// one when the table is full).
    Entry& Touch(const Key& key, Time now)
    {
        auto it = m_index.find(key);
        if (it != m_index.end())
        {
            m_lru.splice(m_lru.begin(), m_lru, it->second);
            return *it->second;
        }
        if (m_index.size() >= m_capacity)
        {
            m_index.erase(m_lru.back().key);
            m_lru.pop_back();
            ++m_evictions;
        }
        m_lru.push_front(Entry{key, m_burst, now});
        m_index.emplace(key, m_lru.begin());
        return m_lru.front();
    }

    bool TakeAggregate(Time now)
    {
        if (!m_aggregate.Enabled())
        {
            return true;
        }
        if (!m_aggregate.Take(now))
        {
            ++m_denied;
            return false;
        }
        return true;
    }

    double m_rate;
    double m_burst;
    size_t m_capacity;
    TokenBucket m_aggregate{0, 1};
    List m_lru; ///< most recently used first
    std::map<Key, typename List::iterator> m_index;
    uint64_t m_evictions{0};
    uint64_t m_denied{0};
};

using AddressRateLimiter = BoundedRateLimiter<SocketAddress>;
using IpRateLimiter = BoundedRateLimiter<Ipv4Address>;
using U64RateLimiter = BoundedRateLimiter<uint64_t>;

} // namespace ikev2

#endif

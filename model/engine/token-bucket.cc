#include "token-bucket.h"

#include <algorithm>

namespace ikev2
{

TokenBucket::TokenBucket(double ratePerSecond, double burst)
    : m_rate(ratePerSecond),
      m_burst(std::max(1.0, burst)),
      m_tokens(std::max(1.0, burst))
{
}

double
TokenBucket::Refill(double tokens, Time last, Time now, double rate, double burst)
{
    if (now <= last)
    {
        return tokens;
    }
    return std::min(burst, tokens + ToSeconds(now - last) * rate);
}

double
TokenBucket::Available(Time now) const
{
    if (!m_started)
    {
        return m_tokens;
    }
    return Refill(m_tokens, m_last, now, m_rate, m_burst);
}

bool
TokenBucket::Take(Time now, double cost)
{
    if (m_rate <= 0)
    {
        return true;
    }
    m_tokens = Available(now);
    if (!m_started || now > m_last)
    {
        m_last = now;
        m_started = true;
    }
    if (m_tokens < cost)
    {
        return false;
    }
    m_tokens -= cost;
    return true;
}

} // namespace ikev2

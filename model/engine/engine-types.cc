#include "engine-types.h"

#include <cstdio>

namespace ikev2
{

bool
Ipv4Address::Parse(const std::string& dotted, Ipv4Address& out)
{
    uint32_t value = 0;
    size_t pos = 0;
    for (int octet = 0; octet < 4; ++octet)
    {
        if (octet > 0)
        {
            if (pos >= dotted.size() || dotted[pos] != '.')
            {
                return false;
            }
            ++pos;
        }
        size_t digits = 0;
        uint32_t part = 0;
        while (pos < dotted.size() && dotted[pos] >= '0' && dotted[pos] <= '9' && digits < 4)
        {
            part = part * 10 + static_cast<uint32_t>(dotted[pos] - '0');
            ++pos;
            ++digits;
        }
        if (digits == 0 || digits > 3 || part > 255)
        {
            return false;
        }
        value = (value << 8) | part;
    }
    if (pos != dotted.size())
    {
        return false;
    }
    out.value = value;
    return true;
}

std::string
Ipv4Address::ToString() const
{
    char buf[16];
    std::snprintf(buf,
                  sizeof(buf),
                  "%u.%u.%u.%u",
                  (value >> 24) & 0xff,
                  (value >> 16) & 0xff,
                  (value >> 8) & 0xff,
                  value & 0xff);
    return buf;
}

Bytes
Ipv4Address::ToBytes() const
{
    return Bytes{static_cast<uint8_t>(value >> 24),
                 static_cast<uint8_t>(value >> 16),
                 static_cast<uint8_t>(value >> 8),
                 static_cast<uint8_t>(value)};
}

std::string
SocketAddress::ToString() const
{
    return ip.ToString() + ":" + std::to_string(port);
}

} // namespace ikev2

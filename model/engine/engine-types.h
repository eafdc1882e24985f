// Time, addresses and datagrams: the vocabulary between the sans-I/O engine and its adapters
// (ns-3 in model/ns3/, real sockets in tools/).
#ifndef IKEV2_ENGINE_TYPES_H
#define IKEV2_ENGINE_TYPES_H

#include "bytes.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace ikev2
{

/// Time since an adapter-chosen epoch (simulation start, or the steady clock's zero).
using Time = std::chrono::nanoseconds;
constexpr Time kNever = Time::max();

inline double
ToSeconds(Time t)
{
    return std::chrono::duration<double>(t).count();
}

inline Time
FromSeconds(double s)
{
    return std::chrono::duration_cast<Time>(std::chrono::duration<double>(s));
}

struct Ipv4Address
{
    uint32_t value{0}; ///< host byte order
    static bool Parse(const std::string& dotted, Ipv4Address& out);
    std::string ToString() const;
    Bytes ToBytes() const; ///< 4 octets, network order
    bool operator==(const Ipv4Address& o) const { return value == o.value; }
    bool operator!=(const Ipv4Address& o) const { return value != o.value; }
    bool operator<(const Ipv4Address& o) const { return value < o.value; }
};

struct SocketAddress
{
    Ipv4Address ip;
    uint16_t port{0};
    std::string ToString() const;
    bool operator==(const SocketAddress& o) const { return ip == o.ip && port == o.port; }
    bool operator!=(const SocketAddress& o) const { return !(*this == o); }
    bool operator<(const SocketAddress& o) const
    {
        return ip < o.ip || (ip == o.ip && port < o.port);
    }
};

/// How a datagram travels between the gateways.
enum class Transport : uint8_t
{
    Udp,   ///< IKE on 500/4500, or UDP-encapsulated ESP on 4500 (RFC 3948)
    EspIp, ///< ESP directly in IP, protocol 50 (ports unused)
};

struct Datagram
{
    Transport transport{Transport::Udp};
    SocketAddress local;  ///< our address (source when sending, destination when received)
    SocketAddress remote; ///< the peer's address
    Bytes data;           ///< UDP payload (with the non-ESP marker on 4500), or the ESP packet
};

} // namespace ikev2

#endif

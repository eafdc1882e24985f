// IPv4 traffic selectors (RFC 7296 2.9, 3.13.1): conversion between configuration, wire form
// and a range form, narrowing by intersection, and the match of an inner packet.
#ifndef IKEV2_TRAFFIC_SELECTOR_H
#define IKEV2_TRAFFIC_SELECTOR_H

#include "engine-config.h"
#include "ike-message.h"
#include "ipv4-packet.h"

#include <optional>
#include <string>
#include <vector>

namespace ikev2
{

/// One IPv4 selector as ranges (host byte order). Protocol 0 = any.
struct Selector
{
    uint32_t startAddress{0};
    uint32_t endAddress{0xffffffff};
    uint8_t protocol{0};
    uint16_t startPort{0};
    uint16_t endPort{65535};

    bool operator==(const Selector& o) const
    {
        return startAddress == o.startAddress && endAddress == o.endAddress &&
               protocol == o.protocol && startPort == o.startPort && endPort == o.endPort;
    }
    std::string ToString() const;
};

using SelectorList = std::vector<Selector>;

Selector FromConfig(const TrafficSelectorConfig& c);
SelectorList FromConfig(const std::vector<TrafficSelectorConfig>& c);
TsPayload ToPayload(const SelectorList& list);
/// IPv6 selectors and malformed ranges (start > end) are skipped.
SelectorList FromPayload(const TsPayload& p);

/// The intersection of two selectors, if not empty.
std::optional<Selector> Intersect(const Selector& a, const Selector& b);
/// Every pairwise non-empty intersection (the responder's narrowing, RFC 7296 2.9).
SelectorList Narrow(const SelectorList& proposed, const SelectorList& allowed);
/// True when every selector of @p inner lies within some selector of @p outer.
bool IsSubset(const SelectorList& inner, const SelectorList& outer);

/// Does the address and port (with the packet's protocol) fall within the list?
bool Covers(const SelectorList& list, uint32_t address, uint8_t protocol, uint16_t port);
/// Outbound: source in @p local, destination in @p remote.
bool MatchesOutbound(const SelectorList& local, const SelectorList& remote, const Ipv4Info& p);
/// Inbound (after decryption): source in @p remote, destination in @p local.
bool MatchesInbound(const SelectorList& local, const SelectorList& remote, const Ipv4Info& p);

} // namespace ikev2

#endif

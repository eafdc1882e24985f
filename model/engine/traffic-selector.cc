#include "traffic-selector.h"

#include <algorithm>

namespace ikev2
{

namespace
{

Bytes
AddressBytes(uint32_t a)
{
    Ipv4Address ip;
    ip.value = a;
    return ip.ToBytes();
}

uint32_t
AddressValue(const Bytes& b)
{
    return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
}

} // namespace

std::string
Selector::ToString() const
{
    Ipv4Address s;
    Ipv4Address e;
    s.value = startAddress;
    e.value = endAddress;
    return s.ToString() + "-" + e.ToString() + "/" + std::to_string(protocol) + "/" +
           std::to_string(startPort) + "-" + std::to_string(endPort);
}

Selector
FromConfig(const TrafficSelectorConfig& c)
{
    Selector s;
    s.startAddress = c.start.value;
    s.endAddress = c.end.value;
    s.protocol = c.ipProtocol;
    s.startPort = c.startPort;
    s.endPort = c.endPort;
    return s;
}

SelectorList
FromConfig(const std::vector<TrafficSelectorConfig>& c)
{
    SelectorList out;
    for (const auto& ts : c)
    {
        out.push_back(FromConfig(ts));
    }
    return out;
}

TsPayload
ToPayload(const SelectorList& list)
{
    TsPayload p;
    for (const auto& s : list)
    {
        TrafficSelector ts;
        ts.tsType = static_cast<uint8_t>(TsType::Ipv4AddrRange);
        ts.ipProtocol = s.protocol;
        ts.startPort = s.startPort;
        ts.endPort = s.endPort;
        ts.startAddress = AddressBytes(s.startAddress);
        ts.endAddress = AddressBytes(s.endAddress);
        p.selectors.push_back(ts);
    }
    return p;
}

SelectorList
FromPayload(const TsPayload& p)
{
    SelectorList out;
    for (const auto& ts : p.selectors)
    {
        if (ts.tsType != static_cast<uint8_t>(TsType::Ipv4AddrRange) ||
            ts.startAddress.size() != 4 || ts.endAddress.size() != 4)
        {
            continue;
        }
        Selector s;
        s.startAddress = AddressValue(ts.startAddress);
        s.endAddress = AddressValue(ts.endAddress);
        s.protocol = ts.ipProtocol;
        s.startPort = ts.startPort;
        s.endPort = ts.endPort;
        if (s.startAddress > s.endAddress || s.startPort > s.endPort)
        {
            continue;
        }
        out.push_back(s);
    }
    return out;
}

std::optional<Selector>
Intersect(const Selector& a, const Selector& b)
{
    Selector r;
    if (a.protocol != 0 && b.protocol != 0 && a.protocol != b.protocol)
    {
        return std::nullopt;
    }
    r.protocol = a.protocol != 0 ? a.protocol : b.protocol;
    r.startAddress = std::max(a.startAddress, b.startAddress);
    r.endAddress = std::min(a.endAddress, b.endAddress);
    r.startPort = std::max(a.startPort, b.startPort);
    r.endPort = std::min(a.endPort, b.endPort);
    if (r.startAddress > r.endAddress || r.startPort > r.endPort)
    {
        return std::nullopt;
    }
    return r;
}

SelectorList
Narrow(const SelectorList& proposed, const SelectorList& allowed)
{
    SelectorList out;
    for (const auto& p : proposed)
    {
        for (const auto& a : allowed)
        {
            if (auto r = Intersect(p, a))
            {
                if (std::find(out.begin(), out.end(), *r) == out.end())
                {
                    out.push_back(*r);
                }
            }
        }
    }
    return out;
}

bool
IsSubset(const SelectorList& inner, const SelectorList& outer)
{
    for (const auto& i : inner)
    {
        bool inside = false;
        for (const auto& o : outer)
        {
            auto r = Intersect(i, o);
            if (r && *r == i)
            {
                inside = true;
                break;
            }
        }
        if (!inside)
        {
            return false;
        }
    }
    return true;
}

bool
Covers(const SelectorList& list, uint32_t address, uint8_t protocol, uint16_t port)
{
    for (const auto& s : list)
    {
        if (address < s.startAddress || address > s.endAddress)
        {
            continue;
        }
        if (s.protocol != 0 && s.protocol != protocol)
        {
            continue;
        }
        if (port < s.startPort || port > s.endPort)
        {
            continue;
        }
        return true;
    }
    return false;
}

bool
MatchesOutbound(const SelectorList& local, const SelectorList& remote, const Ipv4Info& p)
{
    return Covers(local, p.src.value, p.protocol, p.srcPort) &&
           Covers(remote, p.dst.value, p.protocol, p.dstPort);
}

bool
MatchesInbound(const SelectorList& local, const SelectorList& remote, const Ipv4Info& p)
{
    return Covers(remote, p.src.value, p.protocol, p.srcPort) &&
           Covers(local, p.dst.value, p.protocol, p.dstPort);
}

} // namespace ikev2

#include "virtual-wire.h"

#include "ipv4-packet.h"

#include <limits>

namespace ikev2
{
namespace test
{

VirtualWire::VirtualWire(uint64_t seed)
    : m_rng(seed)
{
}

size_t
VirtualWire::AddNode(const EndpointConfig& config, Ipv4Address address)
{
    NodeState n;
    n.store = std::make_unique<PersistentStore>();
    n.endpoint = std::make_unique<Endpoint>(config, *n.store);
    n.address = address.value != 0 ? address
                : config.peers.empty() ? Ipv4Address{}
                                       : config.peers[0].local.ip;
    m_nodes.push_back(std::move(n));
    return m_nodes.size() - 1;
}

void
VirtualWire::Schedule(Time at, std::function<void()> action)
{
    m_queue.push(Item{std::max(at, m_now), m_seq++, std::move(action)});
}

void
VirtualWire::At(Time at, std::function<void()> action)
{
    Schedule(at, std::move(action));
}

void
VirtualWire::Start(size_t node, Time at)
{
    Schedule(at, [this, node] {
        m_nodes[node].up = true;
        Output out;
        m_nodes[node].endpoint->Start(m_now, out);
        Process(node, out);
    });
}

void
VirtualWire::Crash(size_t node, Time at)
{
    Schedule(at, [this, node] {
        m_nodes[node].up = false;
        m_nodes[node].endpoint->Crash();
        m_nodes[node].armed = kNever;
    });
}

void
VirtualWire::Reboot(size_t node, Time at, Time bootTime)
{
    Crash(node, at);
    Start(node, at + bootTime);
}

void
VirtualWire::SendInner(size_t node, Time at, Bytes packet)
{
    Schedule(at, [this, node, packet] {
        if (!m_nodes[node].up)
        {
            return;
        }
        Output out;
        m_nodes[node].endpoint->SendInner(m_now, packet, out);
        Process(node, out);
    });
}

void
VirtualWire::Stream(size_t node,
                    Time from,
                    Time until,
                    Time interval,
                    Ipv4Address src,
                    Ipv4Address dst)
{
    uint16_t id = 0;
    for (Time t = from; t < until; t += interval)
    {
        Bytes payload(64, static_cast<uint8_t>(id));
        SendInner(node, t, BuildUdpIpv4(src, dst, 5000, 6000, payload, id++));
    }
}

void
VirtualWire::Call(size_t node, const std::function<void(Endpoint&, Output&)>& f)
{
    Output out;
    f(*m_nodes[node].endpoint, out);
    Process(node, out);
}

void
VirtualWire::Inject(size_t to, Time at, Datagram d)
{
    Schedule(at, [this, to, d] { Deliver(to, d); });
}

const LinkParams&
VirtualWire::Link(size_t from, size_t to) const
{
    auto it = m_links.find({from, to});
    return it == m_links.end() ? m_defaultLink : it->second;
}

size_t
VirtualWire::NodeFor(Ipv4Address a) const
{
    for (size_t i = 0; i < m_nodes.size(); ++i)
    {
        if (m_nodes[i].address == a)
        {
            return i;
        }
    }
    return std::numeric_limits<size_t>::max();
}

void
VirtualWire::Process(size_t node, Output& out)
{
    NodeState& n = m_nodes[node];
    for (auto& e : out.events)
    {
        m_events.push_back(EventRecord{node, e});
    }
    for (auto& p : out.delivered)
    {
        n.delivered.push_back(p);
        n.deliveredAt.push_back(m_now);
    }
    n.ikeKeys.insert(n.ikeKeys.end(), out.ikeKeyLines.begin(), out.ikeKeyLines.end());
    n.espKeys.insert(n.espKeys.end(), out.espKeyLines.begin(), out.espKeyLines.end());
    n.crypto.Merge(out.crypto);
    for (auto& d : out.datagrams)
    {
        WireRecord r;
        r.sent = m_now;
        r.from = node;
        r.to = NodeFor(d.remote.ip);
        r.datagram = d;
        std::uniform_real_distribution<double> u(0.0, 1.0);
        const LinkParams& link = Link(node, r.to);
        const double lossDraw = u(m_rng);
        const double dupDraw = u(m_rng);
        const double jitterDraw = u(m_rng);
        r.dropped = lossDraw < link.loss || (m_dropFilter && m_dropFilter(r));
        m_wire.push_back(r);
        if (r.dropped || r.to == std::numeric_limits<size_t>::max())
        {
            continue;
        }
        // The receiver sees the addresses from its side.
        Datagram rx = d;
        rx.local = d.remote;
        rx.remote = d.local;
        const Time arrival =
            m_now + link.delay + FromSeconds(jitterDraw * ToSeconds(link.reorderJitter));
        const size_t to = r.to;
        Schedule(arrival, [this, to, rx] { Deliver(to, rx); });
        if (dupDraw < link.duplicate)
        {
            Schedule(arrival + std::chrono::microseconds(1), [this, to, rx] { Deliver(to, rx); });
        }
    }
    out.Clear();
    ArmTimer(node);
}

void
VirtualWire::Deliver(size_t to, const Datagram& d)
{
    if (!m_nodes[to].up)
    {
        return;
    }
    Output out;
    m_nodes[to].endpoint->HandleDatagram(m_now, d, out);
    Process(to, out);
}

void
VirtualWire::ArmTimer(size_t node)
{
    NodeState& n = m_nodes[node];
    const Time deadline = n.endpoint->NextDeadline();
    if (!n.up || deadline == kNever || deadline == n.armed)
    {
        return;
    }
    n.armed = deadline;
    Schedule(deadline, [this, node, deadline] {
        NodeState& s = m_nodes[node];
        if (s.armed == deadline)
        {
            s.armed = kNever;
        }
        if (!s.up || m_now < s.endpoint->NextDeadline())
        {
            ArmTimer(node);
            return;
        }
        Output out;
        s.endpoint->HandleTimer(m_now, out);
        Process(node, out);
    });
}

void
VirtualWire::RunUntil(Time t)
{
    while (!m_queue.empty() && m_queue.top().at <= t)
    {
        Item item = m_queue.top();
        m_queue.pop();
        m_now = item.at;
        item.action();
    }
    m_now = std::max(m_now, t);
}

std::vector<Event>
VirtualWire::EventsOf(size_t node, EventType type, Time after) const
{
    std::vector<Event> out;
    for (const auto& r : m_events)
    {
        if (r.node == node && r.event.type == type && r.event.time >= after)
        {
            out.push_back(r.event);
        }
    }
    return out;
}

Time
VirtualWire::FirstDelivery(size_t node, Time after) const
{
    for (Time t : m_nodes[node].deliveredAt)
    {
        if (t >= after)
        {
            return t;
        }
    }
    return kNever;
}

std::string
VirtualWire::Dump() const
{
    std::string s;
    for (const auto& r : m_events)
    {
        s += std::to_string(ToSeconds(r.event.time)) + " node" + std::to_string(r.node) + " " +
             EventTypeName(r.event.type) + " " + r.event.peer + " " + r.event.detail +
             (r.event.notifyType ? " n=" + std::to_string(r.event.notifyType) : "") + "\n";
    }
    return s;
}

Time
VirtualWire::FirstTime(size_t node, EventType type, Time after) const
{
    for (const auto& r : m_events)
    {
        if (r.node == node && r.event.type == type && r.event.time >= after)
        {
            return r.event.time;
        }
    }
    return kNever;
}

} // namespace test
} // namespace ikev2

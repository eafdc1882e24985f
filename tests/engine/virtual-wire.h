// A virtual wire with a virtual clock for engine tests (the model: strongSwan's
// exchange_test_helper and QUICHE's simulator): N endpoints, per-link delay, loss,
// duplication and reordering from a seeded generator, crash and restart of any node, and
// delivery of every Output datagram and timer in time order. Nothing depends on wall time.
#ifndef IKEV2_TESTS_VIRTUAL_WIRE_H
#define IKEV2_TESTS_VIRTUAL_WIRE_H

#include "endpoint.h"

#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace ikev2
{
namespace test
{

struct LinkParams
{
    Time delay{std::chrono::milliseconds(10)};
    double loss{0};         ///< probability a datagram is dropped
    double duplicate{0};    ///< probability a datagram is delivered twice
    Time reorderJitter{0};  ///< extra delay uniform in [0, jitter]: reorders when > gaps
};

/// One datagram put on the wire.
struct WireRecord
{
    Time sent{0};
    size_t from{0};
    size_t to{0}; ///< SIZE_MAX when no node has the destination address
    Datagram datagram;
    bool dropped{false};
};

struct EventRecord
{
    size_t node{0};
    Event event;
};

class VirtualWire
{
  public:
    explicit VirtualWire(uint64_t seed = 1);

    /// Adds a node; its address is config.peers[0].local.ip (or @p address if given).
    size_t AddNode(const EndpointConfig& config, Ipv4Address address = {});
    Endpoint& Node(size_t i) { return *m_nodes[i].endpoint; }
    PersistentStore& Store(size_t i) { return *m_nodes[i].store; }
    bool Up(size_t i) const { return m_nodes[i].up; }

    void SetLink(const LinkParams& p) { m_defaultLink = p; }
    void SetLink(size_t from, size_t to, const LinkParams& p) { m_links[{from, to}] = p; }
    /// Return true to drop a datagram (in addition to random loss).
    void SetDropFilter(std::function<bool(const WireRecord&)> f) { m_dropFilter = std::move(f); }

    // Scheduled actions (run when the clock reaches @p at).
    void Start(size_t node, Time at);
    void Crash(size_t node, Time at);
    /// Crash then Start after @p bootTime.
    void Reboot(size_t node, Time at, Time bootTime);
    void SendInner(size_t node, Time at, Bytes packet);
    /// A constant-rate stream of inner UDP packets from @p node, [from, until).
    void Stream(size_t node, Time from, Time until, Time interval, Ipv4Address src,
                Ipv4Address dst);
    void At(Time at, std::function<void()> action);
    /// Calls into a node now with an Output that the wire then processes.
    void Call(size_t node, const std::function<void(Endpoint&, Output&)>& f);
    /// Injects a datagram as if it arrived at @p to at time @p at.
    void Inject(size_t to, Time at, Datagram d);

    void RunUntil(Time t);
    Time Now() const { return m_now; }

    const std::vector<EventRecord>& Events() const { return m_events; }
    const std::vector<WireRecord>& Wire() const { return m_wire; }
    const std::vector<Bytes>& Delivered(size_t node) const { return m_nodes[node].delivered; }
    /// When each delivered packet came out of the node.
    const std::vector<Time>& DeliveredAt(size_t node) const { return m_nodes[node].deliveredAt; }
    /// First delivery at @p node at or after @p after (kNever if none).
    Time FirstDelivery(size_t node, Time after) const;
    const std::vector<std::string>& IkeKeyLines(size_t node) const { return m_nodes[node].ikeKeys; }
    const std::vector<std::string>& EspKeyLines(size_t node) const { return m_nodes[node].espKeys; }
    const CryptoCounts& Crypto(size_t node) const { return m_nodes[node].crypto; }

    /// Events of one type at one node (optionally only after @p after).
    std::vector<Event> EventsOf(size_t node, EventType type, Time after = Time::min()) const;
    size_t Count(size_t node, EventType type) const { return EventsOf(node, type).size(); }
    /// Every event, one line each (for failure messages).
    std::string Dump() const;
    /// Time of the first such event, or kNever.
    Time FirstTime(size_t node, EventType type, Time after = Time::min()) const;

  private:
    struct NodeState
    {
        std::unique_ptr<PersistentStore> store;
        std::unique_ptr<Endpoint> endpoint;
        Ipv4Address address;
        bool up{false};
        std::vector<Bytes> delivered;
        std::vector<Time> deliveredAt;
        std::vector<std::string> ikeKeys;
        std::vector<std::string> espKeys;
        CryptoCounts crypto;
        Time armed{kNever};
    };
    struct Item
    {
        Time at;
        uint64_t seq;
        std::function<void()> action;
        bool operator>(const Item& o) const
        {
            return at > o.at || (at == o.at && seq > o.seq);
        }
    };

    void Schedule(Time at, std::function<void()> action);
    void Process(size_t node, Output& out);
    void Deliver(size_t to, const Datagram& d);
    void ArmTimer(size_t node);
    const LinkParams& Link(size_t from, size_t to) const;
    size_t NodeFor(Ipv4Address a) const;

    std::vector<NodeState> m_nodes;
    std::map<std::pair<size_t, size_t>, LinkParams> m_links;
    LinkParams m_defaultLink;
    std::function<bool(const WireRecord&)> m_dropFilter;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> m_queue;
    uint64_t m_seq{0};
    Time m_now{0};
    std::mt19937_64 m_rng;
    std::vector<EventRecord> m_events;
    std::vector<WireRecord> m_wire;
};

} // namespace test
} // namespace ikev2

#endif

// The per-call cost of a gateway that holds N established IKE SAs (each with a Child SA), as
// in the reboot-storm scenario. The engine keeps its next deadline per SA in an ordered set and
// recomputes only the SAs a call touched, so a call that concerns one SA should cost about the
// same at N = 100, 1000 and 10000 (it walked every SA before).
//
// Benchmarks (Time = per call):
//   BM_RetransmittedRequest/N: the gateway receives a retransmitted IKE_AUTH request of one
//     peer and resends its cached response (an IKE call: the SA deadlines are recomputed).
//   BM_MalformedIke/N: a truncated IKE message (counted and dropped, an event).
//   BM_TimerNothingDue/N: HandleTimer when no SA timer is due: O(1), the timer call visits only
//     the SAs whose deadline has come.
//   BM_InnerPacketWithoutSa/N: an inner packet to a protected-side address that the gateway's
//     one connection covers but no Child SA does (dropped: the connection is responder-only).
//     The lookup scans the Child SA remote-range index near the destination, so this stays
//     O(log N) with one connection for all N peers (it walked every SA before: 2.7 ms at
//     N=10000).
#include "endpoint.h"
#include "ike-constants.h"
#include "ipv4-packet.h"
#include "persistent-store.h"

#include <benchmark/benchmark.h>
#include <deque>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace ikev2
{
namespace
{

SocketAddress
PeerAddress(size_t i)
{
    SocketAddress a;
    a.ip.value = 0x0A010000u + uint32_t(i) + 1; // 10.1.0.1, 10.1.0.2, ...
    a.port = kIkePort;
    return a;
}

std::string
PeerSubnet(size_t i)
{
    return "10." + std::to_string(128 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." +
           std::to_string(i & 255) + "/32";
}

EndpointConfig
GatewayConfig()
{
    EndpointConfig g;
    g.name = "gateway";
    g.seed = 3;
    g.limits.cookieThreshold = 1000000; // peers come one at a time here
    g.livenessInterval = std::chrono::seconds(30);
    PeerConfig any;
    any.name = "any";
    Ipv4Address::Parse("10.0.0.2", any.local.ip);
    any.local.port = kIkePort;
    any.localId = "gw.example";
    any.psk = Bytes(16, 0x42);
    any.ikeProposals = { "aes128gcm16-prfsha256-x25519" };
    any.espProposals = { "aes128gcm16" };
    any.localTs = { TrafficSelectorConfig::FromCidr("10.2.0.0/24") };
    any.remoteTs = { TrafficSelectorConfig::FromCidr("10.128.0.0/9") };
    any.startAction = StartAction::None;
    g.peers.push_back(any);
    return g;
}

EndpointConfig
PeerEndpointConfig(size_t i)
{
    EndpointConfig c;
    c.name = "peer" + std::to_string(i);
    c.seed = 100 + i;
    PeerConfig p;
    p.name = "gw";
    p.local = PeerAddress(i);
    Ipv4Address::Parse("10.0.0.2", p.remote.ip);
    p.remote.port = kIkePort;
    p.localId = c.name + ".example";
    p.remoteId = "gw.example";
    p.psk = Bytes(16, 0x42);
    p.ikeProposals = { "aes128gcm16-prfsha256-x25519" };
    p.espProposals = { "aes128gcm16" };
    p.localTs = { TrafficSelectorConfig::FromCidr(PeerSubnet(i)) };
    p.remoteTs = { TrafficSelectorConfig::FromCidr("10.2.0.0/24") };
    p.startAction = StartAction::Start;
    c.peers.push_back(p);
    return c;
}

Datagram
Received(const Datagram& sent)
{
    Datagram d = sent;
    std::swap(d.local, d.remote);
    return d;
}

/// A gateway with N SAs established one peer after another (1 ms apart, so every SA has its
/// own deadlines), and peer 0's IKE_AUTH request as sent.
struct Gateway
{
    explicit Gateway(size_t n)
      : endpoint(GatewayConfig(), store)
    {
        Time now(0);
        Output out;
        endpoint.Start(now, out);
        for (size_t i = 0; i < n; ++i)
        {
            now += std::chrono::milliseconds(1);
            PersistentStore peerStore;
            Endpoint peer(PeerEndpointConfig(i), peerStore);
            Output po;
            peer.Start(now, po);
            size_t sent = 0;
            while (!po.datagrams.empty())
            {
                Output go;
                for (const Datagram& d : po.datagrams)
                {
                    if (i == 0 && ++sent == 2)
                    {
                        authRequest = Received(d);
                    }
                    endpoint.HandleDatagram(now, Received(d), go);
                }
                po.Clear();
                for (const Datagram& d : go.datagrams)
                {
                    peer.HandleDatagram(now, Received(d), po);
                }
            }
        }
        if (endpoint.IkeSas().size() != n || authRequest.data.empty())
        {
            throw std::runtime_error("gateway setup did not establish every SA");
        }
        this->now = now;
    }
    PersistentStore store;
    Endpoint endpoint;
    Datagram authRequest;
    Time now{ 0 };
};

Gateway&
GatewayOf(size_t n)
{
    static std::map<size_t, std::unique_ptr<Gateway>> cache;
    auto& g = cache[n];
    if (!g)
    {
        g = std::make_unique<Gateway>(n);
    }
    return *g;
}

void
BM_RetransmittedRequest(benchmark::State& state)
{
    Gateway& g = GatewayOf(size_t(state.range(0)));
    Output out;
    for (auto _ : state)
    {
        out.Clear();
        g.endpoint.HandleDatagram(g.now, g.authRequest, out);
        if (out.datagrams.size() != 1)
        {
            state.SkipWithError("the retransmit was not answered");
            break;
        }
    }
}

void
BM_MalformedIke(benchmark::State& state)
{
    Gateway& g = GatewayOf(size_t(state.range(0)));
    Datagram bad = g.authRequest;
    bad.data.resize(20); // shorter than an IKE header
    Output out;
    for (auto _ : state)
    {
        out.Clear();
        g.endpoint.HandleDatagram(g.now, bad, out);
    }
}

void
BM_TimerNothingDue(benchmark::State& state)
{
    Gateway& g = GatewayOf(size_t(state.range(0)));
    Output out;
    for (auto _ : state)
    {
        out.Clear();
        g.endpoint.HandleTimer(g.now, out);
        if (!out.datagrams.empty())
        {
            state.SkipWithError("a timer was due");
            break;
        }
    }
}

BENCHMARK(BM_RetransmittedRequest)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MalformedIke)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
void
BM_InnerPacketWithoutSa(benchmark::State& state)
{
    Gateway& g = GatewayOf(size_t(state.range(0)));
    // 10.2.0.1 -> 10.200.0.1: inside the connection's 10.128.0.0/9, no peer's /32.
    Ipv4Address src;
    Ipv4Address dst;
    Ipv4Address::Parse("10.2.0.1", src);
    Ipv4Address::Parse("10.200.0.1", dst);
    const Bytes packet = BuildUdpIpv4(src, dst, 9, 9, Bytes(8, 0));
    Output out;
    for (auto _ : state)
    {
        out.Clear();
        g.endpoint.SendInner(g.now, packet, out);
        if (!out.datagrams.empty() || out.events.empty() ||
            out.events[0].type != EventType::InnerDropped)
        {
            state.SkipWithError("the packet was not dropped for want of a Child SA");
            break;
        }
    }
}

BENCHMARK(BM_InnerPacketWithoutSa)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TimerNothingDue)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace ikev2

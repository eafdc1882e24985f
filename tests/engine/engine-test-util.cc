#include "engine-test-util.h"

#include "auth.h"
#include "ipv4-packet.h"

#include <map>

namespace ikev2
{
namespace test
{

Ipv4Address
Ip(const std::string& dotted)
{
    Ipv4Address a;
    Ipv4Address::Parse(dotted, a);
    return a;
}

SocketAddress
Sock(const std::string& dotted, uint16_t port)
{
    SocketAddress s;
    s.ip = Ip(dotted);
    s.port = port;
    return s;
}

namespace
{

EndpointConfig
Base(const PairOptions& o, const std::string& name)
{
    EndpointConfig c;
    c.name = name;
    c.seed = o.seed;
    c.retransmit = RetransmitProfile::Named(o.profile);
    c.livenessInterval = o.liveness;
    c.scheme = o.scheme;
    return c;
}

void
SetAuth(PeerConfig& p, const PairOptions& o, int self, int other)
{
    p.auth = o.auth;
    if (o.auth == AuthKind::Psk)
    {
        p.psk = Bytes{'s', 'e', 'c', 'r', 'e', 't', '-', 'p', 's', 'k'};
    }
    else if (o.auth == AuthKind::Rsa)
    {
        p.privateKeyPem = RsaKeyPem(self);
        p.peerPublicKeyPem = PublicPemOf(RsaKeyPem(other));
    }
    else
    {
        p.privateKeyPem = EcdsaKeyPem(self);
        p.peerPublicKeyPem = PublicPemOf(EcdsaKeyPem(other));
    }
}

} // namespace

EndpointConfig
AliceConfig(const PairOptions& o)
{
    EndpointConfig c = Base(o, "alice");
    PeerConfig p;
    p.name = "bob";
    p.local = Sock("10.0.0.1");
    p.remote = Sock("10.0.0.2");
    p.localId = "alice.example";
    p.remoteId = "bob.example";
    SetAuth(p, o, 0, 1);
    p.ikeProposals = o.aliceIke;
    p.espProposals = o.aliceEsp;
    p.localTs = {TrafficSelectorConfig::FromCidr("10.1.0.0/24")};
    p.remoteTs = {TrafficSelectorConfig::FromCidr("10.2.0.0/24")};
    p.startAction = o.aliceStart;
    c.peers.push_back(p);
    return c;
}

EndpointConfig
BobConfig(const PairOptions& o)
{
    EndpointConfig c = Base(o, "bob");
    PeerConfig p;
    p.name = "alice";
    p.local = Sock("10.0.0.2");
    p.remote = Sock("10.0.0.1");
    p.localId = "bob.example";
    p.remoteId = "alice.example";
    SetAuth(p, o, 1, 0);
    p.ikeProposals = o.bobIke;
    p.espProposals = o.bobEsp;
    p.localTs = {TrafficSelectorConfig::FromCidr("10.2.0.0/24")};
    p.remoteTs = {TrafficSelectorConfig::FromCidr("10.1.0.0/24")};
    p.startAction = o.bobStart;
    c.peers.push_back(p);
    return c;
}

Pair::Pair(const PairOptions& o, uint64_t wireSeed)
    : Pair(AliceConfig(o), BobConfig(o), wireSeed)
{
}

Pair::Pair(const EndpointConfig& a, const EndpointConfig& b, uint64_t wireSeed)
    : wire(wireSeed)
{
    alice = wire.AddNode(a);
    bob = wire.AddNode(b);
    wire.Start(bob, Time(0));
    wire.Start(alice, Time(0));
}

size_t
CountEstablished(const Endpoint& e)
{
    size_t n = 0;
    for (const auto& sa : e.IkeSas())
    {
        n += sa.state == IkeSaState::Established;
    }
    return n;
}

bool
Pair::Established() const
{
    auto& w = const_cast<VirtualWire&>(wire);
    auto a = w.Node(alice).IkeSas();
    auto b = w.Node(bob).IkeSas();
    return a.size() == 1 && b.size() == 1 && a[0].state == IkeSaState::Established &&
           b[0].state == IkeSaState::Established && a[0].children.size() == 1 &&
           b[0].children.size() == 1;
}

Bytes
Pair::AliceToBob(uint16_t id)
{
    return BuildUdpIpv4(Ip("10.1.0.10"), Ip("10.2.0.20"), 4000, 5000, Bytes(100, 0xab), id);
}

Bytes
Pair::BobToAlice(uint16_t id)
{
    return BuildUdpIpv4(Ip("10.2.0.20"), Ip("10.1.0.10"), 5000, 4000, Bytes(100, 0xcd), id);
}

const std::string&
RsaKeyPem(int which)
{
    static std::map<int, std::string> keys;
    auto it = keys.find(which);
    if (it == keys.end())
    {
        it = keys.emplace(which, PrivateKey::GenerateRsa(2048)->ToPem()).first;
    }
    return it->second;
}

const std::string&
EcdsaKeyPem(int which)
{
    static std::map<int, std::string> keys;
    auto it = keys.find(which);
    if (it == keys.end())
    {
        it = keys.emplace(which, PrivateKey::GenerateEcdsaP256()->ToPem()).first;
    }
    return it->second;
}

std::string
PublicPemOf(const std::string& privatePem)
{
    return PrivateKey::FromPem(privatePem)->PublicKeyPem();
}

} // namespace test
} // namespace ikev2

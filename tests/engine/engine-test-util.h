// Configurations and helpers shared by the engine tests: two gateways, Alice (10.0.0.1,
// protecting 10.1.0.0/24) and Bob (10.0.0.2, protecting 10.2.0.0/24), on a virtual wire.
#ifndef IKEV2_TESTS_ENGINE_TEST_UTIL_H
#define IKEV2_TESTS_ENGINE_TEST_UTIL_H

#include "endpoint.h"
#include "virtual-wire.h"

#include <string>

namespace ikev2
{
namespace test
{

Ipv4Address Ip(const std::string& dotted);
SocketAddress Sock(const std::string& dotted, uint16_t port = 500);
inline Time Ms(int64_t ms) { return std::chrono::milliseconds(ms); }
inline Time Sec(double s) { return FromSeconds(s); }

struct PairOptions
{
    RecoveryScheme scheme{RecoveryScheme::None};
    std::string profile{"strongswan"};
    std::vector<std::string> aliceIke{"aes128gcm16-prfsha256-x25519"};
    std::vector<std::string> bobIke{"aes128gcm16-prfsha256-x25519"};
    std::vector<std::string> aliceEsp{"aes128gcm16"};
    std::vector<std::string> bobEsp{"aes128gcm16"};
    StartAction aliceStart{StartAction::Start};
    StartAction bobStart{StartAction::None};
    Time liveness{std::chrono::seconds(30)};
    AuthKind auth{AuthKind::Psk};
    uint64_t seed{7};
};

EndpointConfig AliceConfig(const PairOptions& o = {});
EndpointConfig BobConfig(const PairOptions& o = {});

/// Alice and Bob on a wire, both started at 0 (Alice initiates if aliceStart is Start).
struct Pair
{
    explicit Pair(const PairOptions& o = {}, uint64_t wireSeed = 1);
    Pair(const EndpointConfig& alice, const EndpointConfig& bob, uint64_t wireSeed = 1);
    VirtualWire wire;
    size_t alice{0};
    size_t bob{1};
    /// True when both have exactly one established IKE SA with one Child SA.
    bool Established() const;
    /// An inner UDP packet from Alice's side to Bob's side (or the reverse).
    static Bytes AliceToBob(uint16_t id = 1);
    static Bytes BobToAlice(uint16_t id = 1);
};

size_t CountEstablished(const Endpoint& e);

/// PEM keys generated once per test binary (RSA-2048 and P-256).
const std::string& RsaKeyPem(int which);
const std::string& EcdsaKeyPem(int which);
std::string PublicPemOf(const std::string& privatePem);

} // namespace test
} // namespace ikev2

#endif

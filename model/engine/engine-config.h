// Configuration of an IKEv2 endpoint: connections (peers), proposals, credentials, timers and
// the recovery scheme with its knobs. Plain data; the engine validates it in Endpoint's
// constructor and throws ConfigError naming the bad value.
#ifndef IKEV2_ENGINE_CONFIG_H
#define IKEV2_ENGINE_CONFIG_H

#include "engine-types.h"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ikev2
{

class ConfigError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/// Retransmission schedule (RFC 7296 2.1/2.4): timeout * base^n between sends, `tries`
/// retransmissions, then the IKE SA is declared dead when the last timeout expires; `limit`
/// (if nonzero) caps the total time from the first send.
struct RetransmitProfile
{
    std::string name{"strongswan"};
    Time timeout{std::chrono::milliseconds(4000)};
    double base{1.8};
    uint32_t tries{5};
    Time limit{0};

    /// strongswan (4 s, 1.8, 5 tries: gives up 165.06 s after the first send),
    /// libreswan (0.5 s doubling, gives up 60 s after the first send),
    /// iked (2 s doubling, 5 tries: 126 s), custom (the defaults, to be overridden).
    static RetransmitProfile Named(const std::string& name); ///< throws ConfigError
    /// Time from the first send at which the exchange is abandoned.
    Time GiveUpAfter() const;
};

/// Recovery schemes compared by the testbed (doc/engine.md, doc/qcd.md, doc/sir.md).
enum class RecoveryScheme : uint8_t
{
    None,           ///< RFC 7296 only: unprotected notifies ignored
    Hint,           ///< RFC 7296 2.21.4: unprotected INVALID_(IKE_)SPI starts a liveness check
    InitialContact, ///< the rebooted side re-initiates with INITIAL_CONTACT
    Trust,          ///< insecure reference: tear down on the first unprotected INVALID_(IKE_)SPI
    Qcd,            ///< RFC 6290
    Sir,            ///< draft-detienne-ikev2-recovery-03
};
const char* SchemeName(RecoveryScheme s);
RecoveryScheme ParseScheme(const std::string& name); ///< throws ConfigError

struct TrafficSelectorConfig
{
    Ipv4Address start;
    Ipv4Address end;
    uint8_t ipProtocol{0};
    uint16_t startPort{0};
    uint16_t endPort{65535};
    /// "10.1.0.0/24" or "10.1.0.1" (/32); throws ConfigError.
    static TrafficSelectorConfig FromCidr(const std::string& cidr);
};

enum class AuthKind : uint8_t
{
    Psk,
    Rsa,   ///< RFC 7427 Digital Signature (method 14), sha256WithRSAEncryption
    Ecdsa, ///< RFC 4754 ECDSA with SHA-256 on P-256 (method 9)
};

enum class StartAction : uint8_t
{
    None,     ///< wait for the peer
    Start,    ///< initiate when the endpoint starts (and after every reboot)
    Trap,     ///< initiate when outbound traffic matches the selectors (acquire)
};

struct PeerConfig
{
    std::string name{"peer"};
    SocketAddress local;  ///< port 500 normally
    SocketAddress remote; ///< may be 0.0.0.0 for a responder-only connection
    std::string localId;  ///< FQDN or user@fqdn (ID_FQDN / ID_RFC822_ADDR by '@')
    std::string remoteId;
    AuthKind auth{AuthKind::Psk};
    Bytes psk;
    std::string privateKeyPem;   ///< for Rsa/Ecdsa
    std::string peerPublicKeyPem;
    /// strongSwan-style proposal strings, ordered by preference, e.g.
    /// "aes128gcm16-prfsha256-x25519", "aes256-sha256-modp2048"; "aes128gcm16-esn".
    std::vector<std::string> ikeProposals{"aes128gcm16-prfsha256-x25519"};
    std::vector<std::string> espProposals{"aes128gcm16"};
    std::vector<TrafficSelectorConfig> localTs;
    std::vector<TrafficSelectorConfig> remoteTs;
    StartAction startAction{StartAction::Trap};
    Time ikeLifetime{std::chrono::hours(4)};   ///< soft: rekey at lifetime - jitter
    Time childLifetime{std::chrono::hours(1)};
    Time rekeyJitter{std::chrono::seconds(0)}; ///< random subtraction in [0, jitter]
    Time hardLifetimeMargin{std::chrono::minutes(5)}; ///< hard = soft + margin
    bool pfs{false};          ///< KE in Child SA rekeys
    bool forceUdpEncap{false}; ///< NAT-T even without a NAT (strongSwan kernel-libipsec)
    bool natTraversal{true};   ///< send NAT_DETECTION_* notifies
};

/// Knobs shared by the unauthenticated-message handling of every scheme.
struct RateLimits
{
    double invalidSpiPerSecond{10};    ///< INVALID_SPI we send (ESP, unknown SPI), per peer address
    /// INVALID_IKE_SPI we send (protected IKE request, unknown IKE SA), per peer address. A
    /// bucket of its own: a peer's ESP into the black hole must not use up the reply to its
    /// liveness check, which carries the QCD token (doc/qcd.md section 13).
    double invalidIkeSpiPerSecond{10};
    double hintChecksPerSecond{1};     ///< liveness checks started by unprotected hints, per SA
    uint32_t cookieThreshold{50};      ///< half-open IKE SAs before COOKIE is demanded
};

struct QcdConfig
{
    bool maker{true};
    bool taker{true};
    uint32_t tokenLength{32};          ///< 16..128
    std::string hash{"sha256"};        ///< HMAC hash: sha256, sha384, sha512
    bool bindTakerAddress{false};      ///< RFC 6290 5.2
    bool childSpiMap{false};           ///< RFC 6290 8.2: answer ESP directly
    bool storeDigest{false};           ///< taker stores SHA-256 of the token
    bool reinitiateAtOnce{true};       ///< else on traffic
    /// An INVALID_SPI / INVALID_IKE_SPI hint while our request has waited two RTTs unanswered
    /// resends that request at once (rate-limited like hint checks) instead of leaving the token
    /// to its next scheduled retransmission. A testbed decision, not RFC 6290 (doc/qcd.md 13).
    bool resendOnHint{true};
    double verificationsPerSecond{10}; ///< per source address
    double tokenRepliesPerSecond{10};  ///< maker output, per source address
    /// All sources together may use this many times each per-source rate above (8.1: under a
    /// flood the maker reverts to plain INVALID_IKE_SPI); 0: no aggregate cap. It also bounds
    /// how fast a rebooted gateway tells its peers: 1000 token replies/s by default.
    double aggregateFactor{100};
    Time postBootWindow{0};            ///< 0: always; else tokens only this long after boot
    uint32_t maxPending{1000};
    /// Cluster members sharing one QCD secret (RFC 6290 9.2): true when the IKE SA (spiI, spiR)
    /// is still live on another member, so this member must not answer it with a token. Empty:
    /// a stand-alone gateway (only its own SAs count). Set by the adapter, e.g. from a
    /// cluster-wide list of live SAs (doc/load-balancer.md).
    std::function<bool(uint64_t spiI, uint64_t spiR)> liveElsewhere;
};

struct SirConfig
{
    bool waitBeforeRekey{false};
    Time waitTime{0}; ///< 0: one measured RTT
    Time dampening{std::chrono::seconds(5)};
    double queriesPerSecond{5};   ///< per peer
    double acceptPerSecond{10};   ///< unauthenticated messages accepted per peer
    /// All peers together may use this many times acceptPerSecond; 0 (default): no aggregate
    /// cap, the draft's limits being per peer. Set it to compare with QCD's aggregate cap.
    double aggregateFactor{0};
    Time cookieLifetime{std::chrono::seconds(60)};
    bool mandatoryInitiator{false}; ///< section 3.5 variant
};

struct EndpointConfig
{
    std::string name{"endpoint"};
    uint64_t seed{1};                 ///< deterministic randomness (SPIs, nonces, keys, IVs)
    RetransmitProfile retransmit;
    Time livenessInterval{std::chrono::seconds(30)}; ///< 0 disables liveness checks
    bool livenessAlways{false};       ///< check even without outbound traffic
    RecoveryScheme scheme{RecoveryScheme::None};
    RateLimits limits;
    QcdConfig qcd;
    SirConfig sir;
    uint32_t replayWindow{64};
    bool sendInitialContact{true};    ///< in the first IKE_AUTH after start
    bool queueOnAcquire{true};        ///< hold (one) packet while the SA comes up, else drop
    Time responseCacheTime{std::chrono::minutes(5)};
    std::vector<PeerConfig> peers;
};

} // namespace ikev2

#endif

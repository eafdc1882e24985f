// The IKE daemon of a gateway: the sans-I/O engine (ikev2::Endpoint) driven by ns-3 sockets,
// one timer and the node's simulated CPU. It owns the persistent store, so what a real gateway
// keeps on disk survives Crash().
#ifndef IKEV2_NS3_IKE_APPLICATION_H
#define IKEV2_NS3_IKE_APPLICATION_H

#include "cpu-model.h"
#include "endpoint.h"
#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/traced-callback.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ns3
{

class Socket;
class Packet;
class Address;
class VirtualNetDevice;
class EspL4Protocol;

/**
 * \ingroup ikev2
 * IKEv2 daemon and ESP data plane of one gateway.
 *
 * IKE travels over UDP sockets bound to ports 500 and 4500; ESP arrives through the node's
 * EspL4Protocol and leaves as IP protocol 50; inner packets for the protected subnets are routed
 * into a VirtualNetDevice (the tunnel device) whose send callback hands them to the engine, and
 * the inner packets the engine decrypts are injected back into the IP stack through that device.
 * The Output of each engine call is released when the node's CpuModel has done its crypto work.
 *
 * Every engine knob is an Attribute; connections (peers) are added by IkeHelper.
 */
class IkeApplication : public Application
{
  public:
    static TypeId GetTypeId();
    IkeApplication();
    ~IkeApplication() override;

    /// Adds a connection; per-connection knobs (proposals, lifetimes, PFS, NAT-T) come from
    /// this application's Attributes when the engine is created.
    void AddConnection(const ikev2::PeerConfig& peer);
    void SetTunnelDevice(Ptr<VirtualNetDevice> device);
    void SetEspProtocol(Ptr<EspL4Protocol> esp);
    void SetCpuModel(Ptr<CpuModel> cpu);
    Ptr<CpuModel> GetCpuModel() const;

    /// The engine configuration the Attributes and connections describe (throws
    /// ikev2::ConfigError naming a bad value).
    ikev2::EndpointConfig BuildConfig() const;
    /// Empty when the configuration is valid, else the engine's message. Lets a scenario fail
    /// before the simulation starts.
    std::string CheckConfiguration() const;

    /// The node lost power: the daemon stops, its volatile state and in-flight CPU work are
    /// gone; the persistent store survives.
    void Crash();
    /// The node finished booting: the daemon starts again with only the persistent store.
    void Restart();
    bool IsDaemonUp() const;

    /// Engine commands (ignored while the daemon is down).
    void Initiate(const std::string& peer);
    void Terminate(const std::string& peer);
    void RekeyChild(const std::string& peer);
    void RekeyIke(const std::string& peer);
    /// sa-loss: silently forgets the established IKE SA (with its Child SAs), or only the first
    /// Child SA of that IKE SA, of connection @p peer, as a bug or partial state loss would;
    /// nothing is sent. False when the daemon is down or there is no such SA.
    bool ForgetIkeSa(const std::string& peer);
    bool ForgetChildSa(const std::string& peer);

    /// nullptr before StartApplication().
    const ikev2::Endpoint* GetEndpoint() const;
    ikev2::PersistentStore& GetStore();
    /// Cluster member (RFC 6290 9.2): @p liveElsewhere tells whether an IKE SA is live on
    /// another member, so that this one sends no QCD token for it (QcdConfig::liveElsewhere).
    /// Takes effect at the next (re)start of the daemon.
    void SetQcdLiveElsewhere(std::function<bool(uint64_t spiI, uint64_t spiR)> liveElsewhere);
    /// Every crypto operation performed so far (survives crashes: it is the node's history).
    const ikev2::CryptoCounts& GetCryptoTotals() const;

    /// Engine time (the simulation clock since its start).
    static ikev2::Time EngineNow();

    // Trace signatures.
    typedef void (*EventTracedCallback)(const ikev2::Event& event);
    typedef void (*NotifyTracedCallback)(uint16_t notifyType,
                                         bool isProtected,
                                         const ikev2::Event& event);
    typedef void (*DatagramTracedCallback)(const ikev2::Datagram& datagram, bool isProtected);
    typedef void (*KeyLineTracedCallback)(const std::string& file, const std::string& line);
    typedef void (*CryptoTracedCallback)(const ikev2::CryptoCounts& counts, Time cost);
    typedef void (*DaemonTracedCallback)(const std::string& state);

    /// The name the Wireshark key files carry in the KeyLine trace.
    static const char* const kIkeKeyFile; ///< "ikev2_decryption_table"
    static const char* const kEspKeyFile; ///< "esp_sa"

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;

    void OpenSockets();
    void CloseSockets();
    Ptr<Socket> SocketFor(uint16_t port);
    void HandleRead(Ptr<Socket> socket);
    void HandleEsp(const ikev2::Datagram& datagram);
    bool TunnelSend(Ptr<Packet> packet, const Address& source, const Address& dest, uint16_t proto);
    void HandleTimer();

    /// Runs one engine call, then charges its crypto on the CPU and releases its output.
    template<typename F>
    void Call(F&& call);
    void Release(const ikev2::Output& out);
    void Rearm();
    void SendDatagram(const ikev2::Datagram& datagram);
    void FireEvent(const ikev2::Event& event);
    static bool IsProtectedIke(const ikev2::Datagram& datagram, bool& isIke);

    // Attributes: the engine's knobs (engine-config.h).
    uint64_t m_seed{ 0 };
    std::string m_scheme{ "none" };
    std::string m_profile{ "strongswan" };
    Time m_retransmitTimeout{ Seconds(4) };
    double m_retransmitBase{ 1.8 };
    uint32_t m_retransmitTries{ 5 };
    Time m_retransmitLimit{ Seconds(0) };
    Time m_livenessInterval{ Seconds(30) };
    bool m_livenessAlways{ false };
    std::string m_ikeProposals{ "aes128gcm16-prfsha256-x25519" };
    std::string m_espProposals{ "aes128gcm16" };
    Time m_ikeLifetime{ Hours(4) };
    Time m_childLifetime{ Hours(1) };
    Time m_rekeyJitter{ Seconds(0) };
    Time m_hardLifetimeMargin{ Minutes(5) };
    bool m_pfs{ false };
    bool m_forceUdpEncap{ false };
    bool m_natTraversal{ true };
    double m_invalidSpiRate{ 10 };
    double m_invalidIkeSpiRate{ 10 };
    double m_hintCheckRate{ 1 };
    uint32_t m_cookieThreshold{ 50 };
    uint32_t m_replayWindow{ 64 };
    bool m_sendInitialContact{ true };
    bool m_queueOnAcquire{ true };
    Time m_responseCacheTime{ Minutes(5) };
    bool m_qcdMaker{ true };
    bool m_qcdTaker{ true };
    uint32_t m_qcdTokenLength{ 32 };
    std::string m_qcdHash{ "sha256" };
    bool m_qcdBindTakerAddress{ false };
    bool m_qcdChildSpiMap{ false };
    bool m_qcdStoreDigest{ false };
    bool m_qcdReinitiateAtOnce{ true };
    bool m_qcdResendOnHint{ true };
    double m_qcdVerificationRate{ 10 };
    double m_qcdTokenReplyRate{ 10 };
    double m_qcdAggregateFactor{ 100 };
    Time m_qcdPostBootWindow{ Seconds(0) };
    uint32_t m_qcdMaxPending{ 1000 };
    std::function<bool(uint64_t, uint64_t)> m_qcdLiveElsewhere;
    bool m_sirWaitBeforeRekey{ false };
    Time m_sirWaitTime{ Seconds(0) };
    Time m_sirDampening{ Seconds(5) };
    double m_sirQueryRate{ 5 };
    double m_sirAcceptRate{ 10 };
    double m_sirAggregateFactor{ 0 };
    Time m_sirCookieLifetime{ Seconds(60) };
    bool m_sirMandatoryInitiator{ false };

    std::vector<ikev2::PeerConfig> m_peers;
    ikev2::PersistentStore m_store;
    std::unique_ptr<ikev2::Endpoint> m_endpoint;
    bool m_daemonUp{ false };
    ikev2::CryptoCounts m_cryptoTotals;

    std::map<uint16_t, Ptr<Socket>> m_sockets;
    Ptr<VirtualNetDevice> m_tunnel;
    Ptr<EspL4Protocol> m_esp;
    Ptr<CpuModel> m_cpu;
    EventId m_timer;
    ikev2::Time m_timerDeadline{ ikev2::kNever };

    TracedCallback<const ikev2::Event&> m_eventTrace;
    TracedCallback<const ikev2::Event&> m_saStateTrace;
    TracedCallback<uint16_t, bool, const ikev2::Event&> m_notifySentTrace;
    TracedCallback<uint16_t, bool, const ikev2::Event&> m_notifyReceivedTrace;
    TracedCallback<const ikev2::Event&> m_livenessTrace;
    TracedCallback<const ikev2::Event&> m_recoveryTrace;
    TracedCallback<const ikev2::Datagram&, bool> m_ikeTxTrace;
    TracedCallback<const ikev2::Datagram&, bool> m_ikeRxTrace;
    TracedCallback<const ikev2::Datagram&, bool> m_espTxTrace;
    TracedCallback<const ikev2::Datagram&, bool> m_espRxTrace;
    TracedCallback<const std::string&, const std::string&> m_keyLineTrace;
    TracedCallback<const ikev2::CryptoCounts&, Time> m_cryptoTrace;
    TracedCallback<const std::string&> m_daemonTrace;
};

} // namespace ns3

#endif

#include "ike-application.h"

#include "esp-l4-protocol.h"
#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-packet-info-tag.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/string.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"
#include "ns3/virtual-net-device.h"

#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("IkeApplication");
NS_OBJECT_ENSURE_REGISTERED(IkeApplication);

const char* const IkeApplication::kIkeKeyFile = "ikev2_decryption_table";
const char* const IkeApplication::kEspKeyFile = "esp_sa";

namespace
{

constexpr uint16_t kIkePort = 500;
constexpr uint16_t kNatTPort = 4500;
constexpr uint8_t kPayloadSk = 46;
constexpr uint8_t kPayloadSkf = 53;
constexpr size_t kIkeHeaderSize = 28;

ikev2::Time
ToEngineTime(Time t)
{
    return ikev2::Time(t.GetNanoSeconds());
}

std::vector<std::string>
SplitList(const std::string& text)
{
    std::vector<std::string> items;
    std::string item;
    for (char c : text)
    {
        if (c == ',' || c == ' ' || c == ';')
        {
            if (!item.empty())
            {
                items.push_back(item);
            }
            item.clear();
        }
        else
        {
            item += c;
        }
    }
    if (!item.empty())
    {
        items.push_back(item);
    }
    return items;
}

} // namespace

TypeId
IkeApplication::GetTypeId()
{
    static TypeId tid =
      TypeId("ns3::IkeApplication")
        .SetParent<Application>()
        .SetGroupName("Ikev2")
        .AddConstructor<IkeApplication>()
        .AddAttribute("Seed",
                      "Engine DRBG seed; 0 derives it from the ns-3 seed, run number and node id.",
                      UintegerValue(0),
                      MakeUintegerAccessor(&IkeApplication::m_seed),
                      MakeUintegerChecker<uint64_t>())
        .AddAttribute("Scheme",
                      "Recovery scheme: none, hint, initial-contact, trust, qcd, sir.",
                      StringValue("none"),
                      MakeStringAccessor(&IkeApplication::m_scheme),
                      MakeStringChecker())
        .AddAttribute("Profile",
                      "Retransmission profile: strongswan, libreswan, iked, or custom (then "
                      "RetransmitTimeout/Base/Tries/Limit apply).",
                      StringValue("strongswan"),
                      MakeStringAccessor(&IkeApplication::m_profile),
                      MakeStringChecker())
        .AddAttribute("RetransmitTimeout",
                      "custom profile: first retransmission timeout.",
                      TimeValue(Seconds(4)),
                      MakeTimeAccessor(&IkeApplication::m_retransmitTimeout),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("RetransmitBase",
                      "custom profile: backoff base (timeout * base^n).",
                      DoubleValue(1.8),
                      MakeDoubleAccessor(&IkeApplication::m_retransmitBase),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("RetransmitTries",
                      "custom profile: retransmissions before the peer is declared dead.",
                      UintegerValue(5),
                      MakeUintegerAccessor(&IkeApplication::m_retransmitTries),
                      MakeUintegerChecker<uint32_t>())
        .AddAttribute("RetransmitLimit",
                      "custom profile: cap on the total time from the first send (0: none).",
                      TimeValue(Seconds(0)),
                      MakeTimeAccessor(&IkeApplication::m_retransmitLimit),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("LivenessInterval",
                      "Liveness check when nothing protected arrived for this long (0 disables).",
                      TimeValue(Seconds(30)),
                      MakeTimeAccessor(&IkeApplication::m_livenessInterval),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("LivenessAlways",
                      "Check liveness even without outbound traffic.",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_livenessAlways),
                      MakeBooleanChecker())
        .AddAttribute("IkeProposals",
                      "IKE proposals, strongSwan syntax, comma-separated by preference.",
                      StringValue("aes128gcm16-prfsha256-x25519"),
                      MakeStringAccessor(&IkeApplication::m_ikeProposals),
                      MakeStringChecker())
        .AddAttribute("EspProposals",
                      "ESP proposals, strongSwan syntax, comma-separated by preference.",
                      StringValue("aes128gcm16"),
                      MakeStringAccessor(&IkeApplication::m_espProposals),
                      MakeStringChecker())
        .AddAttribute("IkeLifetime",
                      "IKE SA soft lifetime (rekey).",
                      TimeValue(Hours(4)),
                      MakeTimeAccessor(&IkeApplication::m_ikeLifetime),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("ChildLifetime",
                      "Child SA soft lifetime (rekey).",
                      TimeValue(Hours(1)),
                      MakeTimeAccessor(&IkeApplication::m_childLifetime),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("RekeyJitter",
                      "Random subtraction in [0, jitter] from soft lifetimes.",
                      TimeValue(Seconds(0)),
                      MakeTimeAccessor(&IkeApplication::m_rekeyJitter),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("HardLifetimeMargin",
                      "Hard lifetime = soft lifetime + this margin.",
                      TimeValue(Minutes(5)),
                      MakeTimeAccessor(&IkeApplication::m_hardLifetimeMargin),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("Pfs",
                      "Key exchange in Child SA rekeys.",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_pfs),
                      MakeBooleanChecker())
        .AddAttribute("ForceUdpEncap",
                      "NAT-T (UDP 4500, UDP-encapsulated ESP) even without a NAT.",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_forceUdpEncap),
                      MakeBooleanChecker())
        .AddAttribute("NatTraversal",
                      "Send NAT_DETECTION_* notifies.",
                      BooleanValue(true),
                      MakeBooleanAccessor(&IkeApplication::m_natTraversal),
                      MakeBooleanChecker())
        .AddAttribute("InvalidSpiRate",
                      "INVALID_SPI (answers to ESP with an unknown SPI) sent per second per "
                      "peer address.",
                      DoubleValue(10),
                      MakeDoubleAccessor(&IkeApplication::m_invalidSpiRate),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("InvalidIkeSpiRate",
                      "INVALID_IKE_SPI (answers to protected IKE requests for an unknown IKE SA) "
                      "sent per second per peer address; a bucket separate from InvalidSpiRate.",
                      DoubleValue(10),
                      MakeDoubleAccessor(&IkeApplication::m_invalidIkeSpiRate),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("HintCheckRate",
                      "Liveness checks started by unprotected hints, per second per SA.",
                      DoubleValue(1),
                      MakeDoubleAccessor(&IkeApplication::m_hintCheckRate),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("CookieThreshold",
                      "Half-open IKE SAs before COOKIE is demanded.",
                      UintegerValue(50),
                      MakeUintegerAccessor(&IkeApplication::m_cookieThreshold),
                      MakeUintegerChecker<uint32_t>())
        .AddAttribute("ReplayWindow",
                      "ESP anti-replay window.",
                      UintegerValue(64),
                      MakeUintegerAccessor(&IkeApplication::m_replayWindow),
                      MakeUintegerChecker<uint32_t>())
        .AddAttribute("SendInitialContact",
                      "INITIAL_CONTACT in the first IKE_AUTH after start.",
                      BooleanValue(true),
                      MakeBooleanAccessor(&IkeApplication::m_sendInitialContact),
                      MakeBooleanChecker())
        .AddAttribute("QueueOnAcquire",
                      "Hold one packet while an acquired SA comes up, else drop it.",
                      BooleanValue(true),
                      MakeBooleanAccessor(&IkeApplication::m_queueOnAcquire),
                      MakeBooleanChecker())
        .AddAttribute("ResponseCacheTime",
                      "How long the last response is kept for retransmitted requests.",
                      TimeValue(Minutes(5)),
                      MakeTimeAccessor(&IkeApplication::m_responseCacheTime),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("QcdMaker",
                      "QCD: act as token maker.",
                      BooleanValue(true),
                      MakeBooleanAccessor(&IkeApplication::m_qcdMaker),
                      MakeBooleanChecker())
        .AddAttribute("QcdTaker",
                      "QCD: act as token taker.",
                      BooleanValue(true),
                      MakeBooleanAccessor(&IkeApplication::m_qcdTaker),
                      MakeBooleanChecker())
        .AddAttribute("QcdTokenLength",
                      "QCD: token length in octets (16..128).",
                      UintegerValue(32),
                      MakeUintegerAccessor(&IkeApplication::m_qcdTokenLength),
                      MakeUintegerChecker<uint32_t>())
        .AddAttribute("QcdHash",
                      "QCD: HMAC hash (sha256, sha384, sha512).",
                      StringValue("sha256"),
                      MakeStringAccessor(&IkeApplication::m_qcdHash),
                      MakeStringChecker())
        .AddAttribute("QcdBindTakerAddress",
                      "QCD: token binds the taker's address (RFC 6290 5.2).",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_qcdBindTakerAddress),
                      MakeBooleanChecker())
        .AddAttribute("QcdChildSpiMap",
                      "QCD: answer ESP for lost Child SAs with a token (RFC 6290 8.2).",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_qcdChildSpiMap),
                      MakeBooleanChecker())
        .AddAttribute("QcdStoreDigest",
                      "QCD: the taker stores the token's SHA-256.",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_qcdStoreDigest),
                      MakeBooleanChecker())
        .AddAttribute("QcdReinitiateAtOnce",
                      "QCD: re-initiate at once after a verified token, else on traffic.",
                      BooleanValue(true),
                      MakeBooleanAccessor(&IkeApplication::m_qcdReinitiateAtOnce),
                      MakeBooleanChecker())
        .AddAttribute("QcdResendOnHint",
                      "QCD: an INVALID_(IKE_)SPI while our request has waited two RTTs resends "
                      "it at once (testbed decision, doc/qcd.md 13).",
                      BooleanValue(true),
                      MakeBooleanAccessor(&IkeApplication::m_qcdResendOnHint),
                      MakeBooleanChecker())
        .AddAttribute("QcdVerificationRate",
                      "QCD: token verifications per second per source address.",
                      DoubleValue(10),
                      MakeDoubleAccessor(&IkeApplication::m_qcdVerificationRate),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("QcdTokenReplyRate",
                      "QCD: token replies per second per source address.",
                      DoubleValue(10),
                      MakeDoubleAccessor(&IkeApplication::m_qcdTokenReplyRate),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("QcdAggregateFactor",
                      "QCD: all sources together get this many times each per-source rate "
                      "(0: no aggregate cap).",
                      DoubleValue(100),
                      MakeDoubleAccessor(&IkeApplication::m_qcdAggregateFactor),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("QcdPostBootWindow",
                      "QCD: tokens only this long after boot (0: always).",
                      TimeValue(Seconds(0)),
                      MakeTimeAccessor(&IkeApplication::m_qcdPostBootWindow),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("QcdMaxPending",
                      "QCD: pending verifications kept.",
                      UintegerValue(1000),
                      MakeUintegerAccessor(&IkeApplication::m_qcdMaxPending),
                      MakeUintegerChecker<uint32_t>())
        .AddAttribute("SirWaitBeforeRekey",
                      "SIR: wait before re-creating (section 3.2.3).",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_sirWaitBeforeRekey),
                      MakeBooleanChecker())
        .AddAttribute("SirWaitTime",
                      "SIR: the wait (0: one measured RTT).",
                      TimeValue(Seconds(0)),
                      MakeTimeAccessor(&IkeApplication::m_sirWaitTime),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("SirDampening",
                      "SIR: dampening time.",
                      TimeValue(Seconds(5)),
                      MakeTimeAccessor(&IkeApplication::m_sirDampening),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("SirQueryRate",
                      "SIR: CHECK_SPI queries per second per peer.",
                      DoubleValue(5),
                      MakeDoubleAccessor(&IkeApplication::m_sirQueryRate),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("SirAcceptRate",
                      "SIR: unauthenticated messages accepted per second per peer.",
                      DoubleValue(10),
                      MakeDoubleAccessor(&IkeApplication::m_sirAcceptRate),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("SirAggregateFactor",
                      "SIR: all peers together get this many times SirAcceptRate "
                      "(0: no aggregate cap, the draft's limits being per peer).",
                      DoubleValue(0),
                      MakeDoubleAccessor(&IkeApplication::m_sirAggregateFactor),
                      MakeDoubleChecker<double>(0))
        .AddAttribute("SirCookieLifetime",
                      "SIR: cookie lifetime.",
                      TimeValue(Seconds(60)),
                      MakeTimeAccessor(&IkeApplication::m_sirCookieLifetime),
                      MakeTimeChecker(Seconds(0)))
        .AddAttribute("SirMandatoryInitiator",
                      "SIR: section 3.5 variant.",
                      BooleanValue(false),
                      MakeBooleanAccessor(&IkeApplication::m_sirMandatoryInitiator),
                      MakeBooleanChecker())
        .AddTraceSource("EngineEvent",
                        "Every event the engine reports (stamped when the CPU releases it).",
                        MakeTraceSourceAccessor(&IkeApplication::m_eventTrace),
                        "ns3::IkeApplication::EventTracedCallback")
        .AddTraceSource("SaState",
                        "IKE or Child SA established, installed, rekeyed or deleted.",
                        MakeTraceSourceAccessor(&IkeApplication::m_saStateTrace),
                        "ns3::IkeApplication::EventTracedCallback")
        .AddTraceSource("NotifySent",
                        "A notify payload sent (type, protected or not).",
                        MakeTraceSourceAccessor(&IkeApplication::m_notifySentTrace),
                        "ns3::IkeApplication::NotifyTracedCallback")
        .AddTraceSource("NotifyReceived",
                        "A notify payload received (type, protected or not).",
                        MakeTraceSourceAccessor(&IkeApplication::m_notifyReceivedTrace),
                        "ns3::IkeApplication::NotifyTracedCallback")
        .AddTraceSource("LivenessCheck",
                        "Liveness check sent, answered, or the peer declared dead.",
                        MakeTraceSourceAccessor(&IkeApplication::m_livenessTrace),
                        "ns3::IkeApplication::EventTracedCallback")
        .AddTraceSource("RecoveryEvent",
                        "A recovery-scheme event: state loss detected, INITIAL_CONTACT "
                        "honoured, QCD token verified or rejected, SIR CHECK_SPI, peer dead.",
                        MakeTraceSourceAccessor(&IkeApplication::m_recoveryTrace),
                        "ns3::IkeApplication::EventTracedCallback")
        .AddTraceSource("IkeTx",
                        "An IKE message sent (UDP payload, protected by SK or not).",
                        MakeTraceSourceAccessor(&IkeApplication::m_ikeTxTrace),
                        "ns3::IkeApplication::DatagramTracedCallback")
        .AddTraceSource("IkeRx",
                        "An IKE message received by the running daemon.",
                        MakeTraceSourceAccessor(&IkeApplication::m_ikeRxTrace),
                        "ns3::IkeApplication::DatagramTracedCallback")
        .AddTraceSource("EspTx",
                        "An ESP packet sent (in IP or in UDP 4500).",
                        MakeTraceSourceAccessor(&IkeApplication::m_espTxTrace),
                        "ns3::IkeApplication::DatagramTracedCallback")
        .AddTraceSource("EspRx",
                        "An ESP packet received by the running daemon.",
                        MakeTraceSourceAccessor(&IkeApplication::m_espRxTrace),
                        "ns3::IkeApplication::DatagramTracedCallback")
        .AddTraceSource("KeyLine",
                        "A Wireshark key line (file name, line) for a new IKE or ESP SA.",
                        MakeTraceSourceAccessor(&IkeApplication::m_keyLineTrace),
                        "ns3::IkeApplication::KeyLineTracedCallback")
        .AddTraceSource("Crypto",
                        "Crypto operations of one engine call and the CPU time charged.",
                        MakeTraceSourceAccessor(&IkeApplication::m_cryptoTrace),
                        "ns3::IkeApplication::CryptoTracedCallback")
        .AddTraceSource("Daemon",
                        "The daemon started, restarted or crashed.",
                        MakeTraceSourceAccessor(&IkeApplication::m_daemonTrace),
                        "ns3::IkeApplication::DaemonTracedCallback");
    return tid;
}

IkeApplication::IkeApplication()
{
    NS_LOG_FUNCTION(this);
}

IkeApplication::~IkeApplication() = default;

void
IkeApplication::DoDispose()
{
    m_timer.Cancel();
    CloseSockets();
    m_endpoint.reset();
    if (m_esp)
    {
        m_esp->SetReceiver(nullptr);
    }
    m_esp = nullptr;
    m_tunnel = nullptr;
    m_cpu = nullptr;
    Application::DoDispose();
}

void
IkeApplication::AddConnection(const ikev2::PeerConfig& peer)
{
    m_peers.push_back(peer);
}

void
IkeApplication::SetTunnelDevice(Ptr<VirtualNetDevice> device)
{
    m_tunnel = device;
    m_tunnel->SetSendCallback(MakeCallback(&IkeApplication::TunnelSend, this));
}

void
IkeApplication::SetEspProtocol(Ptr<EspL4Protocol> esp)
{
    m_esp = esp;
    m_esp->SetReceiver([this](const ikev2::Datagram& d) { HandleEsp(d); });
}

void
IkeApplication::SetCpuModel(Ptr<CpuModel> cpu)
{
    m_cpu = cpu;
}

Ptr<CpuModel>
IkeApplication::GetCpuModel() const
{
    return m_cpu;
}

ikev2::Time
IkeApplication::EngineNow()
{
    return ToEngineTime(Simulator::Now());
}

ikev2::EndpointConfig
IkeApplication::BuildConfig() const
{
    ikev2::EndpointConfig c;
    Ptr<Node> node = GetNode();
    uint32_t nodeId = node ? node->GetId() : 0;
    c.name = "node" + std::to_string(nodeId);
    if (m_seed != 0)
    {
        c.seed = m_seed;
    }
    else
    {
        // Same ns-3 seed and run -> same engine randomness; each node its own stream.
        c.seed = (static_cast<uint64_t>(RngSeedManager::GetSeed()) << 40) ^
                 (RngSeedManager::GetRun() << 16) ^ (nodeId + 1);
    }
    if (m_profile == "custom")
    {
        c.retransmit = ikev2::RetransmitProfile::Named("custom");
        c.retransmit.timeout = ToEngineTime(m_retransmitTimeout);
        c.retransmit.base = m_retransmitBase;
        c.retransmit.tries = m_retransmitTries;
        c.retransmit.limit = ToEngineTime(m_retransmitLimit);
    }
    else
    {
        c.retransmit = ikev2::RetransmitProfile::Named(m_profile);
    }
    c.livenessInterval = ToEngineTime(m_livenessInterval);
    c.livenessAlways = m_livenessAlways;
    c.scheme = ikev2::ParseScheme(m_scheme);
    c.limits.invalidSpiPerSecond = m_invalidSpiRate;
    c.limits.invalidIkeSpiPerSecond = m_invalidIkeSpiRate;
    c.limits.hintChecksPerSecond = m_hintCheckRate;
    c.limits.cookieThreshold = m_cookieThreshold;
    c.qcd.maker = m_qcdMaker;
    c.qcd.taker = m_qcdTaker;
    c.qcd.tokenLength = m_qcdTokenLength;
    c.qcd.hash = m_qcdHash;
    c.qcd.bindTakerAddress = m_qcdBindTakerAddress;
    c.qcd.childSpiMap = m_qcdChildSpiMap;
    c.qcd.storeDigest = m_qcdStoreDigest;
    c.qcd.reinitiateAtOnce = m_qcdReinitiateAtOnce;
    c.qcd.resendOnHint = m_qcdResendOnHint;
    c.qcd.verificationsPerSecond = m_qcdVerificationRate;
    c.qcd.tokenRepliesPerSecond = m_qcdTokenReplyRate;
    c.qcd.aggregateFactor = m_qcdAggregateFactor;
    c.qcd.postBootWindow = ToEngineTime(m_qcdPostBootWindow);
    c.qcd.maxPending = m_qcdMaxPending;
    c.qcd.liveElsewhere = m_qcdLiveElsewhere;
    c.sir.waitBeforeRekey = m_sirWaitBeforeRekey;
    c.sir.waitTime = ToEngineTime(m_sirWaitTime);
    c.sir.dampening = ToEngineTime(m_sirDampening);
    c.sir.queriesPerSecond = m_sirQueryRate;
    c.sir.acceptPerSecond = m_sirAcceptRate;
    c.sir.aggregateFactor = m_sirAggregateFactor;
    c.sir.cookieLifetime = ToEngineTime(m_sirCookieLifetime);
    c.sir.mandatoryInitiator = m_sirMandatoryInitiator;
    c.replayWindow = m_replayWindow;
    c.sendInitialContact = m_sendInitialContact;
    c.queueOnAcquire = m_queueOnAcquire;
    c.responseCacheTime = ToEngineTime(m_responseCacheTime);
    auto ikeProposals = SplitList(m_ikeProposals);
    auto espProposals = SplitList(m_espProposals);
    for (ikev2::PeerConfig peer : m_peers)
    {
        peer.ikeProposals = ikeProposals;
        peer.espProposals = espProposals;
        peer.ikeLifetime = ToEngineTime(m_ikeLifetime);
        peer.childLifetime = ToEngineTime(m_childLifetime);
        peer.rekeyJitter = ToEngineTime(m_rekeyJitter);
        peer.hardLifetimeMargin = ToEngineTime(m_hardLifetimeMargin);
        peer.pfs = m_pfs;
        peer.forceUdpEncap = m_forceUdpEncap;
        peer.natTraversal = m_natTraversal;
        c.peers.push_back(std::move(peer));
    }
    return c;
}

std::string
IkeApplication::CheckConfiguration() const
{
    try
    {
        ikev2::PersistentStore scratch;
        ikev2::Endpoint probe(BuildConfig(), scratch);
    }
    catch (const ikev2::ConfigError& e)
    {
        return e.what();
    }
    return "";
}

template<typename F>
void
IkeApplication::Call(F&& call)
{
    if (!m_endpoint || !m_daemonUp)
    {
        return;
    }
    auto out = std::make_shared<ikev2::Output>();
    call(*m_endpoint, EngineNow(), *out);
    Rearm();
    m_cryptoTotals.Merge(out->crypto);
    Time cost = m_cpu->Cost(out->crypto);
    if (!out->crypto.Empty())
    {
        m_cryptoTrace(out->crypto, cost);
    }
    m_cpu->Submit(cost, [this, out]() { Release(*out); });
}

void
IkeApplication::StartApplication()
{
    NS_LOG_FUNCTION(this);
    if (!m_cpu)
    {
        m_cpu = CreateObject<CpuModel>();
    }
    try
    {
        m_endpoint = std::make_unique<ikev2::Endpoint>(BuildConfig(), m_store);
    }
    catch (const ikev2::ConfigError& e)
    {
        NS_FATAL_ERROR("IkeApplication on node " << GetNode()->GetId()
                                                 << ": bad configuration: " << e.what());
    }
    m_daemonUp = true;
    OpenSockets();
    m_daemonTrace("started");
    Call([](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out) { ep.Start(now, out); });
}

void
IkeApplication::StopApplication()
{
    NS_LOG_FUNCTION(this);
    m_daemonUp = false;
    m_timer.Cancel();
    CloseSockets();
}

void
IkeApplication::Crash()
{
    NS_LOG_FUNCTION(this);
    if (!m_endpoint || !m_daemonUp)
    {
        return;
    }
    m_daemonUp = false;
    m_timer.Cancel();
    m_timerDeadline = ikev2::kNever;
    if (m_cpu)
    {
        m_cpu->Crash();
    }
    CloseSockets();
    m_endpoint->Crash();
    m_daemonTrace("crashed");
}

void
IkeApplication::Restart()
{
    NS_LOG_FUNCTION(this);
    if (!m_endpoint || m_daemonUp)
    {
        return;
    }
    m_daemonUp = true;
    OpenSockets();
    m_daemonTrace("restarted");
    Call([](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out) { ep.Start(now, out); });
}

bool
IkeApplication::IsDaemonUp() const
{
    return m_daemonUp;
}

void
IkeApplication::Initiate(const std::string& peer)
{
    Call([peer](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
         { ep.Initiate(now, peer, out); });
}

void
IkeApplication::Terminate(const std::string& peer)
{
    Call([peer](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
         { ep.Terminate(now, peer, out); });
}

void
IkeApplication::RekeyChild(const std::string& peer)
{
    Call([peer](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
         { ep.RekeyChild(now, peer, out); });
}

void
IkeApplication::RekeyIke(const std::string& peer)
{
    Call([peer](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
         { ep.RekeyIke(now, peer, out); });
}

bool
IkeApplication::ForgetIkeSa(const std::string& peer)
{
    bool found = false;
    Call(
      [&peer, &found](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
      {
          for (const auto& sa : ep.IkeSas())
          {
              if (sa.peer == peer && sa.state == ikev2::IkeSaState::Established)
              {
                  found = ep.ForgetIkeSa(now, sa.spiI, sa.spiR, out);
                  return;
              }
          }
      });
    return found;
}

bool
IkeApplication::ForgetChildSa(const std::string& peer)
{
    bool found = false;
    Call(
      [&peer, &found](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
      {
          for (const auto& sa : ep.IkeSas())
          {
              if (sa.peer == peer && sa.state == ikev2::IkeSaState::Established &&
                  !sa.children.empty())
              {
                  found = ep.ForgetChildSa(now, sa.children.front().spiIn, out);
                  return;
              }
          }
      });
    return found;
}

const ikev2::Endpoint*
IkeApplication::GetEndpoint() const
{
    return m_endpoint.get();
}

void
IkeApplication::SetQcdLiveElsewhere(std::function<bool(uint64_t, uint64_t)> liveElsewhere)
{
    m_qcdLiveElsewhere = std::move(liveElsewhere);
}

ikev2::PersistentStore&
IkeApplication::GetStore()
{
    return m_store;
}

const ikev2::CryptoCounts&
IkeApplication::GetCryptoTotals() const
{
    return m_cryptoTotals;
}

void
IkeApplication::OpenSockets()
{
    SocketFor(kIkePort);
    SocketFor(kNatTPort);
}

Ptr<Socket>
IkeApplication::SocketFor(uint16_t port)
{
    auto it = m_sockets.find(port);
    if (it != m_sockets.end())
    {
        return it->second;
    }
    Ptr<Socket> socket = Socket::CreateSocket(GetNode(), UdpSocketFactory::GetTypeId());
    if (socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), port)) != 0)
    {
        NS_FATAL_ERROR("IkeApplication: cannot bind UDP port " << port);
    }
    socket->SetRecvPktInfo(true);
    socket->SetRecvCallback(MakeCallback(&IkeApplication::HandleRead, this));
    m_sockets[port] = socket;
    return socket;
}

void
IkeApplication::CloseSockets()
{
    for (auto& [port, socket] : m_sockets)
    {
        socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        socket->Close();
    }
    m_sockets.clear();
}

bool
IkeApplication::IsProtectedIke(const ikev2::Datagram& d, bool& isIke)
{
    size_t offset = 0;
    isIke = true;
    if (d.transport == ikev2::Transport::EspIp)
    {
        isIke = false;
        return true;
    }
    if (d.local.port == kNatTPort || d.remote.port == kNatTPort)
    {
        // RFC 3948: four zero octets mark IKE; anything else on 4500 is ESP in UDP.
        if (d.data.size() >= 4 && d.data[0] == 0 && d.data[1] == 0 && d.data[2] == 0 &&
            d.data[3] == 0)
        {
            offset = 4;
        }
        else
        {
            isIke = false;
            return true;
        }
    }
    if (d.data.size() < offset + kIkeHeaderSize)
    {
        return false;
    }
    uint8_t next = d.data[offset + 16];
    return next == kPayloadSk || next == kPayloadSkf;
}

void
IkeApplication::HandleRead(Ptr<Socket> socket)
{
    Address from;
    Ptr<Packet> packet;
    while ((packet = socket->RecvFrom(from)))
    {
        if (!m_daemonUp || !InetSocketAddress::IsMatchingType(from))
        {
            continue;
        }
        InetSocketAddress remote = InetSocketAddress::ConvertFrom(from);
        Address local;
        socket->GetSockName(local);
        ikev2::Datagram d;
        d.transport = ikev2::Transport::Udp;
        d.local.port = InetSocketAddress::ConvertFrom(local).GetPort();
        Ipv4PacketInfoTag info;
        if (packet->RemovePacketTag(info))
        {
            d.local.ip = ToEngine(info.GetAddress());
        }
        d.remote.ip = ToEngine(remote.GetIpv4());
        d.remote.port = remote.GetPort();
        d.data.resize(packet->GetSize());
        packet->CopyData(d.data.data(), packet->GetSize());
        bool isIke = true;
        bool isProtected = IsProtectedIke(d, isIke);
        if (isIke)
        {
            m_ikeRxTrace(d, isProtected);
        }
        else
        {
            m_espRxTrace(d, true);
        }
        Call([&d](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
             { ep.HandleDatagram(now, d, out); });
    }
}

void
IkeApplication::HandleEsp(const ikev2::Datagram& datagram)
{
    if (!m_daemonUp)
    {
        return;
    }
    m_espRxTrace(datagram, true);
    Call([&datagram](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
         { ep.HandleDatagram(now, datagram, out); });
}

bool
IkeApplication::TunnelSend(Ptr<Packet> packet,
                           const Address& source,
                           const Address& dest,
                           uint16_t protocolNumber)
{
    if (!m_daemonUp)
    {
        return false;
    }
    // The IPv4 stack added the inner header before handing the packet to the tunnel device.
    ikev2::Bytes inner(packet->GetSize());
    packet->CopyData(inner.data(), packet->GetSize());
    Call([&inner](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
         { ep.SendInner(now, inner, out); });
    return true;
}

void
IkeApplication::HandleTimer()
{
    m_timerDeadline = ikev2::kNever;
    Call([](ikev2::Endpoint& ep, ikev2::Time now, ikev2::Output& out)
         { ep.HandleTimer(now, out); });
}

void
IkeApplication::Rearm()
{
    ikev2::Time deadline = m_endpoint->NextDeadline();
    if (deadline == m_timerDeadline && m_timer.IsRunning())
    {
        return;
    }
    m_timer.Cancel();
    m_timerDeadline = deadline;
    if (deadline == ikev2::kNever)
    {
        return;
    }
    ikev2::Time now = EngineNow();
    ikev2::Time delay = deadline > now ? deadline - now : ikev2::Time(0);
    m_timer = Simulator::Schedule(NanoSeconds(delay.count()), &IkeApplication::HandleTimer, this);
}

void
IkeApplication::Release(const ikev2::Output& out)
{
    if (!m_daemonUp)
    {
        return;
    }
    for (const auto& line : out.ikeKeyLines)
    {
        m_keyLineTrace(kIkeKeyFile, line);
    }
    for (const auto& line : out.espKeyLines)
    {
        m_keyLineTrace(kEspKeyFile, line);
    }
    for (const auto& event : out.events)
    {
        FireEvent(event);
    }
    for (const auto& datagram : out.datagrams)
    {
        SendDatagram(datagram);
    }
    for (const auto& inner : out.delivered)
    {
        if (!m_tunnel)
        {
            continue;
        }
        Ptr<Packet> packet = Create<Packet>(inner.data(), static_cast<uint32_t>(inner.size()));
        m_tunnel->Receive(
          packet, 0x0800, m_tunnel->GetAddress(), m_tunnel->GetAddress(), NetDevice::PACKET_HOST);
    }
}

void
IkeApplication::SendDatagram(const ikev2::Datagram& d)
{
    bool isIke = true;
    bool isProtected = IsProtectedIke(d, isIke);
    if (d.transport == ikev2::Transport::EspIp)
    {
        if (!m_esp)
        {
            NS_LOG_WARN("no ESP protocol on node " << GetNode()->GetId());
            return;
        }
        m_espTxTrace(d, true);
        m_esp->Send(d.data, FromEngine(d.local.ip), FromEngine(d.remote.ip));
        return;
    }
    if (isIke)
    {
        m_ikeTxTrace(d, isProtected);
    }
    else
    {
        m_espTxTrace(d, true);
    }
    Ptr<Socket> socket = SocketFor(d.local.port == 0 ? kIkePort : d.local.port);
    Ptr<Packet> packet = Create<Packet>(d.data.data(), static_cast<uint32_t>(d.data.size()));
    socket->SendTo(packet, 0, InetSocketAddress(FromEngine(d.remote.ip), d.remote.port));
}

void
IkeApplication::FireEvent(const ikev2::Event& engineEvent)
{
    using ikev2::EventType;
    ikev2::Event event = engineEvent;
    event.time = EngineNow(); // when the CPU finished the work that produced it
    m_eventTrace(event);
    switch (event.type)
    {
        case EventType::IkeSaEstablished:
        case EventType::IkeSaRekeyed:
        case EventType::IkeSaDeleted:
        case EventType::ChildSaInstalled:
        case EventType::ChildSaRekeyed:
        case EventType::ChildSaDeleted:
            m_saStateTrace(event);
            break;
        case EventType::NotifySent:
            m_notifySentTrace(event.notifyType, event.protectedMsg, event);
            break;
        case EventType::NotifyReceived:
            m_notifyReceivedTrace(event.notifyType, event.protectedMsg, event);
            break;
        case EventType::LivenessCheckSent:
        case EventType::LivenessCheckOk:
            m_livenessTrace(event);
            break;
        case EventType::PeerDead:
            m_livenessTrace(event);
            m_recoveryTrace(event);
            break;
        case EventType::InitialContactHonoured:
        case EventType::RecoveryDetected:
        case EventType::TokenVerified:
        case EventType::TokenRejected:
        case EventType::CheckSpiQuery:
        case EventType::CheckSpiAnswer:
            m_recoveryTrace(event);
            break;
        default:
            break;
    }
}

} // namespace ns3

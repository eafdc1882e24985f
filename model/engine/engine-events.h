// Events the engine reports (the adapters turn them into ns-3 trace sources, events.csv rows
// and log lines) and the SA snapshots it exposes.
#ifndef IKEV2_ENGINE_EVENTS_H
#define IKEV2_ENGINE_EVENTS_H

#include "engine-types.h"

#include <string>
#include <vector>

namespace ikev2
{

enum class EventType : uint8_t
{
    IkeSaEstablished,  ///< IKE_AUTH completed (or IKE rekey produced a new SA)
    IkeSaRekeyed,      ///< spiI/spiR = new SA; detail names the old one
    IkeSaDeleted,      ///< detail: reason (delete-received, delete-sent, peer-dead, ...)
    ChildSaInstalled,  ///< childSpiIn/childSpiOut
    ChildSaRekeyed,
    ChildSaDeleted,
    AuthFailed,
    NegotiationFailed, ///< NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, ...
    RequestSent,       ///< detail: exchange name
    Retransmit,        ///< detail: try number
    LivenessCheckSent,
    LivenessCheckOk,
    PeerDead,          ///< retransmission schedule ran out
    NotifySent,        ///< notifyType, protectedMsg
    NotifyReceived,    ///< notifyType, protectedMsg
    UnprotectedIgnored,///< an unauthenticated notify that did not change state
    RateLimited,
    InitialContactHonoured, ///< older IKE SAs with the same identity deleted
    RecoveryDetected,  ///< the scheme decided the peer lost its state (t_detect)
    TokenVerified,     ///< QCD
    TokenRejected,     ///< QCD
    CheckSpiQuery,     ///< SIR
    CheckSpiAnswer,    ///< SIR (detail: ack / nack)
    CookieRejected,
    MalformedDropped,  ///< detail: the decode error
    EspNoSa,           ///< ESP for an unknown SPI (audit event, RFC 4303 3.4)
    EspReplay,
    EspIntegrityFailed,
    AcquireStarted,
    InnerDropped,
};

const char* EventTypeName(EventType t);

struct Event
{
    Time time{0};
    EventType type{EventType::IkeSaEstablished};
    std::string peer;      ///< connection name, when known
    uint64_t spiI{0};
    uint64_t spiR{0};
    uint32_t childSpiIn{0};
    uint32_t childSpiOut{0};
    uint16_t notifyType{0};
    bool protectedMsg{false};
    SocketAddress remote;
    std::string detail;
};

enum class IkeSaState : uint8_t
{
    Connecting, ///< IKE_SA_INIT / IKE_AUTH in progress
    Established,
    Rekeying,
    Deleting,
};

struct ChildSaInfo
{
    uint32_t spiIn{0};
    uint32_t spiOut{0};
    uint64_t packetsIn{0};
    uint64_t packetsOut{0};
};

struct IkeSaInfo
{
    std::string peer;
    uint64_t spiI{0};
    uint64_t spiR{0};
    bool initiator{false}; ///< we are the original initiator
    IkeSaState state{IkeSaState::Connecting};
    SocketAddress remote;
    std::string remoteId;
    std::vector<ChildSaInfo> children;
};

} // namespace ikev2

#endif

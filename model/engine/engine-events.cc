#include "engine-events.h"

namespace ikev2
{

const char*
EventTypeName(EventType t)
{
    switch (t)
    {
    case EventType::IkeSaEstablished:
        return "ike-sa-established";
    case EventType::IkeSaRekeyed:
        return "ike-sa-rekeyed";
    case EventType::IkeSaDeleted:
        return "ike-sa-deleted";
    case EventType::ChildSaInstalled:
        return "child-sa-installed";
    case EventType::ChildSaRekeyed:
        return "child-sa-rekeyed";
    case EventType::ChildSaDeleted:
        return "child-sa-deleted";
    case EventType::AuthFailed:
        return "auth-failed";
    case EventType::NegotiationFailed:
        return "negotiation-failed";
    case EventType::RequestSent:
        return "request-sent";
    case EventType::Retransmit:
        return "retransmit";
    case EventType::LivenessCheckSent:
        return "liveness-check-sent";
    case EventType::LivenessCheckOk:
        return "liveness-check-ok";
    case EventType::PeerDead:
        return "peer-dead";
    case EventType::NotifySent:
        return "notify-sent";
    case EventType::NotifyReceived:
        return "notify-received";
    case EventType::UnprotectedIgnored:
        return "unprotected-ignored";
    case EventType::RateLimited:
        return "rate-limited";
    case EventType::InitialContactHonoured:
        return "initial-contact-honoured";
    case EventType::RecoveryDetected:
        return "recovery-detected";
    case EventType::TokenVerified:
        return "token-verified";
    case EventType::TokenRejected:
        return "token-rejected";
    case EventType::CheckSpiQuery:
        return "check-spi-query";
    case EventType::CheckSpiAnswer:
        return "check-spi-answer";
    case EventType::CookieRejected:
        return "cookie-rejected";
    case EventType::MalformedDropped:
        return "malformed-dropped";
    case EventType::EspNoSa:
        return "esp-no-sa";
    case EventType::EspReplay:
        return "esp-replay";
    case EventType::EspIntegrityFailed:
        return "esp-integrity-failed";
    case EventType::AcquireStarted:
        return "acquire-started";
    case EventType::InnerDropped:
        return "inner-dropped";
    }
    return "unknown";
}

} // namespace ikev2

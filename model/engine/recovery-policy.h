// Crash-recovery schemes as policy objects (DESIGN.md section 4).
//
// The endpoint calls these hooks at every point where a scheme may act; each scheme overrides
// the ones it needs. The base class is the RFC 7296 behaviour (`none`). A new scheme is one
// class in its own files plus one line in CreateRecoveryPolicy() (recovery-policies.cc).
//
// Per-IKE-SA data goes in IkeSa::policyData (a PolicySaData subclass, which reports its size);
// data that must survive a crash goes in ctx.Store(); everything else the policy holds is
// volatile and dropped by OnCrash(). Actions go through EngineContext: DeleteIkeSa() (silent
// delete), Initiate(), StartLivenessCheck(), SendInformational(), ReplaceIkeSa(),
// SendUnprotected(), Emit().
#ifndef IKEV2_RECOVERY_POLICY_H
#define IKEV2_RECOVERY_POLICY_H

#include "engine-config.h"
#include "ike-message.h"
#include "token-bucket.h"

#include <memory>
#include <vector>

namespace ikev2
{

class ChildSa;
class EngineContext;
class IkeSa;

/// The unprotected reply the endpoint sends for a message outside any IKE SA.
struct UnprotectedReply
{
    bool send{false};
    std::vector<Payload> payloads;
    /// Header SPIs of an INVALID_SPI reply to ESP (0, 0 by default; see endpoint.cc).
    uint64_t spiI{0};
    uint64_t spiR{0};
};

class RecoveryPolicy
{
  public:
    explicit RecoveryPolicy(const EndpointConfig& config);
    virtual ~RecoveryPolicy() = default;
    virtual RecoveryScheme Scheme() const { return RecoveryScheme::None; }

    // ---- lifecycle
    /// After every Start() (first boot or reboot): the persistent store is available.
    virtual void OnStart(EngineContext& ctx) {}
    /// Drops the policy's volatile state (the endpoint crashed).
    virtual void OnCrash();
    /// Should the endpoint initiate every connection that has a remote address at Start(),
    /// whatever its start action? (initial-contact: yes after a reboot.)
    virtual bool InitiateAtStart(EngineContext& ctx) const { return false; }

    // ---- payloads we add to our messages
    /// IKE_SA_INIT request (@p request) or response (e.g. a Vendor ID, a SIR cookie).
    virtual void AddIkeSaInitPayloads(EngineContext& ctx,
                                      IkeSa& sa,
                                      bool request,
                                      std::vector<Payload>& out)
    {
    }
    /// First IKE_AUTH request, after AUTH and before the Child SA payloads (RFC 6290 4.2).
    virtual void AddIkeAuthRequestNotifies(EngineContext& ctx,
                                           IkeSa& sa,
                                           std::vector<Payload>& out)
    {
    }
    /// Final IKE_AUTH response, after AUTH and before the Child SA payloads.
    virtual void AddIkeAuthResponseNotifies(EngineContext& ctx,
                                            IkeSa& sa,
                                            std::vector<Payload>& out)
    {
    }
    /// CREATE_CHILD_SA response of an IKE SA rekey we answer (@p newSa has its SPIs and keys).
    virtual void AddIkeRekeyResponseNotifies(EngineContext& ctx,
                                             IkeSa& oldSa,
                                             IkeSa& newSa,
                                             std::vector<Payload>& out)
    {
    }

    // ---- what we see on authenticated SAs
    /// Every IKE_SA_INIT message received for @p sa (request or response), unauthenticated.
    virtual void OnIkeSaInitMessage(EngineContext& ctx,
                                    IkeSa& sa,
                                    const IkeHeader& header,
                                    const std::vector<Payload>& payloads)
    {
    }
    /// Every protected message that passed its integrity check and its exchange's processing
    /// (for IKE_AUTH: only once the peer is authenticated). @p payloads are the inner ones.
    virtual void OnProtectedMessage(EngineContext& ctx,
                                    IkeSa& sa,
                                    const IkeHeader& header,
                                    const std::vector<Payload>& payloads)
    {
    }
    virtual void OnIkeSaEstablished(EngineContext& ctx, IkeSa& sa) {}
    /// @p newSa took over from @p oldSa; @p weInitiated: we started the rekey.
    virtual void OnIkeSaRekeyed(EngineContext& ctx, IkeSa& oldSa, IkeSa& newSa, bool weInitiated)
    {
    }
    /// @p sa is going away (any reason); its policyData goes with it.
    virtual void OnIkeSaDeleted(EngineContext& ctx, IkeSa& sa) {}

    // ---- INITIAL_CONTACT (RFC 7296 2.4)
    /// Put INITIAL_CONTACT in the first IKE_AUTH request of @p sa? Default: when configured
    /// and we hold no other IKE SA with this connection.
    virtual bool SendInitialContact(EngineContext& ctx, const IkeSa& sa);
    /// A protected INITIAL_CONTACT arrived on the newly authenticated @p sa: by default every
    /// older IKE SA with the same remote identity is deleted (InitialContactHonoured and
    /// RecoveryDetected).
    virtual void OnInitialContact(EngineContext& ctx, IkeSa& sa);

    // ---- messages outside any IKE SA we know (RFC 7296 1.5, 2.21.4)
    /// A protected request whose IKE SPIs we do not know (the endpoint's per-address rate
    /// limit has already been applied). Default: INVALID_IKE_SPI.
    virtual UnprotectedReply OnUnknownIkeSpiRequest(EngineContext& ctx,
                                                    const IkeMessage& request,
                                                    const Datagram& in);
    /// ESP with an unknown SPI (after the endpoint's rate limit). Default: INVALID_SPI with
    /// the SPI as data, header SPIs 0.
    virtual UnprotectedReply OnUnknownEspSpi(EngineContext& ctx, uint32_t spi, const Datagram& in);
    /// Any other unprotected message for IKE SPIs we do not know (not IKE_SA_INIT), e.g. a
    /// CHECK_SPI query. Default: dropped (responses are never answered).
    virtual void OnUnprotectedOutsideSa(EngineContext& ctx,
                                        const IkeMessage& message,
                                        const Datagram& in)
    {
    }
    /// An IKE_SA_INIT request the endpoint would turn away for want of a valid COOKIE
    /// (RFC 7296 2.6, half-open load): true lets it in (SIR: a valid Cookie_X issued with a
    /// NACK). Default: false.
    virtual bool AcceptsCookieSubstitute(EngineContext& ctx,
                                         const IkeMessage& request,
                                         const Datagram& in)
    {
        return false;
    }

    // ---- unprotected messages about an SA we have
    /// An unprotected message carrying the SPIs of @p sa (not IKE_SA_INIT), such as an
    /// INVALID_IKE_SPI response to our request in flight (TaskManager::ExpectsResponse()) or
    /// an unprotected request. Default: an INVALID_IKE_SPI response to our request in flight
    /// is a hint (OnUnprotectedHint); anything else is ignored.
    virtual void OnUnprotectedForSa(EngineContext& ctx,
                                    IkeSa& sa,
                                    const IkeMessage& message,
                                    const Datagram& in);
    /// An unprotected INVALID_SPI naming the outbound SPI of @p child (of @p sa), from the
    /// peer's address. Default: a hint (OnUnprotectedHint).
    virtual void OnUnprotectedInvalidSpi(EngineContext& ctx,
                                         IkeSa& sa,
                                         ChildSa& child,
                                         const IkeMessage& message,
                                         const Datagram& in);
    /// What an unauthenticated INVALID_SPI / INVALID_IKE_SPI does. `none`: nothing
    /// (UnprotectedIgnored).
    virtual void OnUnprotectedHint(EngineContext& ctx,
                                   IkeSa& sa,
                                   uint16_t notifyType,
                                   const Datagram& in);

    // ---- timers and resources
    virtual Time NextDeadline() const { return kNever; }
    virtual void OnTimer(EngineContext& ctx) {}
    /// Volatile bytes the policy holds outside the SAs (rate limiters, pending work).
    virtual size_t VolatileStateBytes() const { return 0; }

  protected:
    /// Emits UnprotectedIgnored for @p notifyType on @p sa.
    void Ignore(EngineContext& ctx, IkeSa* sa, uint16_t notifyType, const Datagram& in,
                const std::string& detail);

    const EndpointConfig& m_config;
};

/// The policy for config.scheme; throws ConfigError for a scheme not built in.
std::unique_ptr<RecoveryPolicy> CreateRecoveryPolicy(const EndpointConfig& config);

} // namespace ikev2

#endif

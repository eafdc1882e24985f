// The `sir` recovery scheme: draft-detienne-ikev2-recovery-03 ("Safe IKE Recovery") as a
// RecoveryPolicy. Wire formats and every decision the draft leaves open: doc/sir.md.
//
// Both roles run in every endpoint; which one applies depends on the SA a message names:
// - Y (kept the SA): an unprotected INVALID_IKE_SPI answering our request, or an unprotected
//   INVALID_SPI for one of our outbound Child SAs, makes us ask the peer with an unprotected
//   CHECK_SPI QUERY carrying a stateless cookie (Child path: first a protected
//   SK{CHECK_SPI QUERY(SPI)}); a NACK echoing a valid cookie makes us re-create the IKE SA
//   and its Child SAs, then delete the old ones; an ACK keeps the SA and is logged.
// - X (lost the SA): a QUERY for IKE SPIs we do not know is answered NACK with our own
//   anti-DoS cookie (Cookie_X, a CHECK_SPI LONE_COOKIE), or, in the mandatory-initiator
//   variant, by initiating IKE_SA_INIT(A',0) carrying the NACK; a QUERY for an SA we hold is
//   answered ACK.
// Nothing is stored on either side before a valid NACK (proof) arrives: the cookie secret and
// bounded per-peer rate limiters are the only state, whatever the number of queries.
#ifndef IKEV2_SIR_POLICY_H
#define IKEV2_SIR_POLICY_H

#include "drbg.h"
#include "engine-events.h"
#include "ike-sa.h"
#include "recovery-policy.h"
#include "sir-check-spi.h"
#include "token-bucket.h"

#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace ikev2
{

/// What SIR keeps per IKE SA.
class SirSaData : public PolicySaData
{
  public:
    size_t StateBytes() const override
    {
        size_t n = sizeof(SirSaData) - sizeof(PolicySaData);
        if (initNotify)
        {
            n += sizeof(NotifyPayload) + initNotify->spi.capacity() + initNotify->data.capacity();
        }
        return n;
    }

    bool peerSupportsSir{ false }; ///< the peer sent the "SECURE IKE RECOVERY" Vendor ID
    Time rtt{ 0 };                 ///< round trip measured during IKE_SA_INIT / IKE_AUTH
    Time measureFrom{ kNever };    ///< IKE_SA_INIT sent (only until rtt is measured)
    Time dampenUntil{ 0 };         ///< after a recovery or a logged anomaly (ACK, ACK+NACK)
    Time probeSentAt{ kNever };    ///< our SK{CHECK_SPI QUERY} is out (Child path)
    Time querySentAt{ kNever };    ///< our last unprotected QUERY (one outstanding per SA)
    /// Mandatory-initiator variant (Y): on the SA the peer initiated with a valid NACK, the
    /// handle of the SA that NACK proved dead, deleted once this one is authenticated.
    uint64_t replacesHandle{ 0 };
    /// Until established: the CHECK_SPI this SA repeats in every IKE_SA_INIT request it sends
    /// (Y re-creating: Cookie_X as LONE_COOKIE; X as mandatory initiator: the NACK).
    std::unique_ptr<NotifyPayload> initNotify;
};

class SirPolicy : public RecoveryPolicy
{
  public:
    explicit SirPolicy(const EndpointConfig& config);
    RecoveryScheme Scheme() const override { return RecoveryScheme::Sir; }

    void OnStart(EngineContext& ctx) override;
    void OnCrash() override;

    void AddIkeSaInitPayloads(EngineContext& ctx,
                              IkeSa& sa,
                              bool request,
                              std::vector<Payload>& out) override;
    void OnIkeSaInitMessage(EngineContext& ctx,
                            IkeSa& sa,
                            const IkeHeader& header,
                            const std::vector<Payload>& payloads) override;
    void OnProtectedMessage(EngineContext& ctx,
                            IkeSa& sa,
                            const IkeHeader& header,
                            const std::vector<Payload>& payloads) override;
    void OnIkeSaEstablished(EngineContext& ctx, IkeSa& sa) override;
    void OnIkeSaRekeyed(EngineContext& ctx, IkeSa& oldSa, IkeSa& newSa, bool weInitiated) override;
    void OnIkeSaDeleted(EngineContext& ctx, IkeSa& sa) override;

    void OnUnprotectedOutsideSa(EngineContext& ctx,
                                const IkeMessage& message,
                                const Datagram& in) override;
    void OnUnprotectedForSa(EngineContext& ctx,
                            IkeSa& sa,
                            const IkeMessage& message,
                            const Datagram& in) override;
    void OnUnprotectedInvalidSpi(EngineContext& ctx,
                                 IkeSa& sa,
                                 ChildSa& child,
                                 const IkeMessage& message,
                                 const Datagram& in) override;
    bool AcceptsCookieSubstitute(EngineContext& ctx,
                                 const IkeMessage& request,
                                 const Datagram& in) override;

    Time NextDeadline() const override;
    void OnTimer(EngineContext& ctx) override;
    size_t VolatileStateBytes() const override;

    /// The wait before re-creating (draft 3.2.3) for @p sa: the configured time, else its
    /// measured RTT clamped to [1 ms, 1 s], else 100 ms.
    Time WaitTime(const IkeSa& sa) const;
    /// The RTT measured during IKE_SA_INIT / IKE_AUTH, 100 ms when nothing was measured.
    Time MeasuredRtt(const IkeSa& sa) const;

  private:
    /// A valid NACK seen while waiting (draft 3.2.3) for a contradicting ACK.
    struct Waiting
    {
        Time until{ kNever };
        Bytes cookieX;
    };

    SirSaData& Data(IkeSa& sa);
    const SirSaData* Data(const IkeSa& sa) const;
    bool Dampened(const IkeSa& sa, Time now) const;
    void Dampen(IkeSa& sa, Time now);
    /// Rate limit on unauthenticated input from @p from; emits RateLimited when refused.
    bool Accept(EngineContext& ctx, IkeSa* sa, const SocketAddress& from, const char* what);
    /// Y: the common gate of both triggers (established, SIR peer, not dampened, not waiting);
    /// the caller then takes a token from the peer's bucket only for a hint it acts on.
    bool MayQuery(EngineContext& ctx, IkeSa& sa, uint16_t trigger, const Datagram& in);
    /// Y: true (and the hint ignored) while our last QUERY on @p sa may still be answered.
    bool QueryOutstanding(EngineContext& ctx, IkeSa& sa, uint16_t trigger, const Datagram& in);
    /// Y, IKE path step 3: the unprotected QUERY with Cookie_Y for the IKE SA @p sa.
    void SendIkeQuery(EngineContext& ctx, IkeSa& sa, const char* why);
    /// Y, step 5: an ACK or NACK (header form) answering our QUERY on @p sa.
    void OnAnswer(EngineContext& ctx,
                  IkeSa& sa,
                  const IkeMessage& message,
                  const CheckSpi& answer,
                  const Bytes& cookieX,
                  const Datagram& in);
    /// Y: re-create @p sa, then delete it (draft 3.2.2, 3.6).
    void Recreate(EngineContext& ctx, IkeSa& sa, const Bytes& cookieX);
    /// X: an unprotected QUERY; @p sa is the SA it names if we hold it.
    void AnswerQuery(EngineContext& ctx,
                     IkeSa* sa,
                     const IkeMessage& query,
                     const CheckSpi& c,
                     const Datagram& in);
    /// X, mandatory initiator (draft 3.5): initiate IKE_SA_INIT(A',0) carrying the NACK.
    /// False when no connection can initiate to that peer.
    bool InitiateWithNack(EngineContext& ctx,
                          const IkeMessage& query,
                          const CheckSpi& c,
                          const Datagram& in);
    /// Y, mandatory initiator: an IKE_SA_INIT request carrying an explicit NACK.
    void OnNackInInit(EngineContext& ctx, IkeSa& fresh, const CheckSpi& nack);
    void EmitCheckSpi(EngineContext& ctx,
                      EventType type,
                      IkeSa* sa,
                      const SocketAddress& remote,
                      const std::string& detail);

    std::unique_ptr<Drbg> m_drbg;
    std::unique_ptr<SirCookieJar> m_jar;
    IpRateLimiter m_queryLimiter;  ///< QUERYs we send, per peer address
    IpRateLimiter m_acceptLimiter; ///< unauthenticated SIR input we process, per peer address
    std::map<uint64_t, Waiting> m_waiting; ///< by IKE SA handle
    /// Set only during the Initiate() call that builds the re-creating IKE_SA_INIT.
    std::optional<std::pair<size_t, Bytes>> m_pendingCookieX;
    std::optional<NotifyPayload> m_pendingNack;
};

} // namespace ikev2

#endif

// QCD, Quick Crash Detection (RFC 6290), as a recovery policy: the token maker hands out a
// token per IKE SA inside protected messages and, after losing its state, answers requests for
// IKE SAs it no longer knows with the token in clear; the token taker deletes the IKE SA
// silently when the token it stored matches, and re-establishes it. Every protocol decision is
// in doc/qcd.md; the token primitives are in qcd-token.h.
#ifndef IKEV2_QCD_POLICY_H
#define IKEV2_QCD_POLICY_H

#include "ike-sa.h"
#include "qcd-token.h"
#include "recovery-policy.h"
#include "token-bucket.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ikev2
{

/// What QCD keeps with one IKE SA.
class QcdSaData : public PolicySaData
{
  public:
    /// Taker: the token (or its digest) the peer gave us for this SA.
    StoredToken token;
    /// Maker with address binding (RFC 6290 5.2): the address our token for this SA is bound
    /// to, so that a change is noticed and a replacement sent (4.4).
    bool bound{ false };
    Ipv4Address boundTo;
    /// Maker with the 8.2 map: the inbound Child SPIs of this SA written to the store.
    std::vector<uint32_t> mappedSpis;

    size_t StateBytes() const override
    {
        return token.StateBytes() + (bound ? 4 : 0) + mappedSpis.size() * sizeof(uint32_t);
    }
};

class QcdPolicy : public RecoveryPolicy
{
  public:
    /// Store key prefixes of the RFC 6290 8.2 child-SPI map: entries written during this boot,
    /// and those of the boot before (the SAs a crash lost), each followed by the SPI in hex.
    static constexpr const char* kMapPrefix = "qcd.m.";
    static constexpr const char* kOldMapPrefix = "qcd.o.";
    /// Most map entries written per boot; beyond it new Child SAs are not mapped (their ESP
    /// then takes the INVALID_SPI -> liveness check path).
    static constexpr size_t kMaxMapEntries = 65536;

    /// Throws ConfigError when config.qcd is unusable (ValidateQcdConfig()).
    explicit QcdPolicy(const EndpointConfig& config);
    RecoveryScheme Scheme() const override { return RecoveryScheme::Qcd; }

    void OnStart(EngineContext& ctx) override;
    void OnCrash() override;

    // Maker: tokens in protected messages (RFC 6290 4.2, 4.3).
    void AddIkeAuthRequestNotifies(EngineContext& ctx,
                                   IkeSa& sa,
                                   std::vector<Payload>& out) override;
    void AddIkeAuthResponseNotifies(EngineContext& ctx,
                                    IkeSa& sa,
                                    std::vector<Payload>& out) override;
    void AddIkeRekeyResponseNotifies(EngineContext& ctx,
                                     IkeSa& oldSa,
                                     IkeSa& newSa,
                                     std::vector<Payload>& out) override;
    void OnIkeSaRekeyed(EngineContext& ctx, IkeSa& oldSa, IkeSa& newSa, bool weInitiated) override;

    // Taker: storing tokens; both: 4.4 replacement, 8.2 map upkeep.
    void OnProtectedMessage(EngineContext& ctx,
                            IkeSa& sa,
                            const IkeHeader& header,
                            const std::vector<Payload>& payloads) override;
    void OnIkeSaEstablished(EngineContext& ctx, IkeSa& sa) override;
    void OnIkeSaDeleted(EngineContext& ctx, IkeSa& sa) override;

    // Maker after a crash: the unprotected token replies (4.5, 8.2).
    UnprotectedReply OnUnknownIkeSpiRequest(EngineContext& ctx,
                                            const IkeMessage& request,
                                            const Datagram& in) override;
    UnprotectedReply OnUnknownEspSpi(EngineContext& ctx, uint32_t spi, const Datagram& in) override;

    // Taker: verification (4.5, 8.2) and the RFC 7296 2.21.4 hint for everything else.
    void OnUnprotectedForSa(EngineContext& ctx,
                            IkeSa& sa,
                            const IkeMessage& message,
                            const Datagram& in) override;
    void OnUnprotectedInvalidSpi(EngineContext& ctx,
                                 IkeSa& sa,
                                 ChildSa& child,
                                 const IkeMessage& message,
                                 const Datagram& in) override;
    void OnUnprotectedHint(EngineContext& ctx,
                           IkeSa& sa,
                           uint16_t notifyType,
                           const Datagram& in) override;

    size_t VolatileStateBytes() const override;

    /// Store key of the map entry for inbound SPI @p spi under @p prefix.
    static std::string MapKey(const char* prefix, uint32_t spi);

  private:
    QcdSaData& Data(IkeSa& sa);
    /// The token for @p sa from the newest secret (bound to sa.remote when configured), and
    /// the bound address noted on the SA.
    Payload TokenFor(IkeSa& sa);
    bool MakerActive() const { return m_config.qcd.maker && m_maker != nullptr; }
    bool InPostBootWindow(EngineContext& ctx) const;
    /// The tokens of an unprotected reply for (spiI, spiR) to @p in, or none when the window,
    /// the rate limit or 9.2 forbid it.
    std::vector<Bytes> ReplyTokens(EngineContext& ctx,
                                   uint64_t spiI,
                                   uint64_t spiR,
                                   const Datagram& in,
                                   const char* what);
    void StoreToken(EngineContext& ctx, IkeSa& sa, const Bytes& token, const char* how);
    /// Compares @p tokens with the one stored for @p sa (rate-limited per source); on a match
    /// deletes @p sa silently and re-establishes it. True on a match.
    bool Verify(EngineContext& ctx,
                IkeSa& sa,
                const std::vector<Bytes>& tokens,
                const Datagram& in,
                const char* path);
    void Reject(EngineContext& ctx, IkeSa& sa, const Datagram& in, const std::string& why);
    void Reestablish(EngineContext& ctx, const PeerConfig& peer);

    // RFC 6290 8.2 map.
    void RotateMapAtStart(EngineContext& ctx);
    void SyncChildMap(EngineContext& ctx, IkeSa& sa);
    void EraseMapEntries(EngineContext& ctx, IkeSa& sa);
    bool LookupMap(EngineContext& ctx, uint32_t spi, uint64_t& spiI, uint64_t& spiR) const;

    std::unique_ptr<QcdSecretStore> m_secrets;
    std::unique_ptr<QcdTokenMaker> m_maker;
    IpRateLimiter m_replyLimiter;
    IpRateLimiter m_verifyLimiter;
    U64RateLimiter m_hintLimiter;
    /// Re-initiations started by verified tokens, not yet established (QcdConfig::maxPending).
    std::set<uint64_t> m_pending;
    size_t m_mapEntries{ 0 };
};

} // namespace ikev2

#endif

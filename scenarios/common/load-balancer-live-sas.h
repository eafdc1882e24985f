// The cluster-wide list of live SAs (RFC 6290 9.2): which member holds which established IKE SA
// and which inbound Child SA, kept from the members' IkeApplication "SaState" traces. It is an
// in-simulation table standing for the state-sharing channel of a real cluster (doc/
// load-balancer.md says what that leaves out). Also: the SPIs of a packet sent to the cluster.
#ifndef SCENARIOS_LOAD_BALANCER_LIVE_SAS_H
#define SCENARIOS_LOAD_BALANCER_LIVE_SAS_H

#include "ike-application.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace ns3
{
class Packet;
}

namespace scenarios
{

class LiveSaList
{
  public:
    /// Follows member @p member's SA events.
    void Connect(uint32_t member, ns3::Ptr<ns3::IkeApplication> app);
    /// Member @p member lost its state (crash): none of its SAs is live any more.
    void ForgetMember(uint32_t member);

    std::optional<uint32_t> IkeOwner(uint64_t spiI, uint64_t spiR) const;
    std::optional<uint32_t> ChildOwner(uint32_t inboundSpi) const;
    /// The member holding an established IKE SA of connection @p peer (a member's connection
    /// name), the newest one if several do.
    std::optional<uint32_t> PeerOwner(const std::string& peer) const;

    /// The QcdConfig::liveElsewhere hook of member @p member: live on any other member.
    /// Counts the questions answered "yes" (tokens withheld).
    std::function<bool(uint64_t, uint64_t)> HookFor(uint32_t member);
    uint64_t TokensWithheld() const { return m_withheld; }

  private:
    void OnSaState(uint32_t member, const ikev2::Event& e);

    struct IkeEntry
    {
        uint32_t member;
        std::string peer;
        uint64_t order; ///< establishment order, for PeerOwner's "newest"
    };
    std::map<std::pair<uint64_t, uint64_t>, IkeEntry> m_ike;
    std::map<uint32_t, uint32_t> m_child; ///< inbound Child SPI -> member
    uint64_t m_order{ 0 };
    uint64_t m_withheld{ 0 };
};

/// The SPIs in a packet to the cluster address, as the load balancer sees it (after the IPv4
/// header): IKE on UDP 500 or 4500 (after the non-ESP marker), ESP on IP 50 or in UDP 4500.
/// Truncated packets give nothing.
struct ClusterPacketSpis
{
    bool ike{ false };
    uint64_t spiI{ 0 };
    uint64_t spiR{ 0 };
    bool esp{ false };
    uint32_t espSpi{ 0 };
};
ClusterPacketSpis ParseClusterPacket(uint8_t protocol, const ns3::Packet& packet);

} // namespace scenarios

#endif

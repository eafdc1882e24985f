// On-path sniffer-injector: a promiscuous tap on the WAN link that can read every packet and add
// its own, but cannot remove or delay any. It learns the real IKE SPIs and message IDs, the Child
// SPIs (from ESP headers), any QCD token or SIR cookie that crosses in clear, and keeps the last
// unprotected packets to replay. It answers Alice's requests faster than Bob can (it sits next to
// Bob's end of the link, so its answer saves one WAN traversal):
// - a protected request from Alice -> unprotected INVALID_IKE_SPI, and a second one carrying a
//   QCD token if qcd-token is in the mix (a token captured in clear if any, else a random one);
// - an unprotected CHECK_SPI QUERY from Alice -> the NACK echoing her cookie.
// Its periodic mix (--attackRate) uses what it learned: INVALID_SPI for Alice's real outbound
// Child SPI, unsolicited INVALID_IKE_SPI / token / NACK with the real SPIs, replays.
#ifndef IKEV2_ATTACKS_ON_PATH_INJECTOR_H
#define IKEV2_ATTACKS_ON_PATH_INJECTOR_H

#include "attacker-application.h"

#include <deque>
#include <optional>

namespace ns3
{

/**
 * \ingroup ikev2
 * On-path sniff-and-inject attacker (doc/mitm.md).
 */
class OnPathInjector : public AttackerApplication
{
  public:
    static TypeId GetTypeId();
    /// The default mix: invalid-spi, invalid-ike-spi, qcd-token, check-spi-nack, replay.
    static std::vector<attacks::ForgeryKind> DefaultKinds();

    /// Packets seen on the link (not counting its own).
    uint64_t GetSniffed() const;

  protected:
    void Begin() override;
    void Tick() override;

  private:
    void OnTx(bool fromAlice, Ptr<const Packet> packet);
    void OnIke(bool fromAlice, const ikev2::Bytes& ike, uint16_t sport, uint16_t dport);

    uint64_t m_sniffed{ 0 };
    std::optional<uint32_t> m_aliceOutSpi;          ///< SPI of Alice's ESP to Bob (her outbound SA)
    std::optional<ikev2::IkeHeader> m_aliceRequest; ///< Alice's latest IKE request header
    std::optional<ikev2::IkeHeader> m_anyIke;       ///< latest header with both SPIs set
    std::vector<ikev2::Bytes> m_tokens;             ///< QCD tokens seen in clear
    std::deque<std::pair<bool, Ptr<const Packet>>> m_captured; ///< (toAlice, IP packet)
    size_t m_replayNext{ 0 };
};

} // namespace ns3

#endif

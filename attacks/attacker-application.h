// The common part of the three attacker models: where forged packets enter the WAN link, what
// they look like as IPv4/UDP/ESP, the --attackRate clock and the per-kind counters.
//
// Injection point: the attacker's node has no stack and no link of its own. A packet for Alice is
// handed to Bob's WAN device (and one for Bob to Alice's), below IP, so that it travels the WAN
// channel and arrives exactly like a packet routed from anywhere on the Internet with a spoofed
// source address. It shares that device's transmit queue with the real traffic (1000 forged
// packets/s of ~70 octets are ~0.6 Mbps of the default 10 Mbps; doc/mitm.md).
#ifndef IKEV2_ATTACKS_ATTACKER_APPLICATION_H
#define IKEV2_ATTACKS_ATTACKER_APPLICATION_H

#include "forgery.h"
#include "ns3/application.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup ikev2
 * Base of the attacker applications (off-path spoofer, on-path injector, MITM).
 */
class AttackerApplication : public Application
{
  public:
    static TypeId GetTypeId();
    AttackerApplication();

    /// The WAN link and the two gateways' WAN addresses (Alice is the victim).
    void SetLink(Ptr<PointToPointNetDevice> aliceDevice,
                 Ptr<PointToPointNetDevice> bobDevice,
                 Ipv4Address alice,
                 Ipv4Address bob);
    /// The forgery kinds to send (replaces the position's default mix).
    void SetKinds(const std::vector<attacks::ForgeryKind>& kinds);
    const std::vector<attacks::ForgeryKind>& GetKinds() const;
    /// Uses one stream of randomness from @p stream; returns the number used.
    int64_t AssignStreams(int64_t stream);

    /// Forged (or replayed) packets put on the link, by kind name.
    const std::map<std::string, uint64_t>& GetForged() const;
    uint64_t GetForgedTotal() const;
    /// Time of the first forged packet, -1 if none (ns).
    int64_t GetFirstForgedNs() const;

    /// (kind, toAlice, octets of the IP packet) for each forged packet.
    typedef void (*ForgedTracedCallback)(const std::string& kind, bool toAlice, uint32_t bytes);

  protected:
    void DoDispose() override;
    void StartApplication() override;
    void StopApplication() override;

    /// One forged packet per tick of the --attackRate clock.
    virtual void Tick() = 0;
    /// Called once at start, after the clock is armed (subclasses connect their taps).
    virtual void Begin() {}

    /// Sends @p payload as UDP (@p sport -> @p dport) from @p spoofedSource to Alice or Bob.
    void InjectUdp(attacks::ForgeryKind kind,
                   bool toAlice,
                   uint16_t sport,
                   uint16_t dport,
                   const ikev2::Bytes& payload);
    /// Sends @p esp as IP protocol 50, spoofing the other gateway's address.
    void InjectEsp(attacks::ForgeryKind kind, bool toAlice, const ikev2::Bytes& esp);
    /// Re-sends a captured IP packet unchanged (with its original addresses).
    void InjectRaw(attacks::ForgeryKind kind, bool toAlice, Ptr<const Packet> ipPacket);
    /// True for a packet this attacker put on the link (its taps must not learn from it).
    bool IsOwn(Ptr<const Packet> packet) const;

    /// The next kind of the mix, round robin.
    attacks::ForgeryKind NextKind();
    bool Has(attacks::ForgeryKind kind) const;
    uint32_t Random32();
    ikev2::Bytes RandomBytes(size_t n);

    Ptr<PointToPointNetDevice> m_aliceDevice;
    Ptr<PointToPointNetDevice> m_bobDevice;
    Ipv4Address m_alice;
    Ipv4Address m_bob;
    bool m_running{ false }; ///< between StartApplication and StopApplication

  private:
    /// Puts the IPv4 header of a packet between Alice and Bob (spoofed source) on @p payload
    /// and sends it.
    void SendAsIp(attacks::ForgeryKind kind, bool toAlice, uint8_t protocol, Ptr<Packet> payload);
    void Send(attacks::ForgeryKind kind, bool toAlice, Ptr<Packet> ipPacket);
    void Clock();

    double m_rate{ 1 };
    std::vector<attacks::ForgeryKind> m_kinds;
    size_t m_next{ 0 };
    Ptr<UniformRandomVariable> m_rng;
    EventId m_clock;
    uint16_t m_ipId{ 0 };
    std::set<uint64_t> m_own;
    std::map<std::string, uint64_t> m_forged;
    uint64_t m_total{ 0 };
    int64_t m_firstNs{ -1 };
    TracedCallback<const std::string&, bool, uint32_t> m_forgedTrace;
};

} // namespace ns3

#endif

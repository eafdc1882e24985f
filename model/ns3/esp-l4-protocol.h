// ESP (RFC 4303) as IP protocol 50 in the ns-3 IPv4 stack. The protocol only moves bytes: every
// ESP packet that reaches the node is handed, as an engine Datagram, to the receiver (the node's
// IKE daemon, which owns the SAs); ESP packets the engine builds leave through Send().
#ifndef IKEV2_NS3_ESP_L4_PROTOCOL_H
#define IKEV2_NS3_ESP_L4_PROTOCOL_H

#include "engine-types.h"
#include "ns3/ip-l4-protocol.h"
#include "ns3/ipv4-address.h"
#include "ns3/traced-callback.h"

#include <functional>

namespace ns3
{

class Node;

/**
 * \ingroup ikev2
 * IP protocol 50 on IPv4. Aggregate it to a node that has an Ipv4 stack: it inserts itself into
 * the stack (as UdpL4Protocol does) and sends through Ipv4::Send.
 */
class EspL4Protocol : public IpL4Protocol
{
  public:
    static const uint8_t PROT_NUMBER = 50;

    static TypeId GetTypeId();
    EspL4Protocol();
    ~EspL4Protocol() override;

    /// Receives every inbound ESP packet (Transport::EspIp, local = destination address).
    using Receiver = std::function<void(const ikev2::Datagram&)>;
    void SetReceiver(Receiver receiver);

    /// Sends @p esp (SPI onwards) from @p source to @p destination as an IPv4 protocol-50
    /// packet; the routing protocol picks the interface.
    void Send(const ikev2::Bytes& esp, Ipv4Address source, Ipv4Address destination);

    int GetProtocolNumber() const override;
    IpL4Protocol::RxStatus Receive(Ptr<Packet> p,
                                   const Ipv4Header& header,
                                   Ptr<Ipv4Interface> incomingInterface) override;
    IpL4Protocol::RxStatus Receive(Ptr<Packet> p,
                                   const Ipv6Header& header,
                                   Ptr<Ipv6Interface> incomingInterface) override;
    void SetDownTarget(IpL4Protocol::DownTargetCallback cb) override;
    void SetDownTarget6(IpL4Protocol::DownTargetCallback6 cb) override;
    IpL4Protocol::DownTargetCallback GetDownTarget() const override;
    IpL4Protocol::DownTargetCallback6 GetDownTarget6() const override;

    /// Signature of the Tx and Rx trace sources: the IPv4 payload (the ESP packet) and the
    /// outer addresses.
    typedef void (*EspPacketTracedCallback)(Ptr<const Packet> esp,
                                            Ipv4Address source,
                                            Ipv4Address destination);

  protected:
    void NotifyNewAggregate() override;
    void DoDispose() override;

  private:
    Ptr<Node> m_node;
    Receiver m_receiver;
    IpL4Protocol::DownTargetCallback m_downTarget;
    IpL4Protocol::DownTargetCallback6 m_downTarget6;
    TracedCallback<Ptr<const Packet>, Ipv4Address, Ipv4Address> m_txTrace;
    TracedCallback<Ptr<const Packet>, Ipv4Address, Ipv4Address> m_rxTrace;
};

/// ns-3 <-> engine address conversions.
ikev2::Ipv4Address ToEngine(Ipv4Address address);
Ipv4Address FromEngine(ikev2::Ipv4Address address);

} // namespace ns3

#endif

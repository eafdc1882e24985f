// The engine's datagrams on real sockets: UDP 500 (IKE), UDP 4500 (IKE with the non-ESP marker
// and UDP-encapsulated ESP, RFC 3948) and, optionally, a raw socket for ESP in IP (protocol 50).
// Payloads go to and from the engine untouched: marker and keepalive handling are the engine's.
#ifndef IKEV2_TOOLS_UDP_TRANSPORT_H
#define IKEV2_TOOLS_UDP_TRANSPORT_H

#include "engine-types.h"

#include <array>
#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

namespace ikev2
{
namespace tools
{

class UdpTransport
{
  public:
    using Receive = std::function<void(Datagram)>;
    using Warn = std::function<void(const std::string&)>;

    UdpTransport(boost::asio::io_context& io, Receive receive, Warn warn);
    ~UdpTransport();

    /// Binds @p local on both ports (and the raw ESP socket if @p rawEsp; failing to open that
    /// one only warns: ESP then needs UDP encapsulation). False with @p error otherwise.
    bool Open(Ipv4Address local,
              uint16_t ikePort,
              uint16_t natTPort,
              bool rawEsp,
              std::string& error);
    void Close();
    /// Sends from the socket whose port is @p d.local.port (raw socket for Transport::EspIp).
    bool Send(const Datagram& d);

  private:
    struct UdpSocket
    {
        explicit UdpSocket(boost::asio::io_context& io)
          : socket(io)
        {
        }
        boost::asio::ip::udp::socket socket;
        boost::asio::ip::udp::endpoint sender;
        std::array<uint8_t, 65536> buffer{};
        uint16_t port{ 0 };
    };
    struct RawSocket;

    void ReceiveUdp(UdpSocket& s);
    void ReceiveRaw();

    boost::asio::io_context& m_io;
    Receive m_receive;
    Warn m_warn;
    Ipv4Address m_local;
    std::unique_ptr<UdpSocket> m_ike;
    std::unique_ptr<UdpSocket> m_natT;
    std::unique_ptr<RawSocket> m_raw;
};

} // namespace tools
} // namespace ikev2

#endif

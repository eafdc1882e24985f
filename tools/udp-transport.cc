#include "udp-transport.h"

#include "bytes.h"

#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

namespace ikev2
{
namespace tools
{

namespace asio = boost::asio;
using asio::ip::udp;

struct UdpTransport::RawSocket
{
    explicit RawSocket(asio::io_context& io)
      : socket(io)
    {
    }
    asio::generic::raw_protocol::socket socket;
    asio::generic::raw_protocol::endpoint sender;
    std::array<uint8_t, 65536> buffer{};
};

namespace
{

asio::ip::address_v4
ToAsio(Ipv4Address a)
{
    return asio::ip::address_v4(a.value);
}

Ipv4Address
FromAsio(const asio::ip::address& a)
{
    Ipv4Address out;
    out.value = a.is_v4() ? a.to_v4().to_uint() : 0;
    return out;
}

asio::generic::raw_protocol::endpoint
RawEndpoint(Ipv4Address ip)
{
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(ip.value);
    return asio::generic::raw_protocol::endpoint(&sa, sizeof(sa), IPPROTO_ESP);
}

} // namespace

UdpTransport::UdpTransport(asio::io_context& io, Receive receive, Warn warn)
  : m_io(io)
  , m_receive(std::move(receive))
  , m_warn(std::move(warn))
{
}

UdpTransport::~UdpTransport()
{
    Close();
}

bool
UdpTransport::Open(Ipv4Address local,
                   uint16_t ikePort,
                   uint16_t natTPort,
                   bool rawEsp,
                   std::string& error)
{
    m_local = local;
    auto open = [&](std::unique_ptr<UdpSocket>& s, uint16_t port)
    {
        s = std::make_unique<UdpSocket>(m_io);
        s->port = port;
        boost::system::error_code ec;
        s->socket.open(udp::v4(), ec);
        if (!ec)
        {
            s->socket.set_option(udp::socket::reuse_address(true), ec);
        }
        if (!ec)
        {
            s->socket.bind(udp::endpoint(ToAsio(local), port), ec);
        }
        if (ec)
        {
            error = "cannot bind UDP " + local.ToString() + ":" + std::to_string(port) + ": " +
                    ec.message();
            return false;
        }
        ReceiveUdp(*s);
        return true;
    };
    if (!open(m_ike, ikePort) || !open(m_natT, natTPort))
    {
        return false;
    }
    if (rawEsp)
    {
        m_raw = std::make_unique<RawSocket>(m_io);
        boost::system::error_code ec;
        m_raw->socket.open(asio::generic::raw_protocol(AF_INET, IPPROTO_ESP), ec);
        if (!ec)
        {
            m_raw->socket.bind(RawEndpoint(local), ec);
        }
        if (ec)
        {
            m_warn("no raw ESP socket (" + ec.message() + "): ESP in IP unavailable");
            m_raw.reset();
        }
        else
        {
            ReceiveRaw();
        }
    }
    return true;
}

void
UdpTransport::Close()
{
    boost::system::error_code ec;
    for (auto* s : { m_ike.get(), m_natT.get() })
    {
        if (s != nullptr)
        {
            s->socket.close(ec);
        }
    }
    if (m_raw)
    {
        m_raw->socket.close(ec);
    }
}

void
UdpTransport::ReceiveUdp(UdpSocket& s)
{
    s.socket.async_receive_from(asio::buffer(s.buffer),
                                s.sender,
                                [this, &s](boost::system::error_code ec, size_t n)
                                {
                                    if (ec == asio::error::operation_aborted || !s.socket.is_open())
                                    {
                                        return;
                                    }
                                    if (!ec)
                                    {
                                        Datagram d;
                                        d.transport = Transport::Udp;
                                        d.local.ip = m_local;
                                        d.local.port = s.port;
                                        d.remote.ip = FromAsio(s.sender.address());
                                        d.remote.port = s.sender.port();
                                        d.data.assign(s.buffer.begin(), s.buffer.begin() + n);
                                        m_receive(std::move(d));
                                    }
                                    ReceiveUdp(s);
                                });
}

void
UdpTransport::ReceiveRaw()
{
    m_raw->socket.async_receive_from(
      asio::buffer(m_raw->buffer),
      m_raw->sender,
      [this](boost::system::error_code ec, size_t n)
      {
          if (ec == asio::error::operation_aborted || !m_raw || !m_raw->socket.is_open())
          {
              return;
          }
          // An IPv4 raw socket delivers the IP header too: take the addresses from it and hand
          // the engine the ESP packet. Only the version/IHL octet and the addresses are read.
          ByteReader r(m_raw->buffer.data(), ec ? 0 : n);
          uint8_t versionIhl = 0;
          uint32_t src = 0;
          uint32_t dst = 0;
          if (!ec && r.ReadU8(versionIhl) && (versionIhl >> 4) == 4 && r.Skip(11) &&
              r.ReadU32(src) && r.ReadU32(dst) &&
              r.Skip(static_cast<size_t>(versionIhl & 0x0F) * 4 > 20
                       ? static_cast<size_t>(versionIhl & 0x0F) * 4 - 20
                       : 0) &&
              (versionIhl & 0x0F) >= 5)
          {
              Datagram d;
              d.transport = Transport::EspIp;
              d.local.ip.value = dst;
              d.remote.ip.value = src;
              r.ReadRest(d.data);
              m_receive(std::move(d));
          }
          ReceiveRaw();
      });
}

bool
UdpTransport::Send(const Datagram& d)
{
    boost::system::error_code ec;
    if (d.transport == Transport::EspIp)
    {
        if (!m_raw)
        {
            m_warn("dropping ESP in IP to " + d.remote.ip.ToString() + ": no raw socket");
            return false;
        }
        m_raw->socket.send_to(asio::buffer(d.data), RawEndpoint(d.remote.ip), 0, ec);
    }
    else
    {
        UdpSocket* s = d.local.port == m_natT->port  ? m_natT.get()
                       : d.local.port == m_ike->port ? m_ike.get()
                                                     : nullptr;
        if (s == nullptr)
        {
            m_warn("dropping datagram from unknown local port " + std::to_string(d.local.port));
            return false;
        }
        s->socket.send_to(
          asio::buffer(d.data), udp::endpoint(ToAsio(d.remote.ip), d.remote.port), 0, ec);
    }
    if (ec)
    {
        m_warn("send to " + d.remote.ToString() + " failed: " + ec.message());
        return false;
    }
    return true;
}

} // namespace tools
} // namespace ikev2

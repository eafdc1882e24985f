#include "control-channel.h"

#include <unistd.h>

namespace ikev2
{
namespace tools
{

namespace asio = boost::asio;
using asio::local::stream_protocol;

/// One connected client; keeps itself alive through its pending operations.
struct ControlChannel::Session : std::enable_shared_from_this<ControlChannel::Session>
{
    Session(stream_protocol::socket s, Handler& h)
      : socket(std::move(s))
      , handler(h)
    {
    }

    void Read()
    {
        auto self = shared_from_this();
        asio::async_read_until(socket,
                               input,
                               '\n',
                               [self](boost::system::error_code ec, size_t)
                               {
                                   if (ec)
                                   {
                                       return;
                                   }
                                   std::istream in(&self->input);
                                   std::string line;
                                   std::getline(in, line);
                                   if (!line.empty() && line.back() == '\r')
                                   {
                                       line.pop_back();
                                   }
                                   self->reply = self->handler(line) + "\n";
                                   asio::async_write(self->socket,
                                                     asio::buffer(self->reply),
                                                     [self](boost::system::error_code wec, size_t)
                                                     {
                                                         if (!wec)
                                                         {
                                                             self->Read();
                                                         }
                                                     });
                               });
    }

    stream_protocol::socket socket;
    Handler& handler;
    asio::streambuf input{ 64 * 1024 }; ///< a longer line ends the session
    std::string reply;
};

ControlChannel::ControlChannel(asio::io_context& io, Handler handler)
  : m_io(io)
  , m_handler(std::move(handler))
{
}

ControlChannel::~ControlChannel()
{
    Close();
}

bool
ControlChannel::Open(const std::string& path, std::string& error)
{
    ::unlink(path.c_str());
    boost::system::error_code ec;
    m_acceptor = std::make_unique<stream_protocol::acceptor>(m_io);
    m_acceptor->open(stream_protocol(), ec);
    if (!ec)
    {
        m_acceptor->bind(stream_protocol::endpoint(path), ec);
    }
    if (!ec)
    {
        m_acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec)
    {
        error = "control socket " + path + ": " + ec.message();
        return false;
    }
    m_path = path;
    Accept();
    return true;
}

void
ControlChannel::Close()
{
    if (m_acceptor)
    {
        boost::system::error_code ec;
        m_acceptor->close(ec);
        m_acceptor.reset();
        ::unlink(m_path.c_str());
    }
}

void
ControlChannel::Accept()
{
    m_acceptor->async_accept(
      [this](boost::system::error_code ec, stream_protocol::socket s)
      {
          if (ec == asio::error::operation_aborted || !m_acceptor)
          {
              return;
          }
          if (!ec)
          {
              std::make_shared<Session>(std::move(s), m_handler)->Read();
          }
          Accept();
      });
}

} // namespace tools
} // namespace ikev2

// The control socket of ikev2-peer: a UNIX stream socket where each line is a command and each
// command gets one line back, so that tests can ask for a rekey, a delete, a crash or the
// current SAs while the peer runs (`printf 'status\n' | socat - UNIX:path` works too).
#ifndef IKEV2_TOOLS_CONTROL_CHANNEL_H
#define IKEV2_TOOLS_CONTROL_CHANNEL_H

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

namespace ikev2
{
namespace tools
{

class ControlChannel
{
  public:
    using Handler = std::function<std::string(const std::string&)>;

    ControlChannel(boost::asio::io_context& io, Handler handler);
    ~ControlChannel();
    /// Removes a stale socket file at @p path, then listens there.
    bool Open(const std::string& path, std::string& error);
    void Close();

  private:
    struct Session;
    void Accept();

    boost::asio::io_context& m_io;
    Handler m_handler;
    std::string m_path;
    std::unique_ptr<boost::asio::local::stream_protocol::acceptor> m_acceptor;
};

} // namespace tools
} // namespace ikev2

#endif

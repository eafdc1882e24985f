// The engine's API: one IKEv2/ESP endpoint (a gateway's IKE daemon plus its ESP data plane),
// sans-I/O. The adapter feeds it datagrams, outbound inner packets and timer expiries, each
// with the current time; the endpoint appends what to send, what to deliver, what happened and
// which crypto it performed to an Output, and reports its next deadline. It never reads a
// clock, sleeps or owns a socket.
#ifndef IKEV2_ENDPOINT_H
#define IKEV2_ENDPOINT_H

#include "crypto-meter.h"
#include "engine-config.h"
#include "engine-events.h"
#include "persistent-store.h"

#include <memory>

namespace ikev2
{

/// Everything one call produced. The adapter clears it (or not) between calls.
struct Output
{
    std::vector<Datagram> datagrams; ///< to send, in order
    std::vector<Bytes> delivered;    ///< decrypted inner IPv4 packets for the protected side
    std::vector<Event> events;
    CryptoCounts crypto;             ///< crypto performed by this call (charged as CPU time)
    std::vector<std::string> ikeKeyLines; ///< Wireshark ikev2_decryption_table lines
    std::vector<std::string> espKeyLines; ///< Wireshark esp_sa lines
    void Clear();
};

/// Counters a node exposes (RFC 4303 3.4 audit counters and unauthenticated-input counters).
struct EndpointCounters
{
    uint64_t malformedDropped{0};
    uint64_t espNoSa{0};
    uint64_t espReplay{0};
    uint64_t espIntegrityFailed{0};
    uint64_t espPacketsIn{0};
    uint64_t espPacketsOut{0};
    uint64_t ikeMessagesIn{0};
    uint64_t ikeMessagesOut{0};
    uint64_t ikeBytesIn{0};
    uint64_t ikeBytesOut{0};
    uint64_t unprotectedIn{0};
    uint64_t unprotectedOut{0};
    uint64_t rateLimited{0};
    uint64_t retransmissions{0};
    uint64_t innerDroppedNoSa{0};
};

class EndpointImpl;

class Endpoint
{
  public:
    /// Validates @p config (throws ConfigError naming the bad value). @p store survives
    /// Crash(); the adapter owns it so that it outlives this object if it wants.
    Endpoint(EndpointConfig config, PersistentStore& store);
    ~Endpoint();
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    /// The daemon starts (first boot or after a reboot): connections with StartAction::Start
    /// initiate; schemes that initiate after a reboot (initial-contact) do so.
    void Start(Time now, Output& out);
    /// A datagram arrived (IKE on UDP 500/4500, ESP in IP or in UDP 4500).
    void HandleDatagram(Time now, const Datagram& in, Output& out);
    /// An inner IPv4 packet from the protected side to be sent through a Child SA; triggers
    /// an acquire when no Child SA covers it.
    void SendInner(Time now, const Bytes& ipv4Packet, Output& out);
    /// Initiates the named connection now.
    void Initiate(Time now, const std::string& peerName, Output& out);
    /// Initiates a rekey of the first Child SA / the IKE SA of the named connection.
    void RekeyChild(Time now, const std::string& peerName, Output& out);
    void RekeyIke(Time now, const std::string& peerName, Output& out);
    /// Deletes the IKE SA of the named connection (INFORMATIONAL Delete).
    void Terminate(Time now, const std::string& peerName, Output& out);
    /// Timers: call at (or after) NextDeadline().
    void HandleTimer(Time now, Output& out);
    Time NextDeadline() const;

    /// Forgets one IKE SA (with its Child SAs) or one Child SA silently, as a bug or a partial
    /// failure would (the sa-loss scenario): nothing is sent. False when there is no such SA.
    bool ForgetIkeSa(Time now, uint64_t spiI, uint64_t spiR, Output& out);
    bool ForgetChildSa(Time now, uint32_t spiIn, Output& out);

    /// Drops all volatile state (SAs, half-open state, caches, rate limiters); the persistent
    /// store and configuration survive. Call Start() when the node is back.
    void Crash();

    const EndpointConfig& Config() const;
    const EndpointCounters& Counters() const;
    /// Snapshot of the SAs, for tests and the stats collector.
    std::vector<IkeSaInfo> IkeSas() const;
    /// Bytes of volatile state this endpoint holds per IKE SA (with its Child SAs),
    /// for the resource comparison of the schemes.
    size_t StateBytesPerIkeSa() const;
    size_t VolatileStateBytes() const;

  private:
    std::unique_ptr<EndpointImpl> m_impl;
};

} // namespace ikev2

#endif

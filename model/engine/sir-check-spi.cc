#include "sir-check-spi.h"

#include "drbg.h"

#include <algorithm>

namespace ikev2
{

namespace
{

constexpr uint8_t kKindQuery = 0x01;
constexpr uint8_t kKindLone = 0x02;
constexpr char kVendorIdText[] = "SECURE IKE RECOVERY";

/// now < start + span, without overflowing for long lifetimes.
bool
Within(Time now, Time start, Time span)
{
    return now < start || now - start < span;
}

void
PutAddresses(ByteWriter& w, const SocketAddress& local, const SocketAddress& remote)
{
    w.U32(local.ip.value);
    w.U32(remote.ip.value);
    w.U16(local.port);
    w.U16(remote.port);
}

Bytes
QueryInput(const CheckSpi& c,
           uint64_t ikeSpiI,
           uint64_t ikeSpiR,
           const SocketAddress& local,
           const SocketAddress& remote)
{
    ByteWriter w(3 + c.spi.size() + 16 + 12);
    w.U8(kKindQuery);
    uint64_t spiI = ikeSpiI;
    uint64_t spiR = ikeSpiR;
    if (c.IsIkeSa() && CheckSpiIkeSpis(c, ikeSpiI, ikeSpiR, spiI, spiR))
    {
        // Both IKE forms are MACed as the header form: ProtocolId 0, no SPI, then the pair.
        w.U8(0);
        w.U8(0);
    }
    else
    {
        w.U8(c.protocolId);
        w.U8(static_cast<uint8_t>(c.spi.size()));
        w.Append(c.spi);
    }
    w.U64(spiI);
    w.U64(spiR);
    PutAddresses(w, local, remote);
    return w.Take();
}

Bytes
LoneInput(const SocketAddress& local, const SocketAddress& remote)
{
    ByteWriter w(13);
    w.U8(kKindLone);
    PutAddresses(w, local, remote);
    return w.Take();
}

} // namespace

const char*
CheckSpiSubtypeName(CheckSpiSubtype s)
{
    switch (s)
    {
    case CheckSpiSubtype::Query:
        return "QUERY";
    case CheckSpiSubtype::Ack:
        return "ACK";
    case CheckSpiSubtype::Nack:
        return "NACK";
    case CheckSpiSubtype::LoneCookie:
        return "LONE_COOKIE";
    }
    return "?";
}

CheckSpi
MakeIkeCheckSpi(CheckSpiSubtype subtype, Bytes cookie)
{
    CheckSpi c;
    c.subtype = subtype;
    c.protocolId = static_cast<uint8_t>(ProtocolId::None);
    c.cookie = std::move(cookie);
    return c;
}

CheckSpi
MakeExplicitIkeCheckSpi(CheckSpiSubtype subtype, uint64_t spiI, uint64_t spiR, Bytes cookie)
{
    CheckSpi c;
    c.subtype = subtype;
    c.protocolId = static_cast<uint8_t>(ProtocolId::Ike);
    ByteWriter w(16);
    w.U64(spiI);
    w.U64(spiR);
    c.spi = w.Take();
    c.cookie = std::move(cookie);
    return c;
}

CheckSpi
MakeChildCheckSpi(CheckSpiSubtype subtype, uint32_t espSpi, Bytes cookie)
{
    CheckSpi c;
    c.subtype = subtype;
    c.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
    ByteWriter w(4);
    w.U32(espSpi);
    c.spi = w.Take();
    c.cookie = std::move(cookie);
    return c;
}

CheckSpi
MakeLoneCookie(Bytes cookieX)
{
    return MakeIkeCheckSpi(CheckSpiSubtype::LoneCookie, std::move(cookieX));
}

uint32_t
CheckSpiEspSpi(const CheckSpi& c)
{
    uint32_t spi = 0;
    if (c.protocolId == static_cast<uint8_t>(ProtocolId::Esp))
    {
        ByteReader r(c.spi);
        r.ReadU32(spi);
    }
    return spi;
}

bool
CheckSpiIkeSpis(const CheckSpi& c,
                uint64_t headerSpiI,
                uint64_t headerSpiR,
                uint64_t& spiI,
                uint64_t& spiR)
{
    if (c.protocolId == static_cast<uint8_t>(ProtocolId::None))
    {
        spiI = headerSpiI;
        spiR = headerSpiR;
        return true;
    }
    if (c.protocolId == static_cast<uint8_t>(ProtocolId::Ike))
    {
        ByteReader r(c.spi);
        uint64_t i = 0;
        uint64_t s = 0;
        if (!r.ReadU64(i) || !r.ReadU64(s) || !r.Empty())
        {
            return false;
        }
        spiI = i;
        spiR = s;
        return true;
    }
    return false;
}

NotifyPayload
EncodeCheckSpi(const CheckSpi& c)
{
    NotifyPayload n;
    n.protocolId = c.protocolId;
    n.spi = c.spi;
    n.type = notify::kCheckSpi;
    ByteWriter w(kCheckSpiFixedData + c.cookie.size());
    w.U8(static_cast<uint8_t>(c.subtype));
    w.U8(static_cast<uint8_t>(c.cookie.size()));
    w.U16(0); // RESERVED
    w.Append(c.cookie);
    n.data = w.Take();
    return n;
}

bool
DecodeCheckSpi(const NotifyPayload& n, CheckSpi& out, std::string& error)
{
    if (n.type != notify::kCheckSpi)
    {
        error = "not a CHECK_SPI notify (type " + std::to_string(n.type) + ")";
        return false;
    }
    CheckSpi c;
    const auto ike = static_cast<uint8_t>(ProtocolId::Ike);
    const auto esp = static_cast<uint8_t>(ProtocolId::Esp);
    if ((n.protocolId == 0 || n.protocolId == ike) && n.spi.empty())
    {
        c.protocolId = 0;
    }
    else if (n.protocolId == ike && n.spi.size() == 16)
    {
        ByteReader r(n.spi);
        uint64_t spiI = 0;
        uint64_t spiR = 0;
        r.ReadU64(spiI);
        r.ReadU64(spiR);
        if (spiI == 0 || spiR == 0)
        {
            error = "CHECK_SPI: a named IKE SA needs both SPIs nonzero";
            return false;
        }
        c.protocolId = ike;
        c.spi = n.spi;
    }
    else if (n.protocolId == esp && n.spi.size() == 4)
    {
        ByteReader r(n.spi);
        uint32_t value = 0;
        r.ReadU32(value);
        if (value == 0)
        {
            error = "CHECK_SPI: ESP SPI 0 is never used (RFC 4303 2.1)";
            return false;
        }
        c.protocolId = esp;
        c.spi = n.spi;
    }
    else
    {
        error = "CHECK_SPI: protocol " + std::to_string(n.protocolId) + " with SPI size " +
                std::to_string(n.spi.size()) + " (want 0/1 with 0, 1 with 16, or ESP with 4)";
        return false;
    }

    ByteReader r(n.data);
    uint8_t subtype = 0;
    uint8_t cookieSize = 0;
    uint16_t reserved = 0;
    if (!r.ReadU8(subtype) || !r.ReadU8(cookieSize) || !r.ReadU16(reserved))
    {
        error = "CHECK_SPI: data shorter than 4 octets";
        return false;
    }
    if (subtype > static_cast<uint8_t>(CheckSpiSubtype::LoneCookie))
    {
        error = "CHECK_SPI: unknown subtype " + std::to_string(subtype);
        return false;
    }
    if (cookieSize != r.Remaining())
    {
        error = "CHECK_SPI: cookie size " + std::to_string(cookieSize) + " but " +
                std::to_string(r.Remaining()) + " octets follow";
        return false;
    }
    if (cookieSize > kCheckSpiMaxCookie)
    {
        error = "CHECK_SPI: cookie longer than 64 octets";
        return false;
    }
    c.subtype = static_cast<CheckSpiSubtype>(subtype);
    if (c.subtype == CheckSpiSubtype::LoneCookie &&
        (c.protocolId != 0 || cookieSize == 0))
    {
        error = "CHECK_SPI: LONE_COOKIE needs no SPI and a cookie";
        return false;
    }
    r.ReadBytes(cookieSize, c.cookie);
    out = std::move(c);
    return true;
}

// ---------------------------------------------------------------------------------------------
// SirCookieJar

SirCookieJar::SirCookieJar(Drbg& drbg, Time lifetime)
    : m_drbg(drbg),
      m_lifetime(lifetime)
{
    m_current.key = m_drbg.Generate(kSecretLength);
    m_current.mac.SetKey(m_current.key.data(), m_current.key.size());
}

void
SirCookieJar::Rotate(Time now)
{
    const uint8_t nextVersion = static_cast<uint8_t>(m_current.version + 1);
    m_previous = std::move(m_current);
    m_previous.retired = now;
    m_hasPrevious = m_started;
    m_current = Secret{};
    m_current.key = m_drbg.Generate(kSecretLength);
    m_current.mac.SetKey(m_current.key.data(), m_current.key.size());
    m_current.version = nextVersion;
    m_current.since = now;
    m_started = true;
}

void
SirCookieJar::MaybeRotate(Time now)
{
    if (!m_started)
    {
        m_current.since = now;
        m_started = true;
    }
    else if (!Within(now, m_current.since, m_lifetime))
    {
        Rotate(now);
    }
}

Bytes
SirCookieJar::Finish(Secret& s, const Bytes& input) const
{
    Bytes mac(s.mac.OutputSize(), 0);
    s.mac.Compute(input.data(), input.size(), mac.data());
    mac.resize(kMacLength);
    return mac;
}

Bytes
SirCookieJar::Make(const CheckSpi& query,
                   uint64_t ikeSpiI,
                   uint64_t ikeSpiR,
                   const SocketAddress& local,
                   const SocketAddress& remote,
                   Time now)
{
    MaybeRotate(now);
    Bytes cookie{m_current.version};
    Bytes mac = Finish(m_current, QueryInput(query, ikeSpiI, ikeSpiR, local, remote));
    cookie.insert(cookie.end(), mac.begin(), mac.end());
    return cookie;
}

Bytes
SirCookieJar::MakeLone(const SocketAddress& local, const SocketAddress& remote, Time now)
{
    MaybeRotate(now);
    Bytes cookie{m_current.version};
    Bytes mac = Finish(m_current, LoneInput(local, remote));
    cookie.insert(cookie.end(), mac.begin(), mac.end());
    return cookie;
}

bool
SirCookieJar::Check(const Bytes& cookie, const Bytes& input, Time now) const
{
    if (!m_started || cookie.size() != kCookieLength)
    {
        return false;
    }
    Secret* s = nullptr;
    if (cookie[0] == m_current.version)
    {
        // Had a Make() come at since + lifetime, this secret would have been retired then and
        // accepted for one more lifetime: never longer than that.
        const Time age = now - m_current.since;
        if (now < m_current.since || age < m_lifetime || age - m_lifetime < m_lifetime)
        {
            s = &m_current;
        }
    }
    else if (m_hasPrevious && cookie[0] == m_previous.version)
    {
        Time retired = m_previous.retired;
        if (!Within(retired, m_previous.since, m_lifetime))
        {
            retired = m_previous.since + m_lifetime; // rotation came late: count from when due
        }
        if (Within(now, retired, m_lifetime))
        {
            s = &m_previous;
        }
    }
    if (!s)
    {
        return false;
    }
    Bytes mac = Finish(*s, input);
    return ConstantTimeEqual(cookie.data() + 1, mac.data(), kMacLength);
}

bool
SirCookieJar::Verify(const Bytes& cookie,
                     const CheckSpi& queryEchoed,
                     uint64_t ikeSpiI,
                     uint64_t ikeSpiR,
                     const SocketAddress& local,
                     const SocketAddress& remote,
                     Time now) const
{
    return Check(cookie, QueryInput(queryEchoed, ikeSpiI, ikeSpiR, local, remote), now);
}

bool
SirCookieJar::VerifyLone(const Bytes& cookie,
                         const SocketAddress& local,
                         const SocketAddress& remote,
                         Time now) const
{
    return Check(cookie, LoneInput(local, remote), now);
}

size_t
SirCookieJar::StateBytes() const
{
    // Two secrets, two version octets, three times (since, since, retired).
    return 2 * kSecretLength + 2 + 3 * sizeof(Time);
}

// ---------------------------------------------------------------------------------------------
// Vendor ID

Bytes
SirVendorId()
{
    return Bytes(kVendorIdText, kVendorIdText + sizeof(kVendorIdText) - 1);
}

bool
IsSirVendorId(const Bytes& vendorIdData)
{
    return vendorIdData == SirVendorId();
}

} // namespace ikev2

#include "forgery.h"

#include "ike-constants.h"
#include "qcd-token.h"
#include "sir-check-spi.h"

#include <sstream>

namespace attacks
{

using ikev2::Bytes;
using ikev2::IkeHeader;
using ikev2::IkeMessage;
using ikev2::NotifyPayload;

namespace
{

Bytes
Be32(uint32_t v)
{
    return { static_cast<uint8_t>(v >> 24),
             static_cast<uint8_t>(v >> 16),
             static_cast<uint8_t>(v >> 8),
             static_cast<uint8_t>(v) };
}

/// The response header a real peer would put on its answer to @p request.
IkeHeader
ResponseTo(const IkeHeader& request)
{
    IkeHeader h;
    h.spiI = request.spiI;
    h.spiR = request.spiR;
    h.exchangeType = request.exchangeType;
    h.messageId = request.messageId;
    h.flags = ikev2::kFlagResponse | (request.IsInitiator() ? 0 : ikev2::kFlagInitiator);
    return h;
}

} // namespace

const char*
ForgeryKindName(ForgeryKind kind)
{
    switch (kind)
    {
        case ForgeryKind::InvalidSpi:
            return "invalid-spi";
        case ForgeryKind::InvalidIkeSpi:
            return "invalid-ike-spi";
        case ForgeryKind::QcdToken:
            return "qcd-token";
        case ForgeryKind::CheckSpiNack:
            return "check-spi-nack";
        case ForgeryKind::Replay:
            return "replay";
        case ForgeryKind::Flood:
            return "flood";
    }
    return "unknown";
}

bool
ParseForgeryKinds(const std::string& text, std::vector<ForgeryKind>& out, std::string& error)
{
    out.clear();
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
    {
        bool found = false;
        for (auto k : { ForgeryKind::InvalidSpi,
                        ForgeryKind::InvalidIkeSpi,
                        ForgeryKind::QcdToken,
                        ForgeryKind::CheckSpiNack,
                        ForgeryKind::Replay,
                        ForgeryKind::Flood })
        {
            if (item == ForgeryKindName(k))
            {
                out.push_back(k);
                found = true;
            }
        }
        if (!found && item != "none")
        {
            error = "unknown forgery kind '" + item +
                    "' (use invalid-spi, invalid-ike-spi, qcd-token, check-spi-nack, replay, "
                    "flood, none)";
            return false;
        }
    }
    return true;
}

Bytes
ForgeInvalidSpi(uint32_t childSpi)
{
    IkeMessage m;
    m.header.spiI = 0;
    m.header.spiR = 0;
    m.header.exchangeType = static_cast<uint8_t>(ikev2::ExchangeType::Informational);
    m.header.flags = ikev2::kFlagInitiator;
    m.header.messageId = 0;
    m.payloads.push_back(ikev2::MakeNotify(ikev2::notify::kInvalidSpi, Be32(childSpi)));
    return ikev2::EncodeMessage(m);
}

Bytes
ForgeInvalidIkeSpi(const IkeHeader& request, const std::vector<Bytes>& tokens)
{
    IkeMessage m;
    m.header = ResponseTo(request);
    m.payloads.push_back(ikev2::MakeNotify(ikev2::notify::kInvalidIkeSpi));
    for (const auto& t : tokens)
    {
        m.payloads.push_back(ikev2::MakePayload(ikev2::MakeQcdTokenNotify(t)));
    }
    return ikev2::EncodeMessage(m);
}

Bytes
ForgeCheckSpiNack(const IkeHeader& request, const NotifyPayload& query)
{
    IkeMessage m;
    m.header = ResponseTo(request);
    NotifyPayload nack = query;
    if (!nack.data.empty())
    {
        nack.data[0] = static_cast<uint8_t>(ikev2::CheckSpiSubtype::Nack);
    }
    m.payloads.push_back(ikev2::MakePayload(nack));
    return ikev2::EncodeMessage(m);
}

Bytes
ForgeEsp(uint32_t spi, uint32_t seq, const Bytes& body)
{
    Bytes out = Be32(spi);
    Bytes s = Be32(seq);
    out.insert(out.end(), s.begin(), s.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

IkeSighting
Inspect(const Bytes& data)
{
    IkeSighting s;
    auto decoded = ikev2::DecodeMessage(data);
    if (!decoded)
    {
        return s;
    }
    const IkeMessage& m = decoded.Value();
    s.ok = true;
    s.header = m.header;
    s.isProtected =
      !m.payloads.empty() && m.payloads.back().type == static_cast<uint8_t>(ikev2::PayloadType::Sk);
    s.tokens = ikev2::ExtractQcdTokens(m.payloads);
    if (const NotifyPayload* n = m.FindNotify(ikev2::notify::kCheckSpi))
    {
        s.hasCheckSpi = true;
        s.checkSpi = *n;
    }
    return s;
}

} // namespace attacks

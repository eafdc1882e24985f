#include "off-path-spoofer.h"

#include "ike-constants.h"
#include "sir-check-spi.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(OffPathSpoofer);

using attacks::ForgeryKind;

namespace
{
constexpr uint16_t kIkePort = 500;
/// ESP body of a flood packet: IV(8) + 64 octets + ICV(16), the size of a small real packet.
constexpr size_t kFloodBody = 88;
} // namespace

TypeId
OffPathSpoofer::GetTypeId()
{
    static TypeId tid = TypeId("ns3::OffPathSpoofer")
                          .SetParent<AttackerApplication>()
                          .SetGroupName("Ikev2")
                          .AddConstructor<OffPathSpoofer>();
    return tid;
}

std::vector<ForgeryKind>
OffPathSpoofer::DefaultKinds()
{
    return { ForgeryKind::InvalidSpi,
             ForgeryKind::InvalidIkeSpi,
             ForgeryKind::QcdToken,
             ForgeryKind::CheckSpiNack,
             ForgeryKind::Flood };
}

void
OffPathSpoofer::Tick()
{
    // A guessed request header: the forgeries that answer a request need one.
    ikev2::IkeHeader guess;
    guess.spiI = (static_cast<uint64_t>(Random32()) << 32) | Random32();
    guess.spiR = (static_cast<uint64_t>(Random32()) << 32) | Random32();
    guess.exchangeType = static_cast<uint8_t>(ikev2::ExchangeType::Informational);
    guess.messageId = Random32() % 16; // small message IDs are the likely ones
    guess.flags = ikev2::kFlagInitiator;
    for (size_t tries = 0; tries < GetKinds().size(); ++tries)
    {
        ForgeryKind k = NextKind();
        switch (k)
        {
            case ForgeryKind::InvalidSpi:
                InjectUdp(k, true, kIkePort, kIkePort, attacks::ForgeInvalidSpi(Random32()));
                return;
            case ForgeryKind::InvalidIkeSpi:
                InjectUdp(k, true, kIkePort, kIkePort, attacks::ForgeInvalidIkeSpi(guess));
                return;
            case ForgeryKind::QcdToken:
                InjectUdp(k,
                          true,
                          kIkePort,
                          kIkePort,
                          attacks::ForgeInvalidIkeSpi(guess, { RandomBytes(32) }));
                return;
            case ForgeryKind::CheckSpiNack:
            {
                ikev2::CheckSpi q = ikev2::MakeIkeCheckSpi(
                  ikev2::CheckSpiSubtype::Query, RandomBytes(ikev2::SirCookieJar::kCookieLength));
                InjectUdp(k,
                          true,
                          kIkePort,
                          kIkePort,
                          attacks::ForgeCheckSpiNack(guess, ikev2::EncodeCheckSpi(q)));
                return;
            }
            case ForgeryKind::Flood:
                InjectEsp(
                  k,
                  false,
                  attacks::ForgeEsp(Random32(), 1 + Random32() % 1000, RandomBytes(kFloodBody)));
                return;
            case ForgeryKind::Replay:
                break; // nothing captured off the path: try the next kind
        }
    }
}

} // namespace ns3

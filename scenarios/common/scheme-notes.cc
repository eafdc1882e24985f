#include "scheme-notes.h"

namespace scenarios
{

const std::vector<std::string>&
SchemeNames()
{
    static const std::vector<std::string> names = { "none",  "hint", "initial-contact",
                                                    "trust", "qcd",  "sir" };
    return names;
}

std::string
SchemeModelledNote(const std::string& scheme)
{
    if (scheme == "none")
    {
        return "RFC 7296 only: unprotected INVALID_SPI/INVALID_IKE_SPI ignored; liveness check "
               "after the liveness interval without protected input; the peer is dead when the "
               "retransmission schedule runs out, then the SAs are re-created on traffic";
    }
    if (scheme == "hint")
    {
        return "RFC 7296 2.21.4: an unprotected INVALID_SPI/INVALID_IKE_SPI starts a "
               "rate-limited liveness check at once; the peer is still dead only after the "
               "full retransmission schedule";
    }
    if (scheme == "initial-contact")
    {
        return "the rebooted gateway re-initiates to the peers it has an address for, with "
               "INITIAL_CONTACT in IKE_AUTH; the survivor deletes its older IKE SAs with that "
               "identity";
    }
    if (scheme == "trust")
    {
        return "insecure reference: the first unprotected INVALID_SPI/INVALID_IKE_SPI tears "
               "the IKE SA down at once";
    }
    if (scheme == "qcd")
    {
        return "RFC 6290 Quick Crash Detection: HMAC-SHA-256 tokens from a persistent secret, "
               "exchanged protected in IKE_AUTH and after IKE rekeys; the rebooted maker answers "
               "a request for an unknown IKE SA with an unprotected INVALID_IKE_SPI + QCD_TOKEN "
               "(up to 4 secret generations), the taker deletes the SA silently when the token "
               "verifies and re-initiates; ESP triggers INVALID_SPI -> liveness check -> token, "
               "or INVALID_SPI + QCD_TOKEN at once with the 8.2 child-SPI map; knobs: the qcd* "
               "flags (doc/qcd.md)";
    }
    if (scheme == "sir")
    {
        return "draft-detienne-ikev2-recovery-03 Safe IKE Recovery: INVALID_SPI -> protected "
               "SK{CHECK_SPI QUERY} -> INVALID_IKE_SPI -> unprotected CHECK_SPI QUERY with a "
               "stateless cookie -> ACK (SA kept) or NACK with the peer's Cookie_X -> the "
               "survivor re-creates the IKE and Child SAs, then deletes the old ones; knobs: "
               "wait-before-rekey, dampening, per-peer rate limits, mandatory initiator; the "
               "ticket-based variant (RFC 5723 resumption) is not modelled";
    }
    return "unknown scheme";
}

} // namespace scenarios

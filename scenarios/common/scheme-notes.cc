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
        return "RFC 6290 Quick Crash Detection: tokens exchanged in IKE_AUTH; the rebooted "
               "maker answers with an unprotected INVALID_IKE_SPI + QCD_TOKEN, and the taker "
               "deletes the SA silently when the token verifies";
    }
    if (scheme == "sir")
    {
        return "draft-detienne-ikev2-recovery-03 Safe IKE Recovery: INVALID_IKE_SPI, "
               "CHECK_SPI query with a stateless cookie, ACK/NACK, re-create then delete";
    }
    return "unknown scheme";
}

} // namespace scenarios

#include "standard-flags.h"

#include "ns3/boolean.h"
#include "ns3/double.h"
#include "ns3/nstime.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"
#include "scheme-notes.h"

namespace scenarios
{

using namespace ns3;

namespace
{

const char* const kCustomKnobs[] = { "retransmitTimeout",
                                     "retransmitBase",
                                     "retransmitTries",
                                     "retransmitLimit" };

ikev2::RetransmitProfile
EffectiveProfile(const ScenarioFlags& flags)
{
    std::string name = flags.GetString("profile");
    ikev2::RetransmitProfile p = ikev2::RetransmitProfile::Named(name);
    if (name == "custom")
    {
        p.timeout = ikev2::FromSeconds(flags.GetDouble("retransmitTimeout"));
        p.base = flags.GetDouble("retransmitBase");
        p.tries = static_cast<uint32_t>(flags.GetUint("retransmitTries"));
        p.limit = ikev2::FromSeconds(flags.GetDouble("retransmitLimit"));
    }
    return p;
}

} // namespace

void
AddIkeFlags(ScenarioFlags& flags)
{
    flags.AddString("scheme", "Crash-recovery scheme", "none", SchemeNames());
    flags.AddString("profile",
                    "Retransmission profile (strongswan: 4 s x1.8, 5 tries = 165.1 s; "
                    "libreswan: 0.5 s doubling, 60 s; iked; custom: the retransmit* flags)",
                    "strongswan",
                    { "strongswan", "libreswan", "iked", "custom" });
    flags.AddDouble(
      "retransmitTimeout", "custom profile: first retransmission timeout, s", 4, 0.001, 3600);
    flags.AddDouble("retransmitBase", "custom profile: backoff base", 1.8, 1, 10);
    flags.AddUint("retransmitTries", "custom profile: retransmissions", 5, 0, 100);
    flags.AddDouble("retransmitLimit",
                    "custom profile: cap on the time from the first send, s (0: none)",
                    0,
                    0,
                    86400);
    flags.AddDouble("livenessInterval",
                    "Liveness check after this long without protected input, s (0: never)",
                    30,
                    0,
                    86400);
    flags.AddString("ikeProposals",
                    "IKE proposals (strongSwan syntax, comma-separated)",
                    "aes128gcm16-prfsha256-x25519");
    flags.AddString(
      "espProposals", "ESP proposals (strongSwan syntax, comma-separated)", "aes128gcm16");
    flags.AddBool(
      "queueOnAcquire", "Hold one packet while an acquired SA comes up (else drop it)", true);
    flags.AddUint("cores", "CPU cores per gateway", 2, 1, 1024);
    flags.AddBool("cpu", "Charge crypto work as simulated CPU time", true);
}

void
CheckIkeFlags(const ScenarioFlags& flags)
{
    if (flags.GetString("profile") != "custom")
    {
        for (const char* knob : kCustomKnobs)
        {
            if (flags.IsSet(knob))
            {
                flags.Fail(std::string("--") + knob +
                           " applies only to --profile=custom (got --profile=" +
                           flags.GetString("profile") + ")");
            }
        }
    }
}

void
ApplyIkeFlags(const ScenarioFlags& flags, IkeHelper& helper)
{
    helper.SetAttribute("Scheme", StringValue(flags.GetString("scheme")));
    helper.SetAttribute("Profile", StringValue(flags.GetString("profile")));
    helper.SetAttribute("RetransmitTimeout",
                        TimeValue(Seconds(flags.GetDouble("retransmitTimeout"))));
    helper.SetAttribute("RetransmitBase", DoubleValue(flags.GetDouble("retransmitBase")));
    helper.SetAttribute("RetransmitTries",
                        UintegerValue(static_cast<uint32_t>(flags.GetUint("retransmitTries"))));
    helper.SetAttribute("RetransmitLimit", TimeValue(Seconds(flags.GetDouble("retransmitLimit"))));
    helper.SetAttribute("LivenessInterval",
                        TimeValue(Seconds(flags.GetDouble("livenessInterval"))));
    helper.SetAttribute("IkeProposals", StringValue(flags.GetString("ikeProposals")));
    helper.SetAttribute("EspProposals", StringValue(flags.GetString("espProposals")));
    helper.SetAttribute("QueueOnAcquire", BooleanValue(flags.GetBool("queueOnAcquire")));
    helper.SetCpuAttribute("Cores", UintegerValue(static_cast<uint32_t>(flags.GetUint("cores"))));
    helper.SetCpuAttribute("Enabled", BooleanValue(flags.GetBool("cpu")));
}

nlohmann::json
ProfileJson(const ScenarioFlags& flags)
{
    ikev2::RetransmitProfile p = EffectiveProfile(flags);
    return { { "name", p.name },
             { "timeout_s", ikev2::ToSeconds(p.timeout) },
             { "base", p.base },
             { "tries", p.tries },
             { "limit_s", ikev2::ToSeconds(p.limit) },
             { "give_up_after_s", ikev2::ToSeconds(p.GiveUpAfter()) } };
}

void
AddWanFlags(ScenarioFlags& flags)
{
    flags.AddDouble("rtt", "WAN round-trip propagation delay between the gateways, s", 0.05, 0, 10);
    flags.AddDataRate("rate", "WAN link rate", "10Mbps");
    flags.AddDouble("loss", "WAN packet loss probability, each direction", 0, 0, 0.99);
}

WanParams
WanFromFlags(const ScenarioFlags& flags)
{
    WanParams p;
    p.rttS = flags.GetDouble("rtt");
    p.rate = flags.GetString("rate");
    p.loss = flags.GetDouble("loss");
    return p;
}

void
AddRunFlags(ScenarioFlags& flags, const std::string& defaultOutDir, double defaultSimTime)
{
    flags.AddDouble("simTime", "Simulated time, s", defaultSimTime, 1, 1e6);
    flags.AddUint("RngRun", "Run number (seed of every random choice)", 1, 1, 1000000000);
    flags.AddString("outDir", "Run folder", defaultOutDir);
    flags.AddBool("pcap", "Write WAN pcaps and Wireshark key files", false);
    flags.AddBool("packetEvents",
                  "Write per-packet audit events (esp-no-sa, inner-dropped, rate-limited, "
                  "esp-replay) to events.csv instead of only counting them",
                  false);
    flags.AddBool("quick", "Short run for tests (smaller defaults for unset flags)", false);
}

void
ConfigureCollector(const ScenarioFlags& flags, IkeStatsCollector& collector)
{
    if (!flags.GetBool("packetEvents"))
    {
        collector.SetCountedOnly({ "esp-no-sa", "inner-dropped", "rate-limited", "esp-replay" });
    }
}

} // namespace scenarios

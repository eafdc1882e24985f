#include "standard-flags.h"

#include "flow-traffic.h"
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

// QCD knobs (RFC 6290; doc/qcd.md), on both gateways. Kept together so that the flags, their
// check and the attributes they set stay in step.
const char* const kQcdKnobs[] = {
    "qcdMaker",           "qcdTaker",        "qcdTokenLength",    "qcdHash",
    "qcdBindAddress",     "qcdChildSpiMap",  "qcdStoreDigest",    "qcdReinitiate",
    "qcdPostBootWindow",  "qcdResendOnHint", "qcdTokenReplyRate", "qcdVerificationRate",
    "qcdAggregateFactor", "qcdMaxPending"
};

void
AddQcdFlags(ScenarioFlags& flags)
{
    flags.AddBool("qcdMaker", "qcd: hand out tokens and answer with them after a reboot", true);
    flags.AddBool("qcdTaker", "qcd: store the peer's token and act on it", true);
    flags.AddUint("qcdTokenLength", "qcd: token length, octets (RFC 6290 4.1)", 32, 16, 128);
    flags.AddString(
      "qcdHash", "qcd: HMAC hash of the token", "sha256", { "sha256", "sha384", "sha512" });
    flags.AddBool("qcdBindAddress", "qcd: the token binds the taker's address (5.2)", false);
    flags.AddBool("qcdChildSpiMap",
                  "qcd: persist Child SPI -> IKE SA so ESP is answered with a token (8.2)",
                  false);
    flags.AddBool("qcdStoreDigest", "qcd: the taker keeps the token's SHA-256 only", false);
    flags.AddString("qcdReinitiate",
                    "qcd: after a verified token re-initiate now, or as the connection's start "
                    "action says (traffic: on the next packet for trap)",
                    "now",
                    { "now", "traffic" });
    flags.AddBool("qcdResendOnHint",
                  "qcd: a hint while our request has waited two RTTs resends it at once "
                  "(false: the token waits for the next scheduled retransmission)",
                  true);
    flags.AddDouble("qcdPostBootWindow",
                    "qcd: tokens in clear only this long after boot, s (0: always)",
                    0,
                    0,
                    86400);
    flags.AddDouble("qcdTokenReplyRate",
                    "qcd: token replies per source address per second (0: no limit)",
                    10,
                    0,
                    1e6);
    flags.AddDouble("qcdVerificationRate",
                    "qcd: token verifications per source address per second (0: no limit)",
                    10,
                    0,
                    1e6);
    flags.AddDouble("qcdAggregateFactor",
                    "qcd: all sources together get this many times each per-source rate "
                    "(0: no aggregate cap; 100 = 1000 token replies/s)",
                    100,
                    0,
                    1e6);
    flags.AddUint("qcdMaxPending",
                  "qcd: re-initiations after verified tokens in progress at once",
                  1000,
                  0,
                  1000000000);
}

void
CheckQcdFlags(const ScenarioFlags& flags)
{
    if (flags.GetString("scheme") == "qcd")
    {
        return;
    }
    for (const char* knob : kQcdKnobs)
    {
        if (flags.IsSet(knob))
        {
            flags.Fail(std::string("--") + knob + " applies only to --scheme=qcd (got --scheme=" +
                       flags.GetString("scheme") + ")");
        }
    }
}

void
ApplyQcdFlags(const ScenarioFlags& flags, IkeHelper& helper)
{
    helper.SetAttribute("QcdMaker", BooleanValue(flags.GetBool("qcdMaker")));
    helper.SetAttribute("QcdTaker", BooleanValue(flags.GetBool("qcdTaker")));
    helper.SetAttribute("QcdTokenLength",
                        UintegerValue(static_cast<uint32_t>(flags.GetUint("qcdTokenLength"))));
    helper.SetAttribute("QcdHash", StringValue(flags.GetString("qcdHash")));
    helper.SetAttribute("QcdBindTakerAddress", BooleanValue(flags.GetBool("qcdBindAddress")));
    helper.SetAttribute("QcdChildSpiMap", BooleanValue(flags.GetBool("qcdChildSpiMap")));
    helper.SetAttribute("QcdStoreDigest", BooleanValue(flags.GetBool("qcdStoreDigest")));
    helper.SetAttribute("QcdReinitiateAtOnce",
                        BooleanValue(flags.GetString("qcdReinitiate") == "now"));
    helper.SetAttribute("QcdResendOnHint", BooleanValue(flags.GetBool("qcdResendOnHint")));
    helper.SetAttribute("QcdPostBootWindow",
                        TimeValue(Seconds(flags.GetDouble("qcdPostBootWindow"))));
    helper.SetAttribute("QcdTokenReplyRate", DoubleValue(flags.GetDouble("qcdTokenReplyRate")));
    helper.SetAttribute("QcdVerificationRate", DoubleValue(flags.GetDouble("qcdVerificationRate")));
    helper.SetAttribute("QcdAggregateFactor", DoubleValue(flags.GetDouble("qcdAggregateFactor")));
    helper.SetAttribute("QcdMaxPending",
                        UintegerValue(static_cast<uint32_t>(flags.GetUint("qcdMaxPending"))));
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
    AddQcdFlags(flags);
    // SIR knobs (draft-detienne-ikev2-recovery-03; doc/sir.md section 5).
    flags.AddBool("sirWaitBeforeRekey",
                  "sir: after a NACK, wait for a contradicting ACK before re-creating (3.2.3)",
                  false);
    flags.AddDouble("sirWaitTime",
                    "sir: that wait, s (0: the RTT measured during IKE_SA_INIT/IKE_AUTH)",
                    0,
                    0,
                    60);
    flags.AddDouble("sirDampening",
                    "sir: ignore a peer's unauthenticated INVALID_SPI/CHECK_SPI this long after "
                    "create, rekey, recovery or a logged anomaly, s",
                    5,
                    0,
                    86400);
    flags.AddDouble("sirQueriesPerSecond",
                    "sir: CHECK_SPI queries sent per peer address per second (0: no limit)",
                    5,
                    0,
                    1e6);
    flags.AddDouble("sirAcceptPerSecond",
                    "sir: unauthenticated SIR messages processed per peer address per second "
                    "(0: no limit)",
                    10,
                    0,
                    1e6);
    flags.AddDouble("sirAggregateFactor",
                    "sir: all peers together get this many times sirAcceptPerSecond (0: no "
                    "aggregate cap, the draft's limits being per peer)",
                    0,
                    0,
                    1e6);
    flags.AddDouble("sirCookieLifetime", "sir: lifetime of the cookie secret, s", 60, 0.001, 86400);
    flags.AddBool("sirMandatoryInitiator",
                  "sir: the side that lost state initiates, with the NACK in IKE_SA_INIT (3.5)",
                  false);
}

void
CheckIkeFlags(const ScenarioFlags& flags)
{
    CheckQcdFlags(flags);
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
    if (flags.GetString("scheme") != "sir")
    {
        for (const char* knob : { "sirWaitBeforeRekey",
                                  "sirWaitTime",
                                  "sirDampening",
                                  "sirQueriesPerSecond",
                                  "sirAcceptPerSecond",
                                  "sirAggregateFactor",
                                  "sirCookieLifetime",
                                  "sirMandatoryInitiator" })
        {
            if (flags.IsSet(knob))
            {
                flags.Fail(
                  std::string("--") + knob +
                  " applies only to --scheme=sir (got --scheme=" + flags.GetString("scheme") + ")");
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
    ApplyQcdFlags(flags, helper);
    helper.SetAttribute("SirWaitBeforeRekey", BooleanValue(flags.GetBool("sirWaitBeforeRekey")));
    helper.SetAttribute("SirWaitTime", TimeValue(Seconds(flags.GetDouble("sirWaitTime"))));
    helper.SetAttribute("SirDampening", TimeValue(Seconds(flags.GetDouble("sirDampening"))));
    helper.SetAttribute("SirQueryRate", DoubleValue(flags.GetDouble("sirQueriesPerSecond")));
    helper.SetAttribute("SirAcceptRate", DoubleValue(flags.GetDouble("sirAcceptPerSecond")));
    helper.SetAttribute("SirAggregateFactor", DoubleValue(flags.GetDouble("sirAggregateFactor")));
    helper.SetAttribute("SirCookieLifetime",
                        TimeValue(Seconds(flags.GetDouble("sirCookieLifetime"))));
    helper.SetAttribute("SirMandatoryInitiator",
                        BooleanValue(flags.GetBool("sirMandatoryInitiator")));
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

ikev2::StartAction
StartActionFromName(const std::string& name)
{
    if (name == "start")
    {
        return ikev2::StartAction::Start;
    }
    if (name == "trap")
    {
        return ikev2::StartAction::Trap;
    }
    return ikev2::StartAction::None;
}

void
AddInnerFlowFlags(ScenarioFlags& flags, bool bothRates, const std::string& rateNote)
{
    if (bothRates)
    {
        const std::string note = rateNote.empty() ? "" : " " + rateNote;
        flags.AddDouble(
          "rateAB", "Datagrams per second from host A to host B" + note, 20, 0.01, 100000);
        flags.AddDouble(
          "rateBA", "Datagrams per second from host B to host A" + note, 20, 0.01, 100000);
    }
    flags.AddUint("pktSize", "UDP payload octets of the inner flows", 200, kFlowHeaderSize, 1300);
    flags.AddDouble("flowStart", "When the inner flows start, s", 1, 0, 1e6);
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

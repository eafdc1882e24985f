#!/usr/bin/python3
"""TEST FIXTURE for the analysis runner. This is NOT a model of IKEv2, of any recovery scheme or
of any network: its numbers are made up by simple formulas so that the campaign runner,
aggregation, figures and report can be tested quickly and without ns-3.

It honours the scenario-program contract of analysis/ (see doc/analysis.md): ns-3 style --help
with defaults, --flag=value arguments, --RngRun, --outDir receiving params.json, events.csv and
summary.json, exit status 0 on success and non-zero with a message on a bad flag. Its output
depends only on its flags and seed (same seed, same bytes). The scenario name is the name it is
called by (tests link it as <build>/scenarios/<name>).
"""

import json
import os
import random
import sys
import zlib

SCENARIO = os.path.basename(sys.argv[0]).replace(".py", "")
SCHEMES = ("none", "hint", "initial-contact", "trust", "qcd", "sir")
ATTACKERS = ("off-path", "on-path", "mitm")
# name: (default, description, type)
FLAGS = {
    "scheme": ("none", "Recovery scheme: " + "|".join(SCHEMES), str),
    "profile": ("strongswan", "Retransmission profile: strongswan|libreswan|iked|custom", str),
    "bootTime": ("30", "Seconds from crash to the daemon being back", float),
    "crashTime": ("10", "Simulated time of the crash (s)", float),
    "rtt": ("0.05", "WAN round-trip time (s)", float),
    "livenessInterval": ("10", "Liveness check interval (s)", float),
    "peers": ("1", "Number of peers", int),
    "attacker": ("off-path", "Attacker kind: " + "|".join(ATTACKERS), str),
    "attackRate": ("0", "Forged packets per second", float),
    "failSeed": ("0", "Exit with status 3 for this RngRun (tests of failure handling)", int),
    "unmodelled": ("", "Scheme to refuse as not yet built (tests of not-modelled runs)", str),
    "simTime": ("300", "Simulated time, s", float),
    "quick": ("false", "Quick mode", bool),
    "outDir": (None, "Output directory", str),
}
GLOBALS = {"RngRun": "1", "RngSeed": "1"}


def usage():
    width = max(len(n) for n in FLAGS) + 3
    lines = ["%s [Program Options] [General Arguments]" % SCENARIO, "", "Program Options:"]
    for name, (default, text, _kind) in FLAGS.items():
        tail = " [%s]" % default if default is not None else ""
        lines.append("    %s%s%s" % (("--%s:" % name).ljust(width + 2), text, tail))
    lines += ["", "General Arguments:",
              "    --PrintGlobals:              Print the list of globals.",
              "    --PrintHelp:                 Print this help message.", ""]
    return "\n".join(lines)


def parse(argv):
    values = {n: d for n, (d, _t, _k) in FLAGS.items()}
    values.update(GLOBALS)
    for arg in argv:
        if arg in ("--help", "--PrintHelp"):
            print(usage())
            sys.exit(0)
        if not arg.startswith("--") or "=" not in arg:
            sys.stderr.write("Invalid command-line argument: %s\n%s\n" % (arg, usage()))
            sys.exit(1)
        name, value = arg[2:].split("=", 1)
        if name not in values:
            sys.stderr.write("Invalid command-line argument: %s\n%s\n" % (arg, usage()))
            sys.exit(1)
        values[name] = value
    out = {}
    for name, value in values.items():
        kind = FLAGS[name][2] if name in FLAGS else int
        try:
            if kind is bool:
                if value not in ("true", "false", "1", "0"):
                    raise ValueError(value)
                out[name] = value in ("true", "1")
            elif value is None:
                out[name] = None
            else:
                out[name] = kind(value)
        except ValueError:
            sys.stderr.write("Invalid command-line argument: --%s=%s\n" % (name, value))
            sys.exit(1)
    if out["scheme"] not in SCHEMES or out["attacker"] not in ATTACKERS:
        sys.stderr.write("bad value of --scheme or --attacker\n")
        sys.exit(1)
    return out


def main():
    p = parse(sys.argv[1:])
    if not p["outDir"]:
        sys.stderr.write("--outDir is required\n")
        return 1
    seed = p["RngRun"]
    if p["unmodelled"] and p["scheme"] == p["unmodelled"]:
        sys.stderr.write("%s: error: scheme %s cannot run with this engine: recovery scheme "
                         "'%s' is not built into this engine yet\n"
                         % (SCENARIO, p["scheme"], p["scheme"]))
        return 2
    if p["failSeed"] and seed == p["failSeed"]:
        sys.stderr.write("fixture: asked to fail for RngRun=%d\n" % seed)
        return 3
    key = json.dumps({k: v for k, v in p.items() if k != "outDir"}, sort_keys=True)
    rng = random.Random(zlib.crc32(key.encode()) ^ (seed * 2654435761))
    rtt, scheme = p["rtt"], p["scheme"]
    t_fail = p["crashTime"]
    t_up = t_fail + p["bootTime"]
    detect = {"none": p["livenessInterval"] + 165.1, "hint": 165.1, "initial-contact": rtt,
              "trust": 0.5 * rtt, "qcd": 1.5 * rtt, "sir": 2.5 * rtt}[scheme]
    detect += rng.uniform(0.0, 0.2 * rtt) + (p["peers"] - 1) * 0.002
    t_detect = t_up + detect
    t_restored = t_detect + 2 * rtt + rng.uniform(0.0, 0.1 * rtt)
    false_teardowns = int(round(p["attackRate"] * {"trust": 1.0, "hint": 0.0}.get(scheme, 0.0)))
    msgs = {"none": 14, "hint": 14, "initial-contact": 4, "trust": 4, "qcd": 6, "sir": 8}[scheme]
    summary = {
        "scenario": SCENARIO, "scheme": scheme, "profile": p["profile"], "seed": seed,
        "t_fail": t_fail, "t_up": t_up, "t_detect": round(t_detect, 9),
        "t_restored_ab": round(t_restored, 9), "t_restored_ba": round(t_restored + rtt / 2, 9),
        "recovery_s": round(t_restored - t_up, 9),
        "recovery_ba_s": round(t_restored + rtt / 2 - t_up, 9),
        "detection_s": round(t_detect - t_up, 9), "outage_s": round(t_restored - t_fail, 9),
        "inner_lost": int((t_restored - t_fail) * 50), "ike_msgs": msgs,
        "ike_bytes": msgs * 300 + rng.randint(0, 40), "unprotected_msgs": 2,
        "crypto_ops": {"alice": {"dh": 2, "prf": 20 + msgs}, "bob": {"dh": 2, "prf": 20}},
        "cpu_s": {"alice": 0.002, "bob": round(0.002 + 0.004 * p["peers"], 9)},
        "state_bytes_per_sa": {"alice": 600 + (64 if scheme == "qcd" else 0), "bob": 600},
        "persistent_bytes": {"alice": 0, "bob": 32 if scheme == "qcd" else 0},
        "recovered": scheme != "none" or p["livenessInterval"] < 1000,
        "peers": p["peers"],
        "recovery_p95_s": round(t_restored - t_up + 0.001 * p["peers"], 9),
        "forged_sent": int(p["attackRate"] * 10), "false_teardowns": false_teardowns,
        "time_to_first_false_teardown_s": 0.5 if false_teardowns else None,
        "downtime_s": round(false_teardowns * 3 * rtt, 9),
    }
    params = {k: v for k, v in p.items()}
    params.update({"code_version": "fixture", "seed": seed, "scenario": SCENARIO})
    events = [
        (1.0, "alice", "ike-sa-established", "bob", "", "", "", "", "", "1", ""),
        (1.0, "bob", "ike-sa-established", "alice", "", "", "", "", "", "1", ""),
        (t_fail, "bob", "crash", "", "", "", "", "", "", "", ""),
        (t_up, "bob", "reboot", "", "", "", "", "", "", "", ""),
        (t_up + 0.01, "bob", "notify-sent", "alice", "", "", "", "", "INVALID_SPI", "0", ""),
        (t_up + 0.01 + rtt / 2, "alice", "notify-received", "bob", "", "", "", "",
         "INVALID_SPI", "0", ""),
        (t_detect - rtt, "alice", "request-sent", "bob", "", "", "", "", "", "1",
         "INFORMATIONAL"),
        (t_detect, "alice", "recovery-detected", "bob", "", "", "", "", "", "", scheme),
        (t_detect + 0.001, "alice", "request-sent", "bob", "", "", "", "", "", "0",
         "IKE_SA_INIT"),
        (t_restored - rtt / 2, "alice", "ike-sa-established", "bob", "", "", "", "", "", "1",
         ""),
        (t_restored, "bob", "inner-restored", "alice", "", "", "", "", "", "", "A->B"),
    ]
    os.makedirs(p["outDir"], exist_ok=True)
    with open(os.path.join(p["outDir"], "params.json"), "w") as handle:
        json.dump(params, handle, sort_keys=True, indent=1)
    with open(os.path.join(p["outDir"], "summary.json"), "w") as handle:
        json.dump(summary, handle, sort_keys=True, indent=1)
    with open(os.path.join(p["outDir"], "events.csv"), "w") as handle:
        handle.write("time_s,node,event,peer,spi_i,spi_r,child_spi_in,child_spi_out,notify,"
                     "protected,detail\n")
        for event in sorted(events, key=lambda e: e[0]):
            handle.write("%.9f," % event[0] + ",".join(event[1:]) + "\n")
    print("fixture %s: scheme=%s recovery_s=%.6f" % (SCENARIO, scheme, summary["recovery_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

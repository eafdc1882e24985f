#!/usr/bin/python3
"""Wireshark as an oracle for the mitm scenario's forged packets (doc/mitm.md).

Runs mitm --quick --attacker=on-path --scheme=sir --pcap=true and checks, in Alice's WAN capture,
that tshark dissects the forgeries as well-formed IKEv2 from Bob's address, no frame malformed:

  INVALID_SPI (11) carrying Alice's real outbound Child SPI (from summary/events)
  INVALID_IKE_SPI (4) responses, QUICK_CRASH_DETECTION (16419) tokens, CHECK_SPI (32770)
and that the number of unprotected INVALID_SPI notifies seen is at least the forged count.

usage: mitm-tshark-check.py MITM_PROGRAM OUTDIR
"""
import csv
import glob
import json
import os
import shutil
import subprocess
import sys


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    if len(sys.argv) != 3:
        fail("usage: mitm-tshark-check.py MITM_PROGRAM OUTDIR")
    program, outdir = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        sys.exit(0)
    shutil.rmtree(outdir, ignore_errors=True)
    run = subprocess.run([program, "--quick", "--attacker=on-path", "--scheme=sir", "--pcap=true",
                          "--outDir=" + outdir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=240)
    if run.returncode != 0:
        fail("mitm failed: " + run.stdout)
    with open(os.path.join(outdir, "summary.json")) as f:
        summary = json.load(f)
    forged = summary["forged_by_kind"]
    # Alice's outbound Child SPI: her first child-sa-installed row (SIR may re-create it later).
    out_spi = None
    with open(os.path.join(outdir, "events.csv")) as f:
        for row in csv.DictReader(f):
            if row["node"] == "alice" and row["event"] == "child-sa-installed" and not out_spi:
                out_spi = row["child_spi_out"].lower()
    if out_spi is None:
        fail("no Child SA at Alice")
    # ns-3 names captures <prefix>-<node>-<device>.pcap; Alice is node 1.
    pcaps = sorted(glob.glob(os.path.join(outdir, "pcap", "wan-1-*.pcap")))
    if not pcaps:
        fail("no capture of Alice's WAN device")
    fields = subprocess.run(
        ["tshark", "-r", pcaps[0], "-Y", "isakmp && ip.src == 192.0.2.2", "-T", "fields",
         "-E", "occurrence=a", "-E", "separator=|",
         "-e", "isakmp.notify.msgtype", "-e", "isakmp.notify.data", "-e", "_ws.malformed"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if fields.returncode != 0:
        fail("tshark: " + fields.stderr)
    counts = {}
    invalid_spi_data = set()
    for line in fields.stdout.splitlines():
        types, data, malformed = (line.split("|") + ["", "", ""])[:3]
        if malformed:
            fail("malformed frame: " + line)
        types = types.split(",") if types else []
        datas = data.split(",") if data else []
        for i, t in enumerate(types):
            counts[t] = counts.get(t, 0) + 1
            if t == "11" and i < len(datas):
                invalid_spi_data.add(datas[i].replace(":", "").lower())
    for t, name in (("11", "INVALID_SPI"), ("4", "INVALID_IKE_SPI"), ("16419", "QCD_TOKEN"),
                    ("32770", "CHECK_SPI")):
        if counts.get(t, 0) == 0:
            fail(f"no {name} from Bob's address in {pcaps[0]}: {counts}")
    if out_spi not in invalid_spi_data:
        fail(f"no INVALID_SPI names Alice's outbound SPI {out_spi}: {invalid_spi_data}")
    if counts["11"] < forged.get("invalid-spi", 0):
        fail(f"{counts['11']} INVALID_SPI dissected, {forged['invalid-spi']} forged")
    print(f"OK: forged packets dissect: {counts} (forged {forged})")


if __name__ == "__main__":
    main()

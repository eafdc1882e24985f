#!/usr/bin/python3
"""Wireshark as an oracle for QCD (RFC 6290) on the simulated wire.

Runs crash-reboot --scheme=qcd with pcaps and key files, twice: without the RFC 6290 8.2 map
(Bob answers Alice's liveness check with INVALID_IKE_SPI + QCD_TOKEN) and with it (Bob answers
Alice's first ESP packet with INVALID_SPI + QCD_TOKEN). Asserts with tshark's own dissector
(field isakmp.notify.data.qcd.token_secret_data) that
  - QUICK_CRASH_DETECTION travels inside the decrypted IKE_AUTH messages, both ways;
  - after the reboot it travels in clear, in an unprotected reply from Bob (R set for the
    INVALID_IKE_SPI reply, a request for the INVALID_SPI one) naming the lost IKE SA;
  - the token in clear is byte for byte the one Bob had sent, encrypted, for that SA.

usage: tshark-qcd.py CRASH_REBOOT_PROGRAM OUTDIR
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

QCD = "16419"
INVALID_IKE_SPI = "4"
INVALID_SPI = "11"
IKE_AUTH = "35"
NAMES = {INVALID_IKE_SPI: "INVALID_IKE_SPI", INVALID_SPI: "INVALID_SPI"}
BOB = "192.0.2.2"
ALICE = "192.0.2.1"


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def fields(elem, name):
    return [f for f in elem.iter("field") if f.get("name") == name]


def show(elem, name):
    found = fields(elem, name)
    return found[0].get("show") if found else None


def notifies(packet):
    """(type, token hex or None, inside an SK payload) for every notify payload of the packet."""
    out = []

    def walk(elem, encrypted):
        for child in elem:
            inside = encrypted or child.get("name") == "isakmp.enc.decrypted"
            if child.get("name") == "isakmp.notify.msgtype":
                # The type field's parent is the notify payload; its token field is a sibling.
                token = [f.get("value") for f in elem
                         if f.get("name") == "isakmp.notify.data.qcd.token_secret_data"]
                out.append((child.get("show"), token[0] if token else None, encrypted))
            walk(child, inside)

    for proto in packet.iter("proto"):
        if proto.get("name") == "isakmp":
            walk(proto, False)
    return out


def dissect(pcap, config_dir):
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=config_dir)
    result = subprocess.run(["tshark", "-r", pcap, "-T", "pdml", "-Y", "isakmp"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=120)
    if result.returncode != 0:
        fail(f"tshark failed on {pcap}: {result.stderr}")
    packets = []
    for packet in ET.fromstring(result.stdout).iter("packet"):
        packets.append({
            "frame": show(packet, "frame.number"),
            "src": show(packet, "ip.src"),
            "ispi": show(packet, "isakmp.ispi"),
            "rspi": show(packet, "isakmp.rspi"),
            "exch": show(packet, "isakmp.exchangetype"),
            "response": show(packet, "isakmp.flag_r") in ("1", "True"),
            "protected": bool(fields(packet, "isakmp.enc.data")),
            "decrypted": bool(fields(packet, "isakmp.enc.decrypted")),
            "notifies": notifies(packet),
        })
    return packets


def run(program, outdir, extra):
    shutil.rmtree(outdir, ignore_errors=True)
    result = subprocess.run([program, "--quick", "--scheme=qcd", "--pcap=true",
                             "--outDir=" + outdir] + extra,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=240)
    print(result.stdout)
    if result.returncode != 0:
        fail(f"crash-reboot {' '.join(extra)} exited with {result.returncode}")
    pcaps = sorted(glob.glob(os.path.join(outdir, "pcap", "*.pcap")))
    if not pcaps:
        fail(f"no pcaps in {outdir}")
    packets = []
    with tempfile.TemporaryDirectory() as config_dir:
        for name in ["ikev2_decryption_table", "esp_sa"]:
            shutil.copy(os.path.join(outdir, "keys", name), config_dir)
        for pcap in pcaps:
            packets += dissect(pcap, config_dir)
    return packets


def check(packets, clear_type, label):
    # Tokens inside decrypted IKE_AUTH messages, by sender and SA.
    sent_protected = {}
    for p in packets:
        if p["exch"] != IKE_AUTH or not p["protected"]:
            continue
        if not p["decrypted"]:
            fail(f"{label}: IKE_AUTH frame {p['frame']} not decrypted")
        for kind, token, encrypted in p["notifies"]:
            if kind == QCD:
                if not encrypted or token is None:
                    fail(f"{label}: frame {p['frame']}: QCD_TOKEN outside the SK payload or "
                         f"without TOKEN_SECRET_DATA")
                sent_protected.setdefault(p["src"], {})[(p["ispi"], p["rspi"])] = token
    for who in (ALICE, BOB):
        if who not in sent_protected:
            fail(f"{label}: no QCD_TOKEN inside a decrypted IKE_AUTH from {who}")
    # The reply in clear.
    replies = []
    for p in packets:
        if p["protected"] or p["src"] != BOB:
            continue
        kinds = [k for k, _, _ in p["notifies"]]
        tokens = [t for k, t, _ in p["notifies"] if k == QCD and t]
        if clear_type in kinds and tokens:
            if kinds[0] != clear_type:
                fail(f"{label}: frame {p['frame']}: {NAMES[clear_type]} is not the first notify")
            replies.append((p, tokens))
    if not replies:
        fail(f"{label}: no unprotected {NAMES[clear_type]} + QUICK_CRASH_DETECTION from Bob")
    for p, tokens in replies:
        if clear_type == INVALID_IKE_SPI and not p["response"]:
            fail(f"{label}: frame {p['frame']}: token reply without the R flag")
        if clear_type == INVALID_SPI and p["response"]:
            fail(f"{label}: frame {p['frame']}: INVALID_SPI + token sent as a response")
        sa = (p["ispi"], p["rspi"])
        genuine = sent_protected[BOB].get(sa)
        if genuine is None:
            fail(f"{label}: frame {p['frame']}: token for {sa}, an SA Bob never gave a token for")
        if genuine not in tokens:
            fail(f"{label}: frame {p['frame']}: the token in clear differs from the one Bob "
                 f"sent in IKE_AUTH for {sa}")
    print(f"OK {label}: QCD_TOKEN inside decrypted IKE_AUTH for {sum(len(v) for v in sent_protected.values())} "
          f"(sender, IKE SA) pairs, {len(replies)} clear {NAMES[clear_type]} + "
          f"QCD_TOKEN replies carrying the token Bob had sent encrypted")


def main():
    program, outdir = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        fail("tshark is not installed (./testbed setup installs it)")
    check(run(program, os.path.join(outdir, "liveness"), []), INVALID_IKE_SPI,
          "liveness check")
    check(run(program, os.path.join(outdir, "map"), ["--qcdChildSpiMap=true"]), INVALID_SPI,
          "8.2 map")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Wireshark as an oracle for the bytes on the simulated wire.

Runs crash-reboot with --pcap=true (Bob crashes and the SAs are re-created, so the captures hold
two IKE SAs and four ESP SAs), points tshark at the exported key files, and asserts that every
IKE SK payload decrypts with a correct integrity checksum, every ESP packet decrypts with a good
ICV, and no frame is malformed or carries a warning.

usage: tshark-decrypt.py CRASH_REBOOT_PROGRAM OUTDIR
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TSHARK_PREFS = ["-o", "esp.enable_encryption_decode:TRUE",
                "-o", "esp.enable_authentication_check:TRUE"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def tshark(pcap, config_dir, extra):
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=config_dir)
    result = subprocess.run(["tshark", "-r", pcap] + TSHARK_PREFS + extra, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=120)
    if result.returncode != 0:
        fail(f"tshark failed on {pcap}: {result.stderr}")
    return result.stdout


def fields_of(packet, name):
    return [f for f in packet.iter("field") if f.get("name") == name]


def check_pcap(pcap, config_dir):
    """Returns (sk payloads checked, esp packets checked, IKE SPI pairs seen)."""
    problems = tshark(pcap, config_dir,
                      ["-Y", "_ws.malformed || _ws.expert.severity >= warning || "
                             "esp.icv_bad == 1"])
    if problems.strip():
        fail(f"{pcap}: frames with problems:\n{problems}")
    root = ET.fromstring(tshark(pcap, config_dir, ["-T", "pdml"]))
    sk = esp = 0
    spis = set()
    for packet in root.iter("packet"):
        number = fields_of(packet, "frame.number")[0].get("show")
        protocols = [p.get("name") for p in packet.iter("proto")]
        if "isakmp" in protocols:
            encrypted = fields_of(packet, "isakmp.enc.data")
            spi_i = fields_of(packet, "isakmp.ispi")
            spi_r = fields_of(packet, "isakmp.rspi")
            if encrypted and spi_i and spi_r:
                spis.add((spi_i[0].get("show"), spi_r[0].get("show")))
            for _ in encrypted:
                sk += 1
            if encrypted:
                if len(fields_of(packet, "isakmp.enc.decrypted")) != len(encrypted):
                    fail(f"{pcap} frame {number}: SK payload not decrypted")
                icds = fields_of(packet, "isakmp.enc.icd")
                if len(icds) != len(encrypted) or \
                        not all(i.get("showname", "").endswith("[correct]") for i in icds):
                    fail(f"{pcap} frame {number}: SK integrity checksum not correct: "
                         f"{[i.get('showname') for i in icds]}")
        if "esp" in protocols:
            esp += 1
            good = fields_of(packet, "esp.icv_good")
            if not good or good[0].get("show") not in ("1", "True"):
                fail(f"{pcap} frame {number}: ESP ICV not verified good")
            if not fields_of(packet, "esp.decrypted_data"):
                fail(f"{pcap} frame {number}: ESP payload not decrypted")
    return sk, esp, spis


def main():
    program, outdir = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        fail("tshark is not installed (./testbed setup installs it)")
    shutil.rmtree(outdir, ignore_errors=True)
    run = subprocess.run([program, "--quick", "--scheme=trust", "--pcap=true",
                          "--outDir=" + outdir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    print(run.stdout)
    if run.returncode != 0:
        fail(f"crash-reboot exited with {run.returncode}")
    pcaps = sorted(glob.glob(os.path.join(outdir, "pcap", "*.pcap")))
    if len(pcaps) != 2:
        fail(f"expected the two WAN pcaps, found {pcaps}")
    with tempfile.TemporaryDirectory() as config_dir:
        for name in ["ikev2_decryption_table", "esp_sa"]:
            shutil.copy(os.path.join(outdir, "keys", name), config_dir)
        total_sk = total_esp = 0
        all_spis = set()
        for pcap in pcaps:
            sk, esp, spis = check_pcap(pcap, config_dir)
            print(f"{os.path.basename(pcap)}: {sk} SK payloads and {esp} ESP packets decrypted "
                  f"and verified")
            total_sk += sk
            total_esp += esp
            all_spis |= spis
    # A test that cannot fail proves nothing: the captures must hold the crash's story.
    if total_sk < 8:
        fail(f"only {total_sk} SK payloads: expected two IKE_AUTH exchanges seen from both ends")
    if total_esp < 20:
        fail(f"only {total_esp} ESP packets")
    established = all_spis  # SPI pairs of protected messages: established IKE SAs
    if len(established) < 2:
        fail(f"expected the old and the re-created IKE SA in the captures, saw {established}")
    print(f"OK: {total_sk} SK payloads, {total_esp} ESP packets, {len(established)} IKE SAs")


if __name__ == "__main__":
    main()

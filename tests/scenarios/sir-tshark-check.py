#!/usr/bin/python3
"""Wireshark as an oracle for SIR (draft-detienne-ikev2-recovery-03) on the simulated wire.

Runs crash-reboot --scheme=sir with --pcap=true and the exported keys, then checks, in each WAN
capture, the whole recovery as tshark dissects it (doc/sir.md sections 1-4, 7, 8):

  Bob -> Alice   INVALID_SPI (11), unprotected, HDR(0,0)
  Alice -> Bob   SK{CHECK_SPI QUERY, ESP, SPI}     (decrypted with the exported keys)
  Bob -> Alice   INVALID_IKE_SPI (4), unprotected response, HDR(A,B)
  Alice -> Bob   CHECK_SPI QUERY + Cookie_Y, in clear, INFORMATIONAL request, HDR(A,B)
  Bob -> Alice   CHECK_SPI NACK echoing Cookie_Y + LONE_COOKIE (Cookie_X), in clear, response
  Alice -> Bob   IKE_SA_INIT(A',0) with LONE_COOKIE (Cookie_X) first and the SIR Vendor ID

tshark knows 32770 only as a private-use status notify; the frames are selected with the display
filter isakmp.notify.msgtype == 32770 and the CHECK_SPI data (Subtype | CookieSize | RESERVED(2)
| Cookie) is read from isakmp.notify.data (PDML, so that each notify keeps its own fields).

usage: sir-tshark-check.py CRASH_REBOOT_PROGRAM OUTDIR
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

CHECK_SPI = "32770"
QUERY, ACK, NACK, LONE_COOKIE = "00", "01", "02", "03"
VENDOR_ID = b"SECURE IKE RECOVERY".hex()
FLAG_RESPONSE = 0x20
INFORMATIONAL = "37"
IKE_SA_INIT = "34"
PREFS = ["-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def tshark(pcap, config_dir, extra):
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=config_dir)
    result = subprocess.run(["tshark", "-r", pcap] + PREFS + extra, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=120)
    if result.returncode != 0:
        fail(f"tshark failed on {pcap}: {result.stderr}")
    return result.stdout


class Frame:
    """One IKE frame from tshark's PDML: header fields and, in payload order (the inside of a
    decrypted SK payload included), its notifies (type, protocol ID, SPI, data) and Vendor IDs."""

    def __init__(self, packet):
        def value(field):
            return field.get("value", "") if field is not None else ""

        self.number = int(packet.find(".//field[@name='frame.number']").get("show"))
        ip = packet.find("proto[@name='ip']")
        self.src = ip.find("field[@name='ip.src']").get("show")
        self.dst = ip.find("field[@name='ip.dst']").get("show")
        ike = packet.find("proto[@name='isakmp']")
        self.ispi = value(ike.find("field[@name='isakmp.ispi']"))
        self.rspi = value(ike.find("field[@name='isakmp.rspi']"))
        self.exchange = ike.find("field[@name='isakmp.exchangetype']").get("show")
        self.flags = int(value(ike.find("field[@name='isakmp.flags']")) or "0", 16)
        self.encrypted = ike.find(".//field[@name='isakmp.enc.data']") is not None
        self.notifies = []
        self.vendor_ids = []
        for payload in ike.iter("field"):
            if payload.get("name") != "isakmp.typepayload":
                continue
            children = {c.get("name"): c for c in payload}
            if payload.get("show") == "41":
                self.notifies.append((children["isakmp.notify.msgtype"].get("show"),
                                      children["isakmp.notify.protoid"].get("show"),
                                      value(children.get("isakmp.spi")),
                                      value(children.get("isakmp.notify.data"))))
            elif payload.get("show") == "43":
                self.vendor_ids.append(value(children.get("isakmp.vid_bytes")))

    @property
    def response(self):
        return bool(self.flags & FLAG_RESPONSE)

    def check_spi(self, subtype):
        """Cookies of the CHECK_SPI notifies of this subtype (validating the data layout)."""
        cookies = []
        for t, _, _, data in self.notifies:
            if t != CHECK_SPI or not data.startswith(subtype):
                continue
            size = int(data[2:4], 16)
            cookie = data[8:]
            if len(cookie) != 2 * size or data[4:8] != "0000":
                fail(f"frame {self.number}: CHECK_SPI data {data} does not match its CookieSize")
            cookies.append(cookie)
        return cookies

    def has_notify(self, notify_type):
        return any(n[0] == notify_type for n in self.notifies)


def frames_of(pcap, config_dir, display_filter):
    root = ET.fromstring(tshark(pcap, config_dir, ["-Y", display_filter, "-T", "pdml"]))
    return [Frame(p) for p in root.iter("packet")]


def first(frames, predicate, what, pcap):
    for f in frames:
        if predicate(f):
            return f
    fail(f"{os.path.basename(pcap)}: no {what}")


def check_pcap(pcap, config_dir, alice, bob):
    problems = tshark(pcap, config_dir, ["-Y", "_ws.malformed || _ws.expert.severity >= warning"])
    if problems.strip():
        fail(f"{pcap}: frames with problems:\n{problems}")
    frames = frames_of(pcap, config_dir, "isakmp")
    name = os.path.basename(pcap)

    query = first(frames, lambda f: f.src == alice and not f.encrypted and not f.response and
                  f.exchange == INFORMATIONAL and f.check_spi(QUERY),
                  "CHECK_SPI QUERY in clear from Alice", pcap)
    cookie_y = query.check_spi(QUERY)[0]
    if len(cookie_y) != 2 * 17:
        fail(f"{name} frame {query.number}: Cookie_Y of {len(cookie_y) // 2} octets, expected 17")
    same_sa = lambda f: f.ispi == query.ispi and f.rspi == query.rspi
    nack = first(frames, lambda f: f.src == bob and not f.encrypted and f.response and
                 same_sa(f) and f.number > query.number and f.check_spi(NACK),
                 "CHECK_SPI NACK in clear from Bob answering the QUERY", pcap)
    if nack.check_spi(NACK) != [cookie_y]:
        fail(f"{name} frame {nack.number}: the NACK does not echo Cookie_Y {cookie_y}")
    cookie_x = nack.check_spi(LONE_COOKIE)
    if len(cookie_x) != 1:
        fail(f"{name} frame {nack.number}: expected one LONE_COOKIE (Cookie_X) with the NACK")
    invalid_ike_spi = first(
        reversed([f for f in frames if f.number < query.number]),
        lambda f: f.src == bob and not f.encrypted and f.response and same_sa(f) and
        f.has_notify("4"), "INVALID_IKE_SPI from Bob before the QUERY", pcap)
    sk_query = first(
        reversed([f for f in frames if f.number < invalid_ike_spi.number]),
        lambda f: f.src == alice and f.encrypted and same_sa(f) and
        any(t == CHECK_SPI and p == "3" and d.startswith(QUERY) for t, p, _, d in f.notifies),
        "decrypted SK{CHECK_SPI QUERY} for a Child SA before the INVALID_IKE_SPI", pcap)
    invalid_spi = first(
        reversed([f for f in frames if f.number < sk_query.number]),
        lambda f: f.src == bob and not f.encrypted and f.has_notify("11"),
        "unprotected INVALID_SPI from Bob before the SK{QUERY}", pcap)
    if invalid_spi.ispi.strip("0") or invalid_spi.rspi.strip("0"):
        fail(f"{name} frame {invalid_spi.number}: INVALID_SPI not under HDR(0,0)")
    named = [spi for t, _, spi, _ in sk_query.notifies if t == CHECK_SPI]
    if named != [invalid_spi.notifies[0][3]]:
        fail(f"{name} frame {sk_query.number}: SK{{QUERY}} names SPI {named}, "
             f"INVALID_SPI named {invalid_spi.notifies[0][3]}")
    init = first(frames, lambda f: f.src == alice and f.exchange == IKE_SA_INIT and
                 not f.response and f.number > nack.number, "IKE_SA_INIT after the NACK", pcap)
    if init.ispi == query.ispi or init.rspi.strip("0"):
        fail(f"{name} frame {init.number}: not a new IKE_SA_INIT(A',0)")
    if init.check_spi(LONE_COOKIE) != cookie_x or init.notifies[0][0] != CHECK_SPI:
        fail(f"{name} frame {init.number}: Cookie_X is not the first notify of the IKE_SA_INIT")
    if VENDOR_ID not in init.vendor_ids:
        fail(f"{name} frame {init.number}: no 'SECURE IKE RECOVERY' Vendor ID")
    reply = first(frames, lambda f: f.src == bob and f.exchange == IKE_SA_INIT and f.response and
                  f.ispi == init.ispi, "Bob's IKE_SA_INIT response", pcap)
    if VENDOR_ID not in reply.vendor_ids:
        fail(f"{name} frame {reply.number}: Bob's IKE_SA_INIT response has no SIR Vendor ID")

    # The filter the issue names selects exactly the CHECK_SPI frames found above.
    selected = {f.number for f in frames_of(pcap, config_dir,
                                            "isakmp.notify.msgtype == 32770")}
    expected = {sk_query.number, query.number, nack.number, init.number}
    if not expected <= selected:
        fail(f"{name}: isakmp.notify.msgtype == 32770 selects {sorted(selected)}, "
             f"missing {sorted(expected - selected)}")
    print(f"{name}: INVALID_SPI #{invalid_spi.number} -> SK{{QUERY}} #{sk_query.number} -> "
          f"INVALID_IKE_SPI #{invalid_ike_spi.number} -> QUERY #{query.number} -> "
          f"NACK+Cookie_X #{nack.number} -> IKE_SA_INIT #{init.number} "
          f"(Cookie_Y {cookie_y}, {len(selected)} CHECK_SPI frames)")


def main():
    program, outdir = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        fail("tshark is not installed (./testbed setup installs it)")
    shutil.rmtree(outdir, ignore_errors=True)
    # Bob crashes at 20 s (past the 5 s dampening after the first IKE SA) and is back at 22 s.
    run = subprocess.run([program, "--quick", "--scheme=sir", "--pcap=true", "--crashTime=20",
                          "--bootTime=2", "--simTime=30", "--outDir=" + outdir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    print(run.stdout)
    if run.returncode != 0:
        fail(f"crash-reboot exited with {run.returncode}")
    with open(os.path.join(outdir, "params.json")) as f:
        topology = json.load(f)["topology"]
    alice, bob = topology["alice_wan"], topology["bob_wan"]
    pcaps = sorted(glob.glob(os.path.join(outdir, "pcap", "*.pcap")))
    if len(pcaps) != 2:
        fail(f"expected the two WAN pcaps, found {pcaps}")
    with tempfile.TemporaryDirectory() as config_dir:
        for name in ["ikev2_decryption_table", "esp_sa"]:
            shutil.copy(os.path.join(outdir, "keys", name), config_dir)
        for pcap in pcaps:
            check_pcap(pcap, config_dir, alice, bob)
    print("OK: the SIR exchange is visible in clear in both captures")


if __name__ == "__main__":
    main()

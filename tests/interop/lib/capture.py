"""Packet capture on the veth with dumpcap, and the tshark oracle for our key files.

Wireshark reads the keys from its personal configuration folder (WIRESHARK_CONFIG_DIR):
`ikev2_decryption_table` (one line per IKE SA) and `esp_sa` (one line per ESP SA and
direction). `check_decryption` runs tshark with ESP decryption and ICV checking on and
classifies every frame: an IKE message with an Encrypted payload counts as verified when tshark
decrypted it and did not flag its integrity checksum (shown as [correct]); an ESP packet when
esp.icv_good is set.
"""

import os
import signal

from sandbox import run, stop_process, wait_until

FIELDS = ["frame.number", "isakmp.exchangetype", "isakmp.ispi", "isakmp.rspi",
          "isakmp.enc.data", "isakmp.enc.decrypted", "isakmp.ikev2.integrity_checksum",
          "esp.spi", "esp.icv_good", "esp.icv_bad", "icmp.type"]


class Capture:
    def __init__(self, sandbox, side, name="wan"):
        self.sb = sandbox
        self.side = side
        self.path = sandbox.path(name + ".pcapng")
        self.name = name
        self.proc = None

    def start(self, timeout=10.0):
        cmd = self.side.exec_prefix() + ["dumpcap", "-q", "-i", self.side.veth, "-w", self.path]
        self.proc = self.sb.spawn(cmd, "dumpcap-" + self.name)
        out = self.sb.path("dumpcap-%s.out" % self.name)

        def capturing():
            if self.proc.poll() is not None:
                raise RuntimeError("dumpcap exited: %s" % open(out).read())
            return "Capturing on" in open(out).read()

        wait_until(capturing, timeout, what="dumpcap to start")
        return self

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, signal.SIGINT)
            self.proc = None
        return self.path


def write_key_files(folder, ike_lines, esp_lines):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "ikev2_decryption_table"), "w") as f:
        f.write("".join(line + "\n" for line in ike_lines))
    with open(os.path.join(folder, "esp_sa"), "w") as f:
        f.write("".join(line + "\n" for line in esp_lines))
    return folder


def dissect(pcap, key_folder):
    """One dict per frame with FIELDS (empty string when absent)."""
    cmd = ["tshark", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE", "-T", "fields", "-E", "separator=|",
           "-E", "occurrence=f"]
    for field in FIELDS:
        cmd += ["-e", field]
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=key_folder)
    proc = run(cmd, timeout=60, env=env)
    frames = []
    for line in proc.stdout.splitlines():
        parts = line.split("|")
        if len(parts) != len(FIELDS):
            continue  # tshark's own warnings
        frames.append(dict(zip(FIELDS, parts)))
    return frames


class DecryptionReport:
    def __init__(self, frames):
        self.frames = frames
        self.ike_encrypted = [f for f in frames if f["isakmp.enc.data"]]
        self.ike_ok = [f for f in self.ike_encrypted
                       if f["isakmp.enc.decrypted"] and not f["isakmp.ikev2.integrity_checksum"]]
        self.ike_bad = [f for f in self.ike_encrypted if f["isakmp.ikev2.integrity_checksum"]]
        self.ike_unknown = [f for f in self.ike_encrypted if not f["isakmp.enc.decrypted"]]
        self.esp = [f for f in frames if f["esp.spi"]]
        self.esp_ok = [f for f in self.esp if f["esp.icv_good"] in ("1", "True")]
        self.esp_bad = [f for f in self.esp if f["esp.icv_bad"] in ("1", "True")]
        self.inner_icmp = [f for f in self.esp_ok if f["icmp.type"]]

    def all_verified(self):
        return (len(self.ike_ok) == len(self.ike_encrypted) and
                len(self.esp_ok) == len(self.esp))

    def summary(self):
        def nums(fs):
            return ",".join(f["frame.number"] for f in fs[:20])
        return ("IKE encrypted %d, integrity correct %d, incorrect %d [%s], no key %d [%s]; "
                "ESP %d, icv_good %d, icv_bad %d [%s], undecrypted [%s]; inner ICMP %d" % (
                    len(self.ike_encrypted), len(self.ike_ok), len(self.ike_bad),
                    nums(self.ike_bad), len(self.ike_unknown), nums(self.ike_unknown),
                    len(self.esp), len(self.esp_ok), len(self.esp_bad), nums(self.esp_bad),
                    nums([f for f in self.esp if f not in self.esp_ok]),
                    len(self.inner_icmp)))


def check_decryption(pcap, key_folder):
    return DecryptionReport(dissect(pcap, key_folder))

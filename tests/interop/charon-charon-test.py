#!/usr/bin/python3
"""charon <-> charon in two namespaces: proves the recipe of doc/interop.md on this machine.

Alice (ns a) initiates to Bob (ns b); pings cross the tunnel both ways; Child SA and IKE SA
rekeys from each side; Bob crashes and re-initiates with INITIAL_CONTACT, and Alice drops the
old IKE SA; Alice deletes. The capture on the veth must decrypt completely with the key files
made from each charon's level-4 log (and the files made from Alice's and Bob's logs must agree),
and must stop decrypting when one key is wrong.
"""

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import capture  # noqa: E402
import sandbox  # noqa: E402
from charon import Charon, CharonConfig  # noqa: E402
from netns import Topology  # noqa: E402

TRAFFIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "traffic.py")


def ping(sb, side, dst, count=3):
    out = side.run(["/usr/bin/python3", TRAFFIC, "ping", side.inner, dst, str(count)],
                   timeout=30).stdout
    result = json.loads(out.strip().splitlines()[-1])
    sb.log("ping %s -> %s: %d/%d" % (side.inner, dst, result["received"], result["sent"]))
    return result


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def spis(charon):
    return sorted((sa["initiator-spi"], sa["responder-spi"]) for sa in charon.established())


def main(args):
    sandbox.require_namespaces()
    sandbox.require_tools("/usr/lib/ipsec/charon", "swanctl", "dumpcap", "tshark")
    with sandbox.Sandbox(args.workdir) as sb:
        topo = Topology(sb).create()
        cap = capture.Capture(sb, topo.a).start()
        alice = Charon(sb, topo.a, CharonConfig(
            local=topo.a.outer, remote=topo.b.outer, local_id="alice.example",
            remote_id="bob.example", local_ts=topo.a.inner + "/32",
            remote_ts=topo.b.inner + "/32"), "alice")
        bob = Charon(sb, topo.b, CharonConfig(
            local=topo.b.outer, remote=topo.a.outer, local_id="bob.example",
            remote_id="alice.example", local_ts=topo.b.inner + "/32",
            remote_ts=topo.a.inner + "/32"), "bob")
        alice.start()
        bob.start()

        t = time.monotonic()
        alice.initiate()
        sb.log("IKE SA and Child SA up in %.0f ms" % ((time.monotonic() - t) * 1000))
        expect(len(alice.established()) == 1 and len(bob.established()) == 1,
               "one IKE SA on each side")
        expect(len(alice.child_spis()) == 1, "one Child SA")
        a_in, a_out = alice.child_spis()[0]
        expect(bob.child_spis() == [(a_out, a_in)], "Child SA SPIs agree")
        expect(ping(sb, topo.a, topo.b.inner)["received"] == 3, "ping a -> b")
        expect(ping(sb, topo.b, topo.a.inner)["received"] == 3, "ping b -> a")

        for who, other in ((alice, bob), (bob, alice)):
            before = who.child_spis()
            who.rekey_child()
            sandbox.wait_until(lambda: len(other.child_spis()) == 1, 5,
                               what="old Child SA gone after rekey")
            expect(who.child_spis() != before, "%s: Child SA rekeyed" % who.label)
            expect(ping(sb, topo.a, topo.b.inner)["received"] == 3, "ping after child rekey")
            sb.log("Child SA rekeyed by %s: %s -> %s" % (who.label, before, who.child_spis()))

        for who, other in ((alice, bob), (bob, alice)):
            before = spis(who)
            who.rekey_ike()
            sandbox.wait_until(lambda: len(other.list_sas()) == 1, 5,
                               what="old IKE SA gone after IKE rekey")
            expect(spis(who) != before and spis(who) == spis(other), "IKE SA rekeyed")
            expect(len(who.child_spis()) == 1, "Child SA moved to the new IKE SA")
            expect(ping(sb, topo.b, topo.a.inner)["received"] == 3, "ping after IKE rekey")
            sb.log("IKE SA rekeyed by %s: %s -> %s" % (who.label, before, spis(who)))

        # Bob crashes and comes back; Alice still holds the old SA until Bob's INITIAL_CONTACT.
        old = spis(alice)
        bob.crash()
        bob.start()
        expect(spis(alice) == old, "Alice keeps the old IKE SA while Bob is down")
        bob.initiate()
        sandbox.wait_until(lambda: len(alice.list_sas()) == 1 and spis(alice) != old, 5,
                           what="Alice to drop the old IKE SA on INITIAL_CONTACT")
        log = open(alice.log_path()).read()
        expect("INIT_CONTACT" in log, "Alice's log shows the INITIAL_CONTACT notify")
        expect(ping(sb, topo.a, topo.b.inner)["received"] == 3, "ping after Bob's restart")
        sb.log("INITIAL_CONTACT: Alice replaced %s by %s" % (old, spis(alice)))

        alice.terminate_ike()
        sandbox.wait_until(lambda: not bob.list_sas(), 5, what="Bob to delete on Delete")
        expect(not alice.list_sas(), "Alice has no SA after Delete")
        time.sleep(0.2)
        pcap = cap.stop()

        a_ike, a_esp = alice.wireshark_lines()
        b_ike, b_esp = bob.wireshark_lines()
        sb.log("key lines: Alice %d IKE, %d ESP; Bob %d IKE, %d ESP" % (
            len(a_ike), len(a_esp), len(b_ike), len(b_esp)))
        expect(sorted(a_ike) == sorted(b_ike) and sorted(a_esp) == sorted(b_esp),
               "key files from Alice's and Bob's logs agree")
        expect(len(a_ike) == 4 and len(a_esp) == 8,
               "4 IKE SAs (initial, 2 rekeys, after the restart), 4 Child SAs x 2 directions")
        good = capture.write_key_files(sb.path("wireshark"), a_ike, a_esp)
        report = capture.check_decryption(pcap, good)
        sb.log("tshark: " + report.summary())
        expect(report.all_verified(), "every IKE and ESP frame decrypts with correct ICV")
        expect(len(report.ike_ok) >= 20 and len(report.esp_ok) >= 30,
               "enough protected traffic in the capture")
        expect(len(report.inner_icmp) == len(report.esp_ok), "every ESP packet is inner ICMP")

        # The oracle can fail: flip one bit of every key and nothing may verify.
        def corrupt(line):
            fields = line.split(",")
            for field, pos in ([(5, 3)] if line.startswith('"IPv4"') else [(2, 0), (3, 0)]):
                digit = "0" if fields[field][pos] != "0" else "1"
                fields[field] = fields[field][:pos] + digit + fields[field][pos + 1:]
            return ",".join(fields)
        bad = capture.write_key_files(sb.path("wireshark-bad"), [corrupt(l) for l in a_ike],
                                      [corrupt(l) for l in a_esp])
        report = capture.check_decryption(pcap, bad)
        sb.log("tshark with wrong keys: " + report.summary())
        expect(not report.ike_ok and not report.esp_ok and
               len(report.ike_bad) == len(report.ike_encrypted) and report.esp_bad,
               "wrong keys are detected")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", default="/tmp/interop-charon-charon")
    sandbox.main(lambda: main(parser.parse_args()))

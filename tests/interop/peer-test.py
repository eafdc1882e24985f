#!/usr/bin/python3
"""Our engine on real sockets (tools/ikev2-peer) against strongSwan's charon.

Our peer runs in namespace a (Alice, 192.0.2.1, inner 10.1.0.1), charon in namespace b (Bob,
192.0.2.2, inner 10.2.0.1 on lo) with kernel-libipsec, so every exchange after IKE_SA_INIT and
all ESP use UDP 4500 (RFC 3948). PSK with FQDN identities, aes128gcm16-prfsha256-x25519, ESP
aes128gcm16, tunnel mode between the two /32 inner addresses. One --case per CTest entry:

  initiator           we initiate; IKE SA and Child SA up; inner packets both ways
  responder           charon initiates; the same checks
  child-rekey-ours    we rekey the Child SA; charon follows; traffic continues
  child-rekey-charon  charon rekeys the Child SA
  ike-rekey-ours      we rekey the IKE SA; the Child SA moves to it
  ike-rekey-charon    charon rekeys the IKE SA
  delete-ours         our INFORMATIONAL Delete removes charon's SAs
  delete-charon       charon's Delete removes ours
  charon-restart      charon crashes (SIGKILL), restarts and re-initiates with INITIAL_CONTACT:
                      we drop the old IKE SA
  peer-restart        our process is killed and restarted: it re-initiates with INITIAL_CONTACT
                      and charon drops the old IKE SA
  peer-crash          the same with the in-process crash of the control socket (Crash() of the
                      engine, as the ns-3 scenarios do)

Every case ends with the oracle: tshark decrypts the capture with OUR key files (every
encrypted IKE message shows [correct], every ESP packet esp.icv_good), and our key lines equal
those made from charon's level-4 log for the same SAs.
"""

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import capture  # noqa: E402
import keylog  # noqa: E402
import sandbox  # noqa: E402
from charon import Charon, CharonConfig  # noqa: E402
from netns import Topology  # noqa: E402
from peer import Peer, PeerConfig  # noqa: E402

TRAFFIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "traffic.py")
WAIT = 10.0  # upper bound for anything that takes milliseconds; never decides a result


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


class Run:
    def __init__(self, sb, args, ours_initiates=True):
        self.sb = sb
        self.topo = topo = Topology(sb, inner_on_lo=(False, True)).create()
        self.cap = capture.Capture(sb, topo.a).start()
        self.charon = Charon(sb, topo.b, CharonConfig(
            local=topo.b.outer, remote=topo.a.outer, local_id="bob.example",
            remote_id="alice.example", local_ts=topo.b.inner + "/32",
            remote_ts=topo.a.inner + "/32"), "charon")
        self.ours = Peer(sb, topo.a, args.peer, PeerConfig(
            local=topo.a.outer, remote=topo.b.outer, local_id="alice.example",
            remote_id="bob.example", local_ts=topo.a.inner + "/32",
            remote_ts=topo.b.inner + "/32",
            start_action="start" if ours_initiates else "none", scheme=args.scheme))
        self.charon.start()
        t = time.monotonic()
        self.ours.start()
        if not ours_initiates:
            self.charon.initiate()
        self.wait_up()
        sb.log("IKE SA and Child SA up (%s initiated) in %.0f ms" % (
            "we" if ours_initiates else "charon", (time.monotonic() - t) * 1000))

    # --- state on both sides -------------------------------------------------------------

    def ike_pairs(self):
        ours = sorted((sa["spi_i"], sa["spi_r"]) for sa in self.ours.established())
        theirs = sorted((sa["initiator-spi"], sa["responder-spi"])
                        for sa in self.charon.established())
        return ours, theirs

    def agree(self):
        """Exactly one IKE SA and one Child SA on each side, with the same SPIs."""
        ours_ike, charon_ike = self.ike_pairs()
        if len(ours_ike) != 1 or ours_ike != charon_ike:
            return False
        ours_sas = self.ours.status()["ike_sas"]
        if len(ours_sas) != 1:
            return False
        ours_child = self.ours.child_spis()
        charon_child = self.charon.child_spis()
        return (len(ours_child) == 1 and len(charon_child) == 1 and
                ours_child[0] == (charon_child[0][1], charon_child[0][0]))

    def wait_up(self):
        sandbox.wait_until(self.agree, WAIT, what="one IKE SA and one Child SA agreed by both")

    def describe(self):
        return "ours %s/%s, charon %s/%s" % (self.ike_pairs()[0], self.ours.child_spis(),
                                              self.ike_pairs()[1], self.charon.child_spis())

    # --- inner traffic -------------------------------------------------------------------

    def traffic_both_ways(self, count=3):
        side = self.topo.b
        out = side.run(["/usr/bin/python3", TRAFFIC, "ping", side.inner, self.topo.a.inner,
                        str(count)], timeout=30).stdout
        result = json.loads(out.strip().splitlines()[-1])
        self.sb.log("charon side pings our inner address: %d/%d" % (result["received"],
                                                                    result["sent"]))
        expect(result["received"] == count, "echo requests from charon's side answered by us")
        before = self.ours.status()["inner"]["echo_replies_received"]
        self.ours.command("ping %s %d" % (self.topo.b.inner, count))
        sandbox.wait_until(
            lambda: self.ours.status()["inner"]["echo_replies_received"] >= before + count,
            WAIT, what="%d echo replies to our pings" % count)
        self.sb.log("we ping charon's inner address: %d/%d" % (count, count))

    # --- oracle --------------------------------------------------------------------------

    def verify_capture(self):
        time.sleep(0.2)
        pcap = self.cap.stop()
        report = capture.check_decryption(pcap, self.ours.key_files())
        self.sb.log("tshark with our keys: " + report.summary())
        expect(report.ike_encrypted and report.esp, "the capture has IKE and ESP traffic")
        expect(report.all_verified(), "every IKE message and ESP packet verifies with our keys")
        expect(len(report.inner_icmp) == len(report.esp_ok), "every ESP packet is inner ICMP")

        def norm(lines):
            return sorted(line.lower() for line in lines)
        ours_ike = norm(read_lines(os.path.join(self.ours.key_files(), "ikev2_decryption_table")))
        ours_esp = norm(read_lines(os.path.join(self.ours.key_files(), "esp_sa")))
        charon_ike, charon_esp = self.charon.wireshark_lines()
        expect(ours_ike == norm(charon_ike),
               "our IKE key lines equal charon's:\n%s\n%s" % (ours_ike, norm(charon_ike)))
        expect(ours_esp == norm(charon_esp),
               "our ESP key lines equal charon's:\n%s\n%s" % (ours_esp, norm(charon_esp)))
        self.sb.log("our key files equal charon's: %d IKE SAs, %d ESP SAs" % (
            len(ours_ike), len(ours_esp)))


def read_lines(path):
    if not os.path.exists(path):
        return []
    return [line.strip() for line in open(path) if line.strip()]


# --- cases -------------------------------------------------------------------------------

def case_initiator(sb, args):
    run = Run(sb, args, ours_initiates=True)
    run.ours.wait_event("ike-sa-established")
    expect(run.ours.status()["ike_sas"][0]["initiator"], "we are the initiator")
    run.traffic_both_ways()
    run.verify_capture()


def case_responder(sb, args):
    run = Run(sb, args, ours_initiates=False)
    expect(not run.ours.status()["ike_sas"][0]["initiator"], "we are the responder")
    run.traffic_both_ways()
    run.verify_capture()


def rekey_child(sb, args, ours_rekey):
    run = Run(sb, args)
    run.traffic_both_ways(2)
    before = run.ours.child_spis()
    if ours_rekey:
        run.ours.command("rekey-child")
    else:
        run.charon.rekey_child()
    sandbox.wait_until(lambda: run.agree() and run.ours.child_spis() != before, WAIT,
                       what="a new Child SA on both sides and the old one deleted")
    run.ours.wait_event("child-sa-rekeyed")
    sb.log("Child SA rekeyed by %s: %s -> %s" % ("us" if ours_rekey else "charon", before,
                                                 run.ours.child_spis()))
    run.traffic_both_ways()
    run.verify_capture()


def rekey_ike(sb, args, ours_rekey):
    run = Run(sb, args)
    before = run.ike_pairs()[0]
    child = run.ours.child_spis()
    if ours_rekey:
        run.ours.command("rekey-ike")
    else:
        run.charon.rekey_ike()
    sandbox.wait_until(lambda: run.agree() and run.ike_pairs()[0] != before, WAIT,
                       what="a new IKE SA on both sides and the old one deleted")
    run.ours.wait_event("ike-sa-rekeyed")
    expect(run.ours.child_spis() == child, "the Child SA survives the IKE rekey")
    sb.log("IKE SA rekeyed by %s: %s -> %s" % ("us" if ours_rekey else "charon", before,
                                               run.ike_pairs()[0]))
    run.traffic_both_ways()
    # The new IKE SA must work too: one more exchange on it.
    run.ours.command("rekey-child")
    sandbox.wait_until(lambda: run.agree() and run.ours.child_spis() != child, WAIT,
                       what="a Child SA rekey on the new IKE SA")
    run.verify_capture()


def delete(sb, args, ours_delete):
    run = Run(sb, args)
    run.traffic_both_ways(2)
    if ours_delete:
        run.ours.command("delete")
    else:
        run.charon.terminate_ike()
    sandbox.wait_until(lambda: not run.charon.list_sas() and not run.ours.status()["ike_sas"],
                       WAIT, what="no SA left on either side")
    deleted = run.ours.wait_event("ike-sa-deleted")
    sb.log("deleted by %s; our events: %s" % ("us" if ours_delete else "charon",
                                              [e["detail"] for e in
                                               run.ours.events_of("ike-sa-deleted")]))
    run.verify_capture()
    return deleted


def case_charon_restart(sb, args):
    run = Run(sb, args)
    run.traffic_both_ways(2)
    old = run.ike_pairs()[0]
    run.charon.crash()
    run.charon.start()
    expect(run.ike_pairs()[0] == old, "we keep the old IKE SA while charon is away")
    run.charon.initiate()
    sandbox.wait_until(lambda: run.agree() and run.ike_pairs()[0] != old, WAIT,
                       what="us to replace the old IKE SA after charon's INITIAL_CONTACT")
    run.ours.wait_event("notify-received", predicate=lambda e: e["notify"] == "16384")
    run.ours.wait_event("initial-contact-honoured")
    sb.log("charon restarted: our IKE SA %s replaced by %s" % (old, run.ike_pairs()[0]))
    run.traffic_both_ways()
    run.verify_capture()


def case_peer_restart(sb, args, in_process):
    run = Run(sb, args)
    run.traffic_both_ways(2)
    old = run.ike_pairs()[1]
    if in_process:
        run.ours.command("crash 0.3")
    else:
        run.ours.kill()
        time.sleep(0.3)
        run.ours.start()
    # We come back with start_action = start and send INITIAL_CONTACT in IKE_AUTH; charon must
    # destroy the old IKE SA at once (no liveness timeout involved).
    sandbox.wait_until(lambda: run.agree() and run.ike_pairs()[1] != old, WAIT,
                       what="charon to drop the old IKE SA on our INITIAL_CONTACT")
    # events.csv continues across our restarts: the second INITIAL_CONTACT is the new one.
    run.ours.wait_event("notify-sent", predicate=lambda e: e["notify"] == "16384", after=1)
    sb.log("our restart: charon's IKE SA %s replaced by %s" % (old, run.ike_pairs()[1]))
    run.traffic_both_ways()
    run.verify_capture()


CASES = {
    "initiator": case_initiator,
    "responder": case_responder,
    "child-rekey-ours": lambda sb, a: rekey_child(sb, a, True),
    "child-rekey-charon": lambda sb, a: rekey_child(sb, a, False),
    "ike-rekey-ours": lambda sb, a: rekey_ike(sb, a, True),
    "ike-rekey-charon": lambda sb, a: rekey_ike(sb, a, False),
    "delete-ours": lambda sb, a: delete(sb, a, True),
    "delete-charon": lambda sb, a: delete(sb, a, False),
    "charon-restart": case_charon_restart,
    "peer-restart": lambda sb, a: case_peer_restart(sb, a, False),
    "peer-crash": lambda sb, a: case_peer_restart(sb, a, True),
}


def main(args):
    sandbox.require_namespaces()
    sandbox.require_tools("/usr/lib/ipsec/charon", "swanctl", "dumpcap", "tshark", args.peer)
    with sandbox.Sandbox(args.workdir) as sb:
        try:
            CASES[args.case](sb, args)
        except BaseException:
            for name in ("ours/peer.log",):
                path = sb.path(name)
                if os.path.exists(path):
                    print("--- tail of %s" % path)
                    print("".join(open(path).readlines()[-40:]))
            raise


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--peer", required=True, help="path to the ikev2-peer binary")
    parser.add_argument("--scheme", default="initial-contact")
    parser.add_argument("--workdir", default="/tmp/interop-peer")
    parsed = parser.parse_args()
    sandbox.main(lambda: main(parsed))

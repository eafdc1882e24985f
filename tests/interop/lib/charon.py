"""strongSwan's charon as a live peer inside a network namespace.

The recipe (doc/interop.md): the kernel has no ESP, so charon runs with kernel-libipsec
(userspace ESP through a TUN device, always UDP-encapsulated on 4500); each charon gets a
private mount namespace with its own folder over /run (the pid file path is compiled in), its
own vici socket, an explicit plugin list and a strongswan.conf generated per start (5.9.8
rejects ${...} references). Logs go to files: charon-N.log (ike/cfg/knl/net at 2) and
keys-N.log (ike and chd at 4, every derived key), N counting the starts (crash tests restart).
"""

import os
import signal
import socket
import subprocess
import threading
import time

import keylog
import vici
from sandbox import run, stop_process, wait_until

CHARON = "/usr/lib/ipsec/charon"
PLUGINS = ("random nonce openssl aes gcm sha1 sha2 hmac kdf pem pkcs1 pkcs8 x509 pubkey "
           "curve25519 gmp socket-default vici updown kernel-libipsec kernel-netlink")


class CharonConfig:
    def __init__(self, name="peer", child="net", local="192.0.2.2", remote="192.0.2.1",
                 local_id="bob.example", remote_id="alice.example", local_ts="10.2.0.1/32",
                 remote_ts="10.1.0.1/32", psk="interop-test-psk-0123456789",
                 proposals="aes128gcm16-prfsha256-x25519", esp_proposals="aes128gcm16",
                 retransmit_timeout=2.0, retransmit_base=1.8, retransmit_tries=3,
                 dpd_delay=0, start_action="none", unique="no"):
        self.__dict__.update(locals())
        del self.__dict__["self"]


class Charon:
    def __init__(self, sandbox, side, config, label):
        self.sb = sandbox
        self.side = side
        self.cfg = config
        self.label = label
        self.dir = sandbox.path(label)
        self.rundir = os.path.join(self.dir, "run")
        self.socket = os.path.join(self.dir, "charon.vici")
        self.uri = "unix://" + self.socket
        self.proc = None
        self.starts = 0
        self.events = []           # (monotonic time, event name, message) from vici
        self.ike_spis = {}         # (start, IKE SA unique id) -> (spi_i, spi_r)
        self._lock = threading.Lock()
        self._monitor = None
        os.makedirs(self.rundir, exist_ok=True)
        os.makedirs(os.path.join(self.dir, "swanctl"), exist_ok=True)

    # --- configuration -------------------------------------------------------------------

    def _write_strongswan_conf(self):
        c = self.cfg
        text = """charon {
  load = %(plugins)s
  retransmit_timeout = %(rt)s
  retransmit_base = %(rb)s
  retransmit_tries = %(rn)s
  plugins {
    vici {
      socket = %(uri)s
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  filelog {
    main {
      path = %(dir)s/charon-%(n)d.log
      time_format = %%H:%%M:%%S
      ike_name = yes
      append = no
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
      knl = 2
      net = 2
      enc = 1
    }
    keys {
      path = %(dir)s/keys-%(n)d.log
      ike_name = yes
      append = no
      flush_line = yes
      default = -1
      ike = 4
      chd = 4
    }
  }
}
""" % {"plugins": PLUGINS, "rt": c.retransmit_timeout, "rb": c.retransmit_base,
       "rn": c.retransmit_tries, "uri": self.uri, "dir": self.dir, "n": self.starts}
        path = os.path.join(self.dir, "strongswan.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def _write_swanctl_conf(self):
        c = self.cfg
        text = """connections {
  %(name)s {
    version = 2
    local_addrs = %(local)s
    remote_addrs = %(remote)s
    proposals = %(proposals)s
    mobike = no
    unique = %(unique)s
    dpd_delay = %(dpd_delay)s
    local {
      auth = psk
      id = %(local_id)s
    }
    remote {
      auth = psk
      id = %(remote_id)s
    }
    children {
      %(child)s {
        local_ts = %(local_ts)s
        remote_ts = %(remote_ts)s
        esp_proposals = %(esp_proposals)s
        mode = tunnel
        start_action = %(start_action)s
      }
    }
  }
}
secrets {
  ike-interop {
    id-1 = %(local_id)s
    id-2 = %(remote_id)s
    secret = "%(psk)s"
  }
}
""" % c.__dict__
        path = os.path.join(self.dir, "swanctl", "swanctl.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    # --- life cycle ------------------------------------------------------------------------

    def start(self, timeout=10.0):
        self.starts += 1
        conf = self._write_strongswan_conf()
        swanctl_conf = self._write_swanctl_conf()
        for stale in (self.socket, os.path.join(self.rundir, "charon.pid")):
            if os.path.exists(stale):
                os.unlink(stale)
        inner = "mount --bind %s /run && exec env STRONGSWAN_CONF=%s %s" % (
            self.rundir, conf, CHARON)
        cmd = self.side.exec_prefix() + ["unshare", "-m", "--propagation", "private",
                                         "sh", "-c", inner]
        # ip netns exec, unshare, sh and env all exec: the pid we hold is charon's.
        self.proc = self.sb.spawn(cmd, "%s-stdout-%d" % (self.label, self.starts))

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("charon %s exited with %d; see %s" % (
                    self.label, self.proc.returncode, self.log_path()))
            if not os.path.exists(self.socket):
                return False
            # The socket file appears at bind(), before charon listens: only a connection that
            # succeeds shows vici is ready (on a loaded machine the gap is long enough to hit).
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(self.socket)
                return True
            except (ConnectionRefusedError, FileNotFoundError):
                return False
            finally:
                probe.close()

        wait_until(ready, timeout, what="charon %s vici socket" % self.label)
        self._start_monitor()
        self.swanctl(["--load-all", "--noprompt", "--file", swanctl_conf])
        self.sb.log("charon %s started (pid %d, start %d)" % (self.label, self.proc.pid,
                                                              self.starts))

    def crash(self):
        """SIGKILL: charon loses all state at once, as in a crash; its TUN device goes too."""
        self.sb.log("charon %s crashes (SIGKILL)" % self.label)
        stop_process(self.proc, signal.SIGKILL)
        self._stop_monitor()

    def stop(self):
        stop_process(self.proc, signal.SIGTERM)
        self._stop_monitor()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_path(self, n=None):
        return os.path.join(self.dir, "charon-%d.log" % (n or self.starts))

    def keys_path(self, n=None):
        return os.path.join(self.dir, "keys-%d.log" % (n or self.starts))

    # --- control ---------------------------------------------------------------------------

    def swanctl(self, args, check=True, timeout=20):
        return run(["swanctl"] + args + ["--uri", self.uri], check=check, timeout=timeout)

    def initiate(self, child=None):
        return self.swanctl(["--initiate", "--child", child or self.cfg.child])

    def rekey_child(self, child=None):
        return self.swanctl(["--rekey", "--child", child or self.cfg.child])

    def rekey_ike(self):
        return self.swanctl(["--rekey", "--ike", self.cfg.name])

    def terminate_ike(self):
        return self.swanctl(["--terminate", "--ike", self.cfg.name])

    def list_sas(self):
        """The IKE SAs as vici reports them: a list of dicts (with 'child-sas')."""
        sas = []
        session = vici.Session(self.socket)
        try:
            session.register("list-sa")
            session.request("list-sas", {}, on_event=lambda name, msg: sas.extend(msg.values()))
        finally:
            session.close()
        return sas

    def established(self):
        return [sa for sa in self.list_sas() if sa.get("state") == "ESTABLISHED"]

    def child_spis(self):
        """(spi_in, spi_out) of every installed Child SA."""
        out = []
        for sa in self.list_sas():
            for child in sa.get("child-sas", {}).values():
                if child.get("state") == "INSTALLED":
                    out.append((child.get("spi-in"), child.get("spi-out")))
        return out

    # --- vici event monitor (IKE SPIs for the key files, and an event trace) ---------------

    def _start_monitor(self):
        session = vici.Session(self.socket, timeout=None)
        for event in ("ike-updown", "ike-rekey", "child-updown", "child-rekey"):
            session.register(event)
        start = self.starts

        def loop():
            try:
                while True:
                    _, name, msg = session.recv_packet()
                    with self._lock:
                        self.events.append((time.monotonic(), name, msg))
                        self._collect_spis(start, msg)
            except (OSError, vici.ViciError):
                pass

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        self._monitor = (session, thread)
        self.sb.defer(self._stop_monitor)

    def _stop_monitor(self):
        if self._monitor:
            session, thread = self._monitor
            self._monitor = None
            try:
                session.sock.shutdown(2)
            except OSError:
                pass
            session.close()
            thread.join(2)

    def _collect_spis(self, start, msg):
        if isinstance(msg, dict):
            if "uniqueid" in msg and "initiator-spi" in msg and "responder-spi" in msg:
                self.ike_spis[(start, int(msg["uniqueid"]))] = (msg["initiator-spi"],
                                                                msg["responder-spi"])
            for value in msg.values():
                self._collect_spis(start, value)

    def events_named(self, name):
        with self._lock:
            return [e for e in self.events if e[1] == name]

    # --- Wireshark key files ---------------------------------------------------------------

    def wireshark_lines(self):
        """(ike lines, esp lines) from every start's key log."""
        ike, esp = [], []
        for n in range(1, self.starts + 1):
            if not os.path.exists(self.keys_path(n)):
                continue
            log = keylog.CharonKeyLog().feed_file(self.keys_path(n))
            with self._lock:
                spis = {sa: pair for (s, sa), pair in self.ike_spis.items() if s == n}
            ike += log.ike_lines(spis)
            esp += log.esp_lines()
        return ike, esp

"""Our engine on real sockets (tools/ikev2-peer) as a process inside a namespace.

Files per peer in <workdir>/<label>/: peer.log (text), events.csv (ns-3 run format), keys/
(ikev2_decryption_table, esp_sa), store (persistent store across process restarts) and the
control socket (one command per line, one line back).
"""

import csv
import json
import os
import signal
import socket

from sandbox import stop_process, wait_until


class PeerConfig:
    def __init__(self, local="192.0.2.1", remote="192.0.2.2", local_id="alice.example",
                 remote_id="bob.example", local_ts="10.1.0.1/32", remote_ts="10.2.0.1/32",
                 psk="interop-test-psk-0123456789", start_action="none", scheme="none",
                 seed=None, extra=()):
        self.__dict__.update(locals())
        del self.__dict__["self"]


class Peer:
    def __init__(self, sandbox, side, binary, config, label="ours"):
        self.sb = sandbox
        self.side = side
        self.binary = binary
        self.cfg = config
        self.label = label
        self.dir = sandbox.path(label)
        self.control_path = os.path.join(self.dir, "control.sock")
        self.events_path = os.path.join(self.dir, "events.csv")
        self.key_dir = os.path.join(self.dir, "keys")
        self.proc = None
        self.starts = 0
        os.makedirs(self.dir, exist_ok=True)

    def command_line(self):
        c = self.cfg
        cmd = [self.binary, "--name", self.label, "--local", c.local, "--remote", c.remote,
               "--local-id", c.local_id, "--remote-id", c.remote_id, "--psk", c.psk,
               "--local-ts", c.local_ts, "--remote-ts", c.remote_ts,
               "--start-action", c.start_action, "--scheme", c.scheme,
               "--events", self.events_path, "--keys", self.key_dir,
               "--control", self.control_path, "--store", os.path.join(self.dir, "store"),
               "--log", os.path.join(self.dir, "peer.log")]
        if c.seed is not None:
            cmd += ["--seed", str(c.seed)]
        return cmd + list(c.extra)

    def start(self, timeout=10.0):
        self.starts += 1
        if os.path.exists(self.control_path):
            os.unlink(self.control_path)
        cmd = self.side.exec_prefix() + self.command_line()
        self.proc = self.sb.spawn(cmd, "%s-stdout-%d" % (self.label, self.starts))

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("ikev2-peer exited with %d: %s" % (
                    self.proc.returncode, self.tail_log()))
            return os.path.exists(self.control_path)

        wait_until(ready, timeout, what="ikev2-peer control socket")
        self.sb.log("ikev2-peer %s started (pid %d, start %d)" % (self.label, self.proc.pid,
                                                                  self.starts))

    def kill(self):
        """SIGKILL: the process dies with all its state (the store file survives)."""
        self.sb.log("ikev2-peer %s killed (SIGKILL)" % self.label)
        stop_process(self.proc, signal.SIGKILL)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.command("quit")
            except OSError:
                pass
            stop_process(self.proc, signal.SIGTERM)

    def tail_log(self, lines=30):
        path = os.path.join(self.dir, "peer.log")
        if not os.path.exists(path):
            return ""
        return "".join(open(path).readlines()[-lines:])

    def command(self, line, timeout=5.0):
        try:
            reply = self._command(line, timeout)
        except OSError as e:
            if self.proc is not None and self.proc.poll() is not None:
                code = self.proc.returncode
                how = ("killed by signal %d" % -code) if code < 0 else ("exit code %d" % code)
                raise RuntimeError("ikev2-peer %s died (%s) before or while handling %r" % (
                    self.label, how, line)) from e
            raise
        if reply.startswith("error"):
            raise RuntimeError("ikev2-peer %s: %r -> %s" % (self.label, line, reply))
        return reply

    def _command(self, line, timeout):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.control_path)
            s.sendall((line + "\n").encode())
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        if not buf:
            raise ConnectionResetError("no answer on the control socket")
        return buf.decode().strip()

    def status(self):
        return json.loads(self.command("status"))

    def established(self):
        return [sa for sa in self.status()["ike_sas"] if sa["state"] == "established"]

    def child_spis(self):
        return [(c["spi_in"], c["spi_out"]) for sa in self.status()["ike_sas"]
                for c in sa["children"]]

    def events(self):
        if not os.path.exists(self.events_path):
            return []
        with open(self.events_path, newline="") as f:
            return list(csv.DictReader(f))

    def events_of(self, kind):
        return [e for e in self.events() if e["event"] == kind]

    def wait_event(self, kind, timeout=5.0, after=0, predicate=lambda e: True):
        """Waits for the (after+1)-th event of this kind matching predicate."""
        return wait_until(lambda: len([e for e in self.events_of(kind) if predicate(e)]) > after,
                          timeout, what="%s event %s" % (self.label, kind))

    def key_files(self):
        return self.key_dir

"""Process and namespace bookkeeping for the interop tests.

A Sandbox owns everything a test creates (network namespaces, processes, a work folder) and
undoes it on every way out: normal return, exception, SIGINT, SIGTERM or SIGHUP (turned into
SystemExit so that `finally` runs). SIGKILL cannot be caught; the next run sweeps namespaces
left behind by dead test processes (their names carry the owner's pid).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77  # CTest SKIP_RETURN_CODE
PREFIX = "ikt"
OWNED = re.compile(r"^%s(\d+)-\w+$" % PREFIX)


class Skip(Exception):
    """The environment cannot run the test (no namespaces): exit with SKIP."""


def run(cmd, check=True, timeout=20, **kw):
    """subprocess.run with text output captured; raises with the output on failure."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, **kw)
    if check and proc.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" % (proc.returncode, " ".join(cmd),
                                                           proc.stdout))
    return proc


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_namespaces():
    """Deletes namespaces of earlier test processes that died without cleaning up."""
    proc = run(["ip", "netns", "list"], check=False)
    for line in proc.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = OWNED.match(name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        pids = run(["ip", "netns", "pids", name], check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run(["ip", "netns", "del", name], check=False)


def require_namespaces():
    """Raises Skip with the reason when network namespaces cannot be created here."""
    if os.geteuid() != 0:
        raise Skip("not root: network namespaces and veth pairs need CAP_NET_ADMIN")
    if shutil.which("ip") is None:
        raise Skip("iproute2 'ip' not found")
    probe = "%s%d-probe" % (PREFIX, os.getpid())
    proc = run(["ip", "netns", "add", probe], check=False)
    if proc.returncode != 0:
        raise Skip("cannot create a network namespace: %s" % proc.stdout.strip())
    try:
        proc = run(["ip", "netns", "exec", probe, "ip", "link", "set", "lo", "up"], check=False)
        if proc.returncode != 0:
            raise Skip("cannot enter a network namespace: %s" % proc.stdout.strip())
        proc = run(["ip", "netns", "exec", probe, "unshare", "-m", "--propagation", "private",
                    "true"], check=False)
        if proc.returncode != 0:
            raise Skip("cannot create a mount namespace: %s" % proc.stdout.strip())
    finally:
        run(["ip", "netns", "del", probe], check=False)


def require_tools(*names):
    """Missing programs are a broken set-up, not a reason to skip: fail with a clear message."""
    missing = [n for n in names if shutil.which(n) is None and not os.path.exists(n)]
    if missing:
        raise RuntimeError("missing programs: %s (install strongswan-charon strongswan-swanctl "
                           "libstrongswan-standard-plugins libstrongswan-extra-plugins "
                           "libcharon-extra-plugins tshark)" % ", ".join(missing))


class Sandbox:
    def __init__(self, workdir, keep=False):
        self.workdir = os.path.abspath(workdir)
        self.keep = keep
        self.tag = "%s%d" % (PREFIX, os.getpid())
        self._cleanups = []
        self._old_handlers = {}
        self.t0 = time.monotonic()

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        if os.path.isdir(self.workdir):
            shutil.rmtree(self.workdir)
        os.makedirs(self.workdir)
        sweep_stale_namespaces()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        return False

    def _on_signal(self, signum, frame):
        raise SystemExit(128 + signum)

    def defer(self, fn, *args):
        """Registers fn(*args) to run at cleanup, in reverse order of registration."""
        self._cleanups.append((fn, args))

    def cleanup(self):
        while self._cleanups:
            fn, args = self._cleanups.pop()
            try:
                fn(*args)
            except Exception as e:  # keep cleaning up whatever fails
                print("cleanup: %s%r failed: %s" % (getattr(fn, "__name__", fn), args, e),
                      file=sys.stderr)

    def path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def log(self, msg):
        print("[%7.3f] %s" % (time.monotonic() - self.t0, msg), flush=True)

    def spawn(self, cmd, name, **kw):
        """Starts a process with stdout/stderr in <workdir>/<name>.out; stopped at cleanup."""
        out = open(self.path(name + ".out"), "w")
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **kw)
        out.close()
        self.defer(stop_process, proc)
        return proc


def stop_process(proc, sig=signal.SIGTERM, timeout=5.0):
    """Signals one process we started (by pid) and waits; SIGKILL if it does not exit."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(sig)
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout)


def wait_until(predicate, timeout, interval=0.02, what="condition"):
    """Polls predicate() until true; raises TimeoutError naming what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def main(body):
    """Runs body() and maps the outcome to an exit code (0 pass, 1 fail, 77 skip)."""
    try:
        body()
    except Skip as e:
        print("SKIP: %s" % e, flush=True)
        sys.exit(SKIP)
    except SystemExit:
        raise
    except BaseException:
        import traceback
        traceback.print_exc()
        print("FAIL", flush=True)
        sys.exit(1)
    print("PASS", flush=True)
    sys.exit(0)

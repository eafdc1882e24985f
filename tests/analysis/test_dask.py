"""The Dask path: a real `dask scheduler` and two `dask worker` processes on loopback run a
small campaign; the summaries are byte-identical to those of a local run."""

import importlib.util
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest
import warnings

from analysis import aggregate
from analysis import campaign
from analysis import runner

from analysis_testlib import TempCase, read_bytes, small_campaign

STARTUP_S = 60


def dask_command(role):
    """Debian ships `dask scheduler|worker` (python3-dask) and the older dask-<role> scripts."""
    for candidate in ("/usr/bin/dask", shutil.which("dask")):
        if candidate and os.access(candidate, os.X_OK):
            return [candidate, role]
    for candidate in ("/usr/bin/dask-" + role, shutil.which("dask-" + role)):
        if candidate and os.access(candidate, os.X_OK):
            return [candidate]
    return ["/usr/bin/python3", "-m", "distributed.cli.dask_" + role]


class DaskCluster(TempCase):
    def setUp(self):
        super().setUp()
        if importlib.util.find_spec("distributed") is None:
            self.skipTest("python3-distributed is not installed")
        # distributed 2022.12 on Debian's tornado warns about its own event-loop set-up.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="tornado")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="distributed")
        self.logs = os.path.join(self.tmp, "logs")
        os.makedirs(self.logs)
        self.procs = []

    def start(self, name, argv):
        log = open(os.path.join(self.logs, name + ".log"), "wb")
        self.addCleanup(log.close)
        # Own process group, so that cleanup stops exactly what this test started.
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp,
                                start_new_session=True)
        self.procs.append(proc)
        self.addCleanup(self.stop, proc)
        return proc

    @staticmethod
    def stop(proc):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass

    def log_tail(self):
        out = []
        for name in sorted(os.listdir(self.logs)):
            with open(os.path.join(self.logs, name), "rb") as handle:
                out.append("--- %s\n%s" % (name, handle.read()[-1500:].decode("utf-8", "replace")))
        return "\n".join(out)

    def start_cluster(self):
        scheduler_file = os.path.join(self.tmp, "scheduler.json")
        # Port 0: the scheduler picks a free port and writes its address to the file.
        self.start("scheduler", dask_command("scheduler") + [
            "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--no-show",
            "--scheduler-file", scheduler_file])
        deadline = time.monotonic() + STARTUP_S
        address = None
        while time.monotonic() < deadline and address is None:
            if self.procs[0].poll() is not None:
                self.fail("dask scheduler exited:\n" + self.log_tail())
            try:
                with open(scheduler_file) as handle:
                    address = json.load(handle)["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.2)
        self.assertIsNotNone(address, "scheduler did not start:\n" + self.log_tail())
        self.assertTrue(address.startswith("tcp://127.0.0.1:"), address)
        workers = []
        for i in range(2):
            workers.append(self.start("worker%d" % i, dask_command("worker") + [
                address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                "--host", "127.0.0.1", "--name", "test-worker-%d" % i,
                "--local-directory", os.path.join(self.tmp, "worker%d" % i)]))
        import distributed

        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=STARTUP_S)
        return address, {w.pid for w in workers}

    def test_dask_matches_local(self):
        build = self.make_build(("crash-reboot",))
        source = self.make_source()
        data = small_campaign(name="dask", schemes=("none", "qcd"), seeds=2)
        ready, _ = campaign.load_all([self.write_campaign(data)], build)
        address, worker_pids = self.start_cluster()

        local = os.path.join(self.tmp, "local")
        remote = os.path.join(self.tmp, "remote")
        outcome = runner.run(ready, build, local, source_dir=source, stream=io.StringIO())
        self.assertTrue(outcome.ok)
        outcome = runner.run(ready, build, remote, source_dir=source, scheduler=address,
                             stream=io.StringIO())
        self.assertTrue(outcome.ok, [r.get("error") for r in outcome.failed])
        self.assertEqual(len(outcome.ran), 4)
        ran_on = {record["executor_pid"] for record in outcome.ran}
        self.assertTrue(ran_on <= worker_pids,
                        "runs executed by the Dask workers, not locally: %s vs %s"
                        % (ran_on, worker_pids))
        self.assertNotIn(os.getpid(), ran_on)

        for results in (local, remote):
            aggregate.write_all(ready, [], results)
        names = sorted(os.listdir(os.path.join(local, "summary")))
        self.assertIn("dask.csv", names)
        self.assertEqual(names, sorted(os.listdir(os.path.join(remote, "summary"))))
        for name in names:
            self.assertEqual(read_bytes(os.path.join(local, "summary", name)),
                             read_bytes(os.path.join(remote, "summary", name)), name)
        for spec in ready[0].runs():
            for name in ("summary.json", "events.csv", "stdout.txt"):
                self.assertEqual(
                    read_bytes(os.path.join(runner.run_dir(local, "dask", spec.run_id), name)),
                    read_bytes(os.path.join(runner.run_dir(remote, "dask", spec.run_id), name)))

        # Everything present: a second pass through the cluster runs nothing.
        outcome = runner.run(ready, build, remote, source_dir=source, scheduler=address,
                             stream=io.StringIO())
        self.assertEqual((len(outcome.ran), outcome.skipped), (0, 4))

    def test_unreachable_scheduler(self):
        build = self.make_build(("crash-reboot",))
        ready, _ = campaign.load_all([self.write_campaign(small_campaign(seeds=1))], build)
        with self.assertRaises(runner.RunnerError) as ctx:
            runner.run(ready, build, self.results, source_dir=self.make_source(),
                       scheduler="tcp://127.0.0.1:9", stream=io.StringIO())
        self.assertIn("cannot reach the Dask scheduler", str(ctx.exception))


if __name__ == "__main__":
    unittest.main(argv=sys.argv)

"""The runner: one folder per run, skip what exists, refuse to mix code versions or run from a
dirty tree, reproduce commands for failures, progress with an ETA."""

import io
import json
import os
import shlex
import subprocess
import unittest

from analysis import campaign
from analysis import runner

from analysis_testlib import TempCase, small_campaign


class Runner(TempCase):
    def setUp(self):
        super().setUp()
        self.build = self.make_build(("crash-reboot",), copy=True)
        self.source = self.make_source()

    def load(self, data):
        path = self.write_campaign(data)
        ready, _ = campaign.load_all([path], self.build)
        return ready

    def run_it(self, camps, **kw):
        stream = io.StringIO()
        outcome = runner.run(camps, self.build, self.results, source_dir=self.source,
                             jobs=2, stream=stream, **kw)
        return outcome, stream.getvalue()

    def test_run_folders_and_skip_existing(self):
        camps = self.load(small_campaign())
        outcome, log = self.run_it(camps)
        self.assertEqual((len(outcome.ran), outcome.skipped, len(outcome.failed)), (4, 0, 0))
        self.assertIn("ETA", log)
        for spec in camps[0].runs():
            folder = runner.run_dir(self.results, "small", spec.run_id)
            for name in ("stdout.txt", "stderr.txt", "params.json", "events.csv",
                         "summary.json", "run.json"):
                self.assertTrue(os.path.isfile(os.path.join(folder, name)), name)
            record = runner.read_record(folder)
            self.assertEqual(record["status"], "ok")
            self.assertEqual(record["exit_code"], 0)
            self.assertEqual(record["flags"]["RngRun"], str(spec.seed))
            self.assertEqual(len(record["code_version"]["binary_sha256"]), 64)
            self.assertRegex(record["code_version"]["git"], r"^[0-9a-f]{7,}$")
            self.assertGreaterEqual(record["wall_s"], 0)
        outcome, log = self.run_it(camps)
        self.assertEqual((len(outcome.ran), outcome.skipped), (0, 4))
        # An interrupted run (no run.json) is redone, alone.
        victim = runner.run_dir(self.results, "small", camps[0].runs()[1].run_id)
        os.remove(os.path.join(victim, "run.json"))
        outcome, _ = self.run_it(camps)
        self.assertEqual((len(outcome.ran), outcome.skipped), (1, 3))
        self.assertEqual(outcome.ran[0]["run_id"], camps[0].runs()[1].run_id)

    def test_grown_grid_runs_only_new_points(self):
        self.run_it(self.load(small_campaign()))
        outcome, _ = self.run_it(self.load(small_campaign(schemes=("none", "qcd", "sir"))))
        self.assertEqual((len(outcome.ran), outcome.skipped), (2, 4))

    def test_failure_prints_reproduce_command(self):
        data = small_campaign()
        data["params"]["failSeed"] = 2
        outcome, log = self.run_it(self.load(data))
        self.assertEqual(len(outcome.failed), 2)
        lines = [l for l in log.splitlines() if "reproduce: " in l]
        self.assertEqual(len(lines), 2)
        command = shlex.split(lines[0].split("reproduce: ", 1)[1])
        self.assertIn("--RngRun=2", command)
        self.assertEqual(subprocess.run(command, capture_output=True).returncode, 3,
                         "the printed command reproduces the failure")
        record = runner.read_record(outcome.failed[0]["command"].split("--outDir=")[1])
        self.assertEqual(record["status"], "failed")
        self.assertEqual(record["exit_code"], 3)
        # Failed runs are redone next time; successful ones are not.
        outcome, _ = self.run_it(self.load(data))
        self.assertEqual((len(outcome.ran), outcome.skipped), (2, 2))

    def test_not_modelled_is_not_a_failure(self):
        data = small_campaign(schemes=("none", "sir"))
        data["params"]["unmodelled"] = "sir"
        outcome, log = self.run_it(self.load(data))
        self.assertEqual((len(outcome.ran), len(outcome.failed), len(outcome.not_modelled)),
                         (4, 0, 2))
        self.assertEqual(log.count("not yet modelled"), 1, "announced once per scheme")
        self.assertNotIn("reproduce:", log)
        self.assertIn("not built into this engine yet", outcome.not_modelled[0]["error"])
        outcome, _ = self.run_it(self.load(data))
        self.assertEqual((len(outcome.ran), outcome.skipped), (0, 4))

    def test_dirty_tree_refused(self):
        with open(os.path.join(self.source, "model.txt"), "a") as handle:
            handle.write("local change\n")
        camps = self.load(small_campaign(seeds=1))
        with self.assertRaises(runner.RunnerError) as ctx:
            self.run_it(camps)
        self.assertIn("dirty", str(ctx.exception))
        self.assertFalse(os.path.exists(os.path.join(self.results, "raw")))
        outcome, _ = self.run_it(camps, allow_dirty=True)
        self.assertEqual(len(outcome.ran), 2)
        record = runner.read_record(runner.run_dir(self.results, "small",
                                                   camps[0].runs()[0].run_id))
        self.assertTrue(record["code_version"]["git"].endswith("-dirty"))

    def test_other_code_version_not_mixed(self):
        camps = self.load(small_campaign(seeds=1))
        self.run_it(camps)
        with open(os.path.join(self.build, "scenarios", "crash-reboot"), "a") as handle:
            handle.write("# a different build\n")
        grown = self.load(small_campaign(schemes=("none", "qcd", "sir"), seeds=1))
        with self.assertRaises(runner.RunnerError) as ctx:
            self.run_it(grown)
        self.assertIn("refusing to mix", str(ctx.exception))
        self.assertIn("--force", str(ctx.exception))
        outcome, _ = self.run_it(grown, force=True)
        self.assertEqual((len(outcome.ran), outcome.skipped), (3, 0))
        versions = {json.dumps(runner.read_record(runner.run_dir(
            self.results, "small", s.run_id))["code_version"]) for s in grown[0].runs()}
        self.assertEqual(len(versions), 1)


if __name__ == "__main__":
    unittest.main()

"""Shared set-up of the analysis tests: a fake build folder whose scenario programs are the
test fixture (tests/analysis/fixture-scenario.py), campaign files, and a clean git tree to
stand for the source code version. Everything lives in a temporary folder."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixture-scenario.py")
SCHEMES = ["none", "hint", "initial-contact", "trust", "qcd", "sir"]


class TempCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="analysis-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.results = os.path.join(self.tmp, "results")

    def make_build(self, scenarios=("crash-reboot",), copy=False):
        """<tmp>/build/scenarios/<name> -> the fixture (a copy when the test edits it)."""
        build = os.path.join(self.tmp, "build")
        os.makedirs(os.path.join(build, "scenarios"), exist_ok=True)
        for name in scenarios:
            target = os.path.join(build, "scenarios", name)
            if copy:
                shutil.copy(FIXTURE, target)
            else:
                os.symlink(FIXTURE, target)
        return build

    def make_source(self):
        """A clean git tree: the code version the runner records."""
        src = os.path.join(self.tmp, "src")
        os.makedirs(src)
        with open(os.path.join(src, "model.txt"), "w") as handle:
            handle.write("model\n")
        git = ["git", "-C", src, "-c", "user.name=test", "-c", "user.email=test@example.org",
               "-c", "commit.gpgsign=false"]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["add", "model.txt"], check=True)
        subprocess.run(git + ["commit", "-qm", "init"], check=True)
        return src

    def write_campaign(self, data, name=None, raw=None):
        folder = os.path.join(self.tmp, "campaigns")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, (name or data.get("name", "c")) + ".json")
        with open(path, "w") as handle:
            handle.write(raw if raw is not None else json.dumps(data, indent=1))
        return path


def small_campaign(name="small", schemes=("none", "qcd"), seeds=2, **extra):
    data = {"name": name, "scenario": "crash-reboot", "role": "schemes",
            "description": "test campaign", "params": {"profile": "strongswan"},
            "grid": {"scheme": list(schemes)}, "seeds": seeds}
    data.update(extra)
    return data


def read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def dump_json(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)

"""Executes one run into its folder. Standard library only: it is also shipped by value to
Dask workers, which need nothing from this project but the shared build and results folders.

The run folder receives stdout.txt, stderr.txt, whatever the scenario writes with --outDir
(params.json, events.csv, summary.json, ...) and, last, run.json: the run record. A folder
without run.json is an interrupted run and is redone.
"""

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import time

OUTPUTS = ("params.json", "events.csv", "summary.json")
# A program that cannot run a configuration because that part of the model is not there yet
# (for example a scheme listed by --scheme but not built into the engine) exits with 77 (the
# automake "skipped" status) or says so on stderr; the run is then "not-modelled", not failed.
NOT_MODELLED_EXIT = 77
_NOT_MODELLED_RE = re.compile(
    r"\bnot (?:yet )?(?:built|implemented|modell?ed|supported)\b[^\n]*\byet\b"
    r"|\bnot yet (?:built|implemented|modell?ed|supported)\b", re.IGNORECASE)


def _stderr_tail(run_dir, limit=4000):
    try:
        with open(os.path.join(run_dir, "stderr.txt"), "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def command(task):
    return [task["binary"]] + list(task["args"]) + ["--outDir=" + task["run_dir"]]


def reproduce_line(task):
    """One line a person can paste to redo this run by hand."""
    return shlex.join(command(task))


def write_json_atomic(path, data):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(tmp, path)


def execute_run(task):
    """task: binary, args, run_dir, timeout_s, record (campaign, run_id, params, ...).

    Returns the run record, also written to run_dir/run.json.
    """
    run_dir = task["run_dir"]
    if os.path.isdir(run_dir):
        shutil.rmtree(run_dir)
    os.makedirs(run_dir)
    cmd = command(task)
    error = None
    started = time.time()
    clock = time.monotonic()
    with open(os.path.join(run_dir, "stdout.txt"), "wb") as out, \
            open(os.path.join(run_dir, "stderr.txt"), "wb") as err:
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=err, cwd=run_dir,
                                  timeout=task.get("timeout_s"), check=False)
            exit_code = proc.returncode
            if exit_code != 0:
                error = "exit status %d" % exit_code
        except subprocess.TimeoutExpired:
            exit_code = -9
            error = "timed out after %s s" % task.get("timeout_s")
        except OSError as exc:
            exit_code = 127
            error = "cannot start: %s" % exc
    wall = time.monotonic() - clock
    status = "ok"
    if error is not None and exit_code not in (-9, 127):
        tail = _stderr_tail(run_dir)
        lines = [line.strip() for line in tail.splitlines() if line.strip()]
        match = _NOT_MODELLED_RE.search(tail)
        if exit_code == NOT_MODELLED_EXIT or match:
            status = "not-modelled"
            error = next((line for line in lines if _NOT_MODELLED_RE.search(line)),
                         lines[-1] if lines else error)
        elif lines:
            error = "%s: %s" % (error, lines[-1][:300])
    if error is None:
        missing = [name for name in OUTPUTS if not os.path.isfile(os.path.join(run_dir, name))]
        if missing:
            error = "exit status 0 but no " + ", ".join(missing)
        else:
            try:
                with open(os.path.join(run_dir, "summary.json"), encoding="utf-8") as handle:
                    json.load(handle)
            except ValueError as exc:
                error = "summary.json is not JSON: %s" % exc
    record = dict(task["record"])
    record.update({
        "command": shlex.join(cmd),
        "exit_code": exit_code,
        "status": "ok" if error is None else ("not-modelled" if status == "not-modelled"
                                              else "failed"),
        "error": error,
        "wall_s": round(wall, 3),
        "started_unix": round(started, 3),
        "host": socket.gethostname(),
        "executor_pid": os.getpid(),  # the Dask worker's process, or the local runner's
    })
    write_json_atomic(os.path.join(run_dir, "run.json"), record)
    return record

"""Runs the missing runs of campaigns, in the manner of SEM for ns-3.

One folder per run: <results>/raw/<campaign>/<run id>/, where the run id hashes the scenario and
every flag value (seed included). A run is skipped when its folder holds a successful run record
of the same code version (git describe and binary hash); it is redone when missing, interrupted
(no run.json) or failed. A run the program refuses as not yet modelled (exit status 77, or
"not ... yet" on stderr) is recorded as such and not counted as a failure. Results of another code
version are never mixed in silently: the runner
stops unless `force` (those runs are then redone at the current version). A dirty tree is refused
unless `allow_dirty`.

Execution: a local pool of up to `jobs` concurrent scenario processes (all cores by default), or
a Dask distributed cluster given its scheduler address. The same task function (execute.py)
runs in both cases, so the run folders are the same either way; with Dask, the workers must see
the build and results folders at the same paths (one machine, or a shared file system).
"""

import concurrent.futures
import json
import os
import socket
import sys
import uuid

from analysis import codeversion
from analysis import execute
from analysis import paths
from analysis.progress import ProgressBar


class RunnerError(Exception):
    pass


class Outcome:
    def __init__(self):
        self.skipped = 0
        self.ran = []
        self.failed = []
        self.not_modelled = []  # runs the program refused as not yet modelled

    @property
    def ok(self):
        return not self.failed


def run_dir(results_dir, campaign_name, run_id):
    return os.path.join(paths.raw_dir(results_dir), campaign_name, run_id)


def read_record(folder):
    """The run record of a folder, or None when the run is missing or was interrupted."""
    try:
        with open(os.path.join(folder, "run.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


class _Plan:
    def __init__(self, campaign):
        self.campaign = campaign
        self.todo = []
        self.skipped = 0
        self.stale = []  # tasks whose folder holds a successful run of another code version


def _plan(campaign, build_dir, results_dir, version):
    plan = _Plan(campaign)
    binary = campaign.binary(build_dir)
    code = version.for_binary(binary)
    for spec in campaign.runs():
        folder = run_dir(results_dir, campaign.name, spec.run_id)
        task = {
            "binary": binary,
            "args": spec.args(),
            "run_dir": folder,
            "timeout_s": campaign.timeout_s,
            "record": {
                "campaign": campaign.name,
                "scenario": campaign.scenario,
                "run_id": spec.run_id,
                "point": spec.point,
                "seed": spec.seed,
                "flags": spec.flags,
                "code_version": code,
            },
        }
        record = read_record(folder)
        same = record is not None and record.get("code_version") == code
        status = record.get("status") if record else None
        if status in ("ok", "not-modelled") and same:
            plan.skipped += 1
        elif status == "ok":
            plan.stale.append((task, record.get("code_version")))
        else:
            plan.todo.append(task)  # missing, interrupted, failed, or not modelled by old code
    return plan


def _failure_record(task, message):
    record = dict(task["record"])
    record.update({"command": execute.reproduce_line(task), "exit_code": None,
                   "status": "failed", "error": message, "wall_s": None,
                   "started_unix": None, "host": None})
    try:
        os.makedirs(task["run_dir"], exist_ok=True)
        execute.write_json_atomic(os.path.join(task["run_dir"], "run.json"), record)
    except OSError:
        pass
    return record


def _run_local(tasks, jobs, on_done):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute.execute_run, task): task for task in tasks}
        for future in concurrent.futures.as_completed(futures):
            task = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # the task function itself broke (disk full, ...)
                record = _failure_record(task, "runner error: %s" % exc)
            on_done(task, record)


def _check_reachable(scheduler, timeout=10):
    """Fails fast, with a plain message, when nothing listens at a tcp:// address."""
    if not scheduler.startswith("tcp://"):
        return
    host, _, port = scheduler[len("tcp://"):].rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise RunnerError("cannot reach the Dask scheduler at %s: %s" % (scheduler, exc)) \
            from exc


def _run_dask(tasks, scheduler, on_done):
    try:
        import cloudpickle
        import distributed
    except ImportError as exc:
        raise RunnerError("--scheduler needs python3-distributed: %s" % exc) from exc
    # Workers need not import this project: the task function travels by value.
    cloudpickle.register_pickle_by_value(execute)
    try:
        client = distributed.Client(scheduler, timeout="30s")
    except Exception as exc:  # OSError, TimeoutError, ...
        raise RunnerError("cannot reach the Dask scheduler at %s: %s" % (scheduler, exc)) from exc
    nonce = uuid.uuid4().hex[:8]
    try:
        futures = {}
        for task in tasks:
            key = "ikev2-run-%s-%s-%s" % (task["record"]["campaign"],
                                          task["record"]["run_id"], nonce)
            futures[client.submit(execute.execute_run, task, key=key, pure=False)] = task
        for future in distributed.as_completed(list(futures)):
            task = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # worker lost, task error
                record = _failure_record(task, "Dask task failed: %s" % exc)
            else:
                if read_record(task["run_dir"]) is None:
                    record = _failure_record(
                        task, "worker %s wrote the run where this machine cannot see it: "
                        "the results folder must be shared" % record.get("host"))
            on_done(task, record)
    finally:
        client.close()


def run(campaigns, build_dir, results_dir, source_dir=paths.REPO_ROOT, scheduler=None,
        jobs=None, allow_dirty=False, force=False, show_progress=True, stream=None):
    """Runs every missing run of `campaigns` (validated Campaign objects). Returns an Outcome.

    Raises RunnerError before running anything when results would be mixed.
    """
    stream = stream if stream is not None else sys.stderr
    version = codeversion.CodeVersion(source_dir, build_dir)
    plans = [_plan(c, build_dir, results_dir, version) for c in campaigns]
    outcome = Outcome()
    stale = [(p.campaign, task, old) for p in plans for task, old in p.stale]
    if stale and not force:
        olds = sorted({codeversion.short(old) for _, _, old in stale})
        names = sorted({c.name for c, _, _ in stale})
        current = codeversion.short(stale[0][1]["record"]["code_version"])
        raise RunnerError(
            "%d existing runs of %s were made by other code (%s; now %s): refusing to mix "
            "results. Pass --force to redo them at the current version, or use another "
            "results folder." % (len(stale), ", ".join(names), ", ".join(olds), current))
    tasks = [t for p in plans for t in p.todo] + [t for _, t, _ in stale]
    outcome.skipped = sum(p.skipped for p in plans)
    if tasks and version.dirty and not allow_dirty:
        raise RunnerError(
            "the source tree %s is dirty (%s): its results could not be reproduced. Commit "
            "first, or pass --allow-dirty." % (source_dir, version.git))
    for plan in plans:
        n_todo = len(plan.todo) + len(plan.stale)
        stream.write("[runner] %s: %d runs, %d to do, %d already done\n"
                     % (plan.campaign.name, n_todo + plan.skipped, n_todo, plan.skipped))
    if not tasks:
        return outcome
    if scheduler:
        _check_reachable(scheduler)
    where = "Dask scheduler " + scheduler if scheduler else "%d local workers" % (
        jobs or os.cpu_count() or 1)
    stream.write("[runner] running %d runs on %s\n" % (len(tasks), where))
    bar = ProgressBar(len(tasks), stream=stream, enabled=show_progress)

    announced = set()

    def on_done(task, record):
        outcome.ran.append(record)
        if record.get("status") == "not-modelled":
            outcome.not_modelled.append(record)
            key = (record["campaign"], record["flags"].get("scheme"))
            if key not in announced:
                announced.add(key)
                bar.message("[runner] %s%s: not yet modelled by %s (%s)" % (
                    record["campaign"], " scheme " + key[1] if key[1] else "",
                    record["scenario"], record.get("error")))
            bar.advance(False)
            return
        failed = record.get("status") != "ok"
        if failed:
            outcome.failed.append(record)
            bar.message("[runner] FAILED %s run %s (%s); output in %s"
                        % (record["campaign"], record["run_id"], record.get("error"),
                           task["run_dir"]))
            bar.message("[runner]   reproduce: " + execute.reproduce_line(task))
        bar.advance(failed)

    try:
        if scheduler:
            _run_dask(tasks, scheduler, on_done)
        else:
            _run_local(tasks, jobs or os.cpu_count() or 1, on_done)
    finally:
        bar.close()
    return outcome

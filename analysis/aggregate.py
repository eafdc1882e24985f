"""Aggregation: run folders -> results/summary/*.csv. The only reader of summary.json.

For each campaign:
- <campaign>-runs.csv   one row per run: point, seed, status, every summary.json field
                        (nested objects flattened with dots: cpu_s.bob, crypto_ops.bob.prf);
- <campaign>.csv        one row per (scheme, parameter point, numeric field): n_runs, n_ok,
                        count, mean, ci95_low, ci95_high, median, p95, std, min, max;
- <campaign>-params.csv every parameter of the runs' params.json and its distinct values;
- <campaign>-timeline-events.csv (campaigns with role "schemes") the events of one run per
                        scheme around its recovery, for the ladder figure.
and index.csv: every campaign of the evaluation with its status, so that figures and the report
know what was measured and what was not.
"""

import json
import os

from analysis import codeversion
from analysis import csvio
from analysis import paths
from analysis import runner
from analysis import stats

# Contract fields first (in this order) in the CSVs; other fields follow sorted.
FIELD_ORDER = (
    "recovery_s", "recovery_ba_s", "detection_s", "outage_s", "recovered", "inner_lost",
    "ike_msgs", "ike_bytes", "unprotected_msgs", "t_fail", "t_up", "t_detect", "t_restored_ab",
    "t_restored_ba",
)
# Identifiers, not measurements.
NOT_METRICS = ("seed",)
INDEX_HEADER = ("campaign", "role", "scenario", "status", "runs_expected", "runs_ok",
                "code_version", "schemes_not_modelled", "x", "series", "facet", "description",
                "file")
STAT_COLUMNS = ("count", "mean", "ci95_low", "ci95_high", "median", "p95", "std", "min", "max")
EVENTS_HEADER = ("time_s", "node", "event", "peer", "spi_i", "spi_r", "child_spi_in",
                 "child_spi_out", "notify", "protected", "detail")
# params.json entries that name the run rather than the experiment.
PARAMS_PER_RUN = ("outDir",)
TIMELINE_PER_KIND = 3  # events of one (node, event, notify, detail) kept in a timeline
TIMELINE_MARGIN_S = 2.0


class AggregateError(Exception):
    pass


def flatten(data, prefix=""):
    out = {}
    for key, value in data.items():
        name = prefix + str(key)
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, sort_keys=True)
        else:
            out[name] = value
    return out


def _ordered(fields):
    first = [f for f in FIELD_ORDER if f in fields]
    return first + sorted(f for f in fields if f not in FIELD_ORDER)


def _is_number(value):
    return isinstance(value, (int, float))  # bool is an int: recovered counts as 0/1


def _load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class _Run:
    def __init__(self, spec, folder, record, summary, params):
        self.spec = spec
        self.folder = folder
        self.record = record
        self.summary = summary
        self.params = params

    @property
    def ok(self):
        return self.summary is not None

    @property
    def status(self):
        """ok, missing, failed, or not-modelled (the program refused it as not there yet)."""
        if self.ok:
            return "ok"
        if self.record is None:
            return "missing"
        return "not-modelled" if self.record.get("status") == "not-modelled" else "failed"

    @property
    def scheme(self):
        if self.summary and isinstance(self.summary.get("scheme"), str):
            return self.summary["scheme"]
        return self.spec.flags.get("scheme", "")


def _collect(campaign, results_dir, allow_mixed):
    runs = []
    versions = set()
    for spec in campaign.runs():
        folder = runner.run_dir(results_dir, campaign.name, spec.run_id)
        record = runner.read_record(folder)
        summary = params = None
        if record is not None and record.get("status") == "ok":
            try:
                summary = flatten(_load_json(os.path.join(folder, "summary.json")))
                params = flatten(_load_json(os.path.join(folder, "params.json")))
            except (OSError, ValueError, AttributeError):
                summary = params = None
            if summary is not None:
                versions.add(json.dumps(record.get("code_version"), sort_keys=True))
        runs.append(_Run(spec, folder, record, summary, params))
    if len(versions) > 1 and not allow_mixed:
        raise AggregateError("campaign %s mixes runs of %d code versions (%s); rerun it with "
                             "--force" % (campaign.name, len(versions), ", ".join(
                                 codeversion.short(json.loads(v)) for v in sorted(versions))))
    version = codeversion.short(json.loads(sorted(versions)[0])) if versions else ""
    return runs, version


def _point_columns(campaign):
    return [flag for flag in campaign.grid if flag != "scheme"]


def write_campaign(campaign, results_dir, allow_mixed=False):
    """Writes the CSVs of one campaign; returns its index.csv row."""
    out_dir = paths.summary_dir(results_dir)
    os.makedirs(out_dir, exist_ok=True)
    runs, version = _collect(campaign, results_dir, allow_mixed)
    point_cols = _point_columns(campaign)
    ok_runs = [r for r in runs if r.ok]

    fields = set()
    for run in ok_runs:
        fields.update(run.summary)
    fields -= {"scenario", "scheme"}
    metrics = [f for f in _ordered(fields) if f not in NOT_METRICS
               and all(_is_number(r.summary.get(f)) or r.summary.get(f) is None
                       for r in ok_runs)
               and any(_is_number(r.summary.get(f)) for r in ok_runs)]

    # Per-run CSV. A summary field named like a grid flag keeps the prefix "summary.".
    run_fields = ["summary." + f if f in point_cols else f
                  for f in _ordered(fields - {"seed"})]
    header = ["campaign", "scenario", "scheme"] + point_cols + [
        "seed", "run_id", "run_dir", "status"] + run_fields
    rows = []
    for run in runs:
        row = {"campaign": campaign.name, "scenario": campaign.scenario, "scheme": run.scheme,
               "seed": run.spec.seed, "run_id": run.spec.run_id,
               "run_dir": os.path.relpath(run.folder, results_dir),
               "status": run.status}
        row.update({flag: run.spec.flags[flag] for flag in point_cols})
        if run.ok:
            for field, value in run.summary.items():
                if field in ("scenario", "scheme", "seed"):
                    continue
                row["summary." + field if field in point_cols else field] = value
        rows.append(row)
    csvio.write(os.path.join(out_dir, campaign.name + "-runs.csv"), header, rows)

    # Summary CSV: groups in campaign order (points, then schemes as first seen).
    groups = {}
    for run in runs:
        key = (run.scheme,) + tuple(run.spec.flags[f] for f in point_cols)
        groups.setdefault(key, []).append(run)
    # Schemes the program refused in every run are not modelled: no rows, listed in index.csv.
    by_scheme = {}
    for run in runs:
        by_scheme.setdefault(run.scheme, []).append(run.status)
    refused = [s for s, states in by_scheme.items() if all(x == "not-modelled" for x in states)]
    not_modelled = list(campaign.unsupported_schemes) + [
        s for s in refused if s not in campaign.unsupported_schemes]
    groups = {k: v for k, v in groups.items() if k[0] not in refused}
    header = ["campaign", "scenario", "scheme"] + point_cols + [
        "metric", "n_runs", "n_ok"] + list(STAT_COLUMNS)
    rows = []
    for key, members in groups.items():
        good = [r for r in members if r.ok]
        for metric in metrics:
            row = {"campaign": campaign.name, "scenario": campaign.scenario, "scheme": key[0],
                   "metric": metric, "n_runs": len(members), "n_ok": len(good)}
            row.update(dict(zip(point_cols, key[1:])))
            row.update(stats.describe([r.summary.get(metric) for r in good]))
            rows.append(row)
    csvio.write(os.path.join(out_dir, campaign.name + ".csv"), header, rows)

    _write_params(campaign, ok_runs, out_dir)
    if campaign.role == "schemes":
        _write_timeline(campaign, ok_runs, out_dir)

    settled = sum(1 for r in runs if r.status in ("ok", "not-modelled"))
    if not ok_runs:
        status = "not-yet-modelled" if runs and settled == len(runs) else "no-data"
    else:
        status = "ok" if settled == len(runs) else "incomplete"
    return {"campaign": campaign.name, "role": campaign.role, "scenario": campaign.scenario,
            "status": status, "runs_expected": len(runs), "runs_ok": len(ok_runs),
            "code_version": version,
            "schemes_not_modelled": " ".join(not_modelled),
            "x": campaign.axes.get("x", ""),
            "series": campaign.axes.get("series", ""), "facet": campaign.axes.get("facet", ""),
            "description": campaign.description,
            "file": os.path.relpath(campaign.path, paths.REPO_ROOT)
            if campaign.path.startswith(paths.REPO_ROOT) else campaign.path}


def _write_params(campaign, ok_runs, out_dir):
    values = {}
    for run in ok_runs:
        for key, value in run.params.items():
            if key.split(".")[-1] in PARAMS_PER_RUN:
                continue
            text = ("true" if value else "false") if isinstance(value, bool) else csvio.fmt(value)
            values.setdefault(key, set()).add(text)
    rows = []
    for key in sorted(values):
        distinct = sorted(values[key])
        if all(csvio.number(v) is not None for v in distinct):
            distinct.sort(key=csvio.number)
            if len(distinct) > 6:
                distinct = ["%s ... %s (%d values)" % (distinct[0], distinct[-1],
                                                       len(distinct))]
        elif len(distinct) > 12:
            distinct = ["%s ... %s (%d values)" % (distinct[0], distinct[-1], len(distinct))]
        rows.append({"parameter": key, "n_values": len(values[key]),
                     "values": " | ".join(distinct)})
    csvio.write(os.path.join(out_dir, campaign.name + "-params.csv"),
                ["parameter", "n_values", "values"], rows)


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _write_timeline(campaign, ok_runs, out_dir):
    """Events of the first successful run of each scheme (campaign order: first parameter
    point, lowest seed), around its recovery."""
    chosen = {}
    for run in ok_runs:
        chosen.setdefault(run.scheme, run)
    rows = []
    order = [s for s in paths.SCHEMES if s in chosen] + sorted(
        s for s in chosen if s not in paths.SCHEMES)
    for scheme in order:
        run = chosen[scheme]
        path = os.path.join(run.folder, "events.csv")
        try:
            events = csvio.read(path)
        except OSError:
            continue
        s = run.summary
        start = s.get("t_fail")
        end = s.get("t_restored_ab") or s.get("t_restored_ba") or s.get("t_detect")
        start = start - TIMELINE_MARGIN_S if _is_number(start) else None
        end = end + TIMELINE_MARGIN_S if _is_number(end) else None
        seen = {}
        for event in events:
            t = _float(event.get("time_s"))
            if t is None or (start is not None and t < start) or (end is not None and t > end):
                continue
            kind = (event.get("node"), event.get("event"), event.get("notify"),
                    event.get("detail"))
            seen[kind] = seen.get(kind, 0) + 1
            if seen[kind] > TIMELINE_PER_KIND:
                continue
            row = {name: event.get(name, "") for name in EVENTS_HEADER}
            row.update({"scheme": scheme, "seed": run.spec.seed, "run_id": run.spec.run_id})
            rows.append(row)
        for kind, count in sorted(seen.items(), key=lambda kv: tuple(map(str, kv[0]))):
            if count > TIMELINE_PER_KIND:
                rows.append({"scheme": scheme, "seed": run.spec.seed, "run_id": run.spec.run_id,
                             "time_s": "", "node": kind[0], "event": kind[1], "notify": kind[2],
                             "detail": "omitted %d more%s" % (
                                 count - TIMELINE_PER_KIND, " (%s)" % kind[3] if kind[3] else "")})
    csvio.write(os.path.join(out_dir, campaign.name + "-timeline-events.csv"),
                ("scheme", "seed", "run_id") + EVENTS_HEADER, rows)


def write_all(ready, absent, results_dir, allow_mixed=False):
    """Aggregates every ready campaign and writes index.csv (absent ones as not modelled)."""
    out_dir = paths.summary_dir(results_dir)
    os.makedirs(out_dir, exist_ok=True)
    rows = [write_campaign(c, results_dir, allow_mixed) for c in ready]
    for campaign, _message in absent:
        rows.append({"campaign": campaign.name, "role": campaign.role,
                     "scenario": campaign.scenario, "status": "not-yet-modelled",
                     "runs_expected": len(campaign.runs()), "runs_ok": 0,
                     "schemes_not_modelled": " ".join(campaign.unsupported_schemes),
                     "x": campaign.axes.get("x", ""), "series": campaign.axes.get("series", ""),
                     "facet": campaign.axes.get("facet", ""),
                     "description": campaign.description,
                     "file": os.path.relpath(campaign.path, paths.REPO_ROOT)
                     if campaign.path.startswith(paths.REPO_ROOT) else campaign.path})
    rows.sort(key=lambda r: r["campaign"])
    csvio.write(os.path.join(out_dir, "index.csv"), INDEX_HEADER, rows)
    return rows


def clean(results_dir):
    """Removes the CSVs of an earlier evaluation (campaigns may have been renamed)."""
    out_dir = paths.summary_dir(results_dir)
    if os.path.isdir(out_dir):
        for name in os.listdir(out_dir):
            if name.endswith(".csv"):
                os.remove(os.path.join(out_dir, name))

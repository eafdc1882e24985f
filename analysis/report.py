"""results/EVALUATION.md from results/summary/*.csv and results/figures/figures.csv.

Every number in the report is read from a CSV and printed with the campaign it comes from.
A cell with no data says "not measured (not yet modelled)"; nothing is estimated or filled in.
"""

import os

from analysis import csvio
from analysis import paths
from analysis.figures_common import campaign_for, index, metric_rows, read_csv, scheme_order

NM = paths.NOT_MODELLED
# Main table columns: (heading, campaign role).
SCENARIO_COLUMNS = (
    ("crash/reboot", "schemes"),
    ("failover", "failover"),
    ("load balancer / active cluster", "load-balancer"),
    ("SA loss", "sa-loss"),
)
IPR_NOTE = (
    "The SIR draft (draft-detienne-ikev2-recovery) had at least one IPR disclosure linked "
    "from its IETF datatracker page. QCD became RFC 6290 (Standards Track, June 2011).")


def fmt(value, unit=""):
    """Numbers as a reader wants them: 3 significant digits, integers without decimals."""
    if value is None:
        return "n/a"
    if float(value).is_integer() and abs(value) < 1e9:
        text = "%d" % value
    elif abs(value) >= 100:
        text = "%.0f" % value
    elif abs(value) >= 10:
        text = "%.1f" % value
    elif abs(value) >= 1:
        text = "%.2f" % value
    else:
        text = "%.3g" % value
    return text + unit


def _n(row, column):
    return csvio.number(row.get(column)) if row else None


class _Data:
    """The CSVs of one campaign."""

    def __init__(self, results_dir, index_row):
        self.row = index_row
        self.name = index_row["campaign"]
        self.summary = read_csv(results_dir, self.name + ".csv") or []
        self.params = read_csv(results_dir, self.name + "-params.csv") or []
        self.not_modelled = set((index_row.get("schemes_not_modelled") or "").split())
        self.point_cols = []
        if self.summary:
            header = list(self.summary[0])
            self.point_cols = header[header.index("scheme") + 1: header.index("metric")]

    def first_point(self):
        """Point columns of the first row (the campaign's first parameter point)."""
        if not self.summary:
            return {}
        return {c: self.summary[0][c] for c in self.point_cols}

    def stat(self, scheme, metric, point=None):
        point = self.first_point() if point is None else point
        rows = metric_rows(self.summary, metric, scheme=scheme, **point)
        return rows[0] if rows else None

    def schemes(self):
        return scheme_order(r["scheme"] for r in self.summary)

    def param(self, name):
        for row in self.params:
            if row["parameter"] == name:
                return row["values"]
        return None

    def point_text(self, point=None):
        point = self.first_point() if point is None else point
        return ", ".join("%s=%s" % kv for kv in point.items()) if point else ""

    def points(self):
        """Every parameter point of the campaign, in the order of its summary rows."""
        seen = []
        for row in self.summary:
            point = {c: row[c] for c in self.point_cols}
            if point not in seen:
                seen.append(point)
        return seen


def _measured(results_dir, role):
    row = campaign_for(results_dir, role)
    return _Data(results_dir, row) if row else None


def _missing(data, scheme):
    """The cell text when `scheme` has no data in `data`, or None when it has."""
    if data is None or scheme in data.not_modelled:
        return NM
    if scheme not in data.schemes():
        return "not measured (scheme not in campaign %s)" % data.name
    return None


def _recovery_cell(data, scheme, point=None):
    missing = _missing(data, scheme)
    if missing:
        return missing
    median = data.stat(scheme, "recovery_s", point)
    if median is None:
        return "not measured (no recovery_s in campaign %s)" % data.name
    n_runs = int(_n(median, "n_runs"))
    n_ok = int(_n(median, "n_ok"))
    recovered = data.stat(scheme, "recovered", point)
    if recovered is not None and _n(recovered, "mean") is not None:
        n_rec = int(round(_n(recovered, "mean") * _n(recovered, "count")))
    else:
        n_rec = int(_n(median, "count"))
    failed = "" if n_ok == n_runs else "; %d of %d runs failed" % (n_runs - n_ok, n_runs)
    if _n(median, "count") == 0:
        return "did not recover (0/%d)%s" % (n_ok, failed)
    return "%s (p95 %s; %d/%d recovered%s)" % (
        fmt(_n(median, "median"), " s"), fmt(_n(median, "p95"), " s"), n_rec, n_ok, failed)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _figure(figures, stem, alt):
    for row in figures:
        if row["figure"] == stem and row["status"] == "drawn":
            svg = [f for f in row["files"].split() if f.endswith(".svg")]
            return "![%s](%s)\n" % (alt, svg[0] if svg else row["files"].split()[0])
    for row in figures:
        if row["figure"] == stem:
            return "*Figure not drawn: %s.*\n" % row["note"]
    return "*Figure not drawn: no data.*\n"


def _all_schemes(datas):
    names = []
    for data in datas:
        if data:
            names += data.schemes() + sorted(data.not_modelled)
    return scheme_order(list(paths.SCHEMES) + names)


def section_scenarios(results_dir, figures):
    datas = [_measured(results_dir, role) for _, role in SCENARIO_COLUMNS]
    header = ["scheme"] + [title for title, _ in SCENARIO_COLUMNS]
    rows = [[scheme] + [_recovery_cell(d, scheme) for d in datas]
            for scheme in _all_schemes(datas)]
    out = ["## 1. Support for the scenarios", "",
           "Recovery time `recovery_s` = t_restored_ab − t_up: from Bob being able to answer "
           "again to the first inner packet A→B delivered over a new Child SA. Each cell: "
           "median over seeds (p95; runs that recovered / successful runs).", "",
           _table(header, rows), "", "Sources:", ""]
    for (title, role), data in zip(SCENARIO_COLUMNS, datas):
        if data is None:
            planned = _planned(results_dir, role)
            out.append("- %s: %s%s." % (title, NM, " (campaign `%s`)" % planned if planned
                                         else ""))
        else:
            extra = []
            profile = data.param("profile") or data.param("profile.name")
            if profile:
                extra.append("profile %s" % profile)
            if data.point_text():
                extra.append("point %s" % data.point_text())
            out.append("- %s: campaign `%s` (%s runs; %s)." % (
                title, data.name, data.row["runs_ok"], "; ".join(extra) or "default flags"))
    out += ["", _figure(figures, "recovery-cdf", "recovery-time CDF per scheme")]
    for (title, role), data in zip(SCENARIO_COLUMNS, datas):
        if data is not None and len(data.points()) > 1:
            out += _variants(title, data)
    return "\n".join(out) + "\n"


def _variants(title, data):
    """The main table shows a campaign's first point; this shows all of them, with the false
    teardowns where the scenario counts them."""
    points = data.points()
    header = ["scheme"] + [data.point_text(p) for p in points]
    rows = []
    for scheme in data.schemes():
        cells = [scheme]
        for point in points:
            cell = _recovery_cell(data, scheme, point)
            ft = data.stat(scheme, "false_teardowns", point)
            if ft is not None and _n(ft, "mean") is not None:
                cell += "; false teardowns %s" % fmt(_n(ft, "mean"))
            cells.append(cell)
        rows.append(cells)
    return ["", "### %s: every parameter point (campaign `%s`)" % (title, data.name), "",
            _table(header, rows), ""]


def _planned(results_dir, role):
    for row in index(results_dir):
        if row["role"] == role:
            return row["campaign"]
    return None


def section_security(results_dir, figures):
    data = _measured(results_dir, "mitm")
    out = ["## 2. Security from man-in-the-middle denial of service", ""]
    if data is None:
        planned = _planned(results_dir, "mitm")
        out += ["Forged INVALID_SPI / INVALID_IKE_SPI, forged QCD tokens, CHECK_SPI NACKs, "
                "replays and unknown-SPI floods: %s%s." % (
                    NM, " (campaign `%s`)" % planned if planned else ""), ""]
        out += [_table(["scheme", "false teardowns", "downtime caused"],
                       [[s, NM, NM] for s in paths.SCHEMES]), ""]
        out.append(_figure(figures, "attacks", "false teardowns and downtime vs attacker rate"))
        return "\n".join(out) + "\n"
    x, facet = data.row["x"], data.row["facet"]
    kinds = list(dict.fromkeys(r[facet] for r in data.summary)) if facet else [""]
    rates = sorted({r[x] for r in data.summary}, key=lambda v: csvio.number(v) or 0)
    top = rates[-1] if rates else ""
    out.append("At the highest attacker rate measured (%s=%s), per attacker kind: false "
               "teardowns per run (mean), time to the first false teardown (median), downtime "
               "caused (median). Campaign `%s`." % (x, top, data.name))
    out.append("")
    header = ["scheme"] + ["%s: false teardowns / first at / downtime" % k for k in kinds]
    rows = []
    for scheme in scheme_order(list(paths.SCHEMES) + data.schemes()):
        row = [scheme]
        for kind in kinds:
            if _missing(data, scheme):
                row.append(_missing(data, scheme))
                continue
            point = {x: top}
            if facet:
                point[facet] = kind
            ft = data.stat(scheme, "false_teardowns", point)
            first = data.stat(scheme, "time_to_first_false_teardown_s", point)
            down = data.stat(scheme, "downtime_s", point)
            row.append("%s / %s / %s" % (
                fmt(_n(ft, "mean")),
                fmt(_n(first, "median"), " s") if first and _n(first, "count") else "none",
                fmt(_n(down, "median"), " s")))
        rows.append(row)
    out += [_table(header, rows), ""]
    out.append(_figure(figures, "attacks", "false teardowns and downtime vs attacker rate"))
    return "\n".join(out) + "\n"


PUBLIC_KEY_OPS = ("dh_", "sign_", "verify_")


def _node_sum(data, scheme, prefix, stat, keep=lambda op: True):
    """{node: value} at the first point: a per-node field (cpu_s.<node>) or the sum of a node's
    fields (crypto_ops.<node>.<op>, ops chosen by `keep`)."""
    out = {}
    point = data.first_point()
    for row in data.summary:
        if row["scheme"] != scheme or not row["metric"].startswith(prefix):
            continue
        if any(row[c] != v for c, v in point.items()):
            continue
        parts = row["metric"][len(prefix):].split(".")
        if len(parts) > 1 and not keep(parts[1]):
            continue
        value = _n(row, stat)
        if value is not None:
            out[parts[0]] = out.get(parts[0], 0.0) + value
    return out


def _metric(data, name):
    """`name`, or `name.total` when the scenario reports the field per node with a total."""
    names = {r["metric"] for r in data.summary}
    return name if name in names or name + ".total" not in names else name + ".total"


def _prefix(data, preferred, fallback):
    names = {r["metric"] for r in data.summary}
    return preferred if any(n.startswith(preferred) for n in names) else fallback


def _per_node(values):
    return ", ".join("%s %s" % (node, fmt(v)) for node, v in sorted(values.items())) or "n/a"


def section_resources(results_dir, figures):
    data = _measured(results_dir, "schemes")
    out = ["## 3. Resources used", ""]
    if data is None:
        out += ["Messages, bytes, CPU and state per recovery: %s." % NM, ""]
    else:
        msgs, size, unprot = (_metric(data, m) for m in ("ike_msgs", "ike_bytes",
                                                         "unprotected_msgs"))
        crypto = _prefix(data, "crypto_ops_window.", "crypto_ops.")
        cpu = _prefix(data, "cpu_window_s.", "cpu_s.")
        out.append("Per recovery in campaign `%s` (%s). Medians over seeds of `%s`, `%s` and "
                   "`%s`; per node, means of the crypto operations `%s*` (public-key: DH, "
                   "signatures; other: PRF, AEAD, random) and of the simulated CPU seconds "
                   "`%s*`; medians of `state_bytes_per_sa.*` and `persistent_bytes.*`."
                   % (data.name, data.point_text() or "default flags", msgs, size, unprot,
                      crypto, cpu))
        out.append("")
        header = ["scheme", "IKE msgs", "IKE bytes", "unprotected msgs", "public-key ops",
                  "other crypto ops", "CPU s", "state B/SA", "persistent B"]
        rows = []
        public = lambda op: op.startswith(PUBLIC_KEY_OPS)  # noqa: E731
        for scheme in _all_schemes([data]):
            if _missing(data, scheme):
                rows.append([scheme] + [_missing(data, scheme)] * (len(header) - 1))
                continue
            cells = [scheme]
            for metric in (msgs, size, unprot):
                cells.append(fmt(_n(data.stat(scheme, metric), "median")))
            cells.append(_per_node(_node_sum(data, scheme, crypto, "mean", public)))
            cells.append(_per_node(_node_sum(data, scheme, crypto, "mean",
                                             lambda op: not public(op))))
            cells.append(_per_node(_node_sum(data, scheme, cpu, "mean")))
            cells.append(_per_node(_node_sum(data, scheme, "state_bytes_per_sa.", "median")))
            cells.append(_per_node(_node_sum(data, scheme, "persistent_bytes.", "median")))
            rows.append(cells)
        out += [_table(header, rows), ""]
    out.append(_figure(figures, "messages-bytes", "messages and bytes per recovery"))
    out.append("")
    out.append("### Gateway reboot with many peers")
    out.append("")
    storm = _measured(results_dir, "reboot-storm")
    if storm is None:
        planned = _planned(results_dir, "reboot-storm")
        out.append("Bob's CPU and the recovery p95 against the number of peers: %s%s." % (
            NM, " (campaign `%s`)" % planned if planned else ""))
    else:
        x = storm.row["x"]
        values = sorted({r[x] for r in storm.summary}, key=lambda v: csvio.number(v) or 0)
        cpu = next((m for m in sorted({r["metric"] for r in storm.summary})
                    if m.startswith("cpu_s.") and "bob" in m.lower()), None)
        out.append("Campaign `%s`: per %s, `recovery_p95_s` (median over seeds) and Bob's "
                   "simulated CPU seconds `%s` (mean)." % (storm.name, x, cpu or "n/a"))
        out.append("")
        header = ["scheme"] + ["%s=%s" % (x, v) for v in values]
        rows = []
        for scheme in _all_schemes([storm]):
            row = [scheme]
            for v in values:
                if _missing(storm, scheme):
                    row.append(_missing(storm, scheme))
                    continue
                p95 = storm.stat(scheme, "recovery_p95_s", {x: v})
                c = storm.stat(scheme, cpu, {x: v}) if cpu else None
                row.append("p95 %s; CPU %s" % (fmt(_n(p95, "median"), " s"),
                                               fmt(_n(c, "mean"), " s")))
            rows.append(row)
        out += [_table(header, rows)]
    out.append("")
    out.append(_figure(figures, "reboot-storm", "Bob's CPU and recovery p95 vs peers"))
    return "\n".join(out) + "\n"


def section_sensitivity(results_dir, figures):
    out = ["## 4. Sensitivity to boot time and round-trip time", ""]
    for role, title, stem in (("boot-time", "Bob's boot time", "recovery-vs-boot-time"),
                              ("rtt", "round-trip time", "recovery-vs-rtt")):
        data = _measured(results_dir, role)
        out.append("### Recovery against %s" % title)
        out.append("")
        if data is None:
            out.append("%s." % NM)
        else:
            x = data.row["x"]
            values = sorted({r[x] for r in data.summary}, key=lambda v: csvio.number(v) or 0)
            out.append("Median `recovery_s` over seeds (runs that recovered / runs), campaign "
                       "`%s`." % data.name)
            out.append("")
            rows = []
            for scheme in _all_schemes([data]):
                row = [scheme]
                for v in values:
                    if _missing(data, scheme):
                        row.append(_missing(data, scheme))
                        continue
                    s = data.stat(scheme, "recovery_s", {x: v})
                    row.append("%s (%d/%d)" % (fmt(_n(s, "median"), " s"), _n(s, "count"),
                                               _n(s, "n_runs")) if s else "n/a")
                rows.append(row)
            out.append(_table(["scheme"] + ["%s=%s" % (x, v) for v in values], rows))
        out.append("")
        out.append(_figure(figures, stem, "recovery against " + title))
        out.append("")
    return "\n".join(out)


def section_timelines(figures):
    out = ["## 5. One recovery per scheme", "",
           "Ladder diagrams drawn from the events of one run per scheme (first seed): arrows "
           "are messages (red: unprotected), dots are state events; grey bands compress idle "
           "gaps.", ""]
    drawn = [r for r in figures if r["figure"].startswith("timeline-") and r["status"] == "drawn"]
    if not drawn:
        out.append(_figure(figures, "timeline", "timeline"))
    for row in drawn:
        out.append(_figure(figures, row["figure"], row["figure"]))
    return "\n".join(out) + "\n"


def section_method(results_dir):
    out = ["## 7. Method", "",
           "Every run is one execution of a scenario program (ns-3 3.37, C++) with its flags, "
           "seeded by `--RngRun`; the runs of a campaign are all combinations of its grid "
           "times its seeds. Statistics over seeds: median and p95 by linear interpolation "
           "between order statistics; mean with a 95% confidence interval from Student's t. "
           "Times are simulated seconds. The parameters below are read from the runs' "
           "params.json (via results/summary/<campaign>-params.csv).", ""]
    rows = index(results_dir)
    modelled = [r for r in rows if r["status"] != "not-yet-modelled"]
    for row in modelled:
        data = _Data(results_dir, row)
        out.append("### Campaign `%s` (scenario %s, %s)" % (row["campaign"], row["scenario"],
                                                            row["file"]))
        out.append("")
        if row["description"]:
            out.append(row["description"])
            out.append("")
        out.append("Runs: %s successful of %s; code version %s." % (
            row["runs_ok"], row["runs_expected"], row["code_version"] or "n/a"))
        if row["schemes_not_modelled"]:
            out.append("Schemes not offered by the program yet (not yet modelled): %s."
                       % row["schemes_not_modelled"])
        out.append("")
        if data.params:
            out.append(_table(["parameter", "value(s)"], [
                [p["parameter"], p["values"].replace("|", "\\|")] for p in data.params]))
            out.append("")
    out.append("### What is modelled and what is not")
    out.append("")
    notes = _scheme_notes(results_dir)
    if notes:
        out.append("What each scheme does in the model, as the scenario program states it "
                   "(`scheme_modelled` in summary.json, campaign `%s`):" % notes[0])
        out.append("")
        out.append(_table(["scheme", "modelled behaviour"], notes[1]))
        out.append("")
    measured = sorted({r["scenario"] for r in modelled if int(r["runs_ok"] or 0) > 0})
    out.append("- Scenarios measured here: %s." % (", ".join(measured) or "none"))
    missing = sorted({r["scenario"] for r in rows if r["status"] == "not-yet-modelled"})
    missing += sorted(set(paths.PLANNED_SCENARIOS) - {r["scenario"] for r in rows})
    if missing:
        out.append("- Scenarios not yet modelled (no program built): %s." % ", ".join(
            sorted(set(missing))))
    schemes = sorted({s for r in rows for s in (r["schemes_not_modelled"] or "").split()})
    if schemes:
        out.append("- Schemes not yet offered by a scenario program: %s." % ", ".join(schemes))
    out.append("- The scenario documentation (doc/) states each model's scope and limitations; "
               "this report adds nothing to it.")
    return "\n".join(out) + "\n"


def _scheme_notes(results_dir):
    """(campaign, [[scheme, note]]) from the runs CSV of the schemes campaign, or None."""
    row = campaign_for(results_dir, "schemes")
    if row is None:
        return None
    runs = read_csv(results_dir, row["campaign"] + "-runs.csv") or []
    notes = {}
    for run in runs:
        if run.get("scheme_modelled") and run["scheme"] not in notes:
            notes[run["scheme"]] = run["scheme_modelled"].replace("|", "\\|")
    if not notes:
        return None
    return row["campaign"], [[s, notes[s]] for s in scheme_order(notes)]


def section_not_measured(results_dir, figures):
    out = ["## 8. Not measured", ""]
    lines = []
    for row in index(results_dir):
        if row["status"] == "not-yet-modelled":
            lines.append("- Campaign `%s` (%s): scenario %s not yet modelled." % (
                row["campaign"], row["file"], row["scenario"]))
        elif row["status"] in ("incomplete", "no-data"):
            lines.append("- Campaign `%s`: only %s of %s runs succeeded." % (
                row["campaign"], row["runs_ok"], row["runs_expected"]))
    for row in figures:
        if row["status"] == "skipped":
            lines.append("- Figure %s skipped: %s." % (row["figure"], row["note"]))
    out += lines or ["Everything the default campaigns cover was measured."]
    return "\n".join(out) + "\n"


def write(results_dir, title_note=""):
    """Writes results/EVALUATION.md; returns its path."""
    figures = csvio.read(os.path.join(paths.figures_dir(results_dir), "figures.csv")) \
        if os.path.isfile(os.path.join(paths.figures_dir(results_dir), "figures.csv")) else []
    versions = sorted({r["code_version"] for r in index(results_dir) if r["code_version"]})
    head = ["# Evaluation of IKEv2 failure-detection schemes", "",
            "Generated by `./testbed evaluate` (analysis/evaluate.py) from results/summary/*.csv;"
            " do not edit by hand. Every number names its campaign (analysis/campaigns/); the "
            "raw runs are in results/raw/<campaign>/ (not committed). Schemes: none (RFC 7296 "
            "only), hint (RFC 7296 2.21.4 liveness check on a notify), initial-contact, trust "
            "(insecure reference), qcd (RFC 6290), sir (draft-detienne-ikev2-recovery-03).", "",
            "Code version: %s.%s" % (", ".join(versions) or "n/a", title_note), ""]
    body = [section_scenarios(results_dir, figures), section_security(results_dir, figures),
            section_resources(results_dir, figures), section_sensitivity(results_dir, figures),
            section_timelines(figures), "## 6. Intellectual property\n\n" + IPR_NOTE + "\n",
            section_method(results_dir), section_not_measured(results_dir, figures)]
    path = os.path.join(results_dir, "EVALUATION.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(head) + "\n" + "\n".join(body))
    return path

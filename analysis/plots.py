"""Figures from results/summary/*.csv into results/figures/*.png and *.svg.

Each figure belongs to a campaign role (index.csv). When no campaign of that role was measured
the figure is skipped and figures.csv says why; the report repeats it.
"""

import os

from analysis import csvio
from analysis import paths
from analysis import timeline
from analysis.figures_common import (campaign_for, colour, metric_rows, planned_for, plt,
                                     read_csv, save, scheme_order)

FIGURES_HEADER = ("figure", "status", "campaign", "files", "note")


def _num(value):
    return csvio.number(value)


def _skip(name, role, results_dir, what):
    row = planned_for(results_dir, role)
    if row is None:
        note = "no campaign with role '%s'" % role
    elif row["status"] == "not-yet-modelled":
        note = "scenario %s not yet modelled (campaign %s)" % (row["scenario"], row["campaign"])
    else:
        note = "campaign %s has no successful runs" % row["campaign"]
    return {"figure": name, "status": "skipped", "campaign": row["campaign"] if row else "",
            "files": "", "note": "%s: %s" % (what, note)}


def _drawn(name, campaign, files, note=""):
    return {"figure": name, "status": "drawn", "campaign": campaign, "files": " ".join(files),
            "note": note}


def _series_panel(ax, rows, x_flag, metric, series_flag="scheme", stat="mean",
                  ylabel=None, logy="auto"):
    """One line per series value: stat (mean with 95% CI bars, or median) against x."""
    groups = {}
    for row in metric_rows(rows, metric):
        x = _num(row.get(x_flag))
        y = _num(row.get(stat))
        if x is None or y is None:
            continue
        groups.setdefault(row.get(series_flag, ""), []).append((x, y, row))
    ymin, ymax = None, None
    for name in scheme_order(groups):
        points = sorted(groups[name], key=lambda p: p[0])
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        if stat == "mean":
            low = [p[1] - (_num(p[2]["ci95_low"]) if _num(p[2]["ci95_low"]) is not None
                           else p[1]) for p in points]
            high = [(_num(p[2]["ci95_high"]) if _num(p[2]["ci95_high"]) is not None
                     else p[1]) - p[1] for p in points]
            ax.errorbar(xs, ys, yerr=[low, high], marker="o", ms=4, capsize=3, label=name,
                        color=colour(name))
        else:
            ax.plot(xs, ys, marker="o", ms=4, label=name, color=colour(name))
        positive = [y for y in ys if y > 0]
        if positive:
            ymin = min(positive + ([ymin] if ymin else []))
            ymax = max(positive + ([ymax] if ymax else []))
    ax.set_xlabel(x_flag)
    ax.set_ylabel(ylabel or metric)
    if logy == "auto" and ymin and ymax and ymax / ymin > 50:
        ax.set_yscale("log")
    return bool(groups)


def recovery_cdf(results_dir):
    name = "recovery-cdf"
    row = campaign_for(results_dir, "schemes")
    if row is None:
        return [_skip(name, "schemes", results_dir, "recovery-time CDF")]
    runs = read_csv(results_dir, row["campaign"] + "-runs.csv") or []
    values = {}
    for run in runs:
        if run["status"] != "ok":
            continue
        values.setdefault(run["scheme"], []).append(_num(run.get("recovery_s")))
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for scheme in scheme_order(values):
        data = values[scheme]
        done = sorted(v for v in data if v is not None)
        if not done:
            continue
        n = len(data)
        xs = [done[0]] + done
        ys = [0.0] + [(i + 1) / n for i in range(len(done))]
        label = scheme if len(done) == n else "%s (%d/%d recovered)" % (scheme, len(done), n)
        ax.step(xs, ys, where="post", label=label, color=colour(scheme))
    ax.set_xscale("log")
    ax.set_xlabel("recovery time after Bob is back, recovery_s (s, log scale)")
    ax.set_ylabel("fraction of runs")
    ax.set_ylim(0, 1.02)
    ax.set_title("Recovery time per scheme (campaign %s)" % row["campaign"])
    ax.legend(fontsize=8)
    return [_drawn(name, row["campaign"], save(fig, results_dir, name))]


def _versus(results_dir, role, name, what):
    row = campaign_for(results_dir, role)
    if row is None:
        return [_skip(name, role, results_dir, what)]
    rows = read_csv(results_dir, row["campaign"] + ".csv") or []
    x_flag = row["x"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    _series_panel(axes[0], rows, x_flag, "recovery_s", ylabel="recovery_s (s), mean ± 95% CI")
    _series_panel(axes[1], rows, x_flag, "outage_s", ylabel="outage_s (s), mean ± 95% CI")
    axes[0].legend(fontsize=8)
    fig.suptitle("%s (campaign %s)" % (what, row["campaign"]))
    return [_drawn(name, row["campaign"], save(fig, results_dir, name))]


def recovery_vs_boot_time(results_dir):
    return _versus(results_dir, "boot-time", "recovery-vs-boot-time",
                   "Recovery against Bob's boot time")


def recovery_vs_rtt(results_dir):
    return _versus(results_dir, "rtt", "recovery-vs-rtt", "Recovery against round-trip time")


def messages_bytes(results_dir):
    name = "messages-bytes"
    row = campaign_for(results_dir, "schemes")
    if row is None:
        return [_skip(name, "schemes", results_dir, "messages and bytes per recovery")]
    rows = read_csv(results_dir, row["campaign"] + ".csv") or []
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    panels = ((axes[0], ("ike_msgs", "unprotected_msgs"), "messages per recovery"),
              (axes[1], ("ike_bytes",), "IKE bytes per recovery"))
    names = {r["metric"] for r in rows}
    for ax, metrics, label in panels:
        # Scenarios may report these per node with a total: use the total.
        metrics = tuple(m if m in names or m + ".total" not in names else m + ".total"
                        for m in metrics)
        schemes = scheme_order(r["scheme"] for r in rows)
        width = 0.8 / len(metrics)
        for k, metric in enumerate(metrics):
            xs, ys, errs = [], [], [[], []]
            for i, scheme in enumerate(schemes):
                found = metric_rows(rows, metric, scheme=scheme)
                if not found or _num(found[0]["mean"]) is None:
                    continue
                mean = _num(found[0]["mean"])
                low = _num(found[0]["ci95_low"])
                high = _num(found[0]["ci95_high"])
                xs.append(i + (k - (len(metrics) - 1) / 2) * width)
                ys.append(mean)
                errs[0].append(mean - low if low is not None else 0)
                errs[1].append(high - mean if high is not None else 0)
            ax.bar(xs, ys, width=width, yerr=errs, capsize=3, label=metric,
                   color=None if len(metrics) > 1 else [colour(s) for s in schemes][:len(xs)])
        heights = [_num(r["mean"]) for r in rows if r["metric"] in metrics]
        heights = [h for h in heights if h and h > 0]
        if heights and max(heights) / min(heights) > 50:
            ax.set_yscale("log")  # a 165 s retransmission schedule next to one exchange
            label += ", log scale"
        ax.set_xticks(range(len(schemes)))
        ax.set_xticklabels(schemes, rotation=20)
        ax.set_ylabel(label + " (mean ± 95% CI)")
        if len(metrics) > 1:
            ax.legend(fontsize=8)
    fig.suptitle("IKE messages and bytes between t_fail and t_restored (campaign %s)"
                 % row["campaign"])
    return [_drawn(name, row["campaign"], save(fig, results_dir, name))]


def _node_metric(rows, prefix, preferred=("bob", "gateway", "responder")):
    names = sorted({r["metric"] for r in rows if r["metric"].startswith(prefix)})
    for want in preferred:
        for metric in names:
            if metric[len(prefix):].lower() == want:
                return metric
        for metric in names:
            if want in metric[len(prefix):].lower():
                return metric
    return None


def reboot_storm(results_dir):
    name = "reboot-storm"
    row = campaign_for(results_dir, "reboot-storm")
    if row is None:
        return [_skip(name, "reboot-storm", results_dir, "Bob's CPU and recovery p95 vs peers")]
    rows = read_csv(results_dir, row["campaign"] + ".csv") or []
    cpu = _node_metric(rows, "cpu_s.")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    if cpu:
        _series_panel(axes[0], rows, row["x"], cpu, ylabel="%s (simulated s), mean ± 95%% CI"
                      % cpu)
    p95 = "recovery_p95_s" if metric_rows(rows, "recovery_p95_s") else "recovery_s"
    _series_panel(axes[1], rows, row["x"], p95, ylabel="%s (s), mean ± 95%% CI" % p95)
    for ax in axes:
        ax.set_xscale("log")
    axes[1].legend(fontsize=8)
    fig.suptitle("Gateway reboot with many peers (campaign %s)" % row["campaign"])
    note = "" if cpu else "no cpu_s field for Bob's node in the summaries"
    return [_drawn(name, row["campaign"], save(fig, results_dir, name), note)]


def attacks(results_dir):
    name = "attacks"
    row = campaign_for(results_dir, "mitm")
    if row is None:
        return [_skip(name, "mitm", results_dir, "false teardowns and downtime vs attacker rate")]
    rows = read_csv(results_dir, row["campaign"] + ".csv") or []
    facet = row["facet"]
    kinds = list(dict.fromkeys(r[facet] for r in rows)) if facet else [""]
    fig, axes = plt.subplots(2, len(kinds), figsize=(4.2 * len(kinds), 6.5), squeeze=False)
    for j, kind in enumerate(kinds):
        subset = [r for r in rows if not facet or r[facet] == kind]
        _series_panel(axes[0][j], subset, row["x"], "false_teardowns",
                      ylabel="false teardowns per run (mean ± 95% CI)", logy=False)
        _series_panel(axes[1][j], subset, row["x"], "downtime_s",
                      ylabel="downtime_s (s), mean ± 95% CI", logy=False)
        axes[0][j].set_title(kind or row["campaign"])
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Forged packets against each scheme (campaign %s)" % row["campaign"])
    return [_drawn(name, row["campaign"], save(fig, results_dir, name))]


def timelines(results_dir):
    row = campaign_for(results_dir, "schemes")
    if row is None:
        return [_skip("timeline", "schemes", results_dir, "ladder diagram of one recovery")]
    events = read_csv(results_dir, row["campaign"] + "-timeline-events.csv") or []
    runs = read_csv(results_dir, row["campaign"] + "-runs.csv") or []
    out = []
    for scheme in scheme_order(e["scheme"] for e in events):
        mine = [e for e in events if e["scheme"] == scheme]
        run = next((r for r in runs if r["run_id"] == mine[0]["run_id"]), {})
        fig = timeline.ladder(mine, run, "%s: one recovery (campaign %s, seed %s)"
                              % (scheme, row["campaign"], mine[0]["seed"]))
        stem = "timeline-" + scheme
        out.append(_drawn(stem, row["campaign"], save(fig, results_dir, stem)))
    if not out:
        out.append({"figure": "timeline", "status": "skipped", "campaign": row["campaign"],
                    "files": "", "note": "no events in the timeline CSV"})
    return out


ALL = (recovery_cdf, recovery_vs_boot_time, recovery_vs_rtt, messages_bytes, reboot_storm,
       attacks, timelines)


def draw_all(results_dir):
    """Draws every figure it has data for; writes and returns figures.csv rows."""
    out_dir = paths.figures_dir(results_dir)
    os.makedirs(out_dir, exist_ok=True)
    for stale in os.listdir(out_dir):
        if stale.endswith((".png", ".svg")):
            os.remove(os.path.join(out_dir, stale))
    rows = []
    for figure in ALL:
        rows.extend(figure(results_dir))
    csvio.write(os.path.join(out_dir, "figures.csv"), FIGURES_HEADER, rows)
    return rows

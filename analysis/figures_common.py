"""What every figure shares: Agg backend, reproducible files, scheme order and colours, and
reading the summary CSVs (figures read nothing else, except the timeline's events CSV)."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from analysis import csvio  # noqa: E402
from analysis import paths  # noqa: E402

plt.rcParams.update({
    "svg.hashsalt": "ikev2-recovery-testbed",  # stable SVG ids: same data, same bytes
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
})

COLOURS = {"none": "#7f7f7f", "hint": "#bcbd22", "initial-contact": "#1f77b4",
           "trust": "#d62728", "qcd": "#2ca02c", "sir": "#9467bd"}


def colour(scheme):
    return COLOURS.get(scheme)


def scheme_order(names):
    names = list(dict.fromkeys(names))
    return [s for s in paths.SCHEMES if s in names] + sorted(
        s for s in names if s not in paths.SCHEMES)


def save(fig, results_dir, stem):
    """Writes <stem>.png and <stem>.svg; returns their paths relative to results_dir."""
    out = paths.figures_dir(results_dir)
    os.makedirs(out, exist_ok=True)
    files = []
    for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None})):
        path = os.path.join(out, "%s.%s" % (stem, ext))
        fig.savefig(path, format=ext, metadata=meta, bbox_inches="tight")
        files.append(os.path.relpath(path, results_dir))
    plt.close(fig)
    return files


def read_csv(results_dir, name):
    path = os.path.join(paths.summary_dir(results_dir), name)
    return csvio.read(path) if os.path.isfile(path) else None


def index(results_dir):
    return read_csv(results_dir, "index.csv") or []


def campaign_for(results_dir, role):
    """The index row of the measured campaign with this role, or None."""
    for row in index(results_dir):
        if row["role"] == role and row["status"] != "not-yet-modelled" and \
                int(row["runs_ok"] or 0) > 0:
            return row
    return None


def planned_for(results_dir, role):
    """The index row of a campaign with this role, measured or not."""
    for row in index(results_dir):
        if row["role"] == role:
            return row
    return None


def metric_rows(rows, metric, **where):
    out = []
    for row in rows:
        if row.get("metric") != metric:
            continue
        if all(row.get(k) == v for k, v in where.items()):
            out.append(row)
    return out

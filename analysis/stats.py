"""The statistics of a sample of per-run values, as written to results/summary/*.csv.

- median and p95: linear interpolation between order statistics (Hyndman and Fan type 7, the
  default of numpy.percentile and of R);
- mean with a two-sided 95% confidence interval: mean +- t(0.975, n-1) * s / sqrt(n), s the
  sample standard deviation; no interval for fewer than two values.
"""

import math

from analysis.tdist import t_quantile


def percentile(values, q):
    """q in [0, 100] of a non-empty sequence (type 7)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * q / 100.0
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


def describe(values):
    """{count, mean, std, ci95_low, ci95_high, median, p95, min, max}; None where undefined."""
    values = [float(v) for v in values if v is not None and not _is_nan(v)]
    n = len(values)
    out = {"count": n, "mean": None, "std": None, "ci95_low": None, "ci95_high": None,
           "median": None, "p95": None, "min": None, "max": None}
    if n == 0:
        return out
    mean = math.fsum(values) / n
    out.update(mean=mean, median=percentile(values, 50), p95=percentile(values, 95),
               min=min(values), max=max(values))
    if n >= 2:
        var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
        std = math.sqrt(var)
        half = t_quantile(0.975, n - 1) * std / math.sqrt(n)
        out.update(std=std, ci95_low=mean - half, ci95_high=mean + half)
    return out


def _is_nan(v):
    return isinstance(v, float) and math.isnan(v)

"""Deterministic CSV writing: the same values give the same bytes on every machine."""

import csv
import math


def fmt(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value == 0.0:
            return "0"
        return format(value, ".10g")
    return str(value)


def write(path, header, rows):
    """rows: dicts keyed by header names (missing keys are empty cells)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([fmt(row.get(name)) for name in header])


def read(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15,
          "min": 60.0, "h": 3600.0, "d": 86400.0, "y": 365.0 * 86400.0}


def number(text):
    """A CSV cell as a float: plain numbers, and ns-3 times such as "50ms" or "+30s" (seconds).
    None for empty or non-numeric cells."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    for unit in sorted(_UNITS, key=len, reverse=True):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * _UNITS[unit]
            except ValueError:
                return None
    return None

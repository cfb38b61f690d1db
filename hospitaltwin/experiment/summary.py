"""Across-replication statistics: mean and 95% confidence interval of every KPI.

The interval is Student's t over independent replications (each replication one observation),
the standard output analysis for simulations run as independent replications.
``summary.json`` nests the result as ``units.<UNIT>.<kpi> = {"mean": x, "ci95": [lo, hi]}``
(likewise ``equipment`` and ``hospitals``); a KPI with no defined value in any replication is
``null``, and a single replication has no interval (``[null, null]``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from hospitaltwin.core.tstats import t_quantile

SCOPES = {"unit": "units", "equipment": "equipment", "hospital": "hospitals"}


def mean_ci(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t confidence interval; NaN values are left out."""
    values = np.asarray(list(values), dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan
    half = t_quantile(0.5 + level / 2, n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def _clean(x: float) -> float | None:
    return None if not math.isfinite(x) else round(x, 10)


def kpi_summary(rows: Iterable[tuple[str, str, str, float]]) -> dict:
    """Nested ``{scope: {name: {kpi: {"mean", "ci95", "n"}}}}`` from ``(scope, name, kpi, value)``."""
    grouped: dict[tuple[str, str, str], list[float]] = {}
    for scope, name, kpi, value in rows:
        grouped.setdefault((scope, name, kpi), []).append(value)
    out: dict = {scope: {} for scope in SCOPES.values()}
    for (scope, name, kpi), values in grouped.items():
        mean, lo, hi = mean_ci(values)
        n = int(np.sum(~np.isnan(np.asarray(values, dtype=float))))
        out[SCOPES[scope]].setdefault(name, {})[kpi] = {"mean": _clean(mean), "ci95": [_clean(lo), _clean(hi)], "n": n}
    return out


def fmt(x: float) -> str:
    """A number with significant digits that suit its size."""
    return _fmt(x)


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"

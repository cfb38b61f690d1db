"""Numbers as words for boards: percentages, counts with their 95% intervals, names of units.

A summary entry is ``{"mean", "ci95": [lo, hi], "n"}`` (``summary.json``). Fractions are
written as percentages, other values with significant digits that suit their size; interval
ends are clipped to what the quantity can be (a fraction lies in [0, 1], a count is never
negative), since a t-interval over few replications can spill past those limits.
"""

from __future__ import annotations

import math


def num(x: float | None, digits: int = 3) -> str:
    """A number with as many digits as its size needs; ``–`` for none."""
    if x is None or not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    if float(x).is_integer() or abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.{digits}g}"


def pct(x: float | None) -> str:
    """``21%``, ``4.2%``, ``0.3%``, ``<0.1%``."""
    if x is None or not math.isfinite(x):
        return "–"
    value = 100 * x
    if value == 0:
        return "0%"
    if abs(value) < 0.1:
        return "<0.1%"
    return f"{value:.0f}%" if abs(value) >= 10 else f"{value:.1f}%"


def _bounds(entry: dict, lower: float | None, upper: float | None) -> tuple[float | None, float | None]:
    lo, hi = (entry.get("ci95") or [None, None])[:2]
    if lo is not None and lower is not None:
        lo = max(lo, lower)
    if hi is not None and upper is not None:
        hi = min(hi, upper)
    return lo, hi


def ci(entry: dict | None, fraction: bool = False, nonnegative: bool = True) -> str:
    """``12.3 [11.9, 12.8]`` or ``21% [19%, 23%]``; ``–`` when there is no value."""
    if not entry or entry.get("mean") is None:
        return "–"
    fmt = pct if fraction else num
    lo, hi = _bounds(entry, 0.0 if (fraction or nonnegative) else None, 1.0 if fraction else None)
    if lo is None or hi is None:
        return fmt(entry["mean"])
    return f"{fmt(entry['mean'])} [{fmt(lo)}, {fmt(hi)}]"


def ci_words(entry: dict, fraction: bool = False) -> str:
    """``(95% CI 19%–23%)`` for a sentence; empty when there is no interval."""
    lo, hi = _bounds(entry, 0.0, 1.0 if fraction else None)
    if lo is None or hi is None:
        return ""
    fmt = pct if fraction else num
    return f" (95% CI {fmt(lo)}–{fmt(hi)})"


def mean(entry: dict | None) -> float:
    """The mean of a summary entry, NaN when absent."""
    value = (entry or {}).get("mean")
    return float(value) if value is not None else math.nan


def unit_title(layout: dict, unit: str) -> str:
    """``ICU — Intensive care unit`` when the layout names the unit, else its id."""
    spec = (layout.get("units") or {}).get(unit) or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    return f"{unit} — {name}" if name and name != unit else unit


def hours_text(hours: float, adjective: bool = False) -> str:
    """``90 days`` / ``36 h``; ``30-day`` as an adjective."""
    if hours >= 48:
        days = hours / 24
        text = f"{days:.0f}" if float(days).is_integer() else f"{days:.1f}"
        return f"{text}-day" if adjective else f"{text} days"
    return f"{hours:.0f}-hour" if adjective else f"{hours:.0f} h"

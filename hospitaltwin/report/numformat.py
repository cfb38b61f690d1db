"""Numbers for people: the one place the report turns a number into text.

Rules, so every page reads the same: beds, devices and people are whole numbers; other values
get the significant figures their size needs (``0.0581``, ``3.06``, ``14.7``, ``1,390``) and
never scientific notation; a value too small to show at four decimals reads ``≈0``. Fractions
are percentages (``21%``, ``4.2%``, ``<0.1%``), changes of a fraction percentage points
(``-3.0 pts``). A difference and its confidence interval share one number of decimals, set by
the interval's width, so ``-0.0000569 [-0.000173, +0.0000594]`` reads ``-0.0001 [-0.0002,
+0.0001]`` and no digit claims more precision than the interval has. Interval ends are clipped
to what the quantity can be (a fraction lies in [0, 1], a count is never negative), since a
t-interval over few replications can spill past those limits. Money is in whole units with
thousands separators; durations are in hours or days.
"""

from __future__ import annotations

import math

MAX_DECIMALS = 4


def _finite(x) -> bool:
    return x is not None and not isinstance(x, bool) and math.isfinite(x)


def _decimals(x: float, digits: int) -> int:
    """Decimals that show ``digits`` significant figures of ``x`` (none for |x| >= 10^digits)."""
    return max(0, digits - 1 - math.floor(math.log10(abs(x))))


def fixed(x: float, decimals: int, sign: bool = False) -> str:
    """``x`` with ``decimals`` decimals, thousands separators, a ``−`` for negatives; ``≈0`` when
    it rounds to nothing but is not zero."""
    text = f"{x:{'+' if sign else ''},.{decimals}f}"
    if x != 0 and float(text.replace(",", "")) == 0:
        return "≈0"
    return text.replace("-", "−")


def num(x: float | None, digits: int = 3) -> str:
    """A number with as many digits as its size needs; ``–`` for none."""
    if not _finite(x):
        return "–"
    if x == 0:
        return "0"
    if float(x).is_integer() or abs(x) >= 100:
        return fixed(x, 0)
    text = fixed(x, min(MAX_DECIMALS, _decimals(x, digits)))
    if abs(x) < 1 and "." in text:  # 0.57, not 0.570: below 1 trailing zeros claim nothing
        text = text.rstrip("0").rstrip(".")
    return text


def signed(x: float | None, digits: int = 3) -> str:
    """``+1.04``, ``−0.247``: a change with its sign."""
    if not _finite(x):
        return "–"
    text = num(x, digits)
    return text if text.startswith(("−", "≈")) or x == 0 else "+" + text


def whole(x: float | None) -> str:
    """Beds, devices, staff, patients: a whole number (``3.91`` reads ``4``)."""
    if not _finite(x):
        return "–"
    return f"{round(x):,d}"


def money(x: float | None) -> str:
    """``26,600``: currency in whole units (the options file's own currency)."""
    return whole(x)


def pct(x: float | None) -> str:
    """A fraction as a percentage: ``21%``, ``4.2%``, ``0.3%``, ``<0.1%``."""
    if not _finite(x):
        return "–"
    value = 100 * x
    if value == 0:
        return "0%"
    if abs(value) < 0.1:
        return "<0.1%"
    return f"{value:.0f}%" if abs(value) >= 10 else f"{value:.1f}%"


def interval_decimals(lo: float, hi: float, mean: float) -> int:
    """Decimals for a mean and its interval, set by the interval's half-width: one significant
    figure of it, two when it starts with a 1 (``16.8 [16.4, 17.2]``, ``−9.9 pts``,
    ``0.15 [0.00, 0.30]``), never more than the three the mean itself would get."""
    half = abs(hi - lo) / 2
    own = _decimals(mean, 3) if mean else MAX_DECIMALS
    if half > 0:
        lead = half / 10 ** math.floor(math.log10(half))
        return min(MAX_DECIMALS, _decimals(half, 2 if lead < 2 else 1), own)
    return min(MAX_DECIMALS, own) if mean else 0


def change_parts(mean: float, lo: float | None = None, hi: float | None = None, fraction: bool = False,
                 unit: str = "") -> tuple[str, str | None, str | None]:
    """A paired difference and its 95% interval ends as signed text, one number of decimals
    for all three; a fraction's change in percentage points (`` pts``)."""
    if not _finite(mean):
        return "–", None, None
    scale, unit = (100.0, " pts") if fraction else (1.0, unit)
    m = mean * scale
    if not (_finite(lo) and _finite(hi)):
        return signed(m) + unit, None, None
    d = interval_decimals(lo * scale, hi * scale, m)
    return tuple(fixed(v, d, True) + unit for v in (m, lo * scale, hi * scale))


def change(mean: float, lo: float | None = None, hi: float | None = None, fraction: bool = False) -> str:
    """``−0.40 [−0.63, −0.17]`` or ``−3.0 pts [−4.2 pts, −1.8 pts]``."""
    m, a, b = change_parts(mean, lo, hi, fraction)
    return m if a is None else f"{m} [{a}, {b}]"


def change_words(mean: float, lo: float | None = None, hi: float | None = None, fraction: bool = False,
                 unit: str = "") -> str:
    """``−0.40 h, 95% CI −0.63 to −0.17 h`` for a sentence."""
    m, a, b = change_parts(mean, lo, hi, fraction, unit)
    return m if a is None else f"{m}, 95% CI {a.removesuffix(unit or ' pts')} to {b}"


def _bounds(entry: dict, lower: float | None, upper: float | None) -> tuple[float | None, float | None]:
    lo, hi = (entry.get("ci95") or [None, None])[:2]
    if lo is not None and lower is not None:
        lo = max(lo, lower)
    if hi is not None and upper is not None:
        hi = min(hi, upper)
    return lo, hi


def ci(entry: dict | None, fraction: bool = False, nonnegative: bool = True, beds: bool = False) -> str:
    """``12.3 [11.9, 12.8]`` or ``21% [19%, 23%]`` from a summary entry; ``–`` when there is none.

    ``beds``: a capacity, shown as whole beds.
    """
    if not entry or entry.get("mean") is None:
        return "–"
    lo, hi = _bounds(entry, 0.0 if (fraction or nonnegative) else None, 1.0 if fraction else None)
    if beds:
        return whole(entry["mean"])
    if fraction:
        return pct(entry["mean"]) if lo is None or hi is None else f"{pct(entry['mean'])} [{pct(lo)}, {pct(hi)}]"
    if lo is None or hi is None:
        return num(entry["mean"])
    d = interval_decimals(lo, hi, entry["mean"])
    return f"{fixed(entry['mean'], d)} [{fixed(lo, d)}, {fixed(hi, d)}]"


def ci_words(entry: dict, fraction: bool = False) -> str:
    """`` (95% CI 19%–23%)`` for a sentence; empty when there is no interval."""
    lo, hi = _bounds(entry, 0.0, 1.0 if fraction else None)
    if lo is None or hi is None:
        return ""
    if fraction:
        return f" (95% CI {pct(lo)}–{pct(hi)})"
    d = interval_decimals(lo, hi, entry.get("mean") or 0.0)
    return f" (95% CI {fixed(lo, d)}–{fixed(hi, d)})"


def mean(entry: dict | None) -> float:
    """The mean of a summary entry, NaN when absent."""
    value = (entry or {}).get("mean")
    return float(value) if value is not None else math.nan


def hours_text(hours: float, adjective: bool = False) -> str:
    """``90 days`` / ``36 h``; ``30-day`` as an adjective."""
    if hours >= 48:
        days = hours / 24
        text = f"{days:.0f}" if float(days).is_integer() else f"{days:.1f}"
        return f"{text}-day" if adjective else f"{text} days"
    return f"{hours:.0f}-hour" if adjective else f"{hours:.0f} h"


def duration(hours: float | None, lo: float | None = None, hi: float | None = None) -> str:
    """A stay or wait: ``3.70 h``, ``4.09 d`` (days from two days on); with an interval,
    ``3.70 h [3.66 h, 3.74 h]`` at the interval's precision."""
    if not _finite(hours):
        return "–"
    scale, unit = (24.0, " d") if hours >= 48 else (1.0, " h")
    if not (_finite(lo) and _finite(hi)):
        return num(hours / scale) + unit
    values = [v / scale for v in (hours, lo, hi)]
    d = interval_decimals(values[1], values[2], values[0])
    m, a, b = (fixed(v, d) + unit for v in values)
    return f"{m} [{a}, {b}]"


def plural(count: float, word: str, many: str | None = None) -> str:
    """``1 bed``, ``3 beds``, ``2 nurses per shift`` (a whole count with its noun)."""
    return f"{whole(count)} {word if round(count) == 1 else (many or word + 's')}"

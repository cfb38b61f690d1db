"""A comparison in sentences: what changed, and what limited the change.

:func:`explain` turns the paired rows of :func:`hospitaltwin.compare.paired.compare` (one
policy against the baseline, on common random numbers) into plain sentences for a planner,
the same wherever they are shown (the dashboard, a report, the CLI). First the headline
changes, e.g. ``MICU time at staffed capacity 27% → 7% (95% CI of the difference −23 to −17
points)``, for the units whose capacity the policy changed and then for every other change
whose 95% CI excludes zero. Then what held the change back, read off the KPIs alone, never
off the policy's text: new beds that gained no staffed capacity (a bed without its nurse
admits nobody), hours over the staff ratio that rose, patients ready to leave a unit who
waited longer for a bed downstream, pressure that moved to another unit or to an equipment
pool, a unit that was rarely full to begin with, and one still full most of the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MINUS = "\u2212"
FRACTION_KPIS = frozenset({"p_full", "diverted_fraction", "overflow_fraction", "left_fraction",
                           "p_wait", "unmet_fraction", "occupancy_fraction"})
WORDS = {
    "p_full": ("time at staffed capacity", ""),
    "diverted_fraction": ("share of bed requests diverted", ""),
    "left_fraction": ("share leaving without a bed", ""),
    "overflow_fraction": ("share placed in an overflow unit", ""),
    "mean_wait_h": ("mean wait for a bed", " h"),
    "boarding_h_per_day": ("boarding", " h/day"),
    "over_ratio_h": ("hours over the staff ratio", " h"),
    "unmet_fraction": ("share of episodes without a free device", ""),
    "diverted_per_day": ("diversions", " a day"),
    "mean_queue": ("mean queue", " patients"),
    "mean_census": ("mean census", " beds"),
    "mean_staffed_beds": ("staffed beds", ""),
    "mean_physical_beds": ("physical beds", ""),
}
POOL_WORDS = {"p_full": ("time with every device in use", "")}
HEADLINE_KPIS = ("p_full", "mean_wait_h", "boarding_h_per_day", "diverted_fraction",
                 "left_fraction", "over_ratio_h", "unmet_fraction", "diverted_per_day")
RARELY_FULL = 0.05
MOSTLY_FULL = 0.5


@dataclass(frozen=True)
class Explanation:
    """Sentences about one policy: ``changes`` (headline differences) and ``limits``."""

    policy: str
    changes: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        """Every sentence, changes first."""
        return self.changes + self.limits


class _Rows:
    """Comparison rows of one policy, looked up by (scope, name, kpi)."""

    def __init__(self, rows: list[dict]):
        self.by_key = {(r["scope"], r["name"], r["kpi"]): r for r in rows}

    def get(self, scope: str, name: str, kpi: str) -> dict | None:
        return self.by_key.get((scope, name, kpi))

    def diff(self, scope: str, name: str, kpi: str) -> float:
        row = self.get(scope, name, kpi)
        return _number(row["diff_mean"]) if row else math.nan

    def names(self, scope: str) -> list[str]:
        return list(dict.fromkeys(n for s, n, _ in self.by_key if s == scope))


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def significant(row: dict | None) -> bool:
    """Whether the 95% CI of a row's paired difference excludes zero."""
    if row is None:
        return False
    lo, hi = _number(row["diff_lo"]), _number(row["diff_hi"])
    return math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0)


def _fmt(kpi: str, value: float, signed: bool = False) -> str:
    """A value in the KPI's own terms: percent (points for differences) or a number."""
    if not math.isfinite(value):
        return "–"
    scaled = 100 * value if kpi in FRACTION_KPIS else value
    size = abs(scaled)
    if kpi in FRACTION_KPIS:
        digits = 0 if size >= 10 else 1
    else:
        digits = 0 if size >= 100 else 1 if size >= 1 else 2
    if abs(size - round(size)) < 1e-9:
        digits = 0
    text = f"{size:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = "0"
    sign = "+" if signed and scaled > 0 and text != "0" else MINUS if scaled < 0 and text != "0" else ""
    return sign + text


def _words(row: dict) -> tuple[str, str]:
    table = POOL_WORDS if row["scope"] == "equipment" and row["kpi"] in POOL_WORDS else WORDS
    return table.get(row["kpi"], (row["kpi"].replace("_", " "), ""))


def movement(row: dict) -> str:
    """``27% → 7% (95% CI of the difference −23 to −17 points)``."""
    kpi = row["kpi"]
    _, unit = _words(row)
    fraction = kpi in FRACTION_KPIS
    before = _fmt(kpi, _number(row["baseline_mean"])) + ("%" if fraction else "")
    after = _fmt(kpi, _number(row["policy_mean"])) + ("%" if fraction else unit)
    lo, hi = _number(row["diff_lo"]), _number(row["diff_hi"])
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{before} → {after}"
    scale = " points" if fraction else unit
    return (f"{before} → {after} (95% CI of the difference {_fmt(kpi, lo, True)} to "
            f"{_fmt(kpi, hi, True)}{scale})")


def change_sentence(row: dict) -> str:
    """``MICU time at staffed capacity 27% → 7% (95% CI of the difference −23 to −17 points)``."""
    label, _ = _words(row)
    verdict = "" if significant(row) or not math.isfinite(_number(row["diff_lo"])) \
        else ": no clear change"
    name = "The hospital's" if row["scope"] == "hospital" and row["name"] == "main" else row["name"]
    return f"{name} {label} {movement(row)}{verdict}."


def changed_capacity(rows: _Rows) -> list[str]:
    """Units whose physical or staffed beds differ between the two runs."""
    return [u for u in rows.names("unit")
            if abs(rows.diff("unit", u, "mean_physical_beds")) > 0.05
            or abs(rows.diff("unit", u, "mean_staffed_beds")) > 0.05]


def _relative_size(row: dict) -> float:
    base = abs(_number(row["baseline_mean"]))
    change = abs(_number(row["diff_mean"]))
    return change / base if base > 1e-9 else change


def headline_changes(rows: _Rows, focus: list[str], limit: int) -> list[str]:
    """The focus units' time at capacity, then the largest significant changes."""
    chosen = [rows.get("unit", u, "p_full") for u in focus]
    chosen = [r for r in chosen if r is not None]
    others = [r for r in rows.by_key.values() if r["kpi"] in HEADLINE_KPIS
              and significant(r) and r not in chosen]
    others.sort(key=_relative_size, reverse=True)
    picked = (chosen + others)[:max(limit, len(chosen))]
    return [change_sentence(r) for r in picked]


def _over_ratio(rows: _Rows, unit: str) -> str:
    """``; hours over the staff ratio rose 27 → 75 h`` when they rose beyond chance."""
    over = rows.get("unit", unit, "over_ratio_h")
    if not (significant(over) and _number(over["diff_mean"]) > 0):
        return ""
    return (f"; hours over the staff ratio rose {_fmt('over_ratio_h', _number(over['baseline_mean']))}"
            f" → {_fmt('over_ratio_h', _number(over['policy_mean']))} h")


def _staffing(rows: _Rows, unit: str) -> str | None:
    """New beds without their staff, staffed beds lost, or staff stretched over the ratio."""
    added = rows.diff("unit", unit, "mean_physical_beds")
    staffed = rows.diff("unit", unit, "mean_staffed_beds")
    over = _over_ratio(rows, unit)
    if added > 0.5 and staffed < 0.9 * added:
        how = "not staffed" if staffed < 0.1 * added else "only partly staffed"
        return (f"The new beds in {unit} were {how}: physical beds rose by {_fmt('', added)}, "
                f"staffed beds by {_fmt('', max(staffed, 0.0))} (a bed admits only with its staff "
                f"on shift){over}.")
    if staffed < -0.05 and abs(added) < 0.05:
        row = rows.get("unit", unit, "mean_staffed_beds")
        return (f"{unit} kept its beds but lost staffed ones, "
                f"{_fmt('', _number(row['baseline_mean']))} → {_fmt('', _number(row['policy_mean']))}"
                f" on average: its staff were spread over more beds{over}.")
    if over:
        return f"Staff were stretched in {unit}{over}."
    return None


def _blocked_exit(rows: _Rows, unit: str) -> str | None:
    board = rows.get("unit", unit, "boarding_h_per_day")
    if not (significant(board) and _number(board["diff_mean"]) > 0):
        return None
    return (f"Patients ready to leave {unit} waited longer for a bed downstream: boarding in "
            f"{unit} rose {_fmt('boarding_h_per_day', _number(board['baseline_mean']))} → "
            f"{_fmt('boarding_h_per_day', _number(board['policy_mean']))} h/day.")


def _demand_bound(rows: _Rows, unit: str) -> str | None:
    full = rows.get("unit", unit, "p_full")
    if full is None:
        return None
    before, after = _number(full["baseline_mean"]), _number(full["policy_mean"])
    if before < RARELY_FULL:
        return (f"{unit} was at staffed capacity only {_fmt('p_full', before)}% of the time "
                "before, so more capacity there had little to relieve.")
    if after > MOSTLY_FULL:
        return (f"{unit} is still at staffed capacity {_fmt('p_full', after)}% of the time: "
                "demand still exceeds its capacity.")
    return None


def _moved_pressure(rows: _Rows, focus: list[str]) -> list[str]:
    out = []
    for scope in ("unit", "equipment"):
        for name in rows.names(scope):
            if name in focus:
                continue
            for kpi in ("p_full", "unmet_fraction", "mean_wait_h"):
                row = rows.get(scope, name, kpi)
                if significant(row) and _number(row["diff_mean"]) > 0:
                    label, _ = _words(row)
                    out.append(f"The pressure moved to {name}: its {label} rose "
                               f"{movement(row)}.")
                    break
    return out


def limiting_factors(rows: _Rows, focus: list[str], limit: int) -> list[str]:
    """What held the change back, from the KPIs alone (see the module doc)."""
    found = []
    for unit in focus:
        found += [s for s in (_staffing(rows, unit), _blocked_exit(rows, unit),
                              _demand_bound(rows, unit)) if s]
    found += _moved_pressure(rows, focus)
    return found[:limit]


def explain(rows: list[dict], policy: str | None = None, focus: list[str] | None = None,
            limit: int = 6) -> Explanation:
    """The sentences that say what a policy changed and what limited the change.

    Parameters
    ----------
    rows : list of dict
        Comparison rows (the columns of ``comparison.csv``), of one or several policies.
    policy : str, optional
        The policy to explain (default: the first in ``rows``).
    focus : list of str, optional
        Units to speak of first (default: those whose physical or staffed beds changed, else
        those whose time at capacity changed most).
    limit : int
        At most this many sentences of each kind (beyond the focus units' own).

    Returns
    -------
    Explanation
        ``changes`` and ``limits`` as lists of sentences.
    """
    if not rows:
        return Explanation(policy or "", ["The comparison has no rows."])
    name = policy if policy is not None else rows[0]["policy"]
    mine = _Rows([r for r in rows if r["policy"] == name])
    focus = focus if focus is not None else changed_capacity(mine) or _most_changed(mine)
    changes = headline_changes(mine, focus, limit)
    if not changes:
        changes = ["No KPI changed beyond its 95% confidence interval."]
    return Explanation(name, changes, limiting_factors(mine, focus, limit))


def _most_changed(rows: _Rows, top: int = 2) -> list[str]:
    moved = [r for r in rows.by_key.values() if r["scope"] == "unit" and r["kpi"] == "p_full"
             and significant(r)]
    moved.sort(key=lambda r: abs(_number(r["diff_mean"])), reverse=True)
    return [r["name"] for r in moved[:top]]

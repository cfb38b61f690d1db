"""What changed since the last report: each result against an earlier one of its kind.

``hospitaltwin report … --previous DIR…`` names the result directories of the last report
(yesterday's forecast, last week's surge plan). Each current result is matched with the
earlier result of the same kind (and scenario, when several): a forecast's probability of
reaching capacity in its window is compared per resource and called changed only where the
difference exceeds its 95% sampling noise (two binomial proportions over the two forecasts'
replications); a surge plan is compared option by option (beds and days open). Other kinds
are not compared. Without ``--previous`` page 1 says that no earlier report was given.
"""

from __future__ import annotations

import math

from hospitaltwin.report.board import Finding
from hospitaltwin.report.clock import when_text
from hospitaltwin.report.forecast_pages import ranked
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import pct, plural
from hospitaltwin.report.words import listing

Z95 = 1.96


def match(result: Result, earlier: list[Result]) -> Result | None:
    """The earlier result of ``result``'s kind, of the same scenario when there is one."""
    same = [e for e in earlier if e.kind == result.kind]
    return next((e for e in same if e.name == result.name), same[0] if same else None)


def _replications(result: Result) -> int:
    return int(result.summary.get("replications") or result.manifest.get("replications") or 0)


def significant(p1: float, n1: int, p2: float, n2: int) -> bool:
    """Whether two shares differ by more than their 95% sampling noise."""
    if n1 <= 0 or n2 <= 0:
        return False
    noise = Z95 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return abs(p2 - p1) > max(noise, 1.0 / min(n1, n2))


def forecast_changes(now: Result, before: Result) -> list[str]:
    """Resources whose risk in the window rose or fell beyond sampling noise."""
    old = {(r, k): p for p, r, k in ranked(before) if math.isfinite(p)}
    n1, n2 = _replications(before), _replications(now)
    moved = [(p, r, k, old[(r, k)]) for p, r, k in ranked(now) if (r, k) in old and math.isfinite(p)
             and significant(old[(r, k)], n1, p, n2)]
    then = when_text(before.summary.get("as_of"), before.timezone)
    same = before.summary.get("as_of") == now.summary.get("as_of")
    since = f"The last report's forecast is from the same moment ({then})" if same else f"Since the forecast as of {then}"
    if not moved:
        return [f"{since}, no unit's risk has changed beyond sampling noise."]
    parts = [f"{r} {'rose' if p > q else 'fell'} from {pct(q)} to {pct(p)}" for p, r, _, q in moved]
    return [f"{since}: the risk of filling up {listing(parts)}; the other risks are unchanged within sampling "
            "noise."]


def _plan(result: Result) -> dict[str, tuple[int, int]]:
    """Per option: bed-days and days open."""
    plan = result.tables["plan"]
    out = {}
    for option, rows in plan.groupby("option", sort=False):
        out[str(option)] = (int(rows["beds"].sum()), int((rows["beds"] > 0).sum()))
    return out


def surge_changes(now: Result, before: Result) -> list[str]:
    """Options whose beds or days open changed."""
    old, new = _plan(before), _plan(now)
    parts = []
    for option in dict.fromkeys(list(new) + list(old)):
        a, b = old.get(option, (0, 0)), new.get(option, (0, 0))
        if a != b:
            parts.append(f"{option} {_open_text(b)} (was {_open_text(a)})")
    if not parts:
        return ["The recommended surge plan is the same as in the last report."]
    return [f"The recommended surge plan changed: {listing(parts)}."]


def _open_text(value: tuple[int, int]) -> str:
    bed_days, days = value
    return "closed" if bed_days == 0 else f"{plural(bed_days, 'bed-day')} over {plural(days, 'day')}"


COMPARED = {"forecast": forecast_changes, "surge": surge_changes}


def changes(results: list[Result], earlier: list[Result], given: bool) -> list[Finding]:
    """Page 1's "What changed since the last report"."""
    if not given:
        return [Finding("changes", "No earlier report was given to compare with (report --previous DIR).", note=True)]
    out = []
    for result in results:
        before = match(result, earlier)
        if before is not None and result.kind in COMPARED:
            out += [Finding("changes", text) for text in COMPARED[result.kind](result, before)]
    if not out:
        kinds = listing(sorted({r.kind for r in earlier}))
        out.append(Finding("changes", f"The earlier results ({kinds}) have no counterpart here that can be "
                                      "compared (forecasts and surge plans are)."))
    return out

"""A run (a what-if) on page 1: what the simulated hospital shows, in a few sentences.

Over which dates and how many replications; the units most often at their staffed capacity;
the worst boarding; diversions and unmet equipment where there are any. Each figure carries
its 95% confidence interval over replications; the detail pages give every unit.
"""

from __future__ import annotations

from datetime import timedelta

from hospitaltwin.report.board import Finding
from hospitaltwin.report.clock import parse_origin, span_text
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import ci_words, mean, num, pct
from hospitaltwin.report.run_pages import period
from hospitaltwin.report.words import listing, unit_name

TOP = 3


def _top(scope: dict, kpi: str, floor: float = 0.0) -> list[tuple[str, dict]]:
    found = [(name, kpis[kpi]) for name, kpis in scope.items() if mean(kpis.get(kpi)) > floor]
    return sorted(found, key=lambda item: -mean(item[1]))[:TOP]


def _dates(result: Result) -> str:
    s = result.summary
    if not result.manifest.get("origin"):
        return ""
    origin = parse_origin(result.manifest["origin"], "manifest.json")
    start = origin + timedelta(hours=float(s.get("warmup_h") or 0))
    end = origin + timedelta(hours=float(s.get("horizon_h") or 0))
    return f", {span_text(start, end)}"


def answer(result: Result) -> list[Finding]:
    """Page 1's "What the simulation shows" for a run."""
    s, layout = result.summary, result.layout
    units, out = s.get("units", {}), []
    full = _top(units, "p_full", 0.01)
    lead = f"In the simulated hospital ({period(result)}{_dates(result)})"
    if full:
        parts = [f"{unit_name(layout, u)} {pct(e['mean'])}{ci_words(e, True)}" for u, e in full]
        out.append(f"{lead}, the units most often full are {listing(parts)} of the time.")
    else:
        out.append(f"{lead}, no unit is at its staffed capacity more than 1% of the time.")
    for u, e in _top(units, "boarding_h_per_day")[:1]:
        out.append(f"Patients ready to leave {unit_name(layout, u)} hold its beds {num(e['mean'])} hours a day"
                   f"{ci_words(e)} while they wait for a bed elsewhere (boarding).")
    for u, e in _top(units, "diverted_fraction")[:2]:
        out.append(f"{pct(e['mean'])} of bed requests for {unit_name(layout, u)} are diverted{ci_words(e, True)}.")
    for pool, kpis in (s.get("equipment") or {}).items():
        if mean(kpis.get("unmet_fraction")) > 0:
            e = kpis["unmet_fraction"]
            out.append(f"{pct(e['mean'])} of {pool} episodes find no free device{ci_words(e, True)}.")
    return [Finding("simulation", text) for text in out]

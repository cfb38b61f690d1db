"""A forecast on page 1: the risks of the coming days in words a board reads.

Who is in now (the units most at risk, patients against staffed beds at the as-of time), which
units will likely fill their staffed beds in the window (7 days, or the horizon when shorter),
on which day most of all (whole days, or part days named as such), what else is likely, and
whether the devices will run out. Probabilities are shares of replications; how precise they
are with the forecast's replications is said under "How far to trust this".
"""

from __future__ import annotations

import math

import numpy as np

from hospitaltwin.report import demand_pages
from hospitaltwin.report.board import Finding
from hospitaltwin.report.clock import when_text
from hospitaltwin.report.forecast_days import forecast_days
from hospitaltwin.report.forecast_pages import key_units, ranked, series, window_h
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import hours_text, pct, whole
from hospitaltwin.report.words import listing, unit_name

LIKELY, TOP, NAMED, NAMED_POOLS = 0.5, 3, 8, 3


def likelihood(p: float) -> str:
    """``almost certain`` / ``very likely`` / ``likely`` / ``as likely as not`` / ``may`` / ``unlikely``."""
    for floor, word in ((0.99, "almost certain"), (0.9, "very likely"), (0.6, "likely"), (0.4, "as likely as not"),
                        (0.1, "may")):
        if p >= floor:
            return word
    return "unlikely"


def chance(p: float) -> str:
    """A probability for a sentence: ``>99%`` just short of certain, ``<1%`` just above nothing."""
    if 0.995 <= p < 1:
        return ">99%"
    if 0 < p < 0.005:
        return "<1%"
    return pct(p)


def _span(result: Result) -> str:
    window = window_h(result)
    return "in the next 7 days" if window == 168 else f"in the next {hours_text(window)}"


def riskiest_day(result: Result, resource: str, kind: str) -> tuple[str, float] | None:
    """The shown day on which ``resource`` most likely reaches capacity, and that probability."""
    daily = result.tables["daily"]
    days = {d.date: d for d in forecast_days(result)}
    rows = daily[(daily["resource"] == resource) & (daily["kind"] == kind) & daily["date"].isin(list(days))]
    if rows.empty or rows["p_full_any"].max() <= 0:
        return None
    top = rows.loc[rows["p_full_any"].idxmax()]
    return days[top["date"]].label, float(top["p_full_any"])


def now_sentence(result: Result) -> str | None:
    """Patients against staffed beds now, in the units most at risk."""
    data, units = series(result), key_units(result)
    parts = []
    for unit in units:
        s = data.get((unit, "staffed_beds")) or data.get((unit, "beds"))
        if s is not None:
            parts.append(f"{unit_name(result.layout, unit)} {whole(s.mean[0])} of {whole(s.capacity[0])}")
    if not parts:
        return None
    when = when_text(result.summary.get("as_of"), result.timezone, year=False)
    return f"Now ({when}), patients in staffed beds: " + ", ".join(parts) + "."


def unit_sentence(result: Result, p: float, resource: str, kind: str) -> str:
    """``Med-surg 3 West (MS_3W) is very likely to fill its staffed beds in the next 7 days (99%)…``"""
    what = "fill its staffed beds" if kind == "staffed_beds" else "fill every bed"
    text = (f"{unit_name(result.layout, resource)} ({resource}) is {likelihood(p)} to {what} {_span(result)} "
            f"({chance(p)})")
    day = riskiest_day(result, resource, kind)
    return text + (f", most of all on {day[0]} ({chance(day[1])})." if day else ".")


def equipment_sentence(result: Result, p: float, pool: str) -> str:
    """Whether every device of ``pool`` will be in use at once."""
    data = series(result).get((pool, "equipment"))
    every = f"all {whole(data.capacity[0])}" if data is not None else "every device"
    if p <= 0:
        return f"Devices ({pool}): no shortage expected ({every} in use at once in none of the simulated futures)."
    return f"Devices ({pool}): {every} in use at once at some point {_span(result)}: {chance(p)}."


def answer(result: Result) -> list[Finding]:
    """The forecast's sentences for page 1, under "Risks in the coming days"."""
    found = [t for t in ranked(result) if math.isfinite(t[0])]
    units = [t for t in found if t[2] != "equipment"]
    out = [Finding("risks", text) for text in [now_sentence(result)] if text]
    top = [t for t in units if t[0] >= LIKELY][:TOP]
    out += [Finding("risks", unit_sentence(result, *t)) for t in top]
    rest = [t for t in units if t[0] >= LIKELY and t not in top]
    if rest:
        names = [f"{r} {chance(p)}" for p, r, _ in rest[:NAMED]]
        more = [f"{len(rest) - NAMED} more units"] if len(rest) > NAMED else []
        out.append(Finding("risks", f"Also likely to fill {_span(result)}: {listing(names + more)}."))
    low = [r for p, r, _ in units if p < LIKELY]
    if low and top:
        named = listing(low) if len(low) <= NAMED else f"the other {len(low)} units"
        out.append(Finding("risks", f"Less likely (under 50%): {named}."))
    if not top:
        best = units[0] if units else None
        out.append(Finding("risks", f"No unit is likely to fill {_span(result)}"
                           + (f"; the highest risk is {best[1]} at {chance(best[0])}." if best else ".")))
    return out + equipment_findings(result, [t for t in found if t[2] == "equipment"]) \
        + [Finding("warnings", text) for text in demand_pages.warning_sentences(result.summary)] \
        + [Finding("trust", text) for text in demand_pages.trust_sentences(result.summary)] \
        + [Finding("trust", precision_sentence(result))]


def equipment_findings(result: Result, pools: list[tuple[float, str, str]]) -> list[Finding]:
    """Each pool at risk (the three most at risk of many), and how many are not."""
    at_risk = [t for t in pools if t[0] > 0]
    out = [Finding("risks", equipment_sentence(result, p, r)) for p, r, _ in at_risk[:NAMED_POOLS]]
    if len(at_risk) > NAMED_POOLS:
        out.append(Finding("risks", f"{len(at_risk) - NAMED_POOLS} more device pools may have every device in use "
                                    f"{_span(result)}, each with a lower chance."))
    safe = [r for p, r, _ in pools if p <= 0]
    if len(safe) == 1 and len(pools) == 1:
        out.append(Finding("risks", equipment_sentence(result, 0.0, safe[0])))
    elif safe:
        out.append(Finding("risks", f"No device shortage is expected in {listing(safe) if len(safe) <= 3 else f'the other {len(safe)} device pools'} "
                                    "(all in use at once in none of the simulated futures)."))
    return out


def precision_sentence(result: Result) -> str:
    """How precise the forecast's probabilities are with its replications (95%, at 50%)."""
    reps = result.summary.get("replications") or result.manifest.get("replications")
    if not reps:
        return "The forecast does not record its replications."
    half = 1.96 * np.sqrt(0.25 / float(reps))
    return (f"Forecast probabilities come from {whole(reps)} simulated futures: each is within about "
            f"±{100 * half:.0f} percentage points (95%).")

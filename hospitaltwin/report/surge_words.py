"""A surge plan in operational words: which beds open on which days, at what cost, what it spares.

Shared by page 1 (:mod:`~hospitaltwin.report.surge_answer`) and the plan's own pages
(:mod:`~hospitaltwin.report.surge_pages`). A plan's day is 24 hours from its start, named by the
date most of it falls on; beds are runs of days with equal counts (``1 bed on Tue 8 Jul; 2 beds
from Wed 9 Jul to Sat 12 Jul``); costs are in the options file's currency against its budget;
the SAA gap is said plainly when it is not small.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import money, num, pct, plural
from hospitaltwin.report.plan_pages import number
from hospitaltwin.report.words import listing, unit_name

PLAN, BASELINE = "the surge plan", "no surge beds"


def plan_origin(result: Result) -> datetime | None:
    """The plan's first day: the scenario's calendar origin plus the plan's start, if known."""
    run = result.scenario.get("run") if isinstance(result.scenario.get("run"), dict) else {}
    text = result.manifest.get("origin") or run.get("origin")
    try:
        origin = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    plan = result.manifest.get("plan") if isinstance(result.manifest.get("plan"), dict) else {}
    start = number(plan, "start") or 0.0
    return origin + timedelta(hours=start) if origin else None


def day_label(result: Result, day: float, short: bool = False) -> str:
    """``day 2 (Tue 8 Jul)`` or ``Tue 8 Jul``; ``day 2`` when the calendar is unknown.

    A plan's day is 24 hours from its start, which need not be midnight (a plan from the
    synced state starts at the state's time); it is named by the date its middle falls on.
    """
    origin = plan_origin(result)
    if origin is None:
        return f"day {day:.0f}"
    date = origin + timedelta(days=day - 1, hours=12)  # the date most of the plan's day falls on
    text = f"{date:%a} {date.day} {date:%b}"
    return text if short else f"day {day:.0f} ({text})"


def _runs(beds: list[int]) -> list[tuple[int, int, int]]:
    """``(first day, last day, beds)`` runs of equal non-zero bed counts (days 1-based)."""
    out, start = [], 0
    for d in range(1, len(beds) + 1):
        if d == len(beds) or beds[d] != beds[start]:
            if beds[start] > 0:
                out.append((start + 1, d, beds[start]))
            start = d
    return out


def bed_runs(result: Result, beds: list[int]) -> str:
    """``1 bed on Tue 8 Jul; 2 beds from Wed 9 Jul to Sat 12 Jul``."""
    return "; ".join(f"{plural(b, 'bed')} {_days(result, f, t)}" for f, t, b in _runs(beds))


def _days(result: Result, first: int, last: int) -> str:
    if first == last:
        return f"on {day_label(result, first, short=True)}"
    return f"from {day_label(result, first, short=True)} to {day_label(result, last, short=True)}"


def _option_name(result: Result, option: str) -> str:
    options = result.manifest.get("options") if isinstance(result.manifest.get("options"), dict) else {}
    spec = (options.get("options") or {}).get(option) or {}
    return f"{option} ({spec['description']})" if spec.get("description") else option


def opens_beds(result: Result) -> bool:
    """Whether the plan opens any surge bed at all."""
    return bool((result.tables["plan"]["beds"] > 0).any())


def plan_words(result: Result) -> list[str]:
    """Each option opened, as runs of days with their beds and nurses; the options kept closed."""
    plan, out, closed = result.tables["plan"], [], []
    for option, rows in plan.groupby("option", sort=False):
        rows = rows.sort_values("day", kind="stable")
        beds = [int(b) for b in rows["beds"]]
        if not any(beds):
            closed.append(str(option))
            continue
        runs = bed_runs(result, beds)
        nurses = int(rows["nurses_per_shift"].max())
        staff = f", needing up to {plural(nurses, 'surge nurse')} per shift" if nurses else ""
        unit = str(rows["unit"].iloc[0])
        out.append(f"Open {_option_name(result, str(option))} for {unit_name(result.layout, unit)}: {runs}{staff}.")
    if closed and out:
        out.append(f"Keep {listing(closed)} closed.")
    return out


def _unmet(result: Result) -> dict[str, tuple[float, float]]:
    unmet = result.solve.get("unmet_patient_days")
    pairs = {u: (number(v, "no_plan"), number(v, "plan")) for u, v in (unmet or {}).items() if isinstance(v, dict)}
    return {u: p for u, p in pairs.items() if None not in p}


def no_plan_words(result: Result) -> str:
    """Why no beds open, and what the best plan that opens beds would cost and buy."""
    pairs = _unmet(result)
    before = sum(p[0] for p in pairs.values())
    days = f" over the {result.solve['days']} days" if result.solve.get("days") else ""
    text = ("Open no surge beds: at the options' costs none pays for itself in the demand the twin expects "
            f"(expected {num(before)} patient-days without a bed{days}).")
    other = result.solve.get("alternative") if isinstance(result.solve.get("alternative"), dict) else None
    if not other:
        return text
    opened = [f"{option}: {bed_runs(result, beds)}" for option, beds in (other.get("beds") or {}).items()
              if any(beds)]
    cost = sum(v for v in (other.get("cost") or {}).values() if isinstance(v, (int, float)))
    after = sum(v for v in (other.get("unmet_patient_days") or {}).values() if isinstance(v, (int, float)))
    extra = number(other, "extra_expected_cost")
    dearer = f", an expected {money(extra)} more in all" if extra is not None else ""
    saa = result.solve.get("saa") if isinstance(result.solve.get("saa"), dict) else {}
    if extra is not None and number(saa, "gap_upper") is not None and extra <= number(saa, "gap_upper"):
        dearer += " — within the plan's sampling gap, so in cost the two are a tie and the choice may rest on other grounds"
    return (text + f" The best plan that opens beds ({'; '.join(opened)}) would cost {money(cost)} and cut that to "
            f"{num(after)} patient-days{dearer}.")


def cost_words(result: Result) -> str | None:
    """What the plan costs against its budget, and the patient-days it spares (in sample)."""
    cost = result.solve.get("cost") if isinstance(result.solve.get("cost"), dict) else {}
    parts = {k: number(cost, k) for k in cost if number(cost, k)}
    if not parts:
        return None
    options = result.manifest.get("options") if isinstance(result.manifest.get("options"), dict) else {}
    budget = number(options, "budget")
    total = sum(parts.values())
    against = f" of the {money(budget)} budget" if budget else ""
    detail = ", ".join(f"{k.replace('_', '-')} {money(v)}" for k, v in parts.items())
    pairs = _unmet(result)
    spared = ""
    if pairs:
        before, after = sum(p[0] for p in pairs.values()), sum(p[1] for p in pairs.values())
        spared = (f"; over the demand it was made on it cuts the expected patient-days without a bed from "
                  f"{num(before)} to {num(after)}")
    return f"It costs {money(total)}{against} ({detail}){spared}."


def saa_note(result: Result) -> str | None:
    """The SAA gap in words: small, or not, and how settled the choice between plans is."""
    saa = result.solve.get("saa") if isinstance(result.solve.get("saa"), dict) else None
    if not saa:
        return None
    share, bound = number(saa, "gap_upper_relative"), number(saa, "gap_upper")
    if share is None or bound is None:
        return None
    batches, size, same = saa.get("batches"), saa.get("batch_paths"), saa.get("same_plan_batches")
    tried = saa.get("paths_tried") or []
    grown = (f"; the paths were doubled from {tried[0]} to {tried[-1]} to reach it" if len(tried) > 1 and saa.get("small")
             else "")
    text = (f"Sampling: on {batches} batches of {size} fresh demand paths, the plan costs at most {pct(share)} "
            f"({money(bound)}) more than the best plan for the demand the twin expects (95% upper bound)")
    if saa.get("small"):
        return text + f": small (target {pct(saa.get('target_relative') or 0)}){grown}."
    return (text + f". That is not small: in {same} of {batches} batches another plan was best, so plans this close "
            "in cost may swap with other demand paths; more paths (--paths, --max-paths) would settle it.")

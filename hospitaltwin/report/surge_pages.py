"""Pages of a surge plan: which surge beds open when, what they cost and what they spare.

``optimize surge`` writes ``plan.csv`` (per option and plan day: the unit it serves, the beds
open and the nurses per shift they need), ``solve.json`` (the MIP's status and gap, the cost
by part, expected unmet patient-days per unit with and without the plan, over the demand
paths it was optimised on) and ``evaluation/``, the plan tested in the engine against the
hospital without surge beds. The pages: the plan in words, a bar chart of beds open per
option by day (dated from the scenario's calendar origin when it has one), the plan as a
table, then the out-of-sample test.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from hospitaltwin.report.charts import Page, single_page
from hospitaltwin.report.load import Result
from hospitaltwin.report.plan_pages import evaluation_pages, evaluation_sentences, number, solve_phrase
from hospitaltwin.report.style import CYCLE, empty_panel
from hospitaltwin.report.text import Para, Table, text_pages
from hospitaltwin.report.words import num

PLAN, BASELINE = "the surge plan", "no surge beds"


def _origin(result: Result) -> datetime | None:
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
    origin = _origin(result)
    if origin is None:
        return f"day {day:.0f}"
    date = origin + timedelta(days=day - 1, hours=12)  # the date most of the plan's day falls on
    text = f"{date:%a} {date.day} {date:%b}"
    return text if short else f"day {day:.0f} ({text})"


def _serves(plan: pd.DataFrame) -> dict[str, str]:
    return dict(zip(plan["option"], plan["unit"]))


def _options(plan: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(plan["option"]))


def intro(result: Result) -> str:
    """Options, days and the demand paths the plan was optimised on."""
    plan, solve = result.tables["plan"], result.solve
    options = result.manifest.get("options") if isinstance(result.manifest.get("options"), dict) else {}
    name = f" '{options['name']}'" if options.get("name") else ""
    paths = f", optimised on {solve['paths']} demand paths" if solve.get("paths") else ""
    start = f" from {day_label(result, 1, short=True)}" if _origin(result) else ""
    return (f"Surge options{name}: {plan['option'].nunique()} options over {plan['day'].nunique()} days{start}"
            f"{paths} ({solve.get('solver', 'MIP solver')}).")


def plan_sentences(result: Result) -> list[str]:
    """Each opened option in words, then the options that stay closed."""
    plan = result.tables["plan"]
    out, closed = [], []
    for option in _options(plan):
        rows = plan[plan["option"] == option].sort_values("day", kind="stable")
        open_rows = rows[rows["beds"] > 0]
        if open_rows.empty:
            closed.append(option)
            continue
        first, most = open_rows.iloc[0], rows.loc[rows["beds"].idxmax()]
        growth = (f", up to {num(most['beds'])} on {day_label(result, most['day'])}"
                  if most["beds"] > first["beds"] else "")
        nurses = float(rows["nurses_per_shift"].max())
        staff = f"; at most {num(nurses)} nurse{'s' if nurses != 1 else ''} per shift" if nurses > 0 else ""
        out.append(f"{option} (for {first['unit']}) opens {num(first['beds'])} bed{'s' if first['beds'] != 1 else ''} "
                   f"from {day_label(result, first['day'])}{growth}{staff}.")
    if closed:
        names = closed[0] if len(closed) == 1 else f"{', '.join(closed[:-1])} and {closed[-1]}"
        out.append(f"{names} stay{'s' if len(closed) == 1 else ''} closed.")
    if len(closed) == len(_options(plan)):
        out[-1] = "The plan opens no surge beds: " + out[-1]
    return out


def cost_sentences(result: Result) -> list[str]:
    """Cost by part (against the budget) and expected unmet patient-days with and without the plan."""
    solve, out = result.solve, []
    cost = solve.get("cost") if isinstance(solve.get("cost"), dict) else {}
    parts = {k: number(cost, k) for k in cost if number(cost, k) is not None}
    if parts:
        options = result.manifest.get("options") if isinstance(result.manifest.get("options"), dict) else {}
        budget = number(options, "budget")
        detail = ", ".join(f"{k.replace('_', '-')} {num(v)}" for k, v in parts.items())
        out.append(f"Cost {num(sum(parts.values()))} ({detail})" + (f", budget {num(budget)}." if budget else "."))
    unmet = solve.get("unmet_patient_days") if isinstance(solve.get("unmet_patient_days"), dict) else {}
    pairs = {u: (number(v, "no_plan"), number(v, "plan")) for u, v in unmet.items() if isinstance(v, dict)}
    pairs = {u: p for u, p in pairs.items() if None not in p}
    if pairs:
        before, after = sum(p[0] for p in pairs.values()), sum(p[1] for p in pairs.values())
        changed = [f"{u} {num(b)} → {num(a)}" for u, (b, a) in pairs.items() if abs(b - a) > 1e-9]
        days = f" over the {solve['days']} days" if solve.get("days") else ""
        out.append(f"Expected unmet patient-days{days}: {num(before)} without the plan, {num(after)} with it"
                   + (f" ({'; '.join(changed)})." if changed else " (no unit changes)."))
    return out


def sentences(result: Result) -> list[str]:
    """The plan, its cost and what it spares, the solve, the out-of-sample test."""
    solver = result.solve.get("solver") or "The solver"
    solve = [f"{solver} {solve_phrase(result.solve)}."] if result.solve else []
    return (plan_sentences(result) + cost_sentences(result) + solve
            + evaluation_sentences(result, PLAN, BASELINE))


def beds_page(result: Result) -> Page:
    """Beds open per option (bars side by side) on each plan day."""
    plan = result.tables["plan"]
    options, serves = _options(plan), _serves(plan)
    days = sorted(plan["day"].unique())
    beds = plan.pivot_table(index="day", columns="option", values="beds", aggfunc="sum").reindex(
        index=days, columns=options).fillna(0)

    def draw(fig, grid):
        ax = fig.add_axes((grid["left"], grid["bottom"], grid["right"] - grid["left"], grid["top"] - grid["bottom"]))
        if not beds.to_numpy().any():
            empty_panel(ax, f"The plan opens no surge beds: {', '.join(options)} stay closed throughout.")
            return
        x, width = np.arange(len(days)), 0.8 / len(options)
        for k, option in enumerate(options):
            values = beds[option].to_numpy()
            label = f"{option} → {serves[option]}" + ("" if values.any() else " (stays closed)")
            bars = ax.bar(x - 0.4 + (k + 0.5) * width, values, width * 0.92, color=CYCLE[k % len(CYCLE)], label=label)
            if len(days) * len(options) <= 60:
                ax.bar_label(bars, labels=[num(v) if v else "" for v in values], fontsize=8, padding=2)
        step = max(1, int(np.ceil(len(days) / 16)))
        ax.set_xticks(x[::step], labels=[day_label(result, d, short=True) if _origin(result) else f"day {d:.0f}"
                                         for d in days[::step]])
        ax.set_xlim(-0.6, len(days) - 0.4)
        ax.set_ylim(0, max(1.0, float(beds.to_numpy().max())) * 1.15)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("surge beds open")
        ax.set_title("Surge beds open per option (→ the unit it serves) by day", loc="left")
        ax.legend(loc="upper left", ncol=min(len(options), 4), fontsize=8.5)

    first = f"; day 1 is {day_label(result, 1, short=True)}" if _origin(result) else ""
    return single_page("Surge plan: beds open by day", result.label, "surge-beds", draw,
                       f"Bars: beds open in each surge option on each plan day{first}.")


def table_pages(result: Result) -> list[Page]:
    """Every open option's beds and nurses per shift by day; closed options named below."""
    plan = result.tables["plan"]
    opened = [o for o in _options(plan) if (plan.loc[plan["option"] == o, "beds"] > 0).any()]
    closed = [o for o in _options(plan) if o not in opened]
    shown = plan[plan["option"].isin(opened)]
    rows = tuple((o, u, day_label(result, d), str(f), num(b), num(n)) for o, u, d, f, b, n in
                 zip(shown["option"], shown["unit"], shown["day"], shown["from"], shown["beds"],
                     shown["nurses_per_shift"]))
    caption = ("from: time after the plan's start. " + (f"Closed throughout: {', '.join(closed)}." if closed else ""))
    blocks = [Para(intro(result), muted=True)]
    if rows:
        blocks.append(Table(("option", "serves", "day", "from", "beds", "nurses per shift"), rows, "lllrrr",
                            caption.strip()))
    else:
        blocks.append(Para("The plan opens no surge beds."))
    return [Page(f, "surge-plan", chart=False) for f in text_pages("Surge plan: beds and nurses", result.label, blocks)]


def pages(result: Result) -> list[Page]:
    """Every page of a surge plan after the executive summary, its out-of-sample test last."""
    return [beds_page(result)] + table_pages(result) + evaluation_pages(result, PLAN, BASELINE)

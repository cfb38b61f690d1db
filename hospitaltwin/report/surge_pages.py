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

import numpy as np
import pandas as pd

from hospitaltwin.report.charts import Page, single_page
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import whole
from hospitaltwin.report.plan_pages import (
    evaluation_key_pages,
    evaluation_pages,
    evaluation_sentences,
    solver_note,
    tested_sentence,
)
from hospitaltwin.report.style import CYCLE, empty_panel
from hospitaltwin.report.surge_words import (
    BASELINE,
    PLAN,
    cost_words,
    day_label,
    no_plan_words,
    opens_beds,
    plan_origin,
    plan_words,
    saa_note,
)
from hospitaltwin.report.text import Bullets, Para, Table, text_pages

__all__ = ["BASELINE", "PLAN", "day_label", "key_pages", "pages"]


def _serves(plan: pd.DataFrame) -> dict[str, str]:
    return dict(zip(plan["option"], plan["unit"]))


def _options(plan: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(plan["option"]))


def intro(result: Result) -> str:
    """Options, days and the demand paths the plan was made on."""
    plan, solve = result.tables["plan"], result.solve
    options = result.manifest.get("options") if isinstance(result.manifest.get("options"), dict) else {}
    name = f" '{options['name']}'" if options.get("name") else ""
    paths = f", made on {solve['paths']} demand paths from the twin" if solve.get("paths") else ""
    start = f" from {day_label(result, 1, short=True)}" if plan_origin(result) else ""
    return f"Surge options{name}: {plan['option'].nunique()} options over {plan['day'].nunique()} days{start}{paths}."


def sentences(result: Result) -> list[str]:
    """The plan in words, its cost, its test, then the solver's and the sampling notes."""
    solve = [solver_note(result.solve, "surge plan") if result.solve else None, saa_note(result)]
    if not opens_beds(result):
        return [no_plan_words(result)] + [t for t in solve if t]
    units = list(dict.fromkeys(result.tables["plan"]["unit"]))
    extra = [cost_words(result), tested_sentence(result, PLAN, BASELINE, units)] + solve
    return plan_words(result) + [t for t in extra if t] + evaluation_sentences(result, PLAN, BASELINE)[1:]


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
        opened = [o for o in options if beds[o].to_numpy().any()]
        x, width = np.arange(len(days)), 0.8 / len(opened)
        for k, option in enumerate(opened):
            values = beds[option].to_numpy()
            bars = ax.bar(x - 0.4 + (k + 0.5) * width, values, width * 0.92, color=CYCLE[k % len(CYCLE)],
                          label=f"{option} → {serves[option]}")
            if len(days) * len(options) <= 60:
                ax.bar_label(bars, labels=[whole(v) if v else "" for v in values], fontsize=8, padding=2)
        step = max(1, int(np.ceil(len(days) / 16)))
        ax.set_xticks(x[::step], labels=[day_label(result, d, short=True) if plan_origin(result) else f"day {d:.0f}"
                                         for d in days[::step]])
        ax.set_xlim(-0.6, len(days) - 0.4)
        ax.set_ylim(0, max(1.0, float(beds.to_numpy().max())) * 1.15)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("surge beds open")
        ax.set_title("Surge beds open per option (→ the unit it serves) by day", loc="left")
        ax.legend(loc="upper left", ncol=min(len(opened), 4), fontsize=8.5)

    first = f"; day 1 is {day_label(result, 1, short=True)}" if plan_origin(result) else ""
    closed = [o for o in options if not beds[o].to_numpy().any()]
    shut = f" Kept closed throughout: {', '.join(closed)}." if closed and len(closed) < len(options) else ""
    return single_page("Surge plan: beds open by day", result.label, "surge-beds", draw,
                       f"Bars: beds open in each surge option opened, on each plan day{first}.{shut}")


def table_pages(result: Result) -> list[Page]:
    """Every open option's beds and nurses per shift by day; closed options named below."""
    plan = result.tables["plan"]
    opened = [o for o in _options(plan) if (plan.loc[plan["option"] == o, "beds"] > 0).any()]
    closed = [o for o in _options(plan) if o not in opened]
    shown = plan[plan["option"].isin(opened)]
    rows = tuple((o, u, day_label(result, d), str(f), whole(b), whole(n)) for o, u, d, f, b, n in
                 zip(shown["option"], shown["unit"], shown["day"], shown["from"], shown["beds"],
                     shown["nurses_per_shift"]))
    caption = ("from: time after the plan's start. " + (f"Closed throughout: {', '.join(closed)}." if closed else ""))
    blocks = [Para(intro(result), muted=True), Bullets(tuple(sentences(result)))]
    if rows:
        blocks.append(Table(("option", "serves", "day", "from", "beds", "nurses per shift"), rows, "lllrrr",
                            caption.strip()))
    else:
        blocks.append(Para("The plan opens no surge beds."))
    return [Page(f, "surge-plan", chart=False) for f in text_pages("Surge plan: beds and nurses", result.label, blocks)]


def key_pages(result: Result) -> list[Page]:
    """The figures page 1 rests on: beds open by day, and what the plan buys in the twin."""
    if not opens_beds(result):
        return []
    return [beds_page(result)] + evaluation_key_pages(result, "Surge plan")


def pages(result: Result) -> list[Page]:
    """The plan's detail: its findings and table, then its out-of-sample test (none for a plan
    that opens nothing: it is the baseline)."""
    return table_pages(result) + (evaluation_pages(result, PLAN, BASELINE) if opens_beds(result) else [])

"""Pages of a roster: who works which shift on which day, and the cover it gives each unit.

``roster.csv`` has one row per assignment: ``staff, day, shift, unit`` (``day`` an ISO date or
a day number). The pages: sentences on the solve (``solve.json``: how close CP-SAT came to the
best possible, the cost parts against the naive roster's), head counts and workload, a table of
heads per unit and shift (mean, least and most over the days), a heat map of heads per unit
and shift by day, a staff-by-day chart coloured by shift (the roster as a planner reads it),
and the out-of-sample test against the naive roster (``evaluation/``) when there is one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from hospitaltwin.report.board import Finding
from hospitaltwin.report.charts import Page, draw_heat, heat_axes, single_page
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import num
from hospitaltwin.report.plan_pages import (
    evaluation_key_pages,
    evaluation_pages,
    evaluation_sentences,
    number,
    solver_note,
    tested_sentence,
)
from hospitaltwin.report.style import CYCLE, PAGE_IN, SHADE
from hospitaltwin.report.text import Bullets, Para, Table, text_pages

STAFF_PER_PAGE = 40
PLAN, BASELINE = "the optimised roster", "the naive roster"


def _days(roster: pd.DataFrame) -> list[str]:
    """Days in calendar or numeric order."""
    days = list(dict.fromkeys(roster["day"]))
    dates = pd.to_datetime(pd.Series(days), errors="coerce", format="ISO8601")
    if dates.notna().all():
        return [d for _, d in sorted(zip(dates, days))]
    numbers = pd.to_numeric(pd.Series(days), errors="coerce")
    if numbers.notna().all():
        return [d for _, d in sorted(zip(numbers, days))]
    return sorted(days)


def heads(result: Result) -> pd.DataFrame:
    """Heads per (unit, shift) and day, zero where nobody is rostered."""
    roster = result.tables["roster"]
    table = roster.groupby(["unit", "shift", "day"]).size().unstack("day", fill_value=0)
    return table.reindex(columns=_days(roster), fill_value=0)


def intro(result: Result) -> str:


    """Staff, days and assignments in one line."""
    roster = result.tables["roster"]
    return (f"{roster['staff'].nunique()} staff, {roster['day'].nunique()} days, {len(roster)} assignments over "
            f"{roster['unit'].nunique()} units and {roster['shift'].nunique()} shifts.")


def _parts(parts: dict) -> str:
    """``expected uncovered patient-hours 3,020, 0 overtime shifts, 0 broken requests``."""
    out = []
    if number(parts, "uncovered_patient_h") is not None:
        out.append(f"expected uncovered patient-hours {num(number(parts, 'uncovered_patient_h'))}")
    for key, word in (("overtime_shifts", "overtime shift"), ("broken_requests", "broken request")):
        value = number(parts, key)
        if value is not None:
            out.append(f"{num(value)} {word}{'' if value == 1 else 's'}")
    return ", ".join(out)


def solve_sentences(result: Result) -> list[str]:
    """The solve of ``solve.json`` and the naive roster's figures (none without a solve)."""
    solve = result.solve
    if not solve:
        return []
    parts = solve.get("parts") if isinstance(solve.get("parts"), dict) else {}
    words = _parts(parts)
    out = [f"The optimised roster: {words}." if words else "The optimised roster has no cost parts recorded."]
    naive = solve.get("naive") if isinstance(solve.get("naive"), dict) else {}
    naive_parts = naive.get("parts") if isinstance(naive.get("parts"), dict) else {}
    if _parts(naive_parts):
        cost, naive_cost = number(parts.get("cost") or {}, "total"), number(naive_parts.get("cost") or {}, "total")
        versus = (f" (cost {num(naive_cost)} against the optimised roster's {num(cost)})"
                  if cost is not None and naive_cost is not None else "")
        out.append(f"The naive roster: {_parts(naive_parts)}{versus}.")
    return out


def answer(result: Result) -> list[Finding]:
    """Page 1's "Recommended plan": the roster against the naive one, its test; the solve as a note."""
    out = [Finding("plan", t) for t in solve_sentences(result)]
    tested = tested_sentence(result, PLAN, BASELINE)
    if tested:
        out.append(Finding("plan", tested))
    if not out:
        out.append(Finding("plan", " ".join(_roster_sentences(result)[:1])))
    if result.solve:
        out.append(Finding("plan", solver_note({**result.solve, "solver": result.solve.get("solver") or "CP-SAT"},
                                               "roster"), note=True))
    return out


def sentences(result: Result) -> list[str]:
    """The roster against the naive one, workload per person, the spread of head counts, the test."""
    note = [solver_note({**result.solve, "solver": result.solve.get("solver") or "CP-SAT"}, "roster")] \
        if result.solve else []
    return (solve_sentences(result) + _roster_sentences(result)
            + evaluation_sentences(result, PLAN, BASELINE) + note)


def _roster_sentences(result: Result) -> list[str]:
    """Workload per person and the spread of head counts per unit and shift."""
    roster, table = result.tables["roster"], heads(result)
    per_staff = roster.groupby("staff").size()
    out = [f"Each person works {per_staff.min()} to {per_staff.max()} shifts (median {num(per_staff.median())})."]
    for (unit, shift), row in table.iterrows():
        if row.min() != row.max():
            out.append(f"{unit} {shift}: {row.min()} to {row.max()} staff on shift, fewest on {row.idxmin()}.")
    if len(out) == 1:
        out.append("Every unit has the same head count on each shift every day.")
    return out[:9]


def table_pages(result: Result) -> list[Page]:


    """Heads per unit and shift: mean, fewest and most over the days."""
    table = heads(result)
    rows = tuple((u, s, num(r.mean()), str(r.min()), str(r.max())) for (u, s), r in table.iterrows())
    blocks = [Para(intro(result), muted=True), Bullets(tuple(sentences(result))),
              Table(("unit", "shift", "mean heads", "fewest", "most"), rows, "llrrr")]
    return [Page(f, "roster", chart=False) for f in text_pages("Roster: heads per unit and shift", result.label, blocks)]


def heat_page(result: Result) -> Page:


    """Heads on shift per unit and shift (rows) and day (columns)."""
    table = heads(result)
    labels = [f"{u} · {s}" for u, s in table.index]

    def draw(fig, grid):
        ax = heat_axes(fig, grid, len(labels), label_in=1.5)
        draw_heat(fig, ax, table.to_numpy(float), labels, [str(c) for c in table.columns], "staff on shift",
                  vmax=max(1.0, float(table.to_numpy().max())), cmap="Blues", fmt="{:.0f}")

    return single_page("Roster: staff on shift by unit and day", result.label, "roster-heatmap", draw,
                       "Number of staff rostered per unit and shift on each day.", bottom=1.55 / 7.2)


def staff_pages(result: Result) -> list[Page]:
    """Staff (rows) by day (columns), each cell coloured by the shift worked."""
    roster = result.tables["roster"]
    days, shifts = _days(roster), sorted(roster["shift"].unique())
    staff = sorted(roster["staff"].unique())
    code = pd.Categorical(roster["shift"], categories=shifts).codes + 1
    grid_all = np.zeros((len(staff), len(days)))
    grid_all[pd.Categorical(roster["staff"], categories=staff).codes,
             pd.Categorical(roster["day"], categories=days).codes] = code
    cmap = ListedColormap([SHADE, *CYCLE[: len(shifts)]])
    pages = []
    for start in range(0, len(staff), STAFF_PER_PAGE):
        names, values = staff[start:start + STAFF_PER_PAGE], grid_all[start:start + STAFF_PER_PAGE]

        def draw(fig, grid, names=names, values=values):
            ax = fig.add_axes((grid["left"] + 0.6 / PAGE_IN[0], grid["bottom"], grid["right"] - grid["left"] - 0.6 / PAGE_IN[0],
                               grid["top"] - grid["bottom"]))
            ax.imshow(values, cmap=cmap, vmin=0, vmax=len(shifts), aspect="auto", interpolation="nearest")
            ax.grid(False)
            ax.set_yticks(range(len(names)), labels=names, fontsize=6.5 if len(names) > 25 else 8)
            step = max(1, len(days) // 16)
            ax.set_xticks(range(0, len(days), step), labels=days[::step], rotation=45, ha="right",
                          rotation_mode="anchor")
            handles = [ax.scatter([], [], marker="s", s=60, color=CYCLE[i], label=s) for i, s in enumerate(shifts)]
            fig.legend(handles=handles, loc="upper right", ncol=len(shifts), bbox_to_anchor=(0.97, 0.9))

        n = start // STAFF_PER_PAGE + 1
        total = -(-len(staff) // STAFF_PER_PAGE)
        suffix = f" ({n} of {total})" if total > 1 else ""
        pages.append(single_page("Roster: shifts by person and day" + suffix, result.label, f"roster-staff-{n}", draw,
                                 "Each row one person; colour: the shift worked that day; grey: off.",
                                 bottom=1.55 / 7.2))
    return pages


def key_pages(result: Result) -> list[Page]:
    """The figures page 1 rests on: staff on shift by unit and day; what the roster buys when tested."""
    return [heat_page(result)] + evaluation_key_pages(result, "Roster")


def pages(result: Result) -> list[Page]:
    """The roster's detail: findings and head counts, shifts by person, its out-of-sample test."""
    return table_pages(result) + staff_pages(result) + evaluation_pages(result, PLAN, BASELINE)

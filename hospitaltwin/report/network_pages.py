"""Pages of a network plan: which devices move between hospitals, and the shortage they spare.

``optimize network`` writes ``moves.csv`` (per move: device kind, from and to hospital and
pool, dispatch and arrival day, devices), ``shortage.csv`` (per hospital, the expected
device-days and bed-days short over the demand paths, ``*_before`` today and ``*_after`` with
the plan), ``transfers.csv`` (per link and day, the slots booked and the expected transfers),
``solve.json`` (status, objective, bound, gap) and, when tested in the engine,
``evaluation.csv`` (the plan against today's network). The pages: the moves and shortages in
words, bars of the expected shortage per hospital before and after the plan, the transfers
per link and day against the slots booked, the moves as a table, then the out-of-sample test.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from hospitaltwin.report import region_pages
from hospitaltwin.report.board import Finding
from hospitaltwin.report.charts import Page, figure_legend, panel_pages
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import num, plural, whole
from hospitaltwin.report.plan_pages import (evaluation_key_pages, evaluation_pages, evaluation_sentences,
                                             solver_note, tested_sentence)
from hospitaltwin.report.style import GOOD, NEUTRAL, PAGE_IN, chart_area, new_page, note
from hospitaltwin.report.text import Bullets, Para, Table, text_pages

PLAN, BASELINE = "the plan", "today's network"
MOST_LINKS = 12
MOST_HOSPITALS = 8
MOST_MOVES = 4


def measures(result: Result) -> list[str]:
    """The shortage measures of ``shortage.csv``: ``ventilator_days``, ``icu_bed_days``, …"""
    return [c[: -len("_before")] for c in result.tables["shortage"].columns if c.endswith("_before")]


def measure_words(measure: str) -> str:
    """``ventilator_days`` → ``ventilator-days``, ``icu_bed_days`` → ``icu bed-days``."""
    head = measure.removesuffix("_days")
    return head.replace("_", " ") + ("-days" if measure.endswith("_days") else "")


def intro(result: Result) -> str:
    """Hospitals, days and the demand paths the plan was made on."""
    solve, m = result.solve, result.manifest
    days, n = solve.get("days") or m.get("days"), len(result.tables["moves"])
    origin = f" from {_date(str(m['origin'])[:10], 0)}" if m.get("origin") else ""
    paths = f", made on {solve['paths']} demand paths from the twin" if solve.get("paths") else ""
    return (f"{len(result.tables['shortage'])} hospitals over {days or '?'} days{origin}{paths}; "
            f"{n} planned move{'' if n == 1 else 's'}.")


def _date(iso: str, plus_days: float) -> str:
    """``Thu 11 Jan`` for an ISO date plus some days; the text itself when it is not a date."""
    try:
        day = datetime.fromisoformat(iso) + timedelta(days=float(plus_days))
    except ValueError:
        return iso
    return f"{day:%a} {day.day} {day:%b}"


def move_sentences(result: Result) -> list[str]:
    """Each move in words: how many devices, from where to where, sent and in use when."""
    moves = result.tables["moves"]
    if moves.empty:
        return ["The plan moves no devices: every hospital keeps what it has."]
    out = []
    for kind, src, dst, day, date, arrive, n in zip(moves["kind"], moves["from"], moves["to"], moves["dispatch_day"],
                                                    moves["dispatch_date"], moves["available_day"], moves["devices"]):
        sent = f"{_date(date, 0)} (day {day:.0f})" if date else f"day {day:.0f}"
        ready = f"{_date(date, arrive - day)} (day {arrive:.0f})" if date else f"day {arrive:.0f}"
        out.append(f"Move {plural(n, kind)} from {src} to {dst}: sent on {sent}, in use from {ready}.")
    return out


def shortage_sentences(result: Result) -> list[str]:
    """Expected shortage per hospital today → with the plan, one sentence per measure."""
    table, out = result.tables["shortage"], []
    for measure in measures(result):
        before, after = table[f"{measure}_before"], table[f"{measure}_after"]
        order = np.argsort(-np.nan_to_num(before.to_numpy(), nan=-1.0), kind="stable")
        parts = [f"{table['hospital'].iloc[i]} {num(before.iloc[i])} → {num(after.iloc[i])}" for i in order
                 if not (np.isnan(before.iloc[i]) and np.isnan(after.iloc[i]))]
        if len(parts) > MOST_HOSPITALS + 2:
            parts = parts[:MOST_HOSPITALS] + [f"{len(parts) - MOST_HOSPITALS} more hospitals"]
        out.append(f"Expected {measure_words(measure)} short, today → with the plan: {', '.join(parts)} "
                   f"(total {num(before.sum())} → {num(after.sum())}).")
    return out


def sentences(result: Result) -> list[str]:
    """The moves, the shortages they spare, the out-of-sample test, the solve."""
    solve = [solver_note(result.solve, "network plan")] if result.solve else []
    if result.solve.get("policy_is_final_allocation"):
        solve.append("Some moves come after the first day; the policy tested holds the final allocation throughout.")
    return (move_sentences(result) + shortage_sentences(result) + evaluation_sentences(result, PLAN, BASELINE)
            + solve)


def answer(result: Result) -> list[Finding]:
    """Page 1's "Recommended plan": the moves (the largest few of many), the shortage they spare,
    the test; the solve as a note."""
    moves = move_sentences(result)
    if len(moves) > MOST_MOVES + 1:
        largest = np.argsort(-result.tables["moves"]["devices"].to_numpy(), kind="stable")[:MOST_MOVES]
        rest = len(moves) - MOST_MOVES
        moves = [moves[i] for i in sorted(largest)] + [f"And {rest} smaller moves (see the moves table)."]
    out = [Finding("plan", t) for t in moves]
    totals = total_shortage(result)
    if totals:
        out.append(Finding("plan", "Expected shortage over the plan, today → with the plan: " + "; ".join(totals) + "."))
    tested = tested_sentence(result, PLAN, BASELINE)
    if tested:
        out.append(Finding("plan", tested))
    if result.solve:
        out.append(Finding("plan", solver_note(result.solve, "network plan"), note=True))
    return out


def total_shortage(result: Result) -> list[str]:
    """``ventilator-days 79.2 → 4.18`` per measure, over every hospital."""
    table = result.tables["shortage"]
    out = []
    for measure in measures(result):
        before, after = table[f"{measure}_before"].sum(), table[f"{measure}_after"].sum()
        out.append(f"{measure_words(measure)} {num(before)} → {num(after)}")
    return out


def shortage_pages(result: Result) -> list[Page]:
    """Per measure, bars of expected shortage per hospital: today (grey) and with the plan (blue);
    a network whose hospitals name their region gets one panel per region instead."""
    table = result.tables["shortage"]
    hospitals = list(table["hospital"])
    if region_pages.regions(result.layout):
        return [page for measure in measures(result) for page in regional_shortage_pages(result, measure)]

    def draw(ax, measure, first):
        x = np.arange(len(hospitals))
        for k, (when, colour, label) in enumerate((("before", NEUTRAL, "today"), ("after", GOOD, "with the plan"))):
            values = table[f"{measure}_{when}"].to_numpy()
            bars = ax.bar(x - 0.2 + 0.4 * k, values, 0.38, color=colour, label=label)
            if len(hospitals) <= 20:
                ax.bar_label(bars, labels=[num(v) for v in values], fontsize=8, padding=2)
        ax.set_xticks(x, labels=hospitals)
        top = float(np.nanmax(table[[f"{measure}_before", f"{measure}_after"]].to_numpy()))
        ax.set_ylim(0, max(top, 0.1) * 1.18)
        ax.set_ylabel(f"expected {measure_words(measure)}")
        ax.set_title(f"Expected {measure_words(measure)} short per hospital", loc="left")
        ax.legend()

    return panel_pages(measures(result), draw, "Network plan: expected shortage per hospital", result.label,
                       "network-shortage", "Bars: expected shortage over the plan's days and demand paths (in "
                       "sample), today's allocation (grey) and with the plan (blue).", per_page=2)


def regional_shortage_pages(result: Result, measure: str) -> list[Page]:
    """Expected shortage per hospital, today and with the plan, one panel per region of the
    layout (horizontal bars, hospitals in layout order, one scale), eight regions to a page."""
    groups, words = region_pages.regions(result.layout), measure_words(measure)
    rows = result.tables["shortage"].set_index("hospital")
    columns = [f"{measure}_before", f"{measure}_after"]
    top = max(float(np.nanmax(rows[columns].to_numpy(), initial=0.0)), 0.1)
    names, per_page, pages = list(groups), region_pages.PANELS_PER_PAGE, []
    for n, start in enumerate(range(0, len(names), per_page)):
        chunk = names[start:start + per_page]
        fig = new_page(f"Network plan: expected {words} short, by region", result.label)
        area = {**chart_area(fig, top_in=1.4, bottom_in=1.0), "left": 1.55 / PAGE_IN[0]}
        grid = fig.add_gridspec(2 if len(chunk) > 4 else 1, 4, hspace=0.35, wspace=1.05, **area)
        for k, region in enumerate(chunk):
            hospitals = [h for h in groups[region] if h in rows.index]
            _shortage_bars(fig.add_subplot(grid[k // 4, k % 4]), region, hospitals, result.layout,
                           rows.loc[hospitals, columns].to_numpy(dtype=float), top)
        figure_legend(fig)
        note(fig, f"Expected {words} short over the plan's days and demand paths (in sample): "
                  "today's allocation and with the plan; the same scale in every panel.")
        slug = f"network-shortage-{measure}"
        pages.append(Page(fig, f"{slug}-{n + 1}" if len(names) > per_page else slug))
    return pages


def _shortage_bars(ax, region: str, hospitals: list[str], layout: dict, values: np.ndarray,
                   top: float) -> None:
    y = np.arange(len(hospitals))
    for k, (colour, label) in enumerate(((NEUTRAL, "today"), (GOOD, "with the plan"))):
        ax.barh(y - 0.2 + 0.4 * k, values[:, k] if len(values) else values, 0.38, color=colour,
                label=label)
    size = 6.5 if len(hospitals) > 12 else 7.5
    ax.set_yticks(y, labels=[region_pages.row_label(layout, h) for h in hospitals], fontsize=size)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.05)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(f"{region} ({len(hospitals)})", loc="left", fontsize=10)


def transfer_pages(result: Result) -> list[Page]:
    """Per link, expected transfers per day (and the 95th percentile) against the slots the plan
    books; nothing when ``transfers.csv`` is absent or every link is idle."""
    table = result.tables.get("transfers")
    if table is None or table.empty or not (table["expected_transfers"] > 0).any():
        return []
    busy = {key: rows["expected_transfers"].sum() for key, rows in table.groupby(["bed_kind", "from", "to"], sort=False)
            if rows["expected_transfers"].gt(0).any()}
    links = sorted(busy, key=lambda key: -busy[key])[:MOST_LINKS] if len(busy) > MOST_LINKS else list(busy)
    shown = f" The {len(links)} busiest of {len(busy)} links with transfers (all in transfers.csv)." \
        if len(busy) > len(links) else ""

    def draw(ax, link, first):
        rows = table[(table["bed_kind"] == link[0]) & (table["from"] == link[1]) & (table["to"] == link[2])]
        day = rows["day"].to_numpy()
        ax.bar(day, rows["expected_transfers"], 0.6, color=GOOD, label="expected transfers")
        ax.scatter(day, rows["p95_transfers"], marker="_", s=160, color=NEUTRAL, zorder=3,
                   label="95th percentile")
        ax.step(day, rows["planned_slots"], where="mid", color=NEUTRAL, linestyle="--", label="slots booked")
        origin = str(result.manifest.get("origin") or "")[:10]
        step = max(1, int(np.ceil(len(day) / 8)))
        ax.set_xticks(day[::step], labels=[_date(origin, d) if origin else f"day {d:.0f}" for d in day[::step]]
                      if origin else None)
        ax.set_xlabel("plan day (local date)" if origin else "plan day")
        ax.set_ylabel("patients per day")
        ax.set_ylim(0, max(float(rows[["planned_slots", "p95_transfers"]].to_numpy().max()), 1.0) * 1.15)
        ax.set_title(f"{link[0]} transfers {link[1]} → {link[2]}", loc="left")
        if first:
            ax.legend()

    return panel_pages(links, draw, "Network plan: transfers per link", result.label, "network-transfers",
                       "Bars: expected patient transfers a day over the demand paths; ticks: their 95th "
                       "percentile; dashes: the transfer slots the plan books on the link." + shown, per_page=4)


def table_pages(result: Result) -> list[Page]:
    """The moves, one row each."""
    moves = result.tables["moves"]
    rows = tuple((k, f, t, fp, tp, f"{d:.0f}", str(dd), f"{a:.0f}", whole(n)) for k, f, t, fp, tp, d, dd, a, n in zip(
        moves["kind"], moves["from"], moves["to"], moves["from_pool"], moves["to_pool"], moves["dispatch_day"],
        moves["dispatch_date"], moves["available_day"], moves["devices"]))
    blocks = [Para(intro(result), muted=True), Bullets(tuple(sentences(result)))]
    if rows:
        blocks.append(Table(("kind", "from", "to", "from pool", "to pool", "dispatch day", "date", "in use from day",
                             "devices"), rows, "lllllrlrr", "Days count from the plan's first day (day 0)."))
    else:
        blocks.append(Para("The plan moves no devices."))
    return [Page(f, "network-moves", chart=False) for f in text_pages("Network plan: device moves", result.label,
                                                                      blocks)]


def key_pages(result: Result) -> list[Page]:
    """The figures page 1 rests on: the shortage per hospital, and what the plan buys when tested."""
    return shortage_pages(result) + evaluation_key_pages(result, "Network plan")


def pages(result: Result) -> list[Page]:
    """The plan's detail: findings and moves, transfers per link, then its out-of-sample test."""
    return table_pages(result) + transfer_pages(result) + evaluation_pages(result, PLAN, BASELINE)

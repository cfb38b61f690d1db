"""A state-wide view of a network: P(full) per hospital, region by region, and each region's totals.

When a layout's hospitals name their ``region`` (a state command centre's view), forecasts and
runs get three more pages. First, small multiples: one panel per region, its hospitals as
rows and their resource kinds as columns (ICU, step-down, ward …, ventilators, ECLS), each
cell the probability of being full — for a forecast, of reaching capacity within a window;
for a run, the fraction of time at capacity. A hospital with several units of a kind shows
the highest of them (a lower bound of "any of them full"). Second, the regions' totals as a
table: staffed beds, expected ICU census and ventilators needed now and at their peak against
capacity, and the expected number of hospitals whose ICU (ventilators) is full — a sum of the
hospitals' probabilities, which is exact for an expectation although the hospitals are not
independent. Third (forecasts), the expected ICU census and ventilators needed of each region
over time against their capacity. Expectations add up across hospitals; quantiles do not, so
regions show means only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hospitaltwin.report.charts import Page, figure_legend
from hospitaltwin.report.clock import date_axis
from hospitaltwin.report.numformat import num, pct
from hospitaltwin.report.style import (
    FAN,
    OKABE_ITO,
    PAGE_IN,
    PHYSICAL,
    RISK_MAP,
    chart_area,
    new_page,
    note,
)
from hospitaltwin.report.text import Para, Table, text_pages

UNIT_LABELS = {"icu": "ICU", "stepdown": "step-down", "ward": "ward", "ed": "ED", "pacu": "PACU"}
POOL_LABELS = {"ventilator": "ventilators", "ecls": "ECLS"}
PANELS_PER_PAGE = 8
ICU, VENTILATOR = "icu", "ventilator"


@dataclass(frozen=True)
class Column:
    """One column of the small multiples: a unit kind or an equipment kind."""

    label: str
    scope: str  # "unit" or "equipment"
    kind: str


@dataclass
class RegionInput:
    """What a result gives the regional view, by unit or pool name.

    ``p_full``: probability of being full; ``level`` and ``capacity``: expected level (beds
    occupied, devices needed) and capacity over time (one value for a run); ``x``: the times
    (date numbers) of a forecast, ``None`` for a run.
    """

    p_full: dict[str, float]
    level: dict[str, np.ndarray]
    capacity: dict[str, np.ndarray]
    x: np.ndarray | None = None


def regions(layout: dict) -> dict[str, list[str]]:
    """Hospitals by region, in layout order (``{}`` when no hospital names a region)."""
    out: dict[str, list[str]] = {}
    hospitals = layout.get("hospitals") or {}
    if not any((h or {}).get("region") for h in hospitals.values()):
        return {}
    for hid, spec in hospitals.items():
        out.setdefault(str((spec or {}).get("region") or "(no region)"), []).append(hid)
    return out


def _kind(spec: dict, name: str) -> str:
    return str(spec.get("kind") or name)


def members(layout: dict, hospital: str, column: Column) -> list[str]:
    """The units (pools) of ``column``'s kind at ``hospital`` (not units without beds: a
    critical-access hospital's "ICU" of 0 beds only sends patients on, it is never full)."""
    if column.scope == "unit":
        items = {n: s for n, s in (layout.get("units") or {}).items() if s.get("beds", 0) > 0}
    else:
        items = layout.get("equipment") or {}
    return [
        n for n, s in items.items() if s.get("hospital") == hospital and _kind(s, n) == column.kind
    ]


def columns(layout: dict) -> list[Column]:
    """Unit kinds (ICU, step-down, ward first) then equipment kinds (ventilators, ECLS first)."""

    def ordered(kinds, first):
        return [k for k in first if k in kinds] + sorted(k for k in kinds if k not in first)

    unit_kinds = {
        _kind(s, n) for n, s in (layout.get("units") or {}).items() if s.get("beds", 0) > 0
    }
    pool_kinds = {_kind(s, n) for n, s in (layout.get("equipment") or {}).items()}
    return [Column(UNIT_LABELS.get(k, k), "unit", k) for k in ordered(unit_kinds, UNIT_LABELS)] + [
        Column(POOL_LABELS.get(k, k), "equipment", k) for k in ordered(pool_kinds, POOL_LABELS)
    ]


def p_matrix(
    layout: dict, hospitals: Sequence[str], cols: Sequence[Column], p_full: dict[str, float]
) -> np.ndarray:
    """``[hospital, column]``: the highest probability among the hospital's resources of a kind."""
    out = np.full((len(hospitals), len(cols)), np.nan)
    for i, hospital in enumerate(hospitals):
        for j, column in enumerate(cols):
            found = [
                p_full[m]
                for m in members(layout, hospital, column)
                if math.isfinite(p_full.get(m, math.nan))
            ]
            if found:
                out[i, j] = max(found)
    return out


SHORT = {
    "Critical Access Hospital": "CAH",
    "Community Hospital": "CH",
    "University Hospital": "Univ. Hosp.",
    "Medical Center": "MC",
    "Regional": "Reg.",
}
LABEL_CHARS = 22


def row_label(layout: dict, hospital: str) -> str:
    """The hospital's name, shortened to fit beside a panel (its id when it has none)."""
    name = str(((layout.get("hospitals") or {}).get(hospital) or {}).get("name") or hospital)
    for long, short in SHORT.items():
        name = name.replace(long, short)
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def matrix_pages(result, data: RegionInput, what: str, subtitle: str) -> list[Page]:
    """Small multiples of P(full): one panel per region, eight to a page."""
    layout, groups = result.layout, regions(result.layout)
    cols = columns(layout)
    names = list(groups)
    pages = []
    for n, start in enumerate(range(0, len(names), PANELS_PER_PAGE)):
        chunk = names[start : start + PANELS_PER_PAGE]
        more = (
            f" ({n + 1} of {math.ceil(len(names) / PANELS_PER_PAGE)})"
            if len(names) > PANELS_PER_PAGE
            else ""
        )
        fig = new_page(f"Regional view: {what}, by hospital{more}", subtitle)
        area = {
            **chart_area(fig, top_in=1.2, bottom_in=1.35),
            "left": 1.55 / PAGE_IN[0],
            "right": 1 - 1.0 / PAGE_IN[0],
        }
        grid = fig.add_gridspec(2 if len(chunk) > 4 else 1, 4, hspace=0.5, wspace=1.05, **area)
        image = None
        for k, region in enumerate(chunk):
            image = _panel(
                fig.add_subplot(grid[k // 4, k % 4]),
                region,
                groups[region],
                layout,
                cols,
                data.p_full,
            )
        _colour_bar(fig, image, area, what)
        note(
            fig,
            "Each cell, in percent: a hospital's resource of that kind (the highest of its units or "
            "pools); blank "
            "where it has none. Regions in layout order.",
        )
        pages.append(Page(fig, f"regions-p-full-{n + 1}" if more else "regions-p-full"))
    return pages


def _colour_bar(fig, image, area: dict, label: str) -> None:
    if image is None:
        return
    cax = fig.add_axes(
        (
            area["right"] + 0.25 / PAGE_IN[0],
            area["bottom"],
            0.12 / PAGE_IN[0],
            area["top"] - area["bottom"],
        )
    )
    bar = fig.colorbar(image, cax=cax)
    bar.set_label(label)
    bar.outline.set_visible(False)


def _panel(ax, region: str, hospitals: list[str], layout: dict, cols: list[Column], p_full: dict):
    values = p_matrix(layout, hospitals, cols, p_full)
    image = ax.imshow(
        np.ma.masked_invalid(values),
        cmap=RISK_MAP,
        vmin=0,
        vmax=1,
        aspect="auto",
        interpolation="nearest",
    )
    ax.grid(False)
    ax.set_title(f"{region} ({len(hospitals)})", loc="left", fontsize=10)
    size = 6.5 if len(hospitals) > 12 else 7.5
    ax.set_yticks(
        range(len(hospitals)), labels=[row_label(layout, h) for h in hospitals], fontsize=size
    )
    ax.set_xticks(
        range(len(cols)),
        labels=[c.label for c in cols],
        rotation=45,
        ha="right",
        rotation_mode="anchor",
        fontsize=7.5,
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v) and len(hospitals) <= 24:
            ax.text(
                j,
                i,
                f"{100 * v:.0f}",
                ha="center",
                va="center",
                fontsize=size - 0.5,
                color="white" if v > 0.6 else "black",
            )
    return image


# -- totals -----------------------------------------------------------------------------------
@dataclass
class Totals:
    """One region's expected level and capacity of a resource kind, summed over its hospitals."""

    level: np.ndarray
    capacity: np.ndarray
    expected_full: float

    @property
    def peak(self) -> int:
        """The time of the highest expected level."""
        return int(np.argmax(self.level)) if len(self.level) else 0


def totals(
    layout: dict, hospitals: Sequence[str], column: Column, data: RegionInput
) -> Totals | None:
    """Sums over ``hospitals`` of the resources of ``column``'s kind (``None`` if none)."""
    names = [m for h in hospitals for m in members(layout, h, column) if m in data.level]
    if not names:
        return None
    level = np.sum([data.level[m] for m in names], axis=0)
    capacity = np.sum([data.capacity[m] for m in names], axis=0)
    expected = float(np.nansum(p_matrix(layout, hospitals, [column], data.p_full)))
    return Totals(level, capacity, expected)


def totals_table(result, data: RegionInput, window: str) -> Table:
    """Per region (and the whole network): beds, ICU and ventilators against their capacity."""
    layout, groups = result.layout, regions(result.layout)
    everything = {"all regions": [h for hs in groups.values() for h in hs]}
    icu, vent = Column("ICU", "unit", ICU), Column("ventilators", "equipment", VENTILATOR)
    rows = []
    for region, hospitals in {**groups, **everything}.items():
        beds = sum(
            float(data.capacity[u][0])
            for h in hospitals
            for c in columns(layout)
            if c.scope == "unit"
            for u in members(layout, h, c)
            if u in data.capacity
        )
        rows.append(
            (
                region,
                str(len(hospitals)),
                num(beds),
                *_cells(totals(layout, hospitals, icu, data)),
                *_cells(totals(layout, hospitals, vent, data)),
            )
        )
    timed = data.x is not None and len(data.x) > 1
    when = "now → at the peak of the region's expected total" if timed else "mean over the run"
    heads = (
        "region",
        "hospitals",
        "beds",
        "ICU beds",
        "ICU patients",
        "ICU occupancy",
        "ICUs full",
        "ventilators",
        "needed",
        "in use",
        "pools out",
    )
    return Table(
        heads,
        tuple(rows),
        "llrrrrrrrrr",
        "Expected values summed over the region's hospitals (staffed beds). ICU patients, "
        f"ventilators needed: {when}; occupancy, in use: at that peak. ICUs full, pools out: the "
        "expected number of hospitals whose ICU reaches capacity (whose ventilators are all in "
        f"use) {window}, the sum of "
        "their probabilities.",
    )


def _cells(t: Totals | None) -> tuple[str, ...]:
    if t is None:
        return ("–",) * 4
    peak = t.peak
    level = (
        f"{num(float(t.level[0]))} → {num(float(t.level[peak]))}"
        if len(t.level) > 1
        else num(float(t.level[0]))
    )
    occupancy = t.level[peak] / t.capacity[peak] if t.capacity[peak] > 0 else math.nan
    return num(float(t.capacity[0])), level, pct(occupancy), num(t.expected_full)


def totals_pages(result, data: RegionInput, window: str, intro: str) -> list[Page]:
    """The regions' totals table, on as many pages as it needs."""
    figures = text_pages(
        "Regional totals",
        result.label,
        [Para(intro, muted=True), totals_table(result, data, window)],
    )
    return [Page(f, "regions-totals", chart=False) for f in figures]


def trend_pages(result, data: RegionInput, subtitle: str) -> list[Page]:
    """Per region over time: expected ICU census and ventilators needed against capacity."""
    if data.x is None or len(data.x) < 2:
        return []
    layout, groups = result.layout, regions(result.layout)
    names, pages = list(groups), []
    icu, vent = Column("ICU", "unit", ICU), Column("ventilators", "equipment", VENTILATOR)
    for n, start in enumerate(range(0, len(names), PANELS_PER_PAGE)):
        chunk = names[start : start + PANELS_PER_PAGE]
        fig = new_page("Regional totals over time: ICU patients and ventilators needed", subtitle)
        grid = fig.add_gridspec(
            2 if len(chunk) > 4 else 1,
            min(4, len(chunk)),
            hspace=0.45,
            wspace=0.25,
            **chart_area(fig),
        )
        for k, region in enumerate(chunk):
            ax = fig.add_subplot(grid[k // 4, k % 4])
            _trend(
                ax,
                data.x,
                totals(layout, groups[region], icu, data),
                totals(layout, groups[region], vent, data),
            )
            ax.set_title(region, loc="left", fontsize=10)
            date_axis(ax, "")
            ax.tick_params(axis="x", labelsize=7)
        figure_legend(fig)
        note(
            fig,
            "Expected values summed over the region's hospitals (expectations add up; quantiles "
            "do not).",
        )
        pages.append(
            Page(fig, f"regions-trend-{n + 1}" if len(names) > PANELS_PER_PAGE else "regions-trend")
        )
    return pages


def _trend(ax, x: np.ndarray, icu: Totals | None, vent: Totals | None) -> None:
    top = [1.0]
    if icu is not None:
        ax.plot(x, icu.level, color=FAN, linewidth=1.3, label="ICU patients (expected)")
        ax.step(
            x, icu.capacity, where="post", color=PHYSICAL, linewidth=1.0, label="ICU staffed beds"
        )
        top += [float(np.max(icu.capacity)), float(np.max(icu.level))]
    if vent is not None:
        ax.plot(
            x,
            vent.level,
            color=OKABE_ITO["orange"],
            linewidth=1.3,
            label="ventilators needed (expected)",
        )
        ax.step(
            x,
            vent.capacity,
            where="post",
            color=OKABE_ITO["orange"],
            linewidth=1.0,
            linestyle=(0, (4, 2)),
            label="ventilators available",
        )
        top += [float(np.max(vent.capacity)), float(np.max(vent.level))]
    ax.set_ylim(0, max(top) * 1.1)
    ax.set_xlim(x[0], x[-1])

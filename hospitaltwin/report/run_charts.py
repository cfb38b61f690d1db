"""A run's charts over time: census, the chance of being full, equipment, boarding and queues.

Each chart reads the run's hourly cubes (:mod:`~hospitaltwin.report.run_data`) and draws them
by hour, day or week as the run's length asks (:mod:`~hospitaltwin.report.run_periods`), whole
periods only. Fans are quantiles across replications of each period's mean; capacity lines
are the period means of the median across replications (staffed beds move with the roster and
absence). A legend names only what is drawn: the unmet-devices band appears only where some
device was needed and not there.
"""

from __future__ import annotations

import numpy as np

from hospitaltwin.report.charts import (
    Fan,
    Page,
    draw_fan,
    draw_heat,
    heat_axes,
    panel_pages,
    quantiles,
    single_page,
)
from hospitaltwin.report.clock import date_axis, day_index, day_labels, run_dates
from hospitaltwin.report.load import Result
from hospitaltwin.report.run_data import RunData, diversions_by_day
from hospitaltwin.report.run_periods import (
    Periods,
    full_by_weekday,
    period_any,
    period_mean,
    periods,
    stationary,
)
from hospitaltwin.report.style import CYCLE, MUTED, UNMET, empty_panel
from hospitaltwin.report.words import unit_title


def _edges(data: RunData, p: Periods, hours: np.ndarray) -> np.ndarray:
    """Date numbers of each period's start and of the end of the last one (for step lines)."""
    starts = run_dates(data.origin, hours[p.starts]) if len(p) else np.zeros(0)
    if not len(p):
        return starts
    end = run_dates(data.origin, np.array([hours[p.starts[-1]] + p.lengths[-1]]))
    return np.r_[starts, end]


def _extend(values: np.ndarray) -> np.ndarray:
    """Repeat the last column so a ``post`` step line reaches the end of the last period."""
    return np.concatenate([values, values[..., -1:]], axis=-1) if values.shape[-1] else values


def _what(p: Periods) -> str:
    return {"hour": "per hour", "day": "daily mean", "week": "weekly mean"}[p.kind]


def census_pages(result: Result, data: RunData, subtitle: str) -> list[Page]:
    """Fan chart of occupied beds per unit, by hour, day or week, with physical and staffed capacity."""
    census = data.census
    p = periods(data, census.hours)
    x = _edges(data, p, census.hours)
    if not len(p):
        return []
    occupied = period_mean(census.values["occupied"], p)
    physical = period_mean(np.nanmedian(census.values["physical"], axis=2), p)
    staffed = period_mean(np.nanmedian(census.values["staffed"], axis=2), p)

    def draw(ax, i, first):
        fan = Fan(x, _extend(quantiles(occupied[i], axis=1)), _extend(physical[i]), _extend(staffed[i]))
        draw_fan(ax, fan, unit_title(result.layout, census.names[i]), f"occupied beds ({_what(p)})", legend=first)
        date_axis(ax, f"local date ({result.timezone})")

    return panel_pages(list(range(len(census.names))), draw, "Census by unit", subtitle, "census",
                       f"Occupied beds, {_what(p)} across replications: median, central 50% and 90% bands; capacity "
                       f"lines: staffed beds vary with the roster and absence.{p.caption()}")


def p_full_page(result: Result, data: RunData, subtitle: str) -> Page:
    """The chance of being full: by weekday for a run that changes nothing over time, else by
    local day or week (whole periods)."""
    names = data.census.names
    if stationary(result):
        probs, columns = full_by_weekday(data)
        title = "Probability of being full, by unit and weekday"
        caption = ("Share of whole local days, over every week and replication, on which the unit reaches its staffed "
                   "capacity at some hour. The scenario changes nothing over time, so dates carry no information "
                   "of their own: days are pooled by weekday.")
    else:
        census = data.census
        p = periods(data, census.hours, "week" if period_kind_days(data) > 21 else "day")
        full = (census.values["occupied"] >= census.values["staffed"]) & np.isfinite(census.values["occupied"])
        probs = period_any(full, p).mean(axis=2)
        columns = _period_labels(data, p)
        title = f"Probability of being full, by unit and {p.kind}"
        caption = (f"Share of replications in which the unit reaches its staffed capacity at some hour of the local "
                   f"{p.kind}.{p.left_out_text()}")

    def draw(fig, grid):
        if probs.size == 0 or not names:
            return empty_panel(fig.add_subplot(fig.add_gridspec(1, 1, **grid)[0]), "No census after the warm-up.")
        ax = heat_axes(fig, grid, len(names))
        draw_heat(fig, ax, probs, names, columns, "P(at capacity at some hour)")

    return single_page(title, subtitle, "p-full-heatmap", draw, caption, bottom=1.55 / 7.2)


def period_kind_days(data: RunData) -> float:
    """Days after the warm-up."""
    return (data.horizon_h - data.warmup_h) / 24


def _period_labels(data: RunData, p: Periods) -> list[str]:
    days = day_index(data.origin, p.first_hours)
    labels = day_labels(data.origin, days)
    return [f"week of {d}" for d in labels] if p.kind == "week" else labels


def equipment_pages(result: Result, data: RunData, subtitle: str) -> list[Page]:
    """Per pool: devices needed (fan) against the devices that can run, and mean unmet demand."""
    eq = data.equipment
    if eq is None:
        return []
    p = periods(data, eq.hours)
    if not len(p):
        return []
    x = _edges(data, p, eq.hours)
    demand = period_mean(eq.values["demand"], p)
    capacity = period_mean(np.nanmedian(eq.values["capacity"], axis=2), p)
    unmet = period_mean(np.nanmean(np.clip(eq.values["demand"] - eq.values["in_use"], 0, None), axis=2), p)

    def draw(ax, i, first):
        fan = Fan(x, _extend(quantiles(demand[i], axis=1)), _extend(capacity[i]), physical_label="devices available")
        draw_fan(ax, fan, f"{eq.names[i]}: devices needed vs available", f"devices ({_what(p)})", legend=False)
        if np.nanmax(unmet[i]) > 0:
            ax.fill_between(x, 0, _extend(unmet[i]), color=UNMET, alpha=0.85, step="post", linewidth=0,
                            label="needed, not available (mean)")
        if first:
            ax.legend(loc="upper left", ncol=5, fontsize=8)
        date_axis(ax, f"local date ({result.timezone})")

    return panel_pages(list(range(len(eq.names))), draw, "Equipment demand and supply", subtitle, "equipment",
                       f"Devices needed (in use + unmet), {_what(p)} across replications, with the devices that can "
                       f"run (count, limited by the team on shift); vermillion where some were needed and not "
                       f"there.{p.caption()}")


def flow_page(result: Result, data: RunData, subtitle: str) -> Page:
    """Boarding, queues and diversions by local day (or week for a long run), by unit."""
    census = data.census
    kind = "week" if period_kind_days(data) > 120 else "day"
    p = periods(data, census.hours, kind)
    x = _edges(data, p, census.hours)
    names, diverted = diverted_per_period(data, p)

    def draw(fig, grid):
        axes = fig.add_gridspec(3, 1, hspace=0.45, **grid).subplots(sharex=True)
        colours = {name: CYCLE[i % len(CYCLE)] for i, name in enumerate(census.names)}
        for ax, column, label in ((axes[0], "boarding", "patients boarding"), (axes[1], "waiting", "patients waiting")):
            means = period_mean(census.values[column], p).mean(axis=2)
            _lines(ax, x, means, census.names, label, colours)
        _lines(axes[2], x, diverted, names, "diverted per day", colours)
        axes[0].set_title("Boarding: patients in a bed who are ready to move on", loc="left")
        axes[1].set_title("Queue: patients waiting for a bed in the unit", loc="left")
        axes[2].set_title("Diversions: bed requests lost to the hospital", loc="left")
        date_axis(axes[2], f"local date ({result.timezone})")

    return single_page("Boarding, queues and diversions over time", subtitle, "flow", draw,
                       f"{kind.capitalize()}ly means over replications; only units with any boarding, queue or "
                       "diversion are drawn (at most six, largest first); a unit keeps its colour on every panel."
                       + p.left_out_text(), right=1 - 1.6 / 12.8)


def diverted_per_period(data: RunData, p: Periods) -> tuple[list[str], np.ndarray]:
    """Mean diversions per day in each whole period, per intended unit."""
    names, per_day, days = diversions_by_day(data)
    span = 7 if p.kind == "week" else 1
    out = np.zeros((len(names), len(p)))
    for i, start in enumerate(day_index(data.origin, p.first_hours)):
        chosen = (days >= start) & (days < start + span)
        if chosen.any():
            out[:, i] = per_day[:, chosen].mean(axis=1)
    return names, out


def _lines(ax, x, values: np.ndarray, names: list[str], ylabel: str, colours: dict) -> None:
    totals = np.nansum(values, axis=1) if values.size else np.zeros(0)
    chosen = [i for i in np.argsort(-totals, kind="stable")[:6] if totals[i] > 0]
    for i in chosen:
        ax.step(x, _extend(values[i]), where="post", color=colours.get(names[i], CYCLE[-2]), linewidth=1.3,
                label=names[i])
    if chosen:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    else:
        ax.text(0.5, 0.5, "none in any replication", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)


def _bars(ax, units: dict, kpi: str, scale: float) -> None:
    """Horizontal bars of ``kpi`` per unit with their 95% CI, largest on top."""
    rows = [(u, k[kpi]) for u, k in units.items() if isinstance(k.get(kpi), dict) and k[kpi].get("mean") is not None]
    rows.sort(key=lambda item: item[1]["mean"])
    y = np.arange(len(rows))
    means = np.array([e["mean"] for _, e in rows]) * scale
    lo = np.array([max((e.get("ci95") or [e["mean"]] * 2)[0], 0.0) for _, e in rows]) * scale
    hi = np.array([(e.get("ci95") or [e["mean"]] * 2)[1] for _, e in rows]) * scale
    ax.barh(y, means, color=CYCLE[0], height=0.6)
    ax.errorbar(means, y, xerr=[np.maximum(means - lo, 0), np.maximum(hi - means, 0)], fmt="none", color="black",
                capsize=3, linewidth=1)
    ax.set_yticks(y, labels=[u for u, _ in rows], fontsize=9)
    ax.set_xlim(left=0)
    ax.grid(axis="y", visible=False)


def capacity_page(result: Result, subtitle: str) -> Page:
    """How often each unit is at its staffed capacity, and the boarding it causes (95% CIs)."""
    units = result.summary.get("units", {})

    def draw(fig, grid):
        left, right = fig.add_gridspec(1, 2, wspace=0.25, **{**grid, "left": grid["left"] + 0.5 / 12.8}).subplots()
        _bars(left, units, "p_full", 100.0)
        left.set_title("Time at staffed capacity", loc="left")
        left.set_xlabel("% of the time")
        _bars(right, units, "boarding_h_per_day", 1.0)
        right.set_title("Boarding", loc="left")
        right.set_xlabel("patient-hours a day in a bed they are ready to leave")

    return single_page("How often each unit is full", subtitle, "capacity", draw,
                       "Means over replications with their 95% confidence intervals (summary.json), most first; "
                       "boarding: patients ready to move on who wait in their bed for a bed elsewhere.")

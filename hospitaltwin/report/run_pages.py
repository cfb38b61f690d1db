"""Pages of a run (a what-if): risks in sentences, KPI tables with 95% CIs, and the charts.

The executive summary names the units most often at capacity, diversions, boarding, waits and
unmet equipment, each with its 95% confidence interval over replications (``summary.json``).
The charts — per-unit census fans, the probability of reaching capacity per unit and local
day, equipment demand against supply, boarding and diversions over time, and the layout as a
graph coloured by occupancy — are drawn from the hourly tables after the warm-up
(:mod:`~hospitaltwin.report.run_data`), dated in the hospital's local calendar.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from hospitaltwin.report import graph as graphs, region_pages
from hospitaltwin.report.charts import (Fan, Page, draw_fan, draw_heat, heat_axes, panel_pages, quantiles,
                                        single_page)
from hospitaltwin.report.clock import date_axis, day_labels, run_dates, span_text
from hospitaltwin.report.load import Result
from hospitaltwin.report.run_data import RunData, daily_mean, day_bounds, diversions_by_day, p_full_by_day, run_data
from hospitaltwin.report.style import CYCLE, UNMET, empty_panel
from hospitaltwin.report.text import Para, Table, text_pages
from hospitaltwin.report.words import ci, ci_words, hours_text, mean, num, pct, unit_title

TOP = 3


def _ranked(scope: dict, kpi: str, floor: float) -> list[tuple[str, dict]]:
    found = [(name, kpis[kpi]) for name, kpis in scope.items() if mean(kpis.get(kpi)) > floor]
    return sorted(found, key=lambda item: -mean(item[1]))[:TOP]


def period(result: Result) -> str:
    """``3 replications of 60 days after a 30-day warm-up`` for sentences and subtitles."""
    s = result.summary
    horizon, warmup = float(s.get("horizon_h") or 0), float(s.get("warmup_h") or 0)
    text = f"{s.get('replications', '?')} replications of {hours_text(horizon - warmup)}"
    return text + (f" after a {hours_text(warmup, adjective=True)} warm-up" if warmup else "")


def _capacity_sentences(units: dict, layout: dict) -> list[str]:
    full = _ranked(units, "p_full", 0.01)
    if not full:
        return ["No unit is at its staffed capacity more than 1% of the time."]
    return [f"{unit_title(layout, u)} is at its staffed capacity {pct(e['mean'])} of the time{ci_words(e, True)}."
            for u, e in full]


def _flow_sentences(summary: dict, layout: dict) -> list[str]:
    units, out = summary.get("units", {}), []
    hospitals = summary.get("hospitals", {})
    for name, e in _ranked(hospitals, "diverted_per_day", 0.0):
        who = f"Hospital {name}" if len(hospitals) > 1 else "The hospital"
        out.append(f"{who} diverts {num(e['mean'])} patients a day{ci_words(e)}.")
    for u, e in _ranked(units, "diverted_fraction", 0.0):
        out.append(f"{pct(e['mean'])} of bed requests for {unit_title(layout, u)} are diverted{ci_words(e, True)}.")
    for u, e in _ranked(units, "boarding_h_per_day", 0.0):
        out.append(f"Patients ready to leave {unit_title(layout, u)} hold its beds {num(e['mean'])} hours a day"
                   f"{ci_words(e)} while they wait for a bed elsewhere (boarding).")
    for u, e in _ranked(units, "mean_wait_h", 0.0):
        out.append(f"Patients wait {num(e['mean'])} h on average for a bed in {unit_title(layout, u)}{ci_words(e)}.")
    return out or ["No patient is diverted, boards or waits for a bed."]


def _equipment_sentences(equipment: dict) -> list[str]:
    out = []
    for pool, kpis in equipment.items():
        unmet, full = kpis.get("unmet_fraction"), kpis.get("p_full")
        if mean(unmet) > 0:
            out.append(f"{pct(unmet['mean'])} of {pool} episodes find no free device{ci_words(unmet, True)}; every "
                       f"{pool} is in use {pct(mean(full))} of the time.")
        elif unmet is not None:
            out.append(f"Every {pool} episode finds a free device (all in use {pct(mean(full))} of the time).")
    return out


def sentences(result: Result) -> list[str]:
    """The executive summary of a run."""
    s, layout = result.summary, result.layout
    return (_capacity_sentences(s.get("units", {}), layout) + _flow_sentences(s, layout)
            + _equipment_sentences(s.get("equipment", {})))


def intro(result: Result) -> str:
    """What the numbers are: replications, period, seed."""
    return (f"Mean over {period(result)} (seed {result.summary.get('seed', '?')}); brackets and CIs are 95% "
            "confidence intervals over replications.")


UNIT_COLUMNS = (("mean_census", "mean census", False), ("mean_staffed_beds", "staffed beds", False),
                ("occupancy_fraction", "occupancy", True), ("p_full", "time at capacity", True),
                ("diverted_fraction", "diverted", True), ("mean_wait_h", "wait (h)", False),
                ("boarding_h_per_day", "boarding h/day", False))
POOL_COLUMNS = (("mean_in_use", "in use", False), ("mean_capacity", "capacity", False),
                ("unmet_fraction", "unmet episodes", True), ("p_full", "all in use", True))
HOSPITAL_COLUMNS = (("mean_census", "mean census", False), ("diverted_per_day", "diverted/day", False),
                    ("transfers_out_per_day", "transfers out/day", False),
                    ("network_arrivals_per_day", "arrivals by link/day", False))


def kpi_table(scope: dict, columns, first: str) -> Table:
    """One row per resource, one ``mean [95% CI]`` cell per KPI."""
    rows = tuple((name, *(ci(kpis.get(k), fraction=f) for k, _, f in columns)) for name, kpis in scope.items())
    return Table((first, *(label for _, label, _ in columns)), rows, "l" + "r" * len(columns))


def kpi_pages(result: Result) -> list[Page]:
    """KPI tables: units, equipment pools and (for a network) hospitals."""
    s = result.summary
    blocks = [Para(intro(result), muted=True), kpi_table(s.get("units", {}), UNIT_COLUMNS, "unit")]
    if s.get("equipment"):
        blocks.append(kpi_table(s["equipment"], POOL_COLUMNS, "equipment"))
    if len(s.get("hospitals", {})) > 1 or result.layout.get("links"):
        blocks.append(kpi_table(s["hospitals"], HOSPITAL_COLUMNS, "hospital"))
    figures = text_pages("Key figures with 95% confidence intervals", result.label, blocks)
    return [Page(f, "kpis", chart=False) for f in figures]


def _subtitle(result: Result, data: RunData) -> str:
    start = data.origin + timedelta(hours=data.warmup_h)
    end = data.origin + timedelta(hours=data.horizon_h)
    return f"{result.label} · {span_text(start, end)} · local time ({result.timezone}) · {period(result)}"


def census_pages(result: Result, data: RunData, subtitle: str) -> list[Page]:
    """Fan chart of occupied beds per unit with physical and staffed capacity."""
    census, x = data.census, run_dates(data.origin, data.census.hours)

    def draw(ax, i, first):
        occ = census.values["occupied"][i]
        fan = Fan(x, quantiles(occ, axis=1), np.nanmedian(census.values["physical"][i], axis=1),
                  np.nanmedian(census.values["staffed"][i], axis=1))
        draw_fan(ax, fan, unit_title(result.layout, census.names[i]), "occupied beds", legend=first)
        date_axis(ax, f"local time ({result.timezone})")

    return panel_pages(list(range(len(census.names))), draw, "Census by unit", subtitle, "census",
                       "Occupied beds per hour across replications: median, central 50% and 90% bands. Capacity "
                       "lines are medians across replications (staffed beds vary with the roster and absence).")


def p_full_page(result: Result, data: RunData, subtitle: str) -> Page:
    """Heat map: probability of reaching staffed capacity at some hour, unit x local day."""
    probs, days = p_full_by_day(data)

    def draw(fig, grid):
        if probs.size == 0:
            return empty_panel(fig.add_subplot(fig.add_gridspec(1, 1, **grid)[0]), "No census after the warm-up.")
        ax = heat_axes(fig, grid, len(data.census.names))
        draw_heat(fig, ax, probs, data.census.names, day_labels(data.origin, days), "P(at capacity at some hour)")

    return single_page("Probability of being full, by unit and day", subtitle, "p-full-heatmap", draw,
                       "Share of replications in which the unit is at its staffed capacity at one or more whole "
                       "hours of the local day.", bottom=1.55 / 7.2)


def equipment_pages(result: Result, data: RunData, subtitle: str) -> list[Page]:
    """Per pool: devices needed (fan) against the devices that can run, and mean unmet demand."""
    eq = data.equipment
    if eq is None:
        return []
    x = run_dates(data.origin, eq.hours)

    def draw(ax, i, first):
        demand = eq.values["demand"][i]
        fan = Fan(x, quantiles(demand, axis=1), np.nanmedian(eq.values["capacity"][i], axis=1),
                  physical_label="devices available")
        draw_fan(ax, fan, f"{eq.names[i]}: devices needed vs available", "devices", legend=False)
        unmet = np.nanmean(np.clip(demand - eq.values["in_use"][i], 0, None), axis=1)
        ax.fill_between(x, 0, unmet, color=UNMET, alpha=0.85, step="post", linewidth=0, label="unmet (mean)")
        if first:
            ax.legend(loc="upper left", ncol=5, fontsize=8)
        date_axis(ax, f"local time ({result.timezone})")

    return panel_pages(list(range(len(eq.names))), draw, "Equipment demand and supply", subtitle, "equipment",
                       "Devices needed (in use + unmet) across replications with the devices that can run "
                       "(count, limited by the team on shift); vermillion: mean devices needed but not available.")


def flow_page(result: Result, data: RunData, subtitle: str) -> Page:
    """Boarding, queues and diversions per local day, by unit (daily means over replications)."""
    days, starts = day_bounds(data, data.census.hours)
    x = run_dates(data.origin, data.census.hours[starts])
    names, diverted, _ = diversions_by_day(data)

    def draw(fig, grid):
        axes = fig.add_gridspec(3, 1, hspace=0.45, **grid).subplots(sharex=True)
        colours = {name: CYCLE[i % len(CYCLE)] for i, name in enumerate(data.census.names)}
        for ax, column, label in ((axes[0], "boarding", "patients boarding"), (axes[1], "waiting", "patients waiting")):
            daily = daily_mean(data.census.values[column], starts).mean(axis=2)
            _lines(ax, x, daily, data.census.names, label, colours)
        _lines(axes[2], x, diverted, names, "diverted per day", colours)
        axes[0].set_title("Boarding: patients in a bed who are ready to move on", loc="left")
        axes[1].set_title("Queue: patients waiting for a bed in the unit", loc="left")
        axes[2].set_title("Diversions: bed requests lost to the hospital", loc="left")
        date_axis(axes[2], f"local date ({result.timezone})")

    return single_page("Boarding, queues and diversions over time", subtitle, "flow", draw,
                       "Daily means over replications; only units with any boarding, queue or diversion are "
                       "drawn (at most six, largest first); a unit keeps its colour on every panel.", right=1 - 1.6 / 12.8)


def _lines(ax, x, values: np.ndarray, names: list[str], ylabel: str, colours: dict) -> None:
    totals = values.sum(axis=1) if values.size else np.zeros(0)
    chosen = [i for i in np.argsort(-totals, kind="stable")[:6] if totals[i] > 0]
    for i in chosen:
        ax.step(x[: values.shape[1]], values[i], where="post", color=colours.get(names[i], CYCLE[-2]), linewidth=1.3,
                label=names[i])
    if chosen:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    else:
        ax.text(0.5, 0.5, "none in any replication", transform=ax.transAxes, ha="center", va="center", color="#555555")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)


def layout_pages(result: Result, subtitle: str) -> list[Page]:
    """The units as a graph coloured by occupancy; for a network, the hospitals too."""
    units = result.summary.get("units", {})
    occupancy = {u: mean(k.get("occupancy_fraction")) for u, k in units.items()}
    labels = {u: f"{u}\n{mean(k.get('mean_census')):.1f}/{mean(k.get('mean_staffed_beds')):.0f}"
              for u, k in units.items()}
    pages = [graph_page(result, occupancy, labels, subtitle, "mean census / mean staffed beds")]
    if len(graphs.hospital_graph(result.layout)) > 1:
        pages.append(hospital_page(result, units, subtitle))
    return pages


def main_entries(demand: dict, share: float = 0.5) -> list[str]:
    """Units where patients from outside are at least ``share`` of all who come in.

    Inflows solve the traffic equations lambda = a + P^T lambda (arrivals ``a`` from outside,
    routing ``P``). A ward with a trickle of direct admissions is then not drawn as a front
    door, and the picture reads as patient flow (ED, theatre -> intensive care -> wards).
    """
    units = sorted(set((demand.get("units") or {})) | {a.get("unit") for a in demand.get("arrivals", []) if isinstance(a, dict)} - {None})
    index = {u: i for i, u in enumerate(units)}
    outside = np.zeros(len(units))
    for stream in demand.get("arrivals", []):
        if isinstance(stream, dict) and stream.get("unit") in index:
            per_day = stream.get("rate")
            if per_day is None:
                per_day = sum((stream.get("schedule") or {}).values()) / 7
            outside[index[stream["unit"]]] += float(per_day or 0.0)
    routing = np.zeros((len(units), len(units)))
    for unit, spec in (demand.get("units") or {}).items():
        for target, p in ((spec or {}).get("next") or {}).items():
            if target in index:
                routing[index[unit], index[target]] = float(p)
    try:
        inflow = np.linalg.solve(np.eye(len(units)) - routing.T, outside)
    except np.linalg.LinAlgError:
        inflow = outside
    return [u for u in units if outside[index[u]] > 0 and outside[index[u]] >= share * inflow[index[u]]]


def graph_page(result: Result, occupancy: dict, labels: dict, subtitle: str, what: str) -> Page:
    """The unit graph page shared by runs and forecasts."""
    demand = result.scenario.get("demand") if isinstance(result.scenario.get("demand"), dict) else {}
    graph = graphs.unit_graph(result.layout, demand)
    entries = main_entries(demand)

    def draw(fig, grid):
        ax = fig.add_subplot(fig.add_gridspec(1, 1, **grid)[0])
        graphs.draw_units(fig, ax, graph, occupancy, entries, labels)

    return single_page("Layout: units coloured by occupancy", subtitle, "layout", draw,
                       f"Node size: beds; label: {what}. Arrows: routed moves (width by probability); dashed: "
                       "overflow. Entry units on the left.")


def hospital_page(result: Result, units: dict, subtitle: str) -> Page:
    """Hospitals of a network with occupancy (summed census ÷ summed staffed beds) and links."""
    census, staffed = {}, {}
    for uid, spec in (result.layout.get("units") or {}).items():
        h = spec.get("hospital") or "main"
        census[h] = census.get(h, 0.0) + np.nan_to_num(mean(units.get(uid, {}).get("mean_census")))
        staffed[h] = staffed.get(h, 0.0) + np.nan_to_num(mean(units.get(uid, {}).get("mean_staffed_beds")))
    occupancy = {h: census[h] / staffed[h] if staffed[h] else math.nan for h in census}
    labels = {h: f"{h}\n{census[h]:.0f}/{staffed[h]:.0f}" for h in census}
    return network_page(result, occupancy, labels, subtitle)


def network_page(result: Result, occupancy: dict, labels: dict, subtitle: str) -> Page:
    """The hospital network page shared by runs and forecasts."""
    graph = graphs.hospital_graph(result.layout)

    def draw(fig, grid):
        ax = fig.add_subplot(fig.add_gridspec(1, 1, **grid)[0])
        graphs.draw_hospitals(fig, ax, graph, occupancy, labels)

    return single_page("Network: hospitals and transfer links", subtitle, "network", draw,
                       "Node size: beds; label: census / staffed beds; edges: transfer links with their delay.")


def region_view(result: Result, data: RunData, subtitle: str) -> list[Page]:
    """The regional view (hospitals whose layout names their region): the fraction of time each
    hospital's resources are full, and region totals of the mean census against capacity."""
    if not region_pages.regions(result.layout):
        return []
    s = result.summary
    p_full, level, capacity = {}, {}, {}
    for scope, used, cap in (("units", "mean_census", "mean_staffed_beds"), ("equipment", "mean_demand", "mean_capacity")):
        for name, kpis in (s.get(scope) or {}).items():
            p_full[name] = mean(kpis.get("p_full"))
            level[name] = np.array([mean(kpis.get(used))])
            capacity[name] = np.array([mean(kpis.get(cap))])
    view = region_pages.RegionInput(p_full, level, capacity)
    return (region_pages.matrix_pages(result, view, "fraction of time full", subtitle)
            + region_pages.totals_pages(result, view, "at a random moment", intro(result)))


def pages(result: Result) -> list[Page]:
    """Every page of a run after the executive summary (a network with regions: the regional
    view after the KPI table)."""
    data = run_data(result)
    subtitle = _subtitle(result, data)
    out = kpi_pages(result) + region_view(result, data, subtitle) + census_pages(result, data, subtitle)
    out += [p_full_page(result, data, subtitle)]
    out += equipment_pages(result, data, subtitle) + [flow_page(result, data, subtitle)]
    return out + layout_pages(result, subtitle)

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

from hospitaltwin.report import graph as graphs
from hospitaltwin.report import region_pages, run_charts
from hospitaltwin.report.charts import Page, single_page
from hospitaltwin.report.clock import span_text
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import ci, ci_words, hours_text, mean, num, pct
from hospitaltwin.report.run_data import (
    RunData,
    run_data,
)
from hospitaltwin.report.text import Bullets, Para, Table, text_pages
from hospitaltwin.report.words import unit_title

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


CAPACITIES = {"mean_staffed_beds", "mean_capacity"}


def kpi_table(scope: dict, columns, first: str) -> Table:
    """One row per resource, one ``mean [95% CI]`` cell per KPI (capacities as whole beds)."""
    rows = tuple((name, *(ci(kpis.get(k), fraction=f, beds=k in CAPACITIES) for k, _, f in columns))
                 for name, kpis in scope.items())
    return Table((first, *(label for _, label, _ in columns)), rows, "l" + "r" * len(columns))


def kpi_pages(result: Result) -> list[Page]:
    """The run's findings, then KPI tables: units, equipment pools and (for a network) hospitals."""
    s = result.summary
    blocks = [Para(intro(result), muted=True), Bullets(tuple(sentences(result))),
              kpi_table(s.get("units", {}), UNIT_COLUMNS, "unit")]
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


def key_pages(result: Result) -> list[Page]:
    """The figure page 1 rests on: how often each unit is at capacity, and its boarding and waits."""
    return [run_charts.capacity_page(result, _subtitle(result, run_data(result)))]


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
    """The run's detail: findings and KPI tables, the regional view (hospitals that name their
    region), the charts over time, the layout."""
    data = run_data(result)
    subtitle = _subtitle(result, data)
    out = kpi_pages(result) + region_view(result, data, subtitle) + run_charts.census_pages(result, data, subtitle)
    out += [run_charts.p_full_page(result, data, subtitle)] + run_charts.equipment_pages(result, data, subtitle)
    return out + [run_charts.flow_page(result, data, subtitle)] + layout_pages(result, subtitle)

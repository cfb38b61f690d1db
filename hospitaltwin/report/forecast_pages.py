"""Pages of a forecast: the risks of the coming days in sentences, a risk table and charts.

A forecast (docs/reference/results.md) gives, per resource (a unit against physical or staffed beds, or an
equipment pool) and hour, the mean and quantiles of the level and the probability of being at
capacity (``forecast.csv``); per local day the probability of reaching capacity at any moment
(``daily.csv``); and in ``summary.json`` headline sentences and, when present, ``risks``:
the probability of reaching capacity within 24 h, 72 h, 7 and 14 days. The executive summary
leads with those probabilities ("ICU reaches its staffed capacity on at least one day in the
next 7 days: 72%"); the charts are fan charts per unit and pool, a heat map of the daily
probabilities and the layout coloured by occupancy at the as-of time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from hospitaltwin.report import demand_pages, region_pages, run_pages
from hospitaltwin.report.charts import Fan, Page, draw_fan, draw_heat, heat_axes, panel_pages, single_page
from hospitaltwin.report.clock import date_axis, local_times, span_text, when_text, zone_note
from hospitaltwin.report.forecast_days import dropped_days, forecast_days
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import hours_text, num, pct, whole
from hospitaltwin.report.style import OKABE_ITO, empty_panel
from hospitaltwin.report.text import Bullets, Para, Table, text_pages
from hospitaltwin.report.words import unit_title

QUANTS = ("p05", "p25", "p50", "p75", "p95")
WINDOWS = (24, 72, 168, 336)
WHAT = {"staffed_beds": "reaches its staffed capacity", "beds": "fills every physical bed",
        "equipment": "has every device in use"}
REACHING = {"staffed_beds": "reaching its staffed capacity", "beds": "filling every physical bed",
            "equipment": "every device being in use"}


@dataclass
class Series:
    """One resource's hourly forecast."""

    resource: str
    kind: str
    x: np.ndarray
    q: np.ndarray
    mean: np.ndarray
    capacity: np.ndarray
    p_full: np.ndarray


def series(result: Result) -> dict[tuple[str, str], Series]:
    """Hourly arrays per (resource, kind), in file order, times as local date numbers."""
    frame = result.tables["forecast"]
    if "_x" not in frame:
        local = local_times(frame["time"], result.timezone, str(result.path / "forecast.csv"))
        frame["_x"] = mdates.date2num(local.to_numpy())
    out = {}
    for (resource, kind), g in frame.groupby(["resource", "kind"], sort=False):
        g = g.sort_values("_x", kind="stable")
        out[(resource, kind)] = Series(resource, kind, g["_x"].to_numpy(), g[list(QUANTS)].to_numpy().T,
                                       g["mean"].to_numpy(), g["capacity"].to_numpy(), g["p_full"].to_numpy())
    return out


def risk(result: Result, resource: str, kind: str, within_h: int) -> float:
    """P(reaching capacity within ``within_h``) from ``summary.json`` (NaN when not given)."""
    for entry in list(result.summary.get("risks") or []) + list(result.summary.get("headline") or []):
        if (entry.get("resource"), entry.get("kind"), entry.get("within_h")) == (resource, kind, within_h):
            return float(entry.get("probability", math.nan))
    return math.nan


def _names(result: Result) -> list[tuple[str, str]]:
    """Staffed-bed series of units (beds where no staffed series is given), then pools."""
    keys = list(series_keys(result))
    units = [r for r, k in keys if k == "staffed_beds"]
    units += [r for r, k in keys if k == "beds" and r not in units]
    return [(r, "staffed_beds" if (r, "staffed_beds") in keys else "beds") for r in units] + \
        [(r, k) for r, k in keys if k == "equipment"]


def series_keys(result: Result) -> list[tuple[str, str]]:


    """(resource, kind) pairs in the order of forecast.csv."""
    frame = result.tables["forecast"]
    return list(dict.fromkeys(zip(frame["resource"], frame["kind"])))


def intro(result: Result) -> str:
    """What the probabilities are."""
    s, tz = result.summary, result.timezone
    last = (f" (last event {when_text(s['last_event'], tz)})"
            if s.get("last_event") and s.get("last_event") != s.get("as_of") else "")
    horizon = hours_text(float(s.get("horizon_h") or 0))
    return (f"Forecast from the hospital's state as of {when_text(s.get('as_of', '?'), tz)}{last}: "
            f"{s.get('replications', '?')} replications over {horizon} (seed {s.get('seed', '?')}); "
            f"{zone_note(tz)}. A probability is the share of replications in which it happens.")


def ranked(result: Result) -> list[tuple[float, str, str]]:
    """``(probability, resource, kind)`` of reaching capacity within the window, largest first;
    a resource with no capacity at all (a unit that only sends patients on) is left out, since
    it is "full" from the start by definition."""
    window, data = window_h(result), series(result)
    found = [(risk(result, r, k, window), r, k) for r, k in _names(result)
             if (r, k) not in data or np.nanmax(data[(r, k)].capacity) > 0]
    return sorted(found, key=lambda t: -np.nan_to_num(t[0], nan=-1.0))


def window_h(result: Result) -> int:
    """The risk window the summary speaks of: 7 days, or the longest one within the horizon."""
    return _window(result)


def _window(result: Result) -> int:
    horizon = float(result.summary.get("horizon_h") or 0)
    return max([w for w in WINDOWS if w <= max(horizon, 24) and w <= 168], default=24)


def sentences(result: Result) -> list[str]:
    """The week's risks and the riskiest day (the 24 h and 72 h risks are in the table below)."""
    out = []
    window = _window(result)
    ranked = sorted(((risk(result, r, k, window), r, k) for r, k in _names(result)), key=lambda t: -np.nan_to_num(t[0]))
    for p, r, k in [t for t in ranked if t[0] > 0.05][:4]:
        span = "in the next 7 days" if window == 168 else f"in the next {hours_text(window)}"
        out.append(f"{unit_title(result.layout, r)} {WHAT[k]} on at least one day {span}: {pct(p)}.")
    out += _riskiest_day(result)
    out = out or ["No resource reaches capacity in any replication."]
    return out + [f"Warning: {w}" for w in result.summary.get("warnings") or []]


def _riskiest_day(result: Result) -> list[str]:
    daily = result.tables["daily"]
    shown = {d.date: d for d in forecast_days(result)}
    daily = daily[(daily["kind"] != "beds") & daily["date"].isin(list(shown))]
    if daily.empty or daily["p_full_any"].max() <= 0:
        return []
    top = daily.loc[daily["p_full_any"].idxmax()]
    return [f"Riskiest day: {unit_title(result.layout, top['resource'])} on {shown[top['date']].label}, with a "
            f"{pct(top['p_full_any'])} chance of {REACHING[top['kind']]}."]


def _range(s: Series, hour: int) -> str:
    hour = min(hour, len(s.x) - 1)
    return f"{num(s.q[2, hour])} [{num(s.q[0, hour])}–{num(s.q[4, hour])}]"


def risk_table(result: Result) -> Table:
    """Capacity, expected level now, ranges ahead and P(full) within each window."""
    data, horizon = series(result), float(result.summary.get("horizon_h") or 0)
    windows = [w for w in WINDOWS if w <= max(horizon, 24)]
    rows = []
    for r, k in _names(result):
        s = data[(r, k)]
        cells = [r, k.replace("_", " "), whole(s.capacity[0]), whole(s.mean[0]), _range(s, 72), _range(s, len(s.x) - 1)]
        rows.append(tuple(cells + [pct(risk(result, r, k, w)) for w in windows]))
    heads = ["resource", "against", "capacity", "now", "in 72 h", "at the end"] + [f"full ≤{hours_text(w)}" for w in windows]
    return Table(tuple(heads), tuple(rows), "ll" + "r" * (len(heads) - 2),
                 "capacity and now: beds (devices) at the as-of time, whole numbers; in 72 h / at the end: median "
                 "[90% prediction range]; full ≤ T: probability of reaching capacity within T (from summary.json; – "
                 "where not given).")


def table_pages(result: Result) -> list[Page]:
    """The forecast's findings and its risk table, on as many pages as they need."""
    blocks = [Para(intro(result), muted=True), Bullets(tuple(sentences(result))), risk_table(result)]
    figures = text_pages("Forecast risks by resource", result.label, blocks)
    return [Page(f, "risks", chart=False) for f in figures]


def _subtitle(result: Result, data: dict) -> str:
    first = next(iter(data.values()))
    start, end = (mdates.num2date(v).replace(tzinfo=None) for v in (first.x[0], first.x[-1]))
    as_of = when_text(result.summary.get("as_of", "?"), result.timezone)
    return f"{result.label} · {span_text(start, end)} · local time ({result.timezone}) · as of {as_of}"


KEY_UNITS = 4
HEAT_ROWS = 30


def key_units(result: Result) -> list[str]:
    """The units most at risk (at most four), largest risk first."""
    return [r for p, r, k in ranked(result) if k != "equipment" and np.isfinite(p)][:KEY_UNITS]


def census_pages(result: Result, data: dict, subtitle: str, units: list[str] | None = None,
                 title: str = "Census forecast by unit") -> list[Page]:
    """Fan chart per unit with physical and staffed capacity (``units``: these only)."""
    units = [r for r, k in _names(result) if k != "equipment"] if units is None else units
    if not units:
        return []

    def draw(ax, unit, first):
        beds, staffed = data.get((unit, "beds")), data.get((unit, "staffed_beds"))
        main = beds or staffed
        fan = Fan(main.x, main.q, beds.capacity if beds else None, staffed.capacity if staffed else None)
        draw_fan(ax, fan, unit_title(result.layout, unit), "occupied beds", legend=first)
        date_axis(ax, f"local time ({result.timezone})")

    return panel_pages(units, draw, title, subtitle, "forecast-census" + ("-risk" if "risk" in title else ""),
                       "Occupied beds per hour: median, central 50% and 90% of replications, with physical and "
                       "staffed capacity.")


def equipment_pages(result: Result, data: dict, subtitle: str) -> list[Page]:
    """Devices needed (fan) against devices available, and P(every device in use)."""
    pools = [r for r, k in _names(result) if k == "equipment"]

    def draw(ax, pool, first):
        s = data[(pool, "equipment")]
        draw_fan(ax, Fan(s.x, s.q, s.capacity, physical_label="devices available"),
                 f"{pool}: devices needed vs available", "devices", legend=False)
        twin = ax.twinx()
        drawn = np.nanmax(s.p_full) > 0
        twin.plot(s.x, s.p_full, color=OKABE_ITO["orange"], linewidth=1.2,
                  label="P(all in use)" if drawn else "_hidden")
        twin.set_ylim(0, 1.05)
        twin.set_ylabel("P(every device in use)")
        twin.grid(False)
        twin.spines["right"].set_visible(True)
        if first:
            handles, labels = ax.get_legend_handles_labels()
            extra, extra_labels = twin.get_legend_handles_labels()
            ax.legend(handles + extra, labels + extra_labels, loc="upper left", ncol=5, fontsize=8)
        date_axis(ax, f"local time ({result.timezone})")

    return panel_pages(pools, draw, "Equipment demand and supply", subtitle, "forecast-equipment",
                       "Devices needed (met or not) per hour across replications against the devices that can run; "
                       "orange: probability that every device is in use (not drawn where it is 0 throughout).",
                       right_in=0.9) if pools else []


def heat_page(result: Result, subtitle: str) -> Page:
    """Probability of reaching capacity at any moment of each local day, resource x day; days the
    forecast covers in part are labelled with their hours, those covered less than an hour left out."""
    daily = result.tables["daily"]
    days = forecast_days(result)
    keys = [(r, k) for p, r, k in ranked(result)]
    pivot = daily.pivot_table(index=["resource", "kind"], columns="date", values="p_full_any", aggfunc="first")
    pivot = pivot.reindex(columns=[d.date for d in days])
    rows = [key for key in keys if key in pivot.index]
    shown = (f" The {HEAT_ROWS} of {len(rows)} resources most at risk; every one is in daily.csv."
             if len(rows) > HEAT_ROWS else "")
    rows = rows[:HEAT_ROWS]
    values = pivot.loc[rows].to_numpy() if rows else np.zeros((0, 0))
    labels = [r if k != "equipment" else f"{r} (devices)" for r, k in rows]
    dates = [d.label for d in days]
    dropped = dropped_days(result)
    left_out = (f" {', '.join(pd.Timestamp(d).strftime('%a %-d %b') for d in dropped)}: covered for less than an "
                "hour, left out." if dropped else "")

    def draw(fig, grid):
        if not rows:
            return empty_panel(fig.add_subplot(fig.add_gridspec(1, 1, **grid)[0]), "daily.csv has no resource of forecast.csv")
        draw_heat(fig, heat_axes(fig, grid, len(rows)), values, labels, dates, "P(reaching capacity that day)")

    return single_page("Probability of reaching capacity, by resource and day", subtitle, "forecast-p-full", draw,
                       "Units against their staffed beds, pools against their devices, most at risk first; the "
                       "probability of reaching capacity at any moment of the local day (daily.csv)." + left_out
                       + shown,
                       bottom=1.55 / 7.2)


def layout_pages(result: Result, data: dict, subtitle: str) -> list[Page]:
    """The layout coloured by occupancy at the as-of time (expected census ÷ staffed beds)."""
    occupancy, labels, census, staffed = {}, {}, {}, {}
    for r, k in _names(result):
        if k == "equipment":
            continue
        s = data[(r, k)]
        census[r], staffed[r] = float(s.mean[0]), float(s.capacity[0])
        occupancy[r] = census[r] / staffed[r] if staffed[r] else math.nan
        labels[r] = f"{r}\n{census[r]:.0f}/{staffed[r]:.0f}"
    out = [run_pages.graph_page(result, occupancy, labels, subtitle, "expected census / staffed beds at the as-of time")]
    hospitals = run_pages.graphs.hospital_graph(result.layout)
    if len(hospitals) > 1:
        units = {u: {"mean_census": {"mean": census.get(u)}, "mean_staffed_beds": {"mean": staffed.get(u)}} for u in census}
        out.append(run_pages.hospital_page(result, units, subtitle))
    return out


def key_pages(result: Result) -> list[Page]:
    """The figures page 1 rests on: the day-by-day risk, the census of the units most at risk."""
    data = series(result)
    subtitle = _subtitle(result, data)
    return [heat_page(result, subtitle)] + census_pages(result, data, subtitle, key_units(result),
                                                        "Census forecast: the units most at risk")


def region_view(result: Result, data: dict, subtitle: str) -> list[Page]:
    """The regional view (hospitals whose layout names their region): P(full) per hospital
    within the window of the summary, region totals and their trend."""
    if not region_pages.regions(result.layout):
        return []
    window = _window(result)
    chosen = _names(result)
    view = region_pages.RegionInput({r: risk(result, r, k, window) for r, k in chosen},
                                    {r: data[(r, k)].mean for r, k in chosen},
                                    {r: data[(r, k)].capacity for r, k in chosen}, next(iter(data.values())).x)
    within = f"≤{hours_text(window)}"
    intro = (f"{intro_words(result)} Units against their staffed beds, pools against their devices; "
             f"P(full {within}): the probability of reaching capacity within {hours_text(window)}.")
    return (region_pages.matrix_pages(result, view, f"P(full {within})", subtitle)
            + region_pages.totals_pages(result, view, within, intro) + region_pages.trend_pages(result, view, subtitle))


def intro_words(result: Result) -> str:
    """The forecast's origin and size in one sentence."""
    return intro(result).split(". A probability")[0] + "."


def pages(result: Result) -> list[Page]:
    """The forecast's detail: risk table, the regional view (hospitals that name their region),
    the other units' census, equipment and the layout."""
    data = series(result)
    subtitle = _subtitle(result, data)
    others = [r for r, k in _names(result) if k != "equipment" and r not in key_units(result)]
    title = "Census forecast, other units" if key_units(result) else "Census forecast by unit"
    return (table_pages(result) + region_view(result, data, subtitle) + census_pages(result, data, subtitle, others, title)
            + equipment_pages(result, data, subtitle) + demand_pages.pages(result)
            + layout_pages(result, data, subtitle))

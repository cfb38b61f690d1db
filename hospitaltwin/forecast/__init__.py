"""Warm-started forecasts: from the hospital's state now, what happens in the next days.

Every replication starts from the same :class:`~hospitaltwin.core.state.SystemState` (remaining
stays drawn given time already spent) and runs the scenario's demand forward, each along its
own demand path when a demand model gives them (:mod:`.history` fits the model and calls
:func:`run_forecast`). Results (docs/reference/results.md): ``forecast.csv`` — per resource and hour the
mean and quantiles of occupied beds (for units) or devices needed (for pools), the capacity
and the probability of being at capacity; ``daily.csv`` — per resource and local day the
probability of reaching capacity at any moment that day; ``summary.json`` — headline risks
(probability of reaching capacity within 24 h, 72 h, 7 and 14 days, each with its 95% Wilson
interval over the replications), how precise they are for the number of replications run
(``precision``) and provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from hospitaltwin.config.scenario import DemandChange, Scenario
from hospitaltwin.core.durations import format_hours
from hospitaltwin.core.outputs import ResultFolder
from hospitaltwin.core.state import SystemState
from hospitaltwin.core.tstats import replications_for, wilson
from hospitaltwin.engine import compile_scenario
from hospitaltwin.engine.compile import with_demand_paths
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.replicate import replicate, with_run
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_csv, write_json
from hospitaltwin.forecast.accumulate import QUANTILES, Accumulator
from hospitaltwin.forecast.summarise import STAY_COLUMNS, day_edges, resources, summarise
from hospitaltwin.store.start import from_state

WINDOWS_H = (24, 72, 168, 336)
PRECISION = 0.05
"""Half-width (probability points) a forecast's risks are asked to be known to."""


@dataclass
class Forecast:
    """An aggregated forecast, ready to write."""

    scenario: Scenario
    origin: datetime
    accumulator: Accumulator
    day_starts: list[datetime]
    info: dict = field(default_factory=dict)
    state: SystemState | None = None
    """The state every replication started from."""

    def p_full_within(self, resource: str, kind: str, hours: float) -> float:
        """Probability that ``resource`` reaches capacity within ``hours``."""
        for i, res in enumerate(self.accumulator.resources):
            if (res.name, res.kind) == (resource, kind):
                return float(self.accumulator.p_full_within(hours)[i])
        raise KeyError((resource, kind))


def forecast_scenario(scenario: Scenario, horizon_h: float, replications: int, seed: int | None,
                      demand_multiplier: float = 1.0) -> Scenario:
    """The scenario as a forecast runs it: no warmup, the forecast horizon, a demand level."""
    spec = with_run(scenario, horizon=format_hours(horizon_h), warmup="0h", replications=replications, seed=seed)
    if demand_multiplier != 1.0:
        trend = DemandChange(multiplier=demand_multiplier)
        spec = spec.model_copy(update={"changes": spec.changes.model_copy(
            update={"demand": (*spec.changes.demand, trend)})})
    return spec


def run_forecast(scenario: Scenario, state: SystemState, *, horizon_h: float = 336.0,
                 replications: int = 500, seed: int | None = None, workers: Workers = 1,
                 demand_multiplier: float = 1.0, demand_paths: dict | None = None,
                 progress=None) -> Forecast:
    """Forecast from ``state`` for ``horizon_h`` hours over ``replications`` replications.

    ``demand_paths`` (stream name -> ``(replications, hours)`` multipliers) gives each
    replication its own demand path (see :func:`~hospitaltwin.forecast.history.forecast_from_history`,
    which fits them; this function only simulates).
    """
    spec = from_state(forecast_scenario(scenario, horizon_h, replications, seed, demand_multiplier), state)
    origin = spec.run.origin
    model = compile_scenario(spec)
    if demand_paths:
        model = with_demand_paths(model, demand_paths)
    edges = day_edges(model)
    acc = Accumulator(resources(model), int(np.floor(model.horizon)) + 1, len(edges) - 1)
    for summary in replicate(model, spec.run.seed, replications, workers=workers, state=state, tables=False,
                             reduce=summarise, stay_columns=STAY_COLUMNS):
        acc.add(summary)
        if progress is not None:
            progress(summary.replication)
    starts = [origin + timedelta(hours=float(e)) for e in edges[:-1]]
    info = {"as_of": state.as_of.isoformat(), "demand_multiplier": demand_multiplier,
            "horizon_h": model.horizon, "replications": replications, "seed": spec.run.seed, **state.notes}
    return Forecast(spec, origin, acc, starts, info, state)


def _stamp(origin: datetime, hours: float, zone: ZoneInfo) -> str:
    return (origin + timedelta(hours=hours)).replace(tzinfo=zone).isoformat(timespec="minutes")


def forecast_rows(fc: Forecast) -> list[tuple]:
    """Rows of ``forecast.csv``."""
    acc, zone = fc.accumulator, ZoneInfo(fc.scenario.layout.timezone)
    q, mean, cap = acc.quantiles(QUANTILES), acc.level_sum / acc.n, acc.capacity_sum / acc.n
    p_full = acc.full_hours / acc.n
    times = [_stamp(fc.origin, h, zone) for h in range(q.shape[1])]
    rows = []
    for i, res in enumerate(acc.resources):
        for h, when in enumerate(times):
            rows.append((res.name, res.kind, when, round(mean[i, h], 4), *q[i, h].tolist(),
                         round(cap[i, h], 4), round(p_full[i, h], 4)))
    return rows


def daily_rows(fc: Forecast) -> list[tuple]:
    """Rows of ``daily.csv``: probability of reaching capacity at any moment of each day."""
    acc = fc.accumulator
    return [(res.name, res.kind, day.date().isoformat(), round(acc.full_days[i, d] / acc.n, 4))
            for i, res in enumerate(acc.resources) for d, day in enumerate(fc.day_starts)]


def risks(fc: Forecast) -> list[dict]:
    """Probability of reaching capacity within each window, per resource, with its 95% Wilson
    interval over the replications (``ci95``): a probability from few replications is uncertain."""
    out, n = [], fc.accumulator.n
    for hours in (w for w in WINDOWS_H if w <= fc.info["horizon_h"]):
        within = fc.accumulator.p_full_within(hours)
        for i, res in enumerate(fc.accumulator.resources):
            lo, hi = wilson(round(float(within[i]) * n), n)
            out.append({"resource": res.name, "kind": res.kind, "within_h": hours,
                        "probability": round(float(within[i]), 4), "ci95": [round(lo, 4), round(hi, 4)]})
    return out


def precision(fc: Forecast, half_width: float = PRECISION) -> dict:
    """How precisely the replications pin the probabilities down: the widest 95% half-width of
    the headline risks, and the replications that would give ``half_width`` for each."""
    n, shown = fc.accumulator.n, headline(fc)
    widest = max(((r["ci95"][1] - r["ci95"][0]) / 2 for r in shown), default=0.0)
    worst = max((r["probability"] for r in shown), key=lambda p: p * (1 - p), default=0.5)
    return {"replications": n, "max_half_width": round(widest, 4), "target_half_width": half_width,
            "replications_needed": replications_for(worst, half_width)}


def headline(fc: Forecast, top: int = 6) -> list[dict]:
    """The ``top`` largest risks of reaching staffed capacity within 72 h (or the horizon), and
    every equipment pool's risk of running out (command centers always watch ventilators and
    ECLS), as sentences, largest first."""
    window = min(72, max(w for w in WINDOWS_H if w <= fc.info["horizon_h"]) if fc.info["horizon_h"] >= 24 else 24)
    chosen = [r for r in risks(fc) if r["within_h"] == window]
    beds = sorted((r for r in chosen if r["kind"] == "staffed_beds"), key=lambda r: -r["probability"])[:top]
    devices = [r for r in chosen if r["kind"] == "equipment"]
    for r in beds + devices:
        what = (f"{r['resource']} reaches its staffed capacity" if r["kind"] == "staffed_beds"
                else f"every {r['resource']} is in use")
        r["text"] = f"{what} within {r['within_h']} h: {r['probability']:.0%}"
    return sorted(beds + devices, key=lambda r: -r["probability"])


def write_forecast(fc: Forecast, out: Path, inputs: dict[str, str] | None = None,
                   force: bool = False) -> Path:
    """Write forecast.csv, daily.csv, summary.json and manifest.json into the result folder ``out``
    (:class:`~hospitaltwin.core.outputs.ResultFolder`; ``force`` writes beside files the tool did
    not write)."""
    with ResultFolder(out, force) as folder:
        write_csv(folder.path / "forecast.csv", CSV_COLUMNS["forecast"], forecast_rows(fc))
        write_csv(folder.path / "daily.csv", CSV_COLUMNS["daily"], daily_rows(fc))
        summary = {**fc.info, "headline": headline(fc), "risks": risks(fc), "precision": precision(fc)}
        write_json(folder.path / "summary.json", summary)
        resolved = fc.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        info = manifest("forecast", resolved, fc.info["seed"], fc.info["replications"], inputs or {},
                        {"origin": fc.origin.isoformat()})
        write_json(folder.path / "manifest.json", info)
    return folder.out


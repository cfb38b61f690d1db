"""Rolling-origin backtests: forecast from past states, score against what happened.

At each origin the forecast is made exactly as it would have been then: from the store's
state as of that moment, with the demand level from the weeks before it, for the horizon
ahead. Its hourly distributions of occupied beds (per unit) and devices in use (per kind) are
scored against the levels the store recorded afterwards — CRPS, MAE of the median, coverage
of the central 50/80/95% intervals, Brier score of being at capacity — per resource and lead
time, beside three baselines computed from the same history (:mod:`.baselines`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from hospitaltwin.backtest import baselines as base
from hospitaltwin.backtest.scores import brier, central_interval, crps_from_cdf, quantile_from_cdf
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.durations import local_origin
from hospitaltwin.core.state import SystemState
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.forecast import run_forecast
from hospitaltwin.forecast.trend import demand_levels, with_levels

METHODS = ("model", "persistence", "last_week", "hour_of_week")
LEVELS = (0.5, 0.8, 0.95)


class History(Protocol):
    """What a backtest reads from the state store."""

    def state_at(self, at: datetime | None = None, layout=None) -> SystemState: ...

    def census_history(self, start: datetime, end: datetime, step_h: float = 1.0) -> pd.DataFrame: ...

    def arrivals(self, start: datetime, end: datetime) -> pd.DataFrame: ...


def truth_matrix(frame: pd.DataFrame, resources: list[tuple[str, str]], times: pd.DatetimeIndex) -> np.ndarray:
    """``(R, T)`` levels from ``census_history`` rows (missing resources or times: 0)."""
    table = frame.pivot_table(index=["resource", "kind"], columns="time", values="occupied", aggfunc="first")
    table = table.reindex(index=pd.MultiIndex.from_tuples(resources), columns=times)
    return table.fillna(0).to_numpy(dtype=np.int64)


def origins_between(first: datetime, last: datetime, span_h: float, every_h: float,
                    horizon_h: float, history_h: float) -> list[datetime]:
    """Origins every ``every_h`` over ``span_h`` ending ``horizon_h`` before ``last``."""
    end = last - timedelta(hours=horizon_h)
    start = max(end - timedelta(hours=span_h), first + timedelta(hours=history_h))
    out, t = [], end
    while t >= start:
        out.append(t)
        t -= timedelta(hours=every_h)
    return sorted(out)


def _scored_resources(scenario: Scenario, forecast_resources) -> list[tuple[int, str, str]]:
    """Forecast rows scored (index, history resource, kind): unit beds and equipment kinds."""
    out = []
    for i, res in enumerate(forecast_resources):
        if res.kind == "beds":
            out.append((i, res.name, "beds"))
        elif res.kind == "equipment":
            pool = scenario.layout.equipment[res.name]
            out.append((i, pool.kind or res.name, "equipment"))
    return out


def score_origin(acc, truth: np.ndarray, past: np.ndarray, weeks: int) -> dict[str, np.ndarray]:
    """Per method an array ``(R, H, 7)`` of n, |error|, covered 50/80/95, CRPS, Brier."""
    leads = truth.shape[1] - 1
    y = truth[:, 1:]
    size = max(acc["hist"].shape[-1], int(truth.max(initial=0)) + 2, int(past.max(initial=0)) + 2)
    hist = np.zeros(acc["hist"].shape[:2] + (size,))
    hist[..., : acc["hist"].shape[-1]] = acc["hist"]
    cdf = np.cumsum(hist, axis=2) / hist.sum(axis=2, keepdims=True)
    full_obs = y >= acc["capacity"][:, 1:]
    out = {"model": _distribution_scores(cdf[:, 1:], y, acc["p_full"][:, 1:], full_obs)}
    clim = base.climatology(past, leads, weeks)
    clim_cdf = np.cumsum(base.hist_from_samples(clim, size), axis=2) / weeks
    clim_p = (clim >= acc["capacity"][:, 1:, None]).mean(axis=2)
    out["hour_of_week"] = _distribution_scores(clim_cdf, y, clim_p, full_obs)
    for name, point in (("persistence", base.persistence(truth[:, 0], leads)), ("last_week", base.last_week(past, leads))):
        out[name] = _point_scores(point, y, (point >= acc["capacity"][:, 1:]).astype(float), full_obs)
    return out


def _distribution_scores(cdf: np.ndarray, y: np.ndarray, p_full: np.ndarray, full: np.ndarray) -> np.ndarray:
    R, H, K = cdf.shape
    flat_cdf, flat_y = cdf.reshape(R * H, K), y.reshape(-1)
    cols = [np.ones(R * H), np.abs(quantile_from_cdf(flat_cdf, 0.5) - flat_y)]
    for level in LEVELS:
        lo, hi = central_interval(flat_cdf, level)
        cols.append(((flat_y >= lo) & (flat_y <= hi)).astype(float))
    cols += [crps_from_cdf(flat_cdf, flat_y), brier(p_full.reshape(-1), full.reshape(-1))]
    return np.stack(cols, axis=1).reshape(R, H, 7)


def _point_scores(point: np.ndarray, y: np.ndarray, p_full: np.ndarray, full: np.ndarray) -> np.ndarray:
    error = np.abs(point - y).astype(float)
    nan = np.full(error.shape, np.nan)
    return np.stack([np.ones(error.shape), error, nan, nan, nan, error, brier(p_full, full)], axis=2)


@dataclass
class Backtest:
    """Scores summed over origins, and the probability/outcome pairs of being at capacity."""

    scenario: Scenario
    origins: list[datetime]
    horizon_h: int
    sums: dict
    pairs: list
    info: dict


def run_backtest(scenario: Scenario, history: History, origins: list[datetime], *, horizon_h: float,
                 replications: int = 200, seed: int = 1, workers: Workers = 1, weeks: int = 4,
                 trend_weeks: int = 4, progress=None) -> Backtest:
    """Forecast from each origin, score against history, and sum the scores."""
    horizon = int(horizon_h)
    sums: dict = defaultdict(lambda: np.zeros(7))
    pairs: list = []
    for k, origin in enumerate(origins):
        fc = _forecast_at(scenario, history, origin, horizon, replications, seed, workers, trend_weeks)
        rows = _scored_resources(fc.scenario, fc.accumulator.resources)
        keys = [(name, kind) for _, name, kind in rows]
        truth = _levels(history, keys, origin, origin + timedelta(hours=horizon))
        past = _levels(history, keys, origin - timedelta(hours=base.WEEK_H * base.back_weeks(weeks, horizon)), origin)
        acc = _model_arrays(fc.accumulator, [i for i, _, _ in rows])
        for method, values in score_origin(acc, truth, past, weeks).items():
            for r, key in enumerate(keys):
                for lead in range(horizon):
                    sums[(*key, lead + 1, method)] += values[r, lead]
        pairs += _pairs(keys, acc, truth)
        if progress is not None:
            progress(k)
    info = {"origins": [o.isoformat() for o in origins], "horizon_h": horizon, "replications": replications,
            "seed": seed, "baseline_weeks": weeks, "trend_weeks": trend_weeks}
    return Backtest(scenario, origins, horizon, dict(sums), pairs, info)


def _forecast_at(scenario, history, origin, horizon, replications, seed, workers, trend_weeks):
    state = history.state_at(origin)
    if trend_weeks:
        start = origin - timedelta(weeks=trend_weeks)
        seen = history.arrivals(start, origin)["unit"].value_counts().to_dict()
        levels = demand_levels(scenario, seen, local_origin(start, scenario.layout.timezone), trend_weeks * 168.0)
        scenario = with_levels(scenario, levels)
    return run_forecast(scenario, state, horizon_h=horizon, replications=replications, seed=seed, workers=workers)


def _levels(history: History, keys, start: datetime, end: datetime) -> np.ndarray:
    times = pd.date_range(pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC"), freq="h")
    return truth_matrix(history.census_history(start, end, 1.0), keys, times)


def _model_arrays(acc, rows: list[int]) -> dict[str, np.ndarray]:
    return {"hist": acc.hist[rows].astype(float), "p_full": acc.full_hours[rows] / acc.n,
            "capacity": np.rint(acc.capacity_sum[rows] / acc.n)}


def _pairs(keys, acc, truth) -> list[tuple]:
    full = truth[:, 1:] >= acc["capacity"][:, 1:]
    return [(key[0], float(p), bool(f)) for r, key in enumerate(keys)
            for p, f in zip(acc["p_full"][r, 1:], full[r])]

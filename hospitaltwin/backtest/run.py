"""Rolling-origin backtests: forecast from past states, score against what happened.

At each origin the forecast is made by the very function ``hospitaltwin forecast`` ships,
:func:`~hospitaltwin.forecast.history.forecast_from_history`, from the store's state as of
that moment and the demand history before it. Its distributions of occupied beds (per unit)
and devices in use (per kind) — hourly from event logs, daily in counts mode — are scored
against the levels the store recorded afterwards: CRPS, pinball loss, MAE of the median,
coverage of the central 50/80/90/95% intervals, the PIT histogram and the Brier score of being
at capacity, per resource and lead time, beside five baselines computed from the same history
(:mod:`.baselines`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from hospitaltwin.backtest import baselines as base
from hospitaltwin.backtest.scores import (
    brier,
    central_interval,
    crps_from_cdf,
    pinball,
    pinball_from_cdf,
    pit_histogram,
    quantile_from_cdf,
)
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.state import SystemState
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.forecast.history import ForecastOptions, forecast_from_history
from hospitaltwin.forecast.scored import model_arrays, scored_rows

METHODS = ("model", "persistence", "last_week", "hour_of_week", "linear_trend", "ses")
POINT_METHODS = ("persistence", "last_week", "linear_trend", "ses")
LEVELS = (0.5, 0.8, 0.9, 0.95)
STATS = ("n", "mae", "coverage50", "coverage80", "coverage90", "coverage95", "crps", "brier", "pinball")
PIT_BINS = 10
WIDTH = len(STATS) + PIT_BINS


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


def score_origin(acc: dict, truth: np.ndarray, past: np.ndarray, weeks: int,
                 period: int = base.WEEK_H) -> dict[str, np.ndarray]:
    """Per method an array ``(R, L, WIDTH)``: the :data:`STATS` then the PIT histogram.

    ``acc`` holds the model's histograms, capacities and probabilities at the scored steps
    (origin first); ``truth`` the levels at those steps (NaN: not observed, not scored);
    ``past`` the levels before the origin, ``period`` steps a week.
    """
    leads = truth.shape[1] - 1
    valid = np.isfinite(truth[:, 1:])
    y = np.nan_to_num(truth[:, 1:]).astype(np.int64)
    size = max(acc["hist"].shape[-1], int(y.max(initial=0)) + 2, int(np.nanmax(past, initial=0)) + 2)
    hist = np.zeros(acc["hist"].shape[:2] + (size,))
    hist[..., : acc["hist"].shape[-1]] = acc["hist"]
    cdf = np.cumsum(hist, axis=2) / hist.sum(axis=2, keepdims=True)
    capacity = acc["capacity"][:, 1:]
    full_obs = y >= capacity
    out = {"model": _distribution_scores(cdf[:, 1:], y, acc["p_full"][:, 1:], full_obs)}
    past = np.nan_to_num(past).astype(np.int64)
    clim = base.climatology(past, leads, weeks, period)
    clim_cdf = np.cumsum(base.hist_from_samples(clim, size), axis=2) / weeks
    out["hour_of_week"] = _distribution_scores(clim_cdf, y, (clim >= capacity[..., None]).mean(axis=2), full_obs)
    origin_level = np.nan_to_num(truth[:, 0]).astype(np.int64)
    points = {"persistence": base.persistence(origin_level, leads),
              "last_week": base.last_week(past, leads, period),
              "linear_trend": base.linear_trend(past, leads, min(period, 7 * 24)),
              "ses": base.exponential_smoothing(past, leads)}
    for name, point in points.items():
        out[name] = _point_scores(point, y, (point >= capacity).astype(float), full_obs)
    return {k: v * valid[..., None] for k, v in out.items()}


def _distribution_scores(cdf: np.ndarray, y: np.ndarray, p_full: np.ndarray, full: np.ndarray) -> np.ndarray:
    R, H, K = cdf.shape
    flat_cdf, flat_y = cdf.reshape(R * H, K), y.reshape(-1)
    cols = [np.ones(R * H), np.abs(quantile_from_cdf(flat_cdf, 0.5) - flat_y)]
    for level in LEVELS:
        lo, hi = central_interval(flat_cdf, level)
        cols.append(((flat_y >= lo) & (flat_y <= hi)).astype(float))
    cols += [crps_from_cdf(flat_cdf, flat_y), brier(p_full.reshape(-1), full.reshape(-1)),
             pinball_from_cdf(flat_cdf, flat_y)]
    stats = np.stack(cols, axis=1)
    return np.concatenate((stats, pit_histogram(flat_cdf, flat_y, PIT_BINS)), axis=1).reshape(R, H, WIDTH)


def _point_scores(point: np.ndarray, y: np.ndarray, p_full: np.ndarray, full: np.ndarray) -> np.ndarray:
    error = np.abs(point - y).astype(float)
    nan = np.full(error.shape, np.nan)
    cols = [np.ones(error.shape), error, nan, nan, nan, nan, error, brier(p_full, full),
            pinball(point, y, 0.5)]
    return np.concatenate((np.stack(cols, axis=2), np.zeros(error.shape + (PIT_BINS,))), axis=2)


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
                 options: ForecastOptions | None = None, progress=None) -> Backtest:
    """Forecast from each origin with :func:`forecast_from_history`, score, and sum the scores.

    ``options`` are the forecast's (demand model, counts mode, ...); ``horizon_h``,
    ``replications``, ``seed`` and ``workers`` override theirs. ``weeks`` is the climatology's.
    """
    options = (options or ForecastOptions()).model_copy(update={
        "horizon_h": float(horizon_h), "replications": replications, "seed": seed, "allow_stale": True})
    step = 24 if options.counts else 1
    period = base.WEEK_H // step
    horizon = int(horizon_h)
    sums: dict = defaultdict(lambda: np.zeros(WIDTH))
    pairs: list = []
    fits: list = []
    for k, origin in enumerate(origins):
        fc = forecast_from_history(scenario, history, origin, options, workers=workers)
        rows = scored_rows(fc, counts=options.counts)
        keys = [(name, kind) for _, name, kind in rows]
        steps = np.arange(0, horizon + 1, step)
        truth, past = _observed(history, keys, origin, horizon, weeks, step, options.counts)
        acc = model_arrays(fc.accumulator, [i for i, _, _ in rows], steps)
        for method, values in score_origin(acc, truth, past, weeks, period).items():
            for r, key in enumerate(keys):
                for lead in range(len(steps) - 1):
                    sums[(*key, int(steps[lead + 1]), method)] += values[r, lead]
        pairs += _pairs(keys, acc, truth)
        fits.append({"origin": origin.isoformat(), "demand": {u: f.get("diagnostics", {}) for u, f in
                                                              fc.info.get("demand", {}).items()},
                     "stays_from_counts": fc.info.get("stays_from_counts", {})})
        if progress is not None:
            progress(k)
    info = {"origins": [o.isoformat() for o in origins], "horizon_h": horizon, "replications": replications,
            "seed": seed, "baseline_weeks": weeks, "counts": options.counts, "demand_model": options.demand,
            "history_weeks": options.weeks(), "admissions_previous_day": options.admissions_previous_day,
            "fits": fits}
    return Backtest(scenario, origins, horizon, dict(sums), pairs, info)


def _observed(history, keys, origin: datetime, horizon: int, weeks: int, step: int, counts: bool):
    """Levels at the scored steps from the origin, and before it (``past``)."""
    back = base.WEEK_H * base.back_weeks(weeks, horizon)
    if counts:
        return (_daily(history, keys, origin, 0, horizon // 24),
                _daily(history, keys, origin, -back // 24, 0))
    return (_levels(history, keys, origin, origin + timedelta(hours=horizon)).astype(float),
            _levels(history, keys, origin - timedelta(hours=back), origin))


def _levels(history: History, keys, start: datetime, end: datetime) -> np.ndarray:
    times = pd.date_range(pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC"), freq="h")
    return truth_matrix(history.census_history(start, end, 1.0), keys, times)


def _daily(history, keys, origin: datetime, first: int, last: int) -> np.ndarray:
    """Census counts per unit on the days ``first..last`` after the origin's day (NaN: none)."""
    day = pd.Timestamp(origin).tz_convert("UTC").normalize()
    days = pd.date_range(day + pd.Timedelta(days=first), day + pd.Timedelta(days=last), freq="D")
    frame = history.counts_history(days[0].to_pydatetime(), days[-1].to_pydatetime())
    table = frame.pivot_table(index="unit", columns="date", values="census", aggfunc="first")
    table = table.reindex(index=[name for name, _ in keys], columns=days)
    if first < 0:
        table = table.ffill(axis=1)  # a baseline reads the latest count known
    return table.to_numpy(dtype=float)


def _pairs(keys, acc, truth) -> list[tuple]:
    valid = np.isfinite(truth[:, 1:])
    full = np.nan_to_num(truth[:, 1:]) >= acc["capacity"][:, 1:]
    return [(key[0], float(p), bool(f)) for r, key in enumerate(keys)
            for p, f, v in zip(acc["p_full"][r, 1:], full[r], valid[r]) if v]

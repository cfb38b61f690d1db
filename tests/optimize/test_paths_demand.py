"""Optimiser demand paths from a state follow the forecast's demand model fitted to the history.

A hospital whose recent arrivals run at twice the scenario's rate: the trend model's paths
must need about twice the beds the scenario's rates give, the paths must not depend on how
many are drawn at once (the surge optimiser draws them in rounds), and a reseeded model must
give other paths (the out-of-sample test).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from hospitaltwin.config.load import scenario_from_dict
from hospitaltwin.core.state import SystemState
from hospitaltwin.optimize.paths import demand_paths, history_demand

AT = datetime(2024, 3, 1, tzinfo=UTC)
RATE = 48.0  # arrivals per day in the scenario
SCENARIO = scenario_from_dict({
    "name": "doubling",
    "layout": {"units": {"ED": {"beds": 30}}},
    "demand": {"arrivals": [{"unit": "ED", "rate": RATE}],
               "units": {"ED": {"los": {"dist": "exponential", "mean": "6h"}, "next": {"discharge": 1.0}}}},
    "run": {"horizon": "3d", "warmup": "0h", "replications": 2, "seed": 3},
})


class TwiceAsBusy:
    """Four weeks of arrivals at twice the scenario's rate, as the state store reports them."""

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        hours = 28 * 24
        counts = rng.poisson(2 * RATE / 24, hours)
        times = [AT - timedelta(hours=hours - h) for h, k in enumerate(counts) for _ in range(k)]
        self.frame = pd.DataFrame({"time": pd.to_datetime(times, utc=True), "unit": "ED"})

    def arrivals(self, start, end) -> pd.DataFrame:
        keep = (self.frame["time"] >= pd.Timestamp(start)) & (self.frame["time"] < pd.Timestamp(end))
        return self.frame[keep]


def _state() -> SystemState:
    return SystemState(AT, (), notes={"first_event": (AT - timedelta(days=28)).isoformat()})


def test_paths_from_the_trend_model_need_twice_the_beds_of_the_scenarios_rates():
    state, horizon = _state(), 72.0
    trend = history_demand(SCENARIO, TwiceAsBusy(), state, horizon, seed=9)
    fixed = demand_paths(SCENARIO, paths=40, horizon_h=horizon, seed=9, state=state)
    moved = demand_paths(SCENARIO, paths=40, horizon_h=horizon, seed=9, state=state, demand=trend)
    # M/G/inf from empty: the mean census after 24 h is rate x 6 h (12 at the scenario's rates)
    before, after = fixed.beds[:, 0, 24:].mean(axis=1), moved.beds[:, 0, 24:].mean(axis=1)
    ratio = after.mean() / before.mean()
    se = ratio * np.sqrt(before.var(ddof=1) / before.size / before.mean() ** 2
                         + after.var(ddof=1) / after.size / after.mean() ** 2)
    assert abs(ratio - 2.0) < 3 * se + 0.15, (ratio, se)
    assert trend.summaries()["ED"]["model"] == "trend"


def test_paths_do_not_depend_on_how_many_are_drawn_at_once():
    state = _state()
    trend = history_demand(SCENARIO, TwiceAsBusy(), state, 48.0, seed=4)
    whole = demand_paths(SCENARIO, paths=70, horizon_h=48.0, seed=4, state=state, demand=trend)
    fresh = history_demand(SCENARIO, TwiceAsBusy(), state, 48.0, seed=4)
    first = demand_paths(SCENARIO, paths=30, horizon_h=48.0, seed=4, state=state, demand=fresh)
    rest = demand_paths(SCENARIO, paths=40, horizon_h=48.0, seed=4, state=state, demand=fresh, first=30)
    assert np.array_equal(whole.beds, first.extended(rest).beds)


def test_a_reseeded_model_draws_other_demand_levels():
    trend = history_demand(SCENARIO, TwiceAsBusy(), _state(), 48.0, seed=4)
    same = next(iter(trend.rows(10).values()))
    other = next(iter(trend.reseeded(5).rows(10).values()))
    assert same.shape == other.shape and not np.allclose(same, other)
    assert np.array_equal(same, next(iter(trend.rows(10).values())))

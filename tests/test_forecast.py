"""Warm-started forecasts against the transient law of M/M/infinity, and their bookkeeping.

From n patients in beds with exponential stays (rate mu) and Poisson arrivals (rate lambda),
the census at time t is Binomial(n, e^{-mu t}) + Poisson(lambda/mu (1 - e^{-mu t})): the
forecast's mean and quantiles are checked against it, and its probabilities against their
definitions (a day is full if any moment of it is, so a day's probability is at least every
hourly one).
"""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import stats

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.core.state import PatientState, SystemState
from hospitaltwin.forecast import run_forecast, write_forecast

AS_OF = datetime(2024, 3, 4, 6, 30, tzinfo=timezone.utc)


def _scenario(beds: int, rate: float, mean_h: float, on_full: str = "queue"):
    return scenario_from_dict({
        "name": "fc", "layout": {"timezone": "Europe/Amsterdam", "units": {"ICU": {"beds": beds, "on_full": on_full}}},
        "demand": {"arrivals": [{"unit": "ICU", "rate": rate}],
                   "units": {"ICU": {"los": {"dist": "exponential", "mean": f"{mean_h}h"}}}},
        "run": {"horizon": "10d", "replications": 1, "seed": 1}})


def _state(n: int) -> SystemState:
    return SystemState(AS_OF, tuple(PatientState(f"p{i}", "ICU", 30.0) for i in range(n)), notes={"last_event": "2024-03-04T06:12"})


def test_forecast_mean_and_quantiles_follow_the_transient_m_m_infinity_law():
    n, rate, mean_h = 40, 12.0, 48.0
    fc = run_forecast(_scenario(500, rate, mean_h), _state(n), horizon_h=96, replications=400, seed=5)
    acc = fc.accumulator
    row = [i for i, r in enumerate(acc.resources) if r.kind == "beds"][0]
    samples_mean = acc.level_sum[row] / acc.n
    quantiles = acc.quantiles()[row]
    for hour in (6, 24, 48, 96):
        keep = math.exp(-hour / mean_h)
        fresh = rate / 24 * mean_h * (1 - keep)
        mean, var = n * keep + fresh, n * keep * (1 - keep) + fresh
        half = stats.t.ppf(0.9995, acc.n - 1) * math.sqrt(var / acc.n)
        assert abs(samples_mean[hour] - mean) < half, (hour, samples_mean[hour], mean)
        draws = stats.binom(n, keep).rvs(200_000, random_state=1) + stats.poisson(fresh).rvs(200_000, random_state=2)
        for q, value in zip((0.05, 0.5, 0.95), quantiles[hour][[0, 2, 4]]):
            assert abs(value - np.quantile(draws, q, method="inverted_cdf")) <= 1, (hour, q)


def test_probabilities_are_consistent_with_levels_and_days(tmp_path):
    fc = run_forecast(_scenario(10, 3.0, 72.0), _state(8), horizon_h=120, replications=200, seed=2)
    write_forecast(fc, tmp_path)
    with open(tmp_path / "forecast.csv") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "beds"]
    with open(tmp_path / "daily.csv") as handle:
        daily = {r["date"]: float(r["p_full_any"]) for r in csv.DictReader(handle) if r["kind"] == "beds"}
    assert len(rows) == 121 and rows[0]["time"].startswith("2024-03-04T07:30+01:00"), "local time of the layout"
    acc = fc.accumulator
    cdf_at_cap = np.cumsum(acc.hist[0], axis=1)[:, 9] / acc.n
    np.testing.assert_allclose([float(r["p_full"]) for r in rows], 1 - cdf_at_cap, atol=1e-4)
    for r in rows:
        assert daily[r["time"][:10]] >= float(r["p_full"]) - 1e-9
    summary = json.loads((tmp_path / "summary.json").read_text())
    within = {(r["kind"], r["within_h"]): r["probability"] for r in summary["risks"] if r["resource"] == "ICU"}
    assert within[("beds", 24)] <= within[("beds", 72)] <= 1.0
    assert summary["last_event"] == "2024-03-04T06:12" and summary["headline"][0]["text"].endswith("%")
    assert json.loads((tmp_path / "manifest.json").read_text())["kind"] == "forecast"


def test_forecasts_do_not_depend_on_workers_and_memory_does_not_grow_with_replications():
    scenario, state = _scenario(10, 3.0, 72.0), _state(8)
    one = run_forecast(scenario, state, horizon_h=48, replications=30, seed=4, workers=1).accumulator
    two = run_forecast(scenario, state, horizon_h=48, replications=30, seed=4, workers=2).accumulator
    np.testing.assert_array_equal(one.hist, two.hist)
    np.testing.assert_array_equal(one.full_days, two.full_days)
    more = run_forecast(scenario, state, horizon_h=48, replications=120, seed=4).accumulator
    assert more.hist.nbytes == one.hist.nbytes


def test_a_state_fuller_than_the_unit_is_full_at_the_start():
    fc = run_forecast(_scenario(5, 1.0, 72.0), _state(7), horizon_h=24, replications=20, seed=1)
    assert fc.p_full_within("ICU", "beds", 1) == pytest.approx(1.0)

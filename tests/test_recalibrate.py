"""Recalibration from a model's own past errors: no look-ahead, honest sizes, mass kept."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest

import hospitaltwin.forecast.recalibrate as recal
from hospitaltwin.forecast import level_errors
from hospitaltwin.forecast.recalibrate import (
    CensusErrors,
    PastInputs,
    census_errors,
    effective_number,
    predict_census,
    reported,
)
from hospitaltwin.forecast.weekdays import weekday_factors

DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(120)]  # 2024-01-01 is a Monday
WEEKDAYS = np.array([d.weekday() for d in DAYS])


def test_weekday_factors_are_read_through_a_trend():
    truth = np.array([1.02, 1.03, 1.01, 1.0, 0.99, 0.96, 0.99])
    truth = truth / np.exp(np.log(truth).mean())
    census = 500 * np.exp(0.01 * np.arange(120)) * truth[[d.weekday() for d in DAYS]]
    assert weekday_factors(census, WEEKDAYS) == pytest.approx(truth, abs=0.004)
    flat = weekday_factors(np.full(120, 300.0), WEEKDAYS)
    assert flat == pytest.approx(np.ones(7))


def _inputs(census, admissions, ratio=None):
    expected = np.full(len(census), 20.0)
    return PastInputs(np.asarray(census, float), np.asarray(admissions, float), DAYS[: len(census)], expected,
                      ratio or (lambda t, days: np.ones(days)))


def test_past_forecasts_use_only_what_was_known_at_their_origin(monkeypatch):
    rng = np.random.default_rng(1)
    admissions = rng.poisson(20, 120).astype(float)
    census = np.full(120, 100.0)
    seen, asked = [], []
    real_fit = recal.fit_stays

    def spy(unit, c, a):
        seen.append((len(c), np.isnan(a[-1]), len(a)))
        return real_fit(unit, c, a)

    def ratio(t, days):
        asked.append((t, days))
        return np.ones(days)

    monkeypatch.setattr(recal, "fit_stays", spy)
    errors = recal.past_errors(_inputs(census, admissions, ratio), np.ones(7), 7)
    last = len(census) - 1
    assert [len(e) for e in errors] == [recal.PAST_ORIGINS] * 7
    for (n_census, unknown_today, n_admissions), (t, days) in zip(seen, asked):
        assert n_census == n_admissions == t + 1 and unknown_today  # census to t, admissions to t - 1
        assert t + days <= last  # every outcome scored was reported by the origin


def test_point_forecast_is_the_census_balance():
    # 10 patients, mean stay 2 days, none admitted: the survivors after 3 days
    assert predict_census(10.0, np.zeros(3), 2.0) == pytest.approx(10 * math.exp(-1.5))
    # admissions spread over one day: the share q = m (1 - p) still in at its end
    assert predict_census(0.0, np.array([24.0]), 2.0) == pytest.approx(24 * 2 * (1 - math.exp(-0.5)))


def test_noise_added_is_what_the_simulation_lacks():
    rng = np.random.default_rng(3)
    admissions = rng.poisson(40, 120).astype(float)
    census = 200 * np.exp(rng.normal(0, 0.05, 120))  # reported with 5% noise around a steady 200
    inputs = _inputs(census, admissions)
    wide = census_errors("W", inputs, 3, np.zeros(3))
    assert np.all(wide.rmse > 0.05)
    # a new error's variance: the mean square times 1 + 1/n, n the errors' effective number
    n = np.array([max(effective_number(e, h), 1.0) for h, e in enumerate(recal.past_errors(
        inputs, wide.factors, 3), start=1)])
    assert wide.sd == pytest.approx(wide.rmse * np.sqrt(1 + 1 / n))
    assert np.all(wide.sd > wide.rmse) and np.all(n <= recal.PAST_ORIGINS / np.arange(1, 4))
    covered = census_errors("W", inputs, 3, wide.sd**2 + 0.01)
    assert np.all(covered.sd == 0)
    assert np.all(wide.df >= recal.MIN_DF)


def test_effective_number_of_errors():
    rng = np.random.default_rng(5)
    iid = rng.normal(size=400)
    assert effective_number(iid) == pytest.approx(400, rel=0.2)
    walk = np.cumsum(rng.normal(size=400))
    assert effective_number(walk) < 20
    assert effective_number(iid, lead=7) == pytest.approx(400 / 7)  # overlapping 7-day errors


def test_reported_counts_keep_every_replication_and_widen_with_the_lead():
    hours, levels = 73, 400
    hist = np.zeros((hours, levels))
    hist[:, 200] = 60.0
    errors = CensusErrors("W", np.ones(7), np.array([0.02, 0.04, 0.06]), np.array([20.0, 5.0, 3.0]))
    out = reported(hist, datetime(2024, 1, 1), errors)
    assert out.sum(axis=1) == pytest.approx(np.full(hours, 60.0))
    assert out[0, :levels] == pytest.approx(hist[0])  # at the origin: the state as counted
    spread = [np.sqrt(out[h] @ (np.arange(out.shape[1]) - 200.0) ** 2 / 60) for h in (24, 48, 72)]
    assert spread[0] < spread[1] < spread[2]
    assert spread[2] / 200 == pytest.approx(0.06 * math.sqrt(3 / (3 - 2)), rel=0.15)  # t(3) sd


def test_weekday_factors_move_the_forecast_by_day():
    hist = np.zeros((49, 300))
    hist[:, 200] = 10.0
    factors = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9])
    out = reported(hist, datetime(2024, 1, 7), CensusErrors("W", factors, np.zeros(2), np.full(2, 3.0)))
    assert out[24, 200] == 0 and out[24, 222] == pytest.approx(10.0)  # Sunday's count is low: Monday reads 200 / 0.9
    assert out[48, 222] == pytest.approx(10.0)


def test_level_error_ratios_are_one_for_an_honest_model_and_large_for_a_ramp():
    rng = np.random.default_rng(7)
    n, irregular = 400, 0.01
    y = rng.normal(0, math.sqrt(irregular), n)  # the level is known to be flat: only noise
    state, cov, shocks = np.zeros((2, n)), np.zeros((2, 2, n)), np.zeros((2, 2))
    ratios, counts = level_errors.error_ratios(y, state, cov, shocks, irregular, 7, 13)
    assert np.all(counts == level_errors.PAST_ORIGINS)
    # each ratio is the mean of 28 (overlapping) chi-square(1) values: about 1 +- 2 * sqrt(2 / 28)
    assert np.all(np.abs(ratios - 1) < 2.5 * math.sqrt(2 / 28)), ratios
    ramp = y + 0.03 * np.arange(n)
    state[0] = 0.03 * np.arange(n)  # the model knows today's level but sees no slope: it lags
    lagging, _ = level_errors.error_ratios(ramp, state, cov, shocks, irregular, 7, 13)
    # the mean of days 1..j misses by 0.03 (j + 1) / 2: at day 7 by 5 sd of its noise
    assert np.all(np.diff(lagging) > 0) and lagging[-1] > 5


def test_the_added_walk_gives_each_window_mean_what_it_lacked():
    given = level_errors.window_variances(np.diag([1e-3, 1e-4]), np.diag([1e-4, 1e-5]), 0.02, 7)
    assert np.all(np.diff(given) < 0)  # the irregular averages out faster than the level drifts
    ratios = np.array([1.0, 1.5, 2.0, np.nan, 3.0, 3.0, 0.5])
    walk = level_errors.added_variance(ratios, given)
    assert walk[0] == 0 and np.all(np.diff(walk) >= 0)
    paths = level_errors.random_walk(walk, 40000, np.random.default_rng(2))
    means = np.cumsum(paths, axis=1) / np.arange(1, 8)
    lacking = np.nan_to_num(np.maximum(ratios - 1, 0)) * given
    days = np.arange(1, 8)
    gained = np.array([sum((2 * (j - k) + 1) * walk[k - 1] for k in range(1, j + 1)) / j**2 for j in days])
    assert means.var(axis=0) == pytest.approx(gained, rel=0.05, abs=1e-6)
    assert np.all(gained >= lacking - 1e-12)
    grew = np.flatnonzero(np.diff(np.concatenate(([0.0], walk))) > 0)
    assert len(grew) and gained[grew] == pytest.approx(lacking[grew])  # exact where it could be


def test_replaced_histograms_are_kept_fractional_and_wider():
    from hospitaltwin.forecast.accumulate import Accumulator
    from hospitaltwin.forecast.summarise import Resource

    acc = Accumulator([Resource("A", "beds", 0), Resource("B", "beds", 1)], 2, 1)
    acc._counts[:] = 0
    acc.n = 2
    wide = np.zeros((2, 20))
    wide[:, 10], wide[:, 15] = 0.5, 1.5
    acc.replace_levels(1, wide)
    np.testing.assert_array_equal(acc.levels[1], wide)
    assert acc.hist.shape == (2, 2, 20)
    np.testing.assert_array_equal(acc.level_sum[1], [27.5, 27.5])
    assert acc.levels[0].shape[1] == 8 and not acc.levels[0].any()

"""Forecast scores against their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from hospitaltwin.backtest.scores import (brier, cdf_from_hist, central_interval, covered, crps_from_cdf,
                                          crps_from_samples, reliability)


def test_discrete_crps_equals_the_energy_form():
    rng = np.random.default_rng(3)
    samples = rng.poisson(7.0, size=400)
    hist = np.bincount(samples, minlength=30)[None, :30]
    for y in (0, 3, 7, 12, 40):
        assert crps_from_cdf(cdf_from_hist(hist), np.array([y]))[0] == pytest.approx(crps_from_samples(samples, y))


def test_crps_of_a_point_forecast_is_the_absolute_error():
    cdf = cdf_from_hist(np.eye(20)[[5]])
    assert crps_from_cdf(cdf, np.array([9]))[0] == pytest.approx(4.0)
    assert crps_from_cdf(cdf, np.array([25]))[0] == pytest.approx(20.0)


def test_intervals_of_the_true_law_cover_at_their_level():
    rng = np.random.default_rng(4)
    hist = np.bincount(rng.poisson(20.0, 100_000), minlength=60)[None, :]
    lo, hi = central_interval(cdf_from_hist(hist), 0.8)
    outcomes = rng.poisson(20.0, 20_000)
    rate = covered(lo[0], hi[0], outcomes).mean()
    assert 0.79 <= rate <= 0.86  # discrete law: at least the nominal level


def test_brier_and_reliability_of_calibrated_probabilities():
    rng = np.random.default_rng(5)
    p = rng.random(50_000)
    happened = rng.random(50_000) < p
    rows = reliability(p, happened)
    assert len(rows) == 10 and all(abs(pred - obs) < 0.02 for _, _, pred, obs, _ in rows)
    assert brier(p, happened).mean() == pytest.approx(1 / 6, abs=0.005)  # E[p(1-p)] for p ~ U(0,1)

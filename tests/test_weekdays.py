"""Weekday effects: read through a trend, shrunk when noise explains them, and carried by the
demand model's fit so that a forecast made after a weekend does not start low."""

from __future__ import annotations

import numpy as np
import pytest

from hospitaltwin.forecast.demand import DailyHistory, fit_demand
from hospitaltwin.forecast.weekdays import weekday_factors

WEEKEND_LOW = np.array([1.06, 1.05, 1.04, 1.04, 1.0, 0.9, 0.91])


def _weekdays(n: int, first: int = 0) -> np.ndarray:
    return (first + np.arange(n)) % 7


def test_noise_alone_gives_factors_near_one_and_a_clear_pattern_is_kept():
    rng = np.random.default_rng(5)
    trials = [weekday_factors(rng.poisson(30, 56).astype(float), _weekdays(56))
              for _ in range(200)]
    # Poisson(30) days: a raw weekday mean of ~7 days errs by ~7% (sd); the shrunk factor far less
    assert np.sqrt(np.mean(np.log(trials) ** 2)) < 0.03
    pattern = WEEKEND_LOW / np.exp(np.log(WEEKEND_LOW).mean())
    clear = [weekday_factors(rng.poisson(2000 * pattern[_weekdays(56)]).astype(float), _weekdays(56))
             for _ in range(50)]
    assert np.mean(clear, axis=0) == pytest.approx(pattern, abs=0.006)


def test_a_trend_fitted_through_a_weekend_forecasts_the_week_unbiased():
    """History ending on a Saturday (low admissions, read through their weekday factors): the
    week's level is forecast centred, and the weekly pattern is not taken for noise."""
    rng = np.random.default_rng(7)
    start = (5 - 55) % 7  # day 55, the last one known, is a Saturday
    weekdays = _weekdays(63, start)
    errors = []
    for _ in range(15):
        admissions = rng.poisson(3000 * WEEKEND_LOW[weekdays]).astype(float)
        factors = weekday_factors(admissions[:56], weekdays[:56])
        past, ahead, expected = admissions[28:56], admissions[56:], np.full(28, 3000.0)
        fits = {"with": fit_demand(DailyHistory("A", past, expected, factors, int(weekdays[28]))),
                "without": fit_demand(DailyHistory("A", past, expected))}
        errors.append(np.log(ahead.mean() / (3000 * fits["with"].ratio_ahead(27, 7).mean())))
        assert fits["with"].params["weekday_factors"] == pytest.approx(factors, abs=1e-4)
        # the weekly pattern is not day-to-day noise: without the factors it is mostly read as such
        noise = {k: f.params["sigma2_extra"] for k, f in fits.items()}
        assert noise["with"] < 0.25 * noise["without"], noise
    mean, se = np.mean(errors), np.std(errors, ddof=1) / np.sqrt(len(errors))
    assert abs(mean) < 3 * se  # the week's level is forecast centred, within its 99.7% interval
    assert se < 0.01  # ... and that interval is narrow enough to see a weekend read as a fall

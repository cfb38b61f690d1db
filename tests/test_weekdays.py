"""Weekday effects: read through a trend, shrunk when noise explains them, and carried by the
demand model so that a forecast made after a weekend does not start low."""

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
    trials = [weekday_factors(rng.poisson(30, 56).astype(float), _weekdays(56)) for _ in range(200)]
    # Poisson(30) days: a raw weekday mean of ~7 days errs by ~7% (sd); the shrunk factor far less
    assert np.sqrt(np.mean(np.log(trials) ** 2)) < 0.03
    pattern = WEEKEND_LOW / np.exp(np.log(WEEKEND_LOW).mean())
    clear = [weekday_factors(rng.poisson(2000 * pattern[_weekdays(56)]).astype(float), _weekdays(56))
             for _ in range(50)]
    assert np.mean(clear, axis=0) == pytest.approx(pattern, abs=0.006)


def test_a_trend_fitted_through_a_weekend_forecasts_the_week_unbiased():
    """History ending on a Saturday (low admissions): without weekday factors the level is read
    low and the week ahead forecast low; with them, the error is centred on 0."""
    rng = np.random.default_rng(7)
    start = (5 - 55) % 7  # day 55, the last one known, is a Saturday
    weekdays = _weekdays(63, start)
    errors = {"with": [], "without": []}
    for _ in range(15):
        admissions = rng.poisson(300 * WEEKEND_LOW[weekdays]).astype(float)
        factors = weekday_factors(admissions[:56], weekdays[:56])
        past, ahead, expected = admissions[28:56], admissions[56:], np.full(28, 300.0)
        fits = {"with": fit_demand(DailyHistory("A", past, expected, factors, int(weekdays[28]))),
                "without": fit_demand(DailyHistory("A", past, expected))}
        for name, fit in fits.items():
            errors[name].append(np.log(ahead.mean() / (300 * fit.ratio_ahead(27, 7).mean())))
        assert fits["with"].params["weekday_factors"] == pytest.approx(factors, abs=1e-4)
    mean = {k: np.mean(v) for k, v in errors.items()}
    se = {k: np.std(v, ddof=1) / np.sqrt(len(v)) for k, v in errors.items()}
    assert abs(mean["with"]) < 3 * se["with"]  # centred, within its 99.7% interval
    gap = np.array(errors["without"]) - np.array(errors["with"])
    assert gap.mean() > 3 * gap.std(ddof=1) / np.sqrt(len(gap)), errors  # the weekend read as a fall

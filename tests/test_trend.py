"""Demand the scenario expects per day, and the multiplier rule kept for comparison."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from helpers import one_unit
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.forecast.demand import DailyHistory, fit_demand
from hospitaltwin.forecast.history import expected_by_day


def _scenario():
    data = one_unit(100, 24.0, {"dist": "fixed", "mean": "1d"})
    data["demand"]["arrivals"][0]["profile"] = [2.0 if h % 24 < 12 else 1.0 for h in range(168)]
    return scenario_from_dict(data)


def test_expected_arrivals_follow_rate_and_profile():
    origin = datetime(2024, 1, 8, tzinfo=UTC)
    days = expected_by_day(_scenario(), origin, 7)["A"]
    assert days == pytest.approx(np.full(7, 24.0))  # every 24 h holds 12 busy and 12 quiet hours
    assert expected_by_day(_scenario(), origin, 7, ahead=True)["A"] == pytest.approx(np.full(7, 24.0))


def test_the_multiplier_rule_shrinks_toward_one_with_a_week_of_prior_weight():
    busy = fit_demand(DailyHistory("A", np.full(28, 36.0), np.full(28, 24.0)), "multiplier")
    assert busy.params["multiplier"] == pytest.approx((1.5 * 672 + 168) / (672 + 168))
    quiet = fit_demand(DailyHistory("A", np.full(28, 5.0), np.zeros(28)), "multiplier")
    assert quiet.params["multiplier"] == 1.0


def test_a_unit_of_a_few_arrivals_a_day_gets_a_level_drawn_per_replication_not_a_trend():
    """Two arrivals a day, stationary: a trend fitted to such counts takes their noise for
    movement; the gamma-Poisson level keeps each path at one level with the posterior's spread."""
    rng = np.random.default_rng(4)
    observed = rng.poisson(2.0, 28).astype(float)
    fit = fit_demand(DailyHistory("A", observed, np.full(28, 2.0)), "trend")
    assert fit.model == "level" and "gamma-Poisson" in fit.diagnostics["fallback"]
    shape, rate = observed.sum() + 14.0, 56.0 + 14.0  # a week of the scenario's 2 a day as prior
    paths = fit.sample(14, 4000, np.random.default_rng(1))
    assert (paths == paths[:, :1]).all(), "a level, no trend"
    sd = np.sqrt(shape) / rate
    assert paths[:, 0].mean() == pytest.approx(shape / rate, abs=4 * sd / np.sqrt(4000))
    assert paths[:, 0].std() == pytest.approx(sd, rel=4 * np.sqrt(2 / 3999))
    busy = fit_demand(DailyHistory("A", rng.poisson(40.0, 28).astype(float), np.full(28, 40.0)), "trend")
    assert busy.model == "trend"

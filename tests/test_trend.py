"""Demand level from recent arrivals: exact expected counts and gamma-Poisson shrinkage."""

from __future__ import annotations

from datetime import datetime

import pytest

from helpers import one_unit
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.forecast.trend import demand_levels, expected_arrivals, with_levels


def _scenario():
    data = one_unit(100, 24.0, {"dist": "fixed", "mean": "1d"})
    data["demand"]["arrivals"][0]["profile"] = [2.0 if h % 24 < 12 else 1.0 for h in range(168)]
    return scenario_from_dict(data)


def test_expected_arrivals_follow_rate_and_profile():
    scenario = _scenario()
    monday = datetime(2024, 1, 1)
    assert expected_arrivals(scenario, monday, 24 * 7)["A"] == pytest.approx(24 * 7)
    assert expected_arrivals(scenario, monday, 12)["A"] == pytest.approx(16.0)  # mornings are twice as busy


def test_levels_shrink_toward_one_with_a_week_of_prior_weight():
    scenario, start = _scenario(), datetime(2024, 1, 1)
    (level,) = demand_levels(scenario, {"A": 24 * 28 * 1.5}, start, 24 * 28)
    assert level.multiplier == pytest.approx((1.5 * 672 + 168) / (672 + 168))
    (quiet,) = demand_levels(scenario, {}, start, 0.0)
    assert quiet.multiplier == 1.0 and quiet.expected == 0


def test_a_level_scales_the_simulated_arrivals():
    scenario = _scenario()
    (level,) = demand_levels(scenario, {"A": 2 * 24 * 28}, datetime(2024, 1, 1), 24 * 28)
    scaled = with_levels(scenario, [level])
    base = len(simulate(compile_scenario(scenario), 1, 0, tables=False).stays)
    more = len(simulate(compile_scenario(scaled), 1, 0, tables=False).stays)
    assert more / base == pytest.approx(level.multiplier, rel=0.03)

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

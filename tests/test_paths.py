"""Demand paths are unconstrained: their mean is the offered load, whatever the real beds."""

from __future__ import annotations

import numpy as np

from helpers import assert_in_ci, one_unit
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.optimize.paths import demand_paths, unconstrained


def test_paths_ignore_capacity_and_show_the_offered_load():
    data = one_unit(3, 4.0, {"dist": "lognormal", "mean": "2d", "cv": 1.0}, on_full="divert", horizon="60d", warmup="20d")
    data["layout"]["equipment"] = {"ventilator": {"count": 1}}
    data["demand"]["units"]["A"]["equipment"] = {"ventilator": {"p": 0.5, "duration": {"dist": "fixed", "mean": "2d"}}}
    scenario = scenario_from_dict(data)
    assert unconstrained(scenario).layout.units["A"].on_full == "queue"
    paths = demand_paths(scenario, paths=24, horizon_h=20 * 24, seed=4)
    assert paths.beds.shape == (24, 1, 481) and paths.beds.max() > 3, "demand beyond the 3 real beds shows"
    assert_in_ci(paths.beds[:, 0, :].mean(axis=1), 8.0, max_half_width=1.0)  # lambda x E[S] = 4/day x 2 days
    assert paths.devices.max() > 1
    assert paths.daily_peak().shape == (24, 1, 20)
    assert np.all(paths.daily_peak() >= paths.beds[:, :, :480].reshape(24, 1, 20, 24).mean(axis=3))

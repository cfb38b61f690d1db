"""A scenario whose demand was calibrated from data starts its calendar at the data's first day."""

from __future__ import annotations

from datetime import datetime

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.config.scenario import DEFAULT_ORIGIN

BASE = {"name": "dated", "layout": {"timezone": "America/Chicago", "units": {"ICU": {"beds": 4}}},
        "run": {"horizon": "10d"}}
DEMAND = {"arrivals": [{"unit": "ICU", "rate": 1.0}],
          "units": {"ICU": {"los": {"dist": "exponential", "mean": "2d"}}}}
WINDOW = {"since": "2025-01-06T06:16:11+00:00", "until": "2025-07-07T04:58:29+00:00", "timezone": "America/Chicago"}


def test_calibrated_demand_dates_the_run_from_its_window_in_local_time():
    scenario = scenario_from_dict({**BASE, "demand": {**DEMAND, "calibrated": WINDOW}})
    assert scenario.run.origin == datetime(2025, 1, 6), "06:16 UTC is 00:16 in Chicago: that day's midnight"
    late = {**WINDOW, "since": "2025-01-06T05:59:00+00:00"}
    assert scenario_from_dict({**BASE, "demand": {**DEMAND, "calibrated": late}}).run.origin == datetime(2025, 1, 5)


def test_an_origin_of_its_own_wins_and_hand_written_demand_keeps_the_default():
    own = {**BASE, "demand": {**DEMAND, "calibrated": WINDOW}, "run": {"horizon": "10d", "origin": "2030-02-04"}}
    assert scenario_from_dict(own).run.origin == datetime(2030, 2, 4)
    assert scenario_from_dict({**BASE, "demand": DEMAND}).run.origin == DEFAULT_ORIGIN

"""Backtest on a known process whose demand ramps: arrivals double over three weeks.

The "truth" is a ward simulated for 14 weeks: 40 arrivals a day for 9 weeks, then a linear
ramp to 80 a day over 3 weeks, then 80 a day. Forecasts are made from its past states every
day of the ramp and the week after, 7 days ahead, with the scenario's demand left at 40 a
day: the demand model must learn the ramp from the arrivals alone. Their 80% intervals must
cover 75-85% of what happened, and their median must track the ramp: its mean error over
the ramp is a small part of the rise the ward saw, where persistence lags by about the rise.
"""

from __future__ import annotations

import numpy as np
import pytest
from history import FrameHistory

from hospitaltwin.backtest import origins_between, run_backtest
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.eventlog.load import load_events
from hospitaltwin.experiment.export import replication_events
from hospitaltwin.forecast.history import ForecastOptions, forecast_from_history

pytestmark = pytest.mark.slow

WARD = {
    "name": "ramp", "layout": {"timezone": "UTC", "units": {"W": {"beds": 2000}}},
    "demand": {"arrivals": [{"unit": "W", "rate": 40, "source": "walk-in"}],
               "units": {"W": {"los": {"dist": "lognormal", "mean": "4d", "cv": 0.8}, "next": {"discharge": 1.0}}}},
    "run": {"horizon": "98d", "replications": 1, "seed": 3},
}
RAMP = {"demand": [{"curve": [["63d", 1.0], ["84d", 2.0]]}]}


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    truth = scenario_from_dict({**WARD, "changes": RAMP})
    model = compile_scenario(truth)
    path = tmp_path_factory.mktemp("ramp") / "events.csv"
    replication_events(simulate(model, 11, 0), model, "UTC").to_csv(path, index=False)
    history = FrameHistory(load_events(path))
    first = history.stays["start"].min()
    start = first + np.timedelta64(63, "D")
    origins = origins_between(first, history.log_end, span_h=27 * 24, every_h=24, horizon_h=168,
                              history_h=(start - first) / np.timedelta64(1, "h"))
    return scenario_from_dict(WARD), history, origins


def test_intervals_stay_calibrated_while_demand_doubles(ramp):
    scenario, history, origins = ramp
    assert len(origins) >= 25
    bt = run_backtest(scenario, history, origins, horizon_h=168, replications=100, seed=5,
                      options=ForecastOptions())
    model = np.sum([s for (res, kind, lead, m), s in bt.sums.items() if m == "model"], axis=0)
    coverage50, coverage80, coverage95 = model[2] / model[0], model[3] / model[0], model[5] / model[0]
    assert 0.75 <= coverage80 <= 0.85, (coverage50, coverage80, coverage95)


def test_the_median_tracks_the_ramp(ramp):
    scenario, history, origins = ramp
    options = ForecastOptions(horizon_h=168, replications=60, seed=2)
    errors, rises = [], []
    for origin in origins[1:22:3]:  # inside the ramp
        fc = forecast_from_history(scenario, history, origin, options.model_copy(update={"allow_stale": True}))
        median = fc.accumulator.quantiles((0.5,))[0, 168, 0]
        truth = history.census_history(origin, origin + np.timedelta64(7, "D"), 168.0)["occupied"].to_numpy()
        errors.append(median - truth[-1])
        rises.append(truth[-1] - truth[0])
    rise, bias = np.mean(rises), np.mean(errors)
    assert rise > 25, rises  # the ward did fill over a week of the ramp; persistence lags by that
    assert abs(bias) < 0.3 * rise, (errors, rises)

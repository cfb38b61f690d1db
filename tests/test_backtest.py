"""Backtests on a long synthetic log from a known process: honest intervals, beaten baselines.

A known hospital is simulated for months; its event log is the "history". Forecasts made from
its past states with the true demand must have calibrated intervals (the 80% intervals cover
75-85% of what happened) and beat persistence, last week and the hour-of-week climatology on
CRPS at one to three days ahead. Baselines and scores are also checked on small cases.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from history import FrameHistory

from hospitaltwin.backtest import baselines as base
from hospitaltwin.backtest import origins_between, run_backtest, write_backtest
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.eventlog.load import load_events
from hospitaltwin.experiment.export import replication_events

PROFILE = [1 + 0.5 * math.sin(2 * math.pi * ((h % 24) - 9) / 24) + (0.15 if h < 24 else 0.0) for h in range(168)]
KNOWN = {
    "name": "known", "layout": {"timezone": "UTC", "units": {
        "ED": {"beds": 60}, "ICU": {"beds": 40, "on_full": "divert"}, "WARD": {"beds": 300}},
        "equipment": {"ventilator": {"count": 60}}},
    "demand": {
        "arrivals": [{"unit": "ED", "rate": 60, "profile": PROFILE, "source": "walk-in"}],
        "units": {
            "ED": {"los": {"dist": "lognormal", "mean": "6h", "sd": "4h"}, "next": {"discharge": 0.6, "WARD": 0.32, "ICU": 0.08}},
            "ICU": {"los": {"dist": "lognormal", "mean": "5d", "cv": 0.9}, "next": {"WARD": 0.85, "death": 0.15},
                    "equipment": {"ventilator": {"p": 0.5, "duration": {"dist": "exponential", "mean": "3d"}}}},
            "WARD": {"los": {"dist": "gamma", "mean": "5d", "cv": 0.8}, "next": {"discharge": 1.0}}}},
    "run": {"horizon": "80d", "replications": 1, "seed": 3},
}


@pytest.fixture(scope="module")
def backtest(tmp_path_factory):
    scenario = scenario_from_dict(KNOWN)
    model = compile_scenario(scenario)
    path = tmp_path_factory.mktemp("log") / "events.csv"
    replication_events(simulate(model, 77, 0), model, "UTC").to_csv(path, index=False)
    history = FrameHistory(load_events(path))
    first, last = history.stays["start"].min(), history.log_end
    origins = origins_between(first, last, span_h=12 * 24, every_h=24, horizon_h=168, history_h=50 * 24)
    bt = run_backtest(scenario, history, origins, horizon_h=168, replications=120, seed=5)
    out = write_backtest(bt, tmp_path_factory.mktemp("bt"))
    return bt, json.loads((out / "summary.json").read_text()), out


def test_intervals_are_calibrated(backtest):
    bt, _, _ = backtest
    model = np.sum([s for (res, kind, lead, m), s in bt.sums.items() if m == "model"], axis=0)
    coverage80 = model[3] / model[0]
    assert 0.75 <= coverage80 <= 0.85, coverage80
    assert model[2] / model[0] < coverage80 < model[4] / model[0]


def test_the_forecast_beats_every_baseline_at_one_to_three_days(backtest):
    _, summary, _ = backtest
    for day in ("1", "2", "3"):
        beats = summary["by_lead_day"][day]["model_beats"]
        assert beats == {"persistence": True, "last_week": True, "hour_of_week": True, "linear_trend": True,
                         "ses": True}, (day, summary["by_lead_day"][day])


def test_backtest_files(backtest):
    bt, summary, out = backtest
    header = (out / "scores.csv").read_text().splitlines()[0]
    assert header == "resource,kind,lead_h,method,n,mae,coverage50,coverage80,coverage95,crps,brier,coverage90,pinball"
    pit = [float(line.split(",")[3]) for line in (out / "pit.csv").read_text().splitlines()[1:]]
    assert len(pit) == 10 * 7 and abs(np.mean(pit) - 1.0) < 1e-3, "densities average to 1"
    assert len(summary["origins"]) == len(bt.origins) >= 10
    assert "all" in (out / "reliability.csv").read_text()
    assert json.loads((out / "manifest.json").read_text())["kind"] == "backtest"


def test_baselines_never_look_past_the_origin():
    hours = 3 * 168 + 1
    past = np.arange(hours)[None, :]  # level = hour index; origin at the last column
    origin = hours - 1
    leads = 200
    lw = base.last_week(past, leads)[0]
    for lead in (1, 167, 168, 169, 200):
        assert lw[lead - 1] <= origin and (origin + lead - lw[lead - 1]) % 168 == 0
    clim = base.climatology(past, leads, 2)[0]
    assert np.all(clim <= origin) and np.all(clim[:, 0] - clim[:, 1] == 168)
    assert np.all(base.persistence(np.array([7]), 3) == 7)

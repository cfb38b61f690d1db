"""Round trip: simulate a known hospital, export its event log, calibrate, recover the truth.

The engine's records become a canonical event log (what an ADT feed would hold), which goes
through the same loading, validation, stay building and calibration as real data. Every
recovered parameter must be within its own 95% interval of the value the simulation used,
widened to about 99.7% (x 1.5) since about twenty parameters are checked at once.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hospitaltwin.calibrate.assemble import calibrate
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.eventlog.episodes import equipment_episodes, unit_stays
from hospitaltwin.eventlog.load import load_events
from hospitaltwin.experiment.export import replication_events, write_events

SHAPE = [1 + 0.6 * math.sin(2 * math.pi * ((h % 24) - 8) / 24) for h in range(168)]
TRUTH = {
    "name": "known", "layout": {"timezone": "Europe/Amsterdam", "units": {
        "ED": {"beds": 200}, "ICU": {"beds": 200}, "WARD": {"beds": 800}},
        "equipment": {"ventilator": {"count": 500}}},
    "demand": {
        "arrivals": [{"unit": "ED", "rate": 30, "profile": SHAPE, "source": "walk-in"}],
        "units": {
            "ED": {"los": {"dist": "lognormal", "mean": "5h", "sd": "3h"},
                   "next": {"discharge": 0.5, "WARD": 0.4, "ICU": 0.1}},
            "ICU": {"los": {"dist": "lognormal", "mean": "4d", "cv": 0.9}, "next": {"WARD": 0.8, "death": 0.2},
                    "equipment": {"ventilator": {"p": 0.45, "duration": {"dist": "exponential", "mean": "2d"}}}},
            "WARD": {"los": {"dist": "gamma", "mean": "5d", "cv": 0.7}, "next": {"discharge": 0.97, "death": 0.03}},
        }},
    "run": {"horizon": "400d", "replications": 1, "seed": 8},
}


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    scenario = scenario_from_dict(TRUTH)
    model = compile_scenario(scenario)
    path = write_events(replication_events(simulate(model, 8, 0), model, "Europe/Amsterdam"),
                        tmp_path_factory.mktemp("log") / "events.csv")
    events = load_events(path, "Europe/Amsterdam")
    demand, report = calibrate(unit_stays(events), equipment_episodes(events), timezone="Europe/Amsterdam")
    return demand, report.to_dict()


def _within(estimate: float, ci: list, truth: float) -> None:
    half = (ci[1] - ci[0]) / 2
    assert abs(estimate - truth) <= 1.5 * half, f"{estimate:.4g} vs truth {truth:.4g}, 95% CI {ci}"
    assert half < 0.15 * abs(truth) + 1e-9, f"CI {ci} too wide to test anything"


def test_arrival_rate_and_hour_of_week_shape_are_recovered(recovered):
    demand, report = recovered
    (stream,) = report["arrivals"]
    _within(stream["rate_per_day"], stream["ci95"], 30.0)
    profile = np.array(demand.arrivals[0].profile)
    truth = np.array(SHAPE) / np.mean(SHAPE)
    assert np.max(np.abs(profile - truth)) < 0.25
    assert np.corrcoef(profile, truth)[0, 1] > 0.97


def test_stay_means_are_recovered(recovered):
    _, report = recovered
    for unit, hours, family in (("ED", 5.0, "lognormal"), ("ICU", 96.0, "lognormal"), ("WARD", 120.0, "gamma")):
        los = report["units"][unit]["los"]
        best = los["candidates"][0]
        assert los["chosen"] == best["family"] == family
        _within(best["mean_h"], best["mean_ci95_h"], hours)


def test_routing_shares_are_recovered(recovered):
    _, report = recovered
    for unit, shares in (("ED", {"discharge": 0.5, "WARD": 0.4, "ICU": 0.1}), ("ICU", {"WARD": 0.8, "death": 0.2})):
        branches = report["units"][unit]["routing"]["branches"]
        for target, p in shares.items():
            _within(branches[target]["p"], branches[target]["ci95"], p)


def test_ventilation_probability_is_recovered(recovered):
    demand, report = recovered
    need = report["units"]["ICU"]["equipment"]["ventilator"]
    _within(need["p"], need["ci95"], 0.45)

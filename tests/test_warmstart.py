"""Warm starts: patients keep their beds and stay for LOS | LOS > elapsed.

With every patient at the same elapsed time and no arrivals, the departure times are a sample
of the residual law, compared with its exact CDF through the Dvoretzky-Kiefer-Wolfowitz band
(a confidence band for a whole distribution function).
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.core.distributions import Lognormal
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import DeviceInUse, PatientState, SystemState, WaitingPatient
from hospitaltwin.engine import compile_scenario, simulate

AS_OF = datetime(2024, 3, 4, 8)


def _model(los: dict, beds: int = 5000, **extra):
    data = {"name": "warm", "layout": {"units": {"ICU": {"beds": beds}, "WARD": {"beds": 100}}, **extra.get("layout", {})},
            "demand": {"units": {"ICU": {"los": los, "next": {"WARD": 1.0}, **extra.get("icu", {})},
                                 "WARD": {"los": {"dist": "fixed", "mean": "1d"}}}},
            "run": {"horizon": "60d", "replications": 1, "seed": 4}}
    return compile_scenario(scenario_from_dict(data))


def _state(n: int, elapsed_h: float, **kw) -> SystemState:
    return SystemState(AS_OF, tuple(PatientState(f"p{i}", "ICU", elapsed_h, **kw) for i in range(n)))


def _icu_exits(result) -> np.ndarray:
    """When warm-started ICU patients were ready to leave (their remaining stay)."""
    stays = result.stays
    icu = stays["unit"] == stays.code("unit", "ICU")
    return stays["ready"][icu & (stays["source"] == stays.code("source", "(initial)"))]


def test_remaining_stay_follows_the_conditional_law():
    elapsed, n = 72.0, 3000
    result = simulate(_model({"dist": "lognormal", "mean": "4d", "sd": "3d"}), 1, 0, _state(n, elapsed))
    remaining = np.sort(_icu_exits(result))
    law = Lognormal(96.0, 72.0)
    theory = np.array([1 - law.sf(elapsed + x) / law.sf(elapsed) for x in remaining])
    empirical = np.arange(1, n + 1) / n
    band = math.sqrt(math.log(2 / 0.001) / (2 * n))  # DKW, 99.9% confidence
    assert np.max(np.abs(empirical - theory)) < band
    assert remaining.mean() > 96.0 - elapsed, "conditioning must lengthen what remains"


def test_fixed_and_exponential_residuals_are_exact():
    fixed = _icu_exits(simulate(_model({"dist": "fixed", "mean": "5d"}), 1, 0, _state(10, 30.0)))
    np.testing.assert_allclose(fixed, 120.0 - 30.0)
    exp = _icu_exits(simulate(_model({"dist": "exponential", "mean": "2d"}), 1, 0, _state(4000, 200.0)))
    assert exp.mean() == pytest.approx(48.0, rel=4 * (1 / math.sqrt(4000)))  # memoryless, 4 standard errors


def test_warm_started_patients_keep_their_beds_beyond_capacity():
    result = simulate(_model({"dist": "fixed", "mean": "3d"}, beds=4), 1, 0, _state(6, 10.0))
    assert result.census["occupied"][(result.census["unit"] == 0)][0] == 6  # no eviction
    assert np.all(_icu_exits(result) == pytest.approx(62.0))
    assert np.all(result.stays["end"][result.stays["source"] == result.stays.code("source", "(initial)")] == pytest.approx(62.0))


def test_devices_in_use_continue_and_boarders_move_first():
    pools = {"layout": {"equipment": {"ventilator": {"count": 2}}},
             "icu": {"equipment": {"ventilator": {"p": 0.0, "duration": {"dist": "fixed", "mean": "2d"}}}}}
    state = SystemState(AS_OF, (
        PatientState("a", "ICU", 12.0, devices=(DeviceInUse("ventilator", 12.0),)),
        PatientState("b", "ICU", 12.0, devices=(DeviceInUse("ventilator", 47.0),)),
        PatientState("c", "ICU", 100.0, waiting_for="WARD"),
    ), waiting=(WaitingPatient("d", "ICU", 5.0),))
    result = simulate(_model({"dist": "fixed", "mean": "5d"}, **pools), 1, 0, state)
    devices = result.devices
    np.testing.assert_allclose(np.sort(devices["end"] - devices["start"]), [1.0, 36.0])
    assert devices["met"].all()
    stays = result.stays
    ward = stays["unit"] == stays.code("unit", "WARD")
    assert stays["start"][ward].min() == 0.0, "the boarder moves at once"
    waiting = stays["arrive"] == -5.0
    assert waiting.sum() == 1 and stays["start"][waiting][0] == 0.0


def test_a_state_naming_unknown_units_is_refused_clearly():
    with pytest.raises(HospitaltwinError, match="MICU"):
        simulate(_model({"dist": "fixed", "mean": "5d"}), 1, 0, SystemState(AS_OF, (PatientState("x", "MICU", 1.0),)))


def test_unknown_elapsed_times_draw_remaining_stays_from_the_equilibrium_law():
    """With only a census count, remaining stays follow S(x)/mean: for fixed 5d, Uniform(0, 5d)."""
    n = 3000
    state = SystemState(AS_OF, tuple(PatientState(f"p{i}", "ICU", None) for i in range(n)))
    remaining = np.sort(_icu_exits(simulate(_model({"dist": "fixed", "mean": "5d"}), 1, 0, state)))
    band = math.sqrt(math.log(2 / 0.001) / (2 * n))
    assert np.max(np.abs(np.arange(1, n + 1) / n - remaining / 120.0)) < band
    law = Lognormal(96.0, 72.0)
    lognormal = _icu_exits(simulate(_model({"dist": "lognormal", "mean": "4d", "sd": "3d"}), 1, 0, state))
    expected = (law.var + law.mean ** 2) / (2 * law.mean)  # mean residual life in steady state
    assert lognormal.mean() == pytest.approx(expected, rel=4 * lognormal.std() / math.sqrt(n) / expected)


def test_a_snapshot_of_a_simulation_restarts_it_where_it_was():
    from hospitaltwin.engine.snapshot import snapshot

    data = {"name": "snap", "layout": {"units": {"ED": {"beds": 6}, "ICU": {"beds": 3, "on_full": "queue"}},
                                       "equipment": {"ventilator": {"count": 10}}},
            "demand": {"arrivals": [{"unit": "ED", "rate": 30}],
                       "units": {"ED": {"los": {"dist": "exponential", "mean": "4h"}, "next": {"ICU": 0.3, "discharge": 0.7}},
                                 "ICU": {"los": {"dist": "lognormal", "mean": "2d", "cv": 1},
                                         "equipment": {"ventilator": {"p": 0.5, "duration": {"dist": "fixed", "mean": "1d"}}}}}},
            "run": {"horizon": "20d", "replications": 1, "seed": 2}}
    model = compile_scenario(scenario_from_dict(data))
    rep = simulate(model, 2, 0)
    t = 240.0
    state = snapshot(rep, model, t)
    census = rep.census
    here = census["time_h"] == t
    expected = {u.id: int(census["occupied"][here & (census["unit"] == u.index)][0]) for u in model.units}
    assert state.census() == {k: v for k, v in expected.items() if v}
    waiting = int(census["waiting"][here & (census["unit"] == 0)][0])
    assert len(state.waiting) == waiting
    assert sum(1 for p in state.patients if p.waiting_for) == int(census["boarding"][here & (census["unit"] == 0)][0])
    devices = rep.equipment
    assert sum(len(p.devices) for p in state.patients) == int(devices["in_use"][devices["time_h"] == t][0])
    restarted = simulate(model, 3, 0, state)
    first = restarted.census
    assert {u.id: int(first["occupied"][(first["time_h"] == 0) & (first["unit"] == u.index)][0]) for u in model.units} == expected

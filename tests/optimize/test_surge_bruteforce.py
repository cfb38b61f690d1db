"""Small surge plans where enumerating every plan finds the optimum: the MIP finds the same value.

Two options x three days x 0-2 beds (729 plans), priced and checked by an independent
implementation of every rule (tests/optimize/surge_cases.py); both formulations, both
shortfall measures, and instances where each limit binds.
"""

from __future__ import annotations

import numpy as np
import pytest

from hospitaltwin.optimize.surge.model import SolveSettings, plan_value
from hospitaltwin.optimize.surge.solve import solve_plan
from tests.optimize.surge_cases import brute_force, synthetic_paths, tiny_data, two_options

CASES = {
    "free": {},
    "nurses-tight": {"nurses_per_shift": 1},
    "nurses-by-day": {"nurses_per_shift": [0, 2, 1]},
    "budget": {"budget": 40.0},
    "daily-peak": {"shortfall": "daily_peak"},
    "open-now": {"BAYS": {"open_now": 1, "open_for": "0d", "min_open": "3d"}, "nurses_per_shift": 2},
    "long-lead": {"AREA": {"lead_time": "2d", "opening_cost": 0.0}, "nurses_per_shift": 3},
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("formulation", ["extensive", "aggregated"])
def test_mip_matches_brute_force(case, seed, formulation):
    options = two_options(**CASES[case])
    _, data = tiny_data(options, seed)
    best, best_beds = brute_force(options, synthetic_paths(seed), 3)
    plan = solve_plan(data, SolveSettings(formulation=formulation, seed=seed))
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(best, rel=1e-7, abs=1e-7), (plan.beds, best_beds)
    assert plan_value(data, plan.beds) == pytest.approx(best, rel=1e-7, abs=1e-7)
    assert plan.bound == pytest.approx(best, rel=1e-6, abs=1e-6)


def test_the_small_instances_are_not_trivial():
    """The optimum opens beds, and each limit changes it: the checks above can fail."""
    values, plans = {}, {}
    for case in ("free", "nurses-tight", "nurses-by-day", "budget", "daily-peak"):
        options = two_options(**CASES[case])
        values[case], plans[case] = brute_force(options, synthetic_paths(2), 3)
        assert plans[case] is not None and plans[case].sum() > 0, case
    assert plans["free"][1].sum() > 0 and plans["free"][0].sum() > 0, "both options used"
    for case in ("nurses-tight", "nurses-by-day", "budget", "daily-peak"):
        assert values[case] > values["free"] + 1e-6, case


def test_shortfall_tables_match_a_direct_count():
    options = two_options()
    _, data = tiny_data(options, 4)
    demand = synthetic_paths(4).beds[:, :, :72]
    icu = data.units.index("ICU")
    for k in range(data.most_change(icu) + 1):
        direct = np.maximum(demand[:, 0, :] - (3 + k), 0).reshape(6, 3, 24).sum(axis=2)
        np.testing.assert_array_equal(data.shortfall[:, icu, :, k], direct)
    pacu = data.units.index("PACU")
    for k in range(data.most_change(pacu) + 1):
        direct = np.maximum(demand[:, 1, :] - min(4 - k, 3), 0).reshape(6, 3, 24).sum(axis=2)
        np.testing.assert_array_equal(data.shortfall[:, pacu, :, k], direct)

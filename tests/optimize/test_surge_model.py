"""The surge MIP's mechanics: exact cuts, equal formulations, limits, determinism, infeasibility."""

from __future__ import annotations

import numpy as np
import pytest

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.optimize.surge.data import breakpoints, offset_text
from hospitaltwin.optimize.surge.explain import conflicting_groups
from hospitaltwin.optimize.surge.model import SolveSettings, plan_value
from hospitaltwin.optimize.surge.solve import solve_plan
from tests.optimize.surge_cases import tiny_data, two_options


@pytest.mark.parametrize("seed", range(20))
def test_cuts_give_back_the_convex_function_at_every_integer(seed):
    rng = np.random.default_rng(seed)
    demand = rng.integers(0, 12, 24)
    values = np.array([np.maximum(demand - k, 0).sum() for k in range(9)], dtype=float)
    cuts = breakpoints(values)
    for k in range(9):
        upper = max([0.0] + [v + s * (k - j) for j, v, s in cuts])
        assert upper == pytest.approx(values[k])
    assert len(cuts) <= len(np.unique(demand)) + 1


def _bigger_instance():
    options = two_options(nurses_per_shift=3, budget=300.0)
    for i in range(4):
        options["options"][f"W{i}"] = {"serves": "ICU", "beds": 1 + i % 2, "lead_time": f"{i % 3}d",
                                       "min_open": f"{2 + i % 3}d", "cost_per_bed_day": 8.0 + i,
                                       "opening_cost": 7.0 + 3 * i, "patients_per_nurse": 1 + i % 2}
    return tiny_data(options, 5, paths=30, days=14)[1]


def test_a_solve_stopped_at_its_limit_returns_its_best_plan_and_gap():
    data = _bigger_instance()
    plan = solve_plan(data, SolveSettings(node_limit=1))
    assert plan.status.startswith("feasible")
    assert plan.gap > 0 and plan.bound < plan.objective
    assert plan_value(data, plan.beds) == pytest.approx(plan.objective)
    assert plan.beds.sum() > 0


def test_formulations_agree_and_solves_repeat_exactly():
    data = tiny_data(two_options(nurses_per_shift=[1, 2, 3, 2, 1, 3], budget=200.0), 9, paths=20, days=6)[1]
    extensive = solve_plan(data, SolveSettings(formulation="extensive", seed=3))
    again = solve_plan(data, SolveSettings(formulation="extensive", seed=3))
    aggregated = solve_plan(data, SolveSettings(formulation="aggregated", seed=3))
    assert extensive.status == aggregated.status == "optimal"
    assert extensive.objective == pytest.approx(aggregated.objective, rel=1e-9)
    np.testing.assert_array_equal(extensive.beds, again.beds)
    assert extensive.objective == again.objective
    assert extensive.size["variables"] > aggregated.size["variables"]


def test_an_unknown_formulation_is_refused():
    data = tiny_data(two_options(), 1)[1]
    with pytest.raises(HospitaltwinError, match="unknown formulation 'dense'"):
        solve_plan(data, SolveSettings(formulation="dense"))


def test_minimum_open_period_against_the_nurse_limit_is_explained():
    options = two_options(AREA={"open_now": 2, "open_for": "1d", "min_open": "3d"}, nurses_per_shift=[2, 1, 2])
    data = tiny_data(options, 1)[1]
    with pytest.raises(HospitaltwinError) as caught:
        solve_plan(data)
    message = str(caught.value)
    assert message.startswith("no surge plan meets these rules together") and "INFEASIBLE" not in message.upper()
    assert "options.AREA.min_open" in message and "options.AREA.open_now" in message
    assert "at most 1 surge nurse(s) per shift on day 2" in message
    assert "need 2 nurse(s) per shift on day 2" in message
    assert "BAYS" not in message and "budget" not in message
    assert conflicting_groups(data) == ["min_open:AREA", "open_now:AREA", "nurses:1"]


def test_beds_open_now_against_the_budget_is_explained():
    data = tiny_data(two_options(BAYS={"open_now": 2, "min_open": "2d"}, budget=10.0), 1)[1]
    with pytest.raises(HospitaltwinError) as caught:
        solve_plan(data)
    message = str(caught.value)
    assert "budget: 10 for the whole plan" in message and "options.BAYS.open_now: 2 beds are open now" in message
    assert "keeping them open costs at least 36" in message and "nurses_per_shift" not in message


def test_an_earliest_clash_is_named_when_every_day_clashes():
    both = {"open_now": 2, "min_open": "3d"}
    data = tiny_data(two_options(AREA=both, BAYS=both, nurses_per_shift=2), 1)[1]
    with pytest.raises(HospitaltwinError, match=r"on day 1\b"):
        solve_plan(data)


def test_offsets_read_as_days_and_hours():
    assert [offset_text(h) for h in (0, 720, 751, -5, 30.5)] == ["0h", "30d", "31d7h", "-5h", "1d6h30min"]

"""Network data from a scenario, explanations of impossible minimums, solver hygiene."""

from __future__ import annotations

import numpy as np
import pytest

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.optimize.network import (
    InfeasiblePlan,
    NetworkModel,
    Settings,
    check_minimums,
    network_data,
    plan_from_data,
    solve,
    status_quo,
)
from hospitaltwin.optimize.paths import demand_paths
from tests.optimize.network_cases import devices_only, four_hospital_ring, three_hospitals


@pytest.fixture(scope="module")
def small():
    """The three-hospital scenario, 16 demand paths of 6 days and its network data."""
    data = three_hospitals()
    data["changes"]["beds"] = [{"unit": "W_ICU", "add": 4, "from": "13.5d"}]
    scenario = scenario_from_dict(data)
    paths = demand_paths(scenario, paths=16, horizon_h=6 * 24, seed=1)
    return scenario, paths, network_data(scenario, paths, start_h=scenario.run.warmup, keep=0.5)


def _names(data, arcs):
    return sorted((data.hospitals[a.origin], data.hospitals[a.target]) for a in arcs)


def test_data_indexes_pools_links_and_units(small):
    scenario, paths, data = small
    assert data.hospitals == ["hub", "west", "east"] and data.kinds == ["ventilator"]
    assert data.shape == (16, 1, 3, 6)
    assert data.devices.tolist() == [[18, 3, 4]] and data.floor.tolist() == [[9, 2, 2]]
    assert _names(data, data.move_arcs[0]) == [("east", "hub"), ("east", "west"), ("hub", "east"), ("hub", "west"),
                                               ("west", "east"), ("west", "hub")]
    # Patients leave only diverting units (not the hub's queueing ICU), as the engine sends them.
    assert _names(data, data.transfer_arcs[0]) == [("east", "hub"), ("east", "west"), ("west", "east"), ("west", "hub")]
    limits = {(data.hospitals[a.origin], data.hospitals[a.target]): a.limit for a in data.transfer_arcs[0]}
    assert limits == {("west", "hub"): 3, ("east", "hub"): 4, ("west", "east"): 1, ("east", "west"): 1}
    assert data.stay_days.tolist() == [[3, 3, 3]]
    assert data.move_arcs[0][0].device_lag == 1 and data.move_arcs[0][0].patient_lag == 0


def test_demand_is_the_daily_peak_of_the_paths(small):
    scenario, paths, data = small
    west = paths.units.index("W_ICU")
    assert np.array_equal(data.bed_demand[:, 0, 1], paths.beds[:, west, :144].reshape(16, 6, 24).max(axis=2))
    pool = paths.pools.index("west_vents")
    assert np.array_equal(data.demand[:, 0, 1], paths.devices[:, pool, :144].reshape(16, 6, 24).max(axis=2))
    assert 0 < data.per_bed[0, 0, 1] <= 1


def test_beds_follow_bed_changes_and_take_the_days_fewest(small):
    _, _, data = small
    # Window starts at 10d; 4 beds open at 13.5d: day 3 still has 10 at its start, day 4 has 14.
    assert data.beds[0, 1].tolist() == [10, 10, 10, 10, 14, 14]
    assert data.beds[0, 0].tolist() == [24] * 6


def test_minimums_above_what_the_network_holds_are_explained():
    data = devices_only(devices=(3, 1, 0), floor=(3, 2, 1))
    with pytest.raises(InfeasiblePlan) as caught:
        check_minimums(data)
    message = str(caught.value)
    assert "ventilator: the hospitals must keep 6 in all (a 3, b 2, c 1) but the network holds 4" in message
    assert "--keep" in message and "--min" in message


def test_a_minimum_above_todays_holding_is_explained_with_the_travel_time():
    data = devices_only(devices=(3, 1, 0), floor=(0, 3, 0))
    with pytest.raises(InfeasiblePlan) as caught:
        check_minimums(data)
    message = str(caught.value)
    assert "b (B) must keep at least 3 ventilators, but no plan gets more than 1 there on day 0" in message
    assert "holds 1 today and devices sent to it arrive 1 day(s) after dispatch" in message
    assert solve(data, Settings())[1]["status"] == "infeasible", "the model itself holds the floors"
    with pytest.raises(InfeasiblePlan, match="b \\(B\\) must keep at least 3"):
        plan_from_data(None, data, Settings())


def test_minimum_kept_on_every_day_binds():
    """A floor that is feasible is respected by the plan on every day."""
    data = devices_only(seed=4, devices=(3, 1, 0), floor=(3, 0, 0))
    check_minimums(data)
    model, report = solve(data, Settings())
    assert report["status"] == "optimal"
    assert not any(data.move_arcs[0][a].origin == 0 for (_, a, _) in model.outcome(report).decisions.moves)


def test_bad_minimums_name_the_pool(small):
    scenario, paths, _ = small
    with pytest.raises(HospitaltwinError, match=r"--min: unknown equipment pool\(s\) north_vents .*east_vents, hub_vents, west_vents"):
        network_data(scenario, paths, start_h=240, minimum={"north_vents": 2})
    with pytest.raises(HospitaltwinError, match="--keep: a fraction between 0 and 1"):
        network_data(scenario, paths, start_h=240, keep=1.5)


def test_one_hospital_is_not_a_network():
    data = three_hospitals()
    data["layout"] = {"units": {"ICU": {"beds": 4}}, "equipment": {"ventilator": {"count": 2}}}
    data["demand"] = {"arrivals": [{"unit": "ICU", "rate": 1}], "units": {"ICU": {"los": {"dist": "fixed", "mean": "1d"}}}}
    data.pop("changes")
    scenario = scenario_from_dict(data)
    paths = demand_paths(scenario, paths=2, horizon_h=48, seed=1)
    with pytest.raises(HospitaltwinError, match="needs a layout with several 'hospitals'"):
        network_data(scenario, paths, start_h=240)


def test_same_seed_same_plan_and_fair_trades_total_for_the_worst(small):
    _, _, data = small
    first, again = solve(data, Settings(seed=3)), solve(data, Settings(seed=3))
    plan, report = first[0].outcome(first[1]), first[1]
    assert plan.decisions == again[0].outcome(again[1]).decisions
    assert report["objective"] == again[1]["objective"] and report["gap"] <= 1e-4
    fair_model, fair_report = solve(data, Settings(seed=3, fair=True))
    fair = fair_model.outcome(fair_report)
    worst = lambda o: (o.device_short.sum(axis=0) + o.bed_short.sum(axis=0)).max()  # noqa: E731
    total = lambda o: o.device_short.sum() + o.bed_short.sum()  # noqa: E731
    assert worst(fair) <= worst(plan) + 1e-6 and total(plan) <= total(fair) + 1e-6
    assert worst(fair) < worst(plan) - 0.1, "on this network fairness changes the plan"


@pytest.fixture(scope="module")
def busy():
    """The three-hospital network: forty paths of ten days, moves allowed every day."""
    scenario = scenario_from_dict(three_hospitals())
    paths = demand_paths(scenario, paths=40, horizon_h=10 * 24, seed=1)
    return scenario, network_data(scenario, paths, start_h=scenario.run.warmup, keep=0.2, move_days=10)


def test_a_solve_stopped_by_its_node_limit_returns_its_best_plan_and_gap():
    data = four_hospital_ring()
    settings = dict(gap=0.0, daily_slots=True, slot_cost=0.01, move_cost=0.02)
    model = NetworkModel(data, Settings(node_limit=1, **settings))
    report = model.solve()
    assert report["status"] == "feasible" and report["gap"] > 0
    assert report["bound"] <= report["objective"]
    outcome = model.outcome(report)
    full = solve(data, Settings(**settings))[1]
    assert full["status"] == "optimal" and full["objective"] <= report["objective"] + 1e-9
    assert full["objective"] >= report["bound"] - 1e-9
    assert _keeps_floors(data, outcome.decisions)


def test_no_plan_within_the_time_limit_keeps_todays_network(busy):
    scenario, data = busy
    plan = plan_from_data(scenario, data, Settings(time_limit_s=0.001))
    assert "no plan found within the limits, today's network kept" in plan.plan.report["status"]
    assert plan.plan.decisions == status_quo(data)
    assert plan.plan.objective == pytest.approx(plan.before.objective)


def _keeps_floors(data, decisions) -> bool:
    days = data.shape[3]
    held = np.repeat(data.devices[:, :, None].astype(float), days, axis=2)
    for (k, a, d), n in decisions.moves.items():
        arc = data.move_arcs[k][a]
        held[k, arc.origin, d:] -= n
        held[k, arc.target, d + arc.device_lag:] += n
    return bool((held >= data.floor[:, :, None]).all())

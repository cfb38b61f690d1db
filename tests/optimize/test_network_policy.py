"""A plan expressed to the engine: pool counts after the moves, link capacities per direction."""

from __future__ import annotations

import pytest

from hospitaltwin.cli.validate import validate_file
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.config.policy import apply_policy, read_policy
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.engine import compile_scenario
from hospitaltwin.optimize.network import (
    FirstStage,
    Settings,
    network_data,
    plan_network,
    solve,
    status_quo,
)
from hospitaltwin.optimize.network.evaluate import evaluate_plan
from hospitaltwin.optimize.network.network_policy import (
    final_counts,
    link_caps,
    move_rows,
    policy_data,
    write_policy,
)
from hospitaltwin.optimize.paths import demand_paths
from tests.optimize.network_cases import three_hospitals


@pytest.fixture(scope="module")
def case():
    scenario = scenario_from_dict(three_hospitals())
    paths = demand_paths(scenario, paths=4, horizon_h=4 * 24, seed=1)
    return scenario, network_data(scenario, paths, start_h=scenario.run.warmup, move_days=3)


def _arc(arcs, data, origin, target):
    return next(i for i, a in enumerate(arcs) if (data.hospitals[a.origin], data.hospitals[a.target]) == (origin, target))


def _decisions(data) -> FirstStage:
    moves, transfers = data.move_arcs[0], data.transfer_arcs[0]
    return FirstStage(
        moves={(0, _arc(moves, data, "hub", "west"), 0): 5, (0, _arc(moves, data, "east", "west"), 2): 1},
        slots={(0, _arc(transfers, data, "west", "hub"), 0): 1, (0, _arc(transfers, data, "west", "hub"), 2): 2,
               (0, _arc(transfers, data, "west", "east"), 1): 1})


def test_final_counts_conserve_devices_and_caps_take_the_busiest_day(case):
    _, data = case
    decisions = _decisions(data)
    assert final_counts(data, decisions) == {"hub_vents": 13, "west_vents": 9, "east_vents": 3}
    caps = {(data.hospitals[i], data.hospitals[j]): n for (i, j), n in link_caps(data, decisions).items()}
    assert caps == {("west", "hub"): 2, ("east", "hub"): 0, ("west", "east"): 1, ("east", "west"): 0}
    rows = move_rows(data, decisions)
    assert [(r["from"], r["to"], r["dispatch_day"], r["available_day"], r["devices"]) for r in rows] == [
        ("hub", "west", 0, 1, 5), ("east", "west", 2, 3, 1)]


def test_policy_restates_every_link_and_splits_directions_that_differ(case, tmp_path):
    scenario, data = case
    policy = policy_data(scenario, data, _decisions(data), "p", "test")
    links = {(link["from"], link["to"]): link for link in policy["layout"]["links"]}
    assert links[("west", "hub")] == {"from": "west", "to": "hub", "delay": "1h", "two_way": False, "max_per_day": 2}
    assert links[("hub", "west")]["max_per_day"] == 3, "a direction the plan cannot use keeps the layout's limit"
    assert links[("east", "hub")]["max_per_day"] == 0 and "max_per_day" not in links[("hub", "east")]
    assert links[("west", "east")]["max_per_day"] == 1 and links[("east", "west")]["max_per_day"] == 0
    path = tmp_path / "policy.yaml"
    write_policy(path, policy, "a header\nsecond line")
    assert path.read_text().startswith("# a header\n# second line\n")
    assert validate_file(path) == ("policy", [])
    changed = apply_policy(scenario, read_policy(path))
    assert {p: e.count for p, e in changed.layout.equipment.items()} == {"hub_vents": 13, "west_vents": 9, "east_vents": 3}
    model = compile_scenario(changed)
    west, east, hub = (model.hospitals.index(h) for h in ("west", "east", "hub"))
    assert sorted((target, limit) for _, target, _, limit in model.links[west]) == [(hub, 2), (east, 1)]
    assert sorted((target, limit) for _, target, _, limit in model.links[east]) == [(hub, 0), (west, 0)]


def test_free_slots_keep_every_links_capacity_and_the_policy_leaves_links_alone(case):
    scenario, data = case
    model, report = solve(data, Settings())
    outcome = model.outcome(report)
    assert outcome.decisions.slots == status_quo(data).slots
    assert "links" not in policy_data(scenario, data, outcome.decisions, "p", "t")["layout"]
    costly = solve(data, Settings(slot_cost=0.5))
    assert sum(costly[0].outcome(costly[1]).decisions.slots.values()) < sum(outcome.decisions.slots.values())


def test_the_plan_beats_today_out_of_sample_on_the_small_network():
    """West's surge: ventilators moved there cut its unmet fraction on seeds the plan never saw."""
    scenario = scenario_from_dict(three_hospitals())
    plan = plan_network(scenario, paths=30, horizon_h=7 * 24, seed=1, settings=Settings(seed=1))
    assert final_counts(plan.data, plan.plan.decisions)["west_vents"] > 3
    rows = evaluate_plan(scenario, plan.policy, seed=2, replications=8, plan_seed=1)
    found = {(r["name"], r["kpi"]): r for r in rows}
    for key in (("ventilator", "unmet_fraction"), ("ventilator", "unmet_h_per_day"), ("west_vents", "unmet_fraction")):
        assert found[key]["better"] == "policy", found[key]
        assert found[key]["diff_hi"] < 0
    assert found[("all hospitals", "diverted_per_day")]["better"] != "baseline"
    with pytest.raises(HospitaltwinError, match="out of sample"):
        evaluate_plan(scenario, plan.policy, seed=1, replications=2, plan_seed=1)

"""The regional example: under Northside's respiratory surge the plan beats today, out of sample.

Slow (a minute or two): demand paths of the five-hospital network and two sets of engine runs.
The plan is optimised on paths seeded 2024 (the scenario's seed) and tested in the engine on
seed 7, with common random numbers between today's network and the plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hospitaltwin.config.load import read_scenario
from hospitaltwin.optimize.network import Settings, plan_network
from hospitaltwin.optimize.network.evaluate import evaluate_plan
from hospitaltwin.optimize.network.network_policy import final_counts

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("fair", [False, True])
def test_the_plan_cuts_ventilator_shortage_out_of_sample(fair):
    scenario = read_scenario(ROOT / "scenarios/regional-respiratory-surge.yaml")
    plan = plan_network(scenario, paths=40, horizon_h=14 * 24, settings=Settings(fair=fair, seed=1), workers=2)
    assert plan.plan.report["status"] == "optimal"
    counts = final_counts(plan.data, plan.plan.decisions)
    assert counts["north_ventilators"] >= 20 and counts["hub_ventilators"] >= 20, counts
    assert plan.plan.device_short.sum() < 0.2 * plan.before.device_short.sum()
    rows = evaluate_plan(scenario, plan.policy, seed=7, replications=20, plan_seed=plan.seed, workers=2)
    found = {(r["name"], r["kpi"]): r for r in rows}
    for key in (("ventilator", "unmet_fraction"), ("north_ventilators", "unmet_fraction"),
                ("ventilator", "unmet_h_per_day")):
        assert found[key]["better"] == "policy" and found[key]["diff_hi"] < 0, found[key]
    for pool in ("hub_ventilators", "south_ventilators", "east_ventilators"):
        assert found[(pool, "unmet_fraction")]["better"] != "baseline", found[(pool, "unmet_fraction")]
    assert found[("all hospitals", "diverted_per_day")]["better"] != "baseline"

"""A surge plan becomes a policy the twin runs exactly as planned, and is judged out of sample."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hospitaltwin.calendar.staffing import step_at
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.config.policy import Policy, apply_policy, read_policy
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.engine import compile_scenario
from hospitaltwin.optimize.surge.options import SurgeOptions
from hospitaltwin.optimize.surge.plan import GapSettings, plan_surge
from hospitaltwin.optimize.surge.surge_policy import (
    evaluate,
    plan_policy,
    runs,
    side_effects,
    target_rows,
    write_policy,
)
from tests.optimize.surge_cases import small_options, small_wave


@pytest.fixture(scope="module")
def planned():
    scenario = scenario_from_dict(small_wave())
    options = SurgeOptions.model_validate(small_options())
    return plan_surge(scenario, options, paths=60, days=10, seed=7, gap=GapSettings(batches=0))


def test_runs_of_equal_bed_counts():
    assert runs(np.array([0, 2, 2, 3, 0, 0, 1])) == [(1, 3, 2), (3, 4, 3), (6, 7, 1)]
    assert runs(np.zeros(4, int)) == []


def test_the_twin_opens_the_planned_beds_staffs_them_and_takes_them_from_the_donor(planned, tmp_path):
    scenario, plan = planned.scenario, planned.plan
    o = plan.data.options.index("PACU_ICU")
    assert plan.beds[o].sum() > 0, "the wave makes the plan open PACU bays"
    write_policy(planned.policy, tmp_path / "policy.yaml", "a header")
    policy = read_policy(tmp_path / "policy.yaml")
    variant = apply_policy(scenario, policy)
    assert variant.layout.units["ICU"].overflow[0] == "PACU_ICU"
    model = compile_scenario(variant)
    noon = 20 * 24 + 12 + 24 * np.arange(10)
    area = step_at(*model.beds[model.unit_index("PACU_ICU")], noon)
    pacu = step_at(*model.beds[model.unit_index("PACU")], noon)
    np.testing.assert_array_equal(area, plan.beds[o])
    np.testing.assert_array_equal(pacu, 8 - plan.beds[o])
    staff = next(s for s in model.staff if s.name == "PACU_ICU_nurses")
    for start, rostered in zip(staff.plan.starts, staff.plan.rostered):
        days = range(max(0, int((start - 480) // 24)), min(10, math.ceil((start + 12 - 480) / 24)))
        need = max((math.ceil(plan.beds[o, d] / 2) for d in days), default=0)
        assert rostered == need, (start, rostered, need)


def test_the_plan_beats_no_plan_on_icu_waits_out_of_sample(planned):
    policy = Policy.model_validate(planned.policy)
    result = evaluate(planned.scenario, policy, seed=8, replications=20, horizon_h=planned.horizon_h, plan_seed=7)
    rows = {(r["name"], r["kpi"]): r for r in target_rows(result, ["ICU", "PACU"])}
    wait = rows["ICU", "mean_wait_h"]
    assert wait["better"] == "policy" and wait["diff_hi"] < 0
    assert wait["diff_mean"] < -0.25 * wait["baseline_mean"], "a substantial cut, not a rounding effect"
    ed = [r for r in side_effects(result, ["ICU", "PACU"]) if r["name"] == "ED"]
    assert [(r["kpi"], r["better"]) for r in ed] == [("boarding_h_per_day", "policy")]


def test_evaluating_on_the_plans_own_seed_is_refused(planned):
    policy = Policy.model_validate(planned.policy)
    with pytest.raises(HospitaltwinError, match="out-of-sample test needs another"):
        evaluate(planned.scenario, policy, seed=7, replications=2, horizon_h=planned.horizon_h, plan_seed=7)


def test_a_plan_that_opens_nothing_is_an_empty_but_valid_policy(planned):
    from dataclasses import replace

    idle = replace(planned.plan, beds=np.zeros_like(planned.plan.beds))
    policy = plan_policy(idle, planned.options, planned.scenario, planned.scenario.run.origin)
    assert policy["layout"] == {"units": {}} and policy["changes"] == {"beds": []}
    apply_policy(planned.scenario, Policy.model_validate(policy))

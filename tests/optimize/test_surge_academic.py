"""The academic centre's ICU wave: the optimised surge plan beats no plan out of sample.

Slow (about half a minute on two workers): 100 demand paths of the 600-bed hospital to
plan on, then 20 fresh replications with and without the plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hospitaltwin.config.load import read_scenario
from hospitaltwin.config.policy import Policy, apply_policy
from hospitaltwin.optimize.surge.options import read_options
from hospitaltwin.optimize.surge.plan import GapSettings, plan_surge
from hospitaltwin.optimize.surge.surge_policy import evaluate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_academic_surge_plan_cuts_medical_icu_waits_out_of_sample():
    scenario = read_scenario(ROOT / "scenarios/surge/academic-icu-wave.yaml")
    options = read_options(ROOT / "scenarios/surge/academic-options.yaml", scenario, 14)
    result = plan_surge(scenario, options, paths=100, days=14, seed=2024, workers=2, gap=GapSettings(batches=0))
    assert result.plan.status == "optimal" and result.plan.beds.sum() > 0
    policy = Policy.model_validate(result.policy)
    apply_policy(scenario, policy)
    comparison = evaluate(scenario, policy, seed=9001, replications=20, horizon_h=result.horizon_h,
                          plan_seed=2024, workers=2)
    rows = {(r["name"], r["kpi"]): r for r in comparison.rows if r["scope"] == "unit"}
    wait = rows["MICU", "mean_wait_h"]
    assert wait["better"] == "policy" and wait["diff_hi"] < 0, wait
    assert rows["MICU", "p_wait"]["better"] == "policy"

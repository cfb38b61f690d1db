"""The out-of-sample test of a plan: one check of the seed rule, one paired comparison.

The three optimisers and their command lines judge a plan through
:mod:`hospitaltwin.compare.out_of_sample`; it is ``compare`` on a seed the plan never saw.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_unit

from hospitaltwin.compare.out_of_sample import out_of_sample, require_fresh_seed
from hospitaltwin.compare.paired import compare, verdict
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.config.policy import Policy
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.experiment.replicate import with_run

PLAN = Policy(name="plus4", layout={"units": {"A": {"beds": 12}}})


def _baseline():
    data = one_unit(8, 2.5, {"dist": "lognormal", "mean": "3d", "cv": 1.0}, horizon="200d")
    return scenario_from_dict(data)


def test_the_plans_own_seed_is_refused_before_anything_runs():
    with pytest.raises(HospitaltwinError, match=r"evaluation seed \(3\) is the seed the plan is optimised on"):
        out_of_sample(_baseline(), PLAN, seed=3, replications=4, plan_seed=3)
    require_fresh_seed(4, 3)  # another seed is fine


def test_it_is_compare_on_the_evaluation_seed():
    tested = out_of_sample(_baseline(), PLAN, seed=7, replications=6, plan_seed=1)
    direct = compare(with_run(_baseline(), seed=7, replications=6), [PLAN])
    assert tested.rows == direct.rows
    diverted = next(r for r in tested.rows if r["kpi"] == "diverted_fraction")
    assert diverted["better"] == "policy", "four more beds divert fewer patients"


def test_derived_kpis_are_paired_like_the_engines():
    def with_lost(values: dict) -> dict:
        return {**values, ("network", "all", "lost_per_day"): values[("hospital", "main", "diverted_per_day")]}

    rows = out_of_sample(_baseline(), PLAN, seed=7, replications=6, plan_seed=1, derive=with_lost).rows
    lost = next(r for r in rows if r["kpi"] == "lost_per_day")
    diverted = next(r for r in rows if r["scope"] == "hospital" and r["kpi"] == "diverted_per_day")
    assert np.isclose(lost["diff_mean"], diverted["diff_mean"]) and lost["better"] == diverted["better"] == "policy"
    assert verdict("lost_per_day", 0.5, 1.0) == "baseline", "losing patients is worse"

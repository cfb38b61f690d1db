"""Policies change scenarios by copying; compare names winners only where the CI excludes zero."""

from __future__ import annotations

import csv
import json

import pytest
from helpers import one_unit

from hospitaltwin.compare.paired import compare, verdict
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.config.policy import Policy, apply_policy, merge
from hospitaltwin.core.errors import ConfigError
from hospitaltwin.experiment.replicate import with_run


def _scenario(replications: int = 8):
    data = one_unit(8, 2.5, {"dist": "lognormal", "mean": "3d", "cv": 1.0}, horizon="300d")
    return with_run(scenario_from_dict(data), replications=replications)


def test_a_policy_is_merged_into_a_copy_and_the_original_is_untouched():
    base = _scenario()
    policy = Policy(name="more", layout={"units": {"A": {"beds": 12}}},
                    changes={"beds": [{"unit": "A", "add": -2, "from": "100d"}]})
    changed = apply_policy(base, policy)
    assert changed.layout.units["A"].beds == 12 and base.layout.units["A"].beds == 8
    assert changed.layout.units["A"].on_full == "divert", "unchanged keys survive the merge"
    assert len(changed.changes.beds) == 1 and not base.changes.beds
    assert merge({"a": {"b": 1, "c": [1]}}, {"a": {"c": [2]}}) == {"a": {"b": 1, "c": [2]}}


def test_a_policy_that_breaks_the_scenario_is_refused_with_its_problems():
    with pytest.raises(ConfigError, match="unknown unit 'B'"):
        apply_policy(_scenario(), Policy(name="bad", layout={"units": {"A": {"on_full": "overflow", "overflow": ["B"]}}}))


def test_more_beds_win_on_diversions_and_equal_arrivals_name_no_winner(tmp_path):
    policies = [Policy(name="plus4", layout={"units": {"A": {"beds": 12}}}),
                Policy(name="same", layout={"units": {"A": {"beds": 8}}})]
    result = compare(_scenario(), policies, out=tmp_path)
    rows = {(r["policy"], r["name"], r["kpi"]): r for r in result.rows}
    plus = rows[("plus4", "A", "diverted_fraction")]
    assert plus["better"] == "policy" and plus["diff_hi"] < 0
    assert rows[("plus4", "A", "arrivals_per_day")]["diff_mean"] == 0, "common random numbers: same patients"
    assert rows[("plus4", "A", "arrivals_per_day")]["better"] == "none"
    assert rows[("plus4", "A", "mean_census")]["better"] == "none", "a census has no direction"
    same = rows[("same", "A", "diverted_fraction")]
    assert same["diff_mean"] == 0 and same["better"] == "none"
    with open(tmp_path / "comparison.csv") as handle:
        assert len(list(csv.DictReader(handle))) == len(result.rows)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["policies"] == ["plus4", "same"] and summary["significant"]
    assert json.loads((tmp_path / "manifest.json").read_text())["kind"] == "compare"


@pytest.mark.parametrize("kpi, lo, hi, expected", [
    ("p_full", -0.2, -0.1, "policy"), ("p_full", 0.1, 0.2, "baseline"), ("p_full", -0.1, 0.1, "none"),
    ("mean_census", 1.0, 2.0, "none"), ("p_full", float("nan"), float("nan"), "none")])
def test_verdicts_need_a_direction_and_an_interval_excluding_zero(kpi, lo, hi, expected):
    assert verdict(kpi, lo, hi) == expected

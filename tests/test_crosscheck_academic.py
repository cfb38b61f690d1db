"""The SimPy engine against the salabim cross-check on the bundled academic medical center.

What forecasts rely on beyond the plain network of ``test_crosscheck.py``: beds staffed by
nurse rosters shift by shift (with absence), ECLS limited by its team, priorities, overflow,
scheduled surgery, and changes over time (a demand wave, surge beds, redeployed nurses).

The default test runs the academic layout's intensive-care block (the five ICUs and the PACU,
their nurses, ventilators and the ECLS circuits and team, with the covid case-mix and the
surge plan of ``scenarios/academic-covid-surge.yaml``); the patients the ED would send up
arrive at each ICU directly, and the CCU diverts when full so that diversion is compared
too. The slow test runs the whole academic surge scenario. For every compared quantity the
Welch 99.9% interval of the difference of the two engines' replication means must hold zero
(widened by an absolute floor where a quantity is near zero: FLOORS) and be narrow enough to
mean something (WIDTHS). The negative controls feed the salabim engine the same scenario
without its rosters or without its surge, and the same comparison must see the difference.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import assert_in_ci
from test_crosscheck import assert_agree, differences, run_both
from test_theory import erlang_b

from hospitaltwin.config import read_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
ICU_BLOCK = ("MICU", "SICU", "CCU", "NEURO_ICU", "CVICU", "PACU")
UNIT_KPIS = ("mean_census", "mean_staffed_beds", "mean_wait_h", "mean_boarding", "diverted_fraction", "p_full")
POOL_KPIS = ("unmet_fraction", "mean_in_use", "mean_capacity")
WIDTHS = {"mean_census": 4.0, "mean_staffed_beds": 0.6, "mean_boarding": 1.0, "diverted_fraction": 0.2,
          "p_full": 0.3, "unmet_fraction": 0.35, "mean_in_use": 3.0, "mean_capacity": 0.5,
          "left_fraction": 0.02}  # waits: too noisy through the wave to bound (MICU: +-40 h)
WHOLE_WIDTHS = {**WIDTHS, "mean_census": 8.0, "mean_boarding": 6.0, "p_full": 0.5, "mean_in_use": 4.0}
"""The whole hospital through the wave in 8 replications: the PACU (SICU overflow and boarding
from a full ICU) and the ICUs' time full vary most between replications."""
FLOORS = {"mean_wait_h": 0.01, "mean_boarding": 0.005, "diverted_fraction": 0.002, "p_full": 0.002,
          "unmet_fraction": 0.002, "left_fraction": 0.001}  # rounding-level: quantities near zero


def _yaml(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text())


def icu_block_surge() -> dict:
    """The academic ICU block through the covid wave, with the surge plan (beds and nurses)."""
    layout, demand = _yaml("layouts/academic-600.yaml"), _yaml("scenarios/demand/academic-600-covid.yaml")
    surge = _yaml("scenarios/academic-covid-surge.yaml")
    layout["units"] = {u: spec for u, spec in layout["units"].items() if u in ICU_BLOCK}
    layout["units"]["CCU"]["on_full"] = "divert"
    layout["staff"] = {g: s for g, s in layout["staff"].items() if set(s["units"]) <= set(ICU_BLOCK)}
    ed = demand["units"]["ED"]
    ed_rate = sum(s["rate"] for s in demand["arrivals"] if s["unit"] == "ED")
    arrivals = [s for s in demand["arrivals"] if s["unit"] in ICU_BLOCK]
    arrivals += [{"unit": u, "source": "ED", "rate": ed_rate * ed["next"][u]} for u in ICU_BLOCK if u in ed["next"]]
    units = {u: spec for u, spec in demand["units"].items() if u in ICU_BLOCK}
    for spec in units.values():
        kept = {to: p for to, p in spec["next"].items() if to in ICU_BLOCK or to == "death"}
        spec["next"] = {**kept, "discharge": 1.0 - sum(kept.values())}
    changes = copy.deepcopy(surge["changes"])
    changes["demand"][0]["streams"] = ["MICU:ED", "MICU:transfer-in"]
    return {"name": "academic-icu-block", "layout": layout, "demand": {"arrivals": arrivals, "units": units},
            "changes": changes, "run": {**surge["run"], "seed": 1}}


def _icu_keys(kpis=UNIT_KPIS) -> list[tuple[str, str]]:
    return [(u, k) for u in ICU_BLOCK for k in kpis] + [(p, k) for p in ("ventilator", "ecls") for k in POOL_KPIS]


def test_engines_agree_on_the_academic_icu_block_with_rosters_ecls_team_and_a_surge_plan():
    scenario = scenario_from_dict(icu_block_surge())
    ours, theirs = run_both(scenario, 30, 6)
    diffs = differences(ours, theirs, _icu_keys())
    assert_agree(diffs, WIDTHS, FLOORS)
    assert diffs[("MICU", "p_full")][0] > 0.2 and diffs[("ecls", "unmet_fraction")][0] > 0.02, \
        "the block is meant to be congested: a full MICU, ECLS runs refused"
    assert diffs[("CCU", "diverted_fraction")][0] > 0.01, "the CCU is meant to divert"


def test_comparison_detects_the_salabim_engine_ignoring_the_rosters():
    """Negative control: without its staff section, the salabim engine's units are fully
    staffed and its ECLS is not limited by the team; the comparison must say so."""
    data = icu_block_surge()
    data["run"].update(horizon="60d", warmup="30d")
    unstaffed = copy.deepcopy(data)
    unstaffed["layout"]["staff"] = {}
    unstaffed["layout"]["equipment"]["ecls"].pop("team")
    unstaffed["changes"].pop("staff")
    ours, theirs = run_both(scenario_from_dict(data), 10, 3, scenario_from_dict(unstaffed))
    diffs = differences(ours, theirs, _icu_keys(("mean_staffed_beds", "mean_census")))
    outside = [key for key, (_, _, lo, hi) in diffs.items() if not lo <= 0 <= hi]
    expected = {(u, "mean_staffed_beds") for u in ICU_BLOCK} | {("ecls", "mean_capacity")}
    assert expected <= set(outside), outside


@pytest.mark.slow
def test_comparison_detects_the_salabim_engine_ignoring_the_surge():
    """Negative control: the surge plan without the demand wave."""
    data = icu_block_surge()
    calm = copy.deepcopy(data)
    calm["changes"].pop("demand")
    ours, theirs = run_both(scenario_from_dict(data), 30, 6, scenario_from_dict(calm))
    diffs = differences(ours, theirs, [("MICU", "mean_census"), ("MICU", "mean_wait_h")])
    assert all(not lo <= 0 <= hi for _, _, lo, hi in diffs.values()), diffs


@pytest.mark.slow
def test_engines_agree_on_the_whole_academic_covid_surge_scenario():
    scenario = read_scenario(ROOT / "scenarios/academic-covid-surge.yaml")
    ours, theirs = run_both(scenario, 30, 8)
    units = list(scenario.layout.units)
    keys = [(u, k) for u in units for k in (*UNIT_KPIS, "left_fraction")]
    keys += [(p, k) for p in scenario.layout.equipment for k in POOL_KPIS]
    assert_agree(differences(ours, theirs, keys), WHOLE_WIDTHS, FLOORS)


def test_both_engines_block_at_the_erlang_b_rate_of_the_staffed_beds():
    """A diverting unit of 20 beds whose nurses (3 a shift at 1:4, no absence) staff 12: both
    engines divert the Erlang B fraction of 12 servers, not of 20 — and a shift handover never
    opens a bed for a moment (that would lower the blocking)."""
    shifts = {"day": {"start": "7h", "length": "12h", "weekday": 3}, "night": {"start": "19h", "length": "12h", "weekday": 3}}
    data = {"name": "staffed-erlang",
            "layout": {"units": {"ICU": {"beds": 20, "on_full": "divert"}},
                       "staff": {"nurses": {"units": ["ICU"], "patients_per_staff": 4, "shifts": shifts}}},
            "demand": {"arrivals": [{"unit": "ICU", "rate": 10}],
                       "units": {"ICU": {"los": {"dist": "exponential", "mean": "1d"}}}},
            "run": {"horizon": "200d", "warmup": "10d"}}
    truth = erlang_b(12, 10.0)
    ours, theirs = run_both(scenario_from_dict(data), 6, 6)
    for runs in (ours, theirs):
        assert_in_ci(np.array([r[("ICU", "diverted_fraction")] for r in runs]), truth, 0.99, max_half_width=0.03)
        assert all(r[("ICU", "mean_staffed_beds")] == pytest.approx(12) for r in runs)

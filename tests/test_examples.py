"""The bundled example hospitals and what-ifs: every file validates, every scenario runs, the
baselines look like real hospitals, and each what-if moves its KPIs the expected way.

The what-if comparisons use common random numbers: the same root seed and replication give the
same arrivals and staff draws in baseline and variant, so a difference over a few replications
is the effect of the change, not noise.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from helpers import kpi_dict

from hospitaltwin.cli.validate import validate_file
from hospitaltwin.config import read_scenario
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.engine.measures import time_average
from hospitaltwin.engine.tables import wait_end
from hospitaltwin.experiment.replicate import run_scenario, with_run

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))
DEMANDS = sorted((ROOT / "scenarios" / "demand").glob("*.yaml"))
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXAMPLES = [p for p in SCENARIOS if p.name != "one-unit.yaml"]
BASELINES = ("community-baseline", "academic-baseline", "regional-baseline")
ICU_KIND, WARD_KIND = "icu", "ward"


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _scenario(name: str, **run):
    return with_run(read_scenario(ROOT / "scenarios" / f"{name}.yaml"), **run)


def _kpis(name: str, horizon: str, replications: int) -> list[dict]:
    """KPIs of replications 0..n-1 of a scenario at ``horizon``, seeded by the scenario."""
    return [dict(k) for k in _cached_kpis(name, horizon, replications)]


@lru_cache(maxsize=None)
def _cached_kpis(name: str, horizon: str, replications: int) -> tuple:
    scenario = _scenario(name, horizon=horizon)
    model = compile_scenario(scenario)
    return tuple(tuple(kpi_dict(simulate(model, scenario.run.seed, r, tables=False)).items())
                 for r in range(replications))


def _mean(kpis: list[dict], name: str, kpi: str) -> float:
    return float(np.mean([k[(name, kpi)] for k in kpis]))


def _total(kpis: list[dict], names, kpi: str) -> float:
    return sum(_mean(kpis, n, kpi) for n in names)


# -- files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", LAYOUTS + DEMANDS + SCENARIOS, ids=_name)
def test_every_example_file_validates(path):
    kind, problems = validate_file(path)
    assert problems == [], "\n".join(str(p) for p in problems)
    expected = {"layouts": "layout", "demand": "demand"}.get(path.parent.name, "scenario")
    assert kind == expected


OPTIMIZER_FILES = sorted(p for sub in ("rosters", "surge", "policies") for p in (ROOT / "scenarios" / sub).glob("*.yaml"))


@pytest.mark.parametrize("path", OPTIMIZER_FILES, ids=_name)
def test_every_optimizer_input_validates_and_is_recognised(path):
    kind, problems = validate_file(path)
    assert problems == [], "\n".join(str(p) for p in problems)
    assert kind in ("scenario", "roster problem", "surge options", "policy"), kind


def test_every_example_file_opens_with_a_comment_saying_what_it_is():
    for path in LAYOUTS + DEMANDS + EXAMPLES:
        assert path.read_text().startswith("#"), f"{_name(path)} should open with a comment"
    for path in EXAMPLES:
        assert "hospitaltwin run scenarios/" in path.read_text(), f"{_name(path)} should say how to run it"


def test_the_examples_a_new_user_is_promised_are_there():
    names = {p.stem for p in EXAMPLES}
    assert set(BASELINES) | {"academic-icu-plus10", "academic-covid-surge", "academic-ward-closure",
                             "academic-nurse-shortage", "regional-surge"} <= names
    assert {p.stem for p in LAYOUTS} >= {"community-150", "academic-600", "regional-network"}


def test_the_layouts_are_the_sizes_they_claim():
    beds = {p.stem: read_scenario(ROOT / "scenarios" / f"{b}.yaml").layout
            for p, b in zip(sorted(LAYOUTS), ("academic-baseline", "community-baseline", "regional-baseline"))}
    inpatient = lambda layout: sum(u.beds for u in layout.units.values() if u.kind not in ("ed", "pacu"))  # noqa: E731
    assert 140 <= inpatient(beds["community-150"]) <= 160
    assert 560 <= inpatient(beds["academic-600"]) <= 640
    network = beds["regional-network"]
    assert 4 <= len(network.hospitals) <= 6 and network.links
    assert all(u.hospital and u.kind for u in network.units.values())
    assert {p.hospital for p in network.equipment.values()} == {"hub", "north", "south", "east"}
    academic = beds["academic-600"]
    assert sum(u.beds for u in academic.units.values() if u.kind == ICU_KIND) >= 80
    assert academic.staff[academic.equipment["ecls"].team].units == ()


def test_what_ifs_share_their_baselines_seed_layout_and_calendar():
    for path in EXAMPLES:
        family = path.stem.split("-")[0]
        baseline = read_scenario(ROOT / "scenarios" / f"{family}-baseline.yaml")
        scenario = read_scenario(path)
        assert scenario.run.seed == baseline.run.seed, "common random numbers need the same seed"
        assert scenario.run.origin == baseline.run.origin
        assert scenario.layout == baseline.layout


@pytest.mark.parametrize("path", EXAMPLES, ids=_name)
def test_every_scenario_runs_a_short_horizon(path):
    scenario = with_run(read_scenario(path), horizon="60d", warmup="10d", replications=2)
    result = run_scenario(scenario, tables=False)
    assert result.summary["replications"] == 2
    for unit in scenario.layout.units:
        assert result.summary["units"][unit]["arrivals_per_day"]["mean"] >= 0
    assert result.summary["equipment"], "every example has equipment pools"


# -- baselines look like hospitals ------------------------------------------------------------------
@lru_cache(maxsize=None)
def _baseline_year(name: str):
    scenario = _scenario(name)
    model = compile_scenario(scenario)
    return scenario, model, simulate(model, scenario.run.seed, 0, tables=False)


@pytest.mark.parametrize("name", BASELINES)
def test_baseline_occupancy_is_in_a_plausible_band(name):
    scenario, model, result = _baseline_year(name)
    kpis = kpi_dict(result)
    units = scenario.layout.units
    # Small units swing more and the critical-access hospital runs at a third full (as CAHs do).
    icus = [u for u, spec in units.items() if spec.kind == ICU_KIND and spec.beds >= 10]
    wards = [u for u, spec in units.items() if spec.kind == WARD_KIND and spec.beds >= 28]
    for unit in icus:
        assert 0.65 <= kpis[(unit, "occupancy_fraction")] <= 0.93, unit
    for unit in wards:
        assert 0.75 <= kpis[(unit, "occupancy_fraction")] <= 0.96, unit
    assert max(kpis[(u, "p_full")] for u in icus) > 0.05, "some ICU is full some of the time"
    assert max(kpis[(u, "p_full")] for u in icus) < 0.6, "no ICU is full most of the time"
    eds = [u for u, spec in scenario.layout.units.items() if spec.kind == "ed" and spec.beds >= 20]
    assert all(kpis[(u, "boarding_h_per_day")] > 1 for u in eds), "admitted patients board in the ED"
    assert all(kpis[(u, "mean_wait_h")] < 1.0 for u in eds), "the ED is not overwhelmed in a normal year"


@pytest.mark.parametrize("name", BASELINES)
def test_baseline_queues_do_not_grow_over_the_year(name):
    _, model, result = _baseline_year(name)
    stays = result.stays
    third = (model.horizon - model.warmup) / 3
    first, last = (model.warmup, model.warmup + third), (model.horizon - third, model.horizon)
    diverted = stays.code("outcome", "diverted")
    for unit in model.units:
        queued = (stays["intended_unit"] == unit.index) & (stays["outcome"] != diverted)
        arrive, start = stays["arrive"][queued], wait_end(stays)[queued]  # a bed, leaving, or never
        early, late = time_average(arrive, start, *first), time_average(arrive, start, *last)
        assert late <= 2 * early + 0.05 * unit.beds + 2, f"{unit.id}: queue {early:.2f} -> {late:.2f}"
        assert np.sum(np.isinf(start) & (arrive < model.horizon - 7 * 24)) <= 0.1 * unit.beds + 2, \
            f"{unit.id}: patients still waiting after a week"


def test_academic_baseline_uses_ventilators_and_ecls_within_their_pools():
    _, _, result = _baseline_year("academic-baseline")
    kpis = kpi_dict(result)
    assert 10 < kpis[("ventilator", "mean_in_use")] < 60
    assert 0.1 < kpis[("ecls", "mean_in_use")] < 5
    assert kpis[("ecls", "mean_capacity")] < 5, "the ECLS team limits concurrent runs below the circuits"
    assert 30 < kpis[("ecls", "episodes_per_day")] * 365 < 200, "tens of ECMO runs a year (ELSO centre)"


def test_regional_baseline_moves_patients_between_hospitals():
    _, _, result = _baseline_year("regional-baseline")
    kpis = kpi_dict(result)
    assert kpis[("hub", "network_arrivals_per_day")] > 0.1
    assert kpis[("cah", "transfers_out_per_day")] > 0.1, "the critical-access hospital transfers ICU patients out"
    assert kpis[("hub", "diverted_per_day")] == 0, "the hub queues, it never diverts"


# -- what-ifs move KPIs the expected way (common random numbers) --------------------------------------
def test_ten_more_icu_beds_lower_icu_fullness_waits_and_ed_boarding():
    base, more = _kpis("academic-baseline", "120d", 3), _kpis("academic-icu-plus10", "120d", 3)
    for unit in ("MICU", "CCU"):
        assert _mean(more, unit, "p_full") < _mean(base, unit, "p_full")
        assert _mean(more, unit, "mean_staffed_beds") > _mean(base, unit, "mean_staffed_beds") + 3
    assert _mean(more, "MICU", "mean_wait_h") < 0.5 * _mean(base, "MICU", "mean_wait_h")
    assert _mean(more, "ED", "boarding_h_per_day") < _mean(base, "ED", "boarding_h_per_day")


def test_the_covid_wave_raises_ventilator_use_and_icu_strain():
    base, wave = _kpis("academic-baseline", "150d", 2), _kpis("academic-covid-surge", "150d", 2)
    assert _mean(wave, "ventilator", "mean_in_use") > 1.2 * _mean(base, "ventilator", "mean_in_use")
    assert _mean(wave, "ecls", "mean_in_use") > _mean(base, "ecls", "mean_in_use")
    assert _mean(wave, "MICU", "arrivals_per_day") > _mean(base, "MICU", "arrivals_per_day")
    assert _mean(wave, "ED", "boarding_h_per_day") > _mean(base, "ED", "boarding_h_per_day")


def test_a_ward_closure_raises_medicine_waits_and_ed_boarding():
    base, closed = _kpis("academic-baseline", "100d", 2), _kpis("academic-ward-closure", "100d", 2)
    assert _mean(closed, "MED_B", "mean_physical_beds") < _mean(base, "MED_B", "mean_physical_beds") - 5
    medicine = ("MED_A", "MED_C", "MED_D", "MED_E")
    assert _total(closed, medicine, "mean_wait_h") > _total(base, medicine, "mean_wait_h")
    assert _mean(closed, "ED", "boarding_h_per_day") > 1.2 * _mean(base, "ED", "boarding_h_per_day")


def test_a_nurse_shortage_raises_hours_over_ratio_and_waits():
    base, short = _kpis("academic-baseline", "90d", 2), _kpis("academic-nurse-shortage", "90d", 2)
    wards = ("MED_A", "MED_B", "MED_C", "MED_D", "MED_E", "SURG_A", "SURG_B", "SURG_C", "SURG_D")
    assert _total(short, wards, "over_ratio_h") > 1.5 * _total(base, wards, "over_ratio_h")
    assert _total(short, wards, "mean_staffed_beds") < _total(base, wards, "mean_staffed_beds")
    assert _total(short, wards, "mean_wait_h") > _total(base, wards, "mean_wait_h")
    assert _mean(short, "ED", "boarding_h_per_day") > _mean(base, "ED", "boarding_h_per_day")


def test_a_local_surge_sends_more_patients_into_the_network():
    base, surge = _kpis("regional-baseline", "150d", 2), _kpis("regional-surge", "150d", 2)
    assert _mean(surge, "N_ED", "arrivals_per_day") > _mean(base, "N_ED", "arrivals_per_day")
    assert _mean(surge, "north", "diverted_per_day") > _mean(base, "north", "diverted_per_day")
    assert _mean(surge, "hub", "network_arrivals_per_day") > _mean(base, "hub", "network_arrivals_per_day")
    assert _mean(surge, "N_ED", "boarding_h_per_day") > _mean(base, "N_ED", "boarding_h_per_day")

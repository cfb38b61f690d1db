"""No silent wrong answers: a mistyped store, a horizon that misses the surge, an unstable unit
and a probability from few replications each end in a clear error or warning."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.config.load import parse_scenario, read_scenario
from hospitaltwin.core.state import PatientState, SystemState
from hospitaltwin.core.tstats import replications_for, wilson
from hospitaltwin.experiment.hazards import horizon_warnings, offered_loads
from hospitaltwin.experiment.replicate import run_scenario, with_run

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
KEY = {"HOSPITALTWIN_PSEUDONYM_KEY": "test-key-0123456789abcdef"}


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env=KEY)


# --- a mistyped store is refused, never created -------------------------------------------

@pytest.mark.parametrize("verb", ["state", "forecast", "backtest", "compare"])
def test_read_only_verbs_refuse_a_store_that_does_not_exist(verb, tmp_path):
    typo = tmp_path / "twni.db"
    scenario = ROOT / "scenarios/one-unit.yaml"
    args = {"state": ["state", "--store", typo],
            "forecast": ["forecast", "--store", typo, "--scenario", scenario, "--out", tmp_path / "fc"],
            "backtest": ["backtest", "--store", typo, "--scenario", scenario, "--out", tmp_path / "bt"],
            "compare": ["compare", scenario, "--policy", ROOT / "scenarios/policies/one-unit-plus4.yaml",
                        "--store", f"sqlite:///{typo}", "--out", tmp_path / "cmp"]}[verb]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert f"no store at {typo}" in result.output and "Traceback" not in result.output
    assert not typo.exists(), "a reader must not create an empty store"


def test_sync_still_creates_a_new_store(tmp_path):
    store = tmp_path / "twin.db"
    log = tmp_path / "log.csv"
    log.write_text("timestamp,patient_id,event,unit\n2024-03-01T08:00Z,p1,admit,ICU\n")
    assert invoke("sync", log, "--store", store).exit_code == 0
    state = invoke("state", "--store", store)
    assert state.exit_code == 0 and "ICU" in state.output


def test_a_database_without_store_tables_is_not_a_store(tmp_path):
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.close()
    result = invoke("state", "--store", other)
    assert result.exit_code == 2 and "no store at" in result.output


# --- a horizon that ends before the scenario's changes ------------------------------------

def test_the_covid_surge_cut_at_35_days_names_every_change_it_misses():
    surge = with_run(read_scenario(ROOT / "scenarios/academic-covid-surge.yaml"), horizon="35d")
    warnings = horizon_warnings(surge)
    assert len(warnings) == 3
    assert "changes.demand[0]" in warnings[0] and "starts at 50d" in warnings[0] and "beyond 85d" in warnings[0]
    assert "changes.beds[0] (MICU +8 beds) starts at 60d" in warnings[1]
    assert "changes.staff[0]" in warnings[2]
    full = read_scenario(ROOT / "scenarios/academic-covid-surge.yaml")
    assert horizon_warnings(full) == [], "the scenario's own 180 days see the whole wave"


def test_a_horizon_between_the_rise_and_the_peak_says_it_sees_only_the_rise():
    rising = with_run(read_scenario(ROOT / "scenarios/academic-covid-surge.yaml"), horizon="70d")
    (only,) = [w for w in horizon_warnings(rising) if "changes.demand[0]" in w]
    assert "peaks at 85d" in only and "only its rise" in only


SMALL = """\
name: small-{name}
layout:
  units:
    WARD: {{beds: {beds}, on_full: {on_full}}}
demand:
  arrivals: [{{unit: WARD, rate: {rate}}}]
  units:
    WARD: {{los: {{dist: exponential, mean: 1d}}}}
{changes}run: {{horizon: {horizon}, warmup: {warmup}, replications: {reps}, seed: 3}}
"""


def small(path: Path, name="w", beds=12, on_full="queue", rate=10.0, changes="", horizon="60d",
          warmup="5d", reps=4) -> Path:
    path.write_text(SMALL.format(name=name, beds=beds, on_full=on_full, rate=rate, changes=changes,
                                 horizon=horizon, warmup=warmup, reps=reps))
    return path


def test_run_warns_on_the_command_line_and_in_summary_json_when_a_surge_comes_after_the_horizon(tmp_path):
    scenario = small(tmp_path / "s.yaml", changes="changes:\n  demand: [{surge: {peak: 2, at: 50d, sd: 3d}}]\n")
    result = invoke("run", scenario, "--horizon", "35d", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "warning: the run ends at 35d, before changes.demand[0] (demand surge)" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert any("changes.demand[0]" in w for w in summary["warnings"])


def test_a_change_over_within_the_warmup_is_named():
    text = SMALL.format(name="w", beds=12, on_full="queue", rate=10, horizon="60d", warmup="20d", reps=2,
                        changes="changes:\n  beds: [{unit: WARD, add: 4, until: 10d}]\n")
    (warning,) = horizon_warnings(parse_scenario(text))
    assert "changes.beds[0] (WARD +4 beds) is over at 10d, within the warm-up (20d)" in warning


# --- a unit whose demand exceeds its capacity ---------------------------------------------

def test_an_unstable_unit_is_flagged_with_its_load_against_its_beds(tmp_path):
    scenario = small(tmp_path / "s.yaml", beds=12, rate=13.0)  # load 13 beds against 12
    result = invoke("run", scenario, "-r", "2", "--horizon", "20d", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "WARD (unstable)" in result.output
    assert "WARD is unstable: its demand fills 13.0 beds on average against 12.0 staffed beds" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    entry = summary["offered_load"]["WARD"]
    assert entry["unstable"] is True and entry["load"] == pytest.approx(13.0, rel=0.02)
    assert entry["utilisation"] == pytest.approx(13 / 12, rel=0.02)


def test_a_stable_unit_is_not_flagged_and_a_diverting_one_states_its_least_loss(tmp_path):
    calm = run_scenario(parse_scenario(SMALL.format(name="calm", beds=12, on_full="queue", rate=9, changes="",
                                                    horizon="20d", warmup="2d", reps=2)))
    assert calm.summary["warnings"] == [] and not calm.summary["offered_load"]["WARD"]["unstable"]
    loss = parse_scenario(SMALL.format(name="loss", beds=10, on_full="divert", rate=20, changes="",
                                       horizon="20d", warmup="2d", reps=2))
    (load,) = offered_loads(loss)
    assert not load.unstable and load.overloaded
    assert "diverts at least 50% of its requests" in load.sentence()


def test_staffing_below_the_beds_makes_a_unit_unstable(tmp_path):
    text = SMALL.format(name="staff", beds=20, on_full="queue", rate=12, changes="", horizon="30d",
                        warmup="2d", reps=2).replace(
        "demand:", "  staff:\n    nurses:\n      units: [WARD]\n      patients_per_staff: 2\n"
        "      shifts: {day: {start: 7h, length: 12h, weekday: 5}, night: {start: 19h, length: 12h, weekday: 5}}\n"
        "demand:", 1)
    (load,) = offered_loads(parse_scenario(text))
    assert load.physical_beds == 20 and load.staffed_beds == pytest.approx(10, abs=0.01)
    assert load.unstable and "(20 physical)" in load.sentence()


NETWORK = """\
name: flow
layout:
  units:
    ED: {beds: 200}
    ICU: {beds: 200}
    WARD: {beds: 400}
demand:
  arrivals: [{unit: ED, rate: 40}, {unit: WARD, rate: 5}]
  units:
    ED: {los: {dist: lognormal, mean: 5h, sd: 3h}, next: {ICU: 0.2, WARD: 0.5, discharge: 0.3}}
    ICU: {los: {dist: gamma, mean: 3d, cv: 1}, next: {WARD: 0.7, death: 0.1, discharge: 0.2}}
    WARD: {los: {dist: exponential, mean: 4d}, next: {ICU: 0.05, discharge: 0.95}}
run: {horizon: 200d, warmup: 40d, replications: 8, seed: 5}
"""


def test_offered_loads_solve_the_traffic_equations_of_a_network_with_loops():
    """With beds to spare the mean census is the offered load (M/G/inf): the loads must fall in
    the 95% CI of the simulated means, and the CI must be tight enough to mean something."""
    scenario = parse_scenario(NETWORK)
    loads = {u.unit: u.load for u in offered_loads(scenario)}
    # lambda = a + P^T lambda by hand: ED = 40/d; ICU = 8 + 0.05 WARD; WARD = 5 + 20 + 0.7 ICU.
    ward = (25 + 0.7 * 8) / (1 - 0.7 * 0.05)
    icu = 8 + 0.05 * ward
    expected = {"ED": 40 / 24 * 5.0, "ICU": icu / 24 * 72.0, "WARD": ward / 24 * 96.0}
    for unit, value in expected.items():
        assert loads[unit] == pytest.approx(value, rel=1e-9)
    summary = run_scenario(scenario).summary
    for unit, value in expected.items():
        entry = summary["units"][unit]["mean_census"]
        lo, hi = entry["ci95"]
        assert hi - lo < 0.1 * value, f"{unit}: the CI is too wide to test anything"
        assert lo <= value <= hi, f"{unit}: load {value:.2f} outside the simulated CI [{lo:.2f}, {hi:.2f}]"


# --- a probability from few replications --------------------------------------------------

def test_the_wilson_interval_and_the_replications_a_precision_needs():
    lo, hi = wilson(19, 20)
    assert lo == pytest.approx(0.7639, abs=1e-3) and hi == pytest.approx(0.9911, abs=1e-3)
    assert wilson(0, 20)[0] == 0 and wilson(20, 20)[1] == 1
    assert replications_for(0.5, 0.05) == math.ceil(1.959964 ** 2 * 0.25 / 0.0025)
    assert replications_for(0.999, 0.05) == replications_for(0.95, 0.05), "rare events earn no shortcut"


def test_a_forecast_from_few_replications_states_how_uncertain_its_probabilities_are():
    from hospitaltwin.forecast import headline, precision, risks, run_forecast

    scenario = parse_scenario(SMALL.format(name="fc", beds=12, on_full="queue", rate=11, changes="",
                                           horizon="10d", warmup="0h", reps=2))
    state = SystemState(datetime(2024, 3, 4, 8, tzinfo=UTC),
                        tuple(PatientState(f"p{i}", "WARD", 10.0) for i in range(11)))
    fc = run_forecast(scenario, state, horizon_h=72, replications=20, seed=4)
    for risk in risks(fc):
        lo, hi = risk["ci95"]
        k = round(risk["probability"] * 20)
        assert (lo, hi) == pytest.approx(wilson(k, 20), abs=1e-4) and lo <= risk["probability"] <= hi
    known = precision(fc)
    assert known["replications"] == 20 and known["max_half_width"] > 0.05
    assert known["replications_needed"] > 20
    assert headline(fc)[0]["text"].endswith("%"), "the headline sentence keeps its documented form"

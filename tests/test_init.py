"""``hospitaltwin init``: from a planner's numbers to files that validate and run at once."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.cli.validate import validate_file
from hospitaltwin.config.load import read_scenario
from hospitaltwin.config.starter import StarterNumbers, UnitNumbers, parse_unit, starter_data
from hospitaltwin.core.errors import HospitaltwinError

runner = CliRunner()
HOSPITAL = ["--unit", "ED:beds=30,admissions=40000,stay=5h", "--unit", "ICU:beds=16,stay=4d",
            "--unit", "WARD:beds=150,admissions=3000,stay=4.5d", "--route", "ED:ICU=0.03,WARD=0.15",
            "--route", "ICU:WARD=0.8,death=0.1", "--ventilators", "10", "--ventilated", "ICU=0.4"]


def test_init_then_run_from_flags_alone_in_under_a_minute(tmp_path):
    started = time.perf_counter()
    made = runner.invoke(app, ["init", str(tmp_path / "h"), *HOSPITAL, "--horizon", "60d", "--warmup", "10d",
                               "--replications", "4"])
    assert made.exit_code == 0, made.output
    assert "next: hospitaltwin run" in made.output and "offered load" in made.output
    for name in ("layout.yaml", "demand.yaml", "scenario.yaml"):
        assert validate_file(tmp_path / "h" / name)[1] == [], name
    ran = runner.invoke(app, ["run", str(tmp_path / "h" / "scenario.yaml"), "--out", str(tmp_path / "run")])
    elapsed = time.perf_counter() - started
    assert ran.exit_code == 0, ran.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    arrivals = summary["units"]["ED"]["arrivals_per_day"]
    assert arrivals["ci95"][0] <= 40000 / 365 <= arrivals["ci95"][1], "ED arrivals are the yearly admissions / 365"
    assert "ventilator" in summary["equipment"] and summary["warnings"] == []
    assert elapsed < 60, f"init + run took {elapsed:.0f} s"


def test_the_files_say_what_was_asked(tmp_path):
    data = starter_data(StarterNumbers("h", (UnitNumbers("ED", 20, 5.0, 36500.0), UnitNumbers("ICU", 8, 96.0)),
                                       routes={"ED": {"ICU": 0.05, "death": 0.01}}, ventilators=4,
                                       ventilated={"ICU": 0.5}, ventilation_h=48.0))
    demand = data["demand.yaml"]
    assert demand["arrivals"] == [{"unit": "ED", "rate": 100.0}]
    assert demand["units"]["ED"]["next"] == {"ICU": 0.05, "death": 0.01, "discharge": 0.94}
    assert demand["units"]["ICU"]["los"] == {"dist": "lognormal", "mean": "4d", "cv": 1.0}
    assert demand["units"]["ICU"]["equipment"]["ventilator"]["p"] == 0.5
    assert data["layout.yaml"]["equipment"] == {"ventilator": {"count": 4}}


def test_init_never_overwrites_and_names_what_exists(tmp_path):
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "demand.yaml").write_text("# mine\n")
    result = runner.invoke(app, ["init", str(folder), *HOSPITAL])
    assert result.exit_code == 2 and f"{folder / 'demand.yaml'} already exists" in result.output
    assert (folder / "demand.yaml").read_text() == "# mine\n"
    assert not (folder / "layout.yaml").exists() and not (folder / "scenario.yaml").exists()


@pytest.mark.parametrize("args, message", [
    (["--unit", "ICU:beds=12"], "'stay' is missing"),
    (["--unit", "ICU:beds=twelve,stay=4d,admissions=10"], "beds: 'twelve' is not a number"),
    (["--unit", "ICU:bed=12,stay=4d"], "unknown key 'bed'"),
    (["--unit", "ICU:beds=12,stay=4d"], "no unit admits patients from outside"),
    (["--unit", "ICU:beds=12,stay=4d,admissions=10", "--route", "ICU:WARD=0.5"], "WARD is not a unit"),
    (["--unit", "ICU:beds=12,stay=4d,admissions=10", "--route", "ICU:death=0.7,ICU=0.5"], "add up to 1.2"),
    (["--unit", "ICU:beds=12,stay=4d,admissions=10", "--ventilated", "ICU=0.3"], "needs --ventilators"),
    (["--unit", "ICU:beds=12,stay=soon,admissions=10"], "stay"),
])
def test_numbers_that_do_not_make_a_hospital_get_one_clear_line(tmp_path, args, message):
    result = runner.invoke(app, ["init", str(tmp_path / "h"), *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "h").exists(), "nothing written"


def test_without_units_and_no_terminal_it_shows_an_example(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "h")])
    assert result.exit_code == 2 and "--unit ED:beds=30" in result.output


def test_an_unstable_hospital_is_flagged_before_its_first_run(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "h"), "--unit", "ICU:beds=10,admissions=1200,stay=4d"])
    assert result.exit_code == 0
    assert "ICU is unstable: its demand fills 13.2 beds" in " ".join(result.output.split())


def test_percent_shares_and_divert(tmp_path):
    unit = parse_unit("ICU:beds=12,stay=36h,admissions=500,on_full=divert")
    assert (unit.beds, unit.stay_h, unit.on_full) == (12, 36.0, "divert")
    runner.invoke(app, ["init", str(tmp_path / "h"), "--unit", "ICU:beds=12,stay=36h,admissions=500,on_full=divert",
                        "--route", "ICU:death=12%"])
    scenario = read_scenario(tmp_path / "h" / "scenario.yaml")
    assert scenario.demand.units["ICU"].next == {"death": 0.12, "discharge": 0.88}
    assert yaml.safe_load((tmp_path / "h" / "layout.yaml").read_text())["units"]["ICU"]["on_full"] == "divert"
    with pytest.raises(HospitaltwinError, match="on_full is queue or divert"):
        parse_unit("ICU:beds=12,stay=36h,on_full=overflow")

"""A surge plan from the synced state: paths and the out-of-sample test start from who is in bed."""

from __future__ import annotations

import csv
import json

import yaml
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.config.policy import read_policy
from tests.store.conftest import KEY
from tests.store.synth import hospital_log, write_csv

runner = CliRunner()
ENV = {"HOSPITALTWIN_PSEUDONYM_KEY": KEY.decode(), "COLUMNS": "200"}
SCENARIO = {
    "name": "synced",
    "layout": {"units": {"ED": {"beds": 20}, "ICU": {"beds": 3}, "WARD": {"beds": 90}},
               "equipment": {"ventilator": {"count": 16}}},
    "demand": {"arrivals": [{"unit": "ED", "rate": 3.0}],
               "units": {"ED": {"los": {"dist": "lognormal", "mean": "4h", "cv": 0.5},
                                "next": {"ICU": 0.3, "WARD": 0.5, "discharge": 0.2}},
                         "ICU": {"los": {"dist": "lognormal", "mean": "3d", "cv": 0.7}, "next": {"WARD": 1.0}},
                         "WARD": {"los": {"dist": "lognormal", "mean": "4d", "cv": 0.7}, "next": {"discharge": 1.0}}}},
    "run": {"horizon": "30d", "warmup": "10d", "replications": 4, "seed": 5},
}
OPTIONS = {
    "name": "synced-surge", "nurses_per_shift": 3, "unmet_cost_per_patient_day": {"ICU": 5000},
    "options": {"ICU_SURGE": {"serves": "ICU", "max_beds": 6, "lead_time": "0d", "min_open": "1d",
                              "cost_per_bed_day": 500, "patients_per_nurse": 2}},
}


def synced_store(tmp_path) -> str:
    """The URL of an SQLite store synced with ten days of a synthetic hospital's log."""
    log, _ = hospital_log(120, 4, days=10)
    url = f"sqlite:///{tmp_path / 'twin.db'}"
    synced = runner.invoke(app, ["sync", write_csv(log, tmp_path / "log.csv"), "--store", url], env=ENV)
    assert synced.exit_code == 0, synced.output
    return url


def _files(tmp_path):
    url = synced_store(tmp_path)
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    (tmp_path / "options.yaml").write_text(yaml.safe_dump(OPTIONS))
    return url, ["optimize", "surge", "--scenario", str(tmp_path / "scenario.yaml"),
                 "--options", str(tmp_path / "options.yaml")]


def test_a_plan_from_the_store_opens_beds_at_once_for_the_patients_already_in(tmp_path):
    url, args = _files(tmp_path)
    out = tmp_path / "plan"
    result = runner.invoke(app, args + ["--store", url, "--at", "2024-03-06T12:00", "--paths", "20",
                                        "--gap-batches", "2", "--horizon", "4d", "-r", "4", "--out", str(out)],
                           env=ENV)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(out / "plan.csv")))
    assert rows[0]["from"] == "0h" and int(rows[0]["beds"]) >= 3, "six ICU patients in three beds now"
    policy = read_policy(out / "policy.yaml")
    assert policy.changes.beds[0].from_ == "0h"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"]["store"] == url and manifest["inputs"]["as_of"].startswith("2024-03-06T12:00")
    assert manifest["scenario"]["run"]["warmup"] == "0h" and manifest["scenario"]["run"]["horizon"] == "4d"
    assert manifest["origin"].startswith("2024-03-06T12:00"), "the plan's calendar starts at the state's time"
    assert (out / "evaluation" / "comparison.csv").exists()
    assert "ICU" in result.output and "mean_wait_h" in result.output
    demand = json.loads((out / "solve.json").read_text())["demand"]
    # ten days of history are too few for the trend model: the forecast's fallback, said so
    assert demand["ED"]["model"] == "multiplier" and "fallback" in demand["ED"]["diagnostics"]
    assert "demand ED: x" in result.output and "the scenario's" in result.output


def test_demand_without_a_store_or_unknown_is_refused(tmp_path):
    url, args = _files(tmp_path)
    result = runner.invoke(app, args + ["--demand", "trend", "--out", str(tmp_path / "x")], env=ENV)
    assert result.exit_code == 2 and "--demand needs --store" in result.output
    result = runner.invoke(app, args + ["--store", url, "--demand", "wave", "--out", str(tmp_path / "x")], env=ENV)
    assert result.exit_code == 2 and "--demand 'wave'" in result.output


def test_at_without_a_store_and_a_warmup_with_one_are_refused(tmp_path):
    url, args = _files(tmp_path)
    result = runner.invoke(app, args + ["--at", "2024-03-06", "--out", str(tmp_path / "x")], env=ENV)
    assert result.exit_code == 2 and "--at needs --store" in result.output
    result = runner.invoke(app, args + ["--store", url, "--warmup", "5d", "--out", str(tmp_path / "x")], env=ENV)
    assert result.exit_code == 2 and "--warmup is for an empty start" in result.output

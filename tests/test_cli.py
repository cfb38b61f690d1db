"""The command line: run writes the documented files, bad input ends in one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from hospitaltwin.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_run_writes_tables_summary_and_manifest(tmp_path):
    out = tmp_path / "res"
    result = runner.invoke(app, ["run", str(ROOT / "scenarios/one-unit.yaml"), "-r", "3", "--horizon", "120d", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "diverted_fraction" in result.output
    summary = json.loads((out / "summary.json").read_text())
    icu = summary["units"]["ICU"]
    for key in ("arrivals_per_day", "diverted_fraction", "mean_census", "mean_wait_h", "p_full"):
        assert set(icu[key]) >= {"mean", "ci95"} and len(icu[key]["ci95"]) == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 3 and manifest["scenario"]["run"]["horizon"] == "120d"
    assert manifest["inputs"] and "simpy" in manifest["versions"]
    stays = pq.read_table(out / "stays.parquet")
    assert {"scenario", "replication", "arrive", "start", "end", "wait", "unit", "outcome"} <= set(stays.column_names)
    census = pq.read_table(out / "census.parquet")
    assert {"occupied", "staffed", "physical", "waiting"} <= set(census.column_names)
    assert sorted(set(census.column("replication").to_pylist())) == [0, 1, 2]


def test_validate_reports_every_problem_and_exits_nonzero(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("units:\n  ICU: {beds: -1, on_full: divrt}\n")
    result = runner.invoke(app, ["validate", str(bad), str(ROOT / "scenarios/one-unit.yaml")])
    assert result.exit_code == 1
    assert "units.ICU.beds (line 2)" in result.output and "units.ICU.on_full (line 2)" in result.output
    assert "one-unit.yaml (scenario)" in result.output


def test_bad_input_never_ends_in_a_traceback(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("name: x\nlayout: missing.yaml\ndemand: {}\nrun: {horizon: 1d}\n")
    for args in (["run", str(bad)], ["run", str(tmp_path / "nope.yaml")],
                 ["run", str(ROOT / "scenarios/one-unit.yaml"), "--horizon", "3 parsecs"]):
        proc = subprocess.run([sys.executable, "-m", "hospitaltwin", *args], capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and "error:" in proc.stderr


def test_every_verb_is_known_to_the_lazy_launcher():
    from hospitaltwin.cli import VERB_MODULES, app

    registered = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert registered == set(VERB_MODULES)


def test_the_launcher_loads_only_the_verb_asked_for_and_everything_for_the_overview():
    import subprocess
    import sys

    probe = ("import sys; sys.argv = ['hospitaltwin', {args}]\n"
             "from hospitaltwin.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith('hospitaltwin.cli.')))")
    one = subprocess.run([sys.executable, "-c", probe.format(args="'run', '--help'")], capture_output=True, text=True)
    assert "Usage" in one.stdout and "'hospitaltwin.cli.report'" not in one.stdout, one.stdout + one.stderr
    everything = subprocess.run([sys.executable, "-c", probe.format(args="'--help'")], capture_output=True, text=True)
    assert all(verb in everything.stdout for verb in ("run", "forecast", "backtest", "optimize", "report"))
    assert "'hospitaltwin.cli.report'" in everything.stdout

"""The sync and state verbs: what they print, and one clear line for every user error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import app
from tests.store.conftest import KEY
from tests.store.synth import hospital_log, write_csv

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
ENV = {"HOSPITALTWIN_PSEUDONYM_KEY": KEY.decode(), "COLUMNS": "200"}
LAYOUT = """
timezone: Europe/Amsterdam
units:
  ED: {beds: 20}
  ICU: {beds: 24}
  WARD: {beds: 90}
equipment:
  ventilator: {count: 16}
staff:
  icu-nurses:
    units: [ICU]
    patients_per_staff: 2
    shifts:
      day: {start: 7h, length: 12h, weekday: 10}
      night: {start: 19h, length: 12h, weekday: 8}
"""


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env=ENV)


def test_sync_then_state_with_a_layout(stores, tmp_path):
    log, _ = hospital_log(120, 4, days=10)
    url = stores.url()
    synced = invoke("sync", write_csv(log, tmp_path / "log.csv"), "--store", url)
    assert synced.exit_code == 0, synced.output
    assert f"{len(log):,} read = {len(log):,} new + 0 duplicates" in synced.output
    again = invoke("sync", tmp_path / "log.csv", "--store", url)
    assert again.exit_code == 0 and f"= 0 new + {len(log):,} duplicates" in again.output
    (tmp_path / "layout.yaml").write_text(LAYOUT)
    shown = invoke("state", "--store", url, "--at", "2024-03-06T12:00", "--layout",
                   tmp_path / "layout.yaml", "--patients")
    assert shown.exit_code == 0, shown.output
    assert "state at 2024-03-06T12:00+01:00" in shown.output
    for word in ("staffed", "physical", "ICU", "ventilator", "Patients", " h "):
        assert word in shown.output
    icu = next(line for line in shown.output.splitlines() if "│ ICU " in line)
    assert "20" in icu and "24" in icu  # staffed (10 nurses x 2) and physical


def test_sync_counts_and_state_from_counts(stores, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("date,hospital,unit,census,admissions,discharges,ventilators_in_use\n"
                    "2024-03-01,north,ICU,10,3,2,4\n2024-03-01,north,WARD,40,12,11,\n")
    url = stores.url()
    synced = invoke("sync", path, "--counts", "--store", url)
    assert synced.exit_code == 0, synced.output
    assert "2 rows: 2 new" in synced.output
    shown = invoke("state", "--store", url)
    assert shown.exit_code == 0, shown.output
    assert "daily counts of 2024-03-01" in shown.output and "50" in shown.output


def run_cli(*args, cwd):
    env = {**os.environ, **ENV,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "hospitaltwin", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_user_errors_are_one_clear_line(tmp_path):
    log, _ = hospital_log(5, 1, days=2)
    good = write_csv(log, tmp_path / "log.csv")
    (tmp_path / "notes.txt").write_text("not a log\n")
    store = tmp_path / "twin.db"
    cases = [
        (["sync", tmp_path / "notes.txt", "--store", store], "not a recognised event log"),
        (["sync", good, "--store", tmp_path / "no" / "twin.db"], "does not exist"),
        (["state", "--store", store], "no events yet"),
        (["sync", good, "--counts", "--store", store], "not a counts CSV"),
        (["sync", good, "--store", store, "--counts", "--format", "hl7"], "--counts reads daily counts"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
    assert invoke("sync", good, "--store", store).exit_code == 0
    for at, message in (("2020-01-01", "before the first event"), ("soon", "is not a time")):
        result = invoke("state", "--store", store, "--at", at)
        assert result.exit_code == 2 and message in result.output


def test_an_unreachable_store_is_one_line_from_a_real_process(tmp_path):
    log, _ = hospital_log(5, 1, days=2)
    good = write_csv(log, tmp_path / "log.csv")
    proc = run_cli("sync", good, "--store", "postgresql://u:secret@127.0.0.1:1/x?connect_timeout=3",
                   cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "cannot reach the store" in proc.stderr
    assert "secret" not in proc.stderr and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) <= 2, proc.stderr  # one message (maybe wrapped)


@pytest.mark.parametrize("verb", ["sync", "state"])
def test_the_cli_starts_without_the_database_stack(verb):
    code = ("import sys, hospitaltwin.cli; "
            "print(sorted(m for m in ('sqlalchemy', 'pandas', 'psycopg') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr

"""One declaration of the result format: the writers write it, the report reads it.

Results written by the library carry exactly the declared columns and format version, and the
report's reader accepts them; the declaration itself is complete (every file a kind holds has
its columns).
"""

from __future__ import annotations

import csv
import json

from helpers import one_unit

from hospitaltwin.compare.paired import compare
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.config.policy import Policy
from hospitaltwin.experiment.replicate import run_scenario, with_run
from hospitaltwin.experiment.result_format import (
    CSV_COLUMNS,
    EVALUATION,
    FILES,
    OPTIONAL_CSV,
    RESULT_FORMAT,
)
from hospitaltwin.report.load import load_result


def _scenario():
    data = one_unit(8, 2.5, {"dist": "lognormal", "mean": "3d", "cv": 1.0}, horizon="60d")
    return with_run(scenario_from_dict(data), replications=3)


def test_every_file_a_kind_holds_has_declared_columns():
    stems = {s for spec in FILES.values() for s in spec["csv"]} | {s for v in OPTIONAL_CSV.values() for s in v}
    assert stems <= set(CSV_COLUMNS)
    assert set(EVALUATION) <= set(FILES) and set(OPTIONAL_CSV) <= set(FILES)


def test_a_comparison_is_written_as_declared_and_read_back(tmp_path):
    compare(_scenario(), [Policy(name="plus4", layout={"units": {"A": {"beds": 12}}})], out=tmp_path / "c")
    with open(tmp_path / "c" / "comparison.csv", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == CSV_COLUMNS["comparison"]
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert (manifest["result_format"], manifest["kind"]) == (RESULT_FORMAT, "compare")
    result = load_result(tmp_path / "c")
    assert result.kind == "compare" and list(result.tables["comparison"].columns[:10]) == list(CSV_COLUMNS["comparison"])


def test_a_run_is_read_back_by_the_report(tmp_path):
    run_scenario(_scenario(), out=tmp_path / "r")
    result = load_result(tmp_path / "r")
    assert result.kind == "run" and set(result.tables) >= {"census", "stays"}


def test_reading_the_format_does_not_load_the_engine():
    import subprocess
    import sys

    code = ("import sys, hospitaltwin.report.load; "
            "print(sorted(m for m in sys.modules if m.startswith('hospitaltwin.engine')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", "report reads result files only"
    from hospitaltwin.experiment import run_scenario, with_run  # the package's face, as the README shows

    assert run_scenario.__module__ == with_run.__module__ == "hospitaltwin.experiment.replicate"

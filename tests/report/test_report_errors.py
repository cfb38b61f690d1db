"""Bad input ends in one clear line naming the file and the reason, and writes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.report import build_report


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit_manifest(path: Path, **changes) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    manifest.update(changes)
    (path / "manifest.json").write_text(json.dumps(manifest))


def _fails(dirs, tmp_path, *needles):
    pdf, png = tmp_path / "out" / "r.pdf", tmp_path / "out" / "png"
    with pytest.raises(HospitaltwinError) as caught:
        build_report(dirs, pdf, png)
    message = str(caught.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    assert not (tmp_path / "out").exists(), "nothing is written for a bad input"
    return message


def test_a_directory_without_a_result(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails([empty], tmp_path, str(empty), "holds no hospitaltwin result")


def test_a_missing_directory(tmp_path):
    _fails([tmp_path / "nowhere"], tmp_path, "no such directory")


def test_a_result_of_another_format(results, tmp_path):
    other = _copy(results["forecast"], tmp_path / "v2")
    _edit_manifest(other, result_format=2)
    _fails([other], tmp_path, "manifest.json", "result_format 2", "format 1")


def test_an_unknown_kind(results, tmp_path):
    other = _copy(results["roster"], tmp_path / "odd")
    _edit_manifest(other, kind="dashboard")
    _fails([other], tmp_path, "unknown result kind 'dashboard'")


def test_a_missing_file(results, tmp_path):
    run = _copy(results["run"], tmp_path / "run")
    (run / "census.parquet").unlink()
    _fails([run], tmp_path, "census.parquet", "missing")


def test_equipment_table_needed_when_the_layout_has_pools(results, tmp_path):
    run = _copy(results["run"], tmp_path / "run")
    (run / "equipment.parquet").unlink()
    _fails([run], tmp_path, "equipment.parquet", "missing")


def test_a_missing_column_and_a_bad_number(results, tmp_path):
    fc = _copy(results["forecast"], tmp_path / "fc")
    text = (fc / "daily.csv").read_text().replace("p_full_any", "p_any", 1)
    (fc / "daily.csv").write_text(text)
    _fails([fc], tmp_path, "daily.csv", "missing column p_full_any")
    cmp_ = _copy(results["compare"], tmp_path / "cmp")
    lines = (cmp_ / "comparison.csv").read_text().splitlines()
    cells = lines[3].split(",")
    cells[6] = "lots"
    lines[3] = ",".join(cells)
    (cmp_ / "comparison.csv").write_text("\n".join(lines) + "\n")
    _fails([cmp_], tmp_path, "comparison.csv", "line 4", "diff_mean", "'lots'")


def test_an_unknown_category(results, tmp_path):
    bt = _copy(results["backtest"], tmp_path / "bt")
    (bt / "scores.csv").write_text((bt / "scores.csv").read_text().replace(",persistence,", ",crystal_ball,"))
    _fails([bt], tmp_path, "scores.csv", "'crystal_ball'", "persistence")


def test_broken_json_and_a_bad_good_mix(results, tmp_path):
    fc = _copy(results["forecast"], tmp_path / "fc")
    (fc / "summary.json").write_text("{not json")
    _fails([results["run"], fc], tmp_path, "summary.json", "not valid JSON")


def test_cli_prints_one_line_and_no_traceback(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = CliRunner().invoke(app, ["report", str(empty), "--pdf", str(tmp_path / "r.pdf")])
    assert done.exit_code == 2
    output = done.output.strip()
    assert "Traceback" not in output and len(output.splitlines()) == 1
    assert output.startswith("error:") and "holds no hospitaltwin result" in output
    assert not (tmp_path / "r.pdf").exists()


def test_cli_writes_and_says_where(results, tmp_path):
    done = CliRunner().invoke(app, ["report", str(results["roster"]), "--pdf", str(tmp_path / "r" / "roster.pdf"),
                                    "--png", str(tmp_path / "png")])
    assert done.exit_code == 0, done.output
    assert f"report: {tmp_path / 'r' / 'roster.pdf'}" in done.output and "PNG files" in done.output
    assert (tmp_path / "r" / "roster.pdf").stat().st_size > 10_000
    assert not list((tmp_path / "r").glob("*.partial"))

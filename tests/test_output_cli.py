"""The output probes through the command line: folders kept, devices left alone, no traceback."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = """\
name: {name}
layout:
  units:
    ICU: {{beds: 4, on_full: divert}}
demand:
  arrivals:
    - {{unit: ICU, rate: 2.5}}
  units:
    ICU:
      los: {{dist: lognormal, mean: 4d, sd: 3d}}
run: {{horizon: 20d, warmup: 1d, replications: 2, seed: 1}}
"""


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "hospitaltwin", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def scenario(folder: Path, name: str = "probe") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "s.yaml"
    path.write_text(SCENARIO.format(name=json.dumps(name)))
    return path


def test_run_refuses_a_folder_with_important_txt_and_a_subfolder(tmp_path):
    path = scenario(tmp_path)
    keep = tmp_path / "keep"
    (keep / "sub").mkdir(parents=True)
    (keep / "important.txt").write_text("precious")
    (keep / "sub" / "a").write_text("x")
    proc = cli("run", str(path), "--out", "keep", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "error: keep: holds files that are not part of a hospitaltwin result "
        "('important.txt', 'sub')"
    )
    assert (
        sorted(p.name for p in keep.iterdir()) == ["important.txt", "sub"]
        and (keep / "sub" / "a").exists()
    )
    proc = cli("run", str(path), "--out", "keep", "--force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (keep / "important.txt").read_text() == "precious" and (
        keep / "sub" / "a"
    ).read_text() == "x"
    assert (keep / "summary.json").is_file()


def test_run_from_the_scenarios_own_folder_with_out_dotdot_keeps_the_scenario(tmp_path):
    path = scenario(tmp_path / "dot")
    proc = cli("run", "s.yaml", "--out", "../dot", cwd=tmp_path / "dot")
    assert (
        proc.returncode == 2
        and "../dot: holds files that are not part of a hospitaltwin result ('s.yaml')"
        in proc.stderr
    )
    assert path.read_text() == SCENARIO.format(name='"probe"')


def test_run_out_dot_is_a_clear_error_beside_a_scenario_and_works_in_an_empty_folder(tmp_path):
    path = scenario(tmp_path)
    proc = cli("run", "s.yaml", "--out", ".", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith(
        "error: .: holds files that are not part of a hospitaltwin result"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    for _ in range(2):
        proc = cli("run", str(path), "--out", ".", cwd=empty)
        assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in empty.iterdir()) == [
        "census.parquet",
        "devices.parquet",
        "kpis.parquet",
        "manifest.json",
        "stays.parquet",
        "summary.json",
    ]


@pytest.mark.parametrize(
    "name, folder",
    [
        ("../../escape", "escape"),
        ("/tmp/abs", "tmp-abs"),
        ("..", "scenario"),
        ("a/../../b", "a-..-..-b"),
    ],
)
def test_default_folder_from_a_hostile_scenario_name_stays_under_runs(tmp_path, name, folder):
    work = tmp_path / "w"
    path = scenario(work, name)
    proc = cli("run", str(path), cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in (work / "runs").iterdir()] == [folder]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"] and sorted(
        p.name for p in work.iterdir()
    ) == ["runs", "s.yaml"]


def test_out_dev_full_leaves_the_device_node(tmp_path):
    path = scenario(tmp_path)
    before = Path("/dev/full").lstat()
    for args in (
        ["run", str(path), "--out", "/dev/full"],
        ["run", str(path), "--events-out", "/dev/full", "--out", "r"],
        ["run", str(path), "--out", "/dev/full/x"],
    ):
        proc = cli(*args, cwd=tmp_path)
        assert proc.returncode == 2 and proc.stderr.startswith("error: /dev/full"), proc.stderr
    after = Path("/dev/full").lstat()
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (
        before.st_ino,
        before.st_rdev,
    )


def test_results_and_reports_are_private(tmp_path):
    path = scenario(tmp_path)
    assert cli("run", str(path), "--out", "r", cwd=tmp_path).returncode == 0
    proc = cli("report", "r", "--pdf", "rep/report.pdf", "--png", "figs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for folder in ("r", "figs", "rep"):
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700
    files = [
        *(tmp_path / "r").iterdir(),
        *(tmp_path / "figs").iterdir(),
        tmp_path / "rep" / "report.pdf",
    ]
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}


def test_report_png_folder_keeps_foreign_pictures(tmp_path):
    path = scenario(tmp_path)
    assert cli("run", str(path), "--out", "r", cwd=tmp_path).returncode == 0
    figs = tmp_path / "figs"
    assert cli("report", "r", "--pdf", "report.pdf", "--png", "figs", cwd=tmp_path).returncode == 0
    ours = sorted(p.name for p in figs.glob("*.png"))
    (tmp_path / "report.pdf").unlink()
    (figs / "01-logo.png").write_bytes(b"logo")  # the report once removed every NN-*.png
    proc = cli("report", "r", "--pdf", "report.pdf", "--png", "figs", cwd=tmp_path)
    assert (
        proc.returncode == 2
        and "'01-logo.png'" in proc.stderr
        and not (tmp_path / "report.pdf").exists()
    )
    assert (
        cli(
            "report", "r", "--pdf", "report.pdf", "--png", "figs", "--force", cwd=tmp_path
        ).returncode
        == 0
    )
    assert (figs / "01-logo.png").read_bytes() == b"logo"
    assert sorted(p.name for p in figs.glob("*.png")) == sorted(ours + ["01-logo.png"])
    clash = figs / ours[0]
    clash.unlink()
    clash.write_bytes(b"mine now")
    proc = cli("report", "r", "--pdf", "report.pdf", "--png", "figs", "--force", cwd=tmp_path)
    assert (
        proc.returncode == 2
        and "would overwrite" in proc.stderr
        and clash.read_bytes() == b"mine now"
    )


def test_markup_in_unit_and_scenario_names_is_printed_as_written(tmp_path):
    path = scenario(tmp_path, "[bold]probe")
    path.write_text(path.read_text().replace("ICU", "'[/red]x'"))
    policy = tmp_path / "p.yaml"
    policy.write_text("name: '[/]plus'\nlayout: {units: {'[/red]x': {beds: 6}}}\n")
    proc = cli("run", str(path), "--out", "[/]r", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[/red]x" in proc.stdout and "[bold]probe" in proc.stdout and "results: [/]r" in proc.stdout
    proc = cli("compare", str(path), "--policy", str(policy), "--out", "c", "--all", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[/red]x" in proc.stdout and "[/]plus" in proc.stdout

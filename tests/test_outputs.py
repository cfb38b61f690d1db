"""Result folders the tool owns: nothing it did not write is deleted, devices are left alone."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import ResultFolder, check_file, check_folder, output_file, safe_name
from hospitaltwin.core.ownership import MANIFEST, contents


def write_result(
    out: Path, files: dict[str, str], force: bool = False, manifest: dict | None = None
) -> Path:
    with ResultFolder(out, force) as folder:
        for name, text in files.items():
            (folder.path / name).write_text(text)
        if manifest is not None:
            (folder.path / MANIFEST).write_text(json.dumps(manifest))
    return folder.out


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_folder_holds_the_files_a_private_manifest_and_nothing_else(tmp_path):
    out = write_result(
        tmp_path / "runs" / "a", {"summary.json": "{}", "kpis.csv": "x"}, manifest={"kind": "run"}
    )
    assert sorted(p.name for p in out.iterdir()) == ["kpis.csv", MANIFEST, "summary.json"]
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["kind"] == "run" and manifest["written_by"] == "hospitaltwin"
    assert list(manifest["files"]) == ["kpis.csv", "summary.json"]
    stamp = manifest["files"]["kpis.csv"]
    assert stamp["bytes"] == 1 and stamp["sha256"] == hashlib.sha256(b"x").hexdigest()
    assert stamp["modified_ns"] == (out / "kpis.csv").stat().st_mtime_ns
    assert mode(out) == 0o700 and mode(tmp_path / "runs") == 0o700
    assert {mode(p) for p in out.iterdir()} == {0o600}
    assert [p.name for p in tmp_path.iterdir()] == ["runs"] and [
        p.name for p in (tmp_path / "runs").iterdir()
    ] == ["a"]


def test_an_earlier_result_is_replaced_as_a_whole(tmp_path):
    out = tmp_path / "r"
    write_result(out, {"old.csv": "1", "summary.json": "old"})
    write_result(out, {"summary.json": "new"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "summary.json"]
    assert (out / "summary.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_the_probe_folder_with_important_txt_and_a_subfolder_is_refused_and_survives(tmp_path):
    out = tmp_path / "keep"
    (out / "sub").mkdir(parents=True)
    (out / "important.txt").write_text("precious")
    (out / "sub" / "a").write_text("x")
    with pytest.raises(
        HospitaltwinError,
        match=r"keep: holds files that are not part of a hospitaltwin result "
        r"\('important.txt', 'sub'\)",
    ):
        write_result(out, {"summary.json": "{}"})
    assert (out / "important.txt").read_text() == "precious" and (
        out / "sub" / "a"
    ).read_text() == "x"
    assert sorted(p.name for p in out.iterdir()) == ["important.txt", "sub"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]  # no staging left behind


def test_force_writes_beside_foreign_files_and_replaces_only_its_own(tmp_path):
    out = tmp_path / "keep"
    (out / "sub").mkdir(parents=True)
    (out / "important.txt").write_text("precious")
    (out / "important.txt").chmod(0o644)
    write_result(out, {"a.csv": "1", "b.csv": "1"}, force=True)
    write_result(out, {"a.csv": "2"}, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "important.txt", MANIFEST, "sub"]
    assert (out / "a.csv").read_text() == "2" and (out / "important.txt").read_text() == "precious"
    assert (
        mode(out / "important.txt") == 0o644 and mode(out / "a.csv") == 0o600
    )  # foreign files are not touched
    assert contents(out).foreign == ("important.txt", "sub")


def test_force_never_overwrites_a_foreign_file_of_the_same_name(tmp_path):
    out = tmp_path / "legacy"
    out.mkdir()
    (out / "summary.json").write_text("someone else's")
    with pytest.raises(HospitaltwinError, match="would overwrite files hospitaltwin did not write"):
        write_result(out, {"summary.json": "{}"}, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
    assert (out / "summary.json").read_text() == "someone else's"


def test_a_manifest_not_written_by_the_tool_does_not_make_the_folder_its_own(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"files": {"data.csv": {}}, "written_by": "someone"}))
    (out / "data.csv").write_text("theirs")
    with pytest.raises(HospitaltwinError, match="not part of a hospitaltwin result"):
        write_result(out, {"x.csv": "1"})
    (out / MANIFEST).write_text(
        json.dumps({"files": {"../../etc/passwd": {}}, "written_by": "hospitaltwin"})
    )
    assert contents(out).foreign == (
        "data.csv",
    )  # a listed path outside the folder is not honoured


def test_nested_results_are_the_tools_own_and_go_with_the_folder(tmp_path):
    out = write_result(tmp_path / "plan", {"plan.csv": "1"})
    write_result(out / "evaluation", {"comparison.csv": "1"})
    assert contents(out).foreign == ()
    write_result(out, {"plan.csv": "2"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "plan.csv"]
    write_result(out / "evaluation", {"comparison.csv": "1"})
    (out / "evaluation" / "notes.txt").write_text("mine")
    assert contents(out).foreign == (
        "evaluation",
    )  # a nested result holding a foreign file is not ours


def test_a_result_file_edited_since_is_no_longer_the_tools(tmp_path):
    out = write_result(tmp_path / "plan", {"policy.yaml": "beds: 4", "plan.csv": "1"})
    (out / "policy.yaml").write_text("beds: 6  # edited by the planner")
    assert contents(out).foreign == ("policy.yaml",)
    plan = out / "plan.csv"
    plan.write_text("2")  # same size: the bytes decide
    os.utime(plan, ns=(plan.stat().st_atime_ns, plan.stat().st_mtime_ns + 10**9))
    assert contents(out).foreign == ("plan.csv", "policy.yaml")
    plan.write_text("1")
    assert contents(out).foreign == ("policy.yaml",)  # the same bytes again: the tool's
    with pytest.raises(HospitaltwinError, match="'policy.yaml'"):
        write_result(out, {"policy.yaml": "beds: 5"})
    with pytest.raises(HospitaltwinError, match="would overwrite"):
        write_result(out, {"policy.yaml": "beds: 5"}, force=True)
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in out.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "policy.yaml").write_text("beds: 4")
    assert contents(copy).foreign == ()  # a byte-for-byte copy is still the tool's result
    write_result(copy, {"plan.csv": "2"})
    assert sorted(p.name for p in copy.iterdir()) == [MANIFEST, "plan.csv"]


def test_a_folder_of_results_is_not_a_result_to_replace(tmp_path):
    runs = tmp_path / "runs"
    write_result(runs / "a", {"summary.json": "a"})
    write_result(runs / "b", {"summary.json": "b"})
    assert contents(runs).foreign == ("a", "b")
    with pytest.raises(HospitaltwinError, match=r"runs: holds files .*\('a', 'b'\)"):
        write_result(runs, {"summary.json": "all"})
    assert (runs / "a" / "summary.json").read_text() == "a"


def test_a_failure_while_writing_leaves_the_earlier_result_untouched(tmp_path):
    out = write_result(tmp_path / "r", {"summary.json": "old"})
    with pytest.raises(RuntimeError), ResultFolder(out) as folder:
        (folder.path / "summary.json").write_text("half")
        raise RuntimeError("interrupted")
    assert (out / "summary.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_leftover_of_an_interrupted_write_is_the_tools_own(tmp_path):
    out = write_result(tmp_path / "r", {"summary.json": "old"})
    left = ResultFolder(out / "evaluation")  # staged inside the result, then the process died
    (left.path / "comparison.csv").write_text("1")
    assert contents(out).foreign == ()
    write_result(out, {"summary.json": "new"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "summary.json"]


def test_a_file_put_into_the_folder_during_the_run_is_refused_at_the_end(tmp_path):
    out = write_result(tmp_path / "r", {"summary.json": "old"})
    folder = ResultFolder(out)
    (folder.path / "summary.json").write_text("new")
    (out / "important.txt").write_text("arrived meanwhile")
    with pytest.raises(HospitaltwinError, match="important.txt"):
        folder.commit()
    assert (out / "important.txt").exists() and (out / "summary.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.parametrize(
    "make, kind",
    [
        (lambda p: p.write_text("x"), "a file"),
        (lambda p: os.mkfifo(p), "a named pipe"),
        (lambda p: p.symlink_to(p.parent), "a symbolic link"),
    ],
)
def test_a_path_that_is_not_a_folder_is_refused(tmp_path, make, kind):
    target = tmp_path / "out"
    make(target)
    with pytest.raises(HospitaltwinError, match=f"out: is {kind}, not a folder"):
        check_folder(target)


def test_a_device_is_never_replaced(tmp_path):
    for path in (Path("/dev/full"), Path("/dev/null")):
        before = path.lstat()
        with pytest.raises(HospitaltwinError, match="is a character device"):
            ResultFolder(path)
        with (
            pytest.raises(HospitaltwinError, match="is a character device, not a regular file"),
            output_file(path) as tmp,
        ):
            tmp.write_text("x")
        after = path.lstat()
        assert (
            stat.S_ISCHR(after.st_mode)
            and after.st_rdev == before.st_rdev
            and after.st_ino == before.st_ino
        )


def test_the_working_folder_is_written_in_place_and_never_moved(tmp_path, monkeypatch):
    work = tmp_path / "here"
    work.mkdir()
    monkeypatch.chdir(work)
    write_result(Path("."), {"summary.json": "1"})
    write_result(Path("."), {"summary.json": "2"})
    assert Path.cwd() == work and (work / "summary.json").read_text() == "2"
    assert sorted(p.name for p in work.iterdir()) == [MANIFEST, "summary.json"]
    (work / "scenario.yaml").write_text("name: x")
    with pytest.raises(
        HospitaltwinError,
        match=r"^\.: holds files that are not part of a hospitaltwin result \('scenario.yaml'\)",
    ):
        write_result(Path("."), {"summary.json": "3"})


def test_output_file_is_private_atomic_and_leaves_nothing_after_a_failure(tmp_path):
    path = tmp_path / "deep" / "report.pdf"
    with output_file(path) as tmp:
        tmp.write_bytes(b"%PDF")
    assert path.read_bytes() == b"%PDF" and mode(path) == 0o600
    with pytest.raises(RuntimeError), output_file(path) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError
    assert path.read_bytes() == b"%PDF" and sorted(p.name for p in path.parent.iterdir()) == [
        "report.pdf"
    ]
    with pytest.raises(HospitaltwinError, match="is a folder"):
        check_file(tmp_path)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("..", "scenario"),
        ("../../escape", "escape"),
        ("/etc/cron.d/x", "etc-cron.d-x"),
        ("a/b\\c", "a-b-c"),
        ("\x1b[2Jred\x00", "2Jred"),
        ("", "scenario"),
        (".hidden", "hidden"),
        ("ICU +10", "ICU-+10"),
        ("Zürich Süd", "Zürich-Süd"),
    ],
)
def test_safe_name_probes(name, expected):
    assert safe_name(name, "scenario") == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_safe_name_is_always_one_harmless_path_part(text):
    name = safe_name(text)
    assert name and len(name) <= 80 and name not in (".", "..")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert all(c.isprintable() and not c.isspace() for c in name)
    assert Path("runs", name).parent == Path("runs")

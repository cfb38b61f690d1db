"""The state-wide example: generated as committed, sized like a state, and usable end to end."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.cli.validate import validate_file
from hospitaltwin.config import read_scenario
from hospitaltwin.report import forecast_pages, network_pages, region_pages
from hospitaltwin.report.load import load_result
from hospitaltwin.report.style import report_style

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from make_statewide import main as make_statewide  # noqa: E402

runner = CliRunner()
GENERATED = (
    "layouts/statewide.yaml",
    "scenarios/demand/statewide.yaml",
    "scenarios/demand/statewide-respiratory.yaml",
    "scenarios/statewide-baseline.yaml",
    "scenarios/statewide-respiratory-surge.yaml",
    "samples/statewide-counts.csv",
)


def test_the_committed_files_are_what_the_script_makes(tmp_path, capsys):
    make_statewide(["--out", str(tmp_path)])
    for name in GENERATED:
        assert (tmp_path / name).read_text() == (ROOT / name).read_text(), (
            f"{name}: run scripts/make_statewide.py"
        )


def _tier(layout, hospital: str) -> str:
    units = [u for u in layout.units.values() if u.hospital == hospital]
    if any(u.kind == "stepdown" for u in units):
        return "tertiary"
    return "cah" if any(u.kind == "icu" and u.beds == 0 for u in units) else "community"


def test_the_state_is_sized_like_one():
    layout = read_scenario(ROOT / "scenarios/statewide-baseline.yaml").layout
    hospitals = layout.hospitals
    assert 40 <= len(hospitals) <= 80 and 6 <= len({h.region for h in hospitals.values()}) <= 8
    beds = {h: sum(u.beds for u in layout.units.values() if u.hospital == h) for h in hospitals}
    tiers = {h: _tier(layout, h) for h in hospitals}
    assert all(beds[h] <= 25 for h in hospitals if tiers[h] == "cah"), (
        "critical access: at most 25 beds"
    )
    assert all(beds[h] >= 300 for h in hospitals if tiers[h] == "tertiary")
    assert sum(t == "cah" for t in tiers.values()) >= len(hospitals) // 4
    ecls = [p for p in layout.equipment.values() if p.kind == "ecls"]
    assert 2 <= len(ecls) <= 4 and all(p.team and layout.staff[p.team].units == () for p in ecls)
    icu_beds = {
        h: sum(u.beds for u in layout.units.values() if u.hospital == h and u.kind == "icu")
        for h in hospitals
    }
    vents = {p.hospital: p.count for p in layout.equipment.values() if p.kind == "ventilator"}
    assert all(
        0.5 * icu_beds[h] <= vents.get(h, 0) <= icu_beds[h] for h in hospitals if icu_beds[h] >= 4
    )
    graph = nx.Graph((link.from_, link.to) for link in layout.links)
    assert set(graph) == set(hospitals) and nx.is_connected(graph), (
        "every hospital can transfer into the state"
    )
    assert all(link.delay > 0 and link.max_per_day for link in layout.links)


def test_the_script_scales_the_state_for_benchmarks(tmp_path, capsys):
    make_statewide(["--hospitals", "150", "--out", str(tmp_path), "--name", "big", "--no-counts"])
    for path in sorted(tmp_path.rglob("*.yaml")):
        _, problems = validate_file(path)
        assert problems == [], "\n".join(map(str, problems))
    layout = read_scenario(tmp_path / "scenarios/big-baseline.yaml").layout
    assert len(layout.hospitals) == 150 and len({h.region for h in layout.hospitals.values()}) >= 15


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    """A short state-wide forecast from the bundled daily counts."""
    work = tmp_path_factory.mktemp("statewide")
    url = f"sqlite:///{work / 'state.db'}"
    synced = runner.invoke(
        app, ["sync", str(ROOT / "samples/statewide-counts.csv"), "--counts", "--store", url]
    )
    assert synced.exit_code == 0, synced.output
    result = runner.invoke(
        app,
        [
            "forecast",
            "--store",
            url,
            "--counts",
            "--allow-stale",  # the sample counts are from 2025
            "--scenario",
            str(ROOT / "scenarios/statewide-baseline.yaml"),
            "--horizon",
            "2d",
            "--replications",
            "6",
            "--out",
            str(work / "forecast"),
        ],
    )
    assert result.exit_code == 0, result.output
    return work / "forecast"


def test_the_regional_view_covers_every_hospital_and_its_totals_add_up(forecast):
    result = load_result(forecast)
    layout, groups = result.layout, region_pages.regions(result.layout)
    assert (
        sorted(h for hs in groups.values() for h in hs) == sorted(layout["hospitals"])
        and len(groups) == 7
    )
    data = forecast_pages.series(result)
    with report_style():
        pages = forecast_pages.region_view(result, data, "test")
    assert [p.slug for p in pages] == ["regions-p-full", "regions-totals", "regions-trend"]
    icus = [u for u, spec in layout["units"].items() if spec["kind"] == "icu" and spec["beds"] > 0]
    view = region_pages.RegionInput(
        {},
        {u: data[(u, "staffed_beds")].mean for u in icus},
        {u: data[(u, "staffed_beds")].capacity for u in icus},
    )
    icu = region_pages.Column("ICU", "unit", "icu")
    regional = [region_pages.totals(layout, hospitals, icu, view) for hospitals in groups.values()]
    np.testing.assert_allclose(sum(t.level for t in regional), sum(view.level.values()))
    np.testing.assert_allclose(sum(t.capacity for t in regional), sum(view.capacity.values()))


def test_critical_access_icus_without_beds_are_not_shown_as_full(forecast):
    result = load_result(forecast)
    icu = region_pages.Column("ICU", "unit", "icu")
    units = result.layout["units"].values()
    cah = sorted({u["hospital"] for u in units if u["kind"] == "icu" and u["beds"] == 0})
    assert len(cah) >= 15, "critical-access hospitals send intensive-care patients on"
    matrix = region_pages.p_matrix(
        result.layout, cah, [icu], {u: 1.0 for u in result.layout["units"]}
    )
    assert np.isnan(matrix).all(), "no ICU cell for a hospital whose ICU has no beds"


@pytest.mark.slow
def test_a_network_allocation_for_the_surge_moves_ventilators_toward_it(tmp_path):
    out = tmp_path / "network"
    result = runner.invoke(
        app,
        [
            "optimize",
            "network",
            "--scenario",
            str(ROOT / "scenarios/statewide-respiratory-surge.yaml"),
            "--paths",
            "6",
            "--horizon",
            "7d",
            "--gap",
            "0.02",
            "--evaluate",
            "0",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with open(out / "moves.csv") as handle:
        moves = list(csv.DictReader(handle))
    surge = ("metro", "valley", "coast")
    into = sum(
        int(m["devices"])
        for m in moves
        if m["to"].startswith(surge) and not m["from"].startswith(surge)
    )
    out_of = sum(
        int(m["devices"])
        for m in moves
        if m["from"].startswith(surge) and not m["to"].startswith(surge)
    )
    assert into > out_of, "ventilators flow into the outbreak's regions"
    with report_style():
        result = load_result(out)
        slugs = [page.slug for page in network_pages.key_pages(result) + network_pages.pages(result)]
    assert "network-shortage-ventilator_days" in slugs, "shortages shown region by region"
    assert sum(s.startswith("network-transfers") for s in slugs) <= 3, (
        "only the busiest links get charts"
    )

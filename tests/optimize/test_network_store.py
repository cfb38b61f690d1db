"""``optimize network --store/--at``: plan from the synced state of the network, test from it too."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.config.load import read_scenario
from hospitaltwin.optimize.network import plan_network
from hospitaltwin.store import Store
from tests.optimize.network_cases import three_hospitals

runner = CliRunner()


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """A simulated fortnight of the three-hospital network as an event log, synced into SQLite."""
    work = tmp_path_factory.mktemp("network-store")
    scenario = work / "three.yaml"
    scenario.write_text(yaml.safe_dump(three_hospitals(replications=1)))
    events = work / "events.csv"
    result = runner.invoke(app, ["run", str(scenario), "--out", str(work / "run"), "--events-out", str(events)])
    assert result.exit_code == 0, result.output
    assert ",ventilator," in events.read_text() and ",west_vents," not in events.read_text(), \
        "a log names the device's kind, not the pool it came from"
    url = f"sqlite:///{work / 'twin.db'}"
    result = runner.invoke(app, ["sync", str(events), "--store", url],
                           env={"HOSPITALTWIN_PSEUDONYM_KEY": "test-key-0123456789abcdef"})
    assert result.exit_code == 0, result.output
    return scenario, url, work


def test_plan_and_test_start_from_the_synced_state(synced, tmp_path):
    scenario, url, _ = synced
    out = tmp_path / "plan"
    result = runner.invoke(app, ["optimize", "network", "--scenario", str(scenario), "--store", url, "--horizon", "3d",
                                 "--paths", "6", "--evaluate", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    state = Store.open(url).state_at(None, read_scenario(scenario).layout)
    assert manifest["inputs"]["store"] == url and manifest["inputs"]["as_of"] == state.as_of.isoformat()
    run = manifest["scenario"]["run"]
    assert run["warmup"] == "0h" and run["horizon"] == "3d"
    assert run["origin"].startswith(state.as_of.replace(tzinfo=None).isoformat()[:13])
    assert "Out of sample" in result.output


def test_paths_from_the_state_begin_with_the_patients_in_bed(synced):
    scenario_path, url, _ = synced
    scenario = read_scenario(scenario_path)
    state = Store.open(url).state_at(None, scenario.layout)
    census = state.census()
    assert sum(census.values()) > 10, "the synced network has patients in bed"
    from hospitaltwin.store.start import from_state

    plan = plan_network(from_state(scenario, state, 48.0), paths=4, horizon_h=48.0, seed=2, state=state)
    data = plan.data
    for (q, h), unit in data.units.items():
        assert (data.bed_demand[:, q, h, 0] >= census.get(unit, 0)).all(), unit


def test_at_without_a_store_is_refused(synced, tmp_path):
    scenario, _, _ = synced
    result = runner.invoke(app, ["optimize", "network", "--scenario", str(scenario), "--at", "2024-01-05",
                                 "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--at needs --store" in result.output

"""Where a run starts: one recipe for every verb that can start from the state store.

``run`` honours ``run.start`` (it refused it before), ``--store``/``--at`` override the file, a
time without an offset is the layout's local time, and the scenario then runs with no warm-up
and its calendar from the state's local time.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.config.load import scenario_from_dict
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.store.start import from_state, provenance, safe_url, store_state, warm_start
from tests.optimize.test_surge_store import ENV, SCENARIO, synced_store

runner = CliRunner()


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    return synced_store(tmp_path_factory.mktemp("start"))


def _scenario(start="empty", zone="UTC"):
    data = json.loads(json.dumps(SCENARIO))
    data["layout"]["timezone"] = zone
    data["run"]["start"] = start
    return scenario_from_dict(data)


def test_an_empty_start_is_left_as_it_is():
    scenario = _scenario()
    assert warm_start(scenario) == (scenario, None, None)
    assert provenance(None, None) == {}


def test_the_scenarios_run_start_names_the_store_and_a_local_time(url):
    scenario = _scenario({"store": url, "at": "2024-03-06T07:00"}, zone="America/New_York")
    spec, state, used = warm_start(scenario)
    assert used == url
    assert state.as_of == datetime(2024, 3, 6, 12, 0, tzinfo=timezone.utc), "07:00 in New York is 12:00 UTC"
    assert spec.run.warmup == 0 and spec.run.origin == datetime(2024, 3, 6, 7, 0)
    assert spec.run.horizon == scenario.run.horizon


def test_the_callers_store_and_time_override_the_file(url, tmp_path):
    scenario = _scenario({"store": str(tmp_path / "elsewhere.db"), "at": "2024-03-05T00:00"})
    at = datetime(2024, 3, 6, 12, 0, tzinfo=timezone.utc)
    state, used = store_state(scenario, url, at)
    assert used == url and state.as_of == at


def test_a_time_without_a_store_is_refused():
    with pytest.raises(HospitaltwinError, match="--at needs --store"):
        store_state(_scenario(), None, datetime(2024, 3, 6, 12, 0))


def test_from_state_runs_from_the_state_with_no_warmup(url):
    state, _ = store_state(_scenario(), url, pd.Timestamp("2024-03-06T12:00Z").to_pydatetime())
    spec = from_state(_scenario(zone="Europe/Berlin"), state, 48.0)
    assert (spec.run.warmup, spec.run.horizon) == (0.0, 48.0)
    assert spec.run.origin == datetime(2024, 3, 6, 13, 0), "12:00 UTC is 13:00 in Berlin (winter)"


def test_provenance_hides_the_password():
    assert safe_url("postgresql+psycopg://twin:s3cret@db/twin") == "postgresql+psycopg://twin:***@db/twin"
    state, _ = (type("S", (), {"as_of": datetime(2024, 3, 6, 12, tzinfo=timezone.utc)})(), None)
    assert provenance(state, "postgresql://a:b@h/d") == {"store": "postgresql://a:***@h/d",
                                                          "as_of": "2024-03-06T12:00:00+00:00"}


def test_run_starts_from_the_store_its_scenario_names(url, tmp_path):
    data = json.loads(json.dumps(SCENARIO))
    data["run"].update(start={"store": url, "at": "2024-03-06T12:00"}, replications=2)
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data))
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(tmp_path / "scenario.yaml"), "--horizon", "2d", "--out", str(out)],
                           env=ENV)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"]["store"] == url and manifest["inputs"]["as_of"].startswith("2024-03-06T12:00")
    assert manifest["scenario"]["run"]["warmup"] == "0h"
    assert manifest["scenario"]["run"]["origin"].startswith("2024-03-06T12:00")
    stays = pd.read_parquet(out / "stays.parquet")
    state, _ = store_state(_scenario(), url, pd.Timestamp("2024-03-06T12:00Z").to_pydatetime())
    initial = stays[stays["stream"] == "(initial)"]
    assert len(state.patients) > 0
    assert initial.groupby("replication")["patient"].nunique().tolist() == [len(state.patients)] * 2, \
        "every replication starts with who was in bed"

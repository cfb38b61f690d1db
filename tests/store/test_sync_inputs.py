"""Syncing every input format, and the inputs sync must refuse before touching the store."""

from __future__ import annotations

import stat
from collections import Counter

import pandas as pd
import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.episodes import unit_stays
from hospitaltwin.eventlog.ingest import ingest
from hospitaltwin.store import Store
from tests.eventlog import probes
from tests.eventlog.conftest import FIXTURES, data_dir, need
from tests.store.conftest import KEY

TRANSFERS = """subject_id,hadm_id,transfer_id,eventtype,careunit,intime,outtime
101,201,301,admit,Medicine,2150-01-01 08:00:00,2150-01-02 08:00:00
101,201,302,transfer,Medical Intensive Care Unit (MICU),2150-01-02 08:00:00,2150-01-01 09:00:00
101,201,303,transfer,Medicine,2150-01-03 08:00:00,2150-01-04 08:00:00
101,201,304,discharge,,2150-01-04 08:00:00,
"""


def _stays(frame) -> Counter:
    def utc(values):
        return pd.to_datetime(values, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("open")

    return Counter(zip(frame["patient_id"], frame["unit"], utc(frame["start"]), utc(frame["end"])))


def test_fhir_fixture_syncs_with_its_quarantined_rows(stores):
    store = stores.open()
    first = store.sync([FIXTURES / "encounters.json"], KEY)
    assert (first.read, first.new, first.duplicates, first.quarantined) == (9, 7, 0, 2)
    assert first.problems == {"end_before_start": 1, "missing_unit": 1}
    assert set(store.table("quarantine")["problem"]) == {"end_before_start", "missing_unit"}
    again = store.sync([FIXTURES / "encounters.json"], KEY)
    assert (again.new, again.duplicates, again.quarantined) == (0, 7, 2)
    assert len(store.table("quarantine")) == 2
    expected = unit_stays(ingest([FIXTURES / "encounters.json"], KEY).events)
    assert _stays(store.table("stays")) == _stays(expected)


def test_mimic_rows_ending_before_they_start_do_not_break_sync(stores, tmp_path):
    folder = tmp_path / "mimic" / "hosp"
    folder.mkdir(parents=True)
    (folder / "transfers.csv").write_text(TRANSFERS)
    store = stores.open()
    report = store.sync([tmp_path / "mimic"], KEY)
    assert report.problems == {"end_before_start": 1}
    assert report.read == report.new + report.duplicates + report.quarantined == 4
    assert len(store.table("events")) == 3


@pytest.mark.realdata
def test_mimic_demo_syncs_into_the_same_stays_as_ingest(stores):
    root = need(data_dir() / "mimic-iv-demo-2.2")
    store = stores.open()
    report = store.sync([root], KEY)
    ingested = ingest([root], KEY)
    assert report.read == ingested.summary["totals"]["read"] == report.new
    assert _stays(store.table("stays")) == _stays(unit_stays(ingested.events))
    assert store.sync([root], KEY).duplicates == report.read


def test_duplicate_header_is_refused_before_the_store_is_touched(stores, tmp_path):
    store = stores.open()
    with pytest.raises(HospitaltwinError, match="names column 'unit' more than once"):
        store.sync([probes.duplicate_header(tmp_path)], KEY)
    assert len(store.sync_log()) == 0


@pytest.mark.parametrize("make", [probes.fhir_entry_object, probes.integer_parquet,
                                  lambda folder: probes.csv_with(folder / "empty.csv", [])])
def test_inputs_with_no_usable_event_are_refused(stores, tmp_path, make):
    store = stores.open()
    with pytest.raises(HospitaltwinError, match="no usable events"):
        store.sync([make(tmp_path)], KEY)
    assert len(store.sync_log()) == 0 and len(store.table("quarantine")) == 0


def test_store_with_another_key_is_refused_and_holds_no_fingerprint(stores):
    store = stores.open()
    store.sync([FIXTURES / "adt.hl7"], KEY)
    meta = store.table("meta").set_index("key")["value"]
    assert "pseudonym_key" not in meta and meta["pseudonym_check"].startswith("scrypt$")
    with pytest.raises(HospitaltwinError, match="another key"):
        store.sync([FIXTURES / "adt.hl7"], b"another-key-9f3e1c7a5b")


def test_a_new_sqlite_store_is_private(tmp_path):
    path = tmp_path / "twin.db"
    with Store.open(f"sqlite:///{path}") as store:
        store.sync([FIXTURES / "adt.hl7"], KEY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for journal in path.parent.glob("twin.db-*"):
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600


def test_sync_cli_refuses_probes_in_one_line(tmp_path):
    env = {"HOSPITALTWIN_PSEUDONYM_KEY": KEY.decode(), "COLUMNS": "200"}
    url = f"sqlite:///{tmp_path / 'twin.db'}"
    for probe in (probes.duplicate_header(tmp_path), probes.fhir_entry_object(tmp_path)):
        result = CliRunner().invoke(app, ["sync", str(probe), "--store", url], env=env)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "error:" in result.output
    done = CliRunner().invoke(app, ["sync", str(probes.autumn(tmp_path)), "--store", url,
                                    "--timezone", "Europe/Amsterdam"], env=env)
    assert done.exit_code == 0 and "ambiguous: 2 local time(s)" in done.output

"""Sync is incremental, idempotent and order-independent; a sync that dies leaves nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hospitaltwin.store.sync as sync_module
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.pseudonym import pseudonym
from tests.store.conftest import KEY
from tests.store.helpers import snapshot, times
from tests.store.synth import hospital_log, write_csv

ROOT = Path(__file__).resolve().parents[2]
DAYS = 4.0
AT = times(DAYS)


def sync_pieces(store, pieces, folder: Path, name: str = "part") -> list:
    reports = []
    for i, piece in enumerate(pieces):
        reports.append(store.sync([write_csv(piece, folder / f"{name}{i}.csv")], KEY))
    return reports


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), ids=st.booleans(), dup=st.floats(0.0, 0.6),
       data=st.data())
def test_shuffled_duplicated_split_syncs_give_the_same_store(stores, tmp_path_factory, seed, ids,
                                                             dup, data):
    log, _ = hospital_log(10, seed, days=DAYS, event_ids=ids)
    folder = tmp_path_factory.mktemp("split")
    with stores.open() as clean:
        clean.sync([write_csv(log, folder / "all.csv")], KEY)
        expected = snapshot(clean, AT)
    order = data.draw(st.permutations(range(len(log))), label="order")
    again = data.draw(st.lists(st.integers(0, len(log) - 1), max_size=int(dup * len(log))),
                      label="duplicated")
    rows = log.iloc[list(order) + again].reset_index(drop=True)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=3), label="cuts"))
    pieces = [rows.iloc[a:b] for a, b in zip([0] + cuts, cuts + [len(rows)])]
    with stores.open() as split:
        reports = sync_pieces(split, [p for p in pieces if len(p)], folder)
        assert snapshot(split, AT) == expected
        assert sum(r.new for r in reports) == len(log)
        assert sum(r.duplicates for r in reports) == len(again)
        for report in reports:
            assert report.read == report.new + report.duplicates + report.quarantined


def test_syncing_the_same_input_twice_changes_nothing(stores, tmp_path):
    log, _ = hospital_log(40, 3, days=DAYS)
    path = write_csv(log, tmp_path / "log.csv")
    store = stores.open()
    first = store.sync([path], KEY)
    before = snapshot(store, AT)
    second = store.sync([path], KEY)
    assert (first.new, first.duplicates) == (len(log), 0)
    assert (second.new, second.duplicates, second.cancelled) == (0, len(log), 0)
    assert snapshot(store, AT) == before
    assert list(store.sync_log()["new"]) == [len(log), 0]


def test_cancels_in_a_later_file_undo_earlier_events(stores, tmp_path):
    log, _ = hospital_log(40, 5, days=DAYS)
    is_cancel = log["event"] == "cancel"
    assert is_cancel.sum() >= 3
    clean = stores.open()
    clean.sync([write_csv(log, tmp_path / "all.csv")], KEY)
    store = stores.open()
    first = store.sync([write_csv(log[~is_cancel], tmp_path / "events.csv")], KEY)
    assert first.cancelled == 0
    stored_id = log["event_id"].map(lambda raw: pseudonym(KEY, b"event", raw))
    wrong = log[stored_id.isin(_cancelled_ids(clean)).to_numpy()]
    at = pd.Timestamp(wrong["timestamp"].iloc[0]) + pd.Timedelta(minutes=1)
    assert store.state_at(at).census() != clean.state_at(at).census()
    later = store.sync([write_csv(log[is_cancel], tmp_path / "cancels.csv")], KEY)
    assert later.cancelled == is_cancel.sum()
    assert snapshot(store, AT + [at]) == snapshot(clean, AT + [at])


def _cancelled_ids(store) -> set:
    rejects = store.table("rejects")
    return set(rejects.loc[rejects["problem"] == "cancelled", "event_id"])


def test_late_events_are_held_then_land_in_place(stores, tmp_path):
    rows = [["2024-03-01T08:00Z", "p1", "admit", "ICU", "", "", "a1", "e1", "walk-in"],
            ["2024-03-03T08:00Z", "p1", "discharge", "", "", "", "a2", "e1", ""]]
    columns = ["timestamp", "patient_id", "event", "unit", "from_unit", "equipment", "event_id",
               "encounter_id", "source"]
    store = stores.open()
    late = store.sync([write_csv(pd.DataFrame(rows[1:], columns=columns), tmp_path / "1.csv")], KEY)
    assert (late.new, late.held) == (1, 1)
    with pytest.raises(HospitaltwinError, match="no events yet"):
        store.state_at()
    report = store.sync([write_csv(pd.DataFrame(rows[:1], columns=columns), tmp_path / "2.csv")], KEY)
    assert report.held == 0
    state = store.state_at("2024-03-02T08:00Z")
    assert [(p.unit, p.elapsed_h) for p in state.patients] == [("ICU", 24.0)]
    assert store.state_at().patients == ()
    assert store.last_event_time() == pd.Timestamp("2024-03-03T08:00Z").to_pydatetime()


def _fail_after(original):
    def wrapper(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("the machine went down")
    return wrapper


def test_a_sync_failing_half_way_leaves_nothing_and_can_be_rerun(stores, tmp_path, monkeypatch):
    log, _ = hospital_log(40, 7, days=DAYS)
    half = len(log) // 2
    a, b = write_csv(log.iloc[:half], tmp_path / "a.csv"), write_csv(log.iloc[half:], tmp_path / "b.csv")
    clean = stores.open()
    clean.sync([a, b], KEY)
    store = stores.open()
    store.sync([a], KEY)
    before = snapshot(store, AT)
    monkeypatch.setattr(sync_module, "replace_derived", _fail_after(sync_module.replace_derived))
    with pytest.raises(RuntimeError):
        store.sync([b], KEY)
    assert snapshot(store, AT) == before
    assert len(store.sync_log()) == 1 and len(store.table("quarantine")) == 0
    monkeypatch.undo()
    store.sync([b], KEY)
    assert snapshot(store, AT) == snapshot(clean, AT)


KILL = """
import os, signal, sys
import hospitaltwin.store.sync as sync
sync.log_finish = lambda conn, report: os.kill(os.getpid(), signal.SIGKILL)
from hospitaltwin.store import Store
Store.open(sys.argv[1]).sync(sys.argv[2:], b"test-key-0123456789abcdef")
"""


def test_a_sync_killed_inside_its_transaction_loses_and_duplicates_nothing(stores, tmp_path):
    log, _ = hospital_log(60, 9, days=DAYS)
    third = len(log) // 3
    paths = [write_csv(log.iloc[i * third:(i + 1) * third if i < 2 else None], tmp_path / f"{i}.csv")
             for i in range(3)]
    clean = stores.open()
    clean.sync(paths, KEY)
    url = stores.url()
    store = stores.open(url)
    store.sync(paths[:1], KEY)
    before = snapshot(store, AT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    killed = subprocess.run([sys.executable, "-c", KILL, url, *paths[1:]], env=env,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert snapshot(store, AT) == before
    assert len(store.sync_log()) == 1
    store.sync(paths, KEY)
    assert snapshot(store, AT) == snapshot(clean, AT)
    assert len(store.table("events")) == len(log)


def test_a_store_keeps_one_pseudonymisation_key(stores, tmp_path):
    log, _ = hospital_log(5, 1, days=2)
    path = write_csv(log, tmp_path / "log.csv")
    store = stores.open()
    store.sync([path], KEY)
    with pytest.raises(HospitaltwinError, match="another key"):
        store.sync([path], b"another-key-0123456789")
    assert len(store.sync_log()) == 1


def test_a_file_that_is_not_an_event_log_writes_nothing(stores, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("dear diary,\nthe ICU was full\n")
    store = stores.open()
    with pytest.raises(HospitaltwinError, match="not a recognised event log"):
        store.sync([bad], KEY)
    assert len(store.sync_log()) == 0 and len(store.table("events")) == 0


def test_unusable_rows_are_quarantined_in_the_store_once(stores, tmp_path):
    log, _ = hospital_log(5, 2, days=2)
    broken = log.head(3).assign(timestamp=["soon", "2024-99-01T00:00Z", ""], event_id=["x1", "x2", "x3"])
    path = write_csv(pd.concat([log, broken]), tmp_path / "log.csv")
    store = stores.open()
    first = store.sync([path], KEY)
    again = store.sync([path], KEY)
    assert first.quarantined == again.quarantined == 3
    assert first.read == first.new + first.duplicates + first.quarantined == len(log) + 3
    table = store.table("quarantine")
    assert len(table) == 3 and set(table["problem"]) <= {"bad_timestamp", "missing_timestamp"}
    assert not table["patient_id"].isin(log["patient_id"]).any()  # pseudonymised

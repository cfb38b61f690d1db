"""Counts mode: a documented daily CSV, idempotent sync, a warm-start state with unknown elapsed."""

from __future__ import annotations

import pandas as pd
import pytest

from hospitaltwin.core.errors import HospitaltwinError

HEADER = "date,hospital,unit,census,admissions,discharges,ventilators_in_use\n"
DAYS = ("2024-03-01,north,ICU,10,3,2,4\n"
        "2024-03-01,north,WARD,40,12,11,\n"
        "2024-03-02,north,ICU,12,4,2,5\n"
        "2024-03-02,north,WARD,38,9,11,0\n"
        "2024-03-01,south,SICU,6,1,1,2\n")


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_counts_sync_is_idempotent_and_corrections_replace(stores, tmp_path):
    store = stores.open()
    path = write(tmp_path, "counts.csv", HEADER + DAYS)
    first = store.sync_counts(path)
    again = store.sync_counts(path)
    assert (first.read, first.new, first.duplicates) == (5, 5, 0)
    assert (again.new, again.duplicates, again.replaced) == (0, 5, 0)
    fix = write(tmp_path, "fix.csv", HEADER + "2024-03-02,north,ICU,13,5,2,5\n2024-03-03,north,ICU,11,1,3,\n")
    corrected = store.sync_counts(fix)
    assert (corrected.new, corrected.replaced) == (1, 1)
    history = store.counts_history("2024-03-01", "2024-03-03")
    assert len(history) == 6
    icu = history[history["unit"] == "ICU"]
    assert list(icu["census"]) == [10, 13, 11]
    assert list(icu["ventilators_in_use"].astype("object").fillna(-1)) == [4, 5, -1]
    assert str(history["date"].dtype) == "datetime64[ns, UTC]"
    assert list(store.sync_log()["kind"]) == ["counts"] * 3


def test_state_from_counts_has_unknown_elapsed_and_stale_units(stores, tmp_path):
    store = stores.open()
    store.sync_counts(write(tmp_path, "counts.csv", HEADER + DAYS))
    state = store.state_from_counts()
    assert state.census() == {"ICU": 12, "WARD": 38, "SICU": 6}
    assert all(p.elapsed_h is None for p in state.patients)
    vents = {}
    for p in state.patients:
        for device in p.devices:
            assert device.elapsed_h is None
            vents[p.unit] = vents.get(p.unit, 0) + 1
    assert vents == {"ICU": 5, "SICU": 2}
    assert state.notes["day"] == "2024-03-02" and state.notes["stale_units"] == {"SICU": "2024-03-01"}
    assert state.as_of == pd.Timestamp("2024-03-02T00:00Z").to_pydatetime()
    earlier = store.state_from_counts("2024-03-01T18:00Z")
    assert earlier.census() == {"ICU": 10, "WARD": 40, "SICU": 6}
    assert earlier.as_of == pd.Timestamp("2024-03-01T18:00Z").to_pydatetime()
    with pytest.raises(HospitaltwinError, match="before the first day of counts"):
        store.state_from_counts("2024-02-01")


def test_no_counts_is_a_clear_error(stores):
    with pytest.raises(HospitaltwinError, match="--counts"):
        stores.open().state_from_counts()


@pytest.mark.parametrize("text, message", [
    ("date,unit,census\n2024-03-01,ICU,3\n", "missing column"),
    (HEADER.strip() + ",beds\n2024-03-01,n,ICU,1,1,1,,3\n", "unknown column"),
    (HEADER + "2024-3-1,n,ICU,1,1,1,\n", "line 2: date '2024-3-1' is not YYYY-MM-DD"),
    (HEADER + "2024-03-01,n,ICU,-1,1,1,\n2024-03-01,n,WARD,x,1,1,\n", "line 3: census 'x'"),
    (HEADER + "2024-03-01,n,ICU,2,1,1,3\n", "ventilators_in_use 3 exceeds the census 2"),
    (HEADER + "2024-03-01,n,ICU,2,1,1,\n2024-03-01,n,ICU,3,1,1,\n", "line 3: ICU of n on 2024-03-01 is already given on line 2"),
    (HEADER + "2024-03-01,n,ICU,2,1,1,\n2024-03-01,s,ICU,3,1,1,\n", "unit 'ICU' is reported for hospitals 'n' and 's'"),
])
def test_bad_counts_files_store_nothing(stores, tmp_path, text, message):
    store = stores.open()
    with pytest.raises(HospitaltwinError, match=message) as caught:
        store.sync_counts(write(tmp_path, "bad.csv", text))
    assert "bad.csv" in str(caught.value)
    assert len(store.counts_history("2000-01-01", "2100-01-01")) == 0
    assert len(store.sync_log()) == 0

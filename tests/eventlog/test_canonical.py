"""Canonical CSV/Parquet: exact accepted rows and every deliberate fault quarantined."""

import pandas as pd
import pytest

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.ingest import ingest, write_outputs
from hospitaltwin.eventlog.pseudonym import pseudonym


def pid(raw, key):
    return pseudonym(key, b"patient", raw)


def test_faulty_csv(fixtures, key):
    result = ingest([fixtures / "faulty.csv"], key, unit_map=fixtures / "units.yaml")
    totals = result.summary["totals"]
    assert totals == {"read": 20, "accepted": 8, "quarantined": 11, "duplicates": 1,
                      "skipped": 0}
    q = result.quarantine
    assert list(zip(q["source_line"], q["problem"])) == [
        (11, "bad_timestamp"), (12, "unknown_event"), (13, "wrong_from_unit"),
        (14, "unmapped_unit"), (15, "missing_unit"), (16, "end_before_start"),
        (18, "overlapping_stay"), (19, "overlapping_stay"), (20, "missing_patient"),
        (21, "malformed_row"), (22, "end_without_start")]
    assert result.summary["unmapped_units"] == {"Mars Base": 1}
    assert result.summary["kept"] == {"out_of_order": 1, "ambiguous_local_times": 0,
                                      "ambiguous_rule": "order", "open_stays_at_log_end": 2,
                                      "open_equipment_at_log_end": 0}
    ev = result.events
    got = list(zip(ev["source_line"], ev["event"].astype(str), ev["unit"].fillna("-")))
    assert sorted(got) == [(2, "arrive", "ED"), (3, "admit", "WARD"), (4, "transfer", "ICU"),
                           (5, "equipment_start", "-"), (6, "equipment_end", "-"),
                           (7, "discharge", "-"), (9, "admit", "WARD"), (17, "admit", "WARD")]
    ev = ev.sort_values("source_line")
    first = ev.iloc[0]
    assert first["timestamp"] == pd.Timestamp("2024-03-01T08:00", tz="UTC")
    assert first["patient_id"] == pid("P001", key)
    assert first["source"] == "ambulance" and first["acuity"] == "2"
    assert ev.loc[ev["event"] == "transfer", "from_unit"].tolist() == ["WARD"]


def test_parquet_round_trip(fixtures, key, tmp_path):
    """Ingesting the output again accepts every row unchanged (idempotent)."""
    first = ingest([fixtures / "faulty.csv"], key, unit_map=fixtures / "units.yaml")
    path = tmp_path / "events.parquet"
    write_outputs(first, path)
    again = ingest([path], key, fmt="auto")
    assert again.summary["totals"]["accepted"] == len(first.events)
    assert again.summary["totals"]["quarantined"] == 0
    cols = ["timestamp", "patient_id", "event", "unit", "from_unit", "event_id", "source",
            "encounter_id"]
    pd.testing.assert_frame_equal(again.events[cols].reset_index(drop=True),
                                  first.events[cols].reset_index(drop=True))


def test_naive_times_read_in_timezone(tmp_path, key):
    path = tmp_path / "tz.csv"
    path.write_text("timestamp,patient_id,event,unit\n"
                    "2024-07-01 10:00,a,admit,W\n2024-07-01T10:00:00+00:00,b,admit,W\n")
    ev = ingest([path], key, tz="Europe/Amsterdam").events.sort_values("source_line")
    assert ev["timestamp"].tolist() == [pd.Timestamp("2024-07-01 08:00", tz="UTC"),
                                        pd.Timestamp("2024-07-01 10:00", tz="UTC")]


def test_other_key_refused(fixtures, key, tmp_path):
    first = ingest([fixtures / "faulty.csv"], key, unit_map=fixtures / "units.yaml")
    write_outputs(first, tmp_path / "events.parquet")
    with pytest.raises(HospitaltwinError, match="another key"):
        ingest([tmp_path / "events.parquet"], b"another-key-0123456789")

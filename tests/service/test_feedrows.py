"""The feed's frame-free row checks agree with sync's (masker and ``check_rows``, through
``check_read``) on every record, identifying free text included."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hospitaltwin.eventlog.ingest import check_read, input_identifiers
from hospitaltwin.eventlog.mapping import UnitMap
from hospitaltwin.eventlog.privacy import Masker
from hospitaltwin.eventlog.records import ReadResult, empty_quarantine, events_from_records
from hospitaltwin.store.feedrows import clean_rows
from hospitaltwin.store.resolve import rows_of
from hospitaltwin.store.sync import STORED

KEY = b"test-key-0123456789abcdef"
MAPPED = UnitMap(exact={"Intensive Care": "ICU", "2 East": "MS_2E"},
                 patterns=((re.compile(r"ED.*"), "ED"),), identity=False)
MAPPED_IDS = UnitMap(exact={"Intensive Care": "ICU", "Bed of MRN0000003": "ICU"},
                     patterns=((re.compile(r"ED.*"), "ED"),), identity=False)
#: Free text that looks like an identifier: a record number, a patient id of the batch as a
#: word, an address, text too long to keep.
IDENTIFYING = ["MRN0000003", "Bed of MRN0000003", "MRN1", "bed MRN3", "x@y.org", "W" * 70]
texts = st.one_of(st.none(), st.just(""), st.just("  "), st.sampled_from(
    ["ICU", "ED", "MS_2E", "Intensive Care", "2 East", "ED-3", "Nowhere", " ICU ", *IDENTIFYING]))
times = st.one_of(
    st.builds("{}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
              st.integers(1999, 2030), st.integers(1, 13), st.integers(1, 31), st.integers(0, 24),
              st.integers(0, 59), st.integers(0, 59),
              st.sampled_from(["", ".5", ".123456"]),
              st.sampled_from(["", "-06:00", "+05:30", "+00:00", "Z"])),
    st.sampled_from([None, "", "20250303", "not a time", "2025-03-03 10:00:00"]))
records = st.fixed_dictionaries({
    "timestamp": times,
    "patient_id": st.sampled_from(["MRN1", " MRN2", "MRN3 ", "", None]),
    "event": st.sampled_from(["admit", "arrive", "transfer", "discharge", "death", "cancel",
                              "Admit", "nonsense", ""]),
    "unit": texts, "from_unit": texts,
    "event_id": st.sampled_from(["C1", "C2", "C3", "C4", "", None]),
    "encounter_id": st.sampled_from(["V1", "", None, " V2"]),
    "source": st.sampled_from(["admit", "transfer", "discharge", "7", "", None, *IDENTIFYING]),
    "acuity": st.sampled_from(["1", None, *IDENTIFYING]),
})

#: Records the HL7 reader writes for clean messages (most of a live feed), varied where it counts.
clean = st.fixed_dictionaries({
    "timestamp": st.builds("2025-03-{:02d}T{:02d}:{:02d}:00{}".format, st.integers(1, 31),
                           st.integers(0, 23), st.integers(0, 59),
                           st.sampled_from(["-06:00", "+01:00", "+00:00"])),
    "patient_id": st.sampled_from(["MRN1", " MRN2", "MRN3 "]),
    "event": st.sampled_from(["admit", "arrive", "transfer", "discharge", "death"]),
    "unit": st.sampled_from(["ICU", "ED", "Intensive Care", "ED-3", "2 East", "Bed of MRN0000003"]),
    "from_unit": st.sampled_from([None, "ICU", "ED", "2 East", "MRN2"]),
    "event_id": st.sampled_from(["C1", "C2", "C3", "C4", "C5", "C6"]),
    "encounter_id": st.sampled_from(["V1", "", None]),
    "source": st.sampled_from(["7", None, "MRN0000001", "from MRN1"]),
    "acuity": st.sampled_from(["1", None, "x@y.org"]),
})


def numbered(batch: list[dict]) -> list[dict]:
    return [dict(r, source_line=i + 1) for i, r in enumerate(batch)]


def by_sync(batch: list[dict], units: UnitMap, tz: str):
    """Rows ``sync``'s checks accept (as stored), whether they quarantined any, and the masker
    ``sync`` would use for the batch (its raw ids)."""
    read = ReadResult("mllp", events_from_records("mllp", numbered(batch)), empty_quarantine())
    masker = Masker(KEY, input_identifiers([read]))
    checked = check_read([read], KEY, masker, units, tz)
    return rows_of(checked.events, STORED), len(checked.quarantine), masker


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(st.one_of(clean, clean, clean, records), min_size=1, max_size=6),
       units=st.sampled_from([UnitMap(), MAPPED, MAPPED_IDS]),
       tz=st.sampled_from(["UTC", "America/Chicago"]))
def test_clean_rows_are_the_rows_sync_accepts(batch, units, tz):
    expected, quarantined, masker = by_sync(batch, units, tz)
    fast = clean_rows(numbered(batch), masker, units, tz, "mllp")
    if fast is None:
        return  # declined: the feed uses sync's checks (check_read) for this batch
    rows, duplicates = fast
    assert quarantined == 0
    assert duplicates == len(batch) - len(expected)
    assert [{k: r[k] for k in STORED} for r in rows] == expected


def test_plain_hl7_records_take_the_fast_path():
    batch = [{"timestamp": "2025-03-03T06:00:00-06:00", "patient_id": "MRN1", "event": "admit",
              "unit": "Intensive Care", "event_id": "C1", "encounter_id": "V1", "source": "7",
              "source_line": 1},
             {"timestamp": "2025-03-03T09:30:00.250000-06:00", "patient_id": "MRN1",
              "event": "transfer", "unit": "2 East", "from_unit": "Intensive Care",
              "event_id": "C2", "source_line": 2}]
    expected, _, masker = by_sync([{k: v for k, v in r.items() if k != "source_line"}
                                   for r in batch], MAPPED, "UTC")
    rows, duplicates = clean_rows(batch, masker, MAPPED, "UTC", "mllp")
    assert duplicates == 0
    assert [r["unit"] for r in rows] == ["ICU", "MS_2E"]
    assert rows[0]["timestamp"] == pd.Timestamp("2025-03-03T12:00:00").to_pydatetime()
    assert [{k: r[k] for k in STORED} for r in rows] == expected


def test_identifying_free_text_is_masked_on_the_quick_path():
    batch = [{"timestamp": "2025-03-03T06:00:00-06:00", "patient_id": "MRN1", "event": "admit",
              "unit": "Bed of MRN0000003", "event_id": "C1", "encounter_id": "V1",
              "source": "MRN1", "acuity": "x@y.org", "source_line": 1}]
    expected, _, masker = by_sync(batch, UnitMap(), "UTC")
    rows, _ = clean_rows(batch, masker, UnitMap(), "UTC", "mllp")
    assert [{k: r[k] for k in STORED} for r in rows] == expected
    assert all(rows[0][c].startswith("masked-") for c in ("unit", "source", "acuity"))


def test_implausible_times_leave_the_quick_path_for_syncs_quarantine():
    """A message dated in 1850, or a year after today, is quarantined by sync; the feed's quick
    path must not accept it."""
    next_year = pd.Timestamp.now(tz="UTC").year + 1
    for when in ("1850-03-03T06:00:00-06:00", f"{next_year}-03-03T06:00:00-06:00"):
        batch = [{"timestamp": when, "patient_id": "MRN1", "event": "admit", "unit": "ICU",
                  "event_id": "C1", "source": "7"}]
        expected, quarantined, masker = by_sync(batch, UnitMap(), "UTC")
        assert quarantined == 1 and len(expected) == 0, when
        assert clean_rows(numbered(batch), masker, UnitMap(), "UTC", "mllp") is None, when

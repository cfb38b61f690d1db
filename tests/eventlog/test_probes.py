"""The input probes of docs/reliability.md, exactly: every record counted, none merged, none a
traceback. read = accepted + quarantined + duplicates holds in each."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.ingest import ingest
from hospitaltwin.eventlog.times import latest_plausible, read_times
from tests.eventlog import probes


def adds_up(result) -> dict:
    t = result.summary["totals"]
    assert t["read"] == t["accepted"] + t["quarantined"] + t["duplicates"]
    return t


def one_set_aside(result, read: int, reason: str) -> None:
    """All of ``read`` records but one accepted, that one quarantined for ``reason``."""
    assert adds_up(result) == {"read": read, "accepted": read - 1, "quarantined": 1,
                               "duplicates": 0, "skipped": 0}
    assert result.quarantine["reason"].iloc[0] == reason


def quarantined(result) -> list[tuple[int, str]]:
    q = result.quarantine
    return list(zip(q["source_line"].astype(int), q["problem"]))


@pytest.mark.parametrize("stamp, why", [
    ("9999-12-31T23:59:59", "more than a day in the future"),
    ("0001-01-01T00:00:00", "before 1900"),
    ("1500-06-01T00:00:00", "before 1900"),
    ("3000-06-01T00:00:00", "more than a day in the future"),
    ("2024-02-30T08:00:00", "not an ISO 8601 date and time"),
])
def test_out_of_range_years_quarantine_the_row_not_the_file(tmp_path, key, stamp, why):
    result = ingest([probes.year_probe(tmp_path, stamp)], key)
    assert adds_up(result) == {"read": 4, "accepted": 3, "quarantined": 1, "duplicates": 0,
                               "skipped": 0}
    assert quarantined(result) == [(5, "bad_timestamp")]
    reason = result.quarantine["reason"].iloc[0]
    assert why in reason and stamp in reason


def test_integer_parquet_timestamps_are_bad_timestamps(tmp_path, key):
    result = ingest([probes.integer_parquet(tmp_path)], key)
    assert adds_up(result)["accepted"] == 0
    assert quarantined(result) == [(1, "bad_timestamp"), (2, "bad_timestamp"), (3, "bad_timestamp")]


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_parquet_times_beyond_nanoseconds_are_bad_timestamps(tmp_path, key, unit):
    result = ingest([probes.far_parquet(tmp_path, unit)], key)
    assert adds_up(result)["accepted"] == 1
    assert quarantined(result) == [(2, "bad_timestamp")]
    assert result.events["timestamp"].iloc[0] == pd.Timestamp("1970-01-01T01:00Z")


def test_fhir_dates_outside_pandas_range(tmp_path, key):
    result = ingest([probes.fhir_range(tmp_path)], key)
    assert adds_up(result)["accepted"] == 1
    assert quarantined(result) == [(2, "bad_timestamp"), (3, "bad_timestamp")]


def test_fhir_entry_object_is_quarantined_not_silently_empty(tmp_path, key):
    result = ingest([probes.fhir_entry_object(tmp_path)], key)
    one_set_aside(result, 1, "Bundle.entry is an object, not a list of entries")


def test_deeply_nested_json_is_one_clear_error(tmp_path, key):
    with pytest.raises(HospitaltwinError, match="nested too deeply"):
        ingest([probes.deep_json(tmp_path)], key)


def test_deeply_nested_ndjson_line_is_quarantined(tmp_path, key):
    path = tmp_path / "deep.ndjson"
    path.write_text(probes.NDJSON_ENCOUNTER + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    result = ingest([path], key)
    assert adds_up(result)["accepted"] == 1
    assert quarantined(result) == [(2, "unreadable_record")]


def test_bytes_between_mllp_frames_merge_nothing(tmp_path, key):
    result = ingest([probes.mllp_with_nul(tmp_path)], key)
    one_set_aside(result, 10, "text that is not HL7 between messages")


def test_message_without_msh_is_its_own_record(tmp_path, key):
    path = probes.hl7_without_msh(tmp_path)
    lines = path.read_text().split("\n")
    orphan = next(i for i, line in enumerate(lines, 1) if line.startswith("EVN|A01|20240501100000"))
    result = ingest([path], key)
    assert adds_up(result)["read"] == 5
    assert quarantined(result) == [(orphan, "unreadable_record")]
    msh = [i for i, line in enumerate(lines, 1) if line.startswith("MSH")]
    assert sorted(result.events["source_line"]) == msh and len(msh) == 4


def test_text_between_messages_is_counted(tmp_path, key):
    result = ingest([probes.hl7_with_text(tmp_path)], key)
    assert adds_up(result) == {"read": 5, "accepted": 3, "quarantined": 2, "duplicates": 0,
                               "skipped": 0}
    assert quarantined(result) == [(6, "unreadable_record"), (12, "unreadable_record")]


def test_unbalanced_quote_hides_nothing(tmp_path, key):
    result = ingest([probes.unbalanced_quote(tmp_path)], key)
    assert adds_up(result) == {"read": 50, "accepted": 49, "quarantined": 1, "duplicates": 0,
                               "skipped": 0}
    assert quarantined(result) == [(5, "malformed_row")]
    assert "unbalanced quote" in result.quarantine["reason"].iloc[0]
    assert result.events["source_line"].max() == 51


def test_quoted_field_spanning_lines_is_quarantined_and_lines_stay_right(tmp_path, key):
    path = probes.multiline_field(tmp_path)
    text = path.read_text().replace(",BAD,", ",ICU,").replace("P006,admit", "P006,teleport")
    path.write_text(text)
    result = ingest([path], key)
    assert adds_up(result)["read"] == 11
    assert quarantined(result) == [(5, "malformed_row"), (6, "malformed_row"), (9, "unknown_event")]
    assert sorted(result.events["source_line"]) == [2, 3, 4, 7, 8, 10, 11, 12]


def test_duplicate_header_column_is_one_clear_error(tmp_path, key):
    with pytest.raises(HospitaltwinError, match="names column 'unit' more than once"):
        ingest([probes.duplicate_header(tmp_path)], key)


@pytest.mark.parametrize("rule, middle", [  # UTC times of the two rows in the repeated hour
    ("order", ["2024-10-27T00:30Z", "2024-10-27T01:10Z"]),
    ("earliest", ["2024-10-27T00:10Z", "2024-10-27T00:30Z"]),
    ("latest", ["2024-10-27T01:10Z", "2024-10-27T01:30Z"]),
])
def test_repeated_autumn_hour_is_resolved_and_counted(tmp_path, key, rule, middle):
    want = ["2024-10-26T23:30Z", *middle, "2024-10-27T02:30Z"]
    result = ingest([probes.autumn(tmp_path)], key, tz="Europe/Amsterdam", ambiguous=rule)
    assert adds_up(result)["accepted"] == 4
    assert result.summary["kept"]["ambiguous_local_times"] == 2
    assert result.summary["kept"]["ambiguous_rule"] == rule
    assert result.events["timestamp"].tolist() == [pd.Timestamp(t) for t in want]


def test_skipped_spring_hour_is_a_bad_timestamp(tmp_path, key):
    path = probes.csv_with(tmp_path / "spring.csv", ["2024-03-31T02:30:00,P001,admit,ICU,,,,,,\n"])
    result = ingest([path], key, tz="Europe/Amsterdam")
    assert quarantined(result) == [(2, "bad_timestamp")]
    assert "does not exist in Europe/Amsterdam" in result.quarantine["reason"].iloc[0]


def test_unknown_ambiguity_rule_is_refused(tmp_path, key):
    with pytest.raises(HospitaltwinError, match="--ambiguous must be one of"):
        ingest([probes.autumn(tmp_path)], key, ambiguous="middle")


def test_catastrophic_unit_pattern_is_bounded(tmp_path, key):
    units, path = probes.redos_map(tmp_path)
    start = time.perf_counter()
    with pytest.raises(HospitaltwinError) as caught:
        ingest([path], key, unit_map=units)
    assert time.perf_counter() - start < 10
    message = str(caught.value)
    assert str(units) in message and "units.ICU.0" in message and "re:(a|aa)+$" in message
    assert "a" * 20 not in message  # the unit name itself is not echoed


def _no_events_inputs(folder):
    junk = folder / "junk.hl7"
    junk.write_text("MSH|^~\\&|ADT|GEN|TWIN|GEN|20240501||ORU^R01|C1|P|2.5\nnot hl7 at all\n")
    xes = folder / "empty.xes"
    xes.write_text('<?xml version="1.0"?><log xes.version="1.0"><trace>'
                   '<string key="concept:name" value="A"/></trace></log>')
    return [probes.csv_with(folder / "header_only.csv", []), probes.fhir_entry_object(folder),
            probes.integer_parquet(folder), junk, xes,
            probes.csv_with(folder / "all_bad.csv", ["yesterday,P001,admit,ICU,,,,,,\n"])]


def test_inputs_with_nothing_usable_exit_2_and_say_why(tmp_path):
    from typer.testing import CliRunner

    from hospitaltwin.cli import app

    env = {"HOSPITALTWIN_PSEUDONYM_KEY": "test-key-0123456789abcdef", "COLUMNS": "200"}
    for path in _no_events_inputs(tmp_path):
        out = tmp_path / f"out-{path.stem}.parquet"
        done = CliRunner().invoke(app, ["ingest", str(path), "--out", str(out)], env=env)
        assert done.exit_code == 2, (path.name, done.output)
        assert "no usable events" in done.output and "Traceback" not in done.output
        assert not out.exists() and (tmp_path / f"out-{path.stem}.quarantine.csv").exists()


def test_a_number_too_long_for_python_is_unreadable_json(tmp_path, key):
    """Found by fuzzing: int() refuses more than 4300 digits with a ValueError."""
    huge = "9" * 100_000
    whole = tmp_path / "huge.json"
    whole.write_text('{"resourceType": "Bundle", "total": ' + huge + "}")
    with pytest.raises(HospitaltwinError, match="a number too long to read"):
        ingest([whole], key)
    lines = tmp_path / "huge.ndjson"
    lines.write_text(probes.NDJSON_ENCOUNTER + "\n" + '{"n": ' + huge + "}\n")
    result = ingest([lines], key)
    assert quarantined(result) == [(2, "unreadable_record")]


def test_broken_xml_is_one_line(tmp_path, key):
    """Found by fuzzing: lxml's message for a NUL byte ends in a line break."""
    path = tmp_path / "nul.xes"
    path.write_bytes(b"<\x00log></log>")
    with pytest.raises(HospitaltwinError) as caught:
        ingest([path], key, fmt="xes")
    assert "\n" not in str(caught.value) and "not valid XML" in str(caught.value)


@settings(max_examples=60, deadline=None)
@given(year=st.integers(1, 9999), month=st.integers(1, 12), day=st.integers(1, 28))
def test_only_plausible_years_are_usable(year, month, day):
    text = f"{year:04d}-{month:02d}-{day:02d}T12:00:00"
    now = pd.Timestamp("2026-01-01T00:00Z")
    times = read_times(pd.Series([text], dtype="string"), latest=latest_plausible(now))
    plausible = 1900 <= year and (year, month, day) <= (2026, 1, 1)
    assert times.values.notna().iloc[0] == plausible
    assert times.reasons.isna().iloc[0] == plausible


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.text(alphabet="abc xyz-19.!", min_size=1, max_size=20), min_size=6,
                     max_size=6), where=st.lists(st.booleans(), min_size=6, max_size=6))
def test_text_anywhere_between_messages_costs_no_message(tmp_path, key, gaps, where):
    parts = []
    for i in range(6):
        if where[i]:
            parts.append(gaps[i])
        parts.append(probes.hl7_message(i))
    path = tmp_path / "mixed.hl7"
    path.write_text(probes.newline_messages(parts))
    result = ingest([path], key)
    assert adds_up(result)["accepted"] == 6
    assert set(result.quarantine["reason"]) <= {"text that is not HL7 between messages"}
    assert len(result.quarantine) <= sum(where)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, 19), field=st.integers(1, 9))
def test_an_open_quote_costs_only_its_line(tmp_path, key, row, field):
    lines = probes.admits(20)
    cells = lines[row].rstrip("\n").split(",")
    cells[field] = '"' + cells[field]
    lines[row] = ",".join(cells) + "\n"
    result = ingest([probes.csv_with(tmp_path / "quote.csv", lines)], key)
    assert adds_up(result)["accepted"] == 19
    assert quarantined(result) == [(row + 2, "malformed_row")]


def test_bare_msh_is_text_not_a_message(tmp_path, key):
    """Found by the property tests: an MLLP frame holding only 'MSH'."""
    path = tmp_path / "bare.hl7"
    path.write_bytes(b"\x0bMSH\r\x1c\r" + b"\x0b" + probes.hl7_message(1).encode() + b"\x1c\r")
    result = ingest([path], key, fmt="hl7")
    one_set_aside(result, 2, "text that is not HL7 between messages")

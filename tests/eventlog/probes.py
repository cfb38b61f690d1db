"""The hostile and careless inputs of docs/reliability.md, made in a folder (shared by tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

#: One valid FHIR Encounter as an NDJSON line.
NDJSON_ENCOUNTER = ('{"resourceType": "Encounter", "id": "e1", "subject": {"reference": '
                    '"Patient/p1"}, "location": [{"location": {"display": "ICU"}, "period": '
                    '{"start": "2024-01-01"}}]}')
HEADER = "timestamp,patient_id,event,unit,from_unit,equipment,event_id,encounter_id,source,acuity\n"


def admits(n: int, start: int = 0) -> list[str]:
    """``n`` valid canonical rows, one admission per patient."""
    return [f"2024-03-01T{i % 20:02d}:00:00,P{i:03d},admit,ICU,,,,E{i},,\n"
            for i in range(start, start + n)]


def csv_with(path: Path, lines: list[str]) -> Path:
    path.write_text(HEADER + "".join(lines))
    return path


def year_probe(folder: Path, stamp: str) -> Path:
    """Three good rows, then one whose time is ``stamp`` (line 5)."""
    return csv_with(folder / "year.csv", admits(3) + [f"{stamp},P900,admit,ICU,,,,E900,,\n"])


def integer_parquet(folder: Path) -> Path:
    """Integer values in the timestamp column of a Parquet file."""
    path = folder / "int_ts.parquet"
    pq.write_table(pa.table({"timestamp": pa.array([1, 10**18, 2**62], pa.int64()),
                             "patient_id": ["a", "b", "c"], "event": ["admit"] * 3,
                             "unit": ["ICU"] * 3}), path)
    return path


def far_parquet(folder: Path, unit: str = "us") -> Path:
    """A Parquet timestamp column with 1970 and 9999-12-31 (the second beyond nanoseconds)."""
    path = folder / "far.parquet"
    per_second = {"s": 1, "ms": 10**3, "us": 10**6}[unit]
    values = [3600 * per_second, 253402300799 * per_second]
    pq.write_table(pa.table({"timestamp": pa.array(values, pa.timestamp(unit)),
                             "patient_id": ["a", "b"], "event": ["admit"] * 2,
                             "unit": ["ICU"] * 2}), path)
    return path


def encounter(i: int, start: str) -> dict:
    return {"resource": {"resourceType": "Encounter", "id": f"enc-{i}",
                         "subject": {"reference": f"Patient/pt-{i}"}, "class": {"code": "IMP"},
                         "location": [{"location": {"display": "ICU"},
                                       "period": {"start": start}}]}}


def fhir_range(folder: Path) -> Path:
    path = folder / "fhir_range.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "entry": [
        encounter(1, "2024-01-01T00:00:00Z"), encounter(2, "9999-12-31T23:59:59Z"),
        encounter(3, "0001-01-01")]}))
    return path


def fhir_entry_object(folder: Path) -> Path:
    path = folder / "entry_object.json"
    path.write_text(json.dumps({"resourceType": "Bundle",
                                "entry": encounter(1, "2024-01-01T00:00:00Z")}))
    return path


def deep_json(folder: Path, depth: int = 100_000) -> Path:
    path = folder / "deep.json"
    path.write_text('{"resourceType": "Bundle", "entry": ' + "[" * depth + "]" * depth + "}")
    return path


def hl7_message(i: int, unit: str = "MED") -> str:
    t = f"20240501{8 + i:02d}0000"
    return (f"MSH|^~\\&|ADT|GEN|TWIN|GEN|{t}||ADT^A01^ADT_A01|C{i}|P|2.5\rEVN|A01|{t}\r"
            f"PID|1||P{i}^^^GEN^MR\rPV1|1|I|{unit}^12^B|E||||||||||7|||||V{i}\r")


def mllp_with_nul(folder: Path) -> Path:
    """Nine MLLP frames with one NUL byte between the first and the second."""
    frames = [b"\x0b" + hl7_message(i).encode() + b"\x1c\r" for i in range(9)]
    path = folder / "mllp_nul.hl7"
    path.write_bytes(frames[0] + b"\x00" + b"".join(frames[1:]))
    return path


def newline_messages(messages: list[str]) -> str:
    return "\n".join(m.replace("\r", "\n") for m in messages)


def hl7_without_msh(folder: Path) -> Path:
    """Five messages; the third lost its MSH line (line 9 starts with EVN)."""
    m = [hl7_message(i) for i in range(5)]
    m[2] = m[2].split("\r", 1)[1]
    path = folder / "no_msh.hl7"
    path.write_text(newline_messages(m))
    return path


def hl7_with_text(folder: Path) -> Path:
    """Three messages with non-HL7 text between them (lines 5 and 10-11)."""
    m = [hl7_message(i) for i in range(3)]
    path = folder / "junk.hl7"
    path.write_text(newline_messages([m[0], "hello this is not HL7", m[1],
                                      "more junk\nand more", m[2]]))
    return path


def unbalanced_quote(folder: Path) -> Path:
    """50 rows; line 5 opens a quote it never closes."""
    lines = admits(50)
    lines[3] = '2024-03-01T03:00:00,P003,admit,"ICU,,,,E3,,\n'
    return csv_with(folder / "quote.csv", lines)


def multiline_field(folder: Path) -> Path:
    """Ten rows; row 4 has a quoted unit spanning lines 5-6; line 8 has an unknown unit."""
    lines = admits(10)
    lines[3] = '2024-03-01T03:00:00,P003,admit,"IC\nU",,,,E3,,\n'
    lines[6] = "2024-03-01T06:00:00,P006,admit,BAD,,,,E6,,\n"
    return csv_with(folder / "multiline.csv", lines)


def duplicate_header(folder: Path) -> Path:
    path = folder / "dup_header.csv"
    path.write_text("timestamp,patient_id,event,unit,unit\n2024-03-01T08:00,P1,admit,ICU,WARD\n")
    return path


def autumn(folder: Path) -> Path:
    """One patient through the hour Europe/Amsterdam repeats on 2024-10-27 (02:00-03:00)."""
    return csv_with(folder / "autumn.csv", [
        "2024-10-27T01:30:00,A001,admit,ICU,,,,EA01,,\n",
        "2024-10-27T02:30:00,A001,transfer,WARD,,,,EA01,,\n",
        "2024-10-27T02:10:00,A001,transfer,ICU,,,,EA01,,\n",
        "2024-10-27T03:30:00,A001,discharge,,,,,EA01,,\n"])


def redos_map(folder: Path) -> tuple[Path, Path]:
    """A unit map whose pattern backtracks catastrophically, and a 33-character name."""
    units = folder / "units.yaml"
    units.write_text('units:\n  ICU: ["re:(a|aa)+$"]\n')
    return units, csv_with(folder / "redos.csv", ["2024-03-01T08:00,P001,admit," + "a" * 32
                                                  + "!,,,,,,\n"])

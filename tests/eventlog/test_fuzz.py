"""Fuzzing every reader: valid inputs mutated (truncation, inserted bytes, swapped fields and
lines, huge values, deep nesting) must give a counted result or one clear error, never a
traceback, within a time bound. The budget is fixed (examples per reader, derandomised), so
the suite stays fast and repeatable; ``HOSPITALTWIN_FUZZ_EXAMPLES=2000`` runs a longer,
randomised campaign."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.ingest import ingest, write_outputs
from hospitaltwin.store.counts import read_counts
from tests.eventlog.conftest import FIXTURES, KEY

SECONDS = 20  # per example; a hang fails the test instead of stalling the suite
EXAMPLES = int(os.environ.get("HOSPITALTWIN_FUZZ_EXAMPLES", "0")) or None
BUDGET = settings(max_examples=EXAMPLES or 25, deadline=None, derandomize=EXAMPLES is None,
                  database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.function_scoped_fixture])
SPECIAL = [b"\x00", b'"', b"\r", b"\n", b"\r\n", b"\x0b", b"\x1c", b"|", b",", b"^", b"{", b"}",
           b"[", b"<", b">", b"&", b"\xff\xfe", b"\xef\xbb\xbf", b"'", b"\\", b"MSH|", b"\t"]
MIMIC_TRANSFERS = (
    "subject_id,hadm_id,transfer_id,eventtype,careunit,intime,outtime\n"
    "101,201,301,ED,Emergency Department,2150-01-01 06:00:00,2150-01-01 08:00:00\n"
    "101,201,302,admit,Medicine,2150-01-01 08:00:00,2150-01-02 08:00:00\n"
    "101,201,303,transfer,Medical Intensive Care Unit (MICU),2150-01-02 08:00:00,"
    "2150-01-03 08:00:00\n101,201,304,discharge,,2150-01-03 08:00:00,\n"
    "102,,305,ED,Emergency Department,2150-02-01 06:00:00,2150-02-01 09:00:00\n")
MIMIC_PROCEDURES = (
    "subject_id,hadm_id,stay_id,starttime,endtime,itemid\n"
    "101,201,401,2150-01-02 09:00:00,2150-01-02 20:00:00,225792\n"
    "101,201,401,2150-01-02 09:00:00,2150-01-02 10:00:00,224263\n")
COUNTS = ("date,hospital,unit,census,admissions,discharges,ventilators_in_use\n"
          "2024-03-01,north,ICU,18,4,3,9\n2024-03-02,north,ICU,19,5,4,10\n"
          "2024-03-01,north,WARD,40,9,8,\n")


class Hang(BaseException):
    """Raised when an example runs past its time (a BaseException: no reader swallows it)."""


@contextmanager
def time_limit(seconds: float):
    def stop(*_):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated(draw, seed: bytes, nesting: tuple[bytes, bytes] = (b"[", b"]")) -> bytes:
    """``seed`` after one to three mutations."""
    data = seed
    for _ in range(draw(st.integers(1, 3))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data, nesting)
    return data


def _at(draw, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


def _truncate(draw, data, _):
    return data[:_at(draw, data)]


def _insert(draw, data, _):
    piece = draw(st.one_of(st.sampled_from(SPECIAL), st.binary(min_size=1, max_size=16)))
    at = _at(draw, data)
    return data[:at] + piece * draw(st.integers(1, 3)) + data[at:]


def _delete(draw, data, _):
    at = _at(draw, data)
    return data[:at] + data[at + draw(st.integers(1, 64)):]


def _huge(draw, data, _):
    piece = draw(st.sampled_from([b"A", b"9", b"\xe2\x82\xac", b" ", b"-"])) * draw(
        st.sampled_from([1_000, 100_000]))
    at = _at(draw, data)
    return data[:at] + piece + data[at:]


def _nest(draw, data, nesting):
    depth = draw(st.sampled_from([50, 5_000, 100_000]))
    at = _at(draw, data)
    return data[:at] + nesting[0] * depth + nesting[1] * depth + data[at:]


def _swap_fields(draw, data, _):
    lines = data.split(b"\n")
    index = draw(st.integers(0, len(lines) - 1))
    sep = draw(st.sampled_from([b",", b"|", b"^", b'"']))
    fields = lines[index].split(sep)
    if len(fields) > 1:
        i, j = draw(st.integers(0, len(fields) - 1)), draw(st.integers(0, len(fields) - 1))
        fields[i], fields[j] = fields[j], fields[i]
    lines[index] = sep.join(fields)
    return b"\n".join(lines)


def _swap_lines(draw, data, _):
    lines = data.split(b"\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    if draw(st.booleans()):
        lines.insert(j, lines[i])
    return b"\n".join(lines)


MUTATIONS = [_truncate, _insert, _delete, _huge, _nest, _swap_fields, _swap_lines]


def _ingest_survives(path: Path, fmt: str) -> None:
    """A counted result or one clear error; nothing else, and in time."""
    try:
        with time_limit(SECONDS):
            result = ingest([path], KEY, fmt=fmt)
    except HospitaltwinError as exc:
        assert str(exc) and "\n" not in str(exc).strip() and "Traceback" not in str(exc)
        return
    totals = result.summary["totals"]
    assert totals["read"] == totals["accepted"] + totals["quarantined"] + totals["duplicates"]
    per_file = result.summary["files"].values()
    assert sum(f["read"] for f in per_file) == totals["read"]
    assert len(result.events) == totals["accepted"]


def _fuzz(tmp_path: Path, name: str, fmt: str, seed: bytes, nesting=(b"[", b"]")) -> Callable:
    @BUDGET
    @given(data=mutated(seed, nesting))
    def run(data: bytes) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        _ingest_survives(path, fmt)

    return run


@pytest.mark.parametrize("name, fmt, seed, nesting", [
    ("faulty.csv", "canonical", "faulty.csv", (b'"', b'"')),
    ("adt.hl7", "hl7", "adt.hl7", (b"\x0b", b"\x1c")),
    ("adt_mllp.hl7", "hl7", "adt_mllp.hl7", (b"\x0b", b"\x1c")),
    ("encounters.json", "fhir", "encounters.json", (b"[", b"]")),
    ("small.xes", "xes", "small.xes", (b"<a>", b"</a>")),
])
def test_reader_survives_mutations(tmp_path, name, fmt, seed, nesting):
    _fuzz(tmp_path, name, fmt, (FIXTURES / seed).read_bytes(), nesting)()


def test_ndjson_reader_survives_mutations(tmp_path):
    import json

    bundle = json.loads((FIXTURES / "encounters.json").read_text())
    ndjson = "\n".join(json.dumps(e["resource"]) for e in bundle["entry"]).encode()
    _fuzz(tmp_path, "encounters.ndjson", "fhir", ndjson)()


def test_parquet_reader_survives_mutations(tmp_path):
    out = tmp_path / "seed.parquet"
    write_outputs(ingest([FIXTURES / "faulty.csv"], KEY), out)
    _fuzz(tmp_path, "events.parquet", "canonical", out.read_bytes())()


ARROW_TIMES = st.one_of(
    st.lists(st.integers(-2**63 + 1, 2**63 - 1), min_size=1, max_size=5).flatmap(
        lambda ints: st.sampled_from([pa.int64(), pa.timestamp("s"), pa.timestamp("ms"),
                                      pa.timestamp("us"), pa.timestamp("ns"),
                                      pa.timestamp("us", tz="UTC")]).map(
            lambda kind: pa.array(ints, pa.int64()).cast(kind, safe=False))),
    st.lists(st.floats(allow_nan=True), min_size=1, max_size=5).map(pa.array),
    st.lists(st.integers(-2**31, 2**31 - 1), min_size=1, max_size=5).map(
        lambda days: pa.array(days, pa.int32()).cast(pa.date32())),
    st.lists(st.one_of(st.none(), st.text(max_size=30)), min_size=1, max_size=5).map(
        lambda texts: pa.array(texts, pa.string())),
)


@BUDGET
@given(times=ARROW_TIMES, swap=st.booleans())
def test_parquet_column_types_survive(tmp_path_factory, times, swap):
    n = len(times)
    columns = {"timestamp": times, "patient_id": pa.array([f"p{i}" for i in range(n)]),
               "event": pa.array(["admit"] * n), "unit": pa.array(["ICU"] * n)}
    if swap:
        columns["patient_id"], columns["timestamp"] = columns["timestamp"], columns["patient_id"]
    path = tmp_path_factory.mktemp("parquet") / "typed.parquet"
    buffer = io.BytesIO()
    try:
        pq.write_table(pa.table(columns), buffer)
    except pa.ArrowInvalid:  # Parquet cannot hold it (seconds beyond its milliseconds)
        assume(False)
    path.write_bytes(buffer.getvalue())
    _ingest_survives(path, "canonical")


def test_mimic_reader_survives_mutations(tmp_path):
    folder = tmp_path / "mimic"
    (folder / "hosp").mkdir(parents=True)
    (folder / "icu").mkdir()
    (folder / "icu" / "procedureevents.csv").write_text(MIMIC_PROCEDURES)

    @BUDGET
    @given(transfers=mutated(MIMIC_TRANSFERS.encode(), (b'"', b'"')),
           procedures=st.one_of(st.just(MIMIC_PROCEDURES.encode()),
                                mutated(MIMIC_PROCEDURES.encode())))
    def run(transfers: bytes, procedures: bytes) -> None:
        (folder / "hosp" / "transfers.csv").write_bytes(transfers)
        (folder / "icu" / "procedureevents.csv").write_bytes(procedures)
        _ingest_survives(folder, "mimic")

    run()


def test_counts_reader_survives_mutations(tmp_path):
    @BUDGET
    @given(data=mutated(COUNTS.encode(), (b'"', b'"')))
    def run(data: bytes) -> None:
        path = tmp_path / "counts.csv"
        path.write_bytes(data)
        try:
            with time_limit(SECONDS):
                rows = read_counts(path)
        except HospitaltwinError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            return
        assert all(r["census"] >= 0 for r in rows)

    run()

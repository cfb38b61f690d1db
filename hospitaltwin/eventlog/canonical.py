"""Reader of canonical event logs in CSV (optionally gzipped) or Parquet.

CSV is parsed by pyarrow's multithreaded reader with every column as text; nothing on this path
loops over rows in Python, so a million events take about as long as ``pandas.read_csv``. A row
with the wrong number of fields is quarantined with its physical line number (the reader is
re-run single-threaded in that rare case, because only then does pyarrow number bad rows).
Line numbers count physical lines, blank lines included; a quoted field spanning lines is not
supported (such a row is quarantined). Columns beyond the canonical ones are ignored and
named in a note. Parquet columns of a timestamp type are taken as they are.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.records import (
    ReadResult,
    decode,
    empty_quarantine,
    line_starts,
    quarantine_frame,
    read_bytes,
)
from hospitaltwin.eventlog.schema import COLUMNS, REQUIRED, STRING_DTYPE, blank_to_na, raw_frame

PARQUET_MAGIC = b"PAR1"
#: Parquet metadata key holding the fingerprint of the pseudonymisation key.
PSEUDONYM_META = b"hospitaltwin.pseudonym_key"


def read_canonical(path: Path) -> ReadResult:
    """Read a canonical CSV or Parquet file (chosen by content).

    Raises
    ------
    HospitaltwinError
        When the file lacks a required column or cannot be parsed as a whole.
    """
    data = read_bytes(path)
    if data[:4] == PARQUET_MAGIC:
        return _read_parquet(path, data)
    return _read_csv(path, data)


def _header(path: Path, data: bytes, notes: list[str]) -> list[str]:
    first = data[: data.find(b"\n") if b"\n" in data else len(data)]
    text = decode(first, path, notes)
    try:
        names = next(csv.reader([text.strip("\r\n")]), [])
    except csv.Error:
        names = []
    names = [n.strip() for n in names]
    _check_columns(path, names, notes)
    return names


def _check_columns(path: Path, names: list[str], notes: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise HospitaltwinError(
            f"{path}: line 1: not a canonical event log: missing column(s) {', '.join(missing)} "
            f"(a canonical log has a header with {', '.join(COLUMNS)})")
    extra = [n for n in names if n not in COLUMNS]
    if extra:
        notes.append(f"{path}: ignored {len(extra)} column(s) that are not canonical")


def _read_csv(path: Path, data: bytes) -> ReadResult:
    notes: list[str] = []
    names = _header(path, data, notes)
    data = _valid_utf8(path, data, notes)
    table, bad_numbers = _parse(path, data, names, threads=True)
    if bad_numbers:
        table, bad_numbers = _parse(path, data, names, threads=False)
    lines = _record_lines(data)
    bad = {number for number, _ in bad_numbers}
    good_records = [r for r in range(2, len(lines) + 1) if r not in bad] if bad else None
    good_lines = lines[1:] if good_records is None else lines[np.asarray(good_records, int) - 1]
    frame = _frame(table, path, good_lines[: table.num_rows])
    quarantine = _bad_rows(path, lines, bad_numbers, len(names))
    return ReadResult(str(path), frame, quarantine, notes=notes)


def _valid_utf8(path: Path, data: bytes, notes: list[str]) -> bytes:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return decode(data, path, notes).encode("utf-8")
    return data


def _parse(path: Path, data: bytes, names: list[str], threads: bool):
    bad: list = []

    def handler(row) -> str:
        bad.append((row.number, row.actual_columns))
        return "skip"

    types = {n: pa.string() for n in names}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=threads, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                 include_columns=[c for c in names if c in COLUMNS]),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # pyarrow's message may quote row content (identifiers): do not pass it on
        raise HospitaltwinError(f"{path}: cannot be parsed as CSV") from None
    return table, bad


def _record_lines(data: bytes) -> np.ndarray:
    """Physical line number of each non-blank line (record 1 is the header)."""
    starts = line_starts(data)
    ends = np.append(starts[1:] - 1, len(data))
    length = ends - starts
    arr = np.frombuffer(data + b"\n", dtype=np.uint8)
    blank = (length == 0) | ((length == 1) & (arr[starts] == 13))
    return np.flatnonzero(~blank) + 1


def _frame(table: pa.Table, path: Path, lines: np.ndarray) -> pd.DataFrame:
    data = {c: table.column(c).to_pandas(types_mapper=_string_mapper) for c in table.column_names}
    return raw_frame(data, str(path), lines)


def _string_mapper(arrow_type):
    return STRING_DTYPE if arrow_type == pa.string() else None


def _bad_rows(path: Path, lines: np.ndarray, bad: list, n_columns: int) -> pd.DataFrame:
    if not bad:
        return empty_quarantine()
    records = [int(lines[number - 1]) if number and number <= len(lines) else 0
               for number, _ in bad]
    rows = raw_frame({}, str(path), records)
    reasons = [f"{actual} field(s) where the header has {n_columns}" for _, actual in bad]
    return quarantine_frame(rows, "malformed_row", pd.Series(reasons, dtype=STRING_DTYPE).values)


def _read_parquet(path: Path, data: bytes) -> ReadResult:
    notes: list[str] = []
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError):
        raise HospitaltwinError(f"{path}: damaged Parquet file") from None
    _check_columns(path, table.column_names, notes)
    frame = table.select([c for c in table.column_names if c in COLUMNS]).to_pandas()
    data_cols = {}
    for column in frame.columns:
        values = frame[column]
        if column == "timestamp" and values.dtype.kind == "M":
            data_cols[column] = values
        else:
            data_cols[column] = blank_to_na(values.astype(STRING_DTYPE))
    out = raw_frame({c: v for c, v in data_cols.items() if c != "timestamp"}, str(path),
                    np.arange(1, len(frame) + 1))
    out["timestamp"] = data_cols["timestamp"].array
    meta = table.schema.metadata or {}
    mark = meta.get(PSEUDONYM_META)
    return ReadResult(str(path), out, empty_quarantine(), notes=notes,
                      pseudonymised=mark.decode() if mark else None)

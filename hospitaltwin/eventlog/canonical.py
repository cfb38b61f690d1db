"""Reader of canonical event logs in CSV (optionally gzipped) or Parquet.

CSV is read by :func:`hospitaltwin.eventlog.csvtext.read_csv_text`: every column as text, one
record per physical line, rows with the wrong number of fields or an unbalanced quote
quarantined with their line number (a quoted field spanning lines is not supported: its lines
are quarantined). Columns beyond the canonical ones are ignored and named in a note; a header
naming a column twice is refused. Parquet columns of a timestamp (or date) type are taken as
they are, with values outside the years 1 to 9999 read as missing; a Parquet file written by
ingest carries the check value of its pseudonymisation key (:mod:`hospitaltwin.eventlog.keys`).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.csvtext import as_utf8, header, read_csv_text
from hospitaltwin.eventlog.records import (
    ReadResult,
    empty_quarantine,
    quarantine_frame,
    read_bytes,
)
from hospitaltwin.eventlog.schema import COLUMNS, REQUIRED, STRING_DTYPE, blank_to_na, raw_frame

PARQUET_MAGIC = b"PAR1"
#: Parquet metadata key holding the check value of the pseudonymisation key.
PSEUDONYM_META = b"hospitaltwin.pseudonym_check"
#: Where hospitaltwin before 0.2 kept a fast (guessable) fingerprint of the key.
LEGACY_META = b"hospitaltwin.pseudonym_key"
MICROS = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}


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
    names = header(path, data, notes)
    _check_columns(path, names, notes)
    data = as_utf8(path, data, notes)
    parsed = read_csv_text(path, data, names, lambda found: [c for c in found if c in COLUMNS])
    columns = {c: parsed.table.column(c).to_pandas(types_mapper=_string_mapper)
               for c in parsed.table.column_names}
    frame = raw_frame(columns, str(path), parsed.lines)
    return ReadResult(str(path), frame, _bad_rows(path, parsed.bad), notes=notes)


def _string_mapper(arrow_type):
    return STRING_DTYPE if arrow_type == pa.string() else None


def _bad_rows(path: Path, bad: list[tuple[int, str]]) -> pd.DataFrame:
    if not bad:
        return empty_quarantine()
    rows = raw_frame({}, str(path), [line for line, _ in bad])
    reasons = pd.Series([reason for _, reason in bad], dtype=STRING_DTYPE)
    return quarantine_frame(rows, "malformed_row", reasons.values)


def _read_parquet(path: Path, data: bytes) -> ReadResult:
    notes: list[str] = []
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError):
        raise HospitaltwinError(f"{path}: damaged Parquet file") from None
    names = table.column_names
    if len(set(names)) != len(names):
        raise HospitaltwinError(f"{path}: the Parquet schema names a column more than once")
    _check_columns(path, names, notes)
    meta = table.schema.metadata or {}
    if LEGACY_META in meta and PSEUDONYM_META not in meta:
        raise HospitaltwinError(f"{path}: written by an older hospitaltwin that kept event ids and "
                                "free text unmasked; ingest the original export again")
    data_cols = {c: _column(table.column(c), c == "timestamp") for c in names if c in COLUMNS}
    out = raw_frame({c: v for c, v in data_cols.items() if c != "timestamp"}, str(path),
                    np.arange(1, table.num_rows + 1))
    out["timestamp"] = data_cols["timestamp"].array
    mark = meta.get(PSEUDONYM_META)
    return ReadResult(str(path), out, empty_quarantine(), notes=notes,
                      pseudonymised=mark.decode("utf-8", errors="replace") if mark else None)


def _column(column: pa.ChunkedArray, is_time: bool) -> pd.Series:
    """A Parquet column as text, or as datetimes when it holds times (``is_time``)."""
    kind = column.type
    if is_time and (pa.types.is_timestamp(kind) or pa.types.is_date(kind)):
        return _times(column)
    try:
        values = column.cast(pa.string()) if not pa.types.is_string(kind) else column
        text = values.to_pandas(types_mapper=_string_mapper)
    except (pa.ArrowException, ValueError):
        text = pd.Series([None if v is None else str(v) for v in column.to_pylist()], dtype=object)
    return blank_to_na(text.astype(STRING_DTYPE))


def _times(column: pa.ChunkedArray) -> pd.Series:
    """Timestamp or date values as microsecond datetimes.

    When some lie outside the years 1 to 9999, the column is returned as text instead (ISO
    8601, and the raw number for those), so that validation quarantines them as bad
    timestamps rather than as missing ones.
    """
    kind = column.type
    if pa.types.is_date(kind):
        column = column.cast(pa.timestamp("s"))
        kind = column.type
    ints = column.cast(pa.int64()).to_numpy(zero_copy_only=False)
    valid = ~pc.is_null(column).to_numpy(zero_copy_only=False)
    factor = MICROS[kind.unit]
    with np.errstate(over="ignore", invalid="ignore"):
        ints = np.where(valid, ints, 0)
        micros = ints // 1000 if factor is None else ints * factor
        bad = ~valid if factor is None else ~valid | (np.abs(ints) > 9 * 10 ** 18 // factor)
    limit = 253402300799 * 10 ** 6  # 9999-12-31T23:59:59
    bad |= (micros < -62135596800 * 10 ** 6) | (micros > limit)
    values = np.where(bad, np.iinfo(np.int64).min, micros).astype("datetime64[us]")
    series = pd.Series(values)
    series = series.dt.tz_localize("UTC") if kind.tz is not None else series
    if not (bad & valid).any():
        return series
    text = series.map(lambda t: t.isoformat() if pd.notna(t) else None).astype(STRING_DTYPE)
    raw = pd.Series(ints, dtype="int64").astype(str) + f" {kind.unit} since 1970 (out of range)"
    return text.mask(bad & valid, raw).mask(~valid)

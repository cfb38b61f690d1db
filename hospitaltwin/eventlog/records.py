"""What a reader hands back, and small helpers all readers share.

A reader turns one input into a :class:`ReadResult`: the events it could express in canonical
form (text columns, timestamps still text, provenance attached), the records it had to
quarantine already (a message with no patient, a stay that ends before it starts), and counts
of records it skipped because they are not patient-flow events at all (laboratory activities
in an XES log, an HL7 A08 that changes no location). Every event counted as *read* ends up
accepted, quarantined or a duplicate; skipped records are reported beside them.
"""

from __future__ import annotations

import gzip
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.schema import COLUMNS, STRING_DTYPE, raw_frame

GZIP_MAGIC = b"\x1f\x8b"
QUARANTINE_COLUMNS = ("source_file", "source_line", "problem", "reason", *COLUMNS)


@dataclass
class ReadResult:
    """The output of one reader on one input."""

    file: str
    events: pd.DataFrame
    quarantine: pd.DataFrame
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    #: Check value of the key the identifiers are already pseudonymised with (own output).
    pseudonymised: str | None = None
    #: Dates shifted on purpose (MIMIC-IV moves them to 2100-2200): no "future" rule.
    dates_shifted: bool = False

    @property
    def checked_before(self) -> bool:
        """Whether the rows were validated when written (hospitaltwin's own output)."""
        return self.pseudonymised is not None

    @property
    def read(self) -> int:
        """Events read: those expressed as canonical rows plus those quarantined here."""
        return len(self.events) + len(self.quarantine)


def empty_quarantine() -> pd.DataFrame:
    """An empty quarantine frame."""
    frame = pd.DataFrame({c: pd.Series(dtype=STRING_DTYPE) for c in QUARANTINE_COLUMNS})
    frame["source_line"] = frame["source_line"].astype("Int64")
    return frame


def quarantine_frame(rows: pd.DataFrame, problem: str, reason: object) -> pd.DataFrame:
    """Quarantine rows of a raw frame with one problem kind and a reason (text or Series)."""
    out = pd.DataFrame(index=rows.index)
    out["source_file"] = rows["source_file"].astype(STRING_DTYPE)
    out["source_line"] = rows["source_line"].astype("Int64")
    out["problem"] = pd.Series(problem, index=rows.index, dtype=STRING_DTYPE)
    out["reason"] = pd.Series(reason, index=rows.index, dtype=STRING_DTYPE)
    for column in COLUMNS:
        values = rows[column] if column in rows else pd.Series(pd.NA, index=rows.index)
        if column == "timestamp" and values.dtype.kind == "M":
            values = values.dt.strftime("%Y-%m-%dT%H:%M:%S") if values.dt.tz is None else \
                values.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        out[column] = values.astype(STRING_DTYPE)
    return out.reset_index(drop=True)


def quarantine_records(file: str, records: list[dict]) -> pd.DataFrame:
    """Quarantine frame from a list of dicts (``source_line``, ``problem``, ``reason``, columns)."""
    if not records:
        return empty_quarantine()
    lines = [r.get("source_line", 0) for r in records]
    data = {c: [r.get(c) for r in records] for c in COLUMNS}
    rows = raw_frame(data, file, lines)
    problems = pd.Series([r["problem"] for r in records], dtype=STRING_DTYPE)
    out = quarantine_frame(rows, "", "")
    out["problem"] = problems
    out["reason"] = pd.Series([r["reason"] for r in records], dtype=STRING_DTYPE)
    return out


def events_from_records(file: str, records: list[dict]) -> pd.DataFrame:
    """Raw event frame from a list of dicts holding canonical columns and ``source_line``."""
    lines = [r["source_line"] for r in records]
    data = {c: [r.get(c) for r in records] for c in COLUMNS}
    return raw_frame(data, file, lines)


def read_bytes(path: Path) -> bytes:
    """The whole input, gunzipped if it is gzip (recognised by content, not name)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise HospitaltwinError(f"{path}: is a directory, not an event-log file") from None
    except FileNotFoundError:
        raise HospitaltwinError(f"{path}: file not found") from None
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise HospitaltwinError(f"{path}: damaged gzip file ({exc})") from None
    return data


def decode(data: bytes, path: Path, notes: list[str]) -> str:
    """UTF-8 text of ``data``; undecodable bytes are replaced and counted in ``notes``."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        notes.append(f"{path}: {text.count(chr(0xFFFD))} byte(s) not valid UTF-8 were replaced")
        return text


def line_starts(data: bytes) -> np.ndarray:
    """Byte offset at which each physical line starts (line 1 at index 0).

    Lines end in LF, CRLF or a lone CR (as CSV parsers read them).
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = arr == 10
    if 13 in arr:
        lone_cr = arr == 13
        lone_cr[:-1] &= arr[1:] != 10
        ends |= lone_cr
    return np.concatenate(([0], np.flatnonzero(ends) + 1))


#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for CSV output in which text cells that start like a formula begin with ``'``."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype.kind in "biufcmM":
            continue
        text = values.astype(STRING_DTYPE)
        risky = text.str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            out[column] = text.mask(risky, "'" + text)
    return out

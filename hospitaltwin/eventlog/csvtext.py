"""CSV tables as text columns, every row with its physical line, bad lines set aside.

The canonical reader and the MIMIC-IV reader both read CSV through :func:`read_csv_text`.
pyarrow's multithreaded reader parses every column as text; nothing on the common path loops
over rows in Python, so a million rows take about as long as ``pandas.read_csv``. One record
is one physical line (lines end in LF, CRLF or CR; blank lines are skipped, but still count
in line numbers, which are those an editor shows):

- a row with the wrong number of fields is set aside with its line (the parse is re-run
  single-threaded in that rare case, because only then does pyarrow number bad rows);
- a quoted field must end on its line. A quote left open would make the parser read on into
  the following lines and swallow them into one row, so when the rows parsed do not match the
  lines, every line that ends inside quotes is set aside (*unbalanced quote*) and the rest is
  parsed again, each line on its own; a quoted field spanning lines is thus set aside too,
  and later line numbers stay right;
- a header naming one column twice is refused.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.records import decode, line_starts


@dataclass
class CsvText:
    """Columns of text (pyarrow table), the line of each row, and the lines set aside."""

    names: list[str]
    table: pa.Table
    lines: np.ndarray
    bad: list[tuple[int, str]] = field(default_factory=list)


def header(path: Path, data: bytes, notes: list[str]) -> list[str]:
    """Column names of the first line; refuse a name given twice."""
    breaks = line_starts(data[: 1 << 20])
    first = data[: breaks[1] if len(breaks) > 1 else len(data)]
    text = decode(first, path, notes).strip("\r\n")
    try:
        names = next(csv.reader([text]), [])
    except csv.Error:
        names = []
    names = [n.strip() for n in names]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            shown = name if len(name) <= 40 and name.isprintable() else "(unprintable)"
            raise HospitaltwinError(f"{path}: line 1: the header names column {shown!r} more "
                                    "than once; rename or remove one of them")
        seen.add(name)
    return names


def as_utf8(path: Path, data: bytes, notes: list[str]) -> bytes:
    """``data`` if it is valid UTF-8, else re-encoded with bad bytes replaced (and noted)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return decode(data, path, notes).encode("utf-8")
    return data


def read_csv_text(path: Path, data: bytes, names: list[str],
                  wanted: Callable[[list[str]], list[str]]) -> CsvText:
    """Parse ``data`` (UTF-8 CSV whose header is ``names``), keeping the ``wanted`` columns.

    Raises
    ------
    HospitaltwinError
        When the file cannot be parsed as CSV even line by line.
    """
    columns = wanted(names)
    table, bad = _parse(path, data, names, columns)
    lines = _record_lines(data)
    if table.num_rows + len(bad) != len(lines) - 1 or _last_line_open(data, lines):
        data, open_lines = _without_open_quotes(data)
        table, bad = _parse(path, data, names, columns)
        lines = _record_lines(data)
        if table.num_rows + len(bad) != len(lines) - 1:
            raise HospitaltwinError(f"{path}: cannot be parsed as CSV, even line by line")
    else:
        open_lines = []
    bad_records = {number for number, _ in bad}
    keep = np.ones(len(lines), dtype=bool)
    keep[0] = False
    keep[[n - 1 for n in bad_records if 0 < n <= len(lines)]] = False
    good_lines = lines[keep][: table.num_rows]
    reasons = [(int(lines[n - 1]) if 0 < n <= len(lines) else 0,
                f"{actual} field(s) where the header has {len(names)}") for n, actual in bad]
    quote = "unbalanced quote: a quoted field must end on its line"
    return CsvText(names, table, good_lines, sorted(reasons + [(n, quote) for n in open_lines]))


def _parse(path: Path, data: bytes, names: list[str], columns: list[str]):
    table, bad = _parse_once(path, data, names, columns, threads=True)
    if bad:
        table, bad = _parse_once(path, data, names, columns, threads=False)
    return table, bad


def _parse_once(path: Path, data: bytes, names: list[str], columns: list[str], threads: bool):
    bad: list = []

    def handler(row) -> str:
        bad.append((row.number, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=threads, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in columns}, strings_can_be_null=False,
                include_columns=columns),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError):
        # pyarrow's message may quote row content (identifiers): do not pass it on
        raise HospitaltwinError(f"{path}: cannot be parsed as CSV") from None
    return table, bad


def _record_lines(data: bytes) -> np.ndarray:
    """Physical line number of each non-blank line (record 1 is the header)."""
    starts = line_starts(data)
    ends = np.append(starts[1:] - 1, len(data))
    length = ends - starts
    arr = np.frombuffer(data + b"\n", dtype=np.uint8)
    blank = (length <= 0) | ((length == 1) & (arr[starts] == 13))
    return np.flatnonzero(~blank) + 1


def _last_line_open(data: bytes, lines: np.ndarray) -> bool:
    """Whether the last record line ends inside quotes (it would run on to the end of the
    file without changing the number of rows)."""
    if len(lines) < 2:
        return False
    starts = line_starts(data)
    begin = int(starts[lines[-1] - 1])
    end = int(starts[lines[-1]]) if lines[-1] < len(starts) else len(data)
    last = data[begin:end].rstrip(b"\r\n")
    return b'"' in last and _ends_in_quotes(last)


def _without_open_quotes(data: bytes) -> tuple[bytes, list[int]]:
    """``data`` with every line that ends inside quotes emptied, and those line numbers."""
    starts = line_starts(data)
    bounds = list(starts) + [len(data) + 1]
    pieces, emptied = [], []
    for number in range(1, len(starts) + 1):
        begin, end = int(bounds[number - 1]), int(bounds[number])
        line = data[begin:end]
        body = line.rstrip(b"\r\n")
        if b'"' in body and number > 1 and _ends_in_quotes(body):
            pieces.append(line[len(body):])
            emptied.append(number)
        else:
            pieces.append(line)
    return b"".join(pieces), emptied


def _ends_in_quotes(line: bytes) -> bool:
    """Whether a CSV line ends inside a quoted field (a quote opens only at a field's start)."""
    inside, at_start, i = False, True, 0
    while i < len(line):
        char = line[i:i + 1]
        if inside:
            if char == b'"':
                if line[i + 1:i + 2] == b'"':
                    i += 1
                else:
                    inside = False
        elif char == b'"' and at_start:
            inside = True
        at_start = not inside and char == b","
        i += 1
    return inside

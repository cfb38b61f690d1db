"""Ingest: read every input, pseudonymise, validate, and write the canonical log atomically.

:func:`ingest` is the whole stage as a function (the ``hospitaltwin ingest`` verb is a thin
wrapper). :func:`prepare` is its first half, shared with ``hospitaltwin sync``: each input is
read by the reader for its format (detected from content with ``auto``), identifiers are
pseudonymised and identifying free text masked straight away
(:class:`~hospitaltwin.eventlog.privacy.Masker`), and the rows of all inputs are checked one by
one (:func:`~hospitaltwin.eventlog.validate.check_rows`). :func:`ingest` then judges each
patient's rows together (:func:`~hospitaltwin.eventlog.validate.check_sequences`) and builds a
data-quality summary whose counts add up: read = accepted + quarantined + duplicates.
:func:`write_outputs` writes the events (Parquet, or CSV by extension) and the quarantine to
temporary files readable by their owner only, and renames them into place only when all are
complete, so a failed run leaves nothing half-written. In CSV output, text that a spreadsheet
would run as a formula is neutralised.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.canonical import PSEUDONYM_META
from hospitaltwin.eventlog.detect import FORMATS, detect_format
from hospitaltwin.eventlog.keys import check_value, matches, refuse_demo_key
from hospitaltwin.eventlog.mapping import UnitMap, load_unit_map
from hospitaltwin.eventlog.privacy import Masker
from hospitaltwin.eventlog.pseudonym import raw_identifiers
from hospitaltwin.eventlog.quality import summarise
from hospitaltwin.eventlog.records import ReadResult, empty_quarantine, neutralise, read_bytes
from hospitaltwin.eventlog.times import (
    LAST_STORABLE,
    check_ambiguous,
    check_timezone,
    latest_plausible,
)
from hospitaltwin.eventlog.validate import RowChecked, Validated, check_rows, check_sequences


@dataclass
class Prepared:
    """Inputs read, protected and row-checked: what ingest and sync share."""

    results: list[ReadResult]
    rows: RowChecked


@dataclass
class Ingested:
    """Accepted canonical events, the quarantine, and the data-quality summary."""

    events: pd.DataFrame
    quarantine: pd.DataFrame
    summary: dict
    key: bytes | None = field(default=None, repr=False)


def read_input(path: Path, fmt: str = "auto", units: UnitMap | None = None) -> list[ReadResult]:
    """Read one input with the reader of its format (a MIMIC directory gives several results)."""
    if fmt not in FORMATS:
        raise HospitaltwinError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not path.exists():
        raise HospitaltwinError(f"{path}: file not found")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "canonical":
        from hospitaltwin.eventlog.canonical import read_canonical
        return [read_canonical(path)]
    if fmt == "mimic":
        from hospitaltwin.eventlog.mimic import read_mimic
        return read_mimic(path)
    if fmt == "hl7":
        from hospitaltwin.eventlog.hl7v2 import read_hl7
        return [read_hl7(path)]
    if fmt == "fhir":
        from hospitaltwin.eventlog.fhir import read_fhir
        return [read_fhir(path)]
    from hospitaltwin.eventlog.xes import read_xes
    return [read_xes(path, units.activities if units else None)]


def prepare(inputs: Sequence[str | Path], key: bytes, fmt: str = "auto",
            unit_map: str | Path | UnitMap | None = None, tz: str = "UTC",
            ambiguous: str = "order") -> Prepared:
    """Read, protect and row-check event logs (the half of ingest that sync shares).

    Returns
    -------
    Prepared
        ``rows.events`` in input order; ``rows.quarantine`` holds the readers' quarantine
        and the rows failing a row check, identifying values masked, sorted by file and line.
    """
    tz, ambiguous = check_timezone(tz), check_ambiguous(ambiguous)
    paths = [Path(p) for p in inputs]
    units = unit_map if isinstance(unit_map, UnitMap) else load_unit_map(unit_map)
    results = [r for path in paths for r in read_input(path, fmt, units)]
    refuse_demo_key(key, ((str(p), read_bytes(p) if p.is_file() else b"") for p in paths))
    masker = Masker(key, input_identifiers(results))
    return Prepared(results, check_read(results, key, masker, units, tz, ambiguous))


def input_identifiers(results: Sequence[ReadResult]) -> set[str]:
    """The raw patient and encounter ids of readers' results (kept in memory only)."""
    return set().union(*(raw_identifiers(r.events) | raw_identifiers(r.quarantine)
                         for r in results if r.pseudonymised is None))


def check_read(results: Sequence[ReadResult], key: bytes, masker: Masker, units: UnitMap,
               tz: str = "UTC", ambiguous: str = "order") -> RowChecked:
    """Protect and row-check readers' results: the second half of :func:`prepare`, shared with
    the live MLLP feed (:mod:`hospitaltwin.store.feed`), which reads messages as they come.

    Returns
    -------
    RowChecked
        ``events`` in input order; ``quarantine`` holds the readers' quarantine and the rows
        failing a row check, identifying values masked, sorted by file and line.
    """
    raw = pd.concat([_protected(r.events, r, key, masker, units) for r in results],
                    ignore_index=True)
    early = [_protected(r.quarantine, r, key, masker, units) for r in results if len(r.quarantine)]
    rows = check_rows(raw, units, tz, ambiguous, _latest(results), masker.shown)
    parts = [q for q in early + [rows.quarantine] if len(q)] or [empty_quarantine()]
    rows.quarantine = masker.quarantine(pd.concat(parts, ignore_index=True)).sort_values(
        ["source_file", "source_line"], kind="stable", ignore_index=True)
    return rows


def _latest(results: list[ReadResult]) -> pd.Timestamp | pd.Series:
    """Latest plausible time (of each row): a day from now, unless the reader's dates are
    shifted on purpose or the rows were checked when written."""
    limits = [LAST_STORABLE if r.dates_shifted or r.checked_before else latest_plausible()
              for r in results]
    if len(set(limits)) <= 1:
        return limits[0] if limits else latest_plausible()
    parts = [np.full(len(r.events), limit.as_unit("us").asm8)
             for r, limit in zip(results, limits)]
    return pd.Series(np.concatenate(parts)).dt.tz_localize("UTC")


def ingest(inputs: Sequence[str | Path], key: bytes, fmt: str = "auto",
           unit_map: str | Path | UnitMap | None = None, tz: str = "UTC",
           ambiguous: str = "order") -> Ingested:
    """Read, pseudonymise and validate event logs.

    Parameters
    ----------
    inputs : sequence of path
        Event-log files (or a MIMIC-IV directory).
    key : bytes
        Pseudonymisation key (:func:`hospitaltwin.eventlog.keys.load_key`).
    fmt : str
        ``auto`` (detect from content) or one of ``canonical, mimic, hl7, fhir, xes``.
    unit_map : path or UnitMap, optional
        Unit mapping file; without one, unit names are kept as they are (masked where they
        look like identifiers).
    tz : str
        Zone of timestamps without an offset.
    ambiguous : str
        Naive times in the repeated autumn hour: ``order`` (by row order), ``earliest`` or
        ``latest`` (see :mod:`hospitaltwin.eventlog.times`).

    Returns
    -------
    Ingested
    """
    prepared = prepare(inputs, key, fmt, unit_map, tz, ambiguous)
    rows = prepared.rows
    events, held, out_of_order = check_sequences(rows.events)
    parts = [q for q in (rows.quarantine, held) if len(q)] or [empty_quarantine()]
    quarantine = pd.concat(parts, ignore_index=True).sort_values(
        ["source_file", "source_line"], kind="stable", ignore_index=True)
    validated = Validated(events, quarantine, rows.duplicates, out_of_order, rows.unmapped,
                          rows.ambiguous)
    summary = summarise(prepared.results, validated, ambiguous)
    totals = summary["totals"]
    if totals["read"] != totals["accepted"] + totals["quarantined"] + totals["duplicates"]:
        raise AssertionError(f"ingest counts do not add up: {totals}")
    return Ingested(events, quarantine, summary, key)


def _protected(frame: pd.DataFrame, result: ReadResult, key: bytes, masker: Masker,
               units: UnitMap) -> pd.DataFrame:
    """Protect a reader's frame, unless it is our own output made with the same key."""
    if result.pseudonymised is None:
        return masker.protect(frame, units)
    if not matches(key, result.pseudonymised):
        raise HospitaltwinError(f"{result.file}: already pseudonymised with another key; "
                                "ingest it with the key it was written with")
    return frame


def default_quarantine_path(out: Path) -> Path:
    """``events.parquet`` → ``events.quarantine.csv`` beside it."""
    return out.with_name(out.name.split(".")[0] + ".quarantine.csv")


def _write_table(frame: pd.DataFrame, path: Path, target: Path, key: bytes | None) -> None:
    if target.suffix.lower() == ".parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if key is not None:
            meta = dict(table.schema.metadata or {})
            meta[PSEUDONYM_META] = check_value(key).encode()
            table = table.replace_schema_metadata(meta)
        pq.write_table(table, path)
    else:
        neutralise(frame).to_csv(path, index=False)


def write_outputs(result: Ingested, out: Path, quarantine: Path | None = None,
                  report: Path | None = None) -> dict[str, Path]:
    """Write events, quarantine and (optionally) the summary JSON, all or nothing.

    The events file is not written when there are no accepted events (the quarantine and
    report say why). Files are readable by their owner only.

    Returns
    -------
    dict
        What was written where (``events``, ``quarantine``, ``report``).
    """
    quarantine = quarantine or default_quarantine_path(out)
    jobs = {"events": (out, lambda p: _write_table(result.events, p, out, result.key)),
            "quarantine": (quarantine,
                           lambda p: _write_table(result.quarantine, p, quarantine, result.key))}
    if result.events.empty:
        del jobs["events"]
    if report is not None:
        jobs["report"] = (report, lambda p: p.write_text(json.dumps(result.summary, indent=2)))
    temps = {}
    try:
        for name, (path, write) in jobs.items():
            if not path.parent.is_dir():
                raise HospitaltwinError(f"{path}: the folder {path.parent} does not exist")
            temps[name] = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            os.close(os.open(temps[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            write(temps[name])
            os.chmod(temps[name], 0o600)
        for name, (path, _) in jobs.items():
            os.replace(temps[name], path)
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
    return {name: path for name, (path, _) in jobs.items()}

"""Ingest: read every input, pseudonymise, validate, and write the canonical log atomically.

:func:`ingest` is the whole stage as a function (the ``hospitaltwin ingest`` verb is a thin
wrapper): each input is read by the reader for its format (detected from content with
``auto``), identifiers are pseudonymised straight away, all inputs are validated together (a
patient's events may be spread over files), and a data-quality summary is built whose counts
add up: read = accepted + quarantined + duplicates. :func:`write_outputs` writes the events
(Parquet, or CSV by extension) and the quarantine to temporary files and renames them into
place only when both are complete, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.canonical import PSEUDONYM_META
from hospitaltwin.eventlog.detect import FORMATS, detect_format
from hospitaltwin.eventlog.mapping import UnitMap, load_unit_map
from hospitaltwin.eventlog.pseudonym import (
    REDACTED,
    fingerprint,
    pseudonymise,
    raw_identifiers,
    redact,
)
from hospitaltwin.eventlog.quality import summarise
from hospitaltwin.eventlog.records import ReadResult, empty_quarantine
from hospitaltwin.eventlog.schema import check_timezone
from hospitaltwin.eventlog.validate import validate


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


def ingest(inputs: Sequence[str | Path], key: bytes, fmt: str = "auto",
           unit_map: str | Path | UnitMap | None = None, tz: str = "UTC") -> Ingested:
    """Read, pseudonymise and validate event logs.

    Parameters
    ----------
    inputs : sequence of path
        Event-log files (or a MIMIC-IV directory).
    key : bytes
        Pseudonymisation key (:func:`hospitaltwin.eventlog.pseudonym.load_key`).
    fmt : str
        ``auto`` (detect from content) or one of ``canonical, mimic, hl7, fhir, xes``.
    unit_map : path or UnitMap, optional
        Unit mapping file; without one, unit names are kept as they are.
    tz : str
        Zone of timestamps without an offset.

    Returns
    -------
    Ingested
    """
    tz = check_timezone(tz)
    units = unit_map if isinstance(unit_map, UnitMap) else load_unit_map(unit_map)
    results = [r for path in inputs for r in read_input(Path(path), fmt, units)]
    ids = set().union(*(raw_identifiers(r.events) | raw_identifiers(r.quarantine)
                        for r in results if r.pseudonymised is None))
    raw = pd.concat([_pseudonymised(r.events, r, key) for r in results], ignore_index=True)
    early = [_pseudonymised(r.quarantine, r, key) for r in results if len(r.quarantine)]
    validated = validate(raw, units, tz)
    parts = [q for q in early + [validated.quarantine] if len(q)] or [empty_quarantine()]
    validated.quarantine = redact(pd.concat(parts, ignore_index=True), ids).sort_values(
        ["source_file", "source_line"], kind="stable", ignore_index=True)
    validated.unmapped = {(REDACTED if name in ids else name): n
                          for name, n in validated.unmapped.items()}
    summary = summarise(results, validated)
    totals = summary["totals"]
    if totals["read"] != totals["accepted"] + totals["quarantined"] + totals["duplicates"]:
        raise AssertionError(f"ingest counts do not add up: {totals}")
    return Ingested(validated.events, validated.quarantine, summary, key)


def _pseudonymised(frame: pd.DataFrame, result: ReadResult, key: bytes) -> pd.DataFrame:
    """Pseudonymise a reader's frame, unless it is our own output made with the same key."""
    if result.pseudonymised is None:
        return pseudonymise(frame, key)
    if result.pseudonymised != fingerprint(key):
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
            meta[PSEUDONYM_META] = fingerprint(key).encode()
            table = table.replace_schema_metadata(meta)
        pq.write_table(table, path)
    else:
        frame.to_csv(path, index=False)


def write_outputs(result: Ingested, out: Path, quarantine: Path | None = None,
                  report: Path | None = None) -> dict[str, Path]:
    """Write events, quarantine and (optionally) the summary JSON, all or nothing.

    Returns
    -------
    dict
        What was written where (``events``, ``quarantine``, ``report``).
    """
    quarantine = quarantine or default_quarantine_path(out)
    jobs = {"events": (out, lambda p: _write_table(result.events, p, out, result.key)),
            "quarantine": (quarantine,
                           lambda p: _write_table(result.quarantine, p, quarantine, result.key))}
    if report is not None:
        jobs["report"] = (report, lambda p: p.write_text(json.dumps(result.summary, indent=2)))
    temps = {}
    try:
        for name, (path, write) in jobs.items():
            if not path.parent.is_dir():
                raise HospitaltwinError(f"{path}: the folder {path.parent} does not exist")
            temps[name] = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            write(temps[name])
        for name, (path, _) in jobs.items():
            os.replace(temps[name], path)
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
    return {name: path for name, (path, _) in jobs.items()}

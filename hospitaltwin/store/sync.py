"""Incremental, idempotent sync of event logs into the store.

:func:`sync_events` reads the inputs with the readers of ``hospitaltwin ingest`` (any format,
unit map, time zone, pseudonymisation) before touching the database. Then, in one write
transaction: rows already stored (same ``event_id``: given by the log, or the deterministic
hash ingest fills in) are counted as duplicates; the others are appended to ``events`` in input
order; rows that can never be used go to ``quarantine``; every patient with a new event is
re-judged from all their stored events (:mod:`hospitaltwin.store.resolve`); and a row is
added to ``sync_log``. Ingest judges sequence rules within the new inputs only, which would
wrongly set aside (say) a discharge whose admission came in an earlier sync; such rows are
therefore taken back from ingest's quarantine and judged again with the patient's history.
A sync that fails or is killed at any point commits nothing, so running it again is safe.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.ingest import Prepared, prepare
from hospitaltwin.eventlog.keys import check_value, matches
from hospitaltwin.eventlog.quality import no_events_message
from hospitaltwin.eventlog.schema import COLUMNS, PROVENANCE
from hospitaltwin.store.connect import get_meta, set_meta, writing
from hospitaltwin.store.resolve import (
    cancelled_ids,
    chunks,
    derive,
    load_events,
    replace_derived,
    rows_of,
)
from hospitaltwin.store.schema import QUARANTINE_TEXT, events, quarantine, rejects, sync_log
from hospitaltwin.store.sync_report import SyncReport, checksums

STORED = list(COLUMNS + PROVENANCE)
#: ``meta`` key of the store's check value of its pseudonymisation key.
KEY_CHECK = "pseudonym_check"


def now() -> datetime:
    """The current time, naive UTC (as stored)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def stored_ids(conn: sa.Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are already stored."""
    found: set[str] = set()
    for chunk in chunks(list(ids), 5000 if conn.dialect.name == "postgresql" else 900):
        found.update(conn.execute(sa.select(events.c.event_id).where(
            events.c.event_id.in_(chunk))).scalars())
    return found


def row_key(row: dict) -> str:
    """A stable key of a quarantined row: file name, line, problem and content."""
    parts = [os.path.basename(str(row.get("source_file") or "")), str(row.get("source_line")),
             str(row.get("problem"))] + [str(row.get(c)) for c in QUARANTINE_TEXT]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def store_quarantine(conn: sa.Connection, rows: pd.DataFrame, sync_id: int) -> None:
    """Append quarantined rows not stored before (keyed by :func:`row_key`)."""
    if rows.empty:
        return
    columns = ["source_file", "source_line", "problem", "reason", *QUARANTINE_TEXT]
    records = rows_of(rows, columns)
    for record in records:
        record["row_key"], record["sync_id"] = row_key(record), sync_id
    keys = [r["row_key"] for r in records]
    known: set[str] = set()
    for chunk in chunks(keys):
        known.update(conn.execute(sa.select(quarantine.c.row_key).where(
            quarantine.c.row_key.in_(chunk))).scalars())
    fresh = list({r["row_key"]: r for r in records if r["row_key"] not in known}.values())
    if fresh:
        conn.execute(quarantine.insert(), fresh)


def check_key(conn: sa.Connection, key: bytes) -> None:
    """The store keeps one pseudonymisation key: refuse another one.

    The store holds a check value of its key (:func:`hospitaltwin.eventlog.keys.check_value`,
    slow to test guesses against), written at its first sync.
    """
    stored = get_meta(conn, KEY_CHECK)
    if stored is None:
        set_meta(conn, KEY_CHECK, check_value(key))
    elif not matches(key, stored):
        raise HospitaltwinError(
            "this store holds events pseudonymised with another key; sync with the key the "
            "store was started with, or into a new store")


def held_count(conn: sa.Connection) -> int:
    """Stored events currently set aside by a sequence rule (not by a cancel)."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(rejects).where(
        rejects.c.problem.not_in(("cancelled", "cancel_applied")))).scalar())


def sync_events(engine: sa.Engine, paths: Sequence[str | Path], key: bytes, fmt: str = "auto",
                unit_map=None, tz: str = "UTC", ambiguous: str = "order") -> SyncReport:
    """Read ``paths`` and add what is new to the store (see the module doc).

    Raises
    ------
    HospitaltwinError
        When the inputs hold no usable event (nothing is written then), or the store holds
        another key's pseudonyms.

    Returns
    -------
    SyncReport
    """
    started = now()
    paths = [Path(p) for p in paths]
    if not paths:
        raise HospitaltwinError("no inputs to sync")
    prepared = prepare(paths, key, fmt=fmt, unit_map=unit_map, tz=tz, ambiguous=ambiguous)
    totals = read_totals(prepared)
    refusal = no_events_message(totals, [str(p) for p in paths])
    if refusal:
        raise HospitaltwinError(refusal + "; run `hospitaltwin ingest` on them to see why")
    sources, checksum = checksums(paths)
    rows, bad = prepared.rows.events, prepared.rows.quarantine
    with writing(engine) as conn:
        check_key(conn, key)
        sync_id = conn.execute(sync_log.insert().values(
            kind="events", started=started, finished=started, sources=json.dumps(sources),
            checksum=checksum, format=fmt, read=0, new=0, duplicates=0, quarantined=0,
            cancelled=0, held=0)).inserted_primary_key[0]
        had_events = conn.execute(sa.select(events.c.seq).limit(1)).first() is not None
        known = stored_ids(conn, rows["event_id"].tolist()) if had_events else set()
        new = rows[~rows["event_id"].isin(known)].reset_index(drop=True)
        insert_events(conn, new, sync_id)
        store_quarantine(conn, bad, sync_id)
        patients = sorted(new["patient_id"].unique())
        returning = stored_patients(conn, patients) if had_events else set()
        before = cancelled_ids(conn, returning)
        derived = judged(conn, new, returning)
        replace_derived(conn, patients, derived, empty_before=not had_events)
        cancelled = set(derived["rejects"].loc[derived["rejects"]["problem"] == "cancelled",
                                               "event_id"]) - before
        report = SyncReport(
            sync_id=int(sync_id), kind="events", sources=sources, read=totals["read"],
            new=len(new), duplicates=totals["duplicates"] + len(rows) - len(new),
            quarantined=len(bad), cancelled=len(cancelled), held=held_count(conn),
            patients=len(patients), skipped=totals["skipped"],
            problems={str(k): int(v) for k, v in bad["problem"].value_counts().items()},
            unmapped=dict(prepared.rows.unmapped), ambiguous=prepared.rows.ambiguous,
            notes=tuple(note for r in prepared.results for note in r.notes))
        log_finish(conn, report)
    return report


def read_totals(prepared: Prepared) -> dict[str, int]:
    """Counts of a prepared input: read, rows passing the row checks, quarantined, duplicates,
    skipped (read = accepted + quarantined + duplicates)."""
    rows = prepared.rows
    totals = {"read": sum(r.read for r in prepared.results), "accepted": len(rows.events),
              "quarantined": len(rows.quarantine), "duplicates": len(rows.duplicates),
              "skipped": sum(sum(r.skipped.values()) for r in prepared.results)}
    if totals["read"] != totals["accepted"] + totals["quarantined"] + totals["duplicates"]:
        raise AssertionError(f"sync counts do not add up: {totals}")
    return totals


def stored_patients(conn: sa.Connection, patients: Sequence[str]) -> set[str]:
    """Which of ``patients`` had events stored before this sync."""
    found: set[str] = set()
    for chunk in chunks(list(patients)):
        found.update(conn.execute(sa.select(events.c.patient_id).distinct().where(
            events.c.patient_id.in_(chunk))).scalars())
    return found


def judged(conn: sa.Connection, new: pd.DataFrame, returning: set[str]) -> dict:
    """Derived rows of every patient with a new event, judged from all their stored events.

    A patient new to the store has all their events in this sync (in the order the store
    keeps them: input order); a returning one has their stored history first.
    """
    fresh = new[~new["patient_id"].isin(returning)]
    parts = [derive(fresh)]
    if returning:
        again = new[new["patient_id"].isin(returning)]
        history = pd.concat([load_events(conn, sorted(returning)), again], ignore_index=True)
        parts.append(derive(history.drop_duplicates("event_id", keep="first")))
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}


def insert_events(conn: sa.Connection, new: pd.DataFrame, sync_id: int) -> None:
    """Append new events in input order (their ``seq`` is their arrival order)."""
    if new.empty:
        return
    records = rows_of(new, STORED)
    for record in records:
        record["sync_id"] = sync_id
    conn.execute(events.insert(), records)


def log_finish(conn: sa.Connection, report: SyncReport) -> None:
    """Fill in the sync-log row with the counts and the finish time."""
    conn.execute(sync_log.update().where(sync_log.c.id == report.sync_id).values(
        finished=now(), read=report.read, new=report.new, duplicates=report.duplicates,
        quarantined=report.quarantined, cancelled=report.cancelled, held=report.held))

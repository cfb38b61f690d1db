"""Storing HL7 v2 messages as they arrive (the MLLP feed), a batch per transaction.

:class:`Feed` takes a batch of messages, each the text of one MLLP block, and stores it in one
write transaction, in which it also records every message's control id (a keyed hash of
MSH-10) and the acknowledgement it gets. Only after the commit does the caller send the ACKs,
so no message is acknowledged before it is stored. A message whose control id is already
recorded is not read again: it gets the acknowledgement it got the first time (``AA`` for an
accepted one), so a sender that resends after a lost ACK stores nothing twice.

The messages are read by the HL7 reader of ``hospitaltwin ingest``
(:class:`~hospitaltwin.eventlog.hl7v2.AdtReader`), then pseudonymised, masked and checked by
the same functions as ``sync``: the masker of :mod:`hospitaltwin.eventlog.privacy` (one
record at a time on the quick path, :mod:`.feedrows`; through
:func:`~hospitaltwin.eventlog.ingest.check_read`, as ``sync`` does, for a batch with any
record needing the full checks), and stored as ``sync`` stores a file of the same messages.
What a file gives that single messages do not, each patient's last location and the ids seen
so far, the feed keeps across batches and restarts (:mod:`.feedmemory`), so the store ends as
a ``sync`` of all the messages in one file, in arrival order, would leave it.

A message becomes ``AA`` when it is stored, skipped as no flow event, or a duplicate; ``AE``
when it was read but cannot be used (it is kept in the quarantine table with the reason);
``AR`` when it is not an HL7 message at all (kept in quarantine as an unreadable record).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hospitaltwin.eventlog.hl7v2 import AdtReader, fast_fields, library_fields, split_records
from hospitaltwin.eventlog.ingest import check_read
from hospitaltwin.eventlog.mapping import UnitMap
from hospitaltwin.eventlog.privacy import Masker
from hospitaltwin.eventlog.pseudonym import ID_COLUMNS, PSEUDONYM_COLUMNS, pseudonym
from hospitaltwin.eventlog.records import ReadResult, events_from_records, quarantine_records
from hospitaltwin.eventlog.times import check_timezone
from hospitaltwin.store.connect import get_meta, writing
from hospitaltwin.store.feedmemory import FeedMemory
from hospitaltwin.store.feedrows import clean_rows
from hospitaltwin.store.pending import mark_start
from hospitaltwin.store.resolve import chunks
from hospitaltwin.store.schema import events, sync_log
from hospitaltwin.store.service_tables import mllp_messages
from hospitaltwin.store.sync import (
    KEY_CHECK,
    check_key,
    held_count,
    insert_events,
    log_finish,
    now,
    store_quarantine,
    stored_ids,
)
from hospitaltwin.store.sync_report import SyncReport

SOURCE = "mllp"
NOT_HL7 = "not an HL7 v2 message (one MLLP block must hold one message starting with MSH)"


@dataclass(frozen=True)
class Verdict:
    """The acknowledgement of one message: ``code`` AA, AE or AR, and why (AE/AR)."""

    code: str
    reason: str | None = None


@dataclass
class _Message:
    """One received block while its batch is being stored."""

    text: str
    number: int = 0
    control_id: str = ""
    patient: str = ""
    segments: list[str] | None = None
    verdict: Verdict | None = None


def control_key(key: bytes, control_id: str) -> str | None:
    """The keyed hash a control id is remembered by (None for an empty id)."""
    if not control_id:
        return None
    return hmac.new(key, b"mllp-control\x00" + control_id.encode(), hashlib.sha256).hexdigest()[:32]


def split_block(text: str) -> tuple[list[str] | None, dict[str, str] | None]:
    """The segments and reader fields of one block; ``(None, None)`` when it is not HL7."""
    messages, others = split_records(text)
    if len(messages) != 1 or others:
        return None, None
    segments = messages[0][1]
    try:
        return segments, fast_fields(segments) or library_fields(segments)
    except Exception:  # noqa: BLE001  (python-hl7 raises many types on broken input)
        return segments, None


class Feed:
    """Stores batches of HL7 messages in a store (see the module doc).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The store's engine (``Store.engine``).
    key : bytes
        The pseudonymisation key (the store's).
    unit_map : UnitMap, optional
        Unit mapping, as ``sync --map``.
    tz : str
        Zone of timestamps without an offset, as ``sync --timezone``.
    """

    def __init__(self, engine: sa.Engine, key: bytes, unit_map: UnitMap | None = None,
                 tz: str = "UTC"):
        self.engine, self.key = engine, key
        self.units, self.tz = unit_map or UnitMap(), check_timezone(tz)
        self.memory: FeedMemory | None = None
        self.key_check: str | None = None

    def store(self, blocks: Sequence[str]) -> list[Verdict]:
        """Store a batch of messages in one transaction; their verdicts, in order.

        Raises
        ------
        HospitaltwinError
            When the store cannot be written (nothing of the batch is kept then).
        """
        messages = [_Message(text) for text in blocks]
        for m in messages:
            m.segments, values = split_block(m.text)
            if values is not None:
                m.control_id, m.patient = values["control_id"], values["patient"]
        with writing(self.engine) as conn:
            if self.memory is None:
                self.memory = FeedMemory.load(conn, self.key)
            fresh = self._known(conn, messages)
            changes = self._store_fresh(conn, fresh) if fresh else ({}, set())
        self.memory.commit(*changes)
        return [m.verdict for m in messages]

    def _known(self, conn: sa.Connection, messages: list[_Message]) -> list[_Message]:
        """Give resent messages their first verdict; return the others, numbered."""
        keys = {control_key(self.key, m.control_id) for m in messages} - {None}
        seen = {}
        for chunk in chunks(sorted(keys)):
            seen.update({k: Verdict(a, r) for k, a, r in conn.execute(sa.select(
                mllp_messages.c.control_key, mllp_messages.c.ack, mllp_messages.c.reason).where(
                mllp_messages.c.control_key.in_(chunk))).all()})
        last = conn.execute(sa.select(sa.func.max(mllp_messages.c.number))).scalar() or 0
        fresh, first_of = [], {}
        for m in messages:
            ck = control_key(self.key, m.control_id)
            if ck in seen:
                m.verdict = seen[ck]
            elif ck is not None and ck in first_of:
                m.verdict = first_of[ck]  # twice in one batch: judged once, below
            else:
                last += 1
                m.number = last
                fresh.append(m)
                if ck is not None:
                    first_of[ck] = m
        return fresh

    def _store_fresh(self, conn: sa.Connection, fresh: list[_Message]):
        """Read and store new messages, record their control ids; the locations the batch
        changed and the pseudonyms of its ids (for :meth:`FeedMemory.commit`)."""
        pseudonyms = self._pseudonyms(fresh)
        before = {raw: self.memory.locations.get(p) for raw, p in pseudonyms.items()}
        reader = AdtReader({raw: unit for raw, unit in before.items() if unit is not None})
        for m in fresh:
            if m.segments is None:
                reader.unreadable(m.number, NOT_HL7)
            else:
                reader.read(m.number, m.segments)
        raw_ids = {v.strip() for r in reader.events for c in ID_COLUMNS
                   if isinstance(v := r.get(c), str) and v.strip()}
        masker = Masker(self.key, self.memory.seen(raw_ids))
        sync_id, problems = self._insert(conn, reader, masker, fresh)
        self._judge(fresh, problems)
        self._record(conn, fresh, sync_id)
        moved = {pseudonyms[raw]: reader.locations.get(raw) for raw in pseudonyms
                 if reader.locations.get(raw) != before[raw]}
        self.memory.save(conn, moved)
        return moved, {pseudonym(self.key, domain, v) for v in raw_ids
                       for domain in ID_COLUMNS.values()}

    def _insert(self, conn: sa.Connection, reader: AdtReader, masker: Masker,
                fresh: list[_Message]):
        """Check the rows and store them as ``sync`` does; the sync id and the problem of
        each message quarantined for good (the sequence rules are judged by :mod:`.pending`)."""
        clean = None if reader.bad else clean_rows(reader.events, masker, self.units,
                                                   self.tz, SOURCE)
        self._check_key(conn)
        mark_start(conn)
        digest = hashlib.sha256("\x1c".join(m.text for m in fresh).encode()).hexdigest()
        sources = ({"file": SOURCE, "messages": len(fresh), "sha256": digest},)
        started = now()
        sync_id = int(conn.execute(sync_log.insert().values(
            kind="events", started=started, finished=started, sources=json.dumps(sources),
            checksum=digest, format="hl7", read=0, new=0, duplicates=0, quarantined=0,
            cancelled=0, held=0)).inserted_primary_key[0])
        if clean is not None:
            rows, duplicates = clean
            known = stored_ids(conn, [r["event_id"] for r in rows])
            new = [dict(r, sync_id=sync_id) for r in rows if r["event_id"] not in known]
            if new:
                conn.execute(events.insert(), new)
            problems, stored = {}, len(new)
            duplicates += len(rows) - len(new)
        else:
            problems, stored, duplicates = self._checked_insert(conn, reader, masker, sync_id)
        log_finish(conn, SyncReport(
            sync_id=sync_id, kind="events", sources=sources, new=stored,
            read=len(reader.events) + len(reader.bad),
            duplicates=duplicates, quarantined=len(problems), held=held_count(conn)))
        return sync_id, problems

    def _check_key(self, conn: sa.Connection) -> None:
        """The store's key is this key: checked in full once (a slow KDF), then by its check
        value staying the one checked."""
        stored = get_meta(conn, KEY_CHECK)
        if stored is None or stored != self.key_check:
            check_key(conn, self.key)
            self.key_check = get_meta(conn, KEY_CHECK)

    def _checked_insert(self, conn: sa.Connection, reader: AdtReader, masker: Masker,
                        sync_id: int):
        """The checks of ``sync`` (frames), for a batch with any record needing them."""
        read = ReadResult(SOURCE, events_from_records(SOURCE, reader.events),
                          quarantine_records(SOURCE, reader.bad), skipped=reader.skipped)
        checked = check_read([read], self.key, masker, self.units, self.tz)
        rows, bad = checked.events, checked.quarantine
        known = stored_ids(conn, rows["event_id"].tolist())
        new = rows[~rows["event_id"].isin(known)].reset_index(drop=True)
        insert_events(conn, new, sync_id)
        store_quarantine(conn, bad, sync_id)
        problems = {int(line): (str(problem), str(reason)) for line, problem, reason in
                    zip(bad["source_line"], bad["problem"], bad["reason"])}
        return problems, len(new), len(checked.duplicates) + len(rows) - len(new)

    def _pseudonyms(self, fresh: list[_Message]) -> dict[str, str]:
        """Raw patient id -> pseudonym, for the batch (as ingest makes them)."""
        domain = PSEUDONYM_COLUMNS["patient_id"]
        return {m.patient: pseudonym(self.key, domain, m.patient.strip())
                for m in fresh if m.patient.strip()}

    @staticmethod
    def _judge(fresh: list[_Message], problems: dict[int, tuple[str, str]]) -> None:
        """AA, or AE/AR for the messages whose row is in the quarantine for good."""
        for m in fresh:
            problem, reason = problems.get(m.number, (None, None))
            if problem is None:
                m.verdict = Verdict("AA")
            else:
                m.verdict = Verdict("AR" if problem == "unreadable_record" else "AE", reason)

    def _record(self, conn: sa.Connection, fresh: list[_Message], sync_id: int) -> None:
        received = now()
        conn.execute(mllp_messages.insert(), [
            {"number": m.number, "control_key": control_key(self.key, m.control_id),
             "received": received, "ack": m.verdict.code, "reason": m.verdict.reason,
             "sync_id": sync_id} for m in fresh])

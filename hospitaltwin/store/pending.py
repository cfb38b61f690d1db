"""Judging the events a live feed stored, a moment after their acknowledgement.

The MLLP feed (:mod:`.feed`) commits each batch of messages as soon as the row checks have
passed, so that it can acknowledge them quickly; the derived tables (``rejects``, ``stays``,
``episodes``) of the patients concerned are brought up to date afterwards by
:func:`resolve_pending`, with the same function ``sync`` uses for a returning patient (every
stored event of the patient judged again, :func:`~hospitaltwin.store.resolve.derive`). Since
the outcome depends only on the stored events, the store then equals a ``sync`` of the same
messages from one file. What is still to be judged is kept in the store itself: the ``meta``
value ``resolved_seq`` is the last event sequence number whose patient has been judged, so
a service killed between the two steps catches up when it starts again. Judging reads in its
own transaction and holds the write lock only to replace the derived rows, a few hundred
patients per transaction (``resolved_seq`` moves with the last one), so it never holds up the
feed for long.
"""

from __future__ import annotations

import sqlalchemy as sa

from hospitaltwin.store.connect import get_meta, set_meta, writing
from hospitaltwin.store.resolve import chunks, derive, load_events, replace_derived
from hospitaltwin.store.schema import events

RESOLVED = "resolved_seq"
WRITE_CHUNK = 250


def _last_seq(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0)


def mark_start(conn: sa.Connection) -> None:
    """Before a feed first stores: everything stored so far was judged by ``sync``."""
    if get_meta(conn, RESOLVED) is None:
        set_meta(conn, RESOLVED, str(_last_seq(conn)))


def pending(conn: sa.Connection) -> int:
    """Stored events whose patient has not been judged since (0 without a feed)."""
    done = get_meta(conn, RESOLVED)
    if done is None:
        return 0
    return int(conn.execute(sa.select(sa.func.count()).select_from(events).where(
        events.c.seq > int(done))).scalar())


def resolve_pending(engine: sa.Engine) -> int:
    """Judge again every patient with an event stored after ``resolved_seq``.

    Returns
    -------
    int
        How many patients were judged (0 when nothing was pending).
    """
    with engine.connect() as conn:
        done = get_meta(conn, RESOLVED)
        if done is None:
            return 0
        last = _last_seq(conn)
        if last <= int(done):
            return 0
        patients = sorted(conn.execute(sa.select(events.c.patient_id).distinct().where(
            events.c.seq > int(done), events.c.seq <= last)).scalars())
        derived = derive(load_events(conn, patients))
    parts = list(chunks(patients, WRITE_CHUNK))
    for i, part in enumerate(parts):
        with writing(engine) as conn:
            replace_derived(conn, part, _of(derived, set(part)))
            if i == len(parts) - 1:
                set_meta(conn, RESOLVED, str(last))
    return len(patients)


def _of(derived: dict, patients: set[str]) -> dict:
    """The derived rows of some of the patients."""
    return {name: frame[frame["patient_id"].isin(patients)] for name, frame in derived.items()}

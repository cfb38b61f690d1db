"""As-of queries: who was in which bed at a time, census over time, arrivals from outside.

All read the derived ``stays`` and ``episodes`` tables (:mod:`hospitaltwin.store.resolve`),
so they see the corrected history: cancels apply back to the event they withdraw, and late
events are where their timestamps put them. A patient is in a unit at time ``t`` when their
stay there started at or before ``t`` and ended after it (or has not ended); the same rule
holds for a device in use. A query reads only the rows overlapping its time (indexed on
``start`` and ``end``), never the whole history. The first and last event times count only
events in force (not held by a sequence rule, not cancelled).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import DeviceInUse, PatientState, SystemState
from hospitaltwin.store.schema import counts, episodes, events, rejects, stays, sync_log
from hospitaltwin.store.times import column_from_db, from_db, to_db, utc

NO_EVENTS = "the store has no events yet; run `hospitaltwin sync INPUT… --store URL` first"


def _in_force():
    """Events not set aside (held or cancelled)."""
    return ~sa.exists().where(rejects.c.event_id == events.c.event_id)


def event_time(conn: sa.Connection, last: bool) -> datetime | None:
    """The first (or last) time of an event in force, tz-aware UTC; None when there is none."""
    order = events.c.timestamp.desc() if last else events.c.timestamp.asc()
    query = sa.select(events.c.timestamp).where(_in_force()).order_by(order).limit(1)
    return from_db(conn.execute(query).scalar())


def _open_at(table: sa.Table, at: datetime):
    """Rows of ``table`` running at ``at``: started at or before it, not ended by it."""
    stamp = to_db(at)
    return sa.and_(table.c.start <= stamp, sa.or_(table.c.end > stamp, table.c.end.is_(None)))


def resolve_at(conn: sa.Connection, at: object | None) -> tuple[datetime, datetime, datetime]:
    """``(at, first, last)``: ``at`` defaults to the last event; before the first is an error."""
    first, last = event_time(conn, last=False), event_time(conn, last=True)
    if last is None:
        raise HospitaltwinError(NO_EVENTS)
    at = last if at is None else utc(at, "--at")
    if at < first:
        raise HospitaltwinError(f"--at {at.isoformat()} is before the first event in the store "
                                f"({first.isoformat()}); give a time from then on")
    return at, first, last


def state_at(conn: sa.Connection, at: object | None = None) -> SystemState:
    """The :class:`SystemState` at ``at`` (default: the last event in force).

    Raises
    ------
    HospitaltwinError
        When the store has no events, or ``at`` is before the first one.
    """
    at, first, last = resolve_at(conn, at)
    in_beds = conn.execute(sa.select(stays.c.patient_id, stays.c.unit, stays.c.start)
                           .where(_open_at(stays, at))).all()
    running = conn.execute(sa.select(episodes.c.patient_id, episodes.c.equipment, episodes.c.start)
                           .where(_open_at(episodes, at))).all()
    devices: dict[str, list[DeviceInUse]] = {}
    for patient, kind, start in running:
        devices.setdefault(patient, []).append(DeviceInUse(kind, _hours(at, start)))
    patients = tuple(sorted(
        (PatientState(p, unit, _hours(at, start), tuple(sorted(devices.get(p, []), key=_kind)))
         for p, unit, start in in_beds), key=lambda s: (s.unit, s.patient_id)))
    placed = {p.patient_id for p in patients}
    notes = {"source": "events", "first_event": first.isoformat(), "last_event": last.isoformat(),
             "events": _events_until(conn, at),
             "devices_outside_beds": sum(len(v) for k, v in devices.items() if k not in placed)}
    if at > last:
        notes["after_last_event_h"] = _hours(at, to_db(last))
    return SystemState(as_of=at, patients=patients, notes=notes)


def _kind(device: DeviceInUse) -> str:
    return device.kind


def _hours(at: datetime, start: datetime) -> float:
    return (to_db(at) - start) / timedelta(hours=1)


def _events_until(conn: sa.Connection, at: datetime) -> int:
    """Events in force up to ``at``: all stored ones (an index count) less the few set aside."""
    stamp = to_db(at)
    stored = sa.select(sa.func.count()).select_from(events).where(events.c.timestamp <= stamp)
    aside = sa.select(sa.func.count()).select_from(rejects).where(sa.exists().where(
        events.c.event_id == rejects.c.event_id, events.c.timestamp <= stamp))
    return int(conn.execute(stored).scalar()) - int(conn.execute(aside).scalar())


def time_grid(start: object, end: object, step_h: float) -> np.ndarray:
    """Instants from ``start`` to ``end`` inclusive every ``step_h`` hours (``datetime64[ns]``, UTC)."""
    start, end = utc(start, "start"), utc(end, "end")
    if not step_h > 0:
        raise HospitaltwinError(f"step_h must be positive (got {step_h})")
    if end < start:
        raise HospitaltwinError(f"end {end.isoformat()} is before start {start.isoformat()}")
    step = np.int64(round(step_h * 3_600e9))
    count = int((to_db(end) - to_db(start)) / timedelta(microseconds=1) * 1000 // step) + 1
    return np.datetime64(to_db(start), "ns") + np.arange(count, dtype=np.int64) * step


def _levels(rows: list, names: list[str], grid: np.ndarray) -> dict[str, np.ndarray]:
    """Per name, how many of the ``(name, start, end)`` intervals cover each grid instant."""
    never = np.datetime64("2200-01-01", "ns")  # later than any stored time, within ns range
    label = np.array([r[0] for r in rows], dtype=object)
    starts = np.array([r[1] for r in rows], dtype="datetime64[ns]")
    ends = np.array([never if r[2] is None else r[2] for r in rows], dtype="datetime64[ns]")
    out = {}
    for name in names:
        mine = label == name
        out[name] = (np.searchsorted(np.sort(starts[mine]), grid, side="right")
                     - np.searchsorted(np.sort(ends[mine]), grid, side="right"))
    return out


def _overlapping(table: sa.Table, name: sa.Column, lo: datetime, hi: datetime):
    return sa.select(name, table.c.start, table.c.end).where(
        table.c.start <= hi, sa.or_(table.c.end > lo, table.c.end.is_(None)))


def census_history(conn: sa.Connection, start: object, end: object, step_h: float = 1.0):
    """Occupied beds per unit and devices in use per kind at every step (a long DataFrame).

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (tz-aware UTC, ``start`` to ``end`` inclusive), ``resource`` (unit
        id or equipment kind), ``kind`` (``beds`` or ``equipment``), ``occupied`` (int).
        Every unit and equipment kind the store knows has a row at every time.
    """
    import pandas as pd

    grid = time_grid(start, end, step_h)
    lo, hi = grid[0].astype("datetime64[us]").item(), grid[-1].astype("datetime64[us]").item()
    parts = []
    for kind, table, column in (("beds", stays, stays.c.unit),
                                ("equipment", episodes, episodes.c.equipment)):
        names = sorted(conn.execute(sa.select(column).distinct()).scalars())
        rows = conn.execute(_overlapping(table, column, lo, hi)).all()
        for name, level in _levels(rows, names, grid).items():
            parts.append(pd.DataFrame({"time": grid, "resource": name, "kind": kind,
                                       "occupied": level.astype(np.int64)}))
    if not parts:
        return pd.DataFrame({"time": pd.Series(dtype="datetime64[ns, UTC]"), "resource": [],
                             "kind": [], "occupied": pd.Series(dtype=np.int64)})
    frame = pd.concat(parts, ignore_index=True)
    frame["time"] = frame["time"].dt.tz_localize("UTC")
    return frame


def arrivals(conn: sa.Connection, start: object, end: object):
    """Entries from outside (the first stay of each encounter) with ``start <= time < end``.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` (tz-aware UTC), ``unit``, ``source`` (the encounter's source, may be
        missing), sorted by time.
    """
    import pandas as pd

    lo, hi = to_db(utc(start, "start")), to_db(utc(end, "end"))
    query = (sa.select(stays.c.start, stays.c.unit, stays.c.source)
             .where(stays.c.entry.is_(True), stays.c.start >= lo, stays.c.start < hi)
             .order_by(stays.c.start, stays.c.unit))
    rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=["time", "unit", "source"])
    frame["time"] = column_from_db(frame["time"].tolist())
    frame["unit"] = frame["unit"].astype(object)
    frame["source"] = frame["source"].astype(object)
    return frame


def summary(conn: sa.Connection) -> dict:
    """What the store holds: event and reject counts, event times, days of counts, syncs."""
    def count(table: sa.Table, *where) -> int:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar())

    first, last = event_time(conn, last=False), event_time(conn, last=True)
    days = conn.execute(sa.select(sa.func.min(counts.c.date), sa.func.max(counts.c.date))).one()
    return {
        "events": count(events),
        "held": count(rejects, rejects.c.problem.not_in(("cancelled", "cancel_applied"))),
        "cancelled": count(rejects, rejects.c.problem == "cancelled"),
        "first_event": first, "last_event": last,
        "count_rows": count(counts), "first_day": days[0], "last_day": days[1],
        "syncs": count(sync_log),
    }

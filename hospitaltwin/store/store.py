"""The :class:`Store`: one object for syncing into the twin's database and asking it questions.

It holds an engine opened by :func:`hospitaltwin.store.connect.create` and hands each call to
the module that does the work: :mod:`.sync` (event logs), :mod:`.counts` (daily counts),
:mod:`.query` (as-of states, census history, arrivals). Every read runs in its own short
transaction; every write in one transaction holding the store's write lock. Database errors
met after opening (the server went away, the file became unwritable) are turned into a
:class:`~hospitaltwin.core.errors.HospitaltwinError` that names the store.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from hospitaltwin.store import counts, query
from hospitaltwin.store.connect import create as create_engine
from hospitaltwin.store.connect import masked, unreachable
from hospitaltwin.store.sync_report import SyncReport


def _database_errors(method):
    """Turn a database error inside ``method`` into one clear HospitaltwinError."""

    @functools.wraps(method)
    def wrapper(self: "Store", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sa.exc.DBAPIError as exc:
            raise unreachable(self.url, exc) from None

    return wrapper


class Store:
    """The twin's state store (SQLite file or PostgreSQL database).

    Open one with :meth:`Store.open`; see the package documentation for the tables.
    """

    def __init__(self, engine: sa.Engine, url: sa.engine.URL):
        self.engine = engine
        self.url = url

    @classmethod
    def open(cls, url: str, create: bool = True) -> "Store":
        """Open (and with ``create`` if needed create) the store at ``url``.

        Parameters
        ----------
        url : str
            ``sqlite:///path.db`` (the file is created), a bare path (an SQLite file), or
            ``postgresql+psycopg://user:password@host/database``.
        create : bool
            Create the store's tables (and the SQLite file) when missing, as a sync does.
            ``False`` for a reader (see :meth:`open_existing`).

        Raises
        ------
        HospitaltwinError
            When the URL is not a store URL, the server cannot be reached, the file is not an
            SQLite database, or the schema version differs.
        """
        engine, parsed = create_engine(url, create)
        return cls(engine, parsed)

    @classmethod
    def open_existing(cls, url: str) -> Store:
        """Open a store that must already exist: a reader never creates an empty one.

        Raises
        ------
        HospitaltwinError
            ``no store at …`` when there is no SQLite file at the path, or the database has no
            store tables (a mistyped path or URL); otherwise as :meth:`open`.
        """
        return cls.open(url, create=False)

    def __repr__(self) -> str:
        return f"Store({masked(self.url)!r})"

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @_database_errors
    def sync(self, paths: Sequence[str | Path], key: bytes, fmt: str = "auto", unit_map=None,
             tz: str = "UTC", ambiguous: str = "order") -> SyncReport:
        """Add the new events of event logs (incremental and idempotent).

        Parameters
        ----------
        paths : sequence of path
            Event logs in any format ``hospitaltwin ingest`` reads (or a MIMIC-IV folder).
        key : bytes
            The pseudonymisation key; a store keeps the key of its first sync.
        fmt, unit_map, tz, ambiguous
            As for :func:`hospitaltwin.eventlog.ingest.ingest`.

        Returns
        -------
        SyncReport
            ``read = new + duplicates + quarantined``; also ``cancelled`` and ``held``.
        """
        from hospitaltwin.store.sync import sync_events

        return sync_events(self.engine, paths, key, fmt=fmt, unit_map=unit_map, tz=tz,
                           ambiguous=ambiguous)

    @_database_errors
    def first_event_time(self) -> datetime | None:
        """Time of the first event in force (tz-aware UTC), or None."""
        with self.engine.connect() as conn:
            return query.event_time(conn, last=False)

    @_database_errors
    def last_event_time(self) -> datetime | None:
        """Time of the last event in force (tz-aware UTC), or None."""
        with self.engine.connect() as conn:
            return query.event_time(conn, last=True)

    @_database_errors
    def state_at(self, at: datetime | str | None = None, layout=None):
        """Who is in which bed at ``at`` (default: the last event), as a ``SystemState``.

        Parameters
        ----------
        at : datetime or str, optional
            A time (naive means UTC). Before the first event is an error.
        layout : Layout or path, optional
            When given, every unit and device kind of the state must exist in it.

        Returns
        -------
        SystemState
            ``as_of`` tz-aware UTC; patients with ``elapsed_h`` since entering their current
            unit and their devices in use with time in use; ``notes`` with ``first_event``,
            ``last_event`` (ISO 8601), ``events`` (events in force up to ``at``) and more.
        """
        with self.engine.connect() as conn:
            state = query.state_at(conn, at)
        if layout is not None:
            from hospitaltwin.store.capacity import check_against_layout

            check_against_layout(state, layout)
        return state

    @_database_errors
    def census_history(self, start, end, step_h: float = 1.0):
        """Occupied beds per unit and devices in use per kind every ``step_h`` hours.

        Returns
        -------
        pandas.DataFrame
            ``time, resource, kind, occupied`` (see :func:`hospitaltwin.store.query.census_history`).
        """
        with self.engine.connect() as conn:
            return query.census_history(conn, start, end, step_h)

    @_database_errors
    def arrivals(self, start, end):
        """Entries from outside with ``start <= time < end``: ``time, unit, source``."""
        with self.engine.connect() as conn:
            return query.arrivals(conn, start, end)

    @_database_errors
    def sync_counts(self, path: str | Path) -> SyncReport:
        """Store a daily-counts CSV (see :mod:`hospitaltwin.store.counts`); idempotent."""
        return counts.sync_counts(self.engine, path)

    @_database_errors
    def state_from_counts(self, at: datetime | str | None = None):
        """A ``SystemState`` from the latest daily counts at or before ``at`` (unknown elapsed)."""
        with self.engine.connect() as conn:
            return counts.state_from_counts(conn, at)

    @_database_errors
    def counts_history(self, start, end):
        """The stored daily counts between the dates of ``start`` and ``end`` (inclusive)."""
        with self.engine.connect() as conn:
            return counts.counts_history(conn, start, end)

    @_database_errors
    def summary(self) -> dict:
        """Counts of what the store holds (events, held, cancelled, counts rows, syncs) and
        the first and last event times and days of counts."""
        with self.engine.connect() as conn:
            return query.summary(conn)

    @_database_errors
    def sync_log(self):
        """The sync log as a DataFrame, oldest first."""
        import pandas as pd

        from hospitaltwin.store.schema import sync_log

        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(sync_log).order_by(sync_log.c.id)).all()
        return pd.DataFrame(rows, columns=[c.name for c in sync_log.columns])

    @_database_errors
    def table(self, name: str):
        """A whole table as a DataFrame (``events``, ``quarantine``, ``rejects``, ``stays``, …)."""
        import pandas as pd

        from hospitaltwin.store.schema import metadata

        table = metadata.tables[name]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table)).all()
        return pd.DataFrame(rows, columns=[c.name for c in table.columns])

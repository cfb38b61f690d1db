"""The state store: the twin's synchronised picture of the hospital, in SQLite or PostgreSQL.

``Store.open(url)`` opens (and creates) a store; ``store.sync(paths, key)`` adds the new events
of event logs in any format ``hospitaltwin ingest`` reads, incrementally and idempotently;
``store.state_at(at)`` answers who was in which bed, for how long and on what device at any
time; ``census_history`` and ``arrivals`` give what really happened, for backtests and demand
trends; ``sync_counts`` / ``state_from_counts`` / ``counts_history`` do the same for command
centers that only receive daily counts. The tables are described in :mod:`.schema`, how late
events and cancels are handled in :mod:`.resolve`.
"""

__all__ = ["Store", "SyncReport"]
_HOMES = {"Store": "store", "SyncReport": "sync_report"}


def __getattr__(name: str):
    """Import on first use: the store pulls in SQLAlchemy (a third of a second), which a run that
    starts empty, and :mod:`~hospitaltwin.store.start` until it opens a store, do not need."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"hospitaltwin.store.{_HOMES[name]}"), name)
    raise AttributeError(name)

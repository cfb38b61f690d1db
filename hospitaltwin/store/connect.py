"""Opening a store: from a URL to a ready SQLAlchemy engine, or one clear error.

A store is an SQLite file (``sqlite:///path/to/twin.db``, or just a path ending in ``.db``) or
a PostgreSQL database (``postgresql+psycopg://user:password@host/db``; ``postgresql://`` is
read as the psycopg driver). Opening for a sync creates the tables if they are missing (a new
SQLite file readable by its owner only, mode 600); opening to read (``create=False``:
``state``, ``forecast``, ``backtest``, a run from the store) refuses a store that does not exist
yet ("no store at …"), so a mistyped path is never taken for an empty hospital. Either way the
schema version is checked. A URL that cannot be reached, a file that is not a database or a
missing driver become a :class:`~hospitaltwin.core.errors.HospitaltwinError` that says what to
do, with the password masked. Writes go through :func:`writing`: one transaction holding the
store's write lock (``BEGIN IMMEDIATE`` on SQLite, an advisory transaction lock on
PostgreSQL), so syncs never interleave and a sync that dies half-way leaves nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.store.schema import SCHEMA_VERSION, meta, metadata
from hospitaltwin.store.service_tables import users as _users  # noqa: F401

# Importing service_tables adds the live service's tables to the metadata: every store has them.

#: Key of the PostgreSQL advisory lock taken by every write transaction.
WRITE_LOCK = 0x686F7370  # "hosp"
EXAMPLES = "sqlite:///twin.db or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"


def normalise_url(url: str) -> sa.engine.URL:
    """A SQLAlchemy URL from what a user typed (a bare path means an SQLite file)."""
    text = str(url).strip()
    if not text:
        raise HospitaltwinError(f"no store URL given; use {EXAMPLES}")
    if "://" not in text:
        text = f"sqlite:///{text}"
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            text = "postgresql+psycopg://" + text[len(plain):]
    try:
        return sa.engine.make_url(text)
    except sa.exc.ArgumentError:
        raise HospitaltwinError(f"{url!r} is not a store URL; use {EXAMPLES}") from None


def masked(url: sa.engine.URL) -> str:
    """The URL with its password hidden, for messages."""
    return url.render_as_string(hide_password=True)


def create(url: str, create: bool = True) -> tuple[sa.Engine, sa.engine.URL]:
    """An engine for ``url`` with the schema version checked.

    With ``create`` the tables are created when missing (a sync); without, a store that does
    not exist yet (no SQLite file, or a database without the store's tables) is refused.
    """
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise HospitaltwinError(f"{masked(parsed)}: stores are SQLite or PostgreSQL; use {EXAMPLES}")
    if backend == "sqlite":
        _check_sqlite_path(parsed, create)
    try:
        engine = _engine(parsed)
        with engine.begin() as conn:
            if create:
                metadata.create_all(conn)
            elif not sa.inspect(conn).has_table(meta.name):
                raise _no_store(parsed)
            _check_version(conn, parsed)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise HospitaltwinError(f"{masked(parsed)}: the database driver is missing ({exc}); "
                                "install it with: pip install 'psycopg[binary]'") from None
    except sa.exc.DBAPIError as exc:
        raise unreachable(parsed, exc) from None
    return engine, parsed


def unreachable(url: sa.engine.URL, exc: Exception) -> HospitaltwinError:
    """The one-line error for a store that cannot be opened or used."""
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()
    reason = reason[0] if reason else type(exc).__name__
    if url.get_backend_name() == "sqlite":
        return HospitaltwinError(f"cannot use the SQLite store {url.database}: {reason} "
                                 "(is it an SQLite file you may write?)")
    return HospitaltwinError(
        f"cannot reach the store {masked(url)}: {reason}; check that the PostgreSQL server is "
        "running and that the user, password, host and database in the URL are right")


def _no_store(url: sa.engine.URL) -> HospitaltwinError:
    where = url.database if url.get_backend_name() == "sqlite" else masked(url)
    return HospitaltwinError(f"no store at {where}: check the path or URL; only `hospitaltwin sync` "
                             "creates a store")


def _check_sqlite_path(url: sa.engine.URL, create: bool = True) -> None:
    database = url.database
    if not database or database == ":memory:":
        return
    if not create and not Path(database).expanduser().is_file():
        raise _no_store(url)
    folder = Path(database).expanduser().resolve().parent
    if not folder.is_dir():
        raise HospitaltwinError(f"{database}: the folder {folder} does not exist; create it or "
                                "give another store path")
    if create:
        _create_private(Path(database).expanduser())


def _create_private(path: Path) -> None:
    """Create a new SQLite store file readable by its owner only (SQLite gives its journal
    files the same mode); an existing file keeps its mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    except OSError as exc:
        raise HospitaltwinError(f"{path}: cannot create the store file ({exc.strerror})") from None


def _engine(url: sa.engine.URL) -> sa.Engine:
    engine = _new_engine(url)
    _forget_in_forked_children(engine)
    return engine


def _forget_in_forked_children(engine: sa.Engine) -> None:
    """Forecast workers are forked: a child must never use (or close) the parent's connections.

    SQLAlchemy's advice for ``os.fork``: dispose of the pool in the child without closing the
    parent's connections. Sharing an SQLite connection across a fork corrupts the database.
    """
    import os
    import weakref

    ref = weakref.ref(engine)

    def forget() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=forget)


def _new_engine(url: sa.engine.URL) -> sa.Engine:
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if url.database and url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")  # readers go on while a sync writes
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        immediate = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _check_version(conn: sa.Connection, url: sa.engine.URL) -> None:
    found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    if found is None:
        conn.execute(meta.insert().values(key="schema_version", value=SCHEMA_VERSION))
    elif found != SCHEMA_VERSION:
        raise HospitaltwinError(f"{masked(url)}: store schema version {found}, but this "
                                f"hospitaltwin writes version {SCHEMA_VERSION}; sync into a new store")


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One write transaction holding the store's write lock; rolled back on any error."""
    with engine.connect().execution_options(write=True) as conn:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
            yield conn


def get_meta(conn: sa.Connection, key: str) -> str | None:
    """A value of the ``meta`` table (None when absent)."""
    return conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar()


def set_meta(conn: sa.Connection, key: str, value: str) -> None:
    """Insert or replace a value of the ``meta`` table."""
    conn.execute(meta.delete().where(meta.c.key == key))
    conn.execute(meta.insert().values(key=key, value=value))

"""Fixtures of the store tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests need ``HOSPITALTWIN_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets
it); without it they are skipped with a message saying so. Each store gets its own SQLite file
or its own PostgreSQL schema, so tests can run in parallel workers.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from hospitaltwin.store import Store

KEY = b"test-key-0123456789abcdef"
PG_ENV = "HOSPITALTWIN_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL store tests need {PG_ENV}=postgresql+psycopg://USER:PASS@HOST/DB "
                    "(.ci/run starts a server and sets it)")
    return url


class Stores:
    """Makes fresh, empty stores of one backend and cleans them up."""

    def __init__(self, backend: str, tmp_path):
        self.backend, self.tmp_path = backend, tmp_path
        self.opened: list[Store] = []
        self.schemas: list[str] = []
        self.base = postgres_url() if backend == "postgresql" else None

    def url(self) -> str:
        """The URL of a new, empty store."""
        name = f"ht_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp_path / (name + '.db')}"
        engine = sa.create_engine(self.base)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {name}"))
        engine.dispose()
        self.schemas.append(name)
        return f"{self.base}?options=-csearch_path%3D{name}"

    def open(self, url: str | None = None) -> Store:
        store = Store.open(url or self.url())
        self.opened.append(store)
        return store

    def cleanup(self) -> None:
        for store in self.opened:
            store.close()
        if self.schemas:
            engine = sa.create_engine(self.base)
            with engine.begin() as conn:
                for name in self.schemas:
                    conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request, tmp_path):
    """A factory of fresh stores, on SQLite and on PostgreSQL."""
    made = Stores(request.param, tmp_path)
    yield made
    made.cleanup()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_stores(request, tmp_path_factory):
    """The same, shared by the tests of a module (for stores they only read)."""
    made = Stores(request.param, tmp_path_factory.mktemp("stores"))
    yield made
    made.cleanup()


@pytest.fixture
def key() -> bytes:
    return KEY

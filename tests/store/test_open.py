"""Opening a store: URLs, unreachable servers and wrong files end in one clear message."""

from __future__ import annotations

import pytest

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.store import Store
from hospitaltwin.store.connect import normalise_url


def test_bare_paths_and_plain_postgresql_urls_are_understood(tmp_path):
    assert normalise_url(str(tmp_path / "twin.db")).get_backend_name() == "sqlite"
    assert normalise_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    with Store.open(str(tmp_path / "twin.db")) as store:
        assert store.last_event_time() is None
    assert (tmp_path / "twin.db").exists()


def test_an_unreachable_server_names_the_url_without_its_password():
    with pytest.raises(HospitaltwinError) as caught:
        Store.open("postgresql+psycopg://nurse:s3cret@127.0.0.1:1/twin?connect_timeout=3")
    message = str(caught.value)
    assert "cannot reach the store" in message and "s3cret" not in message
    assert "server is running" in message and "\n" not in message


@pytest.mark.parametrize("url, message", [
    ("mysql://u:p@h/db", "stores are SQLite or PostgreSQL"),
    ("sqlite:////no/such/folder/twin.db", "the folder /no/such/folder does not exist"),
    ("", "no store URL"),
])
def test_bad_urls(url, message):
    with pytest.raises(HospitaltwinError, match=message):
        Store.open(url)


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "twin.db"
    path.write_text("this is not a database, " * 100)
    with pytest.raises(HospitaltwinError, match="cannot use the SQLite store"):
        Store.open(f"sqlite:///{path}")


def test_reopening_keeps_what_was_stored(stores, tmp_path):
    url = stores.url()
    first = stores.open(url)
    (tmp_path / "c.csv").write_text("date,hospital,unit,census,admissions,discharges\n"
                                    "2024-01-01,h,ICU,3,1,0\n")
    first.sync_counts(tmp_path / "c.csv")
    first.close()
    assert stores.open(url).state_from_counts().census() == {"ICU": 3}

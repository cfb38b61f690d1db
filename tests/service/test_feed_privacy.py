"""The live feed protects free text as ``sync`` does: record numbers planted in every free-text
field of HL7 messages, sent over MLLP to the real server and synced from a file, give the same
store, and no planted value in the store, the API's answers, the run folders or the log."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import sqlalchemy as sa

from hospitaltwin.store import Store
from hospitaltwin.store.feed import Feed
from hospitaltwin.store.pending import resolve_pending
from hospitaltwin.store.schema import metadata
from tests.service.adt import START, message, streams
from tests.service.conftest import KEY, Server, add_user, wait_for
from tests.service.mllp_client import send
from tests.service.test_feed import as_file, assert_same_store
from tests.service.test_mllp_server import caught_up

#: A patient id with no digits: only the raw-id rule of the masker can recognise it.
WORDY = "QUOKKAWALLABY"
#: Every planted value: patient, visit and control ids, the wordy id.
PLANTED = re.compile(rf"MRN\d{{7}}|V\d{{7}}|S\dP\d+M\d+|{WORDY}")


def _pv1(text: str, **fields: str) -> str:
    """``text`` with PV1 fields replaced (by number)."""
    segments = text.split("\r")
    pv1 = segments[3].split("|")
    pv1 += [""] * (20 - len(pv1))
    for number, value in fields.items():
        pv1[int(number[1:])] = value
    segments[3] = "|".join(pv1)
    return "\r".join(segments)


def _patient(text: str) -> str:
    return text.split("\r")[2].split("|")[3].split("^")[0]


def _still_in_hospital(stream: list[str]) -> set[str]:
    """The patients of ``stream`` whose last message is not a discharge (A03)."""
    last = {_patient(text): text for text in stream}
    return {ids for ids, text in last.items() if "ADT^A03" not in text}


def planted() -> list[list[str]]:
    """Two streams whose source (PV1-14), acuity (PV1-4), prior unit (PV1-6) and, for some
    wards, unit (PV1-3) hold patient ids; one patient's id has no digits and is named later
    in another patient's source; one patient moves out of a unit named after a record."""
    per = streams(40, 2, seed=21)
    for stream in per:
        staying = _still_in_hospital(stream)
        for i, text in enumerate(stream):
            ids = _patient(text)
            if ids not in staying:  # a ward the layout lacks would stop the forecast
                text = text.replace("|SURG^", f"|SURG bed of {ids}^")
            if i % 3 == 0:
                text = _pv1(text, f4=ids)
            if i % 4 == 1:
                text = _pv1(text, f14=f"referred by {ids}")
            if "ADT^A02" in text:
                prior = text.split("\r")[3].split("|")[6].split("^")[0]
                text = _pv1(text, f6=f"{prior} {ids}^^^")
            stream[i] = text
    later = START.replace(day=1)
    wordy = [message("A04", "S0P900M0", later, WORDY, "ED", visit="V0000900"),
             message("A01", "S0P900M1", later.replace(hour=9), WORDY, "ICU", visit="V0000900")]
    named = _pv1(message("A04", "S0P901M0", later.replace(hour=10), "MRN0000901", "ED"),
                 f14=WORDY)
    moved = [message("A01", "S1P902M0", later, "MRN0000902", "Bed of MRN0000902"),
             message("A08", "S1P902M1", later.replace(hour=8), "MRN0000902",
                     "Bed of MRN0000902"),
             message("A08", "S1P902M2", later.replace(hour=10), "MRN0000902", "ICU")]
    per[0][0:0] = wordy + [named]
    per[1][0:0] = moved
    return per


def _store_text(url: str) -> str:
    """Every row of every table, and an SQLite store's bytes (free pages and WAL too)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        text = "\n".join(str(row) for table in metadata.sorted_tables
                         for row in conn.execute(sa.select(table)).all())
    engine.dispose()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for part in (path, path.with_name(path.name + "-wal")):
            if part.exists():
                text += part.read_bytes().decode("latin-1")
    return text


def _files_text(folder: Path) -> dict[str, str]:
    return {str(p): p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file()}


def _api_text(server: Server, token: str) -> str:
    with server.client(token) as client:
        try:
            latest = wait_for(lambda: _latest(client), 150, what="a forecast of the planted events")
        except AssertionError:
            print(server.text()[-2000:])
            raise
        answers = [client.get(f"/api/v1/{path}") for path in (
            "health", "state", "patients", "alerts", "forecasts", "forecasts/latest",
            f"forecasts/{latest['id']}", f"forecasts/{latest['id']}/forecast.csv", "audit")]
    assert all(a.status_code == 200 for a in answers), [a.text[:200] for a in answers]
    return "\n".join(a.text for a in answers)


def _latest(client):
    answer = client.get("/api/v1/forecasts/latest")
    return answer.json() if answer.status_code == 200 and answer.json()["events"] else None


def test_planted_identifiers_reach_nothing_and_the_store_equals_sync(store_url, tmp_path):
    per = planted()
    messages = [m for s in per for m in s]
    assert len(set(PLANTED.findall("".join(messages)))) > 100
    token = add_user(store_url, "auditor", "admin")
    server = Server(store_url, tmp_path, "--forecast-every", "1min", "--horizon", "2d")
    try:
        sent = asyncio.run(_send(server.mllp_port, per))
        assert all(set(s.codes.values()) == {"AA"} for s in sent)
        wait_for(lambda: caught_up(server), 120, what="every event judged")
        api = _api_text(server, token)
        assert server.stop() == 0
    finally:
        server.kill()
    live = Store.open(store_url)
    synced = Store.open(str(tmp_path / "synced.db"))
    synced.sync([as_file(messages, tmp_path / "all.hl7")], KEY.encode(), fmt="hl7")
    assert_same_store(live, synced)
    events = live.table("events")
    for column in ("source", "acuity", "unit", "from_unit"):
        assert events[column].str.startswith("masked-").any(), column
    assert (events["source"] == synced.table("events")["source"]).any()
    found = {"store": _store_text(store_url), "api": api, **_files_text(tmp_path / "runs"),
             "log": server.text()}
    assert {where: sorted(set(PLANTED.findall(text)))[:3] for where, text in found.items()
            if PLANTED.search(text)} == {}


async def _send(port: int, per: list[list[str]]):
    return await asyncio.gather(*(send("127.0.0.1", port, s, ahead=1) for s in per))


def test_the_location_memory_keeps_no_name_as_sent(quick_store_url, tmp_path):
    moved = planted()[1][:3]
    live = Store.open(quick_store_url)
    for text in moved:  # one message per batch, a new Feed each time (as after restarts)
        Feed(live.engine, KEY.encode()).store([text])
        assert not PLANTED.search(_store_text(quick_store_url))
    resolve_pending(live.engine)
    transfer = live.table("events").query("event == 'transfer'")
    assert len(transfer) == 1 and transfer["from_unit"].iloc[0].startswith("masked-")
    synced = Store.open(str(tmp_path / "synced.db"))
    synced.sync([as_file(moved, tmp_path / "moved.hl7")], KEY.encode(), fmt="hl7")
    assert_same_store(live, synced)

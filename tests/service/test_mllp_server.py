"""The real server over MLLP: 10,000 messages on 4 connections, and a SIGKILL mid-stream."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from hospitaltwin.store import Store
from tests.service.adt import malformed, streams
from tests.service.conftest import KEY, Server, wait_for
from tests.service.mllp_client import Sent, send
from tests.service.test_feed import as_file, assert_same_store


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process still runs (a zombie does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def caught_up(server: Server) -> bool:
    with server.client() as client:
        return client.get("/api/v1/health").json()["pending_events"] == 0


def ten_thousand() -> tuple[list[list[str]], dict[str, str]]:
    """4 streams of 9,980 ADT messages with 20 malformed ones among them; expected codes."""
    per = streams(3000, 4, seed=11)
    keep = (9980 - 0) // 4
    per = [s[:keep] for s in per]
    expected = {}
    for n, (code, text) in enumerate(malformed(20, seed=12)):
        stream = per[n % 4]
        stream.insert(len(stream) * (n // 4 + 1) // 6, text)
        expected[text] = code
    assert sum(map(len, per)) == 10_000
    return per, expected


def control_id(text: str) -> str:
    return text.split("\r")[0].split("|")[9] if text.startswith("MSH|") else ""


@pytest.mark.slow
def test_ten_thousand_messages_from_four_connections(store_url, tmp_path):
    per, expected = ten_thousand()
    server = Server(store_url, tmp_path, "--forecast-every", "1h")
    try:
        results = asyncio.run(_send_all(server.mllp_port, per))
        wait_for(lambda: caught_up(server), 120, what="every event judged")
        assert server.stop() == 0
    finally:
        server.kill()
    for stream, sent in zip(per, results):
        assert len(sent.codes) == len(stream)  # every message ACKed
        for i, text in enumerate(stream):
            assert sent.codes[i] == expected.get(text, "AA"), (i, text[:60])
            assert sent.control[i] == control_id(text)
    synced = Store.open(str(tmp_path / "synced.db"))
    synced.sync([as_file([m for s in per for m in s], tmp_path / "all.hl7")], KEY.encode(), fmt="hl7")
    assert_same_store(Store.open(store_url), synced)


async def _send_all(port: int, per: list[list[str]]) -> list[Sent]:
    return await asyncio.gather(*(send("127.0.0.1", port, s, ahead=16) for s in per))


def test_killed_mid_stream_then_resent_loses_and_doubles_nothing(store_url, tmp_path):
    per = [s[:900] for s in streams(600, 2, seed=13)]
    server = Server(store_url, tmp_path, "--forecast-every", "1h")
    workers = children(server.process.pid)
    try:
        sent = asyncio.run(_send_and_kill(server, per, after=600))
    finally:
        server.kill()
    assert workers, "the service should run worker processes"
    wait_for(lambda: not any(alive(pid) for pid in workers), 20,
             what="the killed service's workers to end")
    acked = sum(len(s.codes) for s in sent)
    assert 600 <= acked < sum(map(len, per)), "the kill should cut the stream"
    again = Server(store_url, tmp_path, "--forecast-every", "1h")
    try:
        asyncio.run(_resend(again.mllp_port, per, sent))
        wait_for(lambda: caught_up(again), 120, what="every event judged")
        assert again.stop() == 0
    finally:
        again.kill()
    for stream, s in zip(per, sent):
        assert sorted(s.codes) == list(range(len(stream)))
        assert set(s.codes.values()) == {"AA"}
    live = Store.open(store_url)
    assert len(live.table("mllp_messages")) == sum(map(len, per))
    synced = Store.open(str(tmp_path / "synced.db"))
    synced.sync([as_file([m for s in per for m in s], tmp_path / "all.hl7")], KEY.encode(), fmt="hl7")
    assert_same_store(live, synced)


async def _send_and_kill(server: Server, per: list[list[str]], after: int) -> list[Sent]:
    sent = [Sent() for _ in per]
    tasks = [asyncio.create_task(send("127.0.0.1", server.mllp_port, s, ahead=8, sent=r))
             for s, r in zip(per, sent)]
    while sum(len(r.codes) for r in sent) < after:
        await asyncio.sleep(0.01)
    server.process.send_signal(signal.SIGKILL)
    await asyncio.gather(*tasks, return_exceptions=True)
    return sent


async def _resend(port: int, per: list[list[str]], sent: list[Sent]) -> None:
    jobs = []
    for stream, s in zip(per, sent):
        missing = [i for i in range(len(stream)) if i not in s.codes]
        jobs.append(send("127.0.0.1", port, [stream[i] for i in missing], ahead=8, sent=s,
                         indexes=missing))
    await asyncio.gather(*jobs)

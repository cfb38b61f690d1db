"""The MLLP feed's store path against ``sync`` of the same messages from one file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hospitaltwin.store import Store
from hospitaltwin.store.feed import Feed
from hospitaltwin.store.pending import pending, resolve_pending
from tests.service.adt import malformed, streams

KEY = b"test-key-0123456789abcdef"
PROVENANCE = ["seq", "id", "sync_id", "source_file", "source_line", "row_key"]


def as_file(messages: list[str], path: Path) -> Path:
    """The messages as one HL7 file, in the order given."""
    path.write_text("".join(m.replace("\r", "\n") + "\n\n" for m in messages))
    return path


def table(store: Store, name: str) -> pd.DataFrame:
    frame = store.table(name)
    if name == "quarantine":  # a block that is not HL7 is only a record in a stream, not a file
        frame = frame[frame["problem"] != "unreadable_record"]
    frame = frame.drop(columns=[c for c in PROVENANCE if c in frame])
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def assert_same_store(live: Store, synced: Store) -> None:
    """Events, derived tables, quarantine and state alike (provenance aside)."""
    for name in ("events", "stays", "episodes", "rejects", "quarantine"):
        pd.testing.assert_frame_equal(table(live, name), table(synced, name), check_dtype=False)
    a, b = live.state_at(), synced.state_at()
    assert a.as_of == b.as_of and a.patients == b.patients and a.waiting == b.waiting


def test_batches_end_as_a_sync_of_one_file(quick_store_url, tmp_path):
    per = streams(150, 3, seed=4)
    messages = [m for group in zip(*per) for m in group] + per[0][len(per[1]):]
    bad = malformed(6)
    messages[40:40] = [text for _, text in bad]
    live = Store.open(quick_store_url)
    feed = Feed(live.engine, KEY)
    verdicts = []
    for start in range(0, len(messages), 37):
        verdicts += feed.store(messages[start:start + 37])
    with live.engine.connect() as conn:
        assert pending(conn) > 0
    resolve_pending(live.engine)
    with live.engine.connect() as conn:
        assert pending(conn) == 0
    assert [v.code for v in verdicts[40:46]] == [code for code, _ in bad]
    assert sum(v.code == "AA" for v in verdicts) == len(messages) - 6
    assert all(v.reason for v in verdicts[40:46])
    synced = Store.open(str(tmp_path / "synced.db"))
    synced.sync([as_file(messages, tmp_path / "all.hl7")], KEY, fmt="hl7")
    assert_same_store(live, synced)
    assert any(len(live.table("stays").query("patient_id == @p")) > 1
               for p in live.table("events").query("event == 'transfer'")["patient_id"])


def test_a_resent_message_is_acknowledged_again_and_stored_once(quick_store_url):
    messages = streams(20, 1, seed=5)[0]
    live = Store.open(quick_store_url)
    feed = Feed(live.engine, KEY)
    first = feed.store(messages[:30])
    again = feed.store(messages[25:40] + messages[25:27])
    assert [v.code for v in again[:5]] == [v.code for v in first[25:30]]
    assert len(live.table("mllp_messages")) == 40
    assert live.table("events")["event_id"].is_unique
    restarted = Feed(live.engine, KEY)  # a new process remembers too
    assert [v.code for v in restarted.store(messages[:3])] == ["AA"] * 3
    assert len(live.table("mllp_messages")) == 40


def test_an_a08_move_after_a_restart_is_a_transfer(quick_store_url, tmp_path):
    per = streams(40, 1, seed=6)[0]
    assert sum("ADT^A08" in m for m in per) >= 4, "the stream should hold A08 updates"
    live = Store.open(quick_store_url)
    for text in per:  # one message per batch, a new Feed each time (as after restarts)
        Feed(live.engine, KEY).store([text])
    resolve_pending(live.engine)
    synced = Store.open(str(tmp_path / "synced.db"))
    report = synced.sync([as_file(per, tmp_path / "all.hl7")], KEY, fmt="hl7")
    assert report.skipped >= 2  # A08 updates without a move
    assert_same_store(live, synced)

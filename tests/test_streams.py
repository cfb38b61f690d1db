"""Named streams and uniform rows: the numbers depend on the seed, replication and name only,
never on how they are drawn in blocks."""

from __future__ import annotations

import numpy as np

from hospitaltwin.core.streams import UniformBlocks, stream


def _rows(blocks: UniformBlocks, n: int) -> list[list[float]]:
    return [blocks.row() for _ in range(n)]


def test_rows_are_the_same_whatever_is_expected_or_how_blocks_grow():
    plain = _rows(UniformBlocks.named(7, 3, "patients:ED", 5), 3000)
    for expected in (1, 31, 700, 2999, 3000, 5000):
        told = _rows(UniformBlocks.named(7, 3, "patients:ED", 5).expect(expected), 3000)
        assert told == plain, f"expect({expected}) changed the numbers"
    direct = stream(7, 3, "patients:ED").random((3000, 5)).tolist()
    assert plain == direct


def test_expected_rows_are_drawn_in_one_block_when_they_fit():
    rng = stream(1, 0, "x")
    blocks = UniformBlocks(rng, 4).expect(300)
    first = blocks.row()
    state_after_first_block = rng.bit_generator.state["state"]["state"]
    _rows(blocks, 299)
    assert rng.bit_generator.state["state"]["state"] == state_after_first_block, "drew more than expected"
    assert first == stream(1, 0, "x").random((1, 4)).tolist()[0]
    blocks.row()  # beyond what was expected: blocks of the default size again
    assert rng.bit_generator.state["state"]["state"] != state_after_first_block


def test_streams_differ_by_name_and_replication_and_repeat_by_seed():
    draw = lambda *key: stream(*key).random(4)  # noqa: E731
    assert np.array_equal(draw(5, 1, "a"), draw(5, 1, "a"))
    assert not np.array_equal(draw(5, 1, "a"), draw(5, 1, "b"))
    assert not np.array_equal(draw(5, 1, "a"), draw(5, 2, "a"))


def test_taken_rows_are_the_rows():
    taken, listed = UniformBlocks.named(7, 3, "patients:ED", 5), UniformBlocks.named(7, 3, "patients:ED", 5)
    for _ in range(100):
        values, start = taken.take()
        assert values[start:start + 5].tolist() == listed.row()

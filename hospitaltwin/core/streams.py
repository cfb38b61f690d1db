"""Named random streams: one ``numpy.random.Generator`` per (replication, name).

Every random draw in a simulation comes from a stream named after what it drives
(``arrivals:ED``, ``patients:ED``, ``staff:icu_nurses``). A stream's seed is
``SeedSequence(root_seed, spawn_key=(replication, stable_hash(name)))``, so it depends on nothing
but the root seed, the replication and its name: results do not change with the number of
worker processes, and two scenarios run with the same seed share common random numbers
wherever they share stream names.
"""

from __future__ import annotations

import hashlib
from array import array

import numpy as np


def stable_hash(name: str) -> int:
    """A hash of ``name`` that is the same in every process and Python version (63 bits)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def stream(root_seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for stream ``name`` in ``replication`` of a run seeded ``root_seed``."""
    seq = np.random.SeedSequence(root_seed, spawn_key=(replication, stable_hash(name)))
    return np.random.Generator(np.random.PCG64(seq))


class UniformBlocks:
    """Rows of uniforms drawn in blocks from one stream, handed out one row at a time.

    Drawing a block with numpy is far cheaper than a scalar draw per use; each row is a
    patient's own random numbers (their "destiny"), so a patient keeps the same draws whatever
    happens to the others. A block is kept flat, as an ``array`` of doubles: :meth:`take` hands
    out a row as the block and where the row starts, so no list and no Python float is made for
    the numbers a patient never reads (most read a few of their row). The generator fills
    values in order, so row ``k`` holds the same numbers whatever the block sizes: when the
    number of rows needed is known (:meth:`expect`: a stream's arrivals, the patients of a
    start state) exactly that many are drawn; otherwise blocks start small and double (a short
    forecast needs few rows per stream). Blocks never exceed :attr:`LARGEST` rows (memory
    stays flat).
    """

    __slots__ = ("_rng", "_width", "_block", "_values", "_next", "_expected")
    LARGEST = 1024

    def __init__(self, rng: np.random.Generator | tuple, width: int, block: int = 32):
        self._rng, self._width, self._block = rng, width, block
        self._values = array("d")
        self._next = self._expected = 0

    @classmethod
    def named(cls, root_seed: int, replication: int, name: str, width: int) -> "UniformBlocks":
        """Rows from :func:`stream` ``name``, its generator made only when the first row is
        asked for (a replication creates many streams it may never draw from)."""
        return cls((root_seed, replication, name), width)

    def expect(self, rows: int) -> "UniformBlocks":
        """Say that ``rows`` more rows will be asked for: they are drawn in blocks of exactly
        that many (at most :attr:`LARGEST`), none wasted. The numbers do not change."""
        self._expected = rows
        return self

    def take(self) -> tuple[array, int]:
        """The next row of ``width`` uniforms on [0, 1), as ``(values, start)``: the row is
        ``values[start:start + width]``."""
        k = self._next
        if k == len(self._values):
            self._values, k = self._draw(), 0
        self._next = k + self._width
        return self._values, k

    def row(self) -> list[float]:
        """The next row of ``width`` uniforms on [0, 1), as a list."""
        values, start = self.take()
        return values[start:start + self._width].tolist()

    def _draw(self) -> array:
        if isinstance(self._rng, tuple):
            self._rng = stream(*self._rng)
        if self._expected > 0:
            size = min(self._expected, self.LARGEST)
            self._expected -= size
        else:
            size, self._block = self._block, min(2 * self._block, self.LARGEST)
        return array("d", self._rng.random(size * self._width).tobytes())

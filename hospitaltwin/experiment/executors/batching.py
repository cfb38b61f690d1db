"""How many replications go into one task on a cluster, and in which order results come back.

A task on a Dask cluster costs a few milliseconds of scheduling and messaging whatever it
does (``benchmarks/bench_scale.py`` measures it); a replication costs from a few milliseconds
(one unit) to seconds (a state-wide network). :class:`BatchPlanner` therefore sizes each task
from the replications already timed on the workers: as many as fill about
:data:`TARGET_TASK_S` seconds (so the overhead stays near 1% of the work), never so many that
fewer than two tasks per worker thread remain for the rest (the tail stays balanced), and at
most :data:`MAX_BATCH`. The first tasks, before anything is timed, hold one replication each.

:class:`InOrder` holds results that arrive early until the ones before them are in: the
caller consumes replications in order, so its output does not depend on where or when tasks
ran.
"""

from __future__ import annotations

from collections.abc import Iterator

TARGET_TASK_S = 0.5
MAX_BATCH = 64
TASKS_PER_THREAD_LEFT = 2


class BatchPlanner:
    """Cuts ``numbers`` into consecutive batches sized from the observed time per replication."""

    def __init__(
        self,
        numbers: range,
        threads: int,
        target_s: float = TARGET_TASK_S,
        max_batch: int = MAX_BATCH,
    ):
        self.next, self.stop = numbers.start, numbers.stop
        self.threads, self.target_s, self.max_batch = max(1, threads), target_s, max_batch
        self.timed, self.seconds = 0, 0.0
        self.sizes: list[int] = []

    def observe(self, replications: int, seconds: float) -> None:
        """Record that a task of ``replications`` took ``seconds`` of work on its worker."""
        self.timed += replications
        self.seconds += seconds

    def take(self) -> tuple[int, int] | None:
        """The next batch as ``(first, count)``, or ``None`` when every replication is planned."""
        left = self.stop - self.next
        if left <= 0:
            return None
        count = min(self.size(), max(1, left // (TASKS_PER_THREAD_LEFT * self.threads)), left)
        first, self.next = self.next, self.next + count
        self.sizes.append(count)
        return first, count

    def size(self) -> int:
        """Replications that fill a task of about ``target_s`` seconds (1 before any is timed)."""
        if self.timed == 0:
            return 1
        per_replication = self.seconds / self.timed
        if per_replication <= 0:
            return self.max_batch
        return max(1, min(self.max_batch, round(self.target_s / per_replication)))


class InOrder:
    """Results of numbered batches, released in batch order as soon as they can be."""

    def __init__(self) -> None:
        self.waiting: dict[int, list] = {}
        self.released = 0

    def store(self, index: int, results: list) -> None:
        """Keep batch ``index`` until every batch before it is in."""
        self.waiting[index] = results

    @property
    def complete_through(self) -> int:
        """The first batch not yet in: every batch before it can be released."""
        index = self.released
        while index in self.waiting:
            index += 1
        return index

    def release(self) -> Iterator:
        """Yield every result that is next in order, batch after batch."""
        while self.released in self.waiting:
            yield from self.waiting.pop(self.released)
            self.released += 1

    def __len__(self) -> int:
        return len(self.waiting)

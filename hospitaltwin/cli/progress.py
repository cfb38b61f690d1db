"""Progress on the terminal for the verbs that take more than a few seconds: the one place.

:func:`progress` draws a Rich bar on stderr while a verb works, and only for a person watching
a terminal: when stderr is a pipe, a file or a test runner, nothing is drawn and nothing is
added to the output. The :class:`Bar` it yields is handed to the library as its callback:
``bar.step`` advances by one (replications, origins; it takes and ignores the replication
number the library passes), ``bar.update(done, total)`` sets an absolute count (rows of a
workbook), and ``bar.stage(text)`` names the step of a job whose length is not known in
advance (reading a log, solving a model), shown with a spinner and the time elapsed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from hospitaltwin.cli.common import err
from hospitaltwin.core.errors import shorten


class Bar:
    """What a verb hands the library to report progress; does nothing when not drawn."""

    def __init__(self, drawn: Progress | None = None, task: TaskID | None = None):
        self._drawn, self._task = drawn, task

    @property
    def shown(self) -> bool:
        """Whether a bar is drawn (a person is watching a terminal)."""
        return self._drawn is not None

    def step(self, *_ignored) -> None:
        """One more done (a replication, an origin, a path)."""
        if self._drawn is not None:
            self._drawn.advance(self._task)

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` of ``total`` done."""
        if self._drawn is not None:
            self._drawn.update(self._task, completed=done, **({"total": total} if total is not None else {}))

    def stage(self, text: str, total: int | None = None) -> None:
        """A new step: its name, and its length when known (the count starts again)."""
        if self._drawn is not None:
            self._drawn.update(self._task, description=_plain(text), total=total, completed=0)


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Bar]:
    """A progress bar on stderr for ``total`` steps (``None``: a spinner), if stderr is a terminal.

    Parameters
    ----------
    description
        What is being done (``forecast``, ``reading 3 files``).
    total
        Steps to do, or ``None`` when unknown.

    Yields
    ------
    Bar
        Its callbacks; they do nothing when no bar is drawn.
    """
    if not err.is_terminal:
        yield Bar()
        return
    columns = (SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as drawn:
        yield Bar(drawn, drawn.add_task(_plain(description), total=total))


def _plain(text: str) -> str:
    """A description as written (a scenario named ``[/red]`` is not markup), kept short."""
    return escape(shorten(text, 80))

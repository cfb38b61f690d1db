"""The typer application and the one place that turns user errors into clean messages.

Every command is wrapped by :func:`command`: a :class:`~hospitaltwin.core.errors.HospitaltwinError`
(or a file the OS refuses) is printed as one clear message on stderr with exit status 2 —
never a traceback. Command modules register themselves on :data:`app` when imported.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import typer
from rich.console import Console
from rich.markup import escape

from hospitaltwin.core.errors import LINE_CHARS, HospitaltwinError, shorten

app = typer.Typer(
    name="hospitaltwin",
    help="A digital twin of hospital operations: simulate, calibrate, forecast, optimise, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)
MESSAGE_LINES = 40
"""Lines of an error message printed; the rest are counted, not shown."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` on stderr and return the exit to raise.

    The message is printed as plain text (a unit named ``[red]`` is not markup), each line at
    most :data:`~hospitaltwin.errors.LINE_CHARS` characters and at most :data:`MESSAGE_LINES`
    lines, so no input can flood the screen through an error.
    """
    lines = message.splitlines() or [""]
    shown = [shorten(line, LINE_CHARS * 2) for line in lines[:MESSAGE_LINES]]
    if len(lines) > MESSAGE_LINES:
        shown.append(f"… and {len(lines) - MESSAGE_LINES} more lines")
    err.print(f"[bold red]error:[/] {escape(chr(10).join(shown))}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def user_errors(func: Callable) -> Callable:
    """Wrap a verb so that user errors end in one clear message on stderr, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except HospitaltwinError as exc:
            raise fail(str(exc)) from None
        except (OSError, MemoryError) as exc:
            raise fail(f"{type(exc).__name__}: {exc}") from None
        except KeyboardInterrupt:
            raise fail("interrupted", code=130) from None

    return wrapper


def command(name: str, on: typer.Typer | None = None) -> Callable:
    """Register a verb (on ``app``, or a sub-app such as ``optimize``) with :func:`user_errors`."""
    return lambda func: (on or app).command(name)(user_errors(func))


FORCE_HELP = ("Write into a folder holding files hospitaltwin did not write: the result goes beside them, "
              "and they are never deleted or overwritten.")


def force_option():
    """The ``--force`` option of every verb that writes a result folder."""
    return typer.Option(False, "--force", help=FORCE_HELP)


def stdout_is_terminal() -> bool:
    """Whether to draw progress bars (only for a person watching a terminal)."""
    return sys.stderr.isatty()


@app.callback()
def _root() -> None:
    """A digital twin of hospital operations: simulate, calibrate, forecast, optimise, report."""


def paired_table(rows, title: str, labels: tuple[str, str] = ("baseline", "policy"), name: str = "resource",
                 policy_column: bool = False):
    """Paired differences as a table: resource, KPI, both means, the difference with its 95%
    CI and the better side (green the policy, red the baseline; ``labels`` name them)."""
    from rich.table import Table

    from hospitaltwin.experiment.summary import fmt

    base, policy = labels
    table = Table(title=title)
    for column in (["policy"] if policy_column else []) + [name, "kpi", base, policy, "difference", "better"]:
        table.add_column(column)
    for r in rows:
        diff = f"{fmt(r['diff_mean'])} [{fmt(r['diff_lo'])}, {fmt(r['diff_hi'])}]"
        mark = {"policy": f"[green]{policy}[/]", "baseline": f"[red]{base}[/]"}.get(r["better"], "–")
        cells = [escape(r["name"]), r["kpi"], fmt(r["baseline_mean"]), fmt(r["policy_mean"]), diff, mark]
        table.add_row(*([escape(r["policy"])] if policy_column else []), *cells)
    return table

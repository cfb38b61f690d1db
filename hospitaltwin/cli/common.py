"""The typer application, the one place that turns user errors into clean messages, and the
vocabulary of its help.

Every command is wrapped by :func:`command`: a :class:`~hospitaltwin.core.errors.HospitaltwinError`
(or a file the OS refuses) is printed as one clear message on stderr with exit status 2 —
never a traceback. Command modules register themselves on :data:`app` when imported.
:func:`command` also names every option's value in the help (:data:`METAVARS`): ``--store URL``,
``--horizon DURATION``, the same word for the same thing on every verb, never a Python type.
"""

from __future__ import annotations

import functools
from datetime import datetime
import sys
from collections.abc import Callable

import typer
from rich.console import Console
from rich.markup import escape

from hospitaltwin.core.errors import LINE_CHARS, HospitaltwinError, shorten

app = typer.Typer(
    name="hospitaltwin",
    help="A digital twin of hospital operations: simulate, calibrate, forecast, optimise, report.\n\n"
         "New here? `hospitaltwin init DIR` models your own hospital from a few numbers (beds, "
         "admissions a year, mean stays); `hospitaltwin run DIR/scenario.yaml` then simulates it. "
         "Every command has its own --help.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
METAVARS = {
    "--store": "URL", "--at": "TIME", "--horizon": "DURATION", "--warmup": "DURATION",
    "--origins": "DURATION", "--every": "DURATION", "--replications": "N", "--paths": "N",
    "--workers": "N", "--solver-workers": "N", "--node-limit": "N", "--move-days": "N",
    "--max-transfers": "N", "--evaluate": "N", "--seed": "SEED", "--eval-seed": "SEED",
    "--out": "DIR", "--png": "DIR", "--pdf": "FILE", "--xlsx": "FILE", "--events-out": "FILE",
    "--quarantine": "FILE", "--report": "FILE", "--key-file": "FILE", "--map": "FILE",
    "--scenario": "FILE", "--layout": "FILE", "--policy": "FILE", "--options": "FILE",
    "--nurses": "FILE", "--format": "FORMAT", "--timezone": "ZONE", "--since": "DATE",
    "--until": "DATE", "--los": "LAW", "--demand": "MODEL", "--stale-after": "DURATION",
    "--stale-limit": "DURATION", "--trend-weeks": "WEEKS", "--weeks": "WEEKS",
    "--time-limit": "SECONDS", "--gap": "FRACTION", "--keep": "FRACTION", "--min": "POOL=N",
    "--move-cost": "COST", "--transfer-cost": "COST", "--slot-cost": "COST",
    "--bed-weight": "WEIGHT", "--formulation": "NAME", "--name": "NAME",
    "--unit": "NAME:beds=N,…", "--route": "UNIT:TARGET=SHARE,…",
    "--ventilators": "N", "--ventilated": "UNIT=SHARE,…", "--ventilation": "DURATION",
    # arguments, by parameter name
    "scenario": "SCENARIO", "files": "FILE", "inputs": "FILE", "events": "EVENTS",
    "results": "RESULT_DIR", "result": "RESULT_DIR", "directory": "DIR",
}
"""The word for an option's (or argument's) value in the help, by option or parameter name.

One vocabulary for every verb; flags show none. An option missing here must set ``metavar=``
itself (the help test fails otherwise)."""
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
    """Register a verb (on ``app``, or a sub-app such as ``optimize``) with :func:`user_errors`
    and :data:`METAVARS`."""
    return lambda func: (on or app).command(name)(user_errors(name_values(func)))


FORCE_HELP = ("Write into a folder holding files hospitaltwin did not write: the result goes "
              "beside them, and they are never deleted or overwritten.")


def force_option():
    """The ``--force`` option of every verb that writes a result folder."""
    return typer.Option(False, "--force", help=FORCE_HELP)


def _arguments_show_their_metavar() -> None:
    """Let an argument with a metavar show that word alone in the help, as an option does.

    typer (0.2x) prints an argument's Python type beside its name (``SCENARIO <path>``) even
    when a metavar explains it; options already show only their metavar.
    """
    from typer import core

    argument = getattr(core, "TyperArgument", None)
    shown = getattr(argument, "display_type_rich", None)
    if shown is None or getattr(shown, "metavar_aware", False):
        return

    def display_type_rich(self, ctx):
        return None if self.metavar is not None else shown(self, ctx)

    display_type_rich.metavar_aware = True
    argument.display_type_rich = display_type_rich


def name_values(func: Callable) -> Callable:
    """Give every option and argument of ``func`` the metavar of :data:`METAVARS` (flags: none),
    unless it sets its own."""
    import inspect

    from typer.models import ArgumentInfo, OptionInfo

    _arguments_show_their_metavar()
    for parameter in inspect.signature(func).parameters.values():
        info = parameter.default
        if not isinstance(info, (OptionInfo, ArgumentInfo)) or info.metavar is not None:
            continue
        if parameter.annotation in (bool, "bool"):
            info.metavar = ""
            continue
        names = [n for n in getattr(info, "param_decls", None) or () if n.startswith("--")]
        key = names[0].split("/")[0] if names else parameter.name
        info.metavar = METAVARS.get(key)
    return func


def warn(lines) -> None:
    """Print each line as a warning on stderr: what a result cannot be trusted for."""
    for line in lines:
        err.print(f"[bold yellow]warning:[/] {escape(line)}", highlight=False, markup=True, soft_wrap=True)


def _print_version(value: bool) -> None:
    if value:
        from hospitaltwin import __version__

        out.print(f"hospitaltwin {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version, metavar="",
                                       help="Print the version and exit.")) -> None:
    """A digital twin of hospital operations (the help is the app's)."""


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


def scheduler_option():
    """``--scheduler``: the Dask scheduler that runs a verb's replications (default: the
    ``HOSPITALTWIN_DASK_SCHEDULER`` environment variable; neither: local processes)."""
    from hospitaltwin.experiment.executors import SCHEDULER_ENV

    return typer.Option(None, "--scheduler", envvar=SCHEDULER_ENV, metavar="tcp://HOST:PORT",
                        help="Run replications on this Dask cluster instead of local processes "
                             "(--workers is then ignored); results are the same.")


def parse_at(text: str | None, timezone: str) -> datetime | None:
    """``--at`` as a tz-aware UTC time (naive times are in the layout's zone), or None.

    One parser for every command (:func:`hospitaltwin.store.times.parse_user_time`): a local
    time the clocks skip or repeat is refused with both readings named.
    """
    from hospitaltwin.store.times import parse_user_time

    return None if text is None else parse_user_time(text, timezone)


def demand_lines(fits: dict[str, dict]) -> list[str]:
    """One sentence per entry unit on the demand level a forecast or a plan runs at (``fits``:
    each unit's demand model summary, as ``summary.json`` records it)."""
    lines = []
    for unit, fit in fits.items():
        d, p = fit["diagnostics"], fit["params"]
        if fit["model"] == "trend":
            lines.append(f"demand {unit}: {d['level_per_day']:.1f}/day now, trend {d['trend_per_day']:+.1%}/day "
                         f"(90% {d['trend_per_day_band'][0]:+.1%} to {d['trend_per_day_band'][1]:+.1%})")
        elif fit["model"] == "level":
            lo, hi = d["level_ratio_band"]
            lines.append(f"demand {unit}: x{p['multiplier']:.2f} the scenario's, 90% x{lo:.2f} to x{hi:.2f} "
                         f"drawn per replication ({d['fallback']})")
        elif fit["model"] == "multiplier":
            note = f" ({d['fallback']})" if "fallback" in d else ""
            lines.append(f"demand {unit}: x{p['multiplier']:.2f} the scenario's{note}")
    return lines

"""``hospitaltwin optimize KIND …``: the optimisers that propose policies, one sub-command each.

Each kind lives in its own module (``optimize_<kind>``) that registers on :data:`optimize_app`
with :func:`optimize_command`, which turns user errors into one clear message like every verb.
This module knows none of the kinds; :data:`hospitaltwin.cli.VERB_MODULES` lists them.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from hospitaltwin.cli.common import app, command

optimize_app = typer.Typer(name="optimize", help="Propose policies with OR-Tools (roster, surge, network).",
                           no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                           rich_markup_mode=None)
app.add_typer(optimize_app, name="optimize")


def optimize_command(name: str) -> Callable:
    """Register ``optimize NAME``; user errors end in one message on stderr, not a traceback."""
    return command(name, on=optimize_app)


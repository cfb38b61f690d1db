"""``hospitaltwin optimize KIND …``: the optimisers, one sub-command (and module) each.

Each optimiser proposes a policy file that ``hospitaltwin compare`` tests on fresh random
numbers. Sub-commands register on :data:`optimize_app` with :func:`optimizer`, which turns
user errors into one clear message like every other verb.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer

from hospitaltwin.cli.app import app, fail
from hospitaltwin.errors import HospitaltwinError

optimize_app = typer.Typer(name="optimize", no_args_is_help=True,
                           help="Propose policies with OR-Tools (test them with `compare`).")
app.add_typer(optimize_app, name="optimize")


def optimizer(name: str) -> Callable:
    """Register ``hospitaltwin optimize NAME``; user errors end in one message, not a traceback."""

    def register(func: Callable) -> Callable:
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

        return optimize_app.command(name)(wrapper)

    return register


from hospitaltwin.cli import optimize_network  # noqa: E402,F401  (registers `optimize network`)

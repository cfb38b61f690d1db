"""The command line: one verb per stage (docs/design.md). The only module that knows them all.

Each verb's module registers it on import. Start-up is part of every command's time (a short
``run`` should not pay for loading ``report`` or the optimisers), so :func:`main` imports only
the module of the verb asked for, and every module when none is named or the name is unknown
(so the overview help lists them all). ``app``, for tests and embedding, is the command line
with every verb.
"""

from __future__ import annotations

import gc
import sys
from importlib import import_module

VERB_MODULES = {
    "validate": ("validate",), "run": ("run",), "compare": ("compare",), "ingest": ("ingest",),
    "calibrate": ("calibrate",), "sync": ("sync",), "state": ("state",), "forecast": ("forecast",),
    "backtest": ("forecast",), "optimize": ("optimize_surge", "optimize_network", "optimize_roster"),
    "report": ("report",), "init": ("init",), "export": ("export",), "serve": ("serve",),
    "users": ("users",), "keygen": ("keygen",), "animate": ("animate",),
}
"""Verb → the modules of :mod:`hospitaltwin.cli` that register it (``optimize``: one per kind)."""


def load(verbs: list[str] | None = None):
    """The command line with ``verbs`` registered (all when ``None``)."""
    chosen = VERB_MODULES.values() if verbs is None else (VERB_MODULES[v] for v in verbs)
    for module in dict.fromkeys(m for modules in chosen for m in modules):
        import_module(f"hospitaltwin.cli.{module}")
    from hospitaltwin.cli.common import app

    return app


def __getattr__(name: str):
    if name == "app":
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``hospitaltwin`` console script.

    The modules are imported with the cyclic garbage collector paused and then frozen out of
    its sight (:func:`gc.freeze`, as CPython recommends for long-lived start-up objects): none
    of them is garbage, and walking them again at every collection cost a short run ~10%.
    """
    verb = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    gc.disable()
    try:
        app = load([verb] if verb in VERB_MODULES else None)
        gc.freeze()
    finally:
        gc.enable()
    app()

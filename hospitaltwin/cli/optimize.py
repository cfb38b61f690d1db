"""``hospitaltwin optimize KIND …``: the optimisers that propose policies, one sub-command each.

Each kind lives in its own module (``optimize_<kind>``) that registers on :data:`optimize_app`
with :func:`optimize_command`, which turns user errors into one clear message like every verb.
This module knows none of the kinds; :data:`hospitaltwin.cli.VERB_MODULES` lists them. It
holds what the kinds share: ``--demand``, the demand model a plan from the state store draws
its paths from (the forecast's, by default).
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from hospitaltwin.cli.common import app, command, demand_lines, out
from hospitaltwin.core.errors import HospitaltwinError

DEMAND_MODELS = ("trend", "multiplier", "scenario")
DEMAND_HELP = ("With --store: the demand the paths follow. 'trend' (default): the forecast's demand "
               "model fitted to the store's last 4 weeks of arrivals, each path its own level and trend; "
               "'multiplier': one ratio to the scenario's rates; 'scenario': the scenario's rates.")

optimize_app = typer.Typer(name="optimize", help="Propose policies with OR-Tools (roster, surge, network).",
                           no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                           rich_markup_mode=None)
app.add_typer(optimize_app, name="optimize")


def optimize_command(name: str) -> Callable:
    """Register ``optimize NAME``; user errors end in one message on stderr, not a traceback."""
    return command(name, on=optimize_app)


def demand_option():
    """The ``--demand`` option of the optimisers."""
    return typer.Option(None, "--demand", help=DEMAND_HELP)


def store_demand(scenario, store_url: str | None, state, horizon_h: float, seed: int, model: str | None):
    """The demand model a plan's paths follow: fitted to the store's history before ``state``
    (``None`` without a state, or for ``scenario``). Prints one line per entry unit."""
    if model is not None and model not in DEMAND_MODELS:
        raise HospitaltwinError(f"--demand {model!r}: expected {', '.join(DEMAND_MODELS)}")
    if state is None:
        if model is not None:
            raise HospitaltwinError("--demand needs --store: the demand model is fitted to the store's history")
        return None
    from hospitaltwin.optimize.paths import history_demand
    from hospitaltwin.store import Store

    demand = history_demand(scenario, Store.open_existing(store_url), state, horizon_h, seed, model or "trend")
    for line in demand_lines(demand.summaries() if demand is not None else {}):
        out.print(line, highlight=False, markup=False)
    return demand

"""``hospitaltwin compare SCENARIO --policy A.yaml …``: policies on common random numbers."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from hospitaltwin.cli.common import command, force_option, out, paired_table
from hospitaltwin.cli.forecast import _at, _safe_url
from hospitaltwin.cli.run import HEADLINE, _duration
from hospitaltwin.compare import compare
from hospitaltwin.config.load import read_scenario
from hospitaltwin.experiment import with_run
from hospitaltwin.outputs import safe_name
from hospitaltwin.policy import read_policy
from hospitaltwin.results import checksum


@command("compare")
def compare_cmd(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (the baseline: what the hospital does now)."),
    policy: list[Path] = typer.Option(..., "--policy", "-p", help="Policy YAML file; repeat for several."),
    replications: int = typer.Option(None, "--replications", "-r", min=2),
    seed: int = typer.Option(None, "--seed", min=0),
    horizon: str = typer.Option(None, "--horizon"),
    workers: int = typer.Option(1, "--workers", "-w", min=1),
    out_dir: Path = typer.Option(None, "--out", help="Result folder (default: runs/compare-<scenario name>)."),
    show_all: bool = typer.Option(False, "--all", help="Print every KPI, not only the headline ones."),
    store: str = typer.Option(None, "--store", help="Start every policy from this state store's state (warm start)."),
    at: str = typer.Option(None, "--at", help="With --store: the state at this time (default: the last event)."),
    force: bool = force_option(),
) -> None:
    """Run every policy on the same random numbers as the baseline; print paired differences."""
    base = with_run(read_scenario(scenario), replications=replications, seed=seed,
                    horizon=_duration(horizon, "--horizon") and horizon, warmup="0h" if store else None)
    policies = [read_policy(p) for p in policy]
    target = out_dir or Path("runs") / f"compare-{safe_name(base.name, 'scenario')}"
    inputs = {str(p): checksum(p) for p in [scenario, *policy]}
    state = None
    if store:
        base, state = _warm_start(base, store, at)
        inputs["store"] = _safe_url(store)
    result = compare(base, policies, workers=workers, state=state, out=target, inputs=inputs, force=force)
    out.print(_table(result.rows, show_all))
    out.print(f"results: {result.out}", highlight=False)


def _warm_start(base, store_url: str, at: str | None):
    """The scenario run from the store's state: no warmup, calendar from the state's time."""
    from hospitaltwin.forecast import local_origin
    from hospitaltwin.store import Store

    state = Store.open(store_url).state_at(_at(at, base.layout.timezone), base.layout)
    origin = local_origin(state.as_of, base.layout.timezone).isoformat()
    return with_run(base, warmup="0h", origin=origin), state


def _table(rows: list[dict], show_all: bool) -> Table:
    headline = {k for kpis in HEADLINE.values() for k in kpis}
    shown = [r for r in rows if show_all or (r["kpi"] in headline and not (r["diff_lo"] == r["diff_hi"] == 0))]
    return paired_table(shown, "policy - baseline, paired over replications: mean [95% CI]", policy_column=True)

"""``hospitaltwin compare SCENARIO --policy A.yaml …``: policies on common random numbers."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from hospitaltwin.cli.common import command, force_option, out, paired_table, parse_at, scheduler_option, warn
from hospitaltwin.cli.progress import progress
from hospitaltwin.cli.run import HEADLINE, _duration
from hospitaltwin.compare.paired import compare
from hospitaltwin.config.load import read_scenario
from hospitaltwin.config.policy import read_policy
from hospitaltwin.core.outputs import safe_name
from hospitaltwin.experiment.executors import replication_executor
from hospitaltwin.experiment.hazards import hazards
from hospitaltwin.experiment.replicate import with_run
from hospitaltwin.experiment.results import checksum
from hospitaltwin.store.start import provenance, warm_start


@command("compare")
def compare_cmd(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (the baseline: what the hospital does now)."),
    policy: list[Path] = typer.Option(..., "--policy", "-p", help="Policy YAML file; repeat for several."),
    replications: int = typer.Option(None, "--replications", "-r", min=2,
                                     help="Replications of every policy (default: the scenario's)."),
    seed: int = typer.Option(None, "--seed", min=0, help="Root seed every policy shares (default: the scenario's)."),
    horizon: str = typer.Option(None, "--horizon", help="Simulated time, e.g. 14d (default: the scenario's)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Local worker processes; results do not depend on it."),
    scheduler: str = scheduler_option(),
    out_dir: Path = typer.Option(None, "--out", help="Result folder (default: runs/compare-<scenario name>)."),
    show_all: bool = typer.Option(False, "--all", help="Print every KPI, not only the headline ones."),
    store: str = typer.Option(None, "--store", help="Start every policy from this state store's state (warm start)."),
    at: str = typer.Option(None, "--at", help="With --store: the state at this time (default: the last event)."),
    force: bool = force_option(),
) -> None:
    """Run every policy on the same random numbers as the baseline; print paired differences."""
    spec = read_scenario(scenario)
    spec, state, store_url = warm_start(spec, store, parse_at(at, spec.layout.timezone))
    base = with_run(spec, replications=replications, seed=seed, horizon=_duration(horizon, "--horizon") and horizon)
    policies = [read_policy(p) for p in policy]
    inputs = {str(p): checksum(p) for p in [scenario, *policy]} | provenance(state, store_url)
    target = out_dir or Path("runs") / f"compare-{safe_name(base.name, 'scenario')}"
    runs = base.run.replications * (1 + len(policies))
    with replication_executor(workers, scheduler) as pool, progress("compare: replications", runs) as bar:
        result = compare(base, policies, workers=pool, state=state, out=target, inputs=inputs,
                         progress=bar.step, force=force)
    out.print(_table(result.rows, show_all))
    _say(result.rows, [p.name for p in policies])
    warn(hazards(base)["warnings"])
    out.print(f"results: {result.out}", highlight=False, markup=False)


def _say(rows: list[dict], names: list[str]) -> None:
    """Each policy in sentences: what changed, and what limited the change."""
    from hospitaltwin.compare.explain import explain

    for name in names:
        said = explain(rows, name)
        out.print(f"{name}:", highlight=False, markup=False)
        for sentence in said.sentences:
            out.print(f"  {sentence}", highlight=False, markup=False)


def _table(rows: list[dict], show_all: bool) -> Table:
    headline = {k for kpis in HEADLINE.values() for k in kpis}
    shown = [r for r in rows if show_all or (r["kpi"] in headline and not (r["diff_lo"] == r["diff_hi"] == 0))]
    return paired_table(shown, "policy - baseline, paired over replications: mean [95% CI]", policy_column=True)

"""``hospitaltwin validate FILE…``: check layout, demand and scenario files before running.

The one place that knows every kind of file a user writes — layout, demand, scenario, policy,
surge options and roster problem — and tells them apart by their keys (:func:`file_kind`), so
the configuration layer below it need not know the optimisers' files.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from hospitaltwin.cli.common import command, err, out
from hospitaltwin.config.demand import Demand
from hospitaltwin.config.load import layout_from_data, scenario_from_data, validate_model
from hospitaltwin.config.policy import policy_from_data
from hospitaltwin.config.yamlio import load_yaml
from hospitaltwin.core.errors import ConfigError, Problem


def file_kind(data: object) -> str | None:
    """Guess whether a mapping is a ``scenario``, ``layout`` or ``demand``."""
    if not isinstance(data, dict):
        return None
    if "run" in data:
        return "scenario"
    if "options" in data and "unmet_cost_per_patient_day" in data:
        return "surge options"
    if {"period", "contracts", "nurses"} <= set(data):
        return "roster problem"
    if "name" in data and set(data) <= {"name", "description", "layout", "demand", "changes"}:
        return "policy"
    if "arrivals" in data:
        return "demand"
    units = data.get("units")
    if isinstance(units, dict) and units:
        first = next(iter(units.values()))
        if isinstance(first, dict) and "los" in first:
            return "demand"
        return "layout"
    if any(k in data for k in ("equipment", "staff", "hospitals", "links", "transfers")):
        return "layout"
    return None


def validate_file(path: str | Path) -> tuple[str, list[Problem]]:
    """Validate any hospitaltwin file; return its kind and its problems (empty when fine)."""
    path = Path(path)
    try:
        data, src = load_yaml(path)
        kind = file_kind(data)
        if kind == "scenario":
            scenario_from_data(data, src, path.parent)
        elif kind == "layout":
            layout_from_data(data, src)
        elif kind == "demand":
            validate_model(Demand, data, src)
        elif kind == "policy":
            policy_from_data(data, src)
        elif kind == "surge options":
            from hospitaltwin.optimize.surge.options import (
                SurgeOptions,  # the optimisers load only here
            )

            validate_model(SurgeOptions, data, src)
        elif kind == "roster problem":
            from hospitaltwin.optimize.roster.problem import RosterProblem

            validate_model(RosterProblem, data, src)
        else:
            return "unknown", [Problem(str(path), "", "not a layout, demand, scenario or policy file (no 'units', 'arrivals' or 'run' key)")]
    except ConfigError as exc:
        return file_kind(locals().get("data")) or "unknown", exc.problems
    return kind, []


@command("validate")
def validate(files: list[Path] = typer.Argument(..., help="Layout, demand, scenario, policy, surge options or roster problem YAML files.")) -> None:
    """Check files and print every problem with file, key path, line and reason."""
    failed = 0
    for path in files:
        kind, problems = validate_file(path)
        if problems:
            failed += 1
            err.print(f"[red]✗[/] {escape(str(path))} ({kind}): {len(problems)} problem(s)", highlight=False)
            for problem in problems:
                err.print(f"  {problem}", highlight=False, markup=False)
        else:
            out.print(f"[green]✓[/] {escape(str(path))} ({kind})", highlight=False)
    if failed:
        raise typer.Exit(1)

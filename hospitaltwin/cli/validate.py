"""``hospitaltwin validate FILE…``: check layout, demand and scenario files before running."""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, err, out
from hospitaltwin.config.load import validate_file


@command("validate")
def validate(files: list[Path] = typer.Argument(..., help="Layout, demand or scenario YAML files.")) -> None:
    """Check files and print every problem with file, key path, line and reason."""
    failed = 0
    for path in files:
        kind, problems = validate_file(path)
        if problems:
            failed += 1
            err.print(f"[red]✗[/] {path} ({kind}): {len(problems)} problem(s)", highlight=False)
            for problem in problems:
                err.print(f"  {problem}", highlight=False, markup=False)
        else:
            out.print(f"[green]✓[/] {path} ({kind})", highlight=False)
    if failed:
        raise typer.Exit(1)

"""The command line: one verb per stage (see DESIGN.md). The only module that knows them all."""

from hospitaltwin.cli import (calibrate, compare, forecast, ingest, optimize, report, run,  # noqa: F401
                              state, sync, validate)  # each registers its verb
from hospitaltwin.cli.app import app


def main() -> None:
    """Entry point of the ``hospitaltwin`` console script."""
    app()

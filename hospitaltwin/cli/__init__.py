"""The command line: one verb per stage (see DESIGN.md). The only module that knows them all."""

from hospitaltwin.cli import calibrate, compare, ingest, run, validate  # noqa: F401  (each registers its verb)
from hospitaltwin.cli import optimize  # noqa: F401  (the optimize sub-app: roster)
from hospitaltwin.cli.app import app


def main() -> None:
    """Entry point of the ``hospitaltwin`` console script."""
    app()

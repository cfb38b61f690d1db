"""The command line: one verb per stage (see DESIGN.md). The only module that knows them all."""

from hospitaltwin.cli import validate  # noqa: F401  (registers the verb)
from hospitaltwin.cli import ingest  # noqa: F401  (registers the verb)
from hospitaltwin.cli.app import app


def main() -> None:
    """Entry point of the ``hospitaltwin`` console script."""
    app()

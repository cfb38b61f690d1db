"""``python -m hospitaltwin``: the same command line as the ``hospitaltwin`` script."""

from hospitaltwin.cli import main

main()

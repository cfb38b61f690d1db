"""hospitaltwin: a digital twin of hospital operations.

The package is laid out by stage (see DESIGN.md): ``config`` reads and validates the files a
user writes, ``engine`` simulates patient flow with SimPy, ``experiment`` runs seeded
replications and aggregates them, ``results`` writes the tidy tables, and ``cli`` ties the
stages together. Dependencies point one way: the engine knows nothing of files or the CLI.
"""

__version__ = "0.1.0"

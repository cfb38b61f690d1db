"""Experiments with the engine: seeded replications of a scenario and what comes out of them.

:mod:`~hospitaltwin.experiment.replicate` runs a scenario's replications (serially or on worker
processes); :mod:`~hospitaltwin.experiment.results` writes the result directory (tables,
``summary.json``, ``manifest.json``) in the format :mod:`~hospitaltwin.experiment.result_format`
declares; :mod:`~hospitaltwin.experiment.summary` holds the across-replication statistics;
:mod:`~hospitaltwin.experiment.export` writes a simulated replication as a canonical event log.

The package's face is :func:`run_scenario` and :func:`with_run` (the Python API), imported on
first use so that a reader of the result format (``report``) does not load the engine.
"""

__all__ = ["RunResult", "run_scenario", "with_run"]


def __getattr__(name: str):
    """Import the runner on first use: it pulls in the engine."""
    if name in __all__:
        import importlib

        return getattr(importlib.import_module("hospitaltwin.experiment.replicate"), name)
    raise AttributeError(name)

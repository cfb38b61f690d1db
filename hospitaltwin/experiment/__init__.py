"""Experiments with the engine: seeded replications of a scenario and what comes out of them.

:mod:`~hospitaltwin.experiment.replicate` runs a scenario's replications (serially or on worker
processes); :mod:`~hospitaltwin.experiment.results` writes the result directory (tables,
``summary.json``, ``manifest.json``); :mod:`~hospitaltwin.experiment.summary` holds the
across-replication statistics; :mod:`~hospitaltwin.experiment.export` writes a simulated
replication as a canonical event log.
"""

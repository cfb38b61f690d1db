"""hospitaltwin: a digital twin of hospital operations.

The package is laid out by stage, in layers (docs/design.md): ``core`` holds the utilities,
``config`` reads and validates the files a user writes, ``calendar`` lays demand, beds and staff
out in run hours, ``eventlog`` reads admit/discharge/transfer logs, ``engine`` simulates patient
flow with SimPy (``crosscheck`` is an independent second engine), ``experiment`` runs seeded
replications and writes results, ``calibrate`` fits demand to an event log, ``store`` keeps the
hospital's state, ``forecast``, ``compare`` and ``backtest`` build on them, ``optimize`` and
``report`` on those, and ``cli`` ties the stages together. Dependencies point down only.
"""

__version__ = "0.1.0"

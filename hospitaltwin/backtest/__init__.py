"""Backtests: how far to trust the twin's forecasts, scored against what happened.

:func:`run_backtest` makes rolling-origin forecasts from a history (the state store) and
scores them per resource and lead time beside three baselines; :func:`write_backtest` writes
``scores.csv``, ``reliability.csv``, ``summary.json`` and a manifest.
"""

from hospitaltwin.backtest.run import Backtest, History, origins_between, run_backtest
from hospitaltwin.backtest.write import write_backtest

__all__ = ["Backtest", "History", "origins_between", "run_backtest", "write_backtest"]

"""Calibration: turn unit stays and equipment episodes into a demand file the engine runs.

Durations (length of stay, equipment use, escalation delays) are fitted with right-censoring
handled (:mod:`~hospitaltwin.calibrate.los`); the public entry point that builds a whole
``Demand`` with its report is :func:`~hospitaltwin.calibrate.assemble.calibrate`.
"""

from hospitaltwin.calibrate.los import LosReport, fit_los

__all__ = ["LosReport", "fit_los"]

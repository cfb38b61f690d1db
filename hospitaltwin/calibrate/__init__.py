"""Calibration: turn unit stays and equipment episodes into a demand file the engine runs.

:func:`calibrate` fits arrival streams with hour-of-week profiles
(:mod:`~hospitaltwin.calibrate.arrivals`), length-of-stay laws with right-censoring handled
(:mod:`~hospitaltwin.calibrate.los`), routing shares (:mod:`~hospitaltwin.calibrate.routing`)
and equipment needs with escalation (:mod:`~hospitaltwin.calibrate.equipment`), and returns a
validated ``Demand`` with a :class:`CalibrationReport`; :func:`write_demand` writes both.
"""

from hospitaltwin.calibrate.arrivals import ArrivalReport, fit_arrivals
from hospitaltwin.calibrate.assemble import calibrate, summary_path, write_demand
from hospitaltwin.calibrate.calibration_report import CalibrationReport, print_report, report_tables
from hospitaltwin.calibrate.equipment import EquipmentReport, fit_equipment
from hospitaltwin.calibrate.los import LosReport, fit_los
from hospitaltwin.calibrate.routing import RoutingReport, fit_routing

__all__ = [
    "ArrivalReport",
    "CalibrationReport",
    "EquipmentReport",
    "LosReport",
    "RoutingReport",
    "calibrate",
    "fit_arrivals",
    "fit_equipment",
    "fit_los",
    "fit_routing",
    "print_report",
    "report_tables",
    "summary_path",
    "write_demand",
]

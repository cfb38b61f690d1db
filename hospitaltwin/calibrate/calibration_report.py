"""The calibration report: sample sizes, estimates, intervals and warnings, as JSON or tables.

:class:`CalibrationReport` gathers the reports of every fitted part (arrival streams, and per
unit the length of stay, routing and equipment) with the window and the data counts. Its
:meth:`~CalibrationReport.to_dict` is plain JSON (NaN written as null) and is what
``write_demand`` saves next to the demand file; :func:`report_tables` renders the same content
as ``rich`` tables for a terminal. Every warning is also listed once at the top level with the
key path of the parameter it concerns (``units.ICU.los``, ``arrivals.ED:walk-in``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from rich.console import Console
from rich.table import Table

from hospitaltwin.calibrate.arrivals import ArrivalReport
from hospitaltwin.calibrate.equipment import EquipmentReport
from hospitaltwin.calibrate.los import LosReport
from hospitaltwin.calibrate.routing import RoutingReport


@dataclass(frozen=True)
class UnitReport:
    """Length of stay, routing and equipment of one unit."""

    los: LosReport
    routing: RoutingReport
    equipment: tuple[EquipmentReport, ...] = ()

    def to_dict(self) -> dict:
        """A JSON-ready summary."""
        return {
            "los": self.los.to_dict(),
            "routing": self.routing.to_dict(),
            "equipment": {e.kind: e.to_dict() for e in self.equipment},
        }


@dataclass(frozen=True)
class CalibrationReport:
    """Everything a reader needs to judge a calibrated demand.

    Attributes
    ----------
    window : dict
        ``since``, ``until`` (ISO 8601, UTC), ``days`` and ``timezone``.
    data : dict
        Counts of stays and episodes read, used, censored and set aside.
    los_choice : str
        How length-of-stay laws were chosen.
    arrivals : tuple of ArrivalReport
        One per stream.
    units : dict of str to UnitReport
        One per unit with stays in the window.
    notes : tuple of tuple
        Warnings about the data as a whole, as ``(where, message)``.
    """

    window: dict
    data: dict
    los_choice: str
    arrivals: tuple[ArrivalReport, ...]
    units: dict[str, UnitReport]
    notes: tuple[tuple[str, str], ...] = field(default=())

    def warnings(self) -> list[dict[str, str]]:
        """Every warning with the key path it concerns."""
        out = [{"where": w, "message": m} for w, m in self.notes]
        out += [
            {"where": f"arrivals.{a.stream}", "message": m}
            for a in self.arrivals
            for m in a.warnings
        ]
        for uid, unit in self.units.items():
            out += [{"where": f"units.{uid}.los", "message": m} for m in unit.los.warnings]
            out += [{"where": f"units.{uid}.next", "message": m} for m in unit.routing.warnings]
            for eq in unit.equipment:
                where = f"units.{uid}.equipment.{eq.kind}"
                out += [{"where": where, "message": m} for m in eq.warnings]
                out += [{"where": f"{where}.duration", "message": m} for m in eq.duration.warnings]
                if eq.after is not None:
                    out += [{"where": f"{where}.after", "message": m} for m in eq.after.warnings]
        return out

    def to_dict(self) -> dict:
        """The report as plain JSON-ready data (NaN and infinities become ``None``)."""
        return _plain(
            {
                "window": self.window,
                "data": self.data,
                "los_choice": self.los_choice,
                "arrivals": [a.to_dict() for a in self.arrivals],
                "units": {uid: u.to_dict() for uid, u in self.units.items()},
                "warnings": self.warnings(),
            }
        )


def _plain(value):
    """Recursively turn numpy scalars and arrays into Python values, NaN into None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _h(hours: float) -> str:
    if hours is None or not math.isfinite(hours):
        return "-"
    return f"{hours / 24:.2f} d" if hours >= 48 else f"{hours:.1f} h"


def _ci(pair, fmt) -> str:
    lo, hi = pair
    return f"[{fmt(lo)}, {fmt(hi)}]" if math.isfinite(lo) and math.isfinite(hi) else "-"


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def arrivals_table(report: CalibrationReport) -> Table:
    """Arrival streams: count, rate per day with its interval, profile model."""
    table = Table(title="Arrivals (per day)")
    for col in ("stream", "n", "rate [95% CI]", "profile (smooth model)", "own-data weight"):
        table.add_column(
            col, justify="left" if col in ("stream", "profile (smooth model)") else "right"
        )
    for a in report.arrivals:
        table.add_row(
            a.stream,
            str(a.n),
            f"{a.rate:.3f} {_ci(a.ci95, lambda v: f'{v:.3f}')}",
            a.profile.model,
            f"{np.median(a.profile.weight):.2f}",
        )
    return table


def _with_ci(value: float, ci: tuple[float, float]) -> str:
    """``3.98 d [3.72, 4.26]``: one unit for the value and its interval."""
    if not math.isfinite(value):
        return "-"
    days = value >= 48
    fmt = (lambda v: f"{v / 24:.2f}") if days else (lambda v: f"{v:.1f}")
    return f"{fmt(value)} {'d' if days else 'h'} {_ci(ci, fmt)}"


def los_table(report: CalibrationReport) -> Table:
    """Length of stay per unit: law, mean and sd with intervals, goodness of fit."""
    table = Table(title="Length of stay")
    for col in ("unit", "n", "open", "law", "mean [95% CI]", "sd [95% CI]", "dAIC", "KS"):
        table.add_column(col, justify="left" if col in ("unit", "law") else "right")
    for uid, unit in report.units.items():
        los, fit = unit.los, unit.los.best()
        aics = [c.aic for c in los.candidates]
        table.add_row(
            uid,
            str(los.n),
            str(los.n_censored),
            los.chosen,
            _with_ci(fit.mean, fit.mean_ci) if fit else "-",
            _with_ci(fit.sd, fit.sd_ci) if fit else "-",
            f"{aics[1] - aics[0]:.1f}" if len(aics) > 1 else "-",
            f"{los.ks_km[fit.family]:.3f}" if fit else "-",
        )
    table.caption = "open: still in the unit at the end (censored); dAIC: runner-up minus best"
    return table


def routing_table(report: CalibrationReport) -> Table:
    """Routing branches per unit with counts, shares and intervals."""
    table = Table(title="Routing")
    for col in ("from", "to", "count", "share [95% CI]"):
        table.add_column(col, justify="left" if col in ("from", "to") else "right")
    for uid, unit in report.units.items():
        for b in unit.routing.branches:
            table.add_row(uid, b.target, str(b.count), f"{_pct(b.written)} {_ci(b.ci95, _pct)}")
    return table


def equipment_table(report: CalibrationReport) -> Table:
    """Equipment needs: share of stays, duration, escalation delay."""
    table = Table(title="Equipment")
    for col in ("unit", "device", "given", "k / n", "p [95% CI]", "duration", "after"):
        table.add_column(col, justify="left" if col in ("unit", "device", "given") else "right")
    for uid, unit in report.units.items():
        for e in unit.equipment:
            dur, after = e.duration.best(), e.after.best() if e.after else None
            table.add_row(
                uid,
                e.kind,
                e.given or "",
                f"{e.k} / {e.n}",
                f"{_pct(e.p)} {_ci(e.ci95, _pct)}",
                f"{e.duration.chosen} {_h(dur.mean)}" if dur else "-",
                f"{e.after.chosen} {_h(after.mean)}" if after else "",
            )
    return table


def report_tables(report: CalibrationReport) -> list[Table]:
    """All tables of a report, warnings last."""
    warnings = Table(title="Warnings")
    warnings.add_column("where")
    warnings.add_column("message")
    for w in report.warnings():
        warnings.add_row(w["where"], w["message"])
    tables = [arrivals_table(report), los_table(report), routing_table(report),
              equipment_table(report), warnings]
    return [t for t in tables if t.row_count]  # an empty table says nothing


def print_report(report: CalibrationReport, console: Console | None = None) -> None:
    """Print the report's tables to ``console`` (a new one on stdout by default)."""
    console = console or Console()
    w = report.window
    console.print(
        f"Calibration window {w['since']} to {w['until']} ({w['days']:.1f} days), "
        f"timezone {w['timezone']}; length of stay chosen by {report.los_choice}"
    )
    for table in report_tables(report):
        console.print(table)

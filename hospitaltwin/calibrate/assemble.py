"""From unit stays and equipment episodes to a validated ``Demand`` and its report.

:func:`calibrate` is the whole calibration stage as one function over data frames (the
``calibrate`` CLI verb reads the event log, builds the stays and episodes, calls it and writes
with :func:`write_demand`). It windows the data (:mod:`~hospitaltwin.calibrate.window`), fits
arrival streams, and per unit with stays in the window a length-of-stay law, routing shares
and equipment needs, then validates the result with the ``Demand`` model after one round of
serialisation, so the returned model is exactly what reading the written file gives back.
:func:`write_demand` writes the YAML with a provenance header and the JSON summary beside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from hospitaltwin import __version__
from hospitaltwin.calibrate.arrivals import MIN_ARRIVALS, fit_arrivals
from hospitaltwin.calibrate.calibration_report import CalibrationReport, UnitReport
from hospitaltwin.calibrate.equipment import ESCALATIONS, fit_equipment
from hospitaltwin.calibrate.los import CHOICES, fit_los
from hospitaltwin.calibrate.routing import MIN_BRANCH, fit_routing
from hospitaltwin.calibrate.window import (
    EPISODE_COLUMNS,
    resolve_window,
    window_episodes,
    window_stays,
)
from hospitaltwin.config.demand import Calibrated, Demand, UnitDemand
from hospitaltwin.config.yamlio import write_yaml
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import output_file


def calibrate(
    stays: pd.DataFrame,
    episodes: pd.DataFrame | None = None,
    *,
    timezone: str = "UTC",
    since=None,
    until=None,
    los_choice: str = "aic",
    by_source: bool = True,
    escalations: Mapping[str, str] = ESCALATIONS,
    empirical_points: int = 200,
    min_stays: int = 30,
    min_branch: int = MIN_BRANCH,
) -> tuple[Demand, CalibrationReport]:
    """Calibrate a demand from unit stays and equipment episodes.

    Parameters
    ----------
    stays : DataFrame
        One row per stay: ``patient_id, encounter_id, unit, start, end, next, source, entry,
        from_unit`` (``end`` and ``next`` missing while the stay is open); ``attrs["log_end"]``
        the last log timestamp.
    episodes : DataFrame, optional
        Equipment episodes: ``patient_id, unit, equipment, start, end``.
    timezone : str
        The layout's timezone: hour-of-week profiles are in local time, and naive ``since`` /
        ``until`` are read in it.
    since, until : str, date, datetime or Timestamp, optional
        The window (defaults: earliest start, end of the log). Stays starting before ``since``
        are left out; stays open at ``until`` are censored there.
    los_choice : str
        ``"aic"``, ``"bic"``, ``"empirical"`` or a family name (see
        :func:`~hospitaltwin.calibrate.los.fit_los`); also used for equipment durations.
    by_source : bool
        One arrival stream per encounter source where the log has sources.
    escalations : mapping of str to str
        Device kind to the kind it escalates from.
    empirical_points : int
        Quantiles kept in an empirical law.
    min_stays, min_branch : int
        Thresholds under which estimates are flagged as thin.

    Returns
    -------
    demand : Demand
        Validated, and equal to what :func:`write_demand` then ``read_demand`` give back.
    report : CalibrationReport

    Raises
    ------
    HospitaltwinError
        When columns are missing or no stay starts inside the window.
    """
    if los_choice not in CHOICES:
        raise HospitaltwinError(f"los_choice is one of {', '.join(CHOICES)}; got {los_choice!r}")
    episodes = _episodes(episodes)
    lo, hi = resolve_window(stays, episodes, since, until, timezone)
    ws, we = window_stays(stays, lo, hi), window_episodes(episodes, lo, hi)
    if ws.empty:
        raise HospitaltwinError(f"no stay starts inside the window {lo} to {hi}")
    units, unit_reports, eq_reports = _fit_units(
        ws, we, hi, escalations, los_choice, empirical_points, min_stays, min_branch
    )
    streams, arrivals = fit_arrivals(
        ws, lo, hi, timezone=timezone, by_source=by_source,
        min_arrivals=max(min_stays, MIN_ARRIVALS),
    )  # fmt: skip
    window = {
        "since": lo.isoformat(),
        "until": hi.isoformat(),
        "days": (hi - lo) / pd.Timedelta(days=1),
        "timezone": timezone,
    }
    data = _data_counts(stays, episodes, ws, we, eq_reports)
    calibrated = Calibrated(since=lo.floor("s").to_pydatetime(), until=hi.ceil("s").to_pydatetime(),
                            timezone=timezone)
    demand = Demand(description=_description(window, data), calibrated=calibrated, arrivals=streams, units=units)
    notes = tuple(_notes(data, streams))
    report = CalibrationReport(window, data, los_choice, arrivals, unit_reports, notes)
    return canonical(demand), report


def _fit_units(ws, we, until, escalations, los_choice, points, min_stays, min_branch):
    """Per unit: ``UnitDemand`` and ``UnitReport``; plus every equipment report."""
    names = sorted(ws["unit"].astype(str).unique())
    needs, eq_reports = fit_equipment(
        ws, we, until, escalations=escalations, los_choice=los_choice, min_stays=min_stays
    )
    units, reports = {}, {}
    for uid in names:
        rows = ws[ws["unit"] == uid]
        los, los_report = fit_los(
            rows["duration_h"], rows["observed"], choice=los_choice,
            empirical_points=points, min_stays=min_stays,
        )  # fmt: skip
        nxt, routing = fit_routing(uid, rows["next"], names, min_stays=min_stays,
                                   min_branch=min_branch)  # fmt: skip
        units[uid] = UnitDemand(los=los, next=nxt, equipment=needs.get(uid, {}))
        own = tuple(e for e in eq_reports if e.unit == uid)
        reports[uid] = UnitReport(los_report, routing, own)
    return units, reports, eq_reports


def _episodes(episodes: pd.DataFrame | None) -> pd.DataFrame:
    if episodes is not None:
        return episodes
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in EPISODE_COLUMNS})
    for col in ("start", "end"):
        empty[col] = pd.Series(dtype="datetime64[ns, UTC]")
    return empty


def _data_counts(stays, episodes, ws, we, eq_reports) -> dict:
    matched = sum(e.k for e in eq_reports)
    return {
        "stays": len(stays),
        "stays_used": len(ws),
        "stays_censored": int((~ws["observed"]).sum()),
        "stays_outside_window": len(stays) - len(ws) - ws.attrs.get("dropped_negative", 0),
        "stays_ending_before_start": ws.attrs.get("dropped_negative", 0),
        "entries": int(ws["entry"].sum()),
        "episodes": len(episodes),
        "episodes_in_window": len(we),
        "episodes_censored": int((~we["observed"]).sum()) if len(we) else 0,
        "stay_device_pairs": matched,
    }


def _description(window: dict, data: dict) -> str:
    since, until = (
        pd.Timestamp(window[k]).isoformat(timespec="seconds") for k in ("since", "until")
    )
    stays = data["stays_used"]
    return f"Calibrated by hospitaltwin {__version__} from {stays} unit stays, {since} to {until}"


def _notes(data: dict, streams) -> list[tuple[str, str]]:
    out = []
    if data["stays_ending_before_start"]:
        out.append(
            ("data", f"{data['stays_ending_before_start']} stays end before they start; left out")
        )
    if not streams:
        out.append(("arrivals", "no stay is marked as an entry from outside: no arrival streams"))
    if data["episodes_in_window"] > data["stay_device_pairs"]:
        extra = data["episodes_in_window"] - data["stay_device_pairs"]
        why = "repeats in a stay, escalations without their base device, or no stay to match"
        out.append(("equipment", f"{extra} episodes in the window are not used ({why})"))
    return out


def canonical(demand: Demand) -> Demand:
    """The demand as it reads back from its own file (durations through their text form)."""
    return Demand.model_validate(demand_data(demand))


def demand_data(demand: Demand) -> dict:
    """The demand as plain data for YAML: durations as text, no empty or meaningless keys."""
    data = demand.model_dump(mode="json", by_alias=True, exclude_none=True)
    for stream in data.get("arrivals", []):
        if "schedule" not in stream:
            stream.pop("at", None)
            stream.pop("spread", None)
    for unit in data.get("units", {}).values():
        if not unit.get("equipment"):
            unit.pop("equipment", None)
    return data


def summary_path(path: str | Path) -> Path:
    """Where the JSON summary of ``path`` goes: ``demand.yaml`` -> ``demand.calibration.json``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.calibration.json")


def write_demand(
    demand: Demand,
    path: str | Path,
    report: CalibrationReport | None = None,
) -> tuple[Path, Path | None]:
    """Write a demand file (YAML, durations with units) and, with a report, its JSON summary.

    Parameters
    ----------
    demand : Demand
        The demand to write.
    path : str or Path
        The YAML file.
    report : CalibrationReport, optional
        Written to :func:`summary_path` and summarised in the header comment.

    Returns
    -------
    tuple of Path
        The YAML file and the summary (None without a report).
    """
    path = write_yaml(Path(path), demand_data(demand), _header(report, path))
    if report is None:
        return path, None
    summary = summary_path(path)
    with output_file(summary) as tmp:
        tmp.write_text(json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path, summary


def _header(report: CalibrationReport | None, path: Path) -> str:
    lines = [f"Demand written by hospitaltwin {__version__}."]
    if report is not None:
        w, d = report.window, report.data
        lines += [
            f"Window {w['since']} to {w['until']} ({w['days']:.1f} days), "
            f"profiles in {w['timezone']}.",
            f"Data: {d['stays_used']} unit stays ({d['stays_censored']} still open, censored), "
            f"{d['entries']} arrivals, {d['episodes_in_window']} equipment episodes.",
            f"Length-of-stay laws chosen by {report.los_choice}; "
            f"warnings: {len(report.warnings())}.",
            f"Sample sizes and 95% intervals of every parameter: {summary_path(path).name}",
        ]
    return "\n".join(lines)

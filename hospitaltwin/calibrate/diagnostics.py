"""Diagnostics of a calibration, as small tables a report can plot.

``profiles.csv``: per arrival stream and hour of week, the observed relative rate (raw
counts over exposure, mean 1) beside the fitted profile written to the demand file.
``survival.csv``: per unit, the Kaplan--Meier survival of observed stays (censoring handled)
beside the survival of the fitted law, on a grid up to the 99th percentile of observed stays.
Both go into a calibration result directory with the report and a manifest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from hospitaltwin.calibrate.calibration_report import CalibrationReport
from hospitaltwin.calibrate.survival import kaplan_meier
from hospitaltwin.config.demand import Demand, make_law
from hospitaltwin.core.outputs import ResultFolder
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_csv, write_json


def profile_rows(report: CalibrationReport) -> list[tuple]:
    """``(stream, how, observed, fitted)`` for every stream and hour of week."""
    rows = []
    for stream in report.arrivals:
        raw = np.asarray(stream.profile.raw, dtype=float)
        observed = raw / raw.mean() if raw.mean() > 0 else raw
        for how, (obs, fit) in enumerate(zip(observed, stream.profile.profile)):
            rows.append((stream.stream, how, round(float(obs), 5), round(float(fit), 5)))
    return rows


def survival_rows(stays: pd.DataFrame, demand: Demand, points: int = 60) -> list[tuple]:
    """``(unit, hours, km, fitted)`` for every calibrated unit."""
    rows = []
    log_end = stays.attrs.get("log_end")
    for unit, spec in demand.units.items():
        mine = stays[stays["unit"] == unit]
        if mine.empty:
            continue
        end = mine["end"].fillna(log_end) if log_end is not None else mine["end"]
        hours = ((end - mine["start"]) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
        keep = np.isfinite(hours) & (hours >= 0)
        km = kaplan_meier(hours[keep], mine["end"].notna().to_numpy()[keep])
        law = make_law(spec.los)
        for h in np.linspace(0, np.quantile(hours[keep], 0.99), points):
            rows.append((unit, round(float(h), 3), round(float(1 - km.cdf(h)), 5), round(law.sf(float(h)), 5)))
    return rows


def write_calibration_result(out: Path, demand_path: Path, report: CalibrationReport,
                             stays: pd.DataFrame, demand: Demand, inputs: dict[str, str],
                             force: bool = False) -> Path:
    """A result folder (manifest kind ``calibration``) that ``report`` can read, written as a
    folder the tool owns (:class:`~hospitaltwin.core.outputs.ResultFolder`)."""
    with ResultFolder(out, force) as result:
        folder = result.path
        shutil.copyfile(demand_path, folder / "demand.yaml")
        write_json(folder / "summary.json", report.to_dict())
        write_csv(folder / "profiles.csv", CSV_COLUMNS["profiles"], profile_rows(report))
        write_csv(folder / "survival.csv", CSV_COLUMNS["survival"], survival_rows(stays, demand))
        data = demand.model_dump(mode="json", by_alias=True, exclude_none=True)
        write_json(folder / "manifest.json", manifest("calibration", {"demand": data}, 0, 0, inputs,
                                                      {"window": report.window, "summary": "summary.json"}))
    return result.out


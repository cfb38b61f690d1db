"""Equipment use per unit: how often a stay needs a device, for how long, and escalation.

An episode belongs to the stay of the same patient in the unit where it started, whose
``[start, end)`` holds the episode's start (a stay still open at ``until`` holds everything
up to it). The probability of needing a device on entering a unit is the share of the unit's
stays in the window with at least one episode of that kind (Wilson interval; stays still open
are counted, which slightly understates devices started late in long stays). The duration law
is fitted like a length of stay, right-censoring included, to each stay's first episode: the
engine gives a stay one episode per device, and repeat episodes are counted in the report.

An escalation such as ECLS after ventilation (``escalations={"ecls": "ventilator"}``) is
written as ``given: ventilator``: its ``p`` is the share of stays with a ventilator that went
on to ECLS at or after the ventilator's start, and ``after`` is the law of the delay between
the two starts, fitted to the escalations seen. Escalations that would have happened after the
window closed are not seen, so ``p`` is a slight underestimate for stays still open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hospitaltwin.calibrate.los import LosReport, fit_los
from hospitaltwin.config.demand import EquipmentNeed
from hospitaltwin.core.tstats import wilson

ESCALATIONS: Mapping[str, str] = {"ecls": "ventilator"}
MIN_STAYS, MIN_EPISODES = 30, 5
_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class EquipmentReport:
    """One device kind in one unit.

    Attributes
    ----------
    unit, kind : str
        Where and what.
    given : str or None
        The device this one escalates from.
    n, k : int
        Stays at risk (all stays, or stays with ``given``) and stays that needed ``kind``.
    p, ci95 : float, tuple
        ``k / n`` and its Wilson interval.
    n_repeat : int
        Stays with more than one episode of ``kind`` (only the first is used).
    n_without_given : int
        For an escalation, stays that had ``kind`` without ``given`` before it (not modelled).
    duration, after : LosReport
        The duration law's fit, and for an escalation the delay law's fit.
    """

    unit: str
    kind: str
    given: str | None
    n: int
    k: int
    p: float
    ci95: tuple[float, float]
    n_repeat: int
    n_without_given: int
    duration: LosReport
    after: LosReport | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """A JSON-ready summary."""
        return {
            "given": self.given,
            "n": self.n,
            "k": self.k,
            "p": self.p,
            "ci95": list(self.ci95),
            "n_repeat": self.n_repeat,
            "n_without_given": self.n_without_given,
            "duration": self.duration.to_dict(),
            "after": self.after.to_dict() if self.after else None,
            "warnings": list(self.warnings),
        }


def first_episodes(
    stays: pd.DataFrame, episodes: pd.DataFrame, until: pd.Timestamp
) -> pd.DataFrame:
    """Each stay's first episode of each kind, with ``n_episodes`` per stay and kind.

    Parameters
    ----------
    stays : DataFrame
        Windowed stays (:func:`~hospitaltwin.calibrate.window.window_stays`).
    episodes : DataFrame
        Windowed episodes (:func:`~hospitaltwin.calibrate.window.window_episodes`).
    until : Timestamp
        End of the window (where open stays end).

    Returns
    -------
    DataFrame
        Columns ``stay, unit, equipment, ep_start, duration_h, observed, n_episodes``.
    """
    left = (
        stays[["patient_id", "unit", "start", "end", "observed"]].rename_axis("stay").reset_index()
    )
    left["stop"] = left["end"].where(left["observed"], until + pd.Timedelta(seconds=1))
    eps = episodes.rename(columns={"start": "ep_start"})[
        ["patient_id", "unit", "equipment", "ep_start", "duration_h", "observed"]
    ].rename(columns={"observed": "ep_observed"})
    pairs = left.merge(eps, on=["patient_id", "unit"])
    pairs = pairs[(pairs["ep_start"] >= pairs["start"]) & (pairs["ep_start"] < pairs["stop"])]
    pairs = pairs.sort_values(["stay", "equipment", "ep_start"], kind="stable")
    counts = pairs.groupby(["stay", "equipment"]).size().rename("n_episodes")
    first = pairs.drop_duplicates(["stay", "equipment"]).join(counts, on=["stay", "equipment"])
    return (
        first[["stay", "unit", "equipment", "ep_start", "duration_h", "ep_observed", "n_episodes"]]
        .rename(columns={"ep_observed": "observed"})
        .reset_index(drop=True)
    )


def fit_equipment(
    stays: pd.DataFrame,
    episodes: pd.DataFrame,
    until: pd.Timestamp,
    *,
    escalations: Mapping[str, str] = ESCALATIONS,
    los_choice: str = "aic",
    min_stays: int = MIN_STAYS,
    min_episodes: int = MIN_EPISODES,
) -> tuple[dict[str, dict[str, EquipmentNeed]], tuple[EquipmentReport, ...]]:
    """Equipment needs per unit from windowed stays and episodes.

    Parameters
    ----------
    stays, episodes : DataFrame
        Windowed stays and episodes.
    until : Timestamp
        End of the window.
    escalations : mapping of str to str
        Device kind to the kind it escalates from (default ECLS from ventilator). Applied in a
        unit only where both kinds were seen there.
    los_choice : str
        Law selection for durations (see :func:`~hospitaltwin.calibrate.los.fit_los`).
    min_stays, min_episodes : int
        Fewer stays at risk, or fewer stays with the device, add a warning.

    Returns
    -------
    needs : dict
        Unit to ``{kind: EquipmentNeed}``, ready for ``UnitDemand.equipment``.
    reports : tuple of EquipmentReport
    """
    first = first_episodes(stays, episodes, until)
    needs: dict[str, dict[str, EquipmentNeed]] = {}
    reports = []
    for unit, rows in first.groupby("unit", sort=True):
        n_stays = int((stays["unit"] == unit).sum())
        kinds = sorted(rows["equipment"].unique())
        for kind in kinds:
            given = escalations.get(kind) if escalations.get(kind) in kinds else None
            args = (str(unit), str(kind), rows, n_stays, los_choice, min_stays, min_episodes)
            need, report = _escalation(*args, given) if given else _plain(*args)
            needs.setdefault(str(unit), {})[str(kind)] = need
            reports.append(report)
    return needs, tuple(reports)


def _plain(unit, kind, rows, n_stays, los_choice, min_stays, min_episodes):
    mine = rows[rows["equipment"] == kind]
    spec, fit = fit_los(mine["duration_h"], mine["observed"], choice=los_choice, what="episodes")
    report = _report(unit, kind, None, n_stays, mine, 0, fit, None, min_stays, min_episodes)
    return EquipmentNeed(p=_p(report.p), duration=spec), report


def _escalation(unit, kind, rows, n_stays, los_choice, min_stays, min_episodes, given):
    base = rows[rows["equipment"] == given].set_index("stay")["ep_start"]
    mine = rows[rows["equipment"] == kind].join(base.rename("given_start"), on="stay")
    later = mine[mine["given_start"].notna() & (mine["ep_start"] >= mine["given_start"])]
    if later.empty:
        return _plain(unit, kind, rows, n_stays, los_choice, min_stays, min_episodes)
    spec, fit = fit_los(later["duration_h"], later["observed"], choice=los_choice, what="episodes")
    delay = ((later["ep_start"] - later["given_start"]) / _HOUR).to_numpy(float)
    after_spec, after = fit_los(
        delay, np.ones(delay.size, bool), choice=los_choice, what="escalations"
    )
    report = _report(
        unit,
        kind,
        given,
        base.size,
        later,
        len(mine) - len(later),
        fit,
        after,
        min_stays,
        min_episodes,
    )
    return EquipmentNeed(p=_p(report.p), duration=spec, given=given, after=after_spec), report


def _p(p: float) -> float:
    return float(f"{p:.4g}")


def _report(unit, kind, given, n, mine, n_without, fit, after, min_stays, min_episodes):
    k = len(mine)
    warnings = []
    if n < min_stays:
        warnings.append(f"only {n} stays at risk (fewer than {min_stays}): p is rough")
    if k < min_episodes:
        warnings.append(f"only {k} stays needed {kind} (fewer than {min_episodes})")
    repeat = int((mine["n_episodes"] > 1).sum())
    if repeat > 0.1 * k:
        warnings.append(
            f"{repeat} of {k} stays had repeat {kind} episodes; only the first is modelled"
        )
    if n_without:
        warnings.append(f"{n_without} stays started {kind} without {given} before it; not modelled")
    return EquipmentReport(
        unit, kind, given, n, k, k / n, wilson(k, n), repeat, n_without, fit, after, tuple(warnings)
    )

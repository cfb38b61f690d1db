"""The surge plan's data: options, limits and, per demand path, what each choice of beds leaves unplaced.

Everything the model needs is computed here with numpy, so the model itself holds no
hospital logic. A unit's base capacity is its nominal staffed beds hour by hour (physical beds
after the scenario's own bed changes, capped by the rostered nurses times the ratio, shared
between a staff group's units as the engine shares them; sick calls are not drawn). For each
unit whose capacity the plan changes — a unit served by surge beds, or one giving beds up —
and each path ``s`` and day ``d``, ``shortfall[s, u, d, k]`` is the patient-hours of demand
above capacity when the unit gains (or gives) ``k`` beds; it is convex in ``k``, which lets
the model represent it exactly with a few linear cuts.

What the shortfall approximates: the demand paths are unconstrained (every patient who needs
the unit is in it), so hours where demand exceeds capacity count patients the real unit could
not place — they board in the ED or wait elsewhere, or are diverted. Summing them over the
day's 24 hourly levels gives patient-hours (/24: patient-days) not placed. It ignores the
knock-on effects a queue has (a patient who waits starts their stay later; a diverted one
never comes), so it is exact while shortages are short and rare and a proxy beyond; the plan
is therefore always judged afterwards in the twin itself (``compare`` on fresh seeds).
Hourly levels are used because the paths are hourly and ICU demand moves within a day
(admissions by day, discharges by late morning). ``shortfall: daily_peak`` instead holds the
day's worst hour for the whole day: a conservative plan that covers every peak.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from hospitaltwin.calendar.staffing import group_capacity, on_duty, share_capacity, step_at
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.engine import compile_scenario
from hospitaltwin.optimize.paths import DemandPaths
from hospitaltwin.optimize.surge.options import SurgeOptions


@dataclass(frozen=True)
class SurgeData:
    """Indexed data of one surge plan: options ``o``, days ``d``, units ``u``, paths ``s``.

    ``shortfall[s, u, d, k]`` (patient-hours) is defined for ``k <= most_change[u]``;
    ``serves[u, o]`` is 1 where option ``o``'s beds change unit ``u``'s capacity (it serves
    ``u``, or it takes its beds from ``u`` when ``donor[u]``).
    """

    options: tuple[str, ...]
    units: tuple[str, ...]
    days: int
    start_h: float
    most: np.ndarray
    fewest: np.ndarray
    earliest: np.ndarray
    min_open: np.ndarray
    open_now: np.ndarray
    must_stay: np.ndarray
    bed_day_cost: np.ndarray
    opening_cost: np.ndarray
    closing_cost: np.ndarray
    patients_per_nurse: np.ndarray
    nurses: np.ndarray
    budget: float | None
    weight: np.ndarray
    donor: np.ndarray
    serves: np.ndarray
    shortfall: np.ndarray

    @property
    def paths(self) -> int:
        """Number of demand paths."""
        return self.shortfall.shape[0]

    def most_change(self, u: int) -> int:
        """The most beds unit ``u`` can gain or give."""
        return int(self.serves[u] @ self.most)

    def unmet_days(self, beds: np.ndarray) -> np.ndarray:
        """Expected patient-days not placed ``[u, d]`` under ``beds[o, d]`` (mean over paths)."""
        change = self.serves @ beds
        s, u, d = np.ogrid[: self.paths, : len(self.units), : self.days]
        return self.shortfall[s, u, d, change[None]].mean(axis=0) / 24.0


def nominal_capacity(scenario: Scenario, start_h: float, hours: int, origin) -> tuple[np.ndarray, np.ndarray]:
    """Physical and nominal staffed beds ``[unit, hour]`` for ``hours`` hours from ``start_h``.

    ``origin`` is the calendar time of the scenario's hour 0 (rosters follow the calendar).
    """
    model = compile_scenario(scenario, horizon=start_h + hours + 24, origin=origin)
    at = start_h + np.arange(hours) + 0.5
    physical = np.stack([step_at(t, b, at) for t, b in model.beds])
    staffed = physical.copy()
    for group in model.staff:
        if not group.units:
            continue
        times, heads = on_duty(group.plan, group.plan.rostered, model.horizon)
        capacity = step_at(times, group_capacity(times, heads, group.plan.patients_per_staff), at)
        members = list(group.units)
        staffed[members] = share_capacity(capacity, physical[members].T).T
    return physical, staffed


def unit_ratio(scenario: Scenario, unit: str) -> float | None:
    """Patients per nurse of the staff group covering ``unit`` (None when unstaffed)."""
    for group in scenario.layout.staff.values():
        if unit in group.units:
            return group.patients_per_staff
    return None


def build_data(options: SurgeOptions, scenario: Scenario, paths: DemandPaths, days: int,
               start_h: float) -> SurgeData:
    """Index the options and turn the demand paths into shortfall tables.

    ``start_h`` is the plan's first hour as an offset from the scenario's start (its warmup
    for an empty start, 0 from a synced state); ``paths`` begin there.
    """
    if paths.beds.shape[2] < days * 24:
        raise HospitaltwinError(f"the demand paths cover {paths.beds.shape[2] // 24} days, the plan {days}")
    opts = list(options.options.values())
    units = _units(options)
    serves, donor = _incidence(options, units)
    physical, staffed = nominal_capacity(scenario, start_h, days * 24, paths.origin - timedelta(hours=start_h))
    demand = planned_demand(scenario, paths, units, physical, staffed, days * 24)
    index = [list(scenario.layout.units).index(u) for u in units]
    most = np.array([o.most for o in opts])
    table = shortfall_table(demand, physical[index], staffed[index], donor, serves @ most, options.shortfall)
    return SurgeData(
        options=tuple(options.options), units=tuple(units), days=days, start_h=start_h,
        most=most, fewest=np.array([o.fewest for o in opts]),
        earliest=np.array([0 if o.open_now else int(round(o.lead_time / 24)) for o in opts]),
        min_open=np.array([int(round(o.min_open / 24)) for o in opts]),
        open_now=np.array([o.open_now for o in opts]),
        must_stay=np.array([max(0, int(round((o.min_open - o.open_for) / 24))) if o.open_now else 0 for o in opts]),
        bed_day_cost=np.array([o.cost_per_bed_day for o in opts], dtype=float),
        opening_cost=np.array([o.opening_cost for o in opts], dtype=float),
        closing_cost=np.array([o.closing_cost for o in opts], dtype=float),
        patients_per_nurse=np.array([_ratio(oid, o, scenario) for oid, o in options.options.items()]),
        nurses=np.array(options.nurses_on(days)), budget=options.budget,
        weight=np.array([options.unmet_cost_per_patient_day[u] for u in units], dtype=float),
        donor=donor, serves=serves, shortfall=table,
    )


def planned_demand(scenario: Scenario, paths: DemandPaths, units: list[str], physical: np.ndarray,
                   staffed: np.ndarray, hours: int) -> np.ndarray:
    """Hourly demand ``[s, u, h]`` on the planned units, with the overflow they already take.

    A unit that is the first overflow target of another (PACU for SICU in the academic
    example) also holds that unit's excess over its own nominal capacity — a first-order
    correction (chains of overflow are not followed) that makes taking beds from it cost
    what it really costs.
    """
    ids = list(scenario.layout.units)
    demand = paths.beds[:, [paths.units.index(u) for u in units], :hours].astype(float)
    for v, uid in enumerate(ids):
        targets = scenario.layout.units[uid].overflow
        if targets and targets[0] in units:
            capacity = np.minimum(physical[v], staffed[v])
            excess = np.maximum(paths.beds[:, paths.units.index(uid), :hours] - capacity[None, :], 0)
            demand[:, units.index(targets[0]), :] += excess
    return demand


def _units(options: SurgeOptions) -> list[str]:
    units: list[str] = []
    for option in options.options.values():
        for uid in (option.serves, option.convert_from):
            if uid is not None and uid not in units:
                units.append(uid)
    return units


def _incidence(options: SurgeOptions, units: list[str]) -> tuple[np.ndarray, np.ndarray]:
    serves = np.zeros((len(units), len(options.options)), dtype=np.int64)
    donor = np.zeros(len(units), dtype=bool)
    for o, option in enumerate(options.options.values()):
        serves[units.index(option.serves), o] = 1
        if option.convert_from is not None:
            serves[units.index(option.convert_from), o] = 1
            donor[units.index(option.convert_from)] = True
    return serves, donor


def _ratio(oid: str, option, scenario: Scenario) -> float:
    ratio = option.patients_per_nurse or unit_ratio(scenario, option.serves)
    if ratio is None:
        raise HospitaltwinError(f"surge option '{oid}': unit '{option.serves}' has no staff group; "
                                "give the option's patients_per_nurse")
    return float(ratio)


def shortfall_table(demand: np.ndarray, physical: np.ndarray, staffed: np.ndarray, donor: np.ndarray,
                    most_change: np.ndarray, mode: str = "hourly") -> np.ndarray:
    """``[s, u, d, k]`` patient-hours above capacity when unit ``u`` gains (or, a donor, gives) ``k`` beds.

    ``demand[s, u, h]`` is hourly demand; ``physical`` and ``staffed`` are ``[u, h]``. A unit
    that gains beds has ``min(physical, staffed) + k``; a donor ``min(physical - k, staffed)``
    (beds taken from a unit whose nurses were already the limit cost it nothing).
    """
    paths, n_units, hours = demand.shape
    days = hours // 24
    top = int(most_change.max()) if len(most_change) else 0
    table = np.zeros((paths, n_units, days, top + 1))
    for u in range(n_units):
        for k in range(int(most_change[u]) + 1):
            if donor[u]:
                cap = np.minimum(np.maximum(physical[u] - k, 0), staffed[u])
            else:
                cap = np.minimum(physical[u], staffed[u]) + k
            short = np.maximum(demand[:, u, :] - cap[None, :], 0).reshape(paths, days, 24)
            table[:, u, :, k] = short.sum(axis=2) if mode == "hourly" else 24 * short.max(axis=2)
        table[:, u, :, int(most_change[u]) + 1:] = np.nan
    return table


def offset_text(hours: float) -> str:
    """An offset from the scenario start in days and hours (``31d``, ``31d7h``, ``-5h``)."""
    sign, hours = ("-", -hours) if hours < 0 else ("", hours)
    days, rest = divmod(round(hours * 60), 24 * 60)
    parts = ((days, "d"), (rest // 60, "h"), (rest % 60, "min"))
    text = "".join(f"{value}{unit}" for value, unit in parts if value)
    return sign + (text or "0h")


def breakpoints(values: np.ndarray) -> list[tuple[int, float, float]]:
    """Cuts ``(k, f(k), slope)`` whose maximum is the convex piecewise-linear ``f`` on ``0..K``.

    ``values`` are ``f(0..K)``; segments with the same slope are merged and the flat zero
    segment (``z >= 0``, already a bound) is left out.
    """
    slopes = np.diff(values)
    cuts, last = [], None
    for k, slope in enumerate(slopes if len(slopes) else [0.0]):
        if last is not None and math.isclose(slope, last, abs_tol=1e-9):
            continue
        last = slope
        if values[k] > 1e-12 or abs(slope) > 1e-12:
            cuts.append((k, float(values[k]), float(slope)))
    return cuts

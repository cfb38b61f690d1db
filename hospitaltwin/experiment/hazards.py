"""Questions a run cannot answer, found before it starts: changes past the horizon, unstable units.

Two ways a run gives a confident answer to the wrong question:

- **The horizon misses a change.** A scenario's changes (a demand surge, beds opened, staff
  redeployed) are dated; a run whose horizon ends before a change starts, or before a surge
  reaches its peak, simulates the hospital without it, or with only its rise.
  :func:`horizon_warnings` names each such change; so does a change that is over before the
  warm-up ends (the run never measures it).
- **A unit's demand exceeds its capacity.** The offered load of a unit (the beds its patients
  would occupy with no limit) follows from the arrival rates, the routing and the mean stays by
  the traffic equations ``lambda = a + P^T lambda``: load = ``lambda x`` mean stay. At a load at
  or above the beds a unit can staff the queue grows without bound (waits grow with the
  horizon, not with anything the hospital does) and a diverting unit turns away at least
  ``1 - beds / load`` of its requests. :func:`offered_loads` measures every unit over the
  run's measured window, against its physical beds and its mean staffed beds (rosters,
  absence and changes included, from the run's first replication's staffing draw).

:func:`hazards` gathers both into the additive ``offered_load`` and ``warnings`` keys of a
run's ``summary.json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from hospitaltwin.calendar.timeline import window_hours
from hospitaltwin.config.scenario import DemandChange, Scenario
from hospitaltwin.core.durations import format_hours, offset_hours
from hospitaltwin.engine.compile import CompiledModel, compile_scenario
from hospitaltwin.engine.realise import realise

UNSTABLE_AT = 1.0
"""Utilisation (offered load / staffed beds) from which a unit is flagged as unstable."""


@dataclass(frozen=True)
class UnitLoad:
    """A unit's offered load against its beds over the measured window.

    Attributes
    ----------
    unit : str
        The unit.
    load : float
        Mean beds its patients would occupy with no limit (arrivals x mean stay).
    physical_beds, staffed_beds : float
        Time-averaged physical and staffed beds.
    on_full : str
        What the unit does when full (``queue``, ``divert``, ``overflow``).
    overflow_spare : float
        For an overflow unit, the staffed beds its overflow units have to spare beyond their
        own load (0 otherwise).
    """

    unit: str
    load: float
    physical_beds: float
    staffed_beds: float
    on_full: str
    overflow_spare: float = 0.0

    @property
    def utilisation(self) -> float:
        """Offered load / staffed beds (``inf`` when no bed is staffed but patients come)."""
        if self.staffed_beds > 0:
            return self.load / self.staffed_beds
        return math.inf if self.load > 0 else 0.0

    @property
    def overloaded(self) -> bool:
        """Whether demand meets or exceeds the beds the unit can staff."""
        return self.load > 0 and self.utilisation >= UNSTABLE_AT

    @property
    def unstable(self) -> bool:
        """Whether its queue grows without bound: overloaded, waiting (not diverting), and
        more than its overflow units can take."""
        return (self.overloaded and self.on_full != "divert"
                and self.load - self.staffed_beds >= self.overflow_spare)

    def as_dict(self) -> dict:
        """The entry of ``summary.json``'s ``offered_load``."""
        util = self.utilisation
        return {"load": round(self.load, 3), "physical_beds": round(self.physical_beds, 3),
                "staffed_beds": round(self.staffed_beds, 3),
                "utilisation": round(util, 4) if math.isfinite(util) else None,
                "unstable": self.unstable, "on_full": self.on_full}

    def sentence(self) -> str | None:
        """What an unstable or overloaded unit means for the run, in words (``None``: nothing)."""
        beds = f"{self.staffed_beds:.1f} staffed beds"
        if self.staffed_beds < self.physical_beds - 0.05:
            beds += f" ({self.physical_beds:.0f} physical)"
        load = f"its demand fills {self.load:.1f} beds on average against {beds}"
        if self.unstable:
            spill = " beyond what its overflow units can take" if self.on_full == "overflow" else ""
            return (f"{self.unit} is unstable: {load}{spill}; its queue grows for as long as that lasts, "
                    "so its waits depend on the horizon instead of settling: add beds or staff, or lower "
                    "its demand or stays")
        if self.overloaded and self.on_full == "divert" and self.physical_beds > 0:
            share = 1 - self.staffed_beds / self.load
            return f"{self.unit} is overloaded: {load}; it diverts at least {share:.0%} of its requests"
        return None


def offered_loads(scenario: Scenario, model: CompiledModel | None = None) -> list[UnitLoad]:
    """Every unit's offered load against its beds, over the run's measured window.

    Parameters
    ----------
    scenario
        The scenario as it will run (horizon, warm-up and changes applied).
    model
        Its compiled model, when the caller has it already.

    Returns
    -------
    list of UnitLoad
        One per unit, in layout order.
    """
    model = model or compile_scenario(scenario)
    start, end = model.warmup, model.horizon
    rates = _entry_rates(model, start, end)
    flow = _traffic(model, rates)
    capacity = realise(model, scenario.run.seed, 0).units
    loads = []
    for unit, arrivals, cap in zip(model.units, flow, capacity):
        stay = unit.law.mean if unit.law is not None else 0.0
        staffed = np.minimum(cap.physical, cap.staffed)
        loads.append(UnitLoad(unit.id, float(arrivals * stay), _average(cap.times, cap.physical, start, end),
                              _average(cap.times, staffed, start, end), scenario.layout.units[unit.id].on_full))
    return [_with_spare(load, unit, loads) for load, unit in zip(loads, model.units)]


def _with_spare(load: UnitLoad, unit, loads: list[UnitLoad]) -> UnitLoad:
    """``load`` with the staffed beds its overflow units have beyond their own demand."""
    spare = sum(max(0.0, loads[k].staffed_beds - loads[k].load) for k in unit.overflow)
    return UnitLoad(load.unit, load.load, load.physical_beds, load.staffed_beds, load.on_full, spare)


def _entry_rates(model: CompiledModel, start: float, end: float) -> np.ndarray:
    """Mean arrivals per hour from outside into each unit over ``[start, end)``."""
    rates = np.zeros(len(model.units))
    for spec in model.streams:
        if spec.rates is not None:
            window = spec.rates[int(start): max(math.ceil(end), int(start) + 1)]
            rates[spec.unit] += float(window.mean()) if len(window) else 0.0
        else:
            rates[spec.unit] += sum((spec.config.schedule or {}).values()) / 168.0
    return rates


def _traffic(model: CompiledModel, entry: np.ndarray) -> np.ndarray:
    """Arrival rates per unit (from outside and from other units): ``lambda = a + P^T lambda``."""
    n = len(model.units)
    routing = np.zeros((n, n))
    for unit in model.units:
        previous = 0.0
        for target, cumulative in zip(unit.route_to, unit.route_cum):
            if target >= 0:
                routing[unit.index, target] += cumulative - previous
            previous = cumulative
    solution, *_ = np.linalg.lstsq(np.eye(n) - routing.T, entry, rcond=None)
    return np.maximum(solution, 0.0)


def _average(times: np.ndarray, values: np.ndarray, start: float, end: float) -> float:
    """Time average over ``[start, end)`` of a step function (``values[i]`` from ``times[i]``)."""
    edges = np.clip(np.append(times, end), start, end)
    widths = np.diff(edges)
    return float(np.sum(widths * values) / (end - start)) if end > start else float(values[-1])


def horizon_warnings(scenario: Scenario) -> list[str]:
    """Changes the run will not see: starting after the horizon, peaking after it, or over
    before the warm-up ends.

    Parameters
    ----------
    scenario
        The scenario as it will run (with any ``--horizon`` applied).

    Returns
    -------
    list of str
        One sentence per change, naming it by its key path (``changes.beds[0]``).
    """
    run, origin = scenario.run, scenario.run.origin
    out = []
    for kind in ("demand", "beds", "staff"):
        for i, change in enumerate(getattr(scenario.changes, kind)):
            begin, until = window_hours(change, origin)
            peak = None
            if isinstance(change, DemandChange):
                begin, peak = _demand_timing(change, origin, begin, until)
            where = f"changes.{kind}[{i}] ({_describe(kind, change)})"
            out += _timing_warning(where, begin, until, peak, run.horizon, run.warmup)
    return out


def _timing_warning(where: str, begin: float, until: float, peak: float | None,
                    horizon: float, warmup: float) -> list[str]:
    end = _days(horizon)
    if begin >= horizon:
        return [(f"the run ends at {end}, before {where} starts at {_days(begin)}: "
                 f"the run does not include it; run with --horizon beyond {_days(peak or begin)}")]
    if peak is not None and peak > horizon:
        return [(f"the run ends at {end}, before {where} peaks at {_days(peak)}: the run "
                 f"sees only its rise; run with --horizon beyond {_days(peak)}")]
    if until <= warmup:
        return [(f"{where} is over at {_days(until)}, within the warm-up ({_days(warmup)}), "
                 "which is not measured: the results do not include it")]
    return []


def _demand_timing(change: DemandChange, origin, begin: float, until: float) -> tuple[float, float | None]:
    """When a demand change starts to act and when it peaks (``None`` for a flat multiplier)."""
    if change.surge is not None:
        at = offset_hours(change.surge.at, origin)
        return max(begin, at - 2 * change.surge.sd), min(at, until)
    if change.curve is not None:
        points = sorted((offset_hours(t, origin), v) for t, v in change.curve)
        moving = [t for (t, v), (_, w) in pairwise(points) if v != 1.0 or w != 1.0]
        first = next((t for t, v in points if v != 1.0), None)
        start = max(begin, moving[0] if moving else (first if first is not None else begin))
        top = max(points, key=lambda p: abs(p[1] - 1.0))
        return start, min(top[0], until) if top[1] != 1.0 else None
    return begin, None


def _describe(kind: str, change) -> str:
    if kind == "beds":
        amount = f"{change.beds} beds" if change.beds is not None else f"{change.add:+d} beds"
        return f"{change.unit} {amount}"
    if kind == "staff":
        return f"staff group {change.group}"
    shape = "surge" if change.surge is not None else "curve" if change.curve is not None else "multiplier"
    scope = change.streams or change.units
    return f"demand {shape}" + (f" on {', '.join(scope)}" if scope else "")


def _days(hours: float) -> str:
    """``35d`` for whole days (how a planner writes a horizon), else ``format_hours``."""
    return f"{hours / 24:g}d" if hours % 24 == 0 else format_hours(hours)


def hazards(scenario: Scenario, model: CompiledModel | None = None) -> dict:
    """The ``summary.json`` keys that say what a run's numbers cannot be trusted for.

    Returns
    -------
    dict
        ``offered_load``: per unit ``{load, physical_beds, staffed_beds, utilisation,
        unstable, on_full}``; ``warnings``: sentences, empty when there is nothing to say.
    """
    loads = offered_loads(scenario, model)
    warnings = horizon_warnings(scenario) + [text for u in loads if (text := u.sentence())]
    return {"offered_load": {u.unit: u.as_dict() for u in loads}, "warnings": warnings}

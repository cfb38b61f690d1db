"""The network model's data: demand paths and a regional layout turned into indexed arrays.

Everything the allocation model reads is here, indexed by path ``s``, day ``d``, hospital
``h``, device kind ``k`` (ventilator, ecls, …) and bed kind ``q`` (the unit kinds whose full
units divert patients into the network, e.g. ``icu``). Demand is the unconstrained demand of
:func:`~hospitaltwin.optimize.paths.demand_paths` reduced to each day's peak hour: the devices
(or beds) a hospital would need to serve everyone at its busiest hour of that day. Devices move
along the layout's links (both ways when ``two_way``), arriving ``ceil(delay / 1 day)`` days
after dispatch; patients are transferred only from a hospital whose unit of that kind diverts
(as the engine does) to a linked hospital with beds of that kind, within the link's
``max_per_day``. :func:`network_data` builds the arrays from a scenario; :class:`NetworkData`
may also be written by hand for small instances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from hospitaltwin.calendar.timeline import bed_schedule
from hospitaltwin.config.demand import make_law
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.optimize.paths import DemandPaths

DAY_H = 24.0


@dataclass(frozen=True)
class Arc:
    """A directed link ``origin -> target`` (hospital indices) with its delay and daily limit.

    ``limit`` is the link's ``max_per_day`` (``None``: no limit in the layout; for patients the
    assumed ``max_transfers`` then, with ``assumed`` set); ``link`` the index of the layout
    link it comes from (-1 when written by hand).
    """

    origin: int
    target: int
    delay_h: float
    limit: int | None = None
    link: int = -1
    assumed: bool = False

    @property
    def device_lag(self) -> int:
        """Days until a device dispatched on day ``d`` serves the target: ``ceil(delay / 1 day)``."""
        return math.ceil(self.delay_h / DAY_H - 1e-9)

    @property
    def patient_lag(self) -> int:
        """Days until a transferred patient needs the target's bed: ``floor(delay / 1 day)``."""
        return math.floor(self.delay_h / DAY_H + 1e-9)


@dataclass
class NetworkData:
    """Indexed data of one network allocation problem.

    Attributes
    ----------
    hospitals, kinds, bed_kinds : list of str
        Hospital ids ``h``, device kinds ``k``, bed kinds ``q``.
    pools : dict
        ``(k, h) -> pool name`` for every hospital holding devices of kind ``k``.
    devices, floor : ndarray, shape (K, H)
        Devices held today and the minimum each hospital keeps (0 where it has no pool).
    demand : ndarray, shape (S, K, H, D)
        Device demand at each day's peak hour, per path.
    units : dict
        ``(q, h) -> unit id``: the unit patients of kind ``q`` are sent to at ``h``.
    beds : ndarray, shape (Q, H, D)
        Beds of those units on each day (the fewest over the day).
    bed_demand : ndarray, shape (S, Q, H, D)
        Bed demand at each day's peak hour, per path.
    per_bed : ndarray, shape (K, Q, H)
        Devices of kind ``k`` per occupied bed of kind ``q`` at ``h`` (what a transferred
        patient takes out of the origin and into the target, on average).
    stay_days : ndarray, shape (Q, H), int
        Days a patient transferred into (out of) ``h`` holds (frees) a bed there.
    move_arcs : dict
        ``k -> [Arc]``: where devices of kind ``k`` may move.
    transfer_arcs : dict
        ``q -> [Arc]``: where patients needing beds of kind ``q`` may be transferred.
    move_days : int
        Devices may be dispatched on days ``0 .. move_days-1``.
    origin : datetime or None
        Calendar time of day 0.
    """

    hospitals: list[str]
    kinds: list[str]
    pools: dict[tuple[int, int], str]
    devices: np.ndarray
    floor: np.ndarray
    demand: np.ndarray
    bed_kinds: list[str] = field(default_factory=list)
    units: dict[tuple[int, int], str] = field(default_factory=dict)
    beds: np.ndarray | None = None
    bed_demand: np.ndarray | None = None
    per_bed: np.ndarray | None = None
    stay_days: np.ndarray | None = None
    move_arcs: dict[int, list[Arc]] = field(default_factory=dict)
    transfer_arcs: dict[int, list[Arc]] = field(default_factory=dict)
    move_days: int = 1
    origin: datetime | None = None

    def __post_init__(self) -> None:
        paths, kinds, hospitals, days = self.demand.shape
        q = len(self.bed_kinds)
        if self.beds is None:
            self.beds = np.zeros((q, hospitals, days))
            self.bed_demand = np.zeros((paths, q, hospitals, days))
        if self.per_bed is None:
            self.per_bed = np.zeros((kinds, q, hospitals))
        if self.stay_days is None:
            self.stay_days = np.ones((q, hospitals), dtype=int)
        self.move_days = max(0, min(self.move_days, days))

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(S, K, H, D)``: paths, device kinds, hospitals, days."""
        return self.demand.shape

    def day_label(self, day: int) -> str:
        """The calendar date of ``day`` (or ``day N`` without an origin)."""
        if self.origin is None:
            return f"day {day}"
        return (self.origin + timedelta(days=day)).date().isoformat()

    def excess(self) -> np.ndarray:
        """``[s, q, h, d]``: bed demand above the beds (patients a full unit turns away)."""
        return np.maximum(self.bed_demand - self.beds[None], 0.0)


def network_data(scenario: Scenario, paths: DemandPaths, *, start_h: float, keep: float = 0.0,
                 minimum: dict[str, int] | None = None, move_days: int = 1,
                 max_transfers: int = 4) -> NetworkData:
    """The data of ``scenario``'s network over ``paths``.

    Parameters
    ----------
    scenario : Scenario
        A layout with several hospitals, ``links`` and equipment pools naming their hospital.
    paths : DemandPaths
        Unconstrained demand paths of that scenario.
    start_h : float
        Hour of the scenario's clock at which the paths start (its warmup, or 0 from a state).
    keep : float
        Fraction of its own devices each hospital keeps (rounded up).
    minimum : dict, optional
        ``pool -> devices`` kept at that pool's hospital, overriding ``keep``.
    move_days, max_transfers : int
        Days on which devices may be dispatched; daily transfer limit of links without one.
    """
    layout = scenario.layout
    hospitals = list(layout.hospitals)
    _check_network(scenario, hospitals)
    days = paths.beds.shape[2] // 24
    kinds, pools = _device_pools(layout, hospitals)
    devices, floor = _holdings(layout, kinds, pools, hospitals, keep, minimum or {})
    peaks = paths.daily_peak("devices")
    demand = np.zeros((peaks.shape[0], len(kinds), len(hospitals), days))
    for (k, h), name in pools.items():
        demand[:, k, h] = peaks[:, paths.pools.index(name)]
    bed_kinds, units = _bed_units(layout, hospitals)
    beds, bed_demand = _beds(scenario, paths, bed_kinds, units, hospitals, days, start_h)
    links = _arcs(layout, hospitals)
    return NetworkData(
        hospitals=hospitals, kinds=kinds, pools=pools, devices=devices, floor=floor, demand=demand,
        bed_kinds=bed_kinds, units=units, beds=beds, bed_demand=bed_demand,
        per_bed=_per_bed(paths, kinds, pools, bed_kinds, units, len(hospitals)),
        stay_days=_stay_days(scenario, bed_kinds, units, len(hospitals)),
        move_arcs={k: [a for a in links if (k, a.origin) in pools and (k, a.target) in pools]
                   for k in range(len(kinds))},
        transfer_arcs=_transfer_arcs(layout, links, bed_kinds, units, beds, max_transfers),
        move_days=move_days, origin=paths.origin)


def _check_network(scenario: Scenario, hospitals: list[str]) -> None:
    name = scenario.name
    if len(hospitals) < 2:
        raise HospitaltwinError(f"scenario '{name}': network allocation needs a layout with several "
                                "'hospitals' (a regional network); this layout has "
                                f"{len(hospitals) or 'no named'} hospital(s)")
    if not scenario.layout.links:
        raise HospitaltwinError(f"scenario '{name}': the layout has no 'links' between hospitals, so no device "
                                "or patient can move; add links with 'from', 'to' and 'delay'")


def _device_pools(layout, hospitals: list[str]) -> tuple[list[str], dict[tuple[int, int], str]]:
    kinds: list[str] = []
    pools: dict[tuple[int, int], str] = {}
    for name, pool in layout.equipment.items():
        if pool.hospital is None:
            continue
        kind = pool.kind or name
        if kind not in kinds:
            kinds.append(kind)
        pools[(kinds.index(kind), hospitals.index(pool.hospital))] = name
    return kinds, pools


def _holdings(layout, kinds, pools, hospitals, keep: float, minimum: dict[str, int]):
    if not 0.0 <= keep <= 1.0:
        raise HospitaltwinError(f"--keep: a fraction between 0 and 1 of each hospital's devices, got {keep}")
    unknown = sorted(set(minimum) - set(pools.values()))
    if unknown:
        known = ", ".join(sorted(pools.values())) or "none"
        raise HospitaltwinError(f"--min: unknown equipment pool(s) {', '.join(unknown)} (pools with a "
                                f"hospital: {known})")
    devices = np.zeros((len(kinds), len(hospitals)), dtype=np.int64)
    floor = np.zeros_like(devices)
    for (k, h), name in pools.items():
        devices[k, h] = layout.equipment[name].count
        floor[k, h] = minimum.get(name, math.ceil(keep * devices[k, h] - 1e-9))
        if floor[k, h] < 0:
            raise HospitaltwinError(f"--min {name}={floor[k, h]}: a minimum is a number of devices, 0 or more")
    return devices, floor


def _bed_units(layout, hospitals: list[str]) -> tuple[list[str], dict[tuple[int, int], str]]:
    """Kinds of units that divert somewhere, and per hospital the engine's target unit of each."""
    kinds = [k for k in dict.fromkeys(layout.kind_of(u) for u in layout.units)
             if any(layout.kind_of(u) == k and layout.units[u].on_full == "divert" for u in layout.units)]
    units: dict[tuple[int, int], str] = {}
    for uid in layout.units:
        kind, h = layout.kind_of(uid), hospitals.index(layout.hospital_of(uid))
        if kind in kinds:
            units.setdefault((kinds.index(kind), h), uid)
    return kinds, units


def _beds(scenario, paths, bed_kinds, units, hospitals, days, start_h):
    """Beds per day (the fewest over the day) and daily peak bed demand of each target unit."""
    beds = np.zeros((len(bed_kinds), len(hospitals), days))
    demand = np.zeros((paths.beds.shape[0], len(bed_kinds), len(hospitals), days))
    peaks = paths.daily_peak("beds")
    origin = paths.origin - timedelta(hours=start_h)
    for (q, h), uid in units.items():
        times, counts = bed_schedule(uid, scenario.layout.units[uid].beds, scenario.changes.beds, origin)
        for d in range(days):
            lo, hi = start_h + DAY_H * d, start_h + DAY_H * (d + 1)
            inside = [c for t, c in zip(times, counts) if lo < t < hi]
            before = counts[np.searchsorted(times, lo, side="right") - 1]
            beds[q, h, d] = min([before, *inside])
        demand[:, q, h] = peaks[:, paths.units.index(uid)]
    return beds, demand


def _per_bed(paths, kinds, pools, bed_kinds, units, n_hospitals) -> np.ndarray:
    """Mean device demand per occupied bed of the hospital's target unit (at most 1)."""
    out = np.zeros((len(kinds), len(bed_kinds), n_hospitals))
    for (k, h), pool in pools.items():
        used = paths.devices[:, paths.pools.index(pool)].mean()
        for q in range(len(bed_kinds)):
            if (q, h) in units:
                census = paths.beds[:, paths.units.index(units[(q, h)])].mean()
                out[k, q, h] = min(used / census, 1.0) if census > 0 else 0.0
    return out


def _stay_days(scenario, bed_kinds, units, n_hospitals) -> np.ndarray:
    """Mean length of stay of each target unit, in whole days (at least 1)."""
    out = np.ones((len(bed_kinds), n_hospitals), dtype=int)
    for (q, h), uid in units.items():
        flow = scenario.demand.units.get(uid)
        if flow is not None and flow.los is not None:
            out[q, h] = max(1, math.ceil(make_law(flow.los).mean / DAY_H))
    return out


def _arcs(layout, hospitals: list[str]) -> list[Arc]:
    arcs = []
    for i, link in enumerate(layout.links):
        a, b = hospitals.index(link.from_), hospitals.index(link.to)
        arcs.append(Arc(a, b, link.delay, link.max_per_day, i))
        if link.two_way:
            arcs.append(Arc(b, a, link.delay, link.max_per_day, i))
    return arcs


def _transfer_arcs(layout, links, bed_kinds, units, beds, max_transfers) -> dict[int, list[Arc]]:
    """Per bed kind, the links a patient can take: from a diverting unit to one with beds."""
    out = {}
    for q in range(len(bed_kinds)):
        out[q] = [Arc(a.origin, a.target, a.delay_h, max_transfers if a.limit is None else a.limit, a.link,
                      assumed=a.limit is None)
                  for a in links
                  if (q, a.origin) in units and layout.units[units[(q, a.origin)]].on_full == "divert"
                  and (q, a.target) in units and beds[q, a.target].max() > 0]
    return out

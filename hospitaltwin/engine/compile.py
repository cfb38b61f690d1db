"""Compile a validated scenario into the flat, indexed model the engine runs.

Units, pools, streams and staff groups get integer indices; length-of-stay laws become
:class:`~hospitaltwin.core.distributions.Law` objects; routing becomes cumulative probability tables;
calendar things (demand changes, bed changes, rosters) become arrays over the run's hours.
Everything here is deterministic; what is random per replication (arrival times, staff
present) is drawn in :mod:`hospitaltwin.engine.realise` from named streams.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from datetime import datetime
from typing import Protocol

import numpy as np

from hospitaltwin.calendar.staffing import DutySteps, ShareGrid, ShiftPlan, duty_steps, plan_shifts, share_grid
from hospitaltwin.calendar.timeline import bed_schedule, hourly_rates
from hospitaltwin.config.demand import EquipmentNeed, make_law
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.distributions import Law
from hospitaltwin.engine.records import DEATH, DISCHARGE

QUEUE, DIVERT, OVERFLOW = 0, 1, 2
ON_FULL = {"queue": QUEUE, "divert": DIVERT, "overflow": OVERFLOW}
DRAWS_PER_VISIT_BASE = 2  # length of stay, routing
DRAWS_PER_NEED = 3  # need?, duration, delay


@dataclass(frozen=True)
class NeedSpec:
    """One equipment need of a unit: pool index, probability, laws, escalation parent."""

    kind: str
    pool: int
    p: float
    duration: Law
    parent: int
    after: Law | None
    extends_stay: bool = False


@dataclass(frozen=True)
class UnitSpec:
    """One unit, ready for the engine."""

    index: int
    id: str
    hospital: int
    kind: str
    beds: int
    on_full: int
    overflow: tuple[int, ...]
    law: Law | None
    route_cum: tuple[float, ...]
    route_to: tuple[int, ...]
    needs: tuple[NeedSpec, ...]
    priority: dict[str, int]
    max_wait: float | None = None

    def priority_of(self, source: str) -> int:
        """Priority (lower first) of a request coming from ``source``."""
        return self.priority.get(source, self.priority.get("default", 0))


@dataclass(frozen=True)
class StreamSpec:
    """An arrival stream: Poisson hourly rates, or a schedule realised per replication.

    ``paths`` (optional, replications x hours) scales ``rates`` per replication: a forecast's
    demand model gives each replication its own demand path.
    """

    index: int
    name: str
    unit: int
    source: str
    priority: int
    rates: np.ndarray | None
    config: object
    paths: np.ndarray | None = None

    def rates_for(self, replication: int) -> np.ndarray | None:
        """Hourly Poisson rates of ``replication`` (its demand path applied, if any)."""
        if self.paths is None or self.rates is None:
            return self.rates
        return self.rates * self.paths[replication % len(self.paths)]


@dataclass(frozen=True)
class PoolSpec:
    index: int
    name: str
    kind: str
    hospital: int
    count: int
    team: int


@dataclass(frozen=True)
class StaffSpec:
    """A staff group: its units, its shifts, and what every replication's draw of the staff
    present is laid on (where the head count on duty changes; where the capacity is shared
    between the units, ``None`` for a group without units)."""

    index: int
    name: str
    units: tuple[int, ...]
    plan: ShiftPlan
    duty: DutySteps
    shares: ShareGrid | None


@dataclass(frozen=True)
class CompiledModel:
    """Everything the engine needs, indexed; picklable for worker processes."""

    name: str
    horizon: float
    warmup: float
    origin: datetime
    hospitals: tuple[str, ...]
    units: tuple[UnitSpec, ...]
    streams: tuple[StreamSpec, ...]
    pools: tuple[PoolSpec, ...]
    staff: tuple[StaffSpec, ...]
    beds: tuple[tuple[np.ndarray, np.ndarray], ...]
    links: tuple[tuple[tuple[float, int], ...], ...]
    counterpart: tuple[dict[str, int], ...]
    demand_changes: tuple = ()

    @property
    def draws_per_visit(self) -> int:
        """Uniforms each patient holds per unit visit."""
        needs = max((len(u.needs) for u in self.units), default=0)
        return DRAWS_PER_VISIT_BASE + DRAWS_PER_NEED * needs

    @cached_property
    def priorities(self) -> tuple[tuple[int, ...], ...]:
        """Per unit, the priority (lower first) of a request from each source: a transfer from
        each unit, in unit order, then a linked hospital, then the start state."""
        ids = [u.id for u in self.units] + ["link", "initial"]
        return tuple(tuple(unit.priority_of(i) for i in ids) for unit in self.units)

    def unit_index(self, unit_id: str) -> int:
        """Index of a unit by id."""
        for unit in self.units:
            if unit.id == unit_id:
                return unit.index
        raise KeyError(unit_id)


def compile_scenario(scenario: Scenario, horizon: float | None = None,
                     origin: datetime | None = None) -> CompiledModel:
    """Compile ``scenario`` (optionally with another horizon or calendar origin)."""
    horizon = scenario.run.horizon if horizon is None else horizon
    origin = scenario.run.origin if origin is None else origin
    layout = scenario.layout
    hospitals = tuple(layout.hospitals) or ("main",)
    unit_ids = list(layout.units)
    pools = _pools(scenario, hospitals)
    units = tuple(_unit(i, uid, scenario, hospitals, unit_ids, pools) for i, uid in enumerate(unit_ids))
    beds = tuple(bed_schedule(uid, layout.units[uid].beds, scenario.changes.beds, origin) for uid in unit_ids)
    return CompiledModel(
        name=scenario.name, horizon=horizon, warmup=min(scenario.run.warmup, horizon), origin=origin,
        hospitals=hospitals, units=units,
        streams=_streams(scenario, unit_ids, units, horizon, origin),
        pools=pools, staff=_staff(scenario, unit_ids, beds, horizon, origin), beds=beds,
        links=_links(scenario, hospitals), counterpart=_counterparts(scenario, hospitals, unit_ids),
        demand_changes=scenario.changes.demand,
    )


class PathSource(Protocol):
    """Per-replication demand paths: ``rows(count)`` gives ``{stream name: (count, hours)}``
    multipliers of each named Poisson stream's hourly rates, row ``r`` for replication ``r``
    (``hospitaltwin.forecast.history.DemandBank``, fitted to the store's recent arrivals)."""

    def rows(self, count: int) -> dict[str, np.ndarray]: ...

    def summaries(self) -> dict[str, dict]: ...

    def reseeded(self, seed: int) -> PathSource: ...


def with_demand_paths(model: CompiledModel, paths: dict[str, np.ndarray]) -> CompiledModel:
    """A copy of ``model`` whose named Poisson streams follow per-replication demand paths.

    ``paths[name]`` is ``(replications, hours)`` multipliers of the stream's hourly rates
    (hours past its end repeat the last one); replication ``r`` uses row ``r``.
    """
    streams = []
    for spec in model.streams:
        path = paths.get(spec.name)
        if path is not None and spec.rates is not None:
            path = _fit_hours(np.asarray(path, dtype=float), len(spec.rates))
            spec = replace(spec, paths=path)
        streams.append(spec)
    return replace(model, streams=tuple(streams))


def _fit_hours(path: np.ndarray, hours: int) -> np.ndarray:
    if path.shape[1] >= hours:
        return path[:, :hours]
    return np.pad(path, ((0, 0), (0, hours - path.shape[1])), mode="edge")


def _pools(scenario: Scenario, hospitals: tuple[str, ...]) -> tuple[PoolSpec, ...]:
    layout, groups = scenario.layout, list(scenario.layout.staff)
    return tuple(
        PoolSpec(i, name, pool.kind or name, hospitals.index(pool.hospital) if pool.hospital else -1,
                 pool.count, groups.index(pool.team) if pool.team else -1)
        for i, (name, pool) in enumerate(layout.equipment.items())
    )


def _unit(i: int, uid: str, scenario: Scenario, hospitals, unit_ids, pools) -> UnitSpec:
    layout, unit = scenario.layout, scenario.layout.units[uid]
    flow = scenario.demand.units.get(uid)
    route_to, route_cum, total = [], [], 0.0
    for target, prob in (flow.next.items() if flow else ()):
        total += prob
        route_to.append({"discharge": DISCHARGE, "death": DEATH}.get(target) or unit_ids.index(target))
        route_cum.append(total)
    if route_cum:
        route_cum[-1] = 1.0
    hospital = layout.hospital_of(uid)
    return UnitSpec(
        index=i, id=uid, hospital=hospitals.index(hospital), kind=layout.kind_of(uid),
        beds=unit.beds, on_full=ON_FULL[unit.on_full],
        overflow=tuple(unit_ids.index(o) for o in unit.overflow),
        law=make_law(flow.los) if flow else None,
        route_cum=tuple(route_cum), route_to=tuple(route_to),
        needs=_needs(flow.equipment if flow else {}, layout, hospital, pools),
        priority=dict(unit.priority),
        max_wait=unit.max_wait,
    )


def _needs(needs: dict[str, EquipmentNeed], layout, hospital: str, pools) -> tuple[NeedSpec, ...]:
    ordered = sorted(needs, key=lambda k: needs[k].given is not None)
    names = [p.name for p in pools]
    return tuple(
        NeedSpec(kind=k, pool=names.index(layout.pool_for(k, hospital)), p=needs[k].p,
                 duration=make_law(needs[k].duration),
                 parent=ordered.index(needs[k].given) if needs[k].given else -1,
                 after=make_law(needs[k].after) if needs[k].after else None,
                 extends_stay=needs[k].extends_stay)
        for k in ordered
    )


def _streams(scenario: Scenario, unit_ids, units, horizon: float, origin: datetime):
    specs = []
    for i, stream in enumerate(scenario.demand.arrivals):
        unit = units[unit_ids.index(stream.unit)]
        source = stream.source or stream.stream_name
        priority = stream.priority if stream.priority is not None else unit.priority_of(source)
        rates = hourly_rates(stream, scenario.changes.demand, horizon, origin) if stream.rate is not None else None
        specs.append(StreamSpec(i, stream.stream_name, unit.index, source, priority, rates, stream))
    return tuple(specs)


def _staff(scenario: Scenario, unit_ids, beds, horizon: float, origin: datetime) -> tuple[StaffSpec, ...]:
    out = []
    for i, (name, group) in enumerate(scenario.layout.staff.items()):
        units = tuple(unit_ids.index(u) for u in group.units)
        plan = plan_shifts(name, group, scenario.changes.staff, horizon, origin)
        duty = duty_steps(plan, horizon)
        shares = share_grid(duty.times, [beds[u] for u in units]) if units else None
        out.append(StaffSpec(i, name, units, plan, duty, shares))
    return tuple(out)


def _links(scenario: Scenario, hospitals: tuple[str, ...]) -> tuple:
    """Per hospital, its outgoing links ``(delay, target, link id, max per day)``, nearest first."""
    out: list[list[tuple]] = [[] for _ in hospitals]
    for i, link in enumerate(scenario.layout.links):
        a, b = hospitals.index(link.from_), hospitals.index(link.to)
        out[a].append((link.delay, b, 2 * i, link.max_per_day))
        if link.two_way:
            out[b].append((link.delay, a, 2 * i + 1, link.max_per_day))
    return tuple(tuple(sorted(x, key=lambda t: (t[0], t[1]))) for x in out)


def _counterparts(scenario: Scenario, hospitals, unit_ids) -> tuple[dict[str, int], ...]:
    """Per hospital: unit kind -> the first unit of that kind (targets of diverted patients)."""
    out: list[dict[str, int]] = [{} for _ in hospitals]
    for uid in unit_ids:
        h = hospitals.index(scenario.layout.hospital_of(uid))
        out[h].setdefault(scenario.layout.kind_of(uid), unit_ids.index(uid))
    return tuple(out)

"""Cross-reference checks that no single model can make on its own.

Each check returns :class:`~hospitaltwin.core.errors.Problem` values located by key path in the
file that holds the offending key: a routing target that is not a unit, a move outside the
layout's transfer graph, an equipment need with no pool of that kind in the unit's hospital,
a change naming an unknown unit, a routing loop no patient can leave, a run expected to
simulate more unit stays than ``run.limits.stays``. All problems are collected; none stops
the others.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from hospitaltwin.config.demand import OUTCOMES, Demand
from hospitaltwin.config.layout import DEFAULT_HOSPITAL, Layout
from hospitaltwin.config.scenario import Changes, Scenario
from hospitaltwin.config.yamlio import SourceMap
from hospitaltwin.core.errors import Problem, quote


def _unknown(name: str, known, what: str) -> str:
    names = sorted(known)
    options = ", ".join(names[:KNOWN_SHOWN]) or "none defined"
    if len(names) > KNOWN_SHOWN:
        options += f" and {len(names) - KNOWN_SHOWN} more"
    return f"unknown {what} {quote(name)} (known: {options})"


KNOWN_SHOWN = 12


def check_layout(layout: Layout, src: SourceMap) -> list[Problem]:
    """Problems inside a layout: references between units, hospitals, staff and pools."""
    return [src.problem(path, reason) for path, reason in _layout_issues(layout)]


def _layout_issues(layout: Layout) -> Iterator[tuple[str, str]]:
    units, hospitals = layout.units, set(layout.hospitals) or {DEFAULT_HOSPITAL}
    for uid, unit in units.items():
        for i, target in enumerate(unit.overflow):
            if target not in units:
                yield f"units.{uid}.overflow.{i}", _unknown(target, units, "unit")
            elif target == uid:
                yield f"units.{uid}.overflow.{i}", "a unit cannot overflow into itself"
        if unit.hospital is not None and unit.hospital not in hospitals:
            yield f"units.{uid}.hospital", _unknown(unit.hospital, hospitals, "hospital")
    if layout.hospitals and any(u.hospital is None for u in units.values()):
        missing = [uid for uid, u in units.items() if u.hospital is None]
        yield "units", f"with several hospitals every unit names its hospital; missing: {', '.join(missing)}"
    for gid, group in layout.staff.items():
        for i, uid in enumerate(group.units):
            if uid not in units:
                yield f"staff.{gid}.units.{i}", _unknown(uid, units, "unit")
    covered: dict[str, str] = {}
    for gid, group in layout.staff.items():
        for uid in group.units:
            if uid in covered:
                yield f"staff.{gid}.units", f"unit '{uid}' is already staffed by group '{covered[uid]}'"
            covered[uid] = gid
    for pid, pool in layout.equipment.items():
        if pool.hospital is not None and pool.hospital not in hospitals:
            yield f"equipment.{pid}.hospital", _unknown(pool.hospital, hospitals, "hospital")
        if pool.team is not None and pool.team not in layout.staff:
            yield f"equipment.{pid}.team", _unknown(pool.team, layout.staff, "staff group")
    for source, targets in (layout.transfers or {}).items():
        if source not in units:
            yield f"transfers.{source}", _unknown(source, units, "unit")
        for i, target in enumerate(targets):
            if target not in units:
                yield f"transfers.{source}.{i}", _unknown(target, units, "unit")
    for i, link in enumerate(layout.links):
        for end, key in ((link.from_, "from"), (link.to, "to")):
            if end not in hospitals:
                yield f"links.{i}.{key}", _unknown(end, hospitals, "hospital")


def check_demand(demand: Demand, layout: Layout, src: SourceMap) -> list[Problem]:
    """Problems between a demand and the layout it runs on."""
    return [src.problem(path, reason) for path, reason in _demand_issues(demand, layout)]


def _demand_issues(demand: Demand, layout: Layout) -> Iterator[tuple[str, str]]:
    units = layout.units
    names: dict[str, int] = {}
    for i, stream in enumerate(demand.arrivals):
        if stream.unit not in units:
            yield f"arrivals.{i}.unit", _unknown(stream.unit, units, "unit")
        elif stream.unit not in demand.units:
            yield f"arrivals.{i}.unit", f"unit '{stream.unit}' receives arrivals but has no entry under 'units' (its length of stay)"
        if stream.stream_name in names:
            yield f"arrivals.{i}", f"two streams are named '{stream.stream_name}'; give one a 'name'"
        names[stream.stream_name] = i
    for uid, unit in demand.units.items():
        if uid not in units:
            yield f"units.{uid}", _unknown(uid, units, "unit")
            continue
        yield from _routing_issues(uid, unit.next, demand, layout)
        yield from _equipment_issues(uid, unit, layout)
    yield from _closed_loops(demand, layout)


def _closed_loops(demand: Demand, layout: Layout) -> Iterator[tuple[str, str]]:
    """Units whose every route leads back among themselves: a patient there never leaves."""
    leaving = {uid for uid, unit in demand.units.items()
               if any(p > 0 and (t in OUTCOMES or t not in demand.units) for t, p in unit.next.items())}
    changed = True
    while changed:
        before = len(leaving)
        leaving |= {uid for uid, unit in demand.units.items()
                    if any(p > 0 and t in leaving for t, p in unit.next.items())}
        changed = len(leaving) > before
    trapped = [uid for uid in demand.units if uid not in leaving and uid in layout.units]
    for uid in trapped:
        loop = ", ".join(t for t, p in demand.units[uid].next.items() if p > 0)
        reason = (f"a routing loop no patient can leave: every route from {uid} ({loop}) leads back "
                  "without discharge or death; give some route to discharge or death")
        yield f"units.{uid}.next", reason


def _routing_issues(uid: str, routes: dict[str, float], demand: Demand, layout: Layout):
    allowed = None if layout.transfers is None else set(layout.transfers.get(uid, ()))
    for target in routes:
        path = f"units.{uid}.next.{target}"
        if target in OUTCOMES:
            continue
        if target not in layout.units:
            yield path, _unknown(target, list(layout.units) + list(OUTCOMES), "unit or outcome")
        elif target not in demand.units:
            yield path, f"patients move to '{target}' but it has no entry under 'units' (its length of stay)"
        elif allowed is not None and target not in allowed and routes[target] > 0:
            yield path, f"the layout's transfer graph has no move {uid} -> {target}"


def _equipment_issues(uid: str, unit, layout: Layout):
    hospital = layout.hospital_of(uid)
    for kind, need in unit.equipment.items():
        path = f"units.{uid}.equipment.{kind}"
        if layout.pool_for(kind, hospital) is None:
            yield path, f"no equipment pool of kind '{kind}' serves hospital '{hospital}'"
        if need.given is not None and need.given not in unit.equipment:
            yield f"{path}.given", f"'{need.given}' is not an equipment need of unit '{uid}'"
        if need.given == kind:
            yield f"{path}.given", "an equipment need cannot escalate from itself"


def check_changes(changes: Changes, layout: Layout, demand: Demand, src: SourceMap) -> list[Problem]:
    """Problems in a scenario's ``changes`` (unknown units, groups or streams)."""
    streams = {s.stream_name for s in demand.arrivals}
    out = []
    for i, change in enumerate(changes.demand):
        for j, uid in enumerate(change.units or ()):
            if uid not in layout.units:
                out.append(src.problem(f"changes.demand.{i}.units.{j}", _unknown(uid, layout.units, "unit")))
        for j, name in enumerate(change.streams or ()):
            if name not in streams:
                out.append(src.problem(f"changes.demand.{i}.streams.{j}", _unknown(name, streams, "arrival stream")))
    for i, change in enumerate(changes.beds):
        if change.unit not in layout.units:
            out.append(src.problem(f"changes.beds.{i}.unit", _unknown(change.unit, layout.units, "unit")))
    for i, change in enumerate(changes.staff):
        if change.group not in layout.staff:
            out.append(src.problem(f"changes.staff.{i}.group", _unknown(change.group, layout.staff, "staff group")))
        elif change.shift is not None and change.shift not in layout.staff[change.group].shifts:
            shifts = layout.staff[change.group].shifts
            out.append(src.problem(f"changes.staff.{i}.shift", _unknown(change.shift, shifts, "shift")))
    return out


def expected_stays(scenario: Scenario) -> float:
    """Unit stays one replication is expected to simulate, at most: arrivals per day over the
    horizon, at the highest product of demand multipliers, times the units each patient visits
    (from the routing's fundamental matrix). Infinite when some patient never leaves."""
    demand, days = scenario.demand, scenario.run.horizon / 24.0
    units = list(demand.units)
    index = {uid: i for i, uid in enumerate(units)}
    routes = np.zeros((len(units), len(units)))
    for uid, unit in demand.units.items():
        for target, p in unit.next.items():
            if target in index:
                routes[index[uid], index[target]] = p
    try:
        visits = np.linalg.solve(np.eye(len(units)) - routes, np.ones(len(units))) if units else np.zeros(0)
    except np.linalg.LinAlgError:
        return math.inf
    daily = sum((s.rate if s.rate is not None else sum((s.schedule or {}).values()) / 7.0)
                * (visits[index[s.unit]] if s.unit in index else 1.0) for s in demand.arrivals)
    return float(daily * days * _peak_multiplier(scenario.changes))


def _peak_multiplier(changes: Changes) -> float:
    peak = 1.0
    for change in changes.demand:
        if change.multiplier is not None:
            peak *= max(change.multiplier, 1.0)
        elif change.surge is not None:
            peak *= max(change.surge.peak, 1.0)
        elif change.curve:
            peak *= max(max(value for _, value in change.curve), 1.0)
    return peak


def check_size(scenario: Scenario, src: SourceMap) -> list[Problem]:
    """A problem when one replication would simulate more unit stays than ``run.limits.stays``."""
    expected, limit = expected_stays(scenario), scenario.run.bounds.stays
    if expected <= limit:
        return []
    return [src.problem("run", f"one replication would simulate about {expected:,.0f} unit stays, more than the "
                               f"limit of {limit:,} (a few GB of memory); shorten the horizon or raise "
                               "run.limits.stays in the scenario")]

"""Draw what is random but independent of patient flow, for one replication.

Arrival times per stream and staff present per shift come from their own named streams, before
the simulation starts; the result is a set of step functions (physical beds, staffed beds,
pool capacity) and arrival-time arrays that the event loop then follows. Keeping these draws
out of the event loop means a scenario with more beds sees exactly the same arrivals and the
same staff as its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hospitaltwin.calendar.staffing import group_capacity, present, share_capacity
from hospitaltwin.calendar.timeline import poisson_times, scheduled_times
from hospitaltwin.core.streams import stream
from hospitaltwin.engine.compile import CompiledModel


@dataclass(frozen=True)
class Capacity:
    """A resource's capacity as step functions: ``times`` (first 0), ``physical``, ``staffed``."""

    times: np.ndarray
    physical: np.ndarray
    staffed: np.ndarray


@dataclass(frozen=True)
class Realisation:
    """One replication's arrival times and capacities."""

    arrivals: tuple[np.ndarray, ...]
    units: tuple[Capacity, ...]
    pools: tuple[Capacity, ...]


def realise(model: CompiledModel, seed: int, replication: int) -> Realisation:
    """Draw arrivals and staffing for ``replication`` of a run seeded ``seed``."""
    duty = [_duty(model, g, seed, replication) for g in model.staff]
    return Realisation(
        arrivals=tuple(_arrivals(model, s, seed, replication) for s in model.streams),
        units=_unit_capacity(model, duty),
        pools=tuple(_pool_capacity(model, p, duty) for p in model.pools),
    )


def _arrivals(model: CompiledModel, spec, seed: int, replication: int) -> np.ndarray:
    rng = stream(seed, replication, f"arrivals:{spec.name}")
    if spec.rates is not None:
        return poisson_times(spec.rates_for(replication), model.horizon, rng)
    return scheduled_times(spec.config, model.demand_changes, model.horizon, model.origin, rng)


def _duty(model: CompiledModel, group, seed: int, replication: int):
    heads = present(group.plan, stream(seed, replication, f"staff:{group.name}"))
    times = group.duty.times
    return times, group_capacity(times, group.duty.level(heads), group.plan.patients_per_staff)


def _unit_capacity(model: CompiledModel, duty) -> tuple[Capacity, ...]:
    """Each unit's physical and staffed beds; a group's capacity shared between its units on
    the grid laid out when the model was compiled."""
    out = [Capacity(t, b, b) for t, b in model.beds]
    for group, (_, capacity) in zip(model.staff, duty):
        if not group.units:
            continue
        grid, physical = group.shares.grid, group.shares.physical
        staffed = share_capacity(capacity[group.shares.duty_step], physical)
        for k, u in enumerate(group.units):
            out[u] = _compact(grid, physical[:, k], staffed[:, k])
    return tuple(out)


def _pool_capacity(model: CompiledModel, pool, duty) -> Capacity:
    if pool.team < 0:
        zero = np.zeros(1)
        count = np.array([pool.count])
        return Capacity(zero, count, count)
    times, capacity = duty[pool.team]
    count = np.full(len(times), pool.count)
    return _compact(times, count, np.minimum(count, capacity))


def _compact(times: np.ndarray, physical: np.ndarray, staffed: np.ndarray) -> Capacity:
    """Drop change points where nothing changes."""
    keep = np.ones(len(times), dtype=bool)
    keep[1:] = (physical[1:] != physical[:-1]) | (staffed[1:] != staffed[:-1])
    return Capacity(times[keep], physical[keep], staffed[keep])

"""An independent second engine on salabim, to cross-check the SimPy engine's semantics.

It is written the way salabim models are written — a component per patient, a ``Resource``
per unit and per equipment pool, ``request``/``hold``/``release`` — and shares nothing with
the main engine but the scenario model and the duration laws: its own event logic, random
numbers (one generator), time-weighted statistics (salabim monitors) and calendar
(:mod:`~hospitaltwin.crosscheck.timetable`, derived independently of
:mod:`hospitaltwin.calendar`). It covers units with priorities (lower first, first come first
served within one), boarding (a patient requests the next unit while still holding the
current bed), diversion, overflow and ``max_wait`` (a patient waiting from outside leaves);
Poisson arrivals (constant or hour-of-week, with demand changes: multipliers, surges, curves;
by thinning) and scheduled arrivals; staffed beds from the rosters, shift by shift, with
absence, staff changes and bed changes (:class:`~hospitaltwin.crosscheck.capacity.CapacityClock`
sets each ``Resource``'s capacity at shift boundaries); equipment pools, limited by a team
where the layout says so (a device episode per need, escalations such as ECLS after
ventilation, episodes that extend the stay; a usable device is taken if one is free, else the
episode is unmet). It refuses networks of hospitals (links), warm starts from a store and
per-replication demand paths, and exists so that tests can check that two independent
implementations of the same semantics agree statistically.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from datetime import datetime

import numpy as np
import salabim as sim

from hospitaltwin.calendar.timeline import hour_of_week
from hospitaltwin.config.demand import make_law, weekday_index
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.crosscheck.capacity import CapacityClock
from hospitaltwin.crosscheck.timetable import DemandFactor

sim.yieldless(False)


def _check_supported(scenario: Scenario) -> None:
    unsupported = []
    if scenario.layout.links:
        unsupported.append("hospital links (networks)")
    if scenario.run.start != "empty":
        unsupported.append("a start from the state store")
    if unsupported:
        raise HospitaltwinError("the salabim cross-check engine does not model " + ", ".join(unsupported))


class _Model:
    """Resources, laws and statistics of one replication."""

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario, self.rng = scenario, np.random.default_rng(seed)
        self.env = sim.Environment(trace=False, random_seed="*")
        layout = scenario.layout
        self.beds = {u: sim.Resource(u, capacity=spec.beds, env=self.env) for u, spec in layout.units.items()}
        self.boarding = {u: sim.Monitor(f"boarding {u}", level=True, initial_tally=0, env=self.env)
                         for u in layout.units}
        self.laws = {u: make_law(d.los) for u, d in scenario.demand.units.items()}
        self.counts = {u: {"requests": 0, "diverted": 0, "left": 0, "waits": []} for u in layout.units}
        self.warm = scenario.run.warmup
        self.devices = {p: sim.Resource(p, capacity=spec.count, env=self.env) for p, spec in layout.equipment.items()}
        self.episodes = {p: {"episodes": 0, "unmet": 0} for p in layout.equipment}
        self.needs = {u: [(kind, need, layout.pool_for(kind, layout.hospital_of(u)), make_law(need.duration),
                           make_law(need.after) if need.after else None)
                          for kind, need in sorted(d.equipment.items(), key=lambda kv: kv[1].given is not None)]
                      for u, d in scenario.demand.units.items()}
        CapacityClock(model=self, env=self.env)

    def route(self, unit: str) -> str:
        routes = self.scenario.demand.units[unit].next
        return str(self.rng.choice(list(routes), p=np.array(list(routes.values())) / sum(routes.values())))

    def priority(self, unit: str, source: str) -> int:
        ranks = self.scenario.layout.units[unit].priority
        return ranks.get(source, ranks.get("default", 0))


class Patient(sim.Component):
    """A patient from arrival to leaving: a bed per unit on the way, boarding between them."""

    def setup(self, model: _Model, unit: str, rank: int):
        self.model, self.unit, self.rank = model, unit, rank
        self.held, self.held_unit = None, None

    def process(self):
        model, unit, priority = self.model, self.unit, self.rank
        while unit not in ("discharge", "death"):
            admitted = yield from self._get_bed(unit, priority)
            if not admitted:
                break
            yield self.hold(self._devices(unit, model.laws[unit].ppf(model.rng.random())))
            unit = model.route(unit)
            if unit in model.beds:
                priority = model.priority(unit, self.held_unit)
        if self.held is not None:
            self.release((self.held, 1))

    def _get_bed(self, unit: str, priority: int):
        model, spec = self.model, self.model.scenario.layout.units[unit]
        now, counts, bed = self.env.now(), model.counts[unit], model.beds[unit]
        counted = now >= model.warm
        counts["requests"] += counted
        if _full(bed):
            if spec.on_full == "divert":
                counts["diverted"] += counted
                return False
            for other in spec.overflow:
                if not _full(model.beds[other]):
                    bed = model.beds[other]
                    break
        boarding = model.boarding[self.held_unit] if self.held is not None else None
        if boarding is not None:
            boarding.tally(boarding() + 1)
        if self.held is None and spec.max_wait is not None:
            yield self.request((bed, 1, priority), fail_delay=spec.max_wait)
            if self.failed():
                counts["left"] += counted
                return False
        else:
            yield self.request((bed, 1, priority))
        if boarding is not None:
            boarding.tally(boarding() - 1)
        if counted:
            counts["waits"].append(self.env.now() - now)
        if self.held is not None:
            self.release((self.held, 1))  # one bed: the patient may hold two of the same unit briefly
        self.held, self.held_unit = bed, bed.name()
        return True

    def _devices(self, unit: str, los: float) -> float:
        """Start this stay's device episodes; the stay's length, extended if an episode must end first."""
        started: dict[str, float] = {}
        for kind, need, pool, duration_law, after_law in self.model.needs[unit]:
            if (need.given and need.given not in started) or self.model.rng.random() >= need.p:
                continue
            offset = started.get(need.given, 0.0) + (after_law.ppf(self.model.rng.random()) if after_law else 0.0)
            if offset >= los:
                continue
            started[kind] = offset
            duration = duration_law.ppf(self.model.rng.random())
            if need.extends_stay:
                los = max(los, offset + duration)
            else:
                duration = min(duration, los - offset)
            Episode(model=self.model, pool=pool, offset=offset, duration=duration, env=self.env)
        return los


class Episode(sim.Component):
    """One use of a device: from ``offset`` after admission, for ``duration``, if one is usable."""

    def setup(self, model: _Model, pool: str, offset: float, duration: float):
        self.model, self.pool, self.offset, self.duration = model, pool, offset, duration

    def process(self):
        yield self.hold(self.offset)
        devices, counts = self.model.devices[self.pool], self.model.episodes[self.pool]
        counted = self.env.now() >= self.model.warm
        counts["episodes"] += counted
        if devices.available_quantity() < 1:
            counts["unmet"] += counted
            return
        yield self.request(devices)
        yield self.hold(self.duration)
        self.release(devices)


def _full(bed: sim.Resource) -> bool:
    return bed.available_quantity() < 1 or bed.requesters().length() > 0


def _first_priority(model: _Model, stream) -> int:
    if stream.priority is not None:
        return stream.priority
    return model.priority(stream.unit, stream.source or stream.stream_name)


class Arrivals(sim.Component):
    """Poisson arrivals by thinning a process at an upper bound of the stream's rate.

    The rate is constant within each hour of the run: daily rate / 24 x the hour-of-week
    weight x the demand changes at the middle of the hour.
    """

    def setup(self, model: _Model, stream):
        self.model, self.stream = model, stream
        run = model.scenario.run
        profile = np.ones(168) if stream.profile is None else np.asarray(stream.profile) / np.mean(stream.profile)
        self.factor = DemandFactor(stream, model.scenario.changes.demand, run.origin)
        self.rates, self.start_how = stream.rate / 24 * profile, hour_of_week(run.origin)
        self.peak = self.rates.max() * self.factor.bound()
        self.rank = _first_priority(model, stream)

    def process(self):
        model = self.model
        if self.peak <= 0:
            return
        while True:
            yield self.hold(model.rng.exponential(1 / self.peak))
            hour = math.floor(self.env.now())
            rate = self.rates[math.floor(self.start_how + hour) % 168] * self.factor.at(hour + 0.5)
            if model.rng.random() < rate / self.peak:
                Patient(model=model, unit=self.stream.unit, rank=self.rank, env=self.env)


class ScheduledArrivals(sim.Component):
    """Elective admissions: each day's count (scaled by demand changes, rounded) at ``at``,
    each patient a uniform time within ``spread`` after it."""

    def setup(self, model: _Model, stream):
        self.model, self.stream = model, stream
        self.factor = DemandFactor(stream, model.scenario.changes.demand, model.scenario.run.origin)
        self.rank = _first_priority(model, stream)

    def process(self):
        model, stream, run = self.model, self.stream, self.model.scenario.run
        counts = {weekday_index(day): n for day, n in stream.schedule.items()}
        midnight = datetime(run.origin.year, run.origin.month, run.origin.day)
        for day in range(math.ceil(run.horizon / 24) + 2):
            slot = (midnight - run.origin).total_seconds() / 3600 + 24 * day + stream.at
            count = counts.get((midnight.weekday() + day) % 7, 0)
            if not count or not 0 <= slot < run.horizon:
                continue
            yield self.hold(till=slot)
            for _ in range(int(round(count * self.factor.at(slot)))):
                Patient(model=model, unit=stream.unit, rank=self.rank, env=self.env,
                        delay=model.rng.random() * stream.spread)


def simulate_salabim(scenario: Scenario, seed: int) -> dict[tuple[str, str], float]:
    """One replication from empty; KPIs ``{(unit or pool, kpi): value}`` after the warmup.

    Raises
    ------
    HospitaltwinError
        When the scenario uses what this engine does not model (links, a store start).
    """
    _check_supported(scenario)
    with _signature_checks_once_per_class():
        model = _Model(scenario, seed)
        for stream in scenario.demand.arrivals:
            kind = Arrivals if stream.rate is not None else ScheduledArrivals
            kind(model=model, stream=stream, env=model.env)
        _run(model, scenario.run)
        return _kpis(model, (scenario.run.horizon - scenario.run.warmup) / 24)


@contextmanager
def _signature_checks_once_per_class():
    """Let salabim check a class's ``__init__``/``setup``/``process`` signatures once, not for
    every component it creates: the check (``inspect.signature``, three times per patient) is
    otherwise most of a run's time, and its answer depends on the class alone. A salabim
    without that internal (the range tested is pinned in ``pyproject.toml``) runs unpatched:
    slower, same results."""
    original, checked = getattr(sim.salabim, "_check_overlapping_parameters", None), set()
    if original is None:
        yield
        return

    def check(obj, first, second, process=None):
        key = (type(obj), first, second, getattr(process, "__name__", None))
        if key not in checked:
            original(obj, first, second, process)
            checked.add(key)

    sim.salabim._check_overlapping_parameters = check
    try:
        yield
    finally:
        sim.salabim._check_overlapping_parameters = original


def _run(model: _Model, run) -> None:
    """Run to the warmup, start the statistics afresh, run to the horizon."""
    model.env.run(till=run.warmup)
    for resource in (*model.beds.values(), *model.devices.values()):
        for monitor in (resource.claimed_quantity, resource.available_quantity, resource.capacity):
            monitor.reset()
    for monitor in model.boarding.values():
        monitor.reset()
    model.env.run(till=run.horizon)


def _kpis(model: _Model, days: float) -> dict[tuple[str, str], float]:
    out = {}
    for pool, devices in model.devices.items():
        counts = model.episodes[pool]
        out[(pool, "episodes_per_day")] = counts["episodes"] / days
        out[(pool, "unmet_fraction")] = counts["unmet"] / max(counts["episodes"], 1)
        out[(pool, "mean_in_use")] = devices.claimed_quantity.mean()
        out[(pool, "mean_capacity")] = devices.capacity.mean()
        out[(pool, "p_full")] = _time_full(devices)
    for unit, bed in model.beds.items():
        counts, requests = model.counts[unit], max(model.counts[unit]["requests"], 1)
        out[(unit, "arrivals_per_day")] = counts["requests"] / days
        out[(unit, "diverted_fraction")] = counts["diverted"] / requests
        out[(unit, "left_fraction")] = counts["left"] / requests
        out[(unit, "mean_census")] = bed.claimed_quantity.mean()
        out[(unit, "mean_staffed_beds")] = bed.capacity.mean()
        out[(unit, "mean_boarding")] = model.boarding[unit].mean()
        out[(unit, "mean_wait_h")] = float(np.mean(counts["waits"])) if counts["waits"] else float("nan")
        out[(unit, "p_full")] = _time_full(bed)
    return out


def _time_full(resource: sim.Resource) -> float:
    """Fraction of the time with no usable unit free (claims at or above the capacity)."""
    values, durations = (np.asarray(x, dtype=float) for x in resource.available_quantity.xduration())
    return float(durations[values <= 0].sum() / durations.sum())

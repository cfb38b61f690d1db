"""An independent second engine on salabim, to cross-check the SimPy engine's core semantics.

It is written the way salabim models are written — a component per patient, a ``Resource``
per unit, ``request``/``hold``/``release`` — and shares nothing with the main engine but the
scenario model and the duration laws: its own event logic, random numbers (one generator),
boarding (a patient requests the next unit while still holding the current bed), diversion,
overflow and its own time-weighted statistics (salabim monitors). It covers units, Poisson
arrivals (constant or hour-of-week profile, by thinning), routing and equipment pools of a
fixed size (a device episode per need, escalations such as ECLS after ventilation, episodes
that extend the stay; a device is taken if one is free, else the episode is unmet) — not
staff, teams, changes or networks — and exists so that tests can check that two independent
implementations of the same semantics agree statistically.
"""

from __future__ import annotations

import numpy as np
import salabim as sim

from hospitaltwin.calendar.timeline import hour_of_week
from hospitaltwin.config.demand import make_law
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError

sim.yieldless(False)


def _check_supported(scenario: Scenario) -> None:
    layout, unsupported = scenario.layout, []
    if layout.staff or layout.links:
        unsupported.append("staff or hospital links")
    if any(pool.team for pool in layout.equipment.values()):
        unsupported.append("equipment limited by a team")
    if scenario.changes.demand or scenario.changes.beds or scenario.changes.staff:
        unsupported.append("changes over time")
    if any(s.schedule for s in scenario.demand.arrivals):
        unsupported.append("scheduled arrivals")
    if any(u.priority for u in layout.units.values()):
        unsupported.append("priorities")
    if unsupported:
        raise HospitaltwinError("the salabim cross-check engine does not model " + ", ".join(unsupported))


class _Model:
    """Resources, laws and statistics of one replication."""

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario, self.rng = scenario, np.random.default_rng(seed)
        self.env = sim.Environment(trace=False, random_seed="*")
        self.beds = {u: sim.Resource(u, capacity=spec.beds, env=self.env) for u, spec in scenario.layout.units.items()}
        self.laws = {u: make_law(d.los) for u, d in scenario.demand.units.items()}
        self.counts = {u: {"requests": 0, "diverted": 0, "waits": []} for u in scenario.layout.units}
        self.warm = scenario.run.warmup
        layout = scenario.layout
        self.devices = {p: sim.Resource(p, capacity=spec.count, env=self.env) for p, spec in layout.equipment.items()}
        self.episodes = {p: {"episodes": 0, "unmet": 0} for p in layout.equipment}
        self.needs = {u: [(kind, need, layout.pool_for(kind, layout.hospital_of(u)), make_law(need.duration),
                           make_law(need.after) if need.after else None)
                          for kind, need in sorted(d.equipment.items(), key=lambda kv: kv[1].given is not None)]
                      for u, d in scenario.demand.units.items()}

    def route(self, unit: str) -> str:
        routes = self.scenario.demand.units[unit].next
        return str(self.rng.choice(list(routes), p=np.array(list(routes.values())) / sum(routes.values())))


class Patient(sim.Component):
    def setup(self, model: _Model, unit: str):
        self.model, self.unit, self.held = model, unit, None

    def process(self):
        model, unit = self.model, self.unit
        while unit not in ("discharge", "death"):
            target = yield from self._get_bed(unit)
            if target is None:
                break
            yield self.hold(self._devices(unit, model.laws[unit].ppf(model.rng.random())))
            unit = model.route(unit)
        if self.held is not None:
            self.release((self.held, 1))

    def _get_bed(self, unit: str):
        model, layout = self.model, self.model.scenario.layout
        now, spec, counts = self.env.now(), layout.units[unit], self.model.counts[unit]
        counted = now >= model.warm
        counts["requests"] += counted
        bed = model.beds[unit]
        if _full(bed):
            if spec.on_full == "divert":
                counts["diverted"] += counted
                return None
            for other in spec.overflow:
                if not _full(model.beds[other]):
                    bed = model.beds[other]
                    break
        yield self.request(bed)
        if counted:
            counts["waits"].append(self.env.now() - now)
        if self.held is not None:
            self.release((self.held, 1))  # one bed: the patient may hold two of the same unit briefly
        self.held = bed
        return bed


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
    """One use of a device: from ``offset`` after admission, for ``duration``, if one is free."""

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


class Arrivals(sim.Component):
    """Poisson arrivals by thinning a process at the stream's peak rate."""

    def setup(self, model: _Model, stream):
        self.model, self.stream = model, stream
        profile = np.ones(168) if stream.profile is None else np.asarray(stream.profile) / np.mean(stream.profile)
        self.rates, self.peak = stream.rate / 24 * profile, stream.rate / 24 * profile.max()
        self.start_how = hour_of_week(model.scenario.run.origin)

    def process(self):
        model = self.model
        while True:
            yield self.hold(model.rng.exponential(1 / self.peak))
            hour = int(self.start_how + self.env.now()) % 168
            if model.rng.random() < self.rates[hour] / self.peak:
                Patient(model=model, unit=self.stream.unit, env=self.env)


def simulate_salabim(scenario: Scenario, seed: int) -> dict[tuple[str, str], float]:
    """One replication; KPIs ``{(unit or pool, kpi): value}`` after the warmup."""
    _check_supported(scenario)
    model = _Model(scenario, seed)
    for stream in scenario.demand.arrivals:
        Arrivals(model=model, stream=stream, env=model.env)
    run = scenario.run
    model.env.run(till=run.warmup)
    for resource in (*model.beds.values(), *model.devices.values()):
        resource.claimed_quantity.reset()
        resource.available_quantity.reset()
    model.env.run(till=run.horizon)
    days = (run.horizon - run.warmup) / 24
    out = {}
    for pool, devices in model.devices.items():
        counts = model.episodes[pool]
        values, durations = (np.asarray(x, dtype=float) for x in devices.available_quantity.xduration())
        out[(pool, "episodes_per_day")] = counts["episodes"] / days
        out[(pool, "unmet_fraction")] = counts["unmet"] / max(counts["episodes"], 1)
        out[(pool, "mean_in_use")] = devices.claimed_quantity.mean()
        out[(pool, "p_full")] = float(durations[values <= 0].sum() / durations.sum())
    for unit, bed in model.beds.items():
        counts = model.counts[unit]
        values, durations = bed.available_quantity.xduration()
        out[(unit, "arrivals_per_day")] = counts["requests"] / days
        out[(unit, "diverted_fraction")] = counts["diverted"] / max(counts["requests"], 1)
        out[(unit, "mean_census")] = bed.claimed_quantity.mean()
        out[(unit, "mean_wait_h")] = float(np.mean(counts["waits"])) if counts["waits"] else float("nan")
        values, durations = np.asarray(values, dtype=float), np.asarray(durations, dtype=float)
        out[(unit, "p_full")] = float(durations[values <= 0].sum() / durations.sum())
    return out

"""Staffed beds and team-limited pools over time, as a salabim component of the cross-check.

A :class:`CapacityClock` holds the staff on duty per group and the physical beds per unit. At
every shift start or end (staff present drawn as the shift starts) and every bed change it
updates them, works out each unit's staffed beds and each team-limited pool's usable devices
(:mod:`~hospitaltwin.crosscheck.timetable`), and sets the salabim ``Resource`` capacities with
``set_capacity``: a rise admits whoever waits at once, a drop evicts nobody (claims above the
capacity stay until released, and nobody is admitted meanwhile). All changes at one instant
are applied together before capacities are set, so a shift handover never opens a bed for a
moment.
"""

from __future__ import annotations

from collections import defaultdict

import salabim as sim

from hospitaltwin.crosscheck.timetable import (
    patients_cared_for,
    physical_beds,
    share,
    shifts_of,
    staff_present,
    window_of,
)


class CapacityClock(sim.Component):
    """The rosters and bed changes of one replication, applied to the model's resources."""

    def setup(self, model):
        scenario, self.model = model.scenario, model
        layout, run = scenario.layout, scenario.run
        self.on_duty = dict.fromkeys(layout.staff, 0)
        self.bed_changes = {u: [(c, *window_of(c, run.origin)) for c in scenario.changes.beds if c.unit == u]
                            for u in layout.units}
        self.beds = {u: physical_beds(spec.beds, self.bed_changes[u], 0.0) for u, spec in layout.units.items()}
        self.events: dict[float, list[tuple]] = defaultdict(list)
        for name, group in layout.staff.items():
            for start, end, rostered, absence in shifts_of(name, group, scenario.changes.staff,
                                                           run.horizon, run.origin):
                heads = staff_present(rostered, absence, model.rng)
                self.events[max(start, 0.0)].append(("staff", name, heads))
                self.events[end].append(("staff", name, -heads))
        for unit, changes in self.bed_changes.items():
            for _, since, until in changes:
                for t in (since, until):
                    if 0 < t < run.horizon:
                        self.events[t].append(("beds", unit, None))
        self._apply(self.events.pop(0.0, []), 0.0)

    def process(self):
        for t in sorted(self.events):
            yield self.hold(till=t)
            self._apply(self.events[t], t)

    def _apply(self, actions: list[tuple], t: float) -> None:
        for kind, name, heads in actions:
            if kind == "staff":
                self.on_duty[name] += heads
            else:
                self.beds[name] = physical_beds(self.model.scenario.layout.units[name].beds,
                                                self.bed_changes[name], t)
        self._set_capacities()

    def _set_capacities(self) -> None:
        layout = self.model.scenario.layout
        staffed = dict(self.beds)
        for name, group in layout.staff.items():
            if group.units:
                cared_for = patients_cared_for(self.on_duty[name], group.patients_per_staff)
                for unit, beds in zip(group.units, share(cared_for, [self.beds[u] for u in group.units])):
                    staffed[unit] = beds
        for unit, beds in staffed.items():
            _set(self.model.beds[unit], beds)
        for pool, spec in layout.equipment.items():
            if spec.team:
                team = layout.staff[spec.team]
                _set(self.model.devices[pool], min(spec.count, patients_cared_for(self.on_duty[spec.team],
                                                                                 team.patients_per_staff)))


def _set(resource: sim.Resource, capacity: int) -> None:
    if resource.capacity() != capacity:
        resource.set_capacity(capacity)

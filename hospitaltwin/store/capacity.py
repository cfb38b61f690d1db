"""A state beside its layout: do the units exist, and how many beds are physical and staffed then.

:func:`bed_capacity` gives each unit's physical beds and the beds staffed at an instant by the
layout's rosters, as the engine defines them (docs/concepts.md): a staff group's capacity is
floor(rostered heads on shift × patients per staff), shared among the group's units in
proportion to their physical beds, never above them; a unit no group covers is fully staffed.
Rostered heads are used as planned (no absence drawn), shifts laid on the calendar in the
layout's time zone, and scenario changes (bed closures, staff absence) are not applied.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState


def as_layout(layout):
    """A ``Layout`` from a ``Layout`` or the path of a layout file."""
    if isinstance(layout, (str, Path)):
        from hospitaltwin.config.load import read_layout

        return read_layout(layout)
    return layout


def check_against_layout(state: SystemState, layout) -> None:
    """Raise one clear error naming every unit or device kind of ``state`` the layout lacks."""
    layout = as_layout(layout)
    census = state.census()
    units = {u: n for u, n in census.items() if u not in layout.units}
    kinds = {pool.kind or name for name, pool in layout.equipment.items()}
    devices = sorted({d.kind for p in state.patients for d in p.devices} - kinds)
    problems = []
    if units:
        listed = ", ".join(f"{u} ({n} patient{'s' if n != 1 else ''})" for u, n in sorted(units.items()))
        problems.append(f"units the layout does not have: {listed}")
    if devices:
        problems.append(f"equipment kinds with no pool in the layout: {', '.join(devices)}")
    if problems:
        raise HospitaltwinError(f"the state at {state.as_of.isoformat()} has {'; '.join(problems)}; "
                                "map unit names onto the layout's units (sync --map units.yaml) "
                                "or add them to the layout")


def local_time(at: datetime, zone: str) -> datetime:
    """``at`` as a naive time in ``zone`` (how the engine lays shifts on the calendar)."""
    return at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def bed_capacity(layout, at: datetime) -> dict[str, tuple[int, int]]:
    """``{unit: (physical, staffed)}`` at ``at`` (see the module doc).

    Parameters
    ----------
    layout : Layout or path
    at : datetime
        A tz-aware instant.
    """
    from hospitaltwin.calendar.staffing import (
        group_capacity,
        on_duty,
        plan_shifts,
        share_capacity,
        step_at,
    )

    layout = as_layout(layout)
    origin = local_time(at, layout.timezone)
    out = {uid: (unit.beds, unit.beds) for uid, unit in layout.units.items()}
    for name, group in layout.staff.items():
        if not group.units:
            continue
        plan = plan_shifts(name, group, (), 1.0, origin)
        times, heads = on_duty(plan, plan.rostered, 1.0)
        capacity = group_capacity(times, step_at(times, heads, np.array([0.0])),
                                  plan.patients_per_staff)
        physical = np.array([[layout.units[u].beds for u in group.units]])
        shares = share_capacity(capacity, physical)[0]
        for unit, staffed in zip(group.units, shares):
            out[unit] = (layout.units[unit].beds, int(staffed))
    return out


def equipment_capacity(layout) -> dict[str, int]:
    """Devices per equipment kind in the layout (pools of one kind added up)."""
    layout = as_layout(layout)
    out: dict[str, int] = {}
    for name, pool in layout.equipment.items():
        kind = pool.kind or name
        out[kind] = out.get(kind, 0) + pool.count
    return out


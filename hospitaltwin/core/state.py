"""The state of the hospital at one moment: who is in which bed, for how long, on what device.

A :class:`SystemState` is what a simulation warm-starts from. It is a plain value: the engine
reads it, the state store (later) produces it, and tests write it by hand. Patient
identifiers are pseudonymous strings; times are hours already elapsed at ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DeviceInUse:
    """A device of ``kind`` (``ventilator``, ``ecls``) in use for ``elapsed_h`` hours."""

    kind: str
    elapsed_h: float | None = 0.0


@dataclass(frozen=True)
class PatientState:
    """A patient in a bed of ``unit`` for ``elapsed_h`` hours.

    ``elapsed_h=None`` means the time already spent is unknown (only a census count was
    reported): the remaining stay is then drawn from the equilibrium law of the unit's stays.
    ``waiting_for`` names the unit the patient is waiting to move to (boarding), if any.
    """

    patient_id: str
    unit: str
    elapsed_h: float | None = 0.0
    devices: tuple[DeviceInUse, ...] = ()
    waiting_for: str | None = None


@dataclass(frozen=True)
class WaitingPatient:
    """A patient from outside waiting ``waited_h`` hours for a bed in ``unit``."""

    patient_id: str
    unit: str
    waited_h: float = 0.0


@dataclass(frozen=True)
class SystemState:
    """Everyone in the hospital at ``as_of``: in beds, and waiting from outside."""

    as_of: datetime
    patients: tuple[PatientState, ...] = ()
    waiting: tuple[WaitingPatient, ...] = ()
    notes: dict = field(default_factory=dict)

    def census(self) -> dict[str, int]:
        """Occupied beds per unit."""
        counts: dict[str, int] = {}
        for patient in self.patients:
            counts[patient.unit] = counts.get(patient.unit, 0) + 1
        return counts

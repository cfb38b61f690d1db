"""The physical hospital: units and beds, equipment pools, staff rosters, transfer graph.

A layout may hold several hospitals (a regional network) joined by transfer ``links``; a
patient diverted by one hospital can then be sent to a linked one. Cross-references (a staff
group naming an unknown unit, an overflow target that does not exist) are checked in
:mod:`hospitaltwin.config.checks`, where every problem is collected with its key path.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from hospitaltwin.config.base import (
    MAX_FACTOR,
    Count,
    Model,
    Name,
    NonNegativeHours,
    PositiveHours,
    Priority,
    Probability,
)

DEFAULT_HOSPITAL = "main"


class Unit(Model):
    """A unit with ``beds`` and what happens to a bed request when it is full.

    ``max_wait``: a patient waiting from outside longer than this leaves (in an ED: left
    without being seen); patients waiting in another unit's bed (boarding) never leave.
    """

    beds: Count
    on_full: Literal["queue", "divert", "overflow"] = "queue"
    overflow: tuple[str, ...] = ()
    max_wait: PositiveHours | None = None
    hospital: str | None = None
    kind: str | None = None
    priority: dict[str, Priority] = Field(default_factory=dict)
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _overflow_mapping(cls, data: object) -> object:
        """Accept ``on_full: {overflow: [A, B]}`` as well as ``on_full: overflow``."""
        if isinstance(data, dict) and isinstance(data.get("on_full"), dict):
            data = dict(data)
            spec = data.pop("on_full")
            if set(spec) != {"overflow"}:
                raise ValueError("on_full as a mapping takes only the key 'overflow: [UNIT, ...]'")
            data["on_full"], data["overflow"] = "overflow", spec["overflow"]
        return data

    @model_validator(mode="after")
    def _overflow_needs_targets(self) -> "Unit":
        if self.on_full == "overflow" and not self.overflow:
            raise ValueError("on_full: overflow needs 'overflow: [UNIT, ...]', the units to try")
        if self.overflow and self.on_full != "overflow":
            raise ValueError("'overflow' units are only used with on_full: overflow")
        if self.max_wait is not None and self.on_full == "divert":
            raise ValueError("'max_wait' is for units where patients wait (queue or overflow), not divert")
        return self


class Shift(Model):
    """A shift starting ``start`` after midnight, lasting ``length``, with head counts."""

    start: NonNegativeHours
    length: PositiveHours
    weekday: Count
    weekend: Count | None = None

    @field_validator("start")
    @classmethod
    def _within_day(cls, value: float) -> float:
        if value >= 24:
            raise ValueError("a shift starts within the day: 0h to 23h59")
        return value


class StaffGroup(Model):
    """Staff who cover ``units``: staffed beds = staff on shift x ``patients_per_staff``.

    A group with no units is a team that limits an equipment pool (``team:``), e.g. the
    ECLS-trained staff: concurrent runs = team on shift x ``patients_per_staff``.
    """

    units: tuple[str, ...] = ()
    patients_per_staff: float = Field(gt=0, le=MAX_FACTOR)
    shifts: dict[Name, Shift] = Field(min_length=1)
    absence_rate: Probability = 0.0


class EquipmentPool(Model):
    """A pool of ``count`` devices of ``kind`` (default: the pool's name) in a hospital."""

    count: Count
    kind: str | None = None
    hospital: str | None = None
    team: str | None = None


class Hospital(Model):
    """A hospital of a network; its units name it with ``hospital:``.

    ``region`` groups hospitals the way a state command centre watches them (its reports
    show each region's hospitals side by side, and the region's totals).
    """

    name: str | None = None
    region: str | None = None


class Link(Model):
    """A transfer link between hospitals, used for patients a hospital diverts.

    ``max_per_day`` caps the transfers along the link per day (each direction), e.g. the
    transport team's capacity.
    """

    from_: str = Field(alias="from")
    to: str
    delay: NonNegativeHours
    two_way: bool = True
    max_per_day: Count | None = None


class Layout(Model):
    """The physical hospital (or network of hospitals)."""

    name: str | None = None
    description: str | None = None
    timezone: str = "UTC"
    hospitals: dict[Name, Hospital] = Field(default_factory=dict)
    units: dict[Name, Unit] = Field(min_length=1)
    equipment: dict[Name, EquipmentPool] = Field(default_factory=dict)
    staff: dict[Name, StaffGroup] = Field(default_factory=dict)
    transfers: dict[str, tuple[str, ...]] | None = None
    links: tuple[Link, ...] = ()

    def hospital_of(self, unit: str) -> str:
        """The hospital a unit belongs to (the default hospital when none is named)."""
        return self.units[unit].hospital or DEFAULT_HOSPITAL

    def kind_of(self, unit: str) -> str:
        """The kind of a unit, used to find its counterpart in a linked hospital."""
        return self.units[unit].kind or unit

    def pool_for(self, kind: str, hospital: str) -> str | None:
        """The equipment pool of ``kind`` serving ``hospital`` (a shared pool if none is local)."""
        shared = None
        for name, pool in self.equipment.items():
            if (pool.kind or name) != kind:
                continue
            if (pool.hospital or None) == hospital or (pool.hospital is None and hospital == DEFAULT_HOSPITAL):
                return name
            if pool.hospital is None:
                shared = name
        return shared


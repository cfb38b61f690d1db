"""A scenario: a layout, a demand, changes over time and the run settings.

``layout`` and ``demand`` are given inline or by a path relative to the scenario file (the
loader in :mod:`hospitaltwin.config.load` resolves paths before these models see them).
Changes are grouped by what they change: ``demand`` (multipliers, surge curves), ``beds``
(opened or closed from a date) and ``staff`` (absence, scaled rosters). Times are offsets
from the start (``10d``) or ISO dates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from hospitaltwin.config.base import (
    MAX_COUNT,
    MAX_FACTOR,
    MAX_SEED,
    Count,
    Factor,
    Model,
    Name,
    NonNegativeHours,
    PositiveHours,
    Probability,
    When,
)
from hospitaltwin.config.demand import Demand
from hospitaltwin.config.layout import Layout
from hospitaltwin.core.durations import format_hours, parse_datetime

DEFAULT_ORIGIN = datetime(2024, 1, 1)  # a Monday, so hour-of-week 0 is Monday 00:00


class Window(Model):
    """A period a change applies in: ``from`` (default: the start) ``until`` (default: never)."""

    from_: When | None = Field(default=None, alias="from")
    until: When | None = None


class Surge(Model):
    """A bell-shaped surge: demand x ``peak`` at ``at``, with width ``sd``."""

    peak: float = Field(gt=0, le=MAX_FACTOR)
    at: When
    sd: PositiveHours


class DemandChange(Window):
    """Scale arrivals: a constant ``multiplier``, a ``surge`` bump, or a piecewise-linear ``curve``.

    ``units`` / ``streams`` restrict the change; by default it applies to every stream.
    """

    multiplier: Factor | None = None
    surge: Surge | None = None
    curve: tuple[tuple[When, Factor], ...] | None = None
    units: tuple[str, ...] | None = None
    streams: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> "DemandChange":
        given = [k for k in ("multiplier", "surge", "curve") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a demand change has exactly one of 'multiplier', 'surge' or 'curve'")
        if self.curve is not None and (len(self.curve) < 2 or min(v for _, v in self.curve) < 0):
            raise ValueError("a curve has at least two [time, multiplier] points, multipliers >= 0")
        return self


class BedChange(Window):
    """Open or close beds in ``unit``: set ``beds`` or ``add`` (negative to close)."""

    unit: str
    beds: Count | None = None
    add: int | None = Field(default=None, ge=-MAX_COUNT, le=MAX_COUNT)

    @model_validator(mode="after")
    def _one_amount(self) -> "BedChange":
        if (self.beds is None) == (self.add is None):
            raise ValueError("a bed change has exactly one of 'beds' (new count) or 'add' (+/- beds)")
        return self


class StaffChange(Window):
    """Change a staff group: an ``absence`` rate, ``scale`` its head counts, or set a shift's ``count``.

    ``shift`` + ``count`` roster an exact head count on the shifts of that name starting in
    the window (how a day-by-day roster is expressed); ``scale`` multiplies head counts.
    """

    group: str
    absence: Probability | None = None
    scale: Factor | None = None
    shift: str | None = None
    count: Count | None = None

    @model_validator(mode="after")
    def _something(self) -> "StaffChange":
        if self.absence is None and self.scale is None and self.count is None:
            raise ValueError("a staff change sets 'absence' (0-1), 'scale' (x head counts) or 'shift' with 'count'")
        if (self.shift is None) != (self.count is None):
            raise ValueError("'shift' and 'count' go together: the head count of the named shift")
        return self


class Changes(Model):
    """Everything that changes over the run."""

    demand: tuple[DemandChange, ...] = ()
    beds: tuple[BedChange, ...] = ()
    staff: tuple[StaffChange, ...] = ()


class StoreStart(Model):
    """Start from the state store's picture of the hospital at time ``at`` (default: latest)."""

    store: str
    at: str | None = None


class Limits(Model):
    """How large a run may be before it is refused: ``run.limits`` raises these deliberately.

    The defaults keep one replication within a few GB of memory (about 600 bytes per unit
    stay) and a run within hours; a state-wide year of a few thousand arrivals a day fits.
    ``stays`` bounds the unit stays a replication is expected to simulate (arrivals over the
    horizon, at the highest demand multiplier, times the units each patient visits).
    """

    replications: int = Field(default=10_000, ge=1)
    horizon: PositiveHours = 3650 * 24.0
    stays: int = Field(default=5_000_000, ge=1)


class RunSpec(Model):
    """How to run: horizon, warmup, replications, seed, start, calendar origin and limits."""

    horizon: PositiveHours
    warmup: NonNegativeHours = 0.0
    replications: int = Field(default=10, ge=1)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    start: Literal["empty"] | StoreStart = "empty"
    origin: datetime = DEFAULT_ORIGIN
    limits: Limits | None = None

    @property
    def bounds(self) -> Limits:
        """The limits in force: the scenario's ``run.limits``, else the defaults."""
        return self.limits or Limits()

    @field_validator("origin", mode="before")
    @classmethod
    def _origin(cls, value: object) -> datetime:
        return parse_datetime(value)

    @model_validator(mode="after")
    def _warmup_within_horizon(self) -> "RunSpec":
        if self.warmup >= self.horizon:
            raise ValueError(f"warmup ({format_hours(self.warmup)}) must be shorter than the horizon "
                             f"({format_hours(self.horizon)})")
        bounds = self.bounds
        if self.replications > bounds.replications:
            raise ValueError(f"{self.replications:,} replications are more than the limit of {bounds.replications:,} "
                             "(run.limits.replications in the scenario raises it)")
        if self.horizon > bounds.horizon:
            raise ValueError(f"a horizon of {format_hours(self.horizon)} is longer than the limit of "
                             f"{format_hours(bounds.horizon)} (run.limits.horizon in the scenario raises it)")
        return self


class Scenario(Model):
    """A what-if: the hospital, its demand, what changes, and how to run it."""

    name: Name
    description: str | None = None
    layout: Layout
    demand: Demand
    changes: Changes = Changes()
    run: RunSpec

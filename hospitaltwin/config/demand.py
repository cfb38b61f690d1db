"""Demand: arrival streams, length-of-stay laws, routing and equipment use per unit.

Written by ``calibrate`` or by hand. Rates are per day; an hour-of-week ``profile`` holds 168
relative weights starting Monday 00:00 (normalised to mean 1, so ``rate`` stays the daily
mean). Parametric stays are given by ``mean`` and ``sd`` or ``cv``; ``empirical`` takes the
observed stays. A calibrated demand names the data window it was fitted on (``calibrated``);
a scenario without its own ``run.origin`` then starts its calendar on that window's first day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from hospitaltwin.config.base import (
    MAX_FACTOR,
    MAX_HOURS,
    Count,
    Factor,
    Hours,
    Model,
    Name,
    NonNegativeHours,
    PositiveHours,
    Priority,
    Probability,
    Rate,
)
from hospitaltwin.core.distributions import Empirical, Exponential, Fixed, Gamma, Lognormal, Weibull
from hospitaltwin.core.distributions import Law as DurationLaw
from hospitaltwin.core.durations import parse_datetime

Law = Literal["exponential", "lognormal", "gamma", "weibull", "fixed", "empirical"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTCOMES = ("discharge", "death")
MAX_WEIGHT = 1e6
"""Largest hour-of-week profile weight (profiles are relative: calibrate writes them with mean 1)."""


class LosSpec(Model):
    """A duration law: ``{dist: lognormal, mean: 4d, sd: 3d}``."""

    dist: Law
    mean: PositiveHours | None = None
    sd: NonNegativeHours | None = None
    cv: Factor | None = None
    samples: tuple[Hours, ...] | None = None
    samples_h: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _parameters_fit_the_law(self) -> "LosSpec":
        if self.dist == "empirical":
            if not (self.samples or self.samples_h):
                raise ValueError("empirical needs 'samples' (durations) or 'samples_h' (hours)")
            if min(self.observed()) < 0 or max(self.observed()) > MAX_HOURS:
                raise ValueError("empirical samples lie between 0 and 100 years")
            return self
        if self.mean is None:
            raise ValueError(f"{self.dist} needs 'mean'")
        if self.dist in ("lognormal", "gamma", "weibull"):
            if (self.sd is None) == (self.cv is None):
                raise ValueError(f"{self.dist} needs exactly one of 'sd' or 'cv'")
            if self.spread() <= 0:
                raise ValueError(f"{self.dist} needs a positive spread (sd or cv > 0)")
            if self.spread() > MAX_FACTOR * self.mean:
                raise ValueError(f"{self.dist}: sd is at most {MAX_FACTOR:g} x the mean (cv <= {MAX_FACTOR:g})")
        return self

    def spread(self) -> float:
        """Standard deviation in hours (0 for ``fixed``; mean for ``exponential``)."""
        if self.dist == "exponential":
            return self.mean
        if self.dist == "fixed":
            return 0.0
        if self.sd is not None:
            return self.sd
        return (self.cv or 0.0) * (self.mean or 0.0)

    def observed(self) -> tuple[float, ...]:
        """Empirical samples in hours."""
        return tuple(self.samples_h or ()) + tuple(self.samples or ())


class ArrivalStream(Model):
    """Patients arriving at ``unit``: Poisson at ``rate`` per day, or scheduled by weekday."""

    unit: str
    name: Name | None = None
    source: Name | None = None
    rate: Rate | None = None
    profile: tuple[float, ...] | None = None
    schedule: dict[str, Count] | None = None
    at: NonNegativeHours = 8.0
    spread: NonNegativeHours = 0.0
    priority: Priority | None = None

    @model_validator(mode="after")
    def _rate_or_schedule(self) -> "ArrivalStream":
        if (self.rate is None) == (self.schedule is None):
            raise ValueError("give either 'rate' (Poisson, per day) or 'schedule' (count per weekday)")
        if self.profile is not None and self.rate is None:
            raise ValueError("'profile' shapes a Poisson 'rate'; a schedule has none")
        return self

    @field_validator("profile")
    @classmethod
    def _hour_of_week(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is None:
            return value
        if len(value) != 168:
            raise ValueError(f"an hour-of-week profile has 168 values (Monday 00:00 first), got {len(value)}")
        if min(value) < 0 or sum(value) <= 0 or max(value) > MAX_WEIGHT:
            raise ValueError(f"profile values are weights from 0 to {MAX_WEIGHT:g} with a positive sum")
        return value

    @field_validator("schedule")
    @classmethod
    def _weekdays(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return value
        bad = [day for day in value if day not in WEEKDAYS]
        if bad:
            raise ValueError(f"schedule days are {', '.join(WEEKDAYS)}; got {', '.join(bad)}")
        if any(count < 0 for count in value.values()):
            raise ValueError("scheduled counts must not be negative")
        return value

    @property
    def stream_name(self) -> str:
        """The stream's name: given, or ``UNIT`` / ``UNIT:SOURCE``."""
        if self.name:
            return self.name
        return f"{self.unit}:{self.source}" if self.source else self.unit


class EquipmentNeed(Model):
    """Probability ``p`` of needing a device on entering the unit, and for how long.

    ``given: ventilator`` makes the need an escalation: it applies only to patients who had
    that device here, ``after`` its start (e.g. ECLS after ventilation). An episode ends at
    the latest with the stay, unless ``extends_stay``: then the patient stays at least until
    the episode ends (nobody leaves intensive care on ECMO).
    """

    p: Probability
    duration: LosSpec
    given: str | None = None
    after: LosSpec | None = None
    extends_stay: bool = False


class UnitDemand(Model):
    """Length of stay, routing and equipment use in one unit."""

    los: LosSpec
    next: dict[str, Probability] = Field(default_factory=lambda: {"discharge": 1.0})
    equipment: dict[str, EquipmentNeed] = Field(default_factory=dict)

    @field_validator("next")
    @classmethod
    def _sums_to_one(cls, value: dict[str, float]) -> dict[str, float]:
        total = sum(value.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"routing probabilities must add up to 1, they add up to {total:.6g}")
        return value


class Calibrated(Model):
    """The data a calibrated demand was fitted on: its window and the hospital's time zone."""

    since: datetime
    until: datetime
    timezone: str | None = None

    @field_validator("since", "until", mode="before")
    @classmethod
    def _moment(cls, value: object) -> datetime:
        return parse_datetime(value)

    def first_day(self) -> datetime:
        """Local midnight of the window's first day (naive, in ``timezone`` when it has one)."""
        moment = self.since
        if moment.tzinfo is not None and self.timezone:
            moment = moment.astimezone(ZoneInfo(self.timezone))
        return datetime.combine(moment.date(), datetime.min.time())


class Demand(Model):
    """All demand: arrival streams and per-unit behaviour; ``calibrated`` when fitted from data."""

    description: str | None = None
    calibrated: Calibrated | None = None
    arrivals: tuple[ArrivalStream, ...] = ()
    units: dict[Name, UnitDemand] = Field(default_factory=dict)


def weekday_index(day: str) -> int:
    """0 for Monday ... 6 for Sunday."""
    return WEEKDAYS.index(day)


def make_law(spec: LosSpec) -> DurationLaw:
    """The :class:`~hospitaltwin.core.distributions.Law` a demand file's ``{dist: ..., mean: ..., sd: ...}`` describes."""
    if spec.dist == "exponential":
        return Exponential(spec.mean)
    if spec.dist == "fixed":
        return Fixed(spec.mean)
    if spec.dist == "empirical":
        return Empirical(spec.observed())
    kinds = {"lognormal": Lognormal, "gamma": Gamma, "weibull": Weibull}
    return kinds[spec.dist](spec.mean, spec.spread())

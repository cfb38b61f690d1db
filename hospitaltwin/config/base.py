"""Shared building blocks of the file models: a strict frozen base model and typed fields.

Every file model forbids unknown keys and is frozen: overrides are applied by copying
(``model_copy(update=...)``), never in place. Durations are stored in hours and written back
as strings with a unit, so a resolved scenario in a manifest reads like the file a user wrote.
Every number is checked when the file is read: finite (no ``.inf`` or ``.nan``) and within a
range no hospital reaches (:data:`MAX_COUNT`, :data:`MAX_RATE`, :data:`MAX_FACTOR`,
:data:`MAX_HOURS`), so a typo fails validation instead of crashing or stalling a run.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from hospitaltwin.core.durations import format_hours, parse_datetime, parse_duration
from hospitaltwin.core.errors import quote


class Model(BaseModel):
    """Base of every file model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


def _when(value: object) -> str:
    """Check a point in time is a duration offset or an ISO date, keep it as text."""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    if isinstance(value, str):
        try:
            parse_duration(value)
            return value
        except ValueError:
            parse_datetime(value)
            return value
    raise ValueError(f"expected a duration from the start such as '10d', or an ISO date, got {quote(value)}")


MAX_COUNT = 100_000
"""Most beds, devices, staff on a shift, transfers or scheduled arrivals a single entry may give."""
MAX_RATE = 100_000.0
"""Highest arrival rate, patients per day."""
MAX_FACTOR = 1_000.0
"""Largest multiplier (demand, surge peak, staff scale) and spread ratio (``cv``)."""
MAX_HOURS = 100 * 8766.0
"""Longest duration: a century."""
MAX_PRIORITY = 1_000_000
"""Largest priority number, either sign."""
MAX_SEED = 2**63 - 1
NAME_CHARS = 200
"""Longest name of a scenario, unit, pool, staff group, shift, hospital or arrival stream."""


def _label(text: str) -> str:
    if not text.strip() or not text.isprintable():
        raise ValueError("a name is printable text: not blank, no line breaks or control characters")
    return text


def _name(text: str) -> str:
    if len(text) > NAME_CHARS:
        raise ValueError(f"a name has at most {NAME_CHARS} characters, this one has {len(text):,}")
    return _label(text)


Name = Annotated[str, AfterValidator(_name)]
"""A name a user gives (shown on screens, in reports and in default folder names)."""
Label = Annotated[str, AfterValidator(_label)]
"""A name that may be built from others (a policy's), so not bounded in length."""


def _within_a_century(hours: float) -> float:
    if abs(hours) > MAX_HOURS:
        raise ValueError(f"a duration of at most 100 years is expected, got {format_hours(hours)}")
    return hours


Hours = Annotated[
    float,
    BeforeValidator(parse_duration),
    AfterValidator(_within_a_century),
    PlainSerializer(format_hours, return_type=str),
]
"""A duration written with a unit (``6h``, ``4.5d``), held in hours."""

PositiveHours = Annotated[Hours, Field(gt=0)]
NonNegativeHours = Annotated[Hours, Field(ge=0)]
When = Annotated[str, BeforeValidator(_when)]
"""A point in time: an offset from the scenario start (``10d``) or an ISO date-time."""
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""A head count, bed count, device count or number per day."""
Rate = Annotated[float, Field(ge=0, le=MAX_RATE)]
"""Patients per day."""
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR)]
"""A multiplier or ratio."""
Priority = Annotated[int, Field(ge=-MAX_PRIORITY, le=MAX_PRIORITY)]

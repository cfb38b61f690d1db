"""Shared building blocks of the file models: a strict frozen base model and typed fields.

Every file model forbids unknown keys and is frozen: overrides are applied by copying
(``model_copy(update=...)``), never in place. Durations are stored in hours and written back
as strings with a unit, so a resolved scenario in a manifest reads like the file a user wrote.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from hospitaltwin.core.durations import format_hours, parse_datetime, parse_duration


class Model(BaseModel):
    """Base of every file model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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
    raise ValueError(f"expected a duration from the start such as '10d', or an ISO date, got {value!r}")


Hours = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_hours, return_type=str),
]
"""A duration written with a unit (``6h``, ``4.5d``), held in hours."""

PositiveHours = Annotated[Hours, Field(gt=0)]
NonNegativeHours = Annotated[Hours, Field(ge=0)]
When = Annotated[str, BeforeValidator(_when)]
"""A point in time: an offset from the scenario start (``10d``) or an ISO date-time."""
Probability = Annotated[float, Field(ge=0.0, le=1.0)]

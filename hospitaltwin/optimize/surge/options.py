"""The surge options file: which surge beds a hospital could open, where, when and at what cost.

A planner lists the ways the hospital can add capacity for a unit under strain — convert PACU
bays or step-down beds to intensive care, open a closed ward as a surge unit — each with its
bed count (all or nothing) or maximum, the unit whose patients it takes, the unit it takes beds
from (if any), lead time, minimum open period, costs and nurse ratio; and the limits that bind
them all: surge nurses available per shift, a budget, and what a patient-day of demand not
placed in a unit costs. The file is validated like every hospitaltwin file (unknown keys,
wrong types and cross-references are reported with file, key path, line and reason), then
checked against the scenario it will be planned on.

```yaml
name: academic-icu-surge
budget: 400000                      # currency, over the planning horizon
nurses_per_shift: 8                 # surge nurses available on every shift (or one value a day)
unmet_cost_per_patient_day: {MICU: 6000, PACU: 3000}
options:
  PACU_ICU:                         # the id of the unit the policy adds for these beds
    serves: MICU                    # they take MICU's patients when MICU is full
    convert_from: PACU              # and are PACU bays, so PACU loses them while open
    max_beds: 8
    lead_time: 1d
    min_open: 3d
    cost_per_bed_day: 2200
    opening_cost: 8000
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from hospitaltwin.config.base import Model, NonNegativeHours, PositiveHours
from hospitaltwin.config.load import validate_model
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.config.yamlio import SourceMap, load_yaml
from hospitaltwin.core.errors import ConfigError, Problem

UNIT_ID = r"^[A-Za-z][A-Za-z0-9_-]*$"


def _whole_days(value: float) -> float:
    if abs(value / 24.0 - round(value / 24.0)) > 1e-9:
        raise ValueError("the plan works in whole days: give a multiple of 1d, such as 0d, 1d or 3d")
    return value


class SurgeOption(Model):
    """One way to add beds: an area the policy opens as a unit that takes ``serves``' overflow."""

    description: str | None = None
    serves: str
    convert_from: str | None = None
    beds: int | None = Field(default=None, ge=1)
    max_beds: int | None = Field(default=None, ge=1)
    lead_time: NonNegativeHours = 0.0
    min_open: PositiveHours = 24.0
    cost_per_bed_day: float = Field(ge=0)
    opening_cost: float = Field(default=0.0, ge=0)
    closing_cost: float = Field(default=0.0, ge=0)
    patients_per_nurse: float | None = Field(default=None, gt=0)
    open_now: int = Field(default=0, ge=0)
    open_for: NonNegativeHours = 0.0

    @field_validator("lead_time", "min_open", "open_for")
    @classmethod
    def _days(cls, value: float) -> float:
        return _whole_days(value)

    @model_validator(mode="after")
    def _bed_count(self) -> "SurgeOption":
        if (self.beds is None) == (self.max_beds is None):
            raise ValueError("an option has exactly one of 'beds' (opened all together) or 'max_beds' (1 to max)")
        if self.open_now > self.most:
            raise ValueError(f"open_now ({self.open_now}) is more than the option's {self.most} beds")
        if self.beds is not None and self.open_now not in (0, self.beds):
            raise ValueError(f"an all-or-nothing option is open with all {self.beds} beds or closed (open_now)")
        if self.open_for > 0 and self.open_now == 0:
            raise ValueError("'open_for' says how long the open_now beds have been open; open_now is 0")
        return self

    @property
    def most(self) -> int:
        """The most beds the option can open."""
        return self.beds if self.beds is not None else self.max_beds

    @property
    def fewest(self) -> int:
        """The fewest beds it can have while open."""
        return self.beds if self.beds is not None else 1


class SurgeOptions(Model):
    """Everything a surge plan may use and the limits that bind it."""

    name: str
    description: str | None = None
    budget: float | None = Field(default=None, ge=0)
    nurses_per_shift: int | tuple[int, ...] = Field(default=0)
    unmet_cost_per_patient_day: dict[str, float] = Field(min_length=1)
    shortfall: Literal["hourly", "daily_peak"] = "hourly"
    options: dict[str, SurgeOption] = Field(min_length=1)

    @field_validator("nurses_per_shift")
    @classmethod
    def _non_negative(cls, value):
        values = value if isinstance(value, tuple) else (value,)
        if not values or min(values) < 0:
            raise ValueError("nurses per shift: a count >= 0, or a list with one count >= 0 per day")
        return value

    @field_validator("unmet_cost_per_patient_day")
    @classmethod
    def _positive_costs(cls, value):
        bad = [k for k, v in value.items() if v < 0]
        if bad:
            raise ValueError(f"costs are >= 0 (negative for {', '.join(bad)})")
        return value

    def nurses_on(self, days: int) -> list[int]:
        """Surge nurses available per shift on each of ``days`` days."""
        value = self.nurses_per_shift
        return list(value[:days]) if isinstance(value, tuple) else [value] * days


def read_options(path: str | Path, scenario: Scenario | None = None, days: int | None = None) -> SurgeOptions:
    """Read a surge options file; with ``scenario`` (and ``days``), also check it against them.

    Raises
    ------
    ConfigError
        Every problem found, each with the file, key path, line and reason.
    """
    data, src = load_yaml(path)
    options = validate_model(SurgeOptions, data, src)
    if scenario is not None:
        problems = check_options(options, scenario, src, days)
        if problems:
            raise ConfigError(problems)
    return options


def check_options(options: SurgeOptions, scenario: Scenario, src: SourceMap,
                  days: int | None = None) -> list[Problem]:
    """Problems between the options and the scenario's hospital (and the plan's length)."""
    return [src.problem(path, reason) for path, reason in _issues(options, scenario, days)]


def _issues(options: SurgeOptions, scenario: Scenario, days: int | None):
    units = scenario.layout.units
    known = ", ".join(units)
    served = {o.serves for o in options.options.values()}
    donors = {o.convert_from for o in options.options.values() if o.convert_from}
    for oid, option in options.options.items():
        yield from _option_issues(oid, option, units, known, served, donors)
    for uid in options.unmet_cost_per_patient_day:
        if uid not in units:
            yield f"unmet_cost_per_patient_day.{uid}", f"unknown unit '{uid}' (known: {known})"
    for uid in sorted((served | donors) & set(units)):
        if uid not in options.unmet_cost_per_patient_day:
            yield ("unmet_cost_per_patient_day", f"unit '{uid}' gains or loses surge beds but has no cost per "
                   "patient-day not placed; give one (0 if its shortages do not matter)")
    yield from _donor_issues(options, units)
    per_day = options.nurses_per_shift
    if days is not None and isinstance(per_day, tuple) and len(per_day) < days:
        yield "nurses_per_shift", f"{len(per_day)} values given, the plan covers {days} days: give one per day"


def _option_issues(oid: str, option: SurgeOption, units, known: str, served: set, donors: set):
    import re

    where = f"options.{oid}"
    if oid in units:
        yield where, f"'{oid}' is already a unit of the layout; an option names the new unit its beds form"
    elif not re.match(UNIT_ID, oid):
        yield where, "an option id is a unit id: a letter, then letters, digits, '_' or '-'"
    if option.serves not in units:
        yield f"{where}.serves", f"unknown unit '{option.serves}' (known: {known})"
    elif units[option.serves].on_full == "divert":
        yield (f"{where}.serves", f"unit '{option.serves}' diverts when full; surge beds are opened as an "
               "overflow area and overflow falls back to queueing, which would change its diversion rule "
               "(set on_full: queue or overflow in the layout to plan surge beds for it)")
    elif option.serves in donors:
        yield (f"{where}.serves", f"unit '{option.serves}' also gives beds to another option; "
               "a unit either gains or gives")
    if option.convert_from is not None:
        if option.convert_from not in units:
            yield f"{where}.convert_from", f"unknown unit '{option.convert_from}' (known: {known})"
        elif option.convert_from == option.serves:
            yield f"{where}.convert_from", "an option cannot take beds from the unit it serves"


def _donor_issues(options: SurgeOptions, units):
    taken: dict[str, int] = {}
    for option in options.options.values():
        if option.convert_from in units:
            taken[option.convert_from] = taken.get(option.convert_from, 0) + option.most
    for uid, beds in taken.items():
        if beds > units[uid].beds:
            yield "options", f"options convert up to {beds} beds of '{uid}', which has {units[uid].beds}"

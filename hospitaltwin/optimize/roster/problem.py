"""The nurse roster problem file: nurses, contracts, requests, cover rules, costs, period.

A roster problem names the staff groups of a layout it rosters (their shifts, units and
patients-per-staff ratios come from the layout), the nurses who may work in them with their
skills and contracts, requests off (soft, weighted) and leave (hard), minimum cover rules
(e.g. at least one ECLS-trained nurse on every shift) and the costs that weigh uncovered
patient-hours against overtime and broken requests. It is validated like every hospitaltwin
file: unknown keys and references to unknown groups, shifts, nurses or skills are reported
together, each with the file, the key path, the line and the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, model_validator

from hospitaltwin.config.base import Model, NonNegativeHours
from hospitaltwin.config.layout import Layout
from hospitaltwin.config.load import validate_model
from hospitaltwin.config.yamlio import SourceMap, load_yaml
from hospitaltwin.core.errors import ConfigError, Problem


class Period(Model):
    """The roster period: whole weeks from ``start`` (a date)."""

    start: dt.date
    weeks: int = Field(ge=1, le=6)


class Contract(Model):
    """What a nurse's contract allows; every limit but ``shifts_per_week`` is optional.

    ``shifts_per_week`` are contracted: shifts beyond ``shifts_per_week x weeks`` over the
    period are overtime (a cost). Hours are averaged over the period; days on leave count
    toward the contract (contracted shifts and minimum hours shrink in proportion).
    ``max_consecutive`` counts days worked in a row; ``weekends_off`` counts whole weekends
    (no shift starting on the Saturday or Sunday).
    """

    shifts_per_week: float = Field(ge=0)
    max_shifts_per_week: int | None = Field(default=None, ge=0)
    min_hours_per_week: NonNegativeHours | None = None
    max_hours_per_week: NonNegativeHours | None = None
    min_rest: NonNegativeHours = 0.0
    max_consecutive: int | None = Field(default=None, ge=1)
    max_nights_per_week: int | None = Field(default=None, ge=0)
    max_nights: int | None = Field(default=None, ge=0)
    weekends_off: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _hours_in_order(self) -> "Contract":
        low, high = self.min_hours_per_week, self.max_hours_per_week
        if low is not None and high is not None and low > high:
            raise ValueError("min_hours_per_week is above max_hours_per_week")
        return self


class Nurse(Model):
    """A nurse (or ``count`` interchangeable nurses with ids ``ID-01``, ``ID-02``, ...)."""

    id: str
    contract: str
    groups: tuple[str, ...] = Field(min_length=1)
    skills: tuple[str, ...] = ()
    count: int | None = Field(default=None, ge=1)


class Request(Model):
    """A request off: the whole ``date`` or only its ``shift``; ``weight`` scales its cost."""

    nurse: str
    date: dt.date
    shift: str | None = None
    weight: float = Field(default=1.0, gt=0)


class Leave(Model):
    """Leave (hard): no shift starting ``from`` to ``until``, both dates included."""

    nurse: str
    from_: dt.date = Field(alias="from")
    until: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Leave":
        if self.until < self.from_:
            raise ValueError("leave ends ('until') before it starts ('from')")
        return self


class Cover(Model):
    """At least ``min`` nurses (with ``skill``, if given) on every shift (or those named) of
    ``group``, on every day or those ``from`` ... ``until`` (dates, both included)."""

    group: str
    min: int = Field(ge=1)
    skill: str | None = None
    shifts: tuple[str, ...] | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None

    def applies(self, date: dt.date) -> bool:
        """Whether the rule covers shifts starting on ``date``."""
        return (self.from_ is None or date >= self.from_) and (self.until is None or date <= self.until)


class Costs(Model):
    """Weights of the objective: per expected uncovered patient-hour, overtime shift, request."""

    uncovered_patient_hour: float = Field(default=1.0, ge=0)
    overtime_shift: float = Field(default=12.0, ge=0)
    broken_request: float = Field(default=4.0, ge=0)


class SolverSettings(Model):
    """Solver defaults (the command line overrides them)."""

    time_limit: float = Field(default=30.0, gt=0)
    workers: int = Field(default=2, ge=1)
    seed: int = Field(default=0, ge=0)
    gap: float = Field(default=0.005, ge=0, le=1)


class RosterProblem(Model):
    """A nurse roster problem over the staff ``groups`` of a layout."""

    name: str
    description: str | None = None
    period: Period
    groups: tuple[str, ...] = Field(min_length=1)
    nights: tuple[str, ...] | None = None
    contracts: dict[str, Contract] = Field(min_length=1)
    nurses: tuple[Nurse, ...] = Field(min_length=1)
    requests: tuple[Request, ...] = ()
    leave: tuple[Leave, ...] = ()
    cover: tuple[Cover, ...] = ()
    costs: Costs = Costs()
    solver: SolverSettings = SolverSettings()

    @property
    def days(self) -> int:
        """Days in the period."""
        return 7 * self.period.weeks

    @property
    def dates(self) -> list[dt.date]:
        """The period's dates."""
        return [self.period.start + dt.timedelta(days=d) for d in range(self.days)]


@dataclass(frozen=True)
class Staff:
    """One nurse after ``count`` entries are expanded; ``twin`` numbers interchangeable nurses."""

    index: int
    id: str
    contract: Contract
    contract_name: str
    groups: tuple[str, ...]
    skills: frozenset[str]
    entry: int
    twin: int


def expand_nurses(problem: RosterProblem) -> list[Staff]:
    """The nurses one by one; nurses of one ``count`` entry without requests or leave are twins."""
    named = {r.nurse for r in problem.requests} | {lv.nurse for lv in problem.leave}
    staff: list[Staff] = []
    for entry, nurse in enumerate(problem.nurses):
        for nid in _ids(nurse):
            twin = entry if nurse.count and nid not in named and nurse.id not in named else -1 - len(staff)
            staff.append(Staff(len(staff), nid, problem.contracts.get(nurse.contract), nurse.contract,
                               nurse.groups, frozenset(nurse.skills), entry, twin))
    return staff


def _ids(nurse: Nurse) -> list[str]:
    if nurse.count is None:
        return [nurse.id]
    width = max(2, len(str(nurse.count)))
    return [f"{nurse.id}-{i:0{width}d}" for i in range(1, nurse.count + 1)]


def read_problem(path: str | Path, layout: Layout) -> RosterProblem:
    """Read a roster problem file and check it against ``layout``; raise every problem found."""
    data, src = load_yaml(path)
    problem = validate_model(RosterProblem, data, src)
    problems = check_problem(problem, layout, src)
    if problems:
        raise ConfigError(problems)
    return problem


def problem_from_dict(data: dict, layout: Layout, name: str = "<roster problem>") -> RosterProblem:
    """Validate a roster problem given as Python data (the structure of the YAML file)."""
    src = SourceMap(name)
    problem = validate_model(RosterProblem, data, src)
    problems = check_problem(problem, layout, src)
    if problems:
        raise ConfigError(problems)
    return problem


def check_problem(problem: RosterProblem, layout: Layout, src: SourceMap) -> list[Problem]:
    """Problems between a roster problem and the layout whose staff it rosters."""
    issues = list(_group_issues(problem, layout))
    if not issues:
        issues += _nurse_issues(problem)
        issues += _reference_issues(problem, layout)
    return [src.problem(path, reason) for path, reason in issues]


def _unknown(value: str, known, what: str) -> str:
    listed = ", ".join(sorted(known)) or "none"
    return f"unknown {what} '{value}' (known: {listed})"


def _group_issues(problem: RosterProblem, layout: Layout):
    for i, gid in enumerate(problem.groups):
        if gid not in layout.staff:
            yield f"groups.{i}", _unknown(gid, layout.staff, "staff group of the layout")
        elif not layout.staff[gid].units:
            yield f"groups.{i}", f"staff group '{gid}' covers no units (a team); only unit staff are rostered"
    if len(set(problem.groups)) != len(problem.groups):
        yield "groups", "a staff group is listed twice"


def _nurse_issues(problem: RosterProblem):
    seen: dict[str, int] = {}
    for i, nurse in enumerate(problem.nurses):
        if nurse.contract not in problem.contracts:
            yield f"nurses.{i}.contract", _unknown(nurse.contract, problem.contracts, "contract")
        for j, gid in enumerate(nurse.groups):
            if gid not in problem.groups:
                yield f"nurses.{i}.groups.{j}", _unknown(gid, problem.groups, "group of this roster")
        for nid in _ids(nurse):
            if nid in seen:
                yield f"nurses.{i}.id", f"nurse id '{nid}' is also used by nurses.{seen[nid]}"
            seen.setdefault(nid, i)


def _reference_issues(problem: RosterProblem, layout: Layout):
    staff = {s.id: s for s in expand_nurses(problem)}
    first, last = problem.period.start, problem.dates[-1]
    for i, req in enumerate(problem.requests):
        yield from _nurse_ref(f"requests.{i}", req.nurse, staff)
        if not first <= req.date <= last:
            yield f"requests.{i}.date", f"{req.date} is outside the period {first} to {last}"
        if req.nurse in staff and req.shift is not None:
            shifts = {k for g in staff[req.nurse].groups for k in layout.staff[g].shifts}
            if req.shift not in shifts:
                yield f"requests.{i}.shift", _unknown(req.shift, shifts, f"shift of nurse {req.nurse}'s groups")
    for i, leave in enumerate(problem.leave):
        yield from _nurse_ref(f"leave.{i}", leave.nurse, staff)
        if leave.until < first or leave.from_ > last:
            yield f"leave.{i}", f"leave {leave.from_} to {leave.until} is outside the period {first} to {last}"
    for i, rule in enumerate(problem.cover):
        yield from _cover_issues(f"cover.{i}", rule, problem, layout, staff)
    for i, name in enumerate(problem.nights or ()):
        shifts = {k for g in problem.groups for k in layout.staff[g].shifts}
        if name not in shifts:
            yield f"nights.{i}", _unknown(name, shifts, "shift")


def _nurse_ref(path: str, nid: str, staff: dict):
    if nid not in staff:
        hint = " (nurses given with 'count' are named ID-01, ID-02, ...)" if any("-" in s for s in staff) else ""
        yield f"{path}.nurse", f"unknown nurse '{nid}'{hint}"


def _cover_issues(path: str, rule: Cover, problem: RosterProblem, layout: Layout, staff: dict):
    if rule.group not in problem.groups:
        yield f"{path}.group", _unknown(rule.group, problem.groups, "group of this roster")
        return
    shifts = layout.staff[rule.group].shifts
    for j, name in enumerate(rule.shifts or ()):
        if name not in shifts:
            yield f"{path}.shifts.{j}", _unknown(name, shifts, f"shift of group '{rule.group}'")
    if rule.skill is not None:
        eligible = [s for s in staff.values() if rule.group in s.groups]
        if not any(rule.skill in s.skills for s in eligible):
            skills = {k for s in eligible for k in s.skills}
            yield f"{path}.skill", _unknown(rule.skill, skills, f"skill among the nurses of '{rule.group}'")

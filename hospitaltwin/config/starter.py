"""A first model of a hospital from the numbers a planner has: beds, admissions, stays, shares.

``hospitaltwin init`` asks for (or takes as flags) each unit's beds, the admissions a year that
come into it from outside, its mean length of stay, where its patients go next (shares of its
discharges that move to another unit or die; the rest go home) and ventilator use, and writes
a layout, a demand and a scenario that validate and run at once. Arrivals are Poisson at the
yearly admissions / 365 per day; stays are lognormal with the given mean and a coefficient of
variation of 1 (hospital stays are skewed: many short, a few long), which a user can change in
the demand file, or replace by ``hospitaltwin calibrate`` once an event log is at hand.

Nothing is written unless all three files validate, and a file that already exists is never
overwritten: the function refuses and names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from hospitaltwin.config.load import scenario_from_data
from hospitaltwin.config.yamlio import SourceMap, write_yaml
from hospitaltwin.core.durations import format_hours, parse_duration
from hospitaltwin.core.errors import HospitaltwinError

FILES = ("layout.yaml", "demand.yaml", "scenario.yaml")
OUTCOMES = ("discharge", "death")
UNIT_KEYS = ("beds", "admissions", "stay", "on_full")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class UnitNumbers:
    """What a planner knows of a unit.

    Attributes
    ----------
    name : str
        The unit's id (``ICU``, ``WARD_3E``).
    beds : int
        Physical beds.
    stay_h : float
        Mean length of stay, hours.
    admissions_per_year : float
        Admissions from outside the hospital into this unit per year (not transfers from
        other units: those follow from the routing).
    on_full : str
        What happens to a bed request when the unit is full (``queue`` or ``divert``).
    """

    name: str
    beds: int
    stay_h: float
    admissions_per_year: float = 0.0
    on_full: str = "queue"


@dataclass(frozen=True)
class StarterNumbers:
    """Everything ``init`` needs; see :func:`starter_data`.

    Attributes
    ----------
    name : str
        The scenario's name.
    units : tuple of UnitNumbers
        The hospital's units.
    routes : dict
        ``{unit: {target: share}}``: of the patients leaving ``unit``, the share moving to
        ``target`` (another unit, or ``death``); the rest are discharged.
    ventilators : int
        Ventilators in the hospital (0: none modelled).
    ventilated : dict
        ``{unit: share}``: share of the patients entering a unit who need a ventilator there.
    ventilation_h : float
        Mean duration of ventilation, hours.
    timezone : str
        The hospital's time zone (IANA name).
    horizon, warmup : str
        Simulated time and the warm-up before measuring (durations).
    replications, seed : int
        Run settings.
    stay_cv : float
        Coefficient of variation of every stay law.
    """

    name: str
    units: tuple[UnitNumbers, ...]
    routes: dict[str, dict[str, float]] = field(default_factory=dict)
    ventilators: int = 0
    ventilated: dict[str, float] = field(default_factory=dict)
    ventilation_h: float = 72.0
    timezone: str = "UTC"
    horizon: str = "180d"
    warmup: str = "30d"
    replications: int = 10
    seed: int = 1
    stay_cv: float = 1.0


def parse_unit(text: str) -> UnitNumbers:
    """``ICU:beds=16,admissions=900,stay=4d`` (``on_full=divert`` optional) as numbers.

    Raises
    ------
    HospitaltwinError
        Naming the part that cannot be read.
    """
    name, _, rest = text.partition(":")
    name = name.strip()
    if not NAME.match(name):
        raise HospitaltwinError(f"--unit {text!r}: start with the unit's name, e.g. ICU:beds=16,stay=4d")
    values = _pairs(rest, f"--unit {text!r}", UNIT_KEYS)
    for key in ("beds", "stay"):
        if key not in values:
            raise HospitaltwinError(f"--unit {text!r}: '{key}' is missing, e.g. {name}:beds=16,stay=4d")
    on_full = values.get("on_full", "queue")
    if on_full not in ("queue", "divert"):
        raise HospitaltwinError(f"--unit {text!r}: on_full is queue or divert, got {on_full!r}")
    return UnitNumbers(name, _count(values["beds"], f"--unit {text!r}: beds"),
                       _duration(values["stay"], f"--unit {text!r}: stay"),
                       _number(values.get("admissions", "0"), f"--unit {text!r}: admissions"), on_full)


def parse_shares(text: str, option: str) -> tuple[str, dict[str, float]]:
    """``ED:ICU=0.05,WARD=0.25`` as ``("ED", {"ICU": 0.05, "WARD": 0.25})``."""
    unit, _, rest = text.partition(":")
    if not NAME.match(unit.strip()) or not rest:
        raise HospitaltwinError(f"{option} {text!r}: expected UNIT:TARGET=SHARE,…, e.g. ED:ICU=0.05,WARD=0.25")
    shares = {k: _share(v, f"{option} {text!r}: {k}") for k, v in _pairs(rest, f"{option} {text!r}").items()}
    return unit.strip(), shares


def parse_unit_shares(text: str, option: str) -> dict[str, float]:
    """``ICU=0.4,CCU=0.1`` as ``{"ICU": 0.4, "CCU": 0.1}``."""
    return {k: _share(v, f"{option} {text!r}: {k}") for k, v in _pairs(text, f"{option} {text!r}").items()}


def _pairs(text: str, where: str, allowed: tuple[str, ...] | None = None) -> dict[str, str]:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise HospitaltwinError(f"{where}: {part!r} is not KEY=VALUE")
        if allowed is not None and key not in allowed:
            raise HospitaltwinError(f"{where}: unknown key {key!r} (expected one of: {', '.join(allowed)})")
        out[key] = value.strip()
    return out


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise HospitaltwinError(f"{where}: {text!r} is not a number") from None
    if value < 0:
        raise HospitaltwinError(f"{where}: {text!r} must not be negative")
    return value


def _count(text: str, where: str) -> int:
    value = _number(text, where)
    if value != int(value):
        raise HospitaltwinError(f"{where}: {text!r} is not a whole number")
    return int(value)


def _share(text: str, where: str) -> float:
    value = _number(text.rstrip("%"), where) / (100 if text.endswith("%") else 1)
    if value > 1:
        raise HospitaltwinError(f"{where}: a share is at most 1 (or 100%), got {text!r}")
    return value


def _duration(text: str, where: str) -> float:
    try:
        hours = parse_duration(text)
    except ValueError as exc:
        raise HospitaltwinError(f"{where}: {exc}") from None
    if hours <= 0:
        raise HospitaltwinError(f"{where}: a stay is longer than zero")
    return hours


def starter_data(numbers: StarterNumbers) -> dict[str, dict]:
    """The layout, demand and scenario as data, checked to validate together.

    Returns
    -------
    dict
        ``{"layout.yaml": ..., "demand.yaml": ..., "scenario.yaml": ...}``.

    Raises
    ------
    HospitaltwinError
        When the numbers do not make a hospital (no unit, shares above 1, a route to an
        unknown unit, ventilated patients but no ventilator), with every problem found.
    """
    _check(numbers)
    layout = {"name": numbers.name, "timezone": numbers.timezone,
              "units": {u.name: {"beds": u.beds, "on_full": u.on_full} for u in numbers.units}}
    if numbers.ventilators:
        layout["equipment"] = {"ventilator": {"count": numbers.ventilators}}
    demand = {"description": f"Demand of {numbers.name} from yearly admissions and mean stays (hospitaltwin init)",
              "arrivals": [{"unit": u.name, "rate": round(u.admissions_per_year / 365.0, 4)}
                           for u in numbers.units if u.admissions_per_year > 0],
              "units": {u.name: _unit_demand(u, numbers) for u in numbers.units}}
    scenario = {"name": numbers.name, "layout": "layout.yaml", "demand": "demand.yaml",
                "run": {"horizon": numbers.horizon, "warmup": numbers.warmup,
                        "replications": numbers.replications, "seed": numbers.seed}}
    _validate(layout, demand, scenario)
    return {"layout.yaml": layout, "demand.yaml": demand, "scenario.yaml": scenario}


def _unit_demand(unit: UnitNumbers, numbers: StarterNumbers) -> dict:
    shares = numbers.routes.get(unit.name, {})
    rest = round(1.0 - sum(shares.values()), 6)
    entry = {"los": {"dist": "lognormal", "mean": format_hours(unit.stay_h), "cv": numbers.stay_cv},
             "next": {**{t: round(s, 6) for t, s in shares.items() if s > 0}, **({"discharge": rest} if rest > 0 else {})}}
    share = numbers.ventilated.get(unit.name, 0.0)
    if share > 0:
        entry["equipment"] = {"ventilator": {"p": share, "duration": {
            "dist": "lognormal", "mean": format_hours(numbers.ventilation_h), "cv": 1.0}}}
    return entry


def _check(numbers: StarterNumbers) -> None:
    names = [u.name for u in numbers.units]
    problems = [] if names else ["no unit: give at least one, e.g. --unit WARD:beds=30,admissions=2400,stay=4d"]
    problems += [f"unit {n} is given twice" for n in sorted({n for n in names if names.count(n) > 1})]
    if names and not any(u.admissions_per_year > 0 for u in numbers.units):
        problems.append("no unit admits patients from outside: give admissions=N (a year) to at least one unit")
    for unit, shares in numbers.routes.items():
        if unit not in names:
            problems.append(f"--route {unit}: no such unit (units: {', '.join(names)})")
        for target in shares:
            if target not in names and target != "death":
                problems.append(f"--route {unit}: {target} is not a unit or 'death'")
        if sum(shares.values()) > 1 + 1e-9:
            problems.append(f"--route {unit}: the shares add up to {sum(shares.values()):.3g}, more than 1")
    for unit in numbers.ventilated:
        if unit not in names:
            problems.append(f"--ventilated {unit}: no such unit")
    if any(numbers.ventilated.values()) and numbers.ventilators <= 0:
        problems.append("--ventilated needs --ventilators N (how many the hospital has)")
    if problems:
        raise HospitaltwinError("; ".join(problems))


def _validate(layout: dict, demand: dict, scenario: dict) -> None:
    from hospitaltwin.core.errors import ConfigError

    data = {**scenario, "layout": layout, "demand": demand}
    try:
        scenario_from_data(data, SourceMap("<init>"), Path("."))
    except ConfigError as exc:
        raise HospitaltwinError("the numbers do not make a valid model: "
                                + "; ".join(f"{p.path}: {p.reason}" for p in exc.problems)) from None


HEADERS = {
    "layout.yaml": "The physical hospital: units and their beds{equipment}. Written by `hospitaltwin init`;\n"
                   "edit freely (staff rosters, overflow rules, transfers: see the file reference).",
    "demand.yaml": "Demand: Poisson arrivals at the yearly admissions / 365 per day, lognormal stays with\n"
                   "the given means (cv {cv:g}), where patients go next, ventilator use. Written by\n"
                   "`hospitaltwin init`; `hospitaltwin calibrate` fits all of it from an event log.",
    "scenario.yaml": "The hospital with its demand, and how to run it. Try:\n"
                     "  hospitaltwin run {folder}/scenario.yaml",
}


def write_starter(numbers: StarterNumbers, folder: str | Path) -> list[Path]:
    """Write ``layout.yaml``, ``demand.yaml`` and ``scenario.yaml`` into ``folder``.

    Parameters
    ----------
    numbers
        What the planner knows.
    folder
        Where to write (created when missing).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    HospitaltwinError
        When any of the three files exists already (nothing is written or overwritten), or
        the numbers do not make a valid model.
    """
    folder = Path(folder)
    existing = [folder / name for name in FILES if (folder / name).exists()]
    if existing:
        raise HospitaltwinError(f"{', '.join(str(p) for p in existing)} already exist{'s' if len(existing) == 1 else ''}; "
                                "init never overwrites: choose a new folder or move the files away")
    if folder.exists() and not folder.is_dir():
        raise HospitaltwinError(f"{folder}: not a folder")
    data = starter_data(numbers)
    folder.mkdir(parents=True, exist_ok=True)
    fill = {"equipment": ", ventilators" if numbers.ventilators else "", "cv": numbers.stay_cv, "folder": folder}
    return [write_yaml(folder / name, data[name], HEADERS[name].format(**fill), exclusive=True) for name in FILES]

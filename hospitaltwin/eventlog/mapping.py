"""Unit mapping: the names a hospital's systems use, mapped onto the layout's unit ids.

A mapping file is small YAML::

    units:
      ICU: ["Medical Intensive Care Unit (MICU)", "re:.*Intensive Care.*"]
      WARD: [Medicine, "Med/Surg"]
      ED: "Emergency Department"
    activities:            # optional, for XES logs: activity -> event (and unit)
      "ER Registration": {event: arrive, unit: ED}
      "Release A": {event: discharge}

Each layout unit lists exact names or ``re:`` patterns (Python regular expressions that must
match the whole name). Exact names win over patterns; patterns are tried in file order, each
distinct name once. A pattern that backtracks catastrophically (``(a|aa)+$``) could take years
on one long name, so each match has :data:`MATCH_SECONDS` (the ``regex`` module's timeout); a
pattern that needs more is refused with an error naming the file and the pattern. A name that
maps nowhere is not dropped: validation quarantines its rows with the reason
``unmapped unit 'X'`` and the ingest summary lists every such name with its event count.
Without a mapping file, unit names are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import regex

from hospitaltwin.config.yamlio import SourceMap, load_yaml
from hospitaltwin.core.errors import ConfigError, HospitaltwinError, Problem
from hospitaltwin.eventlog.schema import EVENT_KINDS, STRING_DTYPE, map_distinct

TOP_KEYS = ("units", "activities")
ACTIVITY_KEYS = ("event", "unit", "equipment")
#: Time allowed to one pattern on one name.
MATCH_SECONDS = 0.5


@dataclass(frozen=True)
class Pattern:
    """A compiled ``re:`` pattern, its unit, and where it was written (for errors)."""

    compiled: regex.Pattern
    unit: str
    where: str

    def matches(self, name: str) -> bool:
        """Whether the pattern matches the whole name; raise if it takes too long."""
        try:
            return self.compiled.fullmatch(name, timeout=MATCH_SECONDS) is not None
        except TimeoutError:
            raise HospitaltwinError(
                f"{self.where}: the pattern 're:{self.compiled.pattern}' took more than "
                f"{MATCH_SECONDS} s on one unit name (it backtracks catastrophically, as nested "
                "repeats like (a+)+ or (a|aa)+ do); simplify it") from None


@dataclass(frozen=True)
class UnitMap:
    """Exact names and patterns per layout unit; ``identity`` keeps names unchanged."""

    exact: dict[str, str] = field(default_factory=dict)
    patterns: tuple[Pattern, ...] = ()
    identity: bool = True
    activities: dict[str, dict[str, str]] | None = None

    def __post_init__(self) -> None:
        """Accept patterns given as ``(compiled pattern, unit)`` pairs too."""
        patterns = tuple(p if isinstance(p, Pattern) else Pattern(
            regex.compile(getattr(p[0], "pattern", p[0]), flags=regex.VERSION0), p[1],
            "unit map") for p in self.patterns)
        object.__setattr__(self, "patterns", patterns)

    def lookup(self, name: str) -> str | None:
        """The layout unit for one source name, or None if it maps nowhere."""
        if self.identity:
            return name
        if name in self.exact:
            return self.exact[name]
        for pattern in self.patterns:
            if pattern.matches(name):
                return pattern.unit
        return None

    def apply(self, names: pd.Series) -> pd.Series:
        """Map a column of names (vectorised over the distinct names); NA where unmapped."""
        names = names.astype(STRING_DTYPE)
        if self.identity:
            return names
        return map_distinct(names, self.lookup)


def load_unit_map(path: str | Path | None) -> UnitMap:
    """Read a mapping file (see the module doc); ``None`` gives the identity map.

    Raises
    ------
    ConfigError
        Naming the file, key and line of every problem found.
    """
    if path is None:
        return UnitMap()
    data, source = load_yaml(path)
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise ConfigError([source.problem("", "expected a mapping with a 'units:' section")])
    for key in data:
        if key not in TOP_KEYS:
            problems.append(source.problem(str(key), f"unknown key; expected one of {TOP_KEYS}"))
    exact, patterns = _read_units(data.get("units"), source, problems)
    activities = _read_activities(data.get("activities"), source, problems)
    if problems:
        raise ConfigError(problems)
    return UnitMap(exact, tuple(patterns), identity=False, activities=activities)


def _read_units(units: object, source: SourceMap, problems: list[Problem]):
    exact: dict[str, str] = {}
    patterns: list[Pattern] = []
    if not isinstance(units, dict) or not units:
        problems.append(source.problem("units", "expected a mapping of unit id -> names"))
        return exact, patterns
    for unit, names in units.items():
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            problems.append(source.problem(f"units.{unit}", "expected a name or a list of names"))
            continue
        for index, name in enumerate(names):
            _add_name(str(unit), name, f"units.{unit}.{index}", exact, patterns, source, problems)
    return exact, patterns


def _add_name(unit, name, path, exact, patterns, source, problems) -> None:
    if name.startswith("re:"):
        try:
            compiled = regex.compile(name[3:], flags=regex.VERSION0)
        except (regex.error, RecursionError, OverflowError) as exc:
            problems.append(source.problem(path, f"not a valid regular expression: {exc}"))
            return
        where = str(source.problem(path, "")).removesuffix(": ")
        patterns.append(Pattern(compiled, unit, where))
        return
    if name in exact and exact[name] != unit:
        problems.append(source.problem(path, f"{name!r} is already mapped to {exact[name]!r}"))
    exact[name] = unit


def _read_activities(activities: object, source: SourceMap, problems: list[Problem]):
    if activities is None:
        return None
    if not isinstance(activities, dict):
        problems.append(source.problem("activities", "expected a mapping of activity -> event"))
        return None
    out: dict[str, dict[str, str]] = {}
    for name, spec in activities.items():
        path = f"activities.{name}"
        if isinstance(spec, str):
            spec = {"event": spec}
        if not isinstance(spec, dict) or any(k not in ACTIVITY_KEYS for k in spec):
            problems.append(source.problem(path, f"expected a mapping with keys {ACTIVITY_KEYS}"))
            continue
        if spec.get("event") not in EVENT_KINDS:
            problems.append(source.problem(path, f"event must be one of {EVENT_KINDS}"))
            continue
        out[str(name)] = {k: str(v) for k, v in spec.items()}
    return out


def unmapped_counts(raw: pd.Series, mapped: pd.Series) -> dict[str, int]:
    """Event counts of the names that were present but mapped nowhere, largest first."""
    lost = raw[raw.notna() & mapped.isna()]
    return {str(k): int(v) for k, v in lost.value_counts().items()}

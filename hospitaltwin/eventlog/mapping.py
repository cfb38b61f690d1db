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
match the whole name). Exact names win over patterns; patterns are tried in file order. A name
that maps nowhere is not dropped: validation quarantines its rows with the reason
``unmapped unit 'X'`` and the ingest summary lists every such name with its event count.
Without a mapping file, unit names are kept as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hospitaltwin.config.yamlio import SourceMap, load_yaml
from hospitaltwin.core.errors import ConfigError, Problem
from hospitaltwin.eventlog.schema import EVENT_KINDS, STRING_DTYPE, map_distinct

TOP_KEYS = ("units", "activities")
ACTIVITY_KEYS = ("event", "unit", "equipment")


@dataclass(frozen=True)
class UnitMap:
    """Exact names and patterns per layout unit; ``identity`` keeps names unchanged."""

    exact: dict[str, str] = field(default_factory=dict)
    patterns: tuple[tuple[re.Pattern, str], ...] = ()
    identity: bool = True
    activities: dict[str, dict[str, str]] | None = None

    def lookup(self, name: str) -> str | None:
        """The layout unit for one source name, or None if it maps nowhere."""
        if self.identity:
            return name
        if name in self.exact:
            return self.exact[name]
        for pattern, unit in self.patterns:
            if pattern.fullmatch(name):
                return unit
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
    patterns: list[tuple[re.Pattern, str]] = []
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
            patterns.append((re.compile(name[3:]), unit))
        except re.error as exc:
            problems.append(source.problem(path, f"not a valid regular expression: {exc}"))
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

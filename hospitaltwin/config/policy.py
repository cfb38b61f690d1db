"""Policies as values: a file that changes a scenario, applied by copying.

A policy names what a hospital could decide: beds opened or closed per unit and day, a staff
roster, where equipment sits, how full units overflow or where patients are sent. It holds a
partial ``layout`` and ``demand`` merged into the scenario's (mappings merge key by key, any
other value replaces), and ``changes`` appended to the scenario's own. The result is validated
like any scenario, so a policy that breaks the hospital is refused with every problem named.

```yaml
name: pacu-as-icu-overflow
description: Use 6 PACU beds as ICU overflow at night
layout:
  units: {MICU: {on_full: overflow, overflow: [PACU]}}
changes:
  beds: [{unit: PACU, add: 6, from: 0d}]
```
"""

from __future__ import annotations

import copy
from pathlib import Path

from pydantic import Field

from hospitaltwin.config.base import NAME_CHARS, Label, Model
from hospitaltwin.config.demand import Demand
from hospitaltwin.config.layout import Layout
from hospitaltwin.config.load import partial_problems, scenario_from_dict, validate_model
from hospitaltwin.config.scenario import Changes, Scenario
from hospitaltwin.config.yamlio import SourceMap, load_yaml
from hospitaltwin.core.errors import ConfigError, Problem


class Policy(Model):
    """A named change to a scenario."""

    name: Label
    description: str | None = None
    layout: dict = Field(default_factory=dict)
    demand: dict = Field(default_factory=dict)
    changes: Changes = Changes()


def read_policy(path: str | Path) -> Policy:
    """Read and check a policy file."""
    data, src = load_yaml(path)
    return policy_from_data(data, src)


def policy_from_data(data: object, src: SourceMap) -> Policy:
    """Validate policy data: its shape, and every value its partial layout and demand set
    (a bed count of -3 or ``on_full: sometimes`` is refused here, not when applied)."""
    policy = validate_model(Policy, data, src)
    problems = (partial_problems(Layout, policy.layout, src.sub("layout"))
                + partial_problems(Demand, policy.demand, src.sub("demand")))
    if problems:
        raise ConfigError(problems)
    return policy


def merge(base: object, patch: object) -> object:
    """Deep merge: mappings merge key by key; anything else in ``patch`` replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def apply_policy(scenario: Scenario, policy: Policy) -> Scenario:
    """A copy of ``scenario`` changed by ``policy`` (validated as a whole)."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["layout"] = merge(data["layout"], policy.layout)
    data["demand"] = merge(data["demand"], policy.demand)
    extra = policy.changes.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["changes"] = {k: data["changes"].get(k, []) + extra.get(k, []) for k in ("demand", "beds", "staff")}
    data["name"] = f"{scenario.name}+{policy.name}"[:NAME_CHARS]
    try:
        return scenario_from_dict(data, name=f"policy '{policy.name}' applied to '{scenario.name}'")
    except ConfigError as exc:
        raise ConfigError([Problem(p.file, p.path, p.reason) for p in exc.problems]) from None

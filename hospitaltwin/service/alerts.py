"""Alert rules (``alerts.yaml``): when a forecast risk crosses a line, say so and tell others.

A rule names a resource of the layout (a unit, or an equipment pool), what is watched —
``staffed_beds`` (the unit reaches its staffed capacity), ``beds`` (its physical beds) or
``equipment`` (every device of the pool is in use, so the next patient's need goes unmet) —
a window (``within: 24h``) and a threshold (``at_least: 0.3``). Each new forecast evaluates
every rule (the probability that the resource reaches capacity at some moment within the
window, over the forecast's replications). A rule whose value reaches the threshold *fires*;
it *clears* when a later forecast puts it below again. Both are stored and served, and sent
to the optional webhook (:mod:`.webhook`)::

    webhook:
      url: https://alerts.example.org/hospitaltwin
      retries: 3
      timeout: 10s
    rules:
      - name: micu-full-24h
        resource: MICU
        kind: staffed_beds
        within: 24h
        at_least: 0.3
      - name: ventilators-72h
        resource: ventilator
        kind: equipment
        within: 72h
        at_least: 0.1

The file is validated like every file: unknown keys, a resource the layout lacks or a window
longer than the forecast's horizon are reported with the file, key path and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl

from hospitaltwin.config.base import Model, PositiveHours, Probability
from hospitaltwin.config.load import validate_model
from hospitaltwin.config.yamlio import load_yaml
from hospitaltwin.core.durations import format_hours
from hospitaltwin.core.errors import ConfigError

WHAT = {"staffed_beds": "reaches its staffed capacity", "beds": "fills every physical bed",
        "equipment": "has every device in use"}


class Rule(Model):
    """One alert rule."""

    name: str = Field(min_length=1, max_length=200)
    resource: str
    kind: Literal["staffed_beds", "beds", "equipment"] = "staffed_beds"
    within: PositiveHours
    at_least: Probability

    def text(self) -> str:
        """The rule in words: ``P(MICU reaches its staffed capacity within 24h) >= 0.3``."""
        return (f"P({self.resource} {WHAT[self.kind]} within {format_hours(self.within)}) "
                f">= {self.at_least:g}")


class Webhook(Model):
    """Where fired and cleared alerts are POSTed as JSON."""

    url: HttpUrl
    retries: int = Field(3, ge=0, le=10)
    timeout: PositiveHours = 10 / 3600


class AlertRules(Model):
    """The contents of ``alerts.yaml``."""

    rules: tuple[Rule, ...]
    webhook: Webhook | None = None


def read_alerts(path: str | Path, layout, horizon_h: float) -> AlertRules:
    """Read and check an alerts file against the layout and the forecast horizon.

    Raises
    ------
    ConfigError
        Every problem found, each with the file, key path and line.
    """
    data, src = load_yaml(path)
    rules = validate_model(AlertRules, data, src)
    problems, names = [], set()
    if not rules.rules:
        problems.append(src.problem("rules", "no rules: give at least one"))
    for i, rule in enumerate(rules.rules):
        where = f"rules.{i}"
        if rule.name in names:
            problems.append(src.problem(f"{where}.name", f"rule name {rule.name!r} is used twice"))
        names.add(rule.name)
        known = layout.equipment if rule.kind == "equipment" else layout.units
        if rule.resource not in known:
            what = "equipment pool" if rule.kind == "equipment" else "unit"
            problems.append(src.problem(f"{where}.resource", f"no {what} {rule.resource!r} in the "
                                        f"layout (expected one of: {', '.join(sorted(known))})"))
        if rule.within > horizon_h:
            problems.append(src.problem(f"{where}.within", f"{format_hours(rule.within)} is longer "
                                        f"than the forecast horizon ({format_hours(horizon_h)})"))
    if problems:
        raise ConfigError(problems)
    return rules


def evaluate(rules: AlertRules, fc) -> dict[str, float]:
    """Each rule's probability in a forecast (``Forecast.p_full_within``), by rule name."""
    return {r.name: round(fc.p_full_within(r.resource, r.kind, r.within), 4) for r in rules.rules}

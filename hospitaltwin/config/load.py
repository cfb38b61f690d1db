"""Load and validate layout, demand and scenario files, collecting every problem.

A scenario's ``layout:`` and ``demand:`` may be inline mappings or paths to ``.yaml`` files,
relative to the scenario file; problems in a referenced file name that file. A referenced file
that is not a mapping, or shares no key with what it should be, is refused without quoting any
of it. Pydantic's errors are turned into :class:`~hospitaltwin.core.errors.Problem` values with
the key path and line (user text in them shortened and escaped), and unknown keys list the keys
that are allowed there. :func:`partial_problems` checks the values a partial section sets (a
policy's ``layout:`` or ``demand:``) without asking for the keys it leaves out.
"""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from hospitaltwin.config.checks import check_changes, check_demand, check_layout, check_size
from hospitaltwin.config.demand import Demand
from hospitaltwin.config.layout import Layout
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.config.yamlio import SourceMap, load_yaml, parse_yaml
from hospitaltwin.core.errors import ConfigError, Problem, quote


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """The keys a model accepts at ``loc`` (following nested models, dicts and tuples)."""
    annotation: object = model
    for key in loc:
        annotation = _inner_model(annotation, key)
        if annotation is None:
            return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return None


def _inner_model(annotation: object, key: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if key in (name, field.alias):
                return field.annotation
        return None
    args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
    origin = typing.get_origin(annotation)
    if origin is dict and args:
        return args[-1]
    if origin is tuple and args:
        return args[0]
    models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    return _inner_model(models[0], key) if models else None


def _data_path(data: object, loc: tuple) -> tuple:
    """Keep the parts of pydantic's ``loc`` that are real keys or indexes of ``data``."""
    kept, node = [], data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part not in node and not kept[-1:] == [part]:
            if "[" in part or part[:1].isupper():
                continue  # a union branch tag, not a key
            kept.append(part)
            node = None
            continue
        else:
            continue
        kept.append(part)
    return tuple(kept)


def _problems(exc: ValidationError, model: type[BaseModel], data: object, src: SourceMap,
              skip: tuple[str, ...] = ()) -> list[Problem]:
    problems, seen = [], set()
    for error in exc.errors():
        if error["type"] in skip:
            continue
        loc = _data_path(data, error["loc"])
        path = ".".join(str(p) for p in loc)
        reason = _reason(error, model, loc)
        if (path, reason) not in seen:
            seen.add((path, reason))
            problems.append(src.problem(path, reason))
    return problems


def _reason(error: dict, model: type[BaseModel], loc: tuple) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return "unknown key" + (f" (expected one of: {', '.join(allowed)})" if allowed else "")
    if kind == "missing":
        return "required key is missing"
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validate_model(model: type[BaseModel], data: object, src: SourceMap):
    """Validate ``data`` (read from ``src``) as ``model``; every problem located by key and line."""
    if not isinstance(data, dict):
        raise ConfigError([src.problem("", f"expected a mapping of keys, got {type(data).__name__}")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, model, data, src)) from None


def partial_problems(model: type[BaseModel], data: object, src: SourceMap) -> list[Problem]:
    """Problems in the values a partial section sets: unknown keys and invalid values.

    Keys the section leaves out are not asked for, and checks that combine several keys wait
    until the section is merged into a whole (a policy applied to a scenario).
    """
    if not isinstance(data, dict):
        return [src.problem("", f"expected a mapping of keys, got {type(data).__name__}")]
    try:
        model.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, model, data, src, skip=("missing",))
        return [p for p in problems if not p.reason.startswith(WHOLE_CHECKS)]
    return []


WHOLE_CHECKS = ("routing probabilities must add up to 1",)
"""Checks of a whole mapping that a partial one cannot pass alone (a policy may change one route)."""


REFERENCE_SUFFIXES = (".yaml", ".yml")


def _section(data: dict, key: str, src: SourceMap, base: Path,
             model: type[BaseModel]) -> tuple[object, SourceMap]:
    """An inline section or the YAML file it names (relative to the scenario's folder)."""
    value = data.get(key)
    if not isinstance(value, str):
        return value, src.sub(key)
    if not value.lower().endswith(REFERENCE_SUFFIXES):
        raise ConfigError([src.problem(key, f"names a {key} file by a path ending in .yaml or .yml, got {quote(value)}")])
    path = Path(value) if Path(value).is_absolute() else base / value
    section, section_src = load_yaml(path)
    _check_kind(section, section_src, key, model)
    return section, section_src


def _check_kind(data: object, src: SourceMap, kind: str, model: type[BaseModel]) -> None:
    """Refuse a referenced file that is plainly not a ``kind`` file, quoting none of its content."""
    if not isinstance(data, dict):
        raise ConfigError([src.problem("", f"not a {kind} file (it holds {type(data).__name__}, not a mapping of keys)")])
    known = {f.alias or name for name, f in model.model_fields.items()} | set(model.model_fields)
    if data and not known & {k for k in data if isinstance(k, str)}:
        raise ConfigError([src.problem("", f"not a {kind} file: none of its {len(data)} keys is one a {kind} has "
                                           f"({', '.join(sorted(known))})")])


def read_layout(path: str | Path) -> Layout:
    """Read and check a layout file."""
    data, src = load_yaml(path)
    return layout_from_data(data, src)


def layout_from_data(data: object, src: SourceMap) -> Layout:
    """Validate and check layout data read from ``src``."""
    layout = validate_model(Layout, data, src)
    problems = check_layout(layout, src)
    if problems:
        raise ConfigError(problems)
    return layout


def read_demand(path: str | Path, layout: Layout | None = None) -> Demand:
    """Read a demand file; with ``layout``, also check it against that layout."""
    data, src = load_yaml(path)
    demand = validate_model(Demand, data, src)
    if layout is not None:
        problems = check_demand(demand, layout, src)
        if problems:
            raise ConfigError(problems)
    return demand


def read_scenario(path: str | Path) -> Scenario:
    """Read a scenario file and everything it references; raise every problem found."""
    path = Path(path)
    data, src = load_yaml(path)
    return scenario_from_data(data, src, path.parent)


def parse_scenario(text: str, name: str = "<scenario>", base: str | Path = ".") -> Scenario:
    """Parse a scenario from YAML text (paths in it are relative to ``base``)."""
    data, src = parse_yaml(text, name)
    return scenario_from_data(data, src, Path(base))


def scenario_from_dict(data: dict, base: str | Path = ".", name: str = "<scenario>") -> Scenario:
    """Validate a scenario given as Python data (the same structure as the YAML file)."""
    return scenario_from_data(data, SourceMap(name), Path(base))


def scenario_from_data(data: object, src: SourceMap, base: Path) -> Scenario:
    """Validate scenario data whose layout/demand may be inline or paths relative to ``base``."""
    if not isinstance(data, dict):
        raise ConfigError([src.problem("", "a scenario is a mapping with name, layout, demand and run")])
    problems: list[Problem] = []
    parts, failed = {}, set()
    for key, model in (("layout", Layout), ("demand", Demand)):
        if key not in data:
            continue
        try:
            section, section_src = _section(data, key, src, base, model)
            parts[key] = (validate_model(model, section, section_src), section_src)
        except ConfigError as exc:
            problems.extend(exc.problems)
            failed.add(key)
    if "layout" in parts:
        problems += check_layout(*parts["layout"])
        if "demand" in parts:
            problems += check_demand(parts["demand"][0], parts["layout"][0], parts["demand"][1])
    rest = {k: v for k, v in data.items() if k not in parts}
    rest.update({k: value for k, (value, _) in parts.items()})
    try:
        scenario = validate_model(Scenario, rest, src)
    except ConfigError as exc:
        problems.extend(p for p in exc.problems if p.path.split(".")[0] not in failed)
        raise ConfigError(problems) from None
    problems += check_changes(scenario.changes, scenario.layout, scenario.demand, src)
    if problems:
        raise ConfigError(problems)
    problems = check_size(scenario, src)
    if problems:
        raise ConfigError(problems)
    return _data_calendar(scenario, rest.get("run"))


def _data_calendar(scenario: Scenario, run: object) -> Scenario:
    """A scenario whose demand was calibrated from data, and that names no ``run.origin`` of its
    own, starts its calendar on the first day of that data (so its charts carry the data's dates)."""
    calibrated = scenario.demand.calibrated
    if calibrated is None or (isinstance(run, dict) and "origin" in run):
        return scenario
    origin = calibrated.first_day()
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"origin": origin})})

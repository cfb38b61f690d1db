"""Load and validate layout, demand and scenario files, collecting every problem.

A scenario's ``layout:`` and ``demand:`` may be inline mappings or paths relative to the
scenario file; problems in a referenced file name that file. Pydantic's errors are turned into
:class:`~hospitaltwin.core.errors.Problem` values with the key path and line, and unknown keys list
the keys that are allowed there.
"""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from hospitaltwin.config.checks import check_changes, check_demand, check_layout
from hospitaltwin.config.demand import Demand
from hospitaltwin.config.layout import Layout
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.config.yamlio import SourceMap, load_yaml, parse_yaml
from hospitaltwin.core.errors import ConfigError, Problem


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


def _problems(exc: ValidationError, model: type[BaseModel], data: object, src: SourceMap) -> list[Problem]:
    problems, seen = [], set()
    for error in exc.errors():
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


def _section(data: dict, key: str, src: SourceMap, base: Path) -> tuple[object, SourceMap]:
    """An inline section or the file it names (relative to the scenario's folder)."""
    value = data.get(key)
    if isinstance(value, str):
        path = Path(value) if Path(value).is_absolute() else base / value
        return load_yaml(path)
    return value, src.sub(key)


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
            section, section_src = _section(data, key, src, base)
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
    return _data_calendar(scenario, rest.get("run"))


def _data_calendar(scenario: Scenario, run: object) -> Scenario:
    """A scenario whose demand was calibrated from data, and that names no ``run.origin`` of its
    own, starts its calendar on the first day of that data (so its charts carry the data's dates)."""
    calibrated = scenario.demand.calibrated
    if calibrated is None or (isinstance(run, dict) and "origin" in run):
        return scenario
    origin = calibrated.first_day()
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"origin": origin})})

"""The package's import graph: no cycle between modules, and no import from a lower layer up.

The layers are declared here, once, bottom first (docs/design.md explains them). A package may
import its own layer and the layers below it, never one above; packages of one layer must not
import each other in a loop. Every import counts, including those inside functions (kept lazy
for start-up time), because a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hospitaltwin

LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("config",),
    ("calendar",),
    ("eventlog", "engine", "crosscheck"),
    ("experiment", "calibrate"),
    ("store",),
    ("forecast", "compare", "backtest"),
    ("optimize", "report"),
    ("service",),
    ("cli", "__main__"),
)
"""Top-level packages of :mod:`hospitaltwin`, bottom layer first."""

ROOT = Path(hospitaltwin.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imported_modules(name: str) -> set[str]:
    """The modules of hospitaltwin that module ``name`` imports (anywhere in it)."""
    path = MODULES[name]
    base = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = base.split(".")[: len(base.split(".")) - node.level + 1]
                module = ".".join(package + ([module] if module else []))
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imported_modules(name) for name in MODULES}


def top_package(module: str) -> str:
    """``hospitaltwin.engine.model`` -> ``engine``; the root package itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(module: str) -> int:
    package = top_package(module)
    if package == "":
        return 0  # the root package holds only the version
    for index, packages in enumerate(LAYERS):
        if package in packages:
            return index
    raise AssertionError(f"{module}: package {package!r} is in no layer of tests/test_layers.py")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_every_package_has_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_import_cycle_between_modules():
    # a package's __init__ handing on its own submodules is not a cycle of design
    graph = {m: {t for t in targets if not t.startswith(m + ".")} for m, targets in GRAPH.items()}
    assert cycles(graph) == []


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        graph.setdefault(top_package(module), set()).update(
            top_package(t) for t in targets if top_package(t) != top_package(module))
    for targets in list(graph.values()):
        for target in targets:
            graph.setdefault(target, set())
    assert cycles(graph) == []


def test_no_import_from_a_lower_layer_into_a_higher_one():
    upward = [f"{module} -> {target}" for module, targets in sorted(GRAPH.items())
              for target in sorted(targets) if layer_of(target) > layer_of(module)]
    assert upward == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert cycles(graph) == expected

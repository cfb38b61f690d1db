"""Read YAML while remembering where every key stands, so problems can name their line.

:func:`load_yaml` returns the plain data and a :class:`SourceMap` from dotted key paths
(``units.ICU.beds``) to line numbers. Parse errors become a :class:`~hospitaltwin.core.errors.ConfigError`
naming the file and line instead of a PyYAML traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hospitaltwin.core.errors import ConfigError, Problem


@dataclass
class SourceMap:
    """Where a document came from: its file name and the line of each key path."""

    file: str
    lines: dict[str, int] = field(default_factory=dict)
    prefix: str = ""

    def line_of(self, path: str) -> int | None:
        """Line of ``path`` or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition(".")[0]
        return None

    def problem(self, path: str, reason: str) -> Problem:
        """A :class:`Problem` located in this source (``path`` relative to the document)."""
        return Problem(self.file, self.prefix + path, reason, self.line_of(path))

    def sub(self, key: str) -> "SourceMap":
        """The map of an inline section, e.g. the ``layout:`` mapping of a scenario."""
        head = key + "."
        inner = {k[len(head):]: v for k, v in self.lines.items() if k.startswith(head)}
        return SourceMap(self.file, inner, self.prefix + head)


def _walk(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = f"{path}.{key_node.value}" if path else str(key_node.value)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{path}.{index}" if path else str(index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML was built with it (it is, in the wheels), else pure Python."""


def parse_yaml(text: str, name: str) -> tuple[object, SourceMap]:
    """Parse YAML text once into nodes (with their lines) and build the data from those nodes;
    ``name`` is used in error messages."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
        raise ConfigError([Problem(name, "", reason, line)]) from None
    finally:
        loader.dispose()
    source = SourceMap(name)
    if node is not None:
        _walk(node, "", source.lines)
    return data, source


def load_yaml(path: str | Path) -> tuple[object, SourceMap]:
    """Load a YAML file, raising :class:`ConfigError` (not ``OSError``) if it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), "", f"cannot be read: {exc}")]) from None
    return parse_yaml(text, str(path))


class _Dumper(yaml.SafeDumper):
    """Lists of plain values (profiles, samples, units) on one flowing line; the rest in block style."""


def _represent_list(dumper: yaml.SafeDumper, value: list):
    flow = all(not isinstance(v, (dict, list)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def write_yaml(path: Path, data: object, header: str = "", exclusive: bool = False) -> Path:
    """Write ``data`` as YAML in key order, under ``header`` as comment lines.

    The one YAML writer: demand files from ``calibrate``, and the optimisers' policies and
    resolved scenarios. A blank header line becomes a bare ``#``; lists of plain values flow on
    one line.

    Parameters
    ----------
    path
        The file to write.
    data
        Plain data (mappings, lists, strings, numbers).
    header
        Text written above the data as comment lines.
    exclusive
        Never replace a file that exists (``FileExistsError``).

    Returns
    -------
    Path
        ``path``.
    """
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    with open(path, "x" if exclusive else "w", encoding="utf-8") as handle:
        handle.write(comment + body)
    return path

"""Read YAML while remembering where every key stands, so problems can name their line.

:func:`load_yaml` returns the plain data and a :class:`SourceMap` from dotted key paths
(``units.ICU.beds``) to line numbers. Parse errors become a
:class:`~hospitaltwin.core.errors.ConfigError` naming the file and line instead of a PyYAML
traceback. A file is read only if it is a regular file of at most :data:`MAX_BYTES`, and its
parsed form is refused before it is built when aliases would expand it beyond
:data:`MAX_VALUES` values (a "billion laughs" file), when it nests deeper than
:data:`MAX_DEPTH` levels, or when an alias contains itself.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hospitaltwin.core.errors import ConfigError, Problem, shorten
from hospitaltwin.core.outputs import output_file

MAX_BYTES = 32 * 2**20
"""Largest YAML file read (the largest calibrated demand files are a few hundred kB)."""
MAX_VALUES = 1_000_000
"""Most values (keys, scalars, collections) a file may hold once its aliases are expanded."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists (hospitaltwin's files need fewer than ten levels)."""
MAX_SCALAR = 100_000
"""Longest single value, in characters (a description, a name, a date)."""
MAX_DIGITS = 100
"""Longest integer, in digits."""


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

    def sub(self, key: str) -> SourceMap:
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
        if node is not None:
            _check_size(node, name)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = f"not valid YAML: {shorten(str(getattr(exc, 'problem', None) or exc), 200)}"
        raise ConfigError([Problem(name, "", reason, line)]) from None
    except (ValueError, OverflowError) as exc:  # a date or number PyYAML matched but cannot build
        raise ConfigError([Problem(name, "", f"a value cannot be read: {shorten(str(exc), 200)}")]) from None
    finally:
        loader.dispose()
    source = SourceMap(name)
    if node is not None:
        _walk(node, "", source.lines)
    return data, source


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_size(root: yaml.Node, name: str) -> None:
    """Refuse a node graph whose expansion is too large, too deep or endless, before building it.

    An alias is the same node object as its anchor, so sizes are counted once per node (a
    post-order walk without recursion) and multiplied where aliases repeat them.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            _check_scalar(node, name)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            continue
        if key in size:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in open_nodes:
                raise _refused(name, kid, "an alias refers to a collection that contains it (endless data)")
            if id(kid) not in size:
                stack.append((kid, False))
    if size[id(root)] > MAX_VALUES:
        raise _refused(name, root, f"expands to {size[id(root)]:,} values, more than the {MAX_VALUES:,} a "
                                   "hospitaltwin file may hold (aliases *name repeat what &name marks)")
    if depth[id(root)] > MAX_DEPTH:
        raise _refused(name, root, f"nests {depth[id(root)]} levels deep, more than the {MAX_DEPTH} allowed")


def _check_scalar(node: yaml.Node, name: str) -> None:
    if not isinstance(node, yaml.ScalarNode):
        return
    if len(node.value) > MAX_SCALAR:
        raise _refused(name, node, f"a value of {len(node.value):,} characters, more than the {MAX_SCALAR:,} allowed")
    if node.tag.endswith(":int") and len(node.value) > MAX_DIGITS:
        raise _refused(name, node, f"a number of {len(node.value):,} digits")


def _refused(name: str, node: yaml.Node, reason: str) -> ConfigError:
    return ConfigError([Problem(name, "", f"refused: {reason}", node.start_mark.line + 1)])


def read_text(path: str | Path) -> str:
    """The text of a regular file of at most :data:`MAX_BYTES`, as UTF-8.

    Raises
    ------
    ConfigError
        When the file is missing, unreadable, not a regular file (a device or pipe would hang
        or never end), too large, or not UTF-8.
    """
    path = Path(path)
    try:
        # O_NONBLOCK: a named pipe must not block the open before it can be refused
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigError([Problem(str(path), "", "not a regular file (a device or a pipe is never read)")])
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), "", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError([Problem(str(path), "", "is a folder, not a YAML file")]) from None
    except OSError as exc:
        raise ConfigError([Problem(str(path), "", f"cannot be read: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_BYTES:
        raise ConfigError([Problem(str(path), "", f"larger than {MAX_BYTES // 2**20} MB; not a hospitaltwin file")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(str(path), "", f"not UTF-8 text (byte {exc.start})")]) from None


def load_yaml(path: str | Path) -> tuple[object, SourceMap]:
    """Load a YAML file, raising :class:`ConfigError` (not ``OSError``) if it cannot be read."""
    return parse_yaml(read_text(path), str(path))


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
        Never replace a file that exists (``FileExistsError``). Otherwise the file is written
        atomically and readable by its owner only, never onto a device or a folder
        (:func:`~hospitaltwin.core.outputs.output_file`).

    Returns
    -------
    Path
        ``path``.
    """
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    if exclusive:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(comment + body)
        return path
    with output_file(path) as tmp:
        tmp.write_text(comment + body, encoding="utf-8")
    return path

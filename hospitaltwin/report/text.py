"""Text pages: headings, sentences, bullet lists, key-value blocks and tables, paginated.

Cover pages, executive summaries and KPI tables are lists of blocks (:class:`Heading`,
:class:`Para`, :class:`Bullets`, :class:`KeyValues`, :class:`Table`). :func:`text_pages`
breaks them into lines, lays the lines out top to bottom and starts a new page when one is
full, repeating a table's header on each page it continues on — so a 40-unit hospital or a
long list of input files never runs off the page. Tables and key-value blocks use a monospace
font so columns line up exactly. A cell too long for its column is wrapped onto the next lines
of its row, never cut: a warning or a checksum is always shown whole. ``compact`` pages (the
provenance) use a smaller type.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from hospitaltwin.report.style import MARGIN_IN, MUTED, PAGE_IN, RULE, SHADE, new_page

TOP_IN, BOTTOM_IN = 1.05, 0.75
BODY_CHARS = 140
MONO_PT = 8.8
MONO_CHAR_IN = 0.6 * MONO_PT / 72
MONO_CHARS = int((PAGE_IN[0] - 2 * MARGIN_IN) / MONO_CHAR_IN)


@dataclass(frozen=True)
class Heading:
    """A section heading."""

    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph, wrapped to the page width; ``muted`` for notes."""

    text: str
    muted: bool = False


@dataclass(frozen=True)
class Bullets:
    """A bullet list of sentences."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class KeyValues:
    """``key: value`` lines in a monospace font (provenance, checksums)."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``align`` is one ``l`` or ``r`` per column."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""
    caption: str = ""


@dataclass
class _Line:
    kind: str
    height: float
    content: object = None
    repeat: "_Line | None" = field(default=None, repr=False)
    size: float = 1.0


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False) or [""]


def _lines(block, size: float = 1.0) -> list[_Line]:
    """The lines of one block; ``size`` scales type and line heights (compact pages)."""
    out = _unscaled_lines(block, size)
    for line in out:
        line.height *= size
        line.size = size
    return out


def _unscaled_lines(block, size: float) -> list[_Line]:
    chars = int(BODY_CHARS / size)
    if isinstance(block, Heading):
        return [_Line("space", 0.10), _Line("heading", 0.34, block.text)]
    if isinstance(block, Para):
        kind = "muted" if block.muted else "body"
        return [_Line(kind, 0.235, t) for t in _wrap(block.text, chars)] + [_Line("space", 0.06)]
    if isinstance(block, Bullets):
        out = []
        for item in block.items:
            wrapped = _wrap(item, chars - 4)
            out += [_Line("bullet", 0.235, (i == 0, t)) for i, t in enumerate(wrapped)]
        return out + [_Line("space", 0.06)]
    if isinstance(block, KeyValues):
        width = max((len(k) for k, _ in block.items), default=0) + 2
        out = []
        for key, value in block.items:
            for i, part in enumerate(_wrap(str(value), int(MONO_CHARS / size) - width)):
                out.append(_Line("mono", 0.19, (key if i == 0 else "").ljust(width) + part))
        return out + [_Line("space", 0.06)]
    if isinstance(block, Table):
        return _table_lines(block, size)
    raise TypeError(f"not a text block: {block!r}")


def _widths(table: Table, chars: int) -> list[int]:
    cells = [table.columns, *table.rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(table.columns))]
    while sum(widths) + 2 * len(widths) > chars and max(widths) > 8:
        widths[widths.index(max(widths))] -= 1
    return widths


def _cell_lines(text: str, width: int) -> list[str]:
    """A cell's text in lines of at most ``width`` characters (long words broken), never cut."""
    text = str(text)
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _row_lines(cells, widths: list[int], align: str) -> list[str]:
    """One table row as one or more text lines, each cell wrapped within its column."""
    wrapped = [_cell_lines(c, w) for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    lines = []
    for k in range(height):
        parts = [(w[k] if k < len(w) else "") for w in wrapped]
        lines.append("  ".join(p.rjust(w) if a == "r" else p.ljust(w) for p, w, a in zip(parts, widths, align)))
    return lines


def _table_lines(table: Table, size: float = 1.0) -> list[_Line]:
    widths = _widths(table, int(MONO_CHARS / size))
    align = table.align or "l" * len(table.columns)
    header = _Line("thead", 0.24, _row_lines(table.columns, widths, align)[0])
    out = [header]
    for i, cells in enumerate(table.rows):
        for k, text in enumerate(_row_lines(cells, widths, align)):
            out.append(_Line("trow", 0.19, (i % 2 == 1, text, k == 0), repeat=header))
    if table.caption:
        caption = _wrap(table.caption, int((BODY_CHARS + 10) / size))
        out += [_Line("space", 0.04)] + [_Line("muted", 0.21, t) for t in caption]
    return out + [_Line("space", 0.10)]


def _groups(blocks: list, size: float = 1.0) -> list[list[_Line]]:
    """Lines in groups kept on one page: a heading (and its muted note) with what follows, a
    paragraph, a bullet, a key-value block; tables break between rows."""
    groups: list[list[_Line]] = []
    carry: list[_Line] = []
    for block in blocks:
        lines = _lines(block, size)
        if isinstance(block, Heading) or (isinstance(block, Para) and block.muted and carry):
            carry += lines
            continue
        if isinstance(block, Bullets):
            parts, current = [], []
            for line in lines:
                if line.kind == "bullet" and line.content[0] and current:
                    parts.append(current)
                    current = []
                current.append(line)
            parts.append(current)
        elif isinstance(block, Table):
            parts = _table_parts(lines)
        else:
            parts = [lines]
        parts[0] = carry + parts[0]
        carry = []
        groups += parts
    return groups + ([carry] if carry else [])


def _table_parts(lines: list[_Line]) -> list[list[_Line]]:
    """A table's lines in groups kept on one page: the header with the first row, then each row
    with its continuation lines; the caption stays with the last row."""
    parts = [[lines[0]]]
    for line in lines[1:]:
        starts_row = line.kind == "trow" and line.content[2]
        if starts_row and not (len(parts) == 1 and len(parts[0]) == 1):
            parts.append([])
        parts[-1].append(line)
    return parts


def _paginate(groups: list[list[_Line]]) -> list[list[_Line]]:
    room = PAGE_IN[1] - TOP_IN - BOTTOM_IN
    pages, page, used = [], [], 0.0
    for group in groups:
        height = sum(line.height for line in group)
        if used + height > room and page and height <= room:
            pages.append(page)
            page, used = [], 0.0
            while group and group[0].kind == "space":
                group = group[1:]
            if group and group[0].repeat is not None:
                page.append(group[0].repeat)
                used += group[0].repeat.height
        for line in group:
            if used + line.height > room and page:
                pages.append(page)
                page, used = ([line.repeat], line.repeat.height) if line.repeat is not None else ([], 0.0)
            page.append(line)
            used += line.height
    return pages + ([page] if page else [])


def _draw(fig: Figure, lines: list[_Line]) -> None:
    w, h = PAGE_IN
    x, y = MARGIN_IN / w, 1 - TOP_IN / h
    for line in lines:
        y -= line.height / h
        _draw_line(fig, line, x, y)


def _draw_line(fig: Figure, line: _Line, x: float, y: float) -> None:
    w, h = PAGE_IN
    body = 10.5 * line.size
    mono = {"family": "DejaVu Sans Mono", "fontsize": MONO_PT * line.size}
    if line.kind == "heading":
        fig.text(x, y, line.content, fontsize=13.5 * line.size, fontweight="bold")
    elif line.kind in ("body", "muted"):
        fig.text(x, y, line.content, fontsize=body, color=MUTED if line.kind == "muted" else "black")
    elif line.kind == "bullet":
        first, text = line.content
        if first:
            fig.text(x + 0.05 / w, y, "•", fontsize=body)
        fig.text(x + 0.28 / w, y, text, fontsize=body)
    elif line.kind == "mono":
        fig.text(x, y, line.content, **mono)
    elif line.kind == "thead":
        fig.text(x, y + 0.04 / h, line.content, fontweight="bold", **mono)
        fig.add_artist(Rectangle((x, y - 0.02 / h), 1 - 2 * x, 0.8 / (72 * h), color=RULE, lw=0))
    elif line.kind == "trow":
        shaded, text, _ = line.content
        if shaded:
            fig.add_artist(Rectangle((x, y - 0.045 / h), 1 - 2 * x, line.height / h, color=SHADE, lw=0, zorder=0))
        fig.text(x, y, text, **mono)


COMPACT = 0.82


def text_pages(title: str, subtitle: str, blocks: list, size: float = 1.0) -> list[Figure]:
    """Lay ``blocks`` out on as many pages as they need, each with ``title`` and ``subtitle``;
    ``size`` scales the type (:data:`COMPACT` for a dense page)."""
    groups = _groups(blocks, size)
    while groups and groups[0] and groups[0][0].kind == "space":
        groups[0] = groups[0][1:]
    pages = _paginate(groups) or [[]]
    figures = []
    for i, page in enumerate(pages):
        suffix = f" (continued, {i + 1} of {len(pages)})" if len(pages) > 1 and i else ""
        fig = new_page(title + suffix, subtitle)
        _draw(fig, page)
        figures.append(fig)
    return figures

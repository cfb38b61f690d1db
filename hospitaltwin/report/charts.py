"""Chart primitives shared by every result kind: fan charts, heat maps and panel grids.

A fan chart draws a level over time as its median with the central 50% and 90% bands,
against physical capacity (solid black) and staffed capacity (dashed vermillion). A heat map
draws probabilities in [0, 1] on the report's lightness-ordered colour map with the value
written in each cell when the grid is small enough to read. :func:`panel_pages` spreads one
panel per unit or pool over as many pages as needed, four to a page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from hospitaltwin.report.style import (
    FAN,
    PAGE_IN,
    PHYSICAL,
    RISK_MAP,
    STAFFED,
    chart_area,
    new_page,
    note,
)

PER_PAGE = 4


@dataclass
class Page:
    """One page of the report; ``slug`` names its PNG, ``chart`` says whether it gets one."""

    figure: Figure
    slug: str
    chart: bool = True


@dataclass(frozen=True)
class Fan:
    """Quantiles over time: ``q`` has rows p05, p25, p50, p75, p95 and one column per time."""

    x: np.ndarray
    q: np.ndarray
    physical: np.ndarray | None = None
    staffed: np.ndarray | None = None
    physical_label: str = "physical capacity"
    staffed_label: str = "staffed capacity"


def draw_fan(ax, fan: Fan, title: str, ylabel: str, legend: bool = True) -> None:
    """Median, 50% and 90% bands, and capacities as step lines."""
    p05, p25, p50, p75, p95 = fan.q
    ax.fill_between(fan.x, p05, p95, color=FAN, alpha=0.18, linewidth=0, label="90% band", step="post")
    ax.fill_between(fan.x, p25, p75, color=FAN, alpha=0.40, linewidth=0, label="50% band", step="post")
    ax.step(fan.x, p50, where="post", color=FAN, linewidth=1.3, label="median", zorder=4)
    top = [np.nanmax(p95)]
    if fan.physical is not None:
        ax.step(fan.x, fan.physical, where="post", color=PHYSICAL, linewidth=1.2, label=fan.physical_label)
        top.append(np.nanmax(fan.physical))
    if fan.staffed is not None and not _same(fan.staffed, fan.physical):
        ax.step(fan.x, fan.staffed, where="post", color=STAFFED, linewidth=1.2, linestyle=(0, (4, 2)),
                label=fan.staffed_label)
        top.append(np.nanmax(fan.staffed))
    ax.set_ylim(0, max(1.0, float(np.nanmax(top))) * 1.1)
    ax.set_xlim(fan.x[0], fan.x[-1])
    ax.set_title(title, loc="left")
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(loc="lower left", ncol=5, fontsize=8)


def _same(a, b) -> bool:
    return b is not None and a is not None and np.array_equal(np.asarray(a), np.asarray(b))


def draw_heat(fig: Figure, ax, values: np.ndarray, rows: Sequence[str], columns: Sequence[str],
              label: str, vmax: float = 1.0, cmap: str = RISK_MAP, fmt: str = "{:.0%}") -> None:
    """Values (probabilities by default) as colours, rows top to bottom, a colour bar, cell labels when small."""
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.grid(False)
    ax.set_yticks(range(len(rows)), labels=rows)
    step = max(1, int(np.ceil(len(columns) / 16)))
    ticks = list(range(0, len(columns), step))
    ax.set_xticks(ticks, labels=[columns[i] for i in ticks], rotation=45, ha="right", rotation_mode="anchor")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if values.shape[0] <= 30 and values.shape[1] <= 21:
        _cell_labels(ax, values, vmax, fmt)
    bar = fig.colorbar(image, ax=ax, fraction=0.025, pad=0.015)
    bar.set_label(label)
    bar.outline.set_visible(False)


def heat_axes(fig: Figure, grid: dict, rows: int, label_in: float = 1.1):
    """Axes for a heat map of ``rows`` rows: about 0.4 in a row, at the top of the chart area."""
    height = min(grid["top"] - grid["bottom"], max(1.6, 0.55 * rows) / PAGE_IN[1])
    left = grid["left"] + label_in / PAGE_IN[0]
    return fig.add_axes((left, grid["top"] - height, grid["right"] - left, height))


def _cell_labels(ax, values: np.ndarray, vmax: float, fmt: str) -> None:
    size = 8 if values.shape[1] <= 15 else 6
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=size,
                    color="white" if v > 0.6 * vmax else "black")


def panel_pages(items: Sequence, draw: Callable, title: str, subtitle: str, slug: str,
                caption: str = "", per_page: int = PER_PAGE, left_in: float | None = None,
                right_in: float | None = None) -> list[Page]:
    """One panel per item, ``per_page`` to a page; ``draw(ax, item, first)`` fills a panel."""
    pages = []
    chunks = [items[i:i + per_page] for i in range(0, len(items), per_page)]
    for n, chunk in enumerate(chunks):
        suffix = f" ({n + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        fig = new_page(title + suffix, subtitle)
        rows, cols = (len(chunk), 1) if len(chunk) <= 2 else (2, 2)
        area = chart_area(fig)
        if left_in is not None:
            area["left"] = left_in / PAGE_IN[0]
        if right_in is not None:
            area["right"] = 1 - right_in / PAGE_IN[0]
        grid = fig.add_gridspec(rows, cols, hspace=0.42, wspace=0.14 if right_in is None else 0.3, **area)
        for k, item in enumerate(chunk):
            draw(fig.add_subplot(grid[k // cols, k % cols]), item, k == 0)
        figure_legend(fig)
        if caption:
            note(fig, caption)
        pages.append(Page(fig, f"{slug}-{n + 1}" if len(chunks) > 1 else slug))
    return pages


def figure_legend(fig: Figure) -> None:
    """One legend for the page at its top right, gathering every panel's entries (no duplicates)."""
    entries: dict[str, object] = {}
    for ax in fig.axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    if entries:
        fig.legend(list(entries.values()), list(entries), loc="upper right", ncol=len(entries), fontsize=8.5,
                   bbox_to_anchor=(1 - 0.45 / PAGE_IN[0], 1 - 0.74 / PAGE_IN[1]))


def single_page(title: str, subtitle: str, slug: str, draw: Callable, caption: str = "", **grid) -> Page:
    """A page with one chart area; ``draw(fig, gridspec_kwargs)`` lays it out."""
    fig = new_page(title, subtitle)
    draw(fig, {**chart_area(fig), **grid})
    if caption:
        note(fig, caption)
    return Page(fig, slug)


def quantiles(samples: np.ndarray, axis: int = -1) -> np.ndarray:
    """p05, p25, p50, p75, p95 along ``axis`` (NaN-aware only when NaNs are present)."""
    probs = [0.05, 0.25, 0.5, 0.75, 0.95]
    if np.isnan(samples).any():
        return np.nanquantile(samples, probs, axis=axis)
    return np.quantile(samples, probs, axis=axis)

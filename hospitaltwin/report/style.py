"""The report's look: page size, fonts, colour-blind-safe colours and page furniture.

Every page is a 16:9 :class:`~matplotlib.figure.Figure` (12.8 x 7.2 in; a PNG at 150 dpi is
1920 x 1080, ready for a slide). Figures are created directly, never through ``pyplot``, so no
GUI backend is ever involved. Colours are the Okabe-Ito palette for categories and a
lightness-ordered map (``YlOrRd``) for probabilities and occupancy, both readable with the
common colour-vision deficiencies. Fonts are the DejaVu families bundled with matplotlib, so
the same inputs give the same PDF bytes on any machine with the same matplotlib. Every text is
drawn as written (``text.parse_math`` off): a scenario or unit named ``$5 or $\\x$`` is shown
as such, never parsed as mathematics, so no user text can break a page.
"""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib as mpl
from matplotlib.figure import Figure

PAGE_IN = (12.8, 7.2)
PNG_DPI = 150
PNG_SIZE = (1920, 1080)
MARGIN_IN = 0.55

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
CYCLE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
FAN = OKABE_ITO["blue"]
PHYSICAL = OKABE_ITO["black"]
STAFFED = OKABE_ITO["vermillion"]
UNMET = OKABE_ITO["vermillion"]
GOOD, BAD, NEUTRAL = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "#7F7F7F"
RISK_MAP = "YlOrRd"
MUTED = "#555555"
RULE = "#BBBBBB"
SHADE = "#F2F2F2"

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=CYCLE),
    "legend.frameon": False,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "svg.hashsalt": "hospitaltwin",
    "image.interpolation": "nearest",
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "path.simplify": True,
    "text.parse_math": False,
    "text.usetex": False,
}


@contextmanager
def report_style():
    """Apply the report's matplotlib settings inside a ``with`` block only."""
    with mpl.rc_context(RC):
        yield


def new_page(title: str, subtitle: str = "") -> Figure:
    """An empty page with its title (and a muted subtitle) at the top."""
    fig = Figure(figsize=PAGE_IN)
    fig.text(MARGIN_IN / PAGE_IN[0], 1 - 0.42 / PAGE_IN[1], title, fontsize=17, fontweight="bold", va="baseline")
    if subtitle:
        fig.text(MARGIN_IN / PAGE_IN[0], 1 - 0.70 / PAGE_IN[1], subtitle, fontsize=10, color=MUTED, va="baseline")
    return fig


def chart_area(fig: Figure, top_in: float = 1.3, bottom_in: float = 1.15) -> dict:
    """``gridspec`` keyword arguments keeping charts clear of the title and the footer."""
    w, h = PAGE_IN
    return {"left": 0.75 / w, "right": 1 - 0.45 / w, "top": 1 - top_in / h, "bottom": bottom_in / h}


def add_footer(fig: Figure, left: str, number: int, total: int) -> None:
    """Page furniture: what the page belongs to on the left, ``page N of M`` on the right."""
    y = 0.22 / PAGE_IN[1]
    fig.add_artist(mpl.lines.Line2D([MARGIN_IN / PAGE_IN[0], 1 - MARGIN_IN / PAGE_IN[0]],
                                    [0.38 / PAGE_IN[1]] * 2, color=RULE, linewidth=0.6))
    fig.text(MARGIN_IN / PAGE_IN[0], y, left, fontsize=8, color=MUTED)
    fig.text(1 - MARGIN_IN / PAGE_IN[0], y, f"page {number} of {total}", fontsize=8, color=MUTED, ha="right")


NOTE_CHARS = 185  # characters of an 8.5 pt caption line across the page's text width


def note(fig: Figure, text: str) -> None:
    """A muted caption just above the footer: how to read the chart, what it is based on.

    A long caption is set smaller so that it stays on its one line inside the page.
    """
    size = 8.5 * min(1.0, NOTE_CHARS / max(len(text), 1))
    fig.text(MARGIN_IN / PAGE_IN[0], 0.50 / PAGE_IN[1], text, fontsize=max(size, 6.0), color=MUTED, va="baseline")


def empty_panel(ax, message: str) -> None:
    """An axes that says why there is nothing to draw instead of staying blank."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color=MUTED, transform=ax.transAxes, wrap=True)

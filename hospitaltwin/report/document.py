"""Write the pages: one multi-page PDF with page numbers, and one PNG per chart.

PNGs are rendered first, without page furniture, at a fixed size (1920 x 1080) so they drop
into a slide as they are; each is named after its page number in the PDF (``05-census.png``
is page 5) so a figure on a slide can be traced back to its page and provenance. The PNG
folder is a folder the tool owns (:class:`~hospitaltwin.core.outputs.ResultFolder`): an earlier
report's figures there are replaced, anything else refuses the folder unless ``force``. The
PDF is written under a temporary name (mode 0600) and renamed when complete, with no creation
date in its metadata: the same inputs give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages

from hospitaltwin import __version__
from hospitaltwin.core.outputs import ResultFolder, output_file
from hospitaltwin.report.charts import Page
from hospitaltwin.report.style import PNG_DPI, add_footer


@dataclass(frozen=True)
class Written:
    """What a report wrote: the PDF, its page count and the PNG files."""

    pdf: Path
    pages: int
    pngs: tuple[Path, ...]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


def write_pngs(pages: list[Page], png_dir: Path, force: bool = False) -> tuple[Path, ...]:
    """One PNG per chart page, named ``NN-slug.png`` after its page number, in a folder the tool
    owns: an earlier report's figures there are replaced as a whole, so the folder never mixes
    two reports' page numbers; other files refuse the folder unless ``force``."""
    width = max(2, len(str(len(pages))))
    names = []
    with ResultFolder(png_dir, force) as folder:
        for number, page in enumerate(pages, start=1):
            if page.chart:
                name = f"{number:0{width}d}-{_slug(page.slug)}.png"
                page.figure.savefig(folder.path / name, dpi=PNG_DPI, format="png",
                                    metadata={"Software": f"hospitaltwin {__version__}"})
                names.append(name)
    return tuple(folder.out / name for name in names)


def write_pdf(pages: list[Page], footers: list[str], pdf: Path, title: str) -> None:
    """All pages with ``page N of M`` footers into ``pdf``, atomically."""
    metadata = {"Title": title, "Creator": f"hospitaltwin {__version__}", "CreationDate": None}
    with output_file(pdf) as tmp, PdfPages(tmp, metadata=metadata) as document:
        for number, (page, footer) in enumerate(zip(pages, footers), start=1):
            add_footer(page.figure, footer, number, len(pages))
            document.savefig(page.figure)


def write_document(pages: list[Page], footers: list[str], pdf: Path, png_dir: Path | None,
                   title: str, force: bool = False) -> Written:
    """Write the PNGs (if asked) and the PDF; return what was written."""
    pngs = write_pngs(pages, png_dir, force) if png_dir is not None else ()
    write_pdf(pages, footers, pdf, title)
    return Written(pdf, len(pages), pngs)

"""The first pages: a cover with each result's provenance, then the executive summary.

Provenance is what lets a number on page 5 be traced: the result's kind and directory, the
scenario and layout names, the data's as-of time (forecasts) or calendar origin (runs), seed,
replications, when it was made, package versions and the SHA-256 checksum of every input
file, all read from ``manifest.json``. The executive summary gathers each result's plain
sentences (the risks that matter, with probabilities and 95% intervals) on the pages that
follow the cover, before any table or chart.
"""

from __future__ import annotations

import re

from hospitaltwin.report.charts import Page
from hospitaltwin.report.load import Result
from hospitaltwin.report.text import Bullets, Heading, KeyValues, Para, text_pages
from hospitaltwin.report.words import hours_text

TITLE = "hospitaltwin report"


def _when(result: Result) -> list[tuple[str, str]]:
    m, s = result.manifest, result.summary
    out = []
    if s.get("as_of"):
        out.append(("data as of", str(s["as_of"])))
    if s.get("last_event"):
        out.append(("last event", str(s["last_event"])))
    if m.get("origin"):
        out.append(("calendar origin", f"{m['origin']} ({result.timezone})"))
    if s.get("horizon_h"):
        warm = f", warm-up {hours_text(float(s['warmup_h']))}" if s.get("warmup_h") else ""
        out.append(("horizon", hours_text(float(s["horizon_h"])) + warm))
    window = s.get("window") if isinstance(s.get("window"), dict) else None
    if window:
        out.append(("data window", f"{window.get('since')} to {window.get('until')} ({window.get('timezone')})"))
    return out


def provenance(result: Result) -> list[tuple[str, str]]:
    """``(key, value)`` lines tracing a result to its inputs."""
    m, s = result.manifest, result.summary
    layout = result.layout.get("name") or result.layout.get("description")
    items = [("kind", result.kind), ("directory", str(result.path)), ("scenario", result.name)]
    if layout:
        items.append(("layout", str(layout)))
    if result.kind == "calibration":
        items.append(("summary file", m.get("summary_file", "")))
    items += _when(result)
    for key in ("seed", "replications"):
        value = m.get(key, s.get(key))
        if value is not None:
            items.append((key, str(value)))
    if m.get("created"):
        items.append(("created", str(m["created"])))
    versions = m.get("versions") or {}
    if versions:
        items.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    inputs = m.get("inputs") or {}
    items += [_input(name, value) for name, value in inputs.items()]
    if not inputs:
        items.append(("inputs", "none recorded"))
    return items


def _input(name: str, value) -> tuple[str, str]:
    """An input file with its checksum; other provenance (the store a plan started from, its
    time) as it is."""
    text = str(value)
    if re.fullmatch(r"[0-9a-f]{64}", text):
        return "input", f"{name}  sha256 {text}"
    return name.replace("_", " "), text


def cover_pages(results: list[Result]) -> list[Page]:
    """The cover: what the report covers and where each result comes from."""
    kinds = ", ".join(f"{r.kind} {r.name}" for r in results)
    blocks = [Para(f"This report covers {len(results)} result{'s' if len(results) > 1 else ''}: {kinds}. "
                   "Every figure is titled with its result; the provenance below traces each number to the "
                   "files it was computed from.")]
    for result in results:
        blocks += [Heading(result.label), KeyValues(tuple(provenance(result)))]
    return [Page(f, "cover", chart=False) for f in text_pages(TITLE, "Provenance", blocks)]


def summary_pages(results: list[Result], sections: dict) -> list[Page]:
    """The executive summary: each result's sentences, in the order given."""
    blocks = []
    for result in results:
        module = sections[result.kind]
        blocks += [Heading(result.label), Para(module.intro(result), muted=True),
                   Bullets(tuple(module.sentences(result)))]
    return [Page(f, "summary", chart=False) for f in text_pages("Executive summary", TITLE, blocks)]

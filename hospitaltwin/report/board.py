"""Page 1: the answer, in words a board reads, before any table or chart.

Every result kind says what it has to say for page 1 as :class:`Finding` sentences under one
of a few topics: the risks in the coming days (a forecast), what a simulation shows (a run),
the recommended plan with its cost and its tested effect (the optimisers), the policies
tested (a comparison), what changed since the last report (an earlier result given with
``--previous``) and how far to trust all this (precision, fit of the stay laws, the plan's
SAA gap, backtest coverage). A finding marked ``note`` is set as a muted note under its topic
(a solver's status and gap). Times are the hospital's, its zone named in the subtitle.
"""

from __future__ import annotations

from dataclasses import dataclass

from hospitaltwin.report.charts import Page
from hospitaltwin.report.clock import when_text, zone_note
from hospitaltwin.report.load import Result
from hospitaltwin.report.text import Bullets, Heading, Para, text_pages

TITLE = "Summary"
SIZES = (0.92, 0.86, 0.8, 0.75)  # denser type, step by step, until the answer fits on one page
TOPICS = {
    "warnings": "Read this first",
    "risks": "Risks in the coming days",
    "simulation": "What the simulation shows",
    "plan": "Recommended plan",
    "policies": "Policies tested",
    "changes": "What changed since the last report",
    "trust": "How far to trust this",
}


@dataclass(frozen=True)
class Finding:
    """One sentence for page 1 under ``topic`` (a key of :data:`TOPICS`); ``note``: a muted note."""

    topic: str
    text: str
    note: bool = False


def subtitle(results: list[Result]) -> str:
    """``community-150 · as of Sun 6 Jul 2025, 23:58 CDT · times are local to the hospital (…)``."""
    first = results[0]
    hospital = next((str(r.layout["name"]) for r in results if r.layout.get("name")), first.name)
    moments = [r.summary.get("as_of") or (r.manifest.get("inputs") or {}).get("as_of") for r in results]
    moment = next((m for m in moments if m), None)
    when = f" · as of {when_text(moment, first.timezone)}" if moment else ""
    return f"{hospital}{when} · {zone_note(first.timezone)}"


def blocks(findings: list[Finding]) -> list:
    """Headings in the order of :data:`TOPICS`, each with its sentences and then its notes."""
    out = []
    for topic, heading in TOPICS.items():
        mine = [f for f in findings if f.topic == topic]
        if not mine:
            continue
        out.append(Heading(heading))
        sentences = tuple(f.text for f in mine if not f.note)
        if sentences:
            out.append(Bullets(sentences))
        out += [Para(f.text, muted=True) for f in mine if f.note]
    return out


def board_pages(results: list[Result], findings: list[Finding]) -> list[Page]:
    """Page 1 (and its continuation, if the findings need one)."""
    for size in SIZES:
        figures = text_pages(TITLE, subtitle(results), blocks(findings), size=size)
        if len(figures) == 1:
            break
    return [Page(f, "summary", chart=False) for f in figures]

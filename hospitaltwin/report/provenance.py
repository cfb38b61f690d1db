"""The last page: where every number comes from, compactly.

Provenance lets a number on page 5 be traced to its files: per result, its kind and directory,
the scenario and layout, the data's time (a forecast's as-of, a run's calendar, a calibration's
window, all in the hospital's time), seed and replications, when it was made; then every input
file with its SHA-256 checksum, and other inputs (the store a plan started from) as they are;
the package versions once when every result shares them. It is one table-like page at the back,
not the front matter: a board reads the answer first.
"""

from __future__ import annotations

import re

from hospitaltwin.report.charts import Page
from hospitaltwin.report.clock import when_text
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import hours_text
from hospitaltwin.report.text import COMPACT, Para, Table, text_pages

TITLE = "Provenance"


def _when(result: Result) -> str:
    """The data's time in the hospital's time, as far as the result records it."""
    m, s, tz = result.manifest, result.summary, result.timezone
    if s.get("as_of"):
        return f"data as of {when_text(s['as_of'], tz)}"
    window = s.get("window") if isinstance(s.get("window"), dict) else None
    if window:
        return f"data {when_text(window.get('since'), tz, year=True)} to {when_text(window.get('until'), tz)}"
    if m.get("origin"):
        horizon = f", {hours_text(float(s['horizon_h']))}" if s.get("horizon_h") else ""
        warm = f" after a {hours_text(float(s['warmup_h']), adjective=True)} warm-up" if s.get("warmup_h") else ""
        return f"calendar from {when_text(m['origin'], tz)}{horizon}{warm}"
    return ""


def result_row(result: Result, tag: str = "") -> tuple[str, ...]:
    """One row: result, directory, data time, seed and replications, when made."""
    m, s = result.manifest, result.summary
    layout = result.layout.get("name") or ""
    seed, reps = m.get("seed", s.get("seed")), m.get("replications", s.get("replications"))
    runs = ", ".join(part for part in (f"seed {seed}" if seed is not None else "",
                                        f"{reps} replications" if reps else "") if part)
    made = when_text(m["created"], result.timezone) if m.get("created") else ""
    return (result.label + tag, str(layout), str(result.path), _when(result), runs, made)


def input_rows(result: Result, tag: str = "") -> list[tuple[str, str, str]]:
    """Every input of ``result``: files with their checksum, other inputs as they are."""
    inputs = result.manifest.get("inputs") or {}
    kind, rows = result.kind + tag, []
    for name, value in inputs.items():
        text = str(value)
        if re.fullmatch(r"[0-9a-f]{64}", text):
            rows.append((kind, str(name), f"sha256 {text}"))
        elif name == "as_of":
            rows.append((kind, "as of", when_text(text, result.timezone)))
        else:
            rows.append((kind, str(name).replace("_", " "), text))
    return rows or [(kind, "inputs", "none recorded")]


def _versions(results: list[Result]) -> list[str]:
    found = {tuple(sorted((r.manifest.get("versions") or {}).items())) for r in results}
    found.discard(())
    return [", ".join(f"{k} {v}" for k, v in versions) for versions in sorted(found)]


def provenance_pages(results: list[Result], earlier: list[Result] = ()) -> list[Page]:
    """One compact page (more only for many results or inputs) with every result's provenance;
    ``earlier``: the last report's results it was compared with, marked as such."""
    tagged = [(r, "") for r in results] + [(r, " (earlier)") for r in earlier]
    rows = tuple(result_row(r, tag) for r, tag in tagged)
    inputs = tuple(row for r, tag in tagged for row in input_rows(r, tag))
    versions = _versions(results + list(earlier))
    blocks = [Para("Each result, the data it stands on and the files it was computed from. "
                   "The same files and seed give the same numbers.", muted=True),
              Table(("result", "layout", "directory", "data", "runs", "made"), rows, "llllll"),
              Table(("result", "input", "checksum or value"), inputs, "lll")]
    if versions:
        label = "Software" if len(versions) == 1 else "Software (differs between results)"
        blocks.append(Para(f"{label}: " + "; ".join(versions) + ".", muted=True))
    figures = text_pages(TITLE, "hospitaltwin report", blocks, size=COMPACT)
    return [Page(f, "provenance", chart=False) for f in figures]

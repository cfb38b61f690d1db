"""A surge plan on page 1, in operational words: which beds open, on which days, at what cost,
what it buys, and how settled the choice is.

The plan (``plan.csv``) becomes one sentence per option opened (its beds as runs of days:
``1 bed on Tue 8 Jul, 2 beds from Wed 9 Jul to Sat 12 Jul``) and one for the options kept
closed; the cost against the budget and the expected patient-days without a bed that it
spares (``solve.json``, over the paths it was made on); then what it buys in the twin on fresh
random numbers (``evaluation/``), the served units' effects first. The solver's status and
MIP gap go in a note, with the SAA gap: how far the plan may be from the best plan for the
twin's demand (``solve.json``'s ``saa``), said plainly when that is not small.
"""

from __future__ import annotations

from hospitaltwin.report.board import Finding
from hospitaltwin.report.load import Result
from hospitaltwin.report.plan_pages import solver_note, tested_sentence
from hospitaltwin.report.surge_words import (
    BASELINE,
    PLAN,
    cost_words,
    no_plan_words,
    plan_words,
    saa_note,
)


def answer(result: Result) -> list[Finding]:
    """Page 1's "Recommended plan" for a surge plan."""
    words = plan_words(result)
    out = [Finding("plan", w) for w in (words if words else [no_plan_words(result)])]
    cost = cost_words(result) if words else None
    if cost:
        out.append(Finding("plan", cost))
    units = list(dict.fromkeys(result.tables["plan"]["unit"]))
    tested = tested_sentence(result, PLAN, BASELINE, units) if words else None
    if tested:
        out.append(Finding("plan", tested))
    note = saa_note(result)
    if result.solve:
        out.append(Finding("plan", " ".join(t for t in (solver_note(result.solve, "surge plan"), note) if t),
                           note=True))
    if note:
        if not result.solve["saa"].get("small"):
            out.append(Finding("trust", "The surge plan is not settled by its demand paths (see the sampling note): "
                                        "treat the choice between close plans as open."))
    return out

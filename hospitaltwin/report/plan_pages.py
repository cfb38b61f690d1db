"""What the optimisers' results (roster, surge, network) share: the solve and the out-of-sample test.

Each optimiser keeps its solver's report in ``solve.json`` (status, objective, best bound,
relative gap) and may test its plan in the engine against what the plan replaces — the naive
roster, the hospital without surge beds, the network as it is today — on other random numbers
than those it was optimised on: a compare result (:attr:`~hospitaltwin.report.load.Result.evaluation`)
whose baseline is the status quo and whose policy is the plan. This module says the solve and
the test's significant effects in words and draws the test's pages with
:mod:`~hospitaltwin.report.compare_pages` under the optimiser's own titles; a result without
a solve or a test simply goes without those parts.
"""

from __future__ import annotations

import math

from hospitaltwin.report import compare_pages
from hospitaltwin.report.charts import Page
from hospitaltwin.report.load import Result
from hospitaltwin.report.words import num

TITLE = "Out-of-sample test"


def number(mapping: dict, key: str) -> float | None:
    """``mapping[key]`` as a finite float; ``None`` when absent or not a number."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def gap_text(gap: float) -> str:
    """``0.48%``; ``<0.01%`` for a gap that rounds to nothing but is not zero."""
    return "<0.01%" if 0 < gap < 5e-5 else f"{100 * gap:.2f}%"


def solve_phrase(solve: dict) -> str:
    """``is optimal (objective 116,082)`` or ``is within 0.48% of the best possible (bound 3,006)``."""
    status = str(solve.get("status") or "unknown").lower()
    objective, bound, gap = number(solve, "objective"), number(solve, "bound"), number(solve, "gap")
    if status == "optimal" and (gap is None or gap < 1e-6):
        return "is optimal" + (f" (objective {num(objective)})" if objective is not None else "")
    if gap is not None and status in ("optimal", "feasible"):
        return f"is within {gap_text(gap)} of the best possible" + (f" (bound {num(bound)})" if bound is not None else "")
    if gap is not None:
        return f"stopped with status {status}, within {gap_text(gap)} of the best possible"
    return f"ended with status {status}"


def replications_text(evaluation: Result) -> str:
    """``30 replications, seed 12`` as far as the test records them."""
    reps = evaluation.summary.get("replications")
    seed = evaluation.summary.get("seed")
    parts = ([f"{reps} replications"] if reps is not None else []) + ([f"seed {seed}"] if seed is not None else [])
    return ", ".join(parts)


def evaluation_sentences(result: Result, plan: str, baseline: str, limit: int = 4) -> list[str]:
    """How the plan fared in the engine against ``baseline``, then its largest significant effects."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    rows = evaluation.tables["comparison"]
    better, worse = int((rows["better"] == "policy").sum()), int((rows["better"] == "baseline").sum())
    how = replications_text(evaluation)
    head = (f"Out of sample, in the simulator{f' ({how})' if how else ''}: {plan} is better than {baseline} on "
            f"{better} KPI{'s' if better != 1 else ''} of a unit, pool or hospital and worse on {worse} (95% CI of "
            "the paired difference excludes zero).")
    headline = rows[rows["kpi"].isin(list(compare_pages.LABELS)) & (rows["better"] != "none")]
    if headline.empty:
        return [head]
    shown = Result(evaluation.path, evaluation.kind, evaluation.manifest, evaluation.summary, {"comparison": headline})
    return [head] + compare_pages.sentences(shown, limit, plan[:1].upper() + plan[1:])


def evaluation_lead(result: Result, plan: str, baseline: str) -> str:
    """The muted paragraph above the test's table: what was compared with what, and how."""
    how = replications_text(result.evaluation)
    return (f"Policy: {plan}; baseline: {baseline}. Paired differences policy − baseline in the simulator"
            f"{f' over {how}' if how else ''}, on common random numbers other than those the plan was optimised "
            "on. Better or worse only where the 95% CI of the difference excludes zero.")


def evaluation_pages(result: Result, plan: str, baseline: str) -> list[Page]:
    """The test's table and forest plots (none without a test)."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    return (compare_pages.table_pages(evaluation, TITLE, result.label, evaluation_lead(result, plan, baseline))
            + compare_pages.forest_pages(evaluation, TITLE, result.label))

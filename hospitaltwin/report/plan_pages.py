"""What the optimisers' results (roster, surge, network) share: the solve and the out-of-sample test.

Each optimiser keeps its solver's report in ``solve.json`` (status, objective, best bound,
relative gap) and may test its plan in the engine against what the plan replaces — the naive
roster, the hospital without surge beds, the network as it is today — on other random numbers
than those it was optimised on: a compare result (:attr:`~hospitaltwin.report.load.Result.evaluation`)
whose baseline is the status quo and whose policy is the plan. This module gives the solve as
a note (status and MIP gap), the test's significant effects in words, and draws the test's
pages with
:mod:`~hospitaltwin.report.compare_pages` under the optimiser's own titles; a result without
a solve or a test simply goes without those parts.
"""

from __future__ import annotations

import math

from hospitaltwin.report import compare_pages
from hospitaltwin.report.charts import Page
from hospitaltwin.report.load import Result

TITLE = "Out-of-sample test"
LOWER_IS_BETTER = ("diverted_fraction", "overflow_fraction", "mean_wait_h", "p_wait", "boarding_h_per_day", "p_full",
                   "over_ratio_h", "unmet_fraction", "diverted_per_day")
"""KPIs with a direction (fewer is better): the out-of-sample test's forest plots show these."""


def number(mapping: dict, key: str) -> float | None:
    """``mapping[key]`` as a finite float; ``None`` when absent or not a number."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def gap_text(gap: float) -> str:
    """``0.48%``; ``<0.01%`` for a gap that rounds to nothing but is not zero."""
    return "<0.01%" if 0 < gap < 5e-5 else f"{100 * gap:.2f}%"


def replications_text(evaluation: Result) -> str:
    """``30 replications, seed 12`` as far as the test records them."""
    reps = evaluation.summary.get("replications")
    seed = evaluation.summary.get("seed")
    parts = ([f"{reps} replications"] if reps is not None else []) + ([f"seed {seed}"] if seed is not None else [])
    return ", ".join(parts)


def tested_effects(result: Result, limit: int = 3, units: list[str] | None = None) -> list[str]:
    """The out-of-sample test's largest significant effects in words (``units`` first when given)."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    sig = compare_pages.significant_rows(evaluation)
    if units:
        sig = sig.assign(mine=~sig["name"].isin(units)).sort_values(["mine", "headline", "size"], kind="stable",
                                                                      ascending=[True, True, False])
    return [compare_pages.effect_sentence(r, result.layout) + ("" if r.better == "policy" else ", which is worse")
            for r in compare_pages.varied(sig, limit).itertuples()]


def tested_sentence(result: Result, plan: str, baseline: str, units: list[str] | None = None) -> str | None:
    """``Tested in the twin on 30 fresh replications against no surge beds: …`` (None without a test)."""
    evaluation = result.evaluation
    if evaluation is None:
        return None
    how = replications_text(evaluation)
    effects = tested_effects(result, 3, units)
    where = f"Tested in the twin{f' ({how}, other random numbers than the plan was made on)' if how else ''}"
    if not effects:
        return f"{where}: {plan} changes no KPI beyond its 95% confidence interval against {baseline}."
    return f"{where}, against {baseline}: " + "; ".join(effects) + "."


def evaluation_sentences(result: Result, plan: str, baseline: str, limit: int = 4) -> list[str]:
    """How the plan fared in the engine against ``baseline``: its largest effects, then the count."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    rows = evaluation.tables["comparison"]
    better, worse = int((rows["better"] == "policy").sum()), int((rows["better"] == "baseline").sum())
    head = tested_sentence(result, plan, baseline)
    count = (f"Of the KPIs of units, pools and hospitals, {better} are better with {plan} and {worse} worse "
             "(95% CI of the paired difference excludes zero); every KPI is in the table below.")
    return [head, count]


def solver_note(solve: dict, what: str) -> str:
    """The solve in one muted note: status and MIP gap, over how many paths."""
    solver = solve.get("solver") or "The solver"
    paths = f" for its {solve['paths']} demand paths" if solve.get("paths") else ""
    status = str(solve.get("status") or "unknown").lower()
    gap = number(solve, "gap")
    gap_words = f", MIP gap {gap_text(gap)}" if gap is not None else ""
    if status == "optimal":
        return f"Solver note: {solver} found the best {what}{paths} (optimal{gap_words})."
    return f"Solver note: {solver} stopped with status {status}{gap_words}: the {what} is the best found{paths}."


def evaluation_lead(result: Result, plan: str, baseline: str) -> str:
    """The muted paragraph above the test's table: what was compared with what, and how."""
    how = replications_text(result.evaluation)
    return (f"Policy: {plan}; baseline: {baseline}. Paired differences policy − baseline in the simulator"
            f"{f' over {how}' if how else ''}, on common random numbers other than those the plan was optimised "
            "on. Better or worse only where the 95% CI of the difference excludes zero.")


def evaluation_key_pages(result: Result, title: str) -> list[Page]:
    """The test's significant effects with their intervals: what the plan buys (none without a test)."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    rows = compare_pages.significant_rows(evaluation)
    return compare_pages.forest_pages(evaluation, title, result.label, rows=rows, heading="what it buys, tested",
                                      slug="tested-effects")


def evaluation_pages(result: Result, plan: str, baseline: str) -> list[Page]:
    """The test's table and forest plots of the KPIs with a direction (none without a test)."""
    evaluation = result.evaluation
    if evaluation is None:
        return []
    rows = compare_pages.headline_rows(evaluation)
    if rows.empty:
        return compare_pages.nothing_changed_pages(evaluation, TITLE, result.label,
                                                   evaluation_lead(result, plan, baseline))
    directed = rows[rows["kpi"].isin(list(LOWER_IS_BETTER))]
    return (compare_pages.table_pages(evaluation, TITLE, result.label, evaluation_lead(result, plan, baseline),
                                      findings=[])
            + compare_pages.forest_pages(evaluation, TITLE, result.label, rows=directed))

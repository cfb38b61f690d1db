"""Compare policies on common random numbers: paired differences of every KPI with 95% CIs.

Every policy runs with the same seed, replications and start as the baseline (the scenario as
the hospital runs it now), so replication ``r`` of each sees the same patients. The paired
difference policy - baseline per replication has a far smaller variance than the difference
of two independent means. A policy is named better (or worse) on a KPI only where the 95% CI of
the paired difference excludes zero and the KPI has a direction (fewer diversions are better;
a census is neither).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hospitaltwin.config.policy import Policy, apply_policy
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.outputs import ResultFolder, check_folder
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.replicate import run_scenario
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_json, write_records
from hospitaltwin.experiment.summary import mean_ci

LOWER_IS_BETTER = frozenset({
    "diverted_fraction", "overflow_fraction", "mean_wait_h", "p_wait", "mean_queue", "mean_boarding",
    "boarding_h_per_day", "p_full", "over_ratio_h", "over_ratio_patient_h", "unmet_fraction",
    "unmet_h_per_day", "diverted_per_day", "transfers_out_per_day", "lost_per_day",
})
COLUMNS = CSV_COLUMNS["comparison"]


@dataclass
class Comparison:
    """Rows of paired differences (see :data:`COLUMNS`) and where they were written."""

    rows: list[dict]
    out: Path | None


def _by_key(kpis) -> dict[tuple, np.ndarray]:
    frame = kpis
    keys = zip(frame.labels("scope"), frame.labels("name"), frame.labels("kpi"))
    grouped: dict[tuple, list] = {}
    for key, rep, value in zip(keys, frame["replication"], frame["value"]):
        grouped.setdefault(key, {})[int(rep)] = value
    return {k: np.array([v[r] for r in sorted(v)]) for k, v in grouped.items()}


def verdict(kpi: str, lo: float, hi: float) -> str:
    """``policy``/``baseline`` when the CI excludes zero for a KPI with a direction, else ``none``."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 0 <= hi or kpi not in LOWER_IS_BETTER:
        return "none"
    return "policy" if hi < 0 else "baseline"


def paired_rows(policy: str, baseline: dict, other: dict) -> list[dict]:
    """Paired differences of every KPI both runs share."""
    rows = []
    for key, base in baseline.items():
        if key not in other:
            continue
        diff = other[key] - base
        mean, lo, hi = mean_ci(diff)
        rows.append(dict(zip(COLUMNS, (policy, *key, _mean(base), _mean(other[key]), mean, lo, hi,
                                       verdict(key[2], lo, hi)))))
    return rows


def _mean(values: np.ndarray) -> float:
    """Mean over replications where defined (NaN, without a warning, where none is: e.g. the
    mean wait of a unit that admitted nobody)."""
    defined = values[~np.isnan(values)]
    return float(defined.mean()) if defined.size else float("nan")


def compare(scenario: Scenario, policies: list[Policy], *, workers: Workers = 1,
            state: SystemState | None = None, out: Path | None = None,
            inputs: dict[str, str] | None = None, progress=None,
            derive: Callable[[dict], dict] | None = None, force: bool = False,
            demand: PathSource | None = None) -> Comparison:
    """Run the baseline and every policy on common random numbers and compare them.

    ``derive``, when given, takes one run's ``{(scope, name, kpi): values by replication}`` and
    returns it with KPIs of its own added (a network's totals, say), compared like the rest.
    ``out`` (written as a folder the tool owns, see :mod:`hospitaltwin.core.outputs`) is checked
    before anything runs; ``force`` writes beside files the tool did not write. ``demand``
    gives replication ``r`` of every side the same demand path (common random numbers).
    """
    if out is not None:
        check_folder(out, force)
    variants = [apply_policy(scenario, p) for p in policies]
    per_run = derive or (lambda values: values)
    baseline = per_run(_by_key(run_scenario(scenario, workers=workers, state=state, tables=False, demand=demand,
                                            progress=progress).kpis))
    rows = []
    for policy, variant in zip(policies, variants):
        result = run_scenario(variant, workers=workers, state=state, tables=False, progress=progress,
                              demand=demand)
        rows += paired_rows(policy.name, baseline, per_run(_by_key(result.kpis)))
    written = _write(out, scenario, policies, rows, inputs or {}, force) if out is not None else None
    return Comparison(rows, written)


def _write(out: Path, scenario: Scenario, policies: list[Policy], rows: list[dict], inputs: dict,
           force: bool = False) -> Path:
    with ResultFolder(out, force) as folder:
        write_records(folder.path / "comparison.csv", rows, COLUMNS)
        run = scenario.run
        better = [r for r in rows if r["better"] != "none"]
        write_json(folder.path / "summary.json", {
            "scenario": scenario.name, "policies": [p.name for p in policies],
            "replications": run.replications, "seed": run.seed,
            "significant": [{k: _clean(r[k]) for k in COLUMNS} for r in better]})
        resolved = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        extra = {"policies": [p.model_dump(mode="json", by_alias=True) for p in policies]}
        write_json(folder.path / "manifest.json",
                   manifest("compare", resolved, run.seed, run.replications, inputs, extra))
    return folder.out


def _clean(value):
    return None if isinstance(value, float) and not np.isfinite(value) else value

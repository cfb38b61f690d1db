"""Write a backtest: per-lead scores, a reliability table and a summary that says who won.

``scores.csv``: ``resource, kind, lead_h, method, n, mae, coverage50, coverage80,
coverage95, crps, brier`` (means over origins; coverage empty for point baselines).
``reliability.csv``: ``resource, bin_lo, bin_hi, predicted, observed, n`` for the model's
probability of being at capacity (``resource`` ``all`` pools every resource).
``summary.json``: per lead day and method the mean CRPS and 80% coverage over resources, and
whether the model's CRPS beats each baseline on that day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from hospitaltwin.backtest.run import METHODS, Backtest
from hospitaltwin.backtest.scores import reliability
from hospitaltwin.core.outputs import ResultFolder
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_csv, write_json


def score_rows(bt: Backtest) -> list[tuple]:
    """Mean scores per (resource, kind, lead, method)."""
    rows = []
    for (resource, kind, lead, method), s in sorted(bt.sums.items()):
        n = s[0]
        rows.append((resource, kind, lead, method, int(n), *[_round(v / n) for v in s[1:]]))
    return rows


def _round(x: float) -> float | str:
    return "" if not math.isfinite(x) else round(float(x), 5)


def reliability_rows(bt: Backtest) -> list[tuple]:
    """Reliability bins per resource and for all resources pooled."""
    by_resource = defaultdict(list)
    for resource, p, happened in bt.pairs:
        by_resource[resource].append((p, happened))
        by_resource["all"].append((p, happened))
    rows = []
    for resource, values in sorted(by_resource.items()):
        p, o = np.array(values, dtype=float).T
        rows += [(resource, *(round(x, 5) for x in row[:4]), row[4]) for row in reliability(p, o)]
    return rows


def daily_summary(bt: Backtest) -> dict:
    """Per lead day and method: mean CRPS, MAE and 80% coverage over every resource."""
    totals = defaultdict(lambda: np.zeros(7))
    for (_, _, lead, method), s in bt.sums.items():
        totals[(math.ceil(lead / 24), method)] += s
    out: dict = {}
    for (day, method), s in sorted(totals.items()):
        out.setdefault(str(day), {})[method] = {"crps": _round(s[5] / s[0]), "mae": _round(s[1] / s[0]),
                                                "coverage80": _round(s[3] / s[0]) if method in ("model", "hour_of_week") else None}
    for day, methods in out.items():
        model = methods.get("model", {}).get("crps")
        methods["model_beats"] = {m: bool(model != "" and methods[m]["crps"] != "" and model < methods[m]["crps"])
                                  for m in METHODS[1:] if m in methods}
    return out


def write_backtest(bt: Backtest, out: Path, inputs: dict[str, str] | None = None,
                   force: bool = False) -> Path:
    """Write the backtest's files into the result folder ``out``
    (:class:`~hospitaltwin.core.outputs.ResultFolder`; ``force`` writes beside files the tool did
    not write)."""
    with ResultFolder(out, force) as folder:
        write_csv(folder.path / "scores.csv", CSV_COLUMNS["scores"], score_rows(bt))
        write_csv(folder.path / "reliability.csv", CSV_COLUMNS["reliability"], reliability_rows(bt))
        write_json(folder.path / "summary.json", {**bt.info, "by_lead_day": daily_summary(bt)})
        resolved = bt.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        write_json(folder.path / "manifest.json",
                   manifest("backtest", resolved, bt.info["seed"], bt.info["replications"], inputs or {}))
    return folder.out


"""Write a backtest: per-lead scores, a reliability table and a summary that says who won.

``scores.csv``: ``resource, kind, lead_h, method, n, mae, coverage50, coverage80,
coverage95, crps, brier, coverage90, pinball`` (means over origins; coverage empty for point
baselines). ``reliability.csv``: ``resource, bin_lo, bin_hi, predicted, observed, n`` for the
model's probability of being at capacity (``resource`` ``all`` pools every resource).
``pit.csv``: ``lead_day, bin_lo, bin_hi, density`` — the model's PIT histogram per lead day
(flat at 1 when calibrated). ``summary.json``: per lead day and method the mean scores over
resources (CRPS, pinball, MAE, Brier, coverage of each interval), the PIT histogram, and
whether the model's CRPS beats each baseline on that day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from hospitaltwin.backtest.run import METHODS, PIT_BINS, POINT_METHODS, STATS, Backtest
from hospitaltwin.backtest.scores import reliability
from hospitaltwin.core.outputs import ResultFolder
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_csv, write_json

COVERAGES = ("coverage50", "coverage80", "coverage90", "coverage95")


def _means(s: np.ndarray) -> dict:
    n = s[0]
    return {name: (_round(s[i] / n) if n else "") for i, name in enumerate(STATS) if i}


def score_rows(bt: Backtest) -> list[tuple]:
    """Mean scores per (resource, kind, lead, method)."""
    rows = []
    for (resource, kind, lead, method), s in sorted(bt.sums.items()):
        means = _means(s)
        rows.append((resource, kind, lead, method, int(s[0]), *(means[c] for c in CSV_COLUMNS["scores"][5:])))
    return rows


def pit_rows(bt: Backtest) -> list[tuple]:
    """The model's PIT histogram per lead day, as densities (1 everywhere when calibrated)."""
    rows = []
    for day, hist in sorted(_pit_by_day(bt).items()):
        total = hist.sum()
        for b, mass in enumerate(hist):
            rows.append((day, round(b / PIT_BINS, 3), round((b + 1) / PIT_BINS, 3),
                         round(float(mass / total * PIT_BINS), 4) if total else ""))
    return rows


def _pit_by_day(bt: Backtest) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(PIT_BINS))
    for (_, _, lead, method), s in bt.sums.items():
        if method == "model":
            out[math.ceil(lead / 24)] += s[len(STATS):]
    return dict(out)


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
    """Per lead day and method: mean scores over every resource; the model's PIT histogram."""
    totals = defaultdict(lambda: np.zeros(len(STATS) + PIT_BINS))
    for (_, _, lead, method), s in bt.sums.items():
        totals[(math.ceil(lead / 24), method)] += s
    out: dict = {}
    for (day, method), s in sorted(totals.items()):
        means = _means(s)
        if method in POINT_METHODS:
            means.update({c: None for c in COVERAGES})
        out.setdefault(str(day), {})[method] = means
    for day, hist in _pit_by_day(bt).items():
        if str(day) in out and hist.sum():
            out[str(day)]["model"]["pit"] = [round(float(v), 4) for v in hist / hist.sum() * PIT_BINS]
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
        write_csv(folder.path / "pit.csv", CSV_COLUMNS["pit"], pit_rows(bt))
        write_json(folder.path / "summary.json", {**bt.info, "by_lead_day": daily_summary(bt)})
        resolved = bt.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        write_json(folder.path / "manifest.json",
                   manifest("backtest", resolved, bt.info["seed"], bt.info["replications"], inputs or {}))
    return folder.out


"""The result format, declared once: what a result directory of each kind holds.

Every verb that writes results (run, forecast, compare, backtest, calibrate and the three
optimisers) writes a directory with ``manifest.json`` — its ``result_format`` is
:data:`RESULT_FORMAT` and its ``kind`` one of :data:`FILES` — and the files of that kind.
The writers take their columns from here, and ``report`` checks a directory against the same
declaration, so the two cannot drift apart. A change that a reader of an older result would
trip over raises :data:`RESULT_FORMAT`.
"""

from __future__ import annotations

RESULT_FORMAT = 1
"""The version written into every ``manifest.json``."""

COMPARISON = ("policy", "scope", "name", "kpi", "baseline_mean", "policy_mean", "diff_mean", "diff_lo",
              "diff_hi", "better")

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "forecast": ("resource", "kind", "time", "mean", "p05", "p25", "p50", "p75", "p95", "capacity", "p_full"),
    "daily": ("resource", "kind", "date", "p_full_any"),
    "comparison": COMPARISON,
    "evaluation": COMPARISON,
    "scores": ("resource", "kind", "lead_h", "method", "n", "mae", "coverage50", "coverage80", "coverage95",
               "crps", "brier", "coverage90", "pinball"),
    "reliability": ("resource", "bin_lo", "bin_hi", "predicted", "observed", "n"),
    "pit": ("lead_day", "bin_lo", "bin_hi", "density"),
    "roster": ("staff", "day", "shift", "unit"),
    "profiles": ("stream", "how", "observed", "fitted"),
    "survival": ("unit", "hours", "km", "fitted"),
    "plan": ("option", "unit", "day", "from", "beds", "nurses_per_shift"),
    "moves": ("kind", "from", "to", "from_pool", "to_pool", "dispatch_day", "dispatch_date", "available_day",
              "devices"),
    "shortage": ("hospital",),
    "transfers": ("bed_kind", "from", "to", "from_unit", "to_unit", "day", "date", "delay_h", "limit_per_day",
                  "limit_from", "planned_slots", "expected_transfers", "p95_transfers"),
}
"""The columns of each CSV file, by file stem, in the order written. ``shortage.csv`` has a
``hospital`` column followed by one before/after pair per device kind."""

OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"scores": ("coverage90", "pinball")}
"""Columns a reader takes when present: a backtest written before they were added lacks them."""

RUN_TABLES: dict[str, tuple[str, ...]] = {
    "census": ("replication", "unit", "time_h", "occupied", "staffed", "physical", "waiting", "boarding"),
    "stays": ("replication", "intended_unit", "arrive", "outcome"),
    "equipment": ("replication", "pool", "time_h", "in_use", "demand", "capacity"),
}
"""Parquet tables of a run that readers rely on, with the columns every one of them has."""

FILES: dict[str, dict[str, tuple[str, ...]]] = {
    "run": {"json": ("summary",), "csv": ()},
    "forecast": {"json": ("summary",), "csv": ("forecast", "daily")},
    "compare": {"json": ("summary",), "csv": ("comparison",)},
    "backtest": {"json": ("summary",), "csv": ("scores", "reliability")},
    "roster": {"json": (), "csv": ("roster",)},
    "calibration": {"json": (), "csv": ()},
    "surge": {"json": ("solve",), "csv": ("plan",)},
    "network": {"json": ("solve",), "csv": ("moves", "shortage")},
}
"""The JSON and CSV files (by stem) every result of a kind holds."""

OPTIONAL_CSV = {"calibration": ("profiles", "survival"), "roster": (), "network": ("transfers",),
                "backtest": ("pit",)}
"""CSV files a result of a kind may hold."""

OPTIONAL_JSON = {"roster": ("solve",)}
"""JSON files a result of a kind may hold."""

EVALUATION = {"roster": "evaluation", "surge": "evaluation", "network": "evaluation.csv"}
"""Where an optimiser's out-of-sample test is: a compare result directory, or a CSV file of the
comparison's columns."""

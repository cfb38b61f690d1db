"""Counts-mode backtest on real demand: 14 US states' COVID census (HHS, 2020-2022).

Each state's daily COVID census is one unit of a one-unit hospital with no demand of its own:
counts mode reads the stay law and the admission rate from the counts (admissions reported
for the previous day). Forecasts are made by the shipped function (``run_backtest`` ->
``forecast_from_history``, demand model ``trend``) from rolling origins every 2 weeks from
2020-11-01 to 2022-01, 7 days ahead, and scored against the census reported afterwards.
Prints, by lead day over all states: the coverage of the 50/80/90/95% intervals, the model's
CRPS and MAE, and the MAE of persistence, the 7-day linear trend, the same day last week and
simple exponential smoothing. Targets: 90% covers 85-95%, 80% 75-85%, 50% 40-60%; CRPS below
the MAE of persistence and of the linear trend at every lead day.

Run: ``HOSPITALTWIN_DATA=... python benchmarks/bench_backtest_hhs.py [--replications 200]
[--workers 2] [--states AL,AZ] [--demand trend] [--json out.json]``. Needs the HHS data (see
``hhs_counts.py``); nothing of it is written into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hhs_counts

from hospitaltwin.backtest import run_backtest
from hospitaltwin.backtest.run import STATS, WIDTH
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.forecast.history import ForecastOptions
from hospitaltwin.store import Store

FIRST, LAST = datetime(2020, 11, 1, tzinfo=UTC), datetime(2022, 1, 31, tzinfo=UTC)
COLUMNS = ("coverage50", "coverage80", "coverage90", "coverage95")


def origins(last_day: datetime) -> list[datetime]:
    """Every 2 weeks from FIRST while origin + 7 days is within the data and LAST."""
    out, t = [], FIRST
    while t <= LAST and t.timestamp() + 7 * 86400 <= last_day.timestamp():
        out.append(t)
        t = datetime.fromtimestamp(t.timestamp() + 14 * 86400, tz=UTC)
    return out


def backtest_state(frame, state: str, args, work: Path):
    """The summed scores of one state's backtest."""
    counts = hhs_counts.state_counts(frame, state)
    path = work / f"{state}.csv"
    counts.to_csv(path, index=False)
    store = Store.open(f"sqlite:///{work / state}.db")
    store.sync_counts(path)
    last = datetime.fromisoformat(counts["date"].max()).replace(tzinfo=UTC)
    options = ForecastOptions(counts=True, admissions_previous_day=True, demand=args.demand)
    scenario = scenario_from_dict(hhs_counts.scenario_dict(state))
    bt = run_backtest(scenario, store, origins(last), horizon_h=168, replications=args.replications,
                      seed=1, workers=args.workers, options=options)
    store.close()
    return bt


def table(sums: dict) -> list[dict]:
    """Rows by lead day: coverage, model CRPS and MAE, baselines' MAE."""
    by_day: dict = defaultdict(lambda: np.zeros(WIDTH))
    for (_, _, lead, method), s in sums.items():
        by_day[(lead // 24, method)] += s
    rows = []
    for day in sorted({d for d, _ in by_day}):
        model = by_day[(day, "model")]
        row = {"day": day, "n": int(model[0])}
        row.update({c: model[STATS.index(c)] / model[0] for c in COLUMNS})
        row["crps"], row["mae"] = model[STATS.index("crps")] / model[0], model[1] / model[0]
        for method in ("persistence", "linear_trend", "last_week", "ses"):
            s = by_day[(day, method)]
            row[method] = s[1] / s[0]
        rows.append(row)
    return rows


def show(rows: list[dict]) -> None:
    print(f"{'day':>3} {'n':>4} {'cov50':>6} {'cov80':>6} {'cov90':>6} {'cov95':>6} {'CRPS':>7} {'MAE':>7} "
          f"{'persist':>8} {'trend7':>7} {'lastwk':>7} {'SES':>7} {'CRPS/pers':>9} {'CRPS/trend':>10}")
    for r in rows:
        print(f"{r['day']:>3} {r['n']:>4} {r['coverage50']:>6.3f} {r['coverage80']:>6.3f} {r['coverage90']:>6.3f} "
              f"{r['coverage95']:>6.3f} {r['crps']:>7.1f} {r['mae']:>7.1f} {r['persistence']:>8.1f} "
              f"{r['linear_trend']:>7.1f} {r['last_week']:>7.1f} {r['ses']:>7.1f} "
              f"{r['crps'] / r['persistence']:>9.3f} {r['crps'] / r['linear_trend']:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--states", default=",".join(hhs_counts.STATES))
    parser.add_argument("--demand", default="trend")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not hhs_counts.data_file().is_file():
        sys.exit(f"no HHS data at {hhs_counts.data_file()}; set HOSPITALTWIN_DATA")
    frame = hhs_counts.read_hhs()
    total: dict = defaultdict(lambda: np.zeros(WIDTH))
    per_state = {}
    with tempfile.TemporaryDirectory() as tmp:
        for state in args.states.split(","):
            start = time.perf_counter()
            bt = backtest_state(frame, state, args, Path(tmp))
            for key, s in bt.sums.items():
                total[key] += s
            per_state[state] = table(bt.sums)
            week = per_state[state][-1]
            print(f"{state}: {len(bt.origins)} origins in {time.perf_counter() - start:.0f} s; day 7 "
                  f"cov90 {week['coverage90']:.2f}, CRPS/persistence {week['crps'] / week['persistence']:.2f}",
                  flush=True)
    rows = table(total)
    print(f"\nAll {len(per_state)} states, by lead day (demand model {args.demand}):")
    show(rows)
    if args.json:
        args.json.write_text(json.dumps({"all": rows, "states": per_state}, indent=1))


if __name__ == "__main__":
    main()

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

Each coverage is printed with its 95% Wilson interval: origins two weeks apart, and states,
are taken as independent forecasts (each lead day has one outcome per origin).

States run in parallel processes (``--jobs``), one replication stream each, so the figures do
not depend on the number of jobs. Run: ``HOSPITALTWIN_DATA=... python
benchmarks/bench_backtest_hhs.py [--replications 100] [--jobs 2] [--states AL,AZ]
[--demand trend] [--no-recalibrate] [--json out.json]``. Needs the HHS data (see
``hhs_counts.py``); nothing of it is written into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hhs_counts

from hospitaltwin.backtest import run_backtest
from hospitaltwin.backtest.run import STATS, WIDTH
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.core.tstats import wilson
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


def backtest_state(state: str, replications: int, demand: str, recalibrate: bool) -> tuple:
    """One state's backtest (in its own process): summed scores, origins, seconds."""
    start = time.perf_counter()
    counts = hhs_counts.state_counts(hhs_counts.read_hhs(), state)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{state}.csv"
        counts.to_csv(path, index=False)
        store = Store.open(f"sqlite:///{Path(tmp) / state}.db")
        store.sync_counts(path)
        last = datetime.fromisoformat(counts["date"].max()).replace(tzinfo=UTC)
        options = ForecastOptions(counts=True, admissions_previous_day=True, demand=demand,
                                  recalibrate=recalibrate)
        scenario = scenario_from_dict(hhs_counts.scenario_dict(state))
        bt = run_backtest(scenario, store, origins(last), horizon_h=168, replications=replications,
                          seed=1, options=options)
        store.close()
    return state, dict(bt.sums), len(bt.origins), time.perf_counter() - start


def table(sums: dict) -> list[dict]:
    """Rows by lead day: coverage, model CRPS and MAE, baselines' MAE."""
    by_day: dict = defaultdict(lambda: np.zeros(WIDTH))
    for (_, _, lead, method), s in sums.items():
        by_day[(lead // 24, method)] += s
    rows = []
    for day in sorted({d for d, _ in by_day}):
        model = by_day[(day, "model")]
        row = {"day": day, "n": int(model[0])}
        for c in COLUMNS:
            hits = model[STATS.index(c)]
            row[c], row[c + "_ci"] = hits / model[0], wilson(round(hits), round(model[0]))
        row["crps"], row["mae"] = model[STATS.index("crps")] / model[0], model[1] / model[0]
        for method in ("persistence", "linear_trend", "last_week", "ses"):
            s = by_day[(day, method)]
            row[method] = s[1] / s[0]
        rows.append(row)
    return rows


def show(rows: list[dict]) -> None:
    """The table by lead day; each coverage with its 95% interval."""
    head = " ".join(f"{'cov' + c[-2:] + ' (95% CI)':>18}" for c in COLUMNS)
    print(f"{'day':>3} {'n':>4} {head} {'CRPS':>7} {'MAE':>7} {'persist':>8} {'trend7':>7} {'lastwk':>7} "
          f"{'SES':>7} {'CRPS/pers':>9} {'CRPS/trend':>10}")
    for r in rows:
        cover = " ".join(f"{r[c]:>6.3f} ({r[c + '_ci'][0]:.2f}-{r[c + '_ci'][1]:.2f})" for c in COLUMNS)
        print(f"{r['day']:>3} {r['n']:>4} {cover} {r['crps']:>7.1f} {r['mae']:>7.1f} {r['persistence']:>8.1f} "
              f"{r['linear_trend']:>7.1f} {r['last_week']:>7.1f} {r['ses']:>7.1f} "
              f"{r['crps'] / r['persistence']:>9.3f} {r['crps'] / r['linear_trend']:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2, help="states backtested at once")
    parser.add_argument("--states", default=",".join(hhs_counts.STATES))
    parser.add_argument("--demand", default="trend")
    parser.add_argument("--no-recalibrate", dest="recalibrate", action="store_false")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not hhs_counts.data_file().is_file():
        sys.exit(f"no HHS data at {hhs_counts.data_file()}; set HOSPITALTWIN_DATA")
    total: dict = defaultdict(lambda: np.zeros(WIDTH))
    per_state = {}
    states = args.states.split(",")
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = [pool.submit(backtest_state, s, args.replications, args.demand, args.recalibrate) for s in states]
        for run in runs:
            state, sums, n_origins, seconds = run.result()
            for key, s in sums.items():
                total[key] += s
            per_state[state] = table(sums)
            week = per_state[state][-1]
            print(f"{state}: {n_origins} origins in {seconds:.0f} s; day 7 cov90 {week['coverage90']:.2f}, "
                  f"CRPS/persistence {week['crps'] / week['persistence']:.2f}", flush=True)
            if args.json:  # after every state: a long run stopped half-way keeps what it measured
                args.json.write_text(json.dumps({"all": table(total), "states": per_state}, indent=1))
    rows = table(total)
    print(f"\nAll {len(per_state)} states, by lead day (demand model {args.demand}, "
          f"{'recalibrated' if args.recalibrate else 'not recalibrated'}, {args.replications} replications):")
    show(rows)
    if args.json:
        args.json.write_text(json.dumps({"all": rows, "states": per_state}, indent=1))


if __name__ == "__main__":
    main()

"""State-store benchmark: a year of a 600-bed hospital synced, then as-of queries timed.

The log comes from the store tests' generator (``tests/store/synth.py``): ED, ICU and ward stays,
bed moves, ventilation, discharges and deaths, with a few cancelled transfers and admissions
(about 1% of messages) — about
40,000 encounters and 180,000 events over a year, a mean census near 470 (a 600-bed
hospital at about 80% occupancy). The year is synced in
two pieces (all but the last day, then the last day as an hourly feed would bring it), then
``state_at`` is timed at the last event and at random past times (target: under 1 s), and
``census_history`` for a month, hourly. Runs on SQLite, and on PostgreSQL too when
``HOSPITALTWIN_TEST_POSTGRES_URL`` is set (each run in a fresh schema).

    python benchmarks/bench_store.py [--patients 40000] [--days 365]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hospitaltwin.store import Store  # noqa: E402
from tests.store.synth import START, hospital_log, write_csv  # noqa: E402

KEY = b"bench-key-0123456789abcdef"


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    value = func(*args, **kwargs)
    return value, time.perf_counter() - start


def postgres_url(base: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{name}"


def bench(label: str, url: str, year: str, last_day: str, days: float) -> None:
    with Store.open(url) as store:
        report, bulk = timed(store.sync, [year], KEY)
        tail, incremental = timed(store.sync, [last_day], KEY)
        last = store.last_event_time()
        state, latest = timed(store.state_at)
        rng = pd.Series(range(20)).sample(frac=1, random_state=1)
        instants = [START + pd.Timedelta(days=7 + (days - 8) * i / 20) for i in rng]
        past = [timed(store.state_at, t)[1] for t in instants]
        month_start = pd.Timestamp(last) - pd.Timedelta(days=30)
        month, census = timed(store.census_history, month_start, last, 1.0)
        beds = month[month["kind"] == "beds"].groupby("time")["occupied"].sum()
    print(f"{label}:")
    print(f"  sync of {report.read:,} events (all but the last day): {bulk:.1f} s "
          f"({report.read / bulk:,.0f} events/s); last day ({tail.read:,} events, {tail.patients:,} "
          f"patients updated): {incremental:.2f} s")
    print(f"  state_at(last event): {latest * 1000:.0f} ms, {len(state.patients):,} patients in beds, "
          f"{sum(len(p.devices) for p in state.patients)} devices")
    print(f"  state_at(20 past times): median {statistics.median(past) * 1000:.0f} ms, "
          f"max {max(past) * 1000:.0f} ms")
    print(f"  census_history(30 days hourly, {month['resource'].nunique()} resources): "
          f"{census * 1000:.0f} ms; occupied beds over the month: mean {beds.mean():.0f}, "
          f"max {beds.max():.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=40_000)
    parser.add_argument("--days", type=float, default=365.0)
    args = parser.parse_args()
    (log, _), made = timed(hospital_log, args.patients, 2024, days=args.days, noise=0.03)
    cut = (START + pd.Timedelta(days=args.days - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    year = write_csv(log[log["timestamp"] < cut], folder / "year.csv")
    last_day = write_csv(log[log["timestamp"] >= cut], folder / "last-day.csv")
    print(f"log: {len(log):,} events of {log['patient_id'].nunique():,} patients over "
          f"{args.days:g} days (made in {made:.1f} s)")
    bench("SQLite", f"sqlite:///{folder / 'twin.db'}", year, last_day, args.days)
    base = os.environ.get("HOSPITALTWIN_TEST_POSTGRES_URL")
    if base:
        bench("PostgreSQL", postgres_url(base), year, last_day, args.days)
    else:
        print("PostgreSQL: skipped (set HOSPITALTWIN_TEST_POSTGRES_URL to include it)")


if __name__ == "__main__":
    main()

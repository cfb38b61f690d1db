"""What the demand model costs: a 14-day, 1,000-replication forecast of the 600-bed example.

The academic baseline's 70 simulated days are synced into a SQLite state store as an event
log; the forecast is then made from the store's state at day 60 by the function
``hospitaltwin forecast`` ships (``forecast_from_history``), once with the earlier multiplier
rule and once with the demand model (``trend``: a state-space fit per entry unit and one
demand path per replication), same replications, seed and workers. It prints both times and
their ratio (target: at most 1.2).

Run: ``python benchmarks/bench_forecast_demand.py [--replications 1000] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hospitaltwin.config import read_scenario  # noqa: E402
from hospitaltwin.engine import compile_scenario, simulate  # noqa: E402
from hospitaltwin.experiment.replicate import with_run  # noqa: E402


def demand_part(args) -> None:
    """The forecast from a synced store with the demand model against the multiplier rule."""
    from hospitaltwin.experiment.export import replication_events
    from hospitaltwin.forecast.history import ForecastOptions, forecast_from_history
    from hospitaltwin.store import Store

    scenario = read_scenario(ROOT / "scenarios" / "academic-baseline.yaml")
    history = compile_scenario(with_run(scenario, horizon="70d", warmup="0h"))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "events.csv"
        replication_events(simulate(history, 1, 0), history, scenario.layout.timezone).to_csv(log, index=False)
        store = Store.open(f"sqlite:///{Path(tmp) / 'twin.db'}")
        store.sync([log], key=b"bench-forecast", tz=scenario.layout.timezone)
        at = store.first_event_time() + timedelta(days=60)
        timings = {}
        for demand in ("multiplier", "trend"):
            options = ForecastOptions(horizon_h=14 * 24, replications=args.replications, seed=7,
                                      workers=args.workers, demand=demand, allow_stale=True)
            start = time.perf_counter()
            fc = forecast_from_history(scenario, store, at, options)
            timings[demand] = time.perf_counter() - start
            print(f"demand model {demand}: {args.replications} replications on {args.workers} process(es) "
                  f"in {timings[demand]:.1f} s ({len(fc.info['demand'])} entry units fitted)")
        store.close()
    print(f"demand model cost: trend / multiplier = {timings['trend'] / timings['multiplier']:.3f} "
          "(target <= 1.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    demand_part(parser.parse_args())


if __name__ == "__main__":
    main()

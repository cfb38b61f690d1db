"""``hospitaltwin forecast`` and ``hospitaltwin backtest``: warm-started forecasts from the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hospitaltwin.cli.common import command, err, force_option, out, scheduler_option
from hospitaltwin.cli.progress import progress
from hospitaltwin.cli.run import _duration
from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.durations import parse_datetime
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import check_folder
from hospitaltwin.experiment.executors import replication_executor
from hospitaltwin.store.start import safe_url


def _at(text: str | None, timezone: str) -> datetime | None:
    """``--at`` as a tz-aware time (naive times are in the layout's zone)."""
    if text is None:
        return None
    from zoneinfo import ZoneInfo

    try:
        moment = parse_datetime(text)
    except ValueError as exc:
        raise HospitaltwinError(f"--at: {exc}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def _levels(store, scenario, at: datetime, weeks: int, counts: bool):
    """Recent demand level per entry unit (observed over expected arrivals)."""
    from hospitaltwin.core.durations import local_origin
    from hospitaltwin.forecast.trend import demand_levels

    start = at - timedelta(weeks=weeks)
    if counts:
        history = store.counts_history(start, at)
        seen = history.groupby("unit")["admissions"].sum().to_dict() if len(history) else {}
    else:
        seen = store.arrivals(start, at)["unit"].value_counts().to_dict()
    return demand_levels(scenario, seen, local_origin(start, scenario.layout.timezone), weeks * 168.0)


@command("forecast")
def forecast_cmd(
    store_url: str = typer.Option(..., "--store", help="State store URL (sqlite:///twin.db, postgresql+psycopg://…)."),
    scenario_path: Path = typer.Option(..., "--scenario", help="Scenario: layout and baseline demand."),
    at: str = typer.Option(None, "--at", help="Forecast from this time (default: the last event)."),
    horizon: str = typer.Option("14d", "--horizon", help="How far ahead to forecast, e.g. 7d."),
    replications: int = typer.Option(500, "--replications", "-r", min=2,
                                     help="Simulated futures behind every probability; more narrow its interval."),
    seed: int = typer.Option(None, "--seed", min=0, help="Root seed (default: the scenario's)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Local worker processes; results do not depend on it."),
    scheduler: str = scheduler_option(),
    trend_weeks: int = typer.Option(4, "--trend-weeks", min=0, help="Weeks of recent arrivals setting the demand level (0: the scenario's)."),
    counts: bool = typer.Option(False, "--counts", help="Warm-start from daily census counts (counts mode)."),
    out_dir: Path = typer.Option(..., "--out", help="Result folder: forecast.csv, daily.csv, summary.json."),
    force: bool = force_option(),
) -> None:
    """Forecast beds, staffed beds and equipment from the store's state; write forecast.csv."""
    from hospitaltwin.experiment.results import checksum
    from hospitaltwin.forecast import run_forecast, write_forecast
    from hospitaltwin.forecast.trend import with_levels
    from hospitaltwin.store import Store

    check_folder(out_dir, force)
    scenario = read_scenario(scenario_path)
    hours = _duration(horizon, "--horizon")
    store = Store.open_existing(store_url)
    when = _at(at, scenario.layout.timezone)
    state = store.state_from_counts(when) if counts else store.state_at(when, scenario.layout)
    levels = _levels(store, scenario, state.as_of, trend_weeks, counts) if trend_weeks else []
    with replication_executor(workers, scheduler) as pool, progress("forecast", replications) as bar:
        fc = run_forecast(with_levels(scenario, levels), state, horizon_h=hours, replications=replications,
                          seed=seed, workers=pool, progress=bar.step)
    fc.info["demand_levels"] = {lv.unit: {"observed": lv.observed, "expected": round(lv.expected, 2),
                                          "multiplier": round(lv.multiplier, 4)} for lv in levels}
    inputs = {str(scenario_path): checksum(scenario_path), "store": safe_url(store_url)}
    written = write_forecast(fc, out_dir, inputs, force)
    out.print(_headline(fc))
    out.print(f"results: {written}", highlight=False, markup=False)


def _headline(fc) -> Table:
    from hospitaltwin.forecast import headline, precision

    table = Table(title=f"Forecast from {fc.info['as_of']} ({fc.info['replications']} replications)")
    table.add_column("risk")
    table.add_column("95% CI", justify="right")
    for risk in headline(fc):
        lo, hi = risk["ci95"]
        table.add_row(escape(risk["text"]), f"{lo:.0%}-{hi:.0%}")
    known = precision(fc)
    if known["max_half_width"] > known["target_half_width"]:
        table.caption = (f"with {known['replications']} replications a probability is known to within "
                         f"±{known['max_half_width']:.0%}; about {known['replications_needed']} replications "
                         f"give ±{known['target_half_width']:.0%}")
    return table


@command("backtest")
def backtest_cmd(
    store_url: str = typer.Option(..., "--store", help="State store URL (sqlite:///twin.db, postgresql+psycopg://…)."),
    scenario_path: Path = typer.Option(..., "--scenario", help="Scenario: layout and baseline demand."),
    origins: str = typer.Option("7d", "--origins", help="Span of past origins, ending one horizon before the last event."),
    every: str = typer.Option("1d", "--every", help="Time between origins."),
    horizon: str = typer.Option("7d", "--horizon", help="Horizon of every forecast scored, e.g. 7d."),
    replications: int = typer.Option(200, "--replications", "-r", min=2, help="Replications per origin."),
    seed: int = typer.Option(1, "--seed", min=0, help="Root seed."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Local worker processes; results do not depend on it."),
    scheduler: str = scheduler_option(),
    weeks: int = typer.Option(4, "--weeks", min=1, help="Weeks of history behind the hour-of-week baseline."),
    out_dir: Path = typer.Option(..., "--out", help="Result folder: scores.csv, reliability.csv, summary.json."),
    force: bool = force_option(),
) -> None:
    """Score rolling-origin forecasts against what happened, beside three baselines."""
    from hospitaltwin.backtest import origins_between, run_backtest, write_backtest
    from hospitaltwin.backtest.baselines import WEEK_H, back_weeks
    from hospitaltwin.experiment.results import checksum
    from hospitaltwin.store import Store

    check_folder(out_dir, force)
    scenario = read_scenario(scenario_path)
    store = Store.open_existing(store_url)
    hours = _duration(horizon, "--horizon")
    first, last = store.first_event_time(), store.last_event_time()
    if first is None:
        raise HospitaltwinError(f"{store_url}: the store holds no events; `hospitaltwin sync` a log first")
    need = WEEK_H * back_weeks(weeks, int(hours))
    points = origins_between(first, last, _duration(origins, "--origins"), _duration(every, "--every"), hours, need)
    if not points:
        raise HospitaltwinError(f"the store covers {first:%Y-%m-%d} to {last:%Y-%m-%d}: too short for a {horizon} "
                                f"horizon after {need / 168:.0f} weeks of history; shorten --weeks or --horizon")
    err.print(f"{len(points)} origins from {points[0]:%Y-%m-%d %H:%M} to {points[-1]:%Y-%m-%d %H:%M}", highlight=False)
    with replication_executor(workers, scheduler) as pool, progress("backtest: origins", len(points)) as bar:
        bt = run_backtest(scenario, store, points, horizon_h=hours, replications=replications, seed=seed,
                          workers=pool, weeks=weeks, progress=bar.step)
    inputs = {str(scenario_path): checksum(scenario_path), "store": safe_url(store_url)}
    written = write_backtest(bt, out_dir, inputs, force)
    out.print(_scores_table(bt))
    out.print(f"results: {written}", highlight=False, markup=False)


def _scores_table(bt) -> Table:
    from hospitaltwin.backtest.write import daily_summary

    table = Table(title="Mean CRPS by lead day (lower is better); model 80% interval coverage")
    for column in ("day", "model", "persistence", "last week", "hour of week", "coverage80"):
        table.add_column(column)
    for day, methods in daily_summary(bt).items():
        crps = [str(methods.get(m, {}).get("crps", "–")) for m in ("model", "persistence", "last_week", "hour_of_week")]
        table.add_row(day, *crps, str(methods["model"]["coverage80"]))
    return table

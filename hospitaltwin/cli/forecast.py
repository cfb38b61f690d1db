"""``hospitaltwin forecast`` and ``hospitaltwin backtest``: warm-started forecasts from the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hospitaltwin.cli.common import command, demand_lines, err, force_option, out, parse_at, scheduler_option
from hospitaltwin.cli.progress import progress
from hospitaltwin.cli.run import _duration
from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import check_folder
from hospitaltwin.experiment.executors import replication_executor
from hospitaltwin.store.start import safe_url


RECALIBRATE_HELP = ("Counts mode: forecast a unit's census as the count it will report, with weekday "
                    "factors and the noise its own past forecast errors show (on by default).")
DEMAND_HELP = ("Demand model: 'trend' (level and trend with their uncertainty, one demand path per "
               "replication), 'multiplier' (one constant ratio, the earlier rule) or 'scenario' (as given).")


def _options(horizon: str, replications: int, seed, workers: int, demand: str, trend_weeks, counts: bool,
             previous_day: bool, recalibrate: bool, **stale):
    from hospitaltwin.forecast.history import ForecastOptions

    if demand not in ("trend", "multiplier", "scenario"):
        raise HospitaltwinError(f"--demand {demand!r}: expected trend, multiplier or scenario")
    if trend_weeks == 0:
        demand, trend_weeks = "scenario", None
    return ForecastOptions(horizon_h=_duration(horizon, "--horizon"), replications=replications, seed=seed,
                           workers=workers, demand=demand, history_weeks=trend_weeks, counts=counts,
                           admissions_previous_day=previous_day, recalibrate=recalibrate, **stale)


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
    demand: str = typer.Option("trend", "--demand", help=DEMAND_HELP),
    trend_weeks: int = typer.Option(None, "--trend-weeks", min=0,
                                    help="Weeks of recent arrivals behind the demand level (default 4; 0: "
                                         "the scenario's demand)."),
    counts: bool = typer.Option(False, "--counts", help="Warm-start from daily census counts (counts mode)."),
    previous_day: bool = typer.Option(False, "--admissions-previous-day",
                                      help="Counts mode: a row's admissions are the previous day's (HHS)."),
    recalibrate: bool = typer.Option(True, "--recalibrate/--no-recalibrate", help=RECALIBRATE_HELP),
    stale_after: str = typer.Option("24h", "--stale-after", help="Warn when the state is older than this."),
    stale_limit: str = typer.Option("7d", "--stale-limit", help="Refuse a state older than this..."),
    allow_stale: bool = typer.Option(False, "--allow-stale", help="...unless this is given."),
    out_dir: Path = typer.Option(..., "--out", help="Result folder: forecast.csv, daily.csv, summary.json."),
    force: bool = force_option(),
) -> None:
    """Forecast beds, staffed beds and equipment from the store's state; write forecast.csv."""
    from hospitaltwin.experiment.results import checksum
    from hospitaltwin.forecast import write_forecast
    from hospitaltwin.forecast.history import forecast_from_history
    from hospitaltwin.store import Store

    check_folder(out_dir, force)
    scenario = read_scenario(scenario_path)
    options = _options(horizon, replications, seed, workers, demand, trend_weeks, counts, previous_day, recalibrate,
                       stale_after_h=_duration(stale_after, "--stale-after"),
                       stale_limit_h=_duration(stale_limit, "--stale-limit"), allow_stale=allow_stale)
    store = Store.open_existing(store_url)
    with replication_executor(workers, scheduler) as pool, progress("forecast", replications) as bar:
        fc = forecast_from_history(scenario, store, parse_at(at, scenario.layout.timezone), options, workers=pool,
                                   progress=bar.step)
    for warning in fc.info["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    inputs = {str(scenario_path): checksum(scenario_path), "store": safe_url(store_url)}
    written = write_forecast(fc, out_dir, inputs, force)
    out.print(_headline(fc))
    for line in _demand_lines(fc):
        out.print(line, highlight=False)
    out.print(f"results: {written}", highlight=False, markup=False)


def _demand_lines(fc) -> list[str]:
    """One sentence per entry unit on the demand level the forecast runs at."""
    lines = demand_lines(fc.info.get("demand", {}))
    for unit, stay in fc.info.get("stays_from_counts", {}).items():
        lines.append(f"stays {unit}: {stay['mean_days']:.1f} days on average, read from the counts "
                     f"({stay['method']})")
    for unit, recal in fc.info.get("recalibration", {}).items():
        lines.append(recalibration_line(unit, recal))
    return lines


def recalibration_line(unit: str, recal: dict) -> str:
    """One sentence on how a counted unit's intervals were recalibrated."""
    added = [f"{d} d {sd:.1%}" for d, sd in enumerate(recal["added_sd_log"], start=1) if d in (1, 3, 7)]
    return (f"recalibrated {unit}: the census as it will be reported (weekday factors), with the spread of the "
            f"model's errors at the last {recal['past_origins']} days (noise added, log sd: {', '.join(added)})")


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
    demand: str = typer.Option("trend", "--demand", help=DEMAND_HELP),
    trend_weeks: int = typer.Option(None, "--trend-weeks", min=0, help="As for forecast."),
    counts: bool = typer.Option(False, "--counts", help="Backtest counts-mode forecasts against the daily counts."),
    previous_day: bool = typer.Option(False, "--admissions-previous-day", help="As for forecast."),
    recalibrate: bool = typer.Option(True, "--recalibrate/--no-recalibrate", help="As for forecast."),
    out_dir: Path = typer.Option(..., "--out", help="Result folder: scores.csv, reliability.csv, pit.csv, "
                                                    "summary.json."),
    force: bool = force_option(),
) -> None:
    """Score rolling-origin forecasts against what happened, beside five baselines."""
    from hospitaltwin.backtest import origins_between, run_backtest, write_backtest
    from hospitaltwin.backtest.baselines import WEEK_H, back_weeks
    from hospitaltwin.experiment.results import checksum
    from hospitaltwin.store import Store

    check_folder(out_dir, force)
    scenario = read_scenario(scenario_path)
    store = Store.open_existing(store_url)
    options = _options(horizon, replications, seed, workers, demand, trend_weeks, counts, previous_day, recalibrate)
    hours = options.horizon_h
    first, last = _span(store, counts, store_url)
    need = WEEK_H * max(back_weeks(weeks, int(hours)), options.weeks())
    points = origins_between(first, last, _duration(origins, "--origins"), _duration(every, "--every"), hours, need)
    if not points:
        raise HospitaltwinError(f"the store covers {first:%Y-%m-%d} to {last:%Y-%m-%d}: too short for a {horizon} "
                                f"horizon after {need / 168:.0f} weeks of history; shorten --weeks, "
                                "--trend-weeks or --horizon")
    err.print(f"{len(points)} origins from {points[0]:%Y-%m-%d %H:%M} to {points[-1]:%Y-%m-%d %H:%M}", highlight=False)
    with replication_executor(workers, scheduler) as pool, progress("backtest: origins", len(points)) as bar:
        bt = run_backtest(scenario, store, points, horizon_h=hours, replications=replications, seed=seed,
                          workers=pool, weeks=weeks, options=options, progress=bar.step)
    inputs = {str(scenario_path): checksum(scenario_path), "store": safe_url(store_url)}
    written = write_backtest(bt, out_dir, inputs, force)
    out.print(_scores_table(bt))
    out.print(f"results: {written}", highlight=False, markup=False)


def _span(store, counts: bool, store_url: str) -> tuple[datetime, datetime]:
    """First and last moment the store's events (or days of counts) cover."""
    from datetime import time

    if counts:
        held = store.summary()
        if held.get("last_day") is None:
            raise HospitaltwinError(f"{store_url}: the store holds no daily counts; `hospitaltwin sync FILE "
                                    "--counts` first")
        return (datetime.combine(held["first_day"], time(0), tzinfo=UTC),
                datetime.combine(held["last_day"], time(0), tzinfo=UTC))
    first, last = store.first_event_time(), store.last_event_time()
    if first is None:
        raise HospitaltwinError(f"{store_url}: the store holds no events; `hospitaltwin sync` a log first")
    return first, last


def _scores_table(bt) -> Table:
    from hospitaltwin.backtest.run import METHODS
    from hospitaltwin.backtest.write import daily_summary

    table = Table(title="Mean CRPS by lead day (lower is better; a baseline's is its MAE); model coverage")
    for column in ("day", *(m.replace("_", " ") for m in METHODS), "cov50", "cov80", "cov90", "cov95"):
        table.add_column(column)
    for day, methods in daily_summary(bt).items():
        crps = [_shown(methods.get(m, {}).get("crps"), "{:.3g}") for m in METHODS]
        cover = [_shown(methods["model"][f"coverage{k}"], "{:.0%}") for k in (50, 80, 90, 95)]
        table.add_row(day, *crps, *cover)
    return table


def _shown(value, fmt: str) -> str:
    return "–" if value in (None, "") else fmt.format(value)

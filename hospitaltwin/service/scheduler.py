"""When to forecast: after new events (debounced), at least every ``--forecast-every``, and a
nightly backtest, with APScheduler's asyncio scheduler.

:class:`Forecaster` runs one forecast or backtest at a time in its worker process
(:mod:`.work`) and records it in the store: a row when it starts, then its outcome. A request
that comes while a forecast runs is remembered and served right after it, so the newest
events always get a forecast. After each forecast the alert rules' values fire or clear
alerts (:func:`hospitaltwin.store.runs.apply_alerts`) and the changes go to the webhook.
:class:`Schedule` holds the three triggers: an interval job, a one-off job set
``debounce`` seconds after the first new events (later events join it), and a cron job for
the backtest at ``--backtest-at`` local time.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.service.config import Settings
from hospitaltwin.service.webhook import post_alert
from hospitaltwin.service.work import RunSpec, discard_partial, run_backtest_job, run_forecast_job
from hospitaltwin.store import accounts, runs
from hospitaltwin.store.connect import writing
from hospitaltwin.store.schema import events

log = logging.getLogger("hospitaltwin.scheduler")
JOBS = {"forecast": run_forecast_job, "backtest": run_backtest_job}


def new_run_id(kind: str) -> str:
    """``f20250303T120000-1a2b`` (kind's initial, UTC start, random suffix)."""
    return f"{kind[0]}{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


class Forecaster:
    """Runs forecasts and backtests one at a time in a worker pool and records them."""

    def __init__(self, settings: Settings, engine, pool, rules=None, settle=None):
        self.settings, self.engine, self.pool, self.rules = settings, engine, pool, rules
        self.settle = settle  # awaited first: new events are judged before a forecast
        self.current: asyncio.Task | None = None
        self.again: set[str] = set()
        self.notifications: set[asyncio.Task] = set()

    async def request(self, kind: str = "forecast") -> None:
        """Start a run of ``kind`` now, or right after the one running."""
        if self.current is not None and not self.current.done():
            self.again.add(kind)
            return
        self.current = asyncio.create_task(self._run(kind), name=f"run-{kind}")

    def _has_events(self) -> bool:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return conn.execute(sa.select(events.c.seq).limit(1)).first() is not None

    async def _run(self, kind: str) -> None:
        if self.settle is not None:
            await self.settle()
        if not self._has_events():
            log.info("no events in the store yet: %s skipped", kind)
        else:
            await self._one(kind, new_run_id(kind))
        if self.again:
            await self.request(self.again.pop())

    async def _one(self, kind: str, run_id: str) -> None:
        s = self.settings
        spec = RunSpec(run_id, s.store, s.scenario, s.runs, s.horizon_h, s.replications, s.seed,
                       s.alerts if kind == "forecast" else None)
        with writing(self.engine) as conn:
            runs.start_run(conn, run_id, kind)
        log.info("%s %s started", kind, run_id)
        try:
            outcome = await self.pool.run(JOBS[kind], spec)
        except asyncio.CancelledError:
            self._failed(run_id, "stopped before it finished (service stopped)")
            raise
        except HospitaltwinError as exc:
            self._failed(run_id, str(exc))
            return
        except Exception as exc:
            log.exception("%s %s failed", kind, run_id)
            self._failed(run_id, f"{type(exc).__name__}: {exc}")
            return
        self._finished(run_id, outcome)

    def _failed(self, run_id: str, reason: str) -> None:
        discard_partial(self.settings.runs, run_id)
        with writing(self.engine) as conn:
            runs.fail_run(conn, run_id, reason)
        log.warning("run %s failed: %s", run_id, reason)

    def _finished(self, run_id: str, outcome: dict) -> None:
        rules = {r.name: (r.text(), r.at_least) for r in self.rules.rules} if self.rules else {}
        with writing(self.engine) as conn:
            runs.finish_run(conn, run_id, outcome)
            changes = runs.apply_alerts(conn, run_id, outcome["alerts"], rules)
        log.info("run %s done (state at %s)", run_id, outcome["as_of"])
        for change in changes:
            log.warning("alert %s %s: %s (%.2f)", change["rule"], change["event"], change["text"],
                        change["fired_value"] if change["event"] == "fired" else change["cleared_value"])
            if self.rules and self.rules.webhook is not None:
                task = asyncio.create_task(self._notify(change))
                self.notifications.add(task)
                task.add_done_callback(self.notifications.discard)

    async def _notify(self, change: dict) -> None:
        hook = self.rules.webhook
        error = await post_alert(str(hook.url), change, hook.retries, hook.timeout * 3600)
        with writing(self.engine) as conn:
            accounts.audit(conn, None, "webhook", change["rule"], "ok" if error is None else "failed",
                           {"event": change["event"], "error": error} if error else
                           {"event": change["event"]})

    async def stop(self) -> None:
        """Cancel the run in progress (its row says so) and wait for deliveries briefly."""
        self.again.clear()
        if self.current is not None and not self.current.done():
            self.current.cancel()
            await asyncio.gather(self.current, return_exceptions=True)
        if self.notifications:
            await asyncio.wait(set(self.notifications), timeout=5)


class Schedule:
    """The triggers of :class:`Forecaster` (see the module doc)."""

    def __init__(self, settings: Settings, forecaster: Forecaster):
        self.settings, self.forecaster = settings, forecaster
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        hour, minute = (int(x) for x in settings.backtest_at.split(":"))
        zone = forecaster_zone(settings)
        self.scheduler.add_job(forecaster.request, IntervalTrigger(
            seconds=settings.forecast_every_h * 3600), id="periodic", args=["forecast"],
            next_run_time=datetime.now(UTC) + timedelta(seconds=2), max_instances=1,
            coalesce=True)
        self.scheduler.add_job(forecaster.request, CronTrigger(hour=hour, minute=minute,
                                                               timezone=zone),
                               id="nightly-backtest", args=["backtest"], coalesce=True)

    def start(self) -> None:
        """Start the scheduler (inside the running loop)."""
        self.scheduler.start()

    def events_arrived(self, _patients: int = 0) -> None:
        """New events were judged: forecast after the debounce delay (once for a burst)."""
        if self.scheduler.get_job("debounced") is None:
            when = datetime.now(UTC) + timedelta(seconds=self.settings.debounce_s)
            self.scheduler.add_job(self.forecaster.request, DateTrigger(when), id="debounced",
                                   args=["forecast"])

    def stop(self) -> None:
        """Stop triggering (the run in progress is stopped by the forecaster)."""
        self.scheduler.shutdown(wait=False)


def forecaster_zone(settings: Settings) -> str:
    """The layout's time zone (the night is the hospital's)."""
    from hospitaltwin.config.load import read_scenario

    return read_scenario(settings.scenario).layout.timezone

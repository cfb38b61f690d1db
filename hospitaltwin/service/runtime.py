"""The running service: its parts, started and stopped in the right order.

:class:`Service` owns the store, the worker pools (judging, forecasts, what-ifs), the MLLP
feed (committer and listener), the resolver, the forecaster and its schedule. ``start``
brings them up inside the web server's event loop (FastAPI's lifespan); ``stop`` takes them
down so that nothing is lost: the listener stops reading and the messages in hand are stored
and acknowledged; the new events are judged; a forecast in progress is stopped and recorded
as such (its partial folder removed); the pools end.
"""

from __future__ import annotations

import logging

from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.service.auth import LoginLimiter
from hospitaltwin.service.config import Settings
from hospitaltwin.service.jobs import JobPool
from hospitaltwin.service.mllp import Committer, MllpListener
from hospitaltwin.service.resolver import Resolver
from hospitaltwin.service.scheduler import Forecaster, Schedule
from hospitaltwin.service.work import discard_partial
from hospitaltwin.service.workers import Workers
from hospitaltwin.store import Store, runs
from hospitaltwin.store.connect import writing
from hospitaltwin.store.sync import check_key

log = logging.getLogger("hospitaltwin.service")


class Service:
    """Everything ``hospitaltwin serve`` runs (see the module doc)."""

    def __init__(self, settings: Settings):
        from hospitaltwin.eventlog.mapping import load_unit_map
        from hospitaltwin.service.alerts import read_alerts

        self.settings = settings
        self.scenario = read_scenario(settings.scenario)
        self.rules = read_alerts(settings.alerts, self.scenario.layout, settings.horizon_h) \
            if settings.alerts else None
        self.unit_map = load_unit_map(settings.unit_map)
        self.store = Store.open(settings.store)
        self.engine = self.store.engine
        self.limiter = LoginLimiter()
        self.pools: list = []
        self.listener: MllpListener | None = None
        self.committer: Committer | None = None
        self.mllp_port: int | None = None
        self._check_store()

    def _check_store(self) -> None:
        """The key must be the store's; runs left running by a stopped service are closed."""
        self.settings.runs.mkdir(parents=True, exist_ok=True)
        with writing(self.engine) as conn:
            check_key(conn, self.settings.key)
            for run_id in runs.close_interrupted(conn):
                discard_partial(self.settings.runs, run_id)
                log.warning("run %s was left unfinished by a stopped service", run_id)

    def _pool(self, workers: int):
        pool = Workers(workers)
        pool.warm_up()
        self.pools.append(pool)
        return pool

    async def start(self) -> None:
        """Start every part (inside the running event loop)."""
        s = self.settings
        self.forecaster = Forecaster(s, self.engine, self._pool(1), self.rules)
        self.schedule = Schedule(s, self.forecaster)
        self.resolver = Resolver(s.store, self._pool(1), self.schedule.events_arrived)
        self.forecaster.settle = self.resolver.settle
        self.jobs = JobPool(self._pool(s.whatif_workers), s.whatif_workers, s.whatif_queue,
                            s.runs / "whatif")
        self.resolver.start()
        self.schedule.start()
        if s.mllp_port is not None:
            await self._start_mllp()

    async def _start_mllp(self) -> None:
        from hospitaltwin.store.feed import Feed

        s = self.settings
        feed = Feed(self.engine, s.key, self.unit_map, s.timezone)
        self.committer = Committer(feed.store, self.resolver.poke)
        self.committer.start()
        self.listener = MllpListener(self.committer, s.mllp_host, s.mllp_port)
        try:
            self.mllp_port = await self.listener.start()
        except OSError as exc:
            raise HospitaltwinError(f"--mllp {s.mllp_host}:{s.mllp_port}: cannot listen "
                                    f"({exc.strerror})") from None

    async def stop(self) -> None:
        """Stop every part without losing a message (see the module doc)."""
        if self.listener is not None:
            await self.listener.close()
            await self.committer.drain()
            log.info("MLLP: every message read was stored and acknowledged")
        self.schedule.stop()
        await self.resolver.settle()
        await self.resolver.stop()
        await self.forecaster.stop()
        for pool in self.pools:
            pool.stop()
        self.store.close()
        log.info("stopped")

"""The service's heavy work, run in worker processes: forecasts, backtests and what-ifs.

Each function here is what a worker process runs; it takes plain values (paths, URLs,
numbers), opens the store itself and returns plain values, so nothing is shared with the
listener or the API but the store. Results are written into a hidden ``.ID.partial`` folder
and renamed to ``ID`` only when complete, so a run that is stopped half-way leaves no folder
that looks finished. A forecast is made by the same library functions as ``hospitaltwin
forecast`` (:func:`~hospitaltwin.forecast.history.forecast_from_history`,
:func:`write_forecast`); a backtest as ``hospitaltwin backtest``; a what-if is
:func:`hospitaltwin.compare.paired.compare` of the policy against the scenario on common random
numbers, as ``hospitaltwin compare`` runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from hospitaltwin.config.load import read_scenario
from hospitaltwin.experiment.results import checksum
from hospitaltwin.store.connect import masked, normalise_url

BASELINE_WEEKS = 4  # weeks of history behind a backtest's hour-of-week baseline


@dataclass(frozen=True)
class RunSpec:
    """What a forecast or backtest worker needs (picklable)."""

    run_id: str
    store: str
    scenario: Path
    runs: Path
    horizon_h: float
    replications: int
    seed: int
    alerts: Path | None = None


def partial(runs: Path, run_id: str) -> Path:
    """The folder a run writes into before it is complete."""
    return runs / f".{run_id}.partial"


def _publish(runs: Path, run_id: str) -> str:
    """Rename a complete run's folder into place; its name relative to ``runs``."""
    os.replace(partial(runs, run_id), runs / run_id)
    return run_id


def discard_partial(runs: Path, run_id: str) -> None:
    """Remove what an interrupted run of this service wrote."""
    shutil.rmtree(partial(runs, run_id), ignore_errors=True)


def state_checksum(state) -> str:
    """SHA-256 of the state a run starts from (pseudonymous patients, units, times)."""
    rows = sorted((p.patient_id, p.unit, p.elapsed_h, tuple((d.kind, d.elapsed_h) for d in p.devices))
                  for p in state.patients)
    return hashlib.sha256(json.dumps([state.as_of.isoformat(), rows]).encode()).hexdigest()


def forecast_from_store(store, scenario, horizon_h: float, replications: int, seed: int | None):
    """The forecast ``hospitaltwin forecast`` makes from the store's latest state, with its
    default demand model (:func:`~hospitaltwin.forecast.history.forecast_from_history`).

    A scheduled forecast is never refused for a stale state: it runs, and its ``summary.json``
    says how old the state is and warns (``stale``, ``warnings``).
    """
    from hospitaltwin.forecast.history import ForecastOptions, forecast_from_history

    options = ForecastOptions(horizon_h=horizon_h, replications=replications, seed=seed, allow_stale=True)
    fc = forecast_from_history(scenario, store, None, options)
    return fc, fc.state


def run_forecast_job(spec: RunSpec) -> dict:
    """Forecast from the store's state now; write it as the CLI does; evaluate the alerts."""
    from hospitaltwin.forecast import write_forecast
    from hospitaltwin.service.alerts import evaluate, read_alerts
    from hospitaltwin.store import Store

    scenario = read_scenario(spec.scenario)
    with Store.open(spec.store) as store:
        fc, state = forecast_from_store(store, scenario, spec.horizon_h, spec.replications, spec.seed)
    sums = {str(spec.scenario): checksum(spec.scenario), "state": state_checksum(state),
            "store": masked(normalise_url(spec.store))}
    if spec.alerts is not None:
        sums[str(spec.alerts)] = checksum(spec.alerts)
    write_forecast(fc, partial(spec.runs, spec.run_id), sums)
    values = evaluate(read_alerts(spec.alerts, scenario.layout, spec.horizon_h), fc) \
        if spec.alerts is not None else {}
    return {"folder": _publish(spec.runs, spec.run_id), "as_of": state.as_of.isoformat(),
            "events": state.notes.get("events"), "checksums": sums, "alerts": values}


def run_backtest_job(spec: RunSpec, span_h: float = 7 * 24.0, every_h: float = 24.0) -> dict:
    """Score the last week's daily forecasts against what happened (as ``backtest``)."""
    from hospitaltwin.backtest import origins_between, run_backtest, write_backtest
    from hospitaltwin.backtest.baselines import WEEK_H, back_weeks
    from hospitaltwin.core.errors import HospitaltwinError
    from hospitaltwin.forecast.history import HISTORY_WEEKS
    from hospitaltwin.store import Store

    scenario = read_scenario(spec.scenario)
    horizon = min(spec.horizon_h, 7 * 24.0)
    weeks = BASELINE_WEEKS
    with Store.open(spec.store) as store:
        first, last = store.first_event_time(), store.last_event_time()
        if first is None:
            raise HospitaltwinError("the store holds no events yet")
        points = origins_between(first, last, span_h, every_h, horizon,
                                 WEEK_H * max(back_weeks(weeks, int(horizon)), HISTORY_WEEKS))
        if not points:
            raise HospitaltwinError(f"the store covers {first:%Y-%m-%d} to {last:%Y-%m-%d}: too "
                                    "short for a backtest yet")
        bt = run_backtest(scenario, store, points, horizon_h=horizon,
                          replications=spec.replications, seed=spec.seed, weeks=weeks)
    sums = {str(spec.scenario): checksum(spec.scenario), "store": masked(normalise_url(spec.store))}
    write_backtest(bt, partial(spec.runs, spec.run_id), sums)
    return {"folder": _publish(spec.runs, spec.run_id), "as_of": last.isoformat(),
            "events": None, "checksums": sums, "alerts": {}}


@dataclass(frozen=True)
class WhatIfSpec:
    """A what-if as ``compare SCENARIO --policy P [--store URL] --replications R --seed S``."""

    job_id: str
    scenario: Path
    policy: dict
    out: Path
    replications: int | None = None
    seed: int | None = None
    horizon: str | None = None
    store: str | None = None


def run_whatif_job(spec: WhatIfSpec) -> dict:
    """Compare the policy with the scenario on common random numbers, as ``hospitaltwin
    compare`` does (warm-started from the store when ``spec.store`` is given); the rows."""
    from hospitaltwin.compare.paired import compare
    from hospitaltwin.config.load import validate_model
    from hospitaltwin.config.policy import Policy
    from hospitaltwin.config.yamlio import SourceMap
    from hospitaltwin.experiment.replicate import with_run
    from hospitaltwin.store.start import provenance, warm_start

    policy = validate_model(Policy, spec.policy, SourceMap("policy"))
    scenario, state, store_url = warm_start(read_scenario(spec.scenario), spec.store)
    base = with_run(scenario, replications=spec.replications, seed=spec.seed,
                    horizon=spec.horizon)
    inputs = {str(spec.scenario): checksum(spec.scenario)} | provenance(state, store_url)
    result = compare(base, [policy], state=state, out=partial(spec.out, spec.job_id),
                     inputs=inputs)
    _publish(spec.out, spec.job_id)
    return {"rows": [_finite(r) for r in result.rows], "scenario": base.name,
            "replications": base.run.replications, "seed": base.run.seed,
            "start": state.as_of.isoformat() if state else "empty"}


def _finite(row: dict) -> dict:
    """A comparison row with NaN/inf as None (JSON has no NaN)."""
    import math

    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}

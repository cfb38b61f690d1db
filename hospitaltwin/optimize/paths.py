"""Demand paths from the twin: how many beds and devices patients would need, unconstrained.

Sample-average approximation needs scenarios of demand, not of congested occupancy (a full
unit hides the patients it turned away). The scenario is run with every capacity lifted —
beds and devices effectively unlimited, no staffing limit — from a warm-start state or after
a warmup, and each replication's hourly bed occupancy per unit and device use per pool
becomes one demand path. Replications are seeded named streams as everywhere, so a set of
paths is reproducible and fresh seeds give out-of-sample paths. From a synced state, the
arrivals follow the demand model the forecast fits to the store's recent history
(:func:`history_demand`): each path its own demand level and trend, as in the forecast, so
a plan is made for the demand the forecast shows rather than the scenario's fixed rates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from hospitaltwin.config.load import scenario_from_dict
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine import Replication, compile_scenario
from hospitaltwin.engine.compile import CompiledModel, PathSource, with_demand_paths
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.replicate import replicate, with_run

UNLIMITED = 100_000


@dataclass
class DemandPaths:
    """``beds[s, u, t]`` patients needing unit ``u`` and ``devices[s, p, t]`` devices of pool ``p``
    at hour ``t`` of path ``s``; ``hospital_of`` maps units and pools to their hospital."""

    units: list[str]
    pools: list[str]
    hospital_of: dict[str, str]
    origin: datetime
    beds: np.ndarray
    devices: np.ndarray

    @property
    def count(self) -> int:
        """Number of paths."""
        return self.beds.shape[0]

    def take(self, start: int, stop: int) -> DemandPaths:
        """Paths ``start .. stop - 1``."""
        return replace(self, beds=self.beds[start:stop], devices=self.devices[start:stop])

    def extended(self, more: DemandPaths) -> DemandPaths:
        """These paths followed by ``more`` (drawn over the same units, pools and hours)."""
        return replace(self, beds=np.concatenate([self.beds, more.beds]),
                       devices=np.concatenate([self.devices, more.devices]))

    def daily_peak(self, which: str = "beds") -> np.ndarray:
        """``[s, r, d]``: the largest hourly value of each day (24-hour blocks from the origin)."""
        values = getattr(self, which)
        days = values.shape[2] // 24
        return values[:, :, : days * 24].reshape(*values.shape[:2], days, 24).max(axis=3)


def unconstrained(scenario: Scenario) -> Scenario:
    """A copy of ``scenario`` with unlimited beds and devices and no staffing limit."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    layout = data["layout"]
    for unit in layout["units"].values():
        unit.update(beds=UNLIMITED, on_full="queue")
        unit.pop("overflow", None)
    for pool in layout.get("equipment", {}).values():
        pool["count"] = UNLIMITED
        pool.pop("team", None)
    layout["staff"] = {}
    data["changes"] = {"demand": data.get("changes", {}).get("demand", []), "beds": [], "staff": []}
    return scenario_from_dict(data, name=f"{scenario.name} (unconstrained)")


def _path(rep: Replication, model: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    census, equipment = rep.census, rep.equipment
    beds = np.stack([census["occupied"][census["unit"] == u.index] for u in model.units])
    devices = (np.stack([equipment["demand"][equipment["pool"] == p.index] for p in model.pools])
               if model.pools else np.zeros((0, beds.shape[1]), dtype=np.int64))
    return beds.astype(np.int32), devices.astype(np.int32)


def history_demand(scenario: Scenario, history, state: SystemState, horizon_h: float, seed: int,
                   model: str = "trend") -> PathSource | None:
    """The forecast's demand model fitted to ``history`` (the state store) before ``state``, as
    per-replication paths over ``horizon_h`` seeded ``seed``; ``None`` for ``model`` ``scenario``
    (the scenario's rates as they are)."""
    from hospitaltwin.forecast.history import ForecastOptions, demand_from_history

    if model == "scenario":
        return None
    options = ForecastOptions(horizon_h=horizon_h, demand=model)
    return demand_from_history(scenario, history, state, options, seed)


def demand_paths(scenario: Scenario, *, paths: int, horizon_h: float, seed: int,
                 state: SystemState | None = None, workers: Workers = 1, first: int = 0,
                 demand: PathSource | None = None) -> DemandPaths:
    """``paths`` demand paths over ``horizon_h`` hours (after the scenario's warmup when
    starting empty; from ``state`` when given).

    The paths are replications ``first .. first + paths - 1`` of ``seed``: paths drawn with
    another ``first`` and no overlap are independent of these (fresh paths for a test of a
    plan made on these), and a set drawn in two parts equals the set drawn at once. ``demand``
    (from a state only) gives each replication its own demand path (:func:`history_demand`)."""
    free = unconstrained(scenario)
    if state is None:
        warm = free.run.warmup
        spec = with_run(free, horizon=f"{warm + horizon_h}h", replications=paths, seed=seed)
        model, skip = compile_scenario(spec), int(round(warm))
    else:
        from hospitaltwin.store.start import from_state

        spec = with_run(from_state(free, state, horizon_h), replications=paths, seed=seed)
        model, skip = compile_scenario(spec), 0
        if demand is not None:
            model = with_demand_paths(model, demand.rows(first + paths))
    beds, devices = zip(*replicate(model, seed, paths, workers=workers, state=state, first=first,
                                   reduce=_path))
    layout = scenario.layout
    hospital_of = {u: layout.hospital_of(u) for u in layout.units}
    hospital_of.update({p: (layout.equipment[p].hospital or "main") for p in layout.equipment})
    from datetime import timedelta

    return DemandPaths(list(layout.units), list(layout.equipment), hospital_of,
                       model.origin + timedelta(hours=skip),
                       np.stack(beds)[:, :, skip:], np.stack(devices)[:, :, skip:])

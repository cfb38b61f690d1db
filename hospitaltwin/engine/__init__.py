"""The simulation engine: a compiled scenario + a start state + seeded streams -> records.

The engine knows nothing of files, stores, the CLI or reports. :func:`simulate` runs one
replication and returns its tidy tables and KPIs; :mod:`hospitaltwin.experiment.replicate` runs many.
"""

from __future__ import annotations

from dataclasses import dataclass

from hospitaltwin.core.frame import Frame
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import CompiledModel, compile_scenario
from hospitaltwin.engine.kpis import replication_kpis
from hospitaltwin.engine.loop import collector_paused
from hospitaltwin.engine.model import Simulation
from hospitaltwin.engine.realise import Realisation, realise
from hospitaltwin.engine.tables import census_frame, devices_frame, equipment_frame, stays_frame
from hospitaltwin.engine.warmstart import StartPlan, place_state, plan_start


@dataclass
class Replication:
    """One replication's tables (times in hours from the start) and KPI rows."""

    replication: int
    stays: Frame
    devices: Frame
    census: Frame
    equipment: Frame
    kpis: list[tuple[str, str, str, float]]
    realised: Realisation


def run_replication(model: CompiledModel, seed: int, replication: int,
                    state: SystemState | StartPlan | None = None) -> Simulation:
    """Simulate one replication and return the finished simulation (raw records). ``state``
    may be given laid out already (:func:`plan_start`), as replications of one run share it."""
    with collector_paused():
        sim = Simulation(model, realise(model, seed, replication), seed, replication)
        if state is not None:
            place_state(sim, state)
        sim.run()
    return sim


def simulate(model: CompiledModel, seed: int, replication: int,
             state: SystemState | StartPlan | None = None, tables: bool = True, kpis: bool = True,
             stay_columns: tuple[str, ...] | None = None) -> Replication:
    """Simulate one replication; build its tables (``tables=False`` skips hourly ones, ``kpis=False``
    the KPIs; ``stay_columns`` builds only those columns of ``stays``, for a caller that reads
    no others and asks for neither hourly tables nor KPIs)."""
    with collector_paused():
        sim = run_replication(model, seed, replication, state)
        realised = sim.realised
        stays = stays_frame(sim.rows, model, replication, stay_columns)
        devices = devices_frame(sim.device_rows, model, replication)
        del sim  # the raw records, before the tables are built
        census = census_frame(stays, realised, model, replication) if tables else Frame({})
        equipment = equipment_frame(devices, realised, model, replication) if tables else Frame({})
        rows = replication_kpis(stays, devices, realised, model) if kpis else []
    return Replication(replication, stays, devices, census, equipment, rows, realised)


__all__ = ["CompiledModel", "Replication", "StartPlan", "compile_scenario", "plan_start", "run_replication",
           "simulate"]

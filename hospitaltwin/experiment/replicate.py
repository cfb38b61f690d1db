"""Run a scenario's replications, locally or on a Dask cluster, and aggregate them.

Replications are handed to an executor (:mod:`hospitaltwin.experiment.executors`: local
processes by default). Replication ``r`` depends only on the root seed and ``r`` (named
streams), so the results are identical whatever the number of workers or where they run; they
are consumed in replication order and written as they arrive, so memory does not grow with
the number of replications. Overrides from the command line (horizon, seed, replications) are
applied to a copy of the scenario and the resolved copy is what the manifest records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from hospitaltwin.config.checks import check_size
from hospitaltwin.config.scenario import RunSpec, Scenario
from hospitaltwin.config.yamlio import SourceMap
from hospitaltwin.core.errors import ConfigError, HospitaltwinError, shorten
from hospitaltwin.core.frame import Frame
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine import CompiledModel, Replication, compile_scenario
from hospitaltwin.engine.compile import PathSource, with_demand_paths
from hospitaltwin.experiment.executors import Workers, executor_for
from hospitaltwin.experiment.executors.job import ReplicationJob
from hospitaltwin.experiment.hazards import hazards
from hospitaltwin.experiment.results import ResultWriter, manifest
from hospitaltwin.experiment.summary import kpi_summary

@dataclass
class RunResult:
    """What a run returns: KPI rows of every replication, their summary, where files went."""

    scenario: Scenario
    kpis: Frame
    summary: dict
    out: Path | None


def with_run(scenario: Scenario, **overrides) -> Scenario:
    """A copy of ``scenario`` with run settings replaced (``None`` values are ignored)."""
    changes = {k: v for k, v in overrides.items() if v is not None}
    if not changes:
        return scenario
    data = scenario.run.model_dump(mode="json", by_alias=True)
    data.update(changes)
    try:
        run = RunSpec.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise HospitaltwinError(f"invalid run settings: {reasons}") from None
    changed = scenario.model_copy(update={"run": run})
    problems = check_size(changed, SourceMap(f"scenario '{shorten(scenario.name, 60)}'"))
    if problems:
        raise ConfigError(problems)
    return changed


def replicate(model: CompiledModel, seed: int, replications: int, *, workers: Workers = 1,
              state: SystemState | None = None, tables: bool = True, first: int = 0,
              reduce: Callable[[Replication, CompiledModel], object] | None = None,
              stay_columns: tuple[str, ...] | None = None) -> Iterator:
    """Yield replications ``first .. first+replications-1`` in order.

    ``workers`` is a number of local processes or an executor (a Dask cluster): the one
    place where replications are handed out. With ``reduce`` (a module-level function), each
    worker returns ``reduce(replication, model)`` instead of the replication: only what the
    caller aggregates crosses processes; ``stay_columns`` limits the ``stays`` it is given to
    the columns it reads (see :func:`~hospitaltwin.engine.simulate`).
    """
    job = ReplicationJob(model, seed, state, tables, reduce, stay_columns)
    yield from executor_for(workers).map(job, range(first, first + replications))


def run_scenario(scenario: Scenario, *, workers: Workers = 1, out: Path | None = None,
                 state: SystemState | None = None, inputs: dict[str, str] | None = None,
                 progress: Callable[[int], None] | None = None, tables: bool = True,
                 on_replication: Callable[[Replication, CompiledModel], None] | None = None,
                 force: bool = False, demand: PathSource | None = None) -> RunResult:
    """Run every replication of ``scenario``; write results to ``out`` when given.

    ``demand`` gives each replication its own demand path (a demand model fitted to the
    store's history); without it the scenario's rates hold.

    ``out`` is checked before anything runs and written as a folder the tool owns
    (:class:`~hospitaltwin.core.outputs.ResultFolder`; ``force`` writes beside foreign files).
    """
    run = scenario.run
    if run.start != "empty" and state is None:
        raise HospitaltwinError(
            f"scenario '{scenario.name}' starts from a state store ({run.start.store}); "
            "start it with hospitaltwin.store.start.warm_start, or set run.start to 'empty' with a warmup")
    model = compile_scenario(scenario)
    if demand is not None:
        model = with_demand_paths(model, demand.rows(run.replications))
    writer = ResultWriter(out, scenario.name, force=force) if out is not None else None
    kpi_rows: list[tuple] = []
    try:
        for rep in replicate(model, run.seed, run.replications, workers=workers, state=state, tables=tables):
            kpi_rows += [(scenario.name, rep.replication, *row) for row in rep.kpis]
            if writer is not None:
                for name in ("stays", "census", "equipment", "devices"):
                    writer.append(name, getattr(rep, name))
            if on_replication is not None:
                on_replication(rep, model)
            if progress is not None:
                progress(rep.replication)
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    kpis = kpi_frame(kpi_rows)
    summary = {"scenario": scenario.name, "replications": run.replications, "seed": run.seed,
               "horizon_h": run.horizon, "warmup_h": run.warmup,
               **kpi_summary(row[2:] for row in kpi_rows), **hazards(scenario, model)}
    written = None
    if writer is not None:
        resolved = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        info = manifest("run", resolved, run.seed, run.replications, inputs or {},
                        {"origin": run.origin.isoformat(), "time_unit": "hours from origin"})
        written = writer.finish(kpis, summary, info)
    return RunResult(scenario, kpis, summary, written)


def kpi_frame(rows: list[tuple]) -> Frame:
    """Long KPI rows ``(scenario, replication, scope, name, kpi, value)`` as a table."""
    columns = list(zip(*rows)) if rows else [()] * 6
    coded, categories = {}, {}
    for key, values in zip(("scenario", "scope", "name", "kpi"), (columns[0], *columns[2:5])):
        labels = list(dict.fromkeys(values))
        lookup = {label: i for i, label in enumerate(labels)}
        coded[key] = np.array([lookup[v] for v in values], dtype=np.int64)
        categories[key] = labels
    return Frame({"scenario": coded["scenario"], "replication": np.array(columns[1], dtype=np.int32),
                  "scope": coded["scope"], "name": coded["name"], "kpi": coded["kpi"],
                  "value": np.array(columns[5], dtype=float)}, categories)

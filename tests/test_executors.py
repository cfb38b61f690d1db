"""The replication executors without a cluster: batch sizing, ordering, and clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.engine import compile_scenario
from hospitaltwin.experiment.executors import executor_for, replication_executor
from hospitaltwin.experiment.executors.batching import BatchPlanner, InOrder
from hospitaltwin.experiment.executors.job import ReplicationJob
from hospitaltwin.experiment.executors.local import LocalProcesses
from hospitaltwin.experiment.replicate import with_run
from hospitaltwin.forecast.summarise import summarise

ROOT = Path(__file__).resolve().parent.parent


def _batches(planner: BatchPlanner, seconds_per_replication: float) -> list[tuple[int, int]]:
    out = []
    while (batch := planner.take()) is not None:
        out.append(batch)
        planner.observe(batch[1], batch[1] * seconds_per_replication)
    return out


def test_batches_cover_every_replication_once_in_order():
    batches = _batches(BatchPlanner(range(7, 1007), threads=4, target_s=0.5), 0.01)
    numbers = [r for first, count in batches for r in range(first, first + count)]
    assert numbers == list(range(7, 1007))


def test_a_task_holds_about_the_target_time_of_work_and_the_tail_stays_balanced():
    sizes = [
        count for _, count in _batches(BatchPlanner(range(5000), threads=4, target_s=0.5), 0.01)
    ]
    assert sizes[0] == 1, "nothing is timed before the first task"
    assert max(sizes) == 50, "0.5 s of 10 ms replications"
    assert sizes[-8:] == [1] * 8, "the last replications go one per task, two per thread"


def test_cheap_replications_are_capped_and_slow_ones_go_one_by_one():
    cheap = [
        c
        for _, c in _batches(
            BatchPlanner(range(10_000), threads=2, target_s=0.5, max_batch=64), 1e-5
        )
    ]
    slow = [c for _, c in _batches(BatchPlanner(range(100), threads=2, target_s=0.5), 2.0)]
    assert max(cheap) == 64 and set(slow) == {1}


def test_results_are_released_in_batch_order_whatever_order_they_arrive_in():
    order = InOrder()
    order.store(2, ["e"])
    order.store(1, ["c", "d"])
    assert order.complete_through == 0 and list(order.release()) == []
    order.store(0, ["a", "b"])
    assert order.complete_through == 3
    assert list(order.release()) == ["a", "b", "c", "d", "e"]
    assert len(order) == 0 and order.released == 3


def test_local_processes_give_the_serial_results():
    scenario = with_run(read_scenario(ROOT / "scenarios/one-unit.yaml"), horizon="60d", warmup="0h")
    job = ReplicationJob(compile_scenario(scenario), 3, reduce=summarise)
    serial = list(executor_for(1).map(job, range(2, 8)))
    pooled = list(LocalProcesses(2).map(job, range(2, 8)))
    assert [s.replication for s in pooled] == list(range(2, 8))
    assert all((a.level == b.level).all() for a, b in zip(serial, pooled))


def test_a_scheduler_address_without_a_scheme_is_refused_clearly():
    pytest.importorskip("distributed")
    with (
        pytest.raises(HospitaltwinError, match=r"tcp://HOST:PORT"),
        replication_executor(1, "localhost:8786"),
    ):
        pass


def test_without_distributed_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with (
        pytest.raises(HospitaltwinError, match=r"hospitaltwin\[dask\]"),
        replication_executor(1, "tcp://127.0.0.1:8786"),
    ):
        pass

"""Replications on a real Dask cluster on loopback: the same bytes as one local process.

A ``dask scheduler`` and two ``dask worker`` processes (one thread each, ephemeral ports on
127.0.0.1) are started for the module. A forecast and a policy comparison run there must
write byte-identical ``forecast.csv`` / ``daily.csv`` / ``summary.json`` and
``comparison.csv`` / ``summary.json`` to ``--workers 1``; a third worker killed while it runs
replications of a forecast must not change the forecast either.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import app

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

from hospitaltwin.experiment.executors.loopback import LoopbackCluster  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
KEY = {"HOSPITALTWIN_PSEUDONYM_KEY": "test-key-0123456789abcdef"}
SCENARIO = """\
name: community-sample
layout: {root}/layouts/community-150.yaml
demand: {root}/scenarios/demand/community-150.yaml
run: {{horizon: 30d, warmup: 10d, replications: 2, seed: 1}}
"""
FORECAST_FILES = ("forecast.csv", "daily.csv", "summary.json")


@pytest.fixture(scope="module")
def cluster():
    with LoopbackCluster(workers=2, threads=1, timeout_s=120) as running:
        yield running


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    work = tmp_path_factory.mktemp("dask-store")
    url = f"sqlite:///{work / 'twin.db'}"
    synced = runner.invoke(
        app,
        [
            "sync",
            str(ROOT / "samples/community-adt.csv.gz"),
            "--map",
            str(ROOT / "samples/community-units.yaml"),
            "--timezone",
            "America/Chicago",
            "--store",
            url,
        ],
        env=KEY,
    )
    assert synced.exit_code == 0, synced.output
    scenario = work / "scenario.yaml"
    scenario.write_text(SCENARIO.format(root=ROOT))
    return url, scenario


def _forecast_args(store, out: Path, replications: int, horizon: str) -> list[str]:
    url, scenario = store
    return [
        "forecast",
        "--store",
        url,
        "--scenario",
        str(scenario),
        "--horizon",
        horizon,
        "--replications",
        str(replications),
        "--seed",
        "5",
        "--at",  # a fixed time: the state's age is then not measured against the wall clock,
        "2025-07-06T23:00",  # which would differ between two runs a minute apart
        "--out",
        str(out),
    ]


def _same_bytes(one: Path, other: Path, names) -> None:
    for name in names:
        assert (one / name).read_bytes() == (other / name).read_bytes(), f"{name} differs"


def test_a_forecast_on_the_cluster_is_byte_identical_to_one_local_process(cluster, store, tmp_path):
    local = runner.invoke(
        app, [*_forecast_args(store, tmp_path / "local", 24, "2d"), "--workers", "1"]
    )
    assert local.exit_code == 0, local.output
    remote = runner.invoke(
        app, [*_forecast_args(store, tmp_path / "dask", 24, "2d"), "--scheduler", cluster.address]
    )
    assert remote.exit_code == 0, remote.output
    _same_bytes(tmp_path / "local", tmp_path / "dask", FORECAST_FILES)


def test_a_comparison_on_the_cluster_named_by_the_environment_is_byte_identical(cluster, tmp_path):
    args = [
        "compare",
        str(ROOT / "scenarios/one-unit.yaml"),
        "--policy",
        str(ROOT / "scenarios/policies/one-unit-plus4.yaml"),
        "--replications",
        "12",
        "--horizon",
        "200d",
    ]
    local = runner.invoke(
        app,
        [*args, "--workers", "1", "--out", str(tmp_path / "local")],
        env={"HOSPITALTWIN_DASK_SCHEDULER": ""},
    )
    assert local.exit_code == 0, local.output
    remote = runner.invoke(
        app,
        [*args, "--out", str(tmp_path / "dask")],
        env={"HOSPITALTWIN_DASK_SCHEDULER": cluster.address},
    )
    assert remote.exit_code == 0, remote.output
    _same_bytes(tmp_path / "local", tmp_path / "dask", ("comparison.csv", "summary.json"))


def _replications_running_on(client, name: str) -> bool:
    workers = client.scheduler_info(n_workers=-1)["workers"]
    address = next((a for a, w in workers.items() if w.get("name") == name), None)
    keys = client.processing().get(address, ()) if address else ()
    return any(str(k).startswith("hospitaltwin-replications") for k in keys)


@pytest.mark.slow
def test_a_worker_killed_mid_forecast_does_not_change_it(cluster, store, tmp_path):
    local = runner.invoke(
        app, [*_forecast_args(store, tmp_path / "local", 60, "4d"), "--workers", "1"]
    )
    assert local.exit_code == 0, local.output
    cluster.add_worker("doomed")
    command = [
        sys.executable,
        "-m",
        "hospitaltwin",
        *_forecast_args(store, tmp_path / "dask", 60, "4d"),
        "--scheduler",
        cluster.address,
    ]
    forecast = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with distributed.Client(cluster.address, set_as_default=False) as client:
        deadline = time.monotonic() + 120
        while not _replications_running_on(client, "doomed"):
            assert forecast.poll() is None, (
                "the forecast ended before the doomed worker ran anything"
            )
            assert time.monotonic() < deadline, "the doomed worker was never given replications"
            time.sleep(0.02)
        cluster.kill("doomed")
    output, _ = forecast.communicate(timeout=300)
    assert forecast.returncode == 0, output
    _same_bytes(tmp_path / "local", tmp_path / "dask", FORECAST_FILES)
    assert "doomed" not in cluster.worker_names()

"""A throwaway Dask cluster on this machine: a scheduler and workers as local processes.

:class:`LoopbackCluster` starts ``dask scheduler`` and ``dask worker`` (the command-line tools
that come with ``distributed``) on 127.0.0.1 with ephemeral ports, waits until the workers
have joined, and stops every process it started when the ``with`` block ends. The tests
and ``benchmarks/bench_scale.py`` use it; it is also the quickest way to try ``--scheduler``
before a real cluster exists. Each process runs in its own session so that a worker can be
killed outright (:meth:`LoopbackCluster.kill`), as a lost machine would be.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

from hospitaltwin.core.errors import HospitaltwinError

START_TIMEOUT_S = 120.0


def dask_command() -> str:
    """The ``dask`` command of this Python environment (or the one on PATH)."""
    beside = Path(sys.executable).with_name("dask")
    found = str(beside) if beside.exists() else shutil.which("dask")
    if found is None:
        raise HospitaltwinError(
            "the 'dask' command is not installed: pip install 'hospitaltwin[dask]'"
        )
    return found


class LoopbackCluster:
    """``workers`` Dask workers of ``threads`` threads each, and their scheduler, on loopback."""

    def __init__(self, workers: int = 2, threads: int = 1, timeout_s: float = START_TIMEOUT_S):
        self.workers, self.threads, self.timeout_s = workers, threads, timeout_s
        self.processes: dict[str, subprocess.Popen] = {}
        self.folder = Path(tempfile.mkdtemp(prefix="hospitaltwin-dask-"))
        self.address = ""

    def __enter__(self) -> Self:
        try:
            self._start_scheduler()
            for i in range(self.workers):
                self.add_worker(f"worker-{i}", wait=False)
            self.wait_for_workers(self.workers)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [dask_command(), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.folder,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def _start_scheduler(self) -> None:
        file = self.folder / "scheduler.json"
        self._spawn(
            "scheduler",
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
        )
        self.address = json.loads(self._wait_for(file).read_text())["address"]

    def _wait_for(self, file: Path) -> Path:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if file.exists() and file.stat().st_size > 0:
                try:
                    json.loads(file.read_text())
                    return file
                except ValueError:
                    pass
            if self.processes["scheduler"].poll() is not None:
                break
            time.sleep(0.1)
        raise HospitaltwinError(
            f"the Dask scheduler did not start; see {self.folder / 'scheduler.log'}"
        )

    def add_worker(self, name: str, wait: bool = True) -> subprocess.Popen:
        """Start one more worker called ``name`` (and wait until it has joined)."""
        process = self._spawn(
            name,
            [
                "worker",
                self.address,
                "--name",
                name,
                "--nthreads",
                str(self.threads),
                "--nworkers",
                "1",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                "--local-directory",
                str(self.folder / name),
            ],
        )
        if wait:
            self.wait_for_workers(len(self.worker_names()))
        return process

    def worker_names(self) -> list[str]:
        """The workers started and still running."""
        return [n for n, p in self.processes.items() if n != "scheduler" and p.poll() is None]

    def wait_for_workers(self, count: int) -> None:
        """Block until ``count`` workers have joined the scheduler."""
        from distributed import Client

        with Client(self.address, timeout=f"{self.timeout_s}s", set_as_default=False) as client:
            client.wait_for_workers(count, timeout=self.timeout_s)

    def kill(self, name: str) -> None:
        """Kill worker ``name`` and its nanny at once (SIGKILL), as if its machine were lost."""
        process = self.processes[name]
        _signal(process, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        """Stop every process this cluster started (workers first) and remove its folder."""
        for name in [*self.worker_names(), "scheduler"]:
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                _signal(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL)
                process.wait(timeout=20)
        shutil.rmtree(self.folder, ignore_errors=True)


def _signal(process: subprocess.Popen, signum: int) -> None:
    """Send ``signum`` to the session ``process`` leads (it and its children), if still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)

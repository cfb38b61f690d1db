"""Fixtures of the service tests: stores on SQLite (and PostgreSQL when configured), the real
server started as a subprocess on loopback with ephemeral ports, and users with tokens."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.store.conftest import PG_ENV, Stores

KEY = "test-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "community-baseline.yaml"
READY = re.compile(r"ready: (https?://[^ ]+) mllp=(\S+)")


def backends() -> list:
    """SQLite always; PostgreSQL when a server is configured (as ``.ci/run`` does), in the
    slow set: the server tests are long, and CI runs the slow set too."""
    if not os.environ.get(PG_ENV):
        return ["sqlite"]
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


@pytest.fixture(params=backends())
def store_url(request, tmp_path):
    """The URL of a fresh, empty store."""
    made = Stores(request.param, tmp_path)
    yield made.url()
    made.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"])
def quick_store_url(request, tmp_path):
    """A fresh store for in-process tests, quick on both backends."""
    made = Stores(request.param, tmp_path)
    yield made.url()
    made.cleanup()


@pytest.fixture(scope="module", params=backends())
def module_store_url(request, tmp_path_factory):
    """The same, shared by a module's tests."""
    made = Stores(request.param, tmp_path_factory.mktemp("stores"))
    yield made.url()
    made.cleanup()


def environment() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSPITALTWIN_PSEUDONYM")}
    env["HOSPITALTWIN_PSEUDONYM_KEY"] = KEY
    return env


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``hospitaltwin ARGS`` with the test key."""
    return subprocess.run([sys.executable, "-m", "hospitaltwin", *args], input=stdin, check=False,
                          capture_output=True, text=True, env=environment(), timeout=120)


def add_user(url: str, name: str, role: str, password: str = "correct horse battery") -> str:
    """Create a user (as ``hospitaltwin users add`` does) and return a new API token."""
    from hospitaltwin.service.auth import create_user, issue_token
    from hospitaltwin.store import Store

    with Store.open(url) as store:
        create_user(store.engine, name, role, password)
        return issue_token(store.engine, name)


class Server:
    """``hospitaltwin serve`` as a subprocess on loopback."""

    def __init__(self, url: str, folder: Path, *extra: str, mllp: bool = True,
                 scenario: Path = SCENARIO):
        self.url, self.folder, self.log = url, folder, folder / f"serve-{time.time_ns()}.log"
        args = ["serve", "--store", url, "--scenario", str(scenario), "--http", "127.0.0.1:0",
                "--runs", str(folder / "runs"), "--replications", "20", *extra]
        if mllp:
            args += ["--mllp", "127.0.0.1:0"]
        with open(self.log, "w") as handle:
            self.process = subprocess.Popen([sys.executable, "-m", "hospitaltwin", *args],
                                            stdout=handle, stderr=subprocess.STDOUT,
                                            env=environment())
        self.http, self.mllp_port = self._ready()

    def _ready(self, timeout: float = 60.0) -> tuple[str, int | None]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = READY.search(self.log.read_text())
            if found:
                mllp = found.group(2)
                return found.group(1), None if mllp == "off" else int(mllp.rsplit(":", 1)[1])
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}:\n{self.text()}")
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"server not ready in {timeout} s:\n{self.text()}")

    def text(self) -> str:
        return self.log.read_text()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.http, headers=headers, timeout=60)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 90) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)


def wait_for(check, timeout: float, every: float = 0.25, what: str = "condition"):
    """Poll ``check()`` until it returns something true; that value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")

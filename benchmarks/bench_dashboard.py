"""Dashboard pages and a what-if on the 600-bed academic example, on loopback.

Builds a store from a simulated event log of ``scenarios/academic-baseline.yaml`` (60 days),
starts ``hospitaltwin serve`` on it (7-day forecasts of 20 replications, 2 what-if workers),
then measures in headless Chromium how long each page takes until its numbers or charts are
drawn (cold: first visit, and warm: plotly.js cached), and how long a what-if of 20
replications over 60 days takes from the form's submit to its sentences. The baseline, measured
in the same run, is the time to fetch ``/api/v1/health``; the machine's load average is
printed with the figures, because this machine is shared.

    python benchmarks/bench_dashboard.py [--replications 20] [--days 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dashboard.conftest import Browser  # noqa: E402
from tests.service.conftest import KEY, Server, add_user, cli, wait_for  # noqa: E402

SCENARIO = ROOT / "scenarios" / "academic-baseline.yaml"
PAGES = {"/": "() => document.querySelectorAll('#units .tile').length >= "
              "JSON.parse(document.getElementById('units').dataset.layout).length",
         "/forecast/MICU": "() => document.body.getAttribute('data-loaded') === '1'",
         "/whatif": "() => document.querySelector('#whatif') !== null",
         "/downloads": "() => document.querySelector('#downloads a') !== null"}


def build_store(folder: Path) -> str:
    """A store holding 60 simulated days of the academic hospital's events."""
    events = folder / "events.csv.gz"
    done = cli("run", str(SCENARIO), "-r", "1", "--horizon", "90d", "--out",
               str(folder / "history"), "--events-out", str(events))
    assert done.returncode == 0, done.stderr
    url = f"sqlite:///{folder / 'twin.db'}"
    done = cli("sync", str(events), "--store", url)
    assert done.returncode == 0, done.stderr
    return url


def timed_page(browser: Browser, base: str, path: str, ready: str) -> float:
    start = time.perf_counter()
    browser.page.goto(base + path)
    browser.page.wait_for_function(ready, timeout=60_000)
    return time.perf_counter() - start


def health_time(base: str, n: int = 20) -> float:
    with httpx.Client(base_url=base) as client:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            client.get("/api/v1/health")
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def whatif_time(browser: Browser, base: str, replications: int, days: int) -> tuple[float, str]:
    page = browser.page
    page.goto(base + "/whatif")
    for _ in range(4):
        page.click("button[data-for='beds-MICU'][data-step='1']")
    page.fill("#reps", str(replications))
    page.fill("#days", str(days))
    start = time.perf_counter()
    page.click("#run-whatif")
    page.wait_for_selector("#answer:not([hidden])", timeout=600_000)
    took = time.perf_counter() - start
    return took, page.locator("#changes li").first.inner_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    os.environ["HOSPITALTWIN_PSEUDONYM_KEY"] = KEY
    url = build_store(folder)
    token = add_user(url, "analyst", "analyst", "correct horse battery")
    server = Server(url, folder, "--horizon", "7d", "--whatif-workers", "2", mllp=False,
                    scenario=SCENARIO)
    try:
        with httpx.Client(base_url=server.http, timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            wait_for(lambda: client.get("/api/v1/forecasts/latest").status_code == 200, 600,
                     what="the first forecast")
        baseline = health_time(server.http)
        with sync_playwright() as playwright:
            browser = Browser(playwright.chromium, folder / "profile")
            browser.login(server.http, "analyst")
            print(f"load average {os.getloadavg()[0]:.1f} (2 cores); /api/v1/health "
                  f"{1000 * baseline:.1f} ms (baseline)")
            for visit in ("cold", "warm", "warm"):
                for path, ready in PAGES.items():
                    took = timed_page(browser, server.http, path, ready)
                    print(f"{visit:5s} {path:16s} {1000 * took:7.0f} ms  "
                          f"({took / baseline:,.0f} x baseline)")
            took, sentence = whatif_time(browser, server.http, args.replications, args.days)
            print(f"what-if, {args.replications} replications x {args.days} days, 2 workers: "
                  f"{took:.1f} s (load average {os.getloadavg()[0]:.1f})")
            print(f"  {sentence}")
            browser.close()
    finally:
        server.stop()
        server.kill()


if __name__ == "__main__":
    main()

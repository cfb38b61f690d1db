"""MLLP feed benchmark: sustained throughput and ACK latency of ``hospitaltwin serve``.

Starts the real service on loopback with a fresh SQLite store (or ``--store URL``) and sends
synthetic ADT messages (``tests/service/adt.py``) over MLLP:

1. **Throughput**: ``--messages`` messages from 4 connections, each keeping 64 un-ACKed;
   messages per second from the first send to the last ACK (every ACK after its commit).
2. **Latency**: once the service has judged the first part's events, 200 messages/s
   (4 connections x 50/s, each waiting for every ACK, as MLLP senders usually do) for
   ``--seconds``; p50, p95 and p99 of the ACK round trip.

Baseline, measured in the same run: ``hospitaltwin sync`` of the throughput messages from one
file into a fresh store (the batch path the feed must keep up with). Targets: >= 1,000
messages/s sustained into SQLite; p99 < 100 ms at 200 messages/s.

    python benchmarks/bench_mllp.py [--messages 20000] [--seconds 20] [--store URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.service.adt import streams  # noqa: E402
from tests.service.mllp_client import Sent, send  # noqa: E402

KEY = "bench-key-0123456789abcdef"
READY = re.compile(r"ready: (http://[^ ]+) mllp=127\.0\.0\.1:(\d+)")


def start(store: str, folder: Path) -> tuple[subprocess.Popen, int, str]:
    log = folder / "serve.log"
    env = dict(os.environ, HOSPITALTWIN_PSEUDONYM_KEY=KEY)
    args = [sys.executable, "-m", "hospitaltwin", "serve", "--store", store, "--scenario",
            str(ROOT / "scenarios" / "community-baseline.yaml"), "--http", "127.0.0.1:0",
            "--mllp", "127.0.0.1:0", "--forecast-every", "24h", "--runs", str(folder / "runs")]
    with open(log, "w") as handle:
        process = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, env=env)
    for _ in range(600):
        found = READY.search(log.read_text())
        if found:
            return process, int(found.group(2)), found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the service did not start:\n{log.read_text()}")


async def throughput(port: int, per: list[list[str]]) -> float:
    began = time.perf_counter()
    results = await asyncio.gather(*(send("127.0.0.1", port, s, ahead=64) for s in per))
    elapsed = time.perf_counter() - began
    acked = sum(len(r.codes) for r in results)
    if acked != sum(map(len, per)):
        raise SystemExit(f"only {acked} of {sum(map(len, per))} messages were acknowledged")
    return acked / elapsed


async def latency(port: int, per: list[list[str]], rate: float) -> list[float]:
    results = await asyncio.gather(*(send("127.0.0.1", port, s, ahead=1, rate=rate / len(per),
                                          sent=Sent()) for s in per))
    return [t for r in results for t in r.seconds.values()]


def caught_up(http: str, timeout: float = 300.0) -> None:
    """Wait until the service has judged every stored event (steady state before pacing)."""
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if httpx.get(f"{http}/api/v1/health").json()["pending_events"] == 0:
            return
        time.sleep(0.5)
    raise SystemExit("the service did not catch up with judging the new events")


def sync_baseline(messages: list[str], folder: Path) -> float:
    path = folder / "all.hl7"
    path.write_text("".join(m.replace("\r", "\n") + "\n\n" for m in messages))
    env = dict(os.environ, HOSPITALTWIN_PSEUDONYM_KEY=KEY)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hospitaltwin", "sync", str(path), "--store",
                    str(folder / "baseline.db"), "--format", "hl7"], check=True, env=env,
                   capture_output=True)
    return len(messages) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = args.store or f"sqlite:///{folder / 'twin.db'}"
        patients = int(args.messages * 2 / 3.3) + 400  # 8 streams: 4 bulk, 4 paced
        per = streams(patients, 8, seed=3)
        bulk = [s[: args.messages // 4] for s in per[:4]]
        paced = [s[: int(args.seconds * args.rate / 4)] for s in per[4:]]
        process, port, http = start(store, folder)
        try:
            rate = asyncio.run(throughput(port, bulk))
            caught_up(http)
            times = sorted(asyncio.run(latency(port, paced, args.rate)))
        finally:
            process.terminate()
            process.wait(60)
        baseline = sync_baseline([m for s in bulk for m in s], folder)
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    p99 = times[int(0.99 * (len(times) - 1))]
    print(f"throughput: {rate:,.0f} messages/s over MLLP into {store.split(':')[0]} "
          f"({sum(map(len, bulk)):,} messages, 4 connections); target >= 1,000")
    print(f"baseline  : {baseline:,.0f} messages/s by `sync` of the same messages from a file; "
          f"ratio live/baseline {rate / baseline:.2f}")
    print(f"latency at {args.rate:.0f} messages/s ({len(times):,} messages): p50 {p50 * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; target p99 < 100 ms")


if __name__ == "__main__":
    main()

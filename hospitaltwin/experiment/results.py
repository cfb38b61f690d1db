"""Write a run's results: Parquet tables appended replication by replication, plus JSON.

A result directory holds ``stays``, ``census``, ``equipment``, ``devices`` and ``kpis``
Parquet files (each with ``scenario`` and ``replication`` columns), ``summary.json`` (mean and
95% CI of every KPI, the stable interface scripts read) and ``manifest.json`` (the fully
resolved scenario, seed, package versions and input checksums). Tables are streamed to disk as
replications finish, so memory stays flat however many replications run. Files are written
into a private staging folder and moved into place at the end (:mod:`hospitaltwin.core.outputs`):
an interrupted run leaves no half-written result, and nothing the tool did not write is deleted.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from hospitaltwin.core.frame import Frame
from hospitaltwin.core.outputs import ResultFolder
from hospitaltwin.experiment.result_format import RESULT_FORMAT

TABLES = ("stays", "census", "equipment", "devices")
PACKAGES = ("hospitaltwin", "simpy", "numpy", "scipy", "pandas", "pyarrow", "pydantic")


class TableWriter:
    """Append DataFrames with one schema to a Parquet file, one row group per replication."""

    def __init__(self, path: Path, scenario: str):
        self.path, self.scenario, self._writer = path, scenario, None

    def append(self, frame: Frame) -> None:
        if not frame.columns:
            return
        table = frame.to_arrow({"scenario": self.scenario})
        if self._writer is None:
            # Dictionary encoding only where it pays (the labelled columns): trying it on every
            # float column cost a third of the writing time and made the files larger.
            coded = ["scenario", *frame.categories]
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd",
                                            compression_level=1, use_dictionary=coded)
        self._writer.write_table(table)

    def close(self) -> bool:
        """Close the file; return whether anything was written."""
        if self._writer is None:
            return False
        self._writer.close()
        return True


class ResultWriter:
    """Everything a run writes into one directory, committed atomically at :meth:`finish`.

    The folder is checked when the writer is made, before anything runs (see
    :class:`~hospitaltwin.core.outputs.ResultFolder`): a folder holding files the tool did not
    write is refused unless ``force``.
    """

    def __init__(self, out: Path, scenario: str, tables: tuple[str, ...] = TABLES, force: bool = False):
        # Arrow's default pool (mimalloc) spends ~70 ms setting up on the first large table
        # written in a process, more than writing it; the C allocator does not.
        pa.set_memory_pool(pa.system_memory_pool())
        self.folder = ResultFolder(out, force)
        self.writers = {name: TableWriter(self.folder.path / f"{name}.parquet", scenario) for name in tables}

    def append(self, name: str, frame: Frame) -> None:
        self.writers[name].append(frame)

    def finish(self, kpis: Frame, summary: dict, manifest: dict) -> Path:
        for writer in self.writers.values():
            writer.close()
        tmp = self.folder.path
        pq.write_table(kpis.to_arrow(), tmp / "kpis.parquet", compression="zstd")
        write_json(tmp / "summary.json", summary)
        write_json(tmp / "manifest.json", manifest)
        return self.folder.commit()

    def abandon(self) -> None:
        for writer in self.writers.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - cleaning up after a failure already reported
                pass
        self.folder.discard()


def write_csv(path: Path, header: tuple, rows: list[tuple]) -> None:
    """Write rows under a header as CSV."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_records(path: Path, rows: list[dict], columns: tuple[str, ...] | list[str]) -> Path:
    """Write ``rows`` (mappings) as CSV under ``columns``, the header even when there are none."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_json(path: Path, data: dict) -> None:
    """Write JSON with stable key order and a trailing newline."""
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def checksum(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and the packages that decide a run's numbers."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def manifest(kind: str, resolved: dict, seed: int, replications: int, inputs: dict[str, str],
             extra: dict | None = None) -> dict:
    """Provenance of a result: what ran, with what, on which inputs."""
    return {
        "result_format": RESULT_FORMAT,
        "kind": kind,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "replications": replications,
        "versions": versions(),
        "inputs": inputs,
        "scenario": resolved,
        **(extra or {}),
    }

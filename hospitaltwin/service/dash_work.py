"""The dashboard's heavier work, run in the what-if worker processes: flow scenes and files.

Like :mod:`.work`, each function takes plain values and returns plain values. The animation
of a forecast replays its replication 0 from the store's state at the forecast's time; the
state's checksum is compared with the one the forecast recorded, so a state that changed
since (late messages) is said, not hidden. Reports, PNG figures and workbooks are made by the
same library functions as ``hospitaltwin report`` and ``export``. Everything is written under
the service's runs folder in ``dashboard/RUN_ID/``, first to a temporary name, then renamed,
and served from there afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

FILES = {"report.pdf": "application/pdf", "figures.zip": "application/zip",
         "workbook.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def cache_folder(runs: Path, run_id: str) -> Path:
    """Where the dashboard keeps what it made for run ``run_id``."""
    return runs / "dashboard" / run_id


def _publish(tmp: Path, target: Path) -> Path:
    os.replace(tmp, target)
    return target


def flow_scene_job(folder: Path, store: str, as_of: str, recorded: str | None,
                   target: Path) -> str:
    """Write the scene of the forecast in ``folder`` (replication 0) as JSON into ``target``."""
    from hospitaltwin.report.animate import forecast_scene
    from hospitaltwin.service.work import state_checksum
    from hospitaltwin.store import Store

    with Store.open(store) as opened:
        state = opened.state_at(as_of)
    scene = forecast_scene(folder, state)
    scene["state_matches"] = recorded is None or state_checksum(state) == recorded
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    tmp.write_text(json.dumps(scene, separators=(",", ":")), encoding="utf-8")
    return str(_publish(tmp, target))


def file_job(folder: Path, name: str, target: Path) -> str:
    """Make ``name`` (one of :data:`FILES`) of the result in ``folder`` into ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    if name == "workbook.xlsx":
        from hospitaltwin.report.workbook import export_workbook

        export_workbook(folder, tmp.with_suffix(".xlsx"))
        tmp.with_suffix(".xlsx").replace(tmp)
    else:
        from hospitaltwin.report.build import build_report

        work = target.parent / f".{name}.work"
        shutil.rmtree(work, ignore_errors=True)
        written = build_report([folder], work / "report.pdf", work / "png")
        if name == "report.pdf":
            shutil.move(str(written.pdf), tmp)
        else:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                for png in sorted((work / "png").glob("*.png")):
                    archive.write(png, png.name)
        shutil.rmtree(work, ignore_errors=True)
    return str(_publish(tmp, target))

"""What the dashboard's pages fetch besides ``/api/v1``: chart data, what-if sentences, the
flow scene, and files made on demand.

Every endpoint here needs the same identity as the API (a session cookie or a bearer token)
and answers JSON errors as the API does. ``/dash/forecast/{resource}`` is one resource's
series of the latest forecast (hourly quantiles and capacities, daily probabilities of
reaching capacity), with the demand level the forecast assumed and the latest backtest's
interval coverage for that resource. ``/dash/whatif/{job}`` is a finished what-if in
sentences (:func:`hospitaltwin.compare.explain.explain`) with its headline rows. The flow
scene and the report, figures and workbook are made once per run in a worker process
(:mod:`.dash_work`) and kept.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from hospitaltwin.service.api import RunId, _run_folder
from hospitaltwin.service.dash_work import FILES, cache_folder, file_job, flow_scene_job
from hospitaltwin.service.security import Identity, require, service_of
from hospitaltwin.store import runs

router = APIRouter(prefix="/dash", include_in_schema=False)
Viewer = Annotated[Identity, Depends(require("viewer"))]
Analyst = Annotated[Identity, Depends(require("analyst"))]
HEADLINE = ("p_full", "mean_wait_h", "boarding_h_per_day", "diverted_fraction", "over_ratio_h",
            "mean_census", "mean_staffed_beds", "unmet_fraction", "diverted_per_day")
_making: dict[str, asyncio.Future] = {}


def latest(service, kind: str = "forecast"):
    """The latest finished run of ``kind`` and its folder (404 when there is none)."""
    with service.engine.connect() as conn:
        row = runs.latest_run(conn, kind)
    if row is None:
        raise HTTPException(404, f"no {kind} has finished yet")
    return row, _run_folder(service, row)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _coverage(service, resource: str) -> dict | None:
    """The latest backtest's interval coverage of ``resource`` (model), over its lead times."""
    try:
        row, folder = latest(service, "backtest")
    except HTTPException:
        return None
    path = folder / "scores.csv"
    if not path.is_file():
        return None
    scores = pd.read_csv(path)
    mine = scores[(scores["resource"] == resource) & (scores["method"] == "model")]
    if mine.empty:
        return None
    return {"run": row.id, "finished": runs.run_dict(row)["finished"], "origins": int(mine["n"].max()),
            **{k: round(float(mine[k].mean()), 3) for k in ("coverage50", "coverage80", "coverage95")
               if mine[k].notna().any()}}


@router.get("/forecast/{resource}")
def forecast_series(request: Request, who: Viewer,
                    resource: Annotated[str, PathParam(max_length=100)]) -> dict:
    """One resource's series of the latest forecast (see the module doc)."""
    service = service_of(request)
    row, folder = latest(service)
    table = pd.read_csv(folder / "forecast.csv")
    mine = table[table["resource"] == resource]
    if mine.empty:
        raise HTTPException(404, f"the latest forecast has no resource {resource!r}")
    daily = pd.read_csv(folder / "daily.csv")
    summary = _json(folder / "summary.json")
    series = {kind: {c: part[c].tolist() for c in ("time", "p05", "p25", "p50", "p75", "p95",
                                                   "mean", "capacity", "p_full")}
              for kind, part in mine.groupby("kind")}
    days = daily[daily["resource"] == resource]
    return {"run": row.id, "as_of": summary.get("as_of"), "resource": resource,
            "replications": summary.get("replications"), "series": series,
            "daily": {kind: {"date": part["date"].tolist(), "p_full_any": part["p_full_any"].tolist()}
                      for kind, part in days.groupby("kind")},
            "risks": [r for r in summary.get("risks", []) if r["resource"] == resource],
            "demand_level": (summary.get("demand_levels") or {}).get(resource),
            "demand_fit": _demand_fit(summary, resource),
            "demand_multiplier": summary.get("demand_multiplier"),
            "coverage": _coverage(service, resource)}


def _demand_fit(summary: dict, resource: str) -> dict | None:
    """The demand model of an entry unit, without its daily series: model, level, trend."""
    fit = (summary.get("demand") or {}).get(resource)
    if not fit:
        return None
    keep = ("level_per_day", "trend_per_day", "trend_per_day_band", "level_ratio_band", "fallback")
    return {"model": fit.get("model"), "weeks": summary.get("history_weeks"),
            **{k: v for k, v in (fit.get("diagnostics") or {}).items() if k in keep},
            "multiplier": (fit.get("params") or {}).get("multiplier")}


@router.get("/whatif/{job_id}")
def whatif_answer(request: Request, who: Analyst,
                  job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$")]) -> dict:
    """A finished what-if in sentences, with its headline rows."""
    from hospitaltwin.compare.explain import explain

    job = service_of(request).jobs.get(job_id)
    if job is None or (job.owner != who.name and who.role != "admin"):
        raise HTTPException(404, "no such job")
    if job.state != "done":
        raise HTTPException(409, f"the what-if is {job.state}" + (f": {job.error}" if job.error else ""))
    rows = job.result["rows"]
    said = explain(rows)
    return {"job": job_id, "policy": said.policy, "changes": said.changes, "limits": said.limits,
            "replications": job.result["replications"], "seed": job.result["seed"],
            "start": job.result["start"], "rows": [r for r in rows if r["kpi"] in HEADLINE]}


async def _once(key: str, target: Path, pool, func, *args) -> Path:
    """``target``, made by ``func(*args)`` in ``pool`` unless it exists (one maker per key)."""
    if target.is_file():
        return target
    if key not in _making:
        _making[key] = asyncio.ensure_future(pool.run(func, *args))
    try:
        await asyncio.shield(_making[key])
    finally:
        if _making.get(key) is not None and _making[key].done():
            _making.pop(key, None)
    return target


@router.get("/flow/latest")
async def flow_latest(request: Request, who: Viewer):
    """The flow scene of the latest forecast's replication 0 (made once, then kept)."""
    service = service_of(request)
    row, folder = await asyncio.to_thread(latest, service)
    info = runs.run_dict(row)
    target = cache_folder(service.settings.runs, row.id) / "flow-0.json"
    await _once(f"flow {row.id}", target, service.jobs.pool, flow_scene_job, folder,
                service.settings.store, _json(folder / "summary.json")["as_of"],
                info["checksums"].get("state"), target)
    return FileResponse(target, media_type="application/json")


@router.get("/files/{run_id}/{name}")
async def made_file(request: Request, who: Viewer, run_id: RunId,
                    name: Annotated[str, PathParam(pattern=r"^(report\.pdf|figures\.zip|workbook\.xlsx)$")]):
    """A forecast's PDF report, its PNG figures (zip) or its workbook (made once, then kept)."""
    service = service_of(request)
    with service.engine.connect() as conn:
        row = runs.get_run(conn, run_id)
    folder = _run_folder(service, row)
    target = cache_folder(service.settings.runs, run_id) / name
    await _once(f"{name} {run_id}", target, service.jobs.pool, file_job, folder, name, target)
    return FileResponse(target, media_type=FILES[name], filename=f"{run_id}-{name}")

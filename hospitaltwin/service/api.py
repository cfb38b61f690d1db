"""The read side of the HTTP API (``/api/v1``): health, state, forecasts, alerts, patients.

Every answer is JSON built from the store and the run folders only. Patients appear under
their pseudonyms (the store holds nothing else); ``/patients`` is for analysts and admins.
``/health`` needs no identity and says only whether the service is up and how far behind the
judging of new events is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from hospitaltwin.service.security import Identity, require, service_of
from hospitaltwin.store import runs
from hospitaltwin.store.pending import pending
from hospitaltwin.store.schema import events

router = APIRouter()
RunId = Annotated[str, PathParam(pattern=r"^[a-z][0-9]{8}T[0-9]{6}-[0-9a-f]{4}$",
                                 description="A run id, e.g. f20250303T120000-1a2b")]
Viewer = Annotated[Identity, Depends(require("viewer"))]
Analyst = Annotated[Identity, Depends(require("analyst"))]


@router.get("/health", tags=["service"])
def health(request: Request) -> dict:
    """Whether the service runs; events stored and not yet judged (no identity needed)."""
    service = service_of(request)
    with service.engine.connect() as conn:
        behind = pending(conn)
        latest = runs.latest_run(conn)
    return {"status": "ok", "mllp": service.mllp_port is not None, "pending_events": behind,
            "latest_forecast": latest.finished.isoformat() + "Z" if latest else None}


def _state(service):
    """The store's state now (None when it holds no events yet)."""
    with service.engine.connect() as conn:
        if conn.execute(sa.select(events.c.seq).limit(1)).first() is None:
            return None
    return service.store.state_at()


@router.get("/state", tags=["twin"])
def state(request: Request, who: Viewer) -> dict:
    """Census, staffed and physical beds per unit, waiting and boarding, equipment in use."""
    from hospitaltwin.store.capacity import bed_capacity, equipment_capacity

    service = service_of(request)
    layout, now = service.scenario.layout, _state(service)
    census = now.census() if now else {}
    beds = bed_capacity(layout, now.as_of) if now else {
        u: (unit.beds, 0) for u, unit in layout.units.items()}
    waiting, boarding = {}, {}
    for w in (now.waiting if now else ()):
        waiting[w.unit] = waiting.get(w.unit, 0) + 1
    in_use = {}
    for p in (now.patients if now else ()):
        if p.waiting_for:
            boarding[p.waiting_for] = boarding.get(p.waiting_for, 0) + 1
        for device in p.devices:
            in_use[device.kind] = in_use.get(device.kind, 0) + 1
    units = [{"unit": u, "hospital": layout.hospital_of(u), "occupied": census.get(u, 0),
              "staffed": beds.get(u, (0, 0))[1], "physical": beds.get(u, (0, 0))[0],
              "waiting": waiting.get(u, 0), "boarding": boarding.get(u, 0)}
             for u in sorted(set(layout.units) | set(census))]
    pools = equipment_capacity(layout)
    equipment = [{"kind": k, "in_use": in_use.get(k, 0), "devices": pools.get(k, 0)}
                 for k in sorted(set(pools) | set(in_use))]
    with service.engine.connect() as conn:
        behind = pending(conn)
    return {"as_of": now.as_of.isoformat() if now else None, "units": units,
            "equipment": equipment, "events": now.notes.get("events", 0) if now else 0,
            "pending_events": behind}


def _run_folder(service, row) -> Path:
    if row is None or row.state != "done" or not row.folder:
        raise HTTPException(404, "no such finished run")
    folder = (service.settings.runs / row.folder).resolve()
    if service.settings.runs.resolve() not in folder.parents or not folder.is_dir():
        raise HTTPException(404, "the run's files are gone from the runs folder")
    return folder


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _forecast(service, row) -> dict:
    folder = _run_folder(service, row)
    summary, manifest = _read_json(folder / "summary.json"), _read_json(folder / "manifest.json")
    with service.engine.connect() as conn:
        backtest = runs.latest_run(conn, "backtest")
    scores = None
    if backtest is not None:
        scores = {"id": backtest.id, "finished": backtest.finished.isoformat() + "Z",
                  "by_lead_day": _read_json(_run_folder(service, backtest) / "summary.json").get(
                      "by_lead_day")}
    return {**runs.run_dict(row), "summary": {k: v for k, v in summary.items()
                                              if k not in ("risks", "headline")},
            "headline": summary.get("headline", []), "risks": summary.get("risks", []),
            "provenance": {"inputs": manifest.get("inputs", {}), "versions": manifest.get(
                "versions", {}), "seed": manifest.get("seed"), "created": manifest.get("created")},
            "backtest": scores, "files": {"forecast.csv": f"/api/v1/forecasts/{row.id}/forecast.csv"}}


@router.get("/forecasts", tags=["forecasts"])
def forecasts(request: Request, who: Viewer,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
    """The latest forecast and backtest runs (running, done or failed), newest first."""
    with service_of(request).engine.connect() as conn:
        return runs.list_runs(conn, limit)


@router.get("/forecasts/latest", tags=["forecasts"])
def latest_forecast(request: Request, who: Viewer) -> dict:
    """The latest finished forecast: summary, risks, demand levels, provenance, backtest scores."""
    service = service_of(request)
    with service.engine.connect() as conn:
        row = runs.latest_run(conn)
    if row is None:
        raise HTTPException(404, "no forecast has finished yet")
    return _forecast(service, row)


@router.get("/forecasts/{run_id}", tags=["forecasts"])
def forecast(request: Request, who: Viewer, run_id: RunId) -> dict:
    """One run by id (a forecast, or a backtest's scores)."""
    service = service_of(request)
    with service.engine.connect() as conn:
        row = runs.get_run(conn, run_id)
    if row is not None and row.kind == "backtest":
        folder = _run_folder(service, row)
        return {**runs.run_dict(row), "summary": _read_json(folder / "summary.json")}
    return _forecast(service, row)


@router.get("/forecasts/{run_id}/forecast.csv", tags=["forecasts"],
            response_class=FileResponse, responses={200: {"content": {"text/csv": {}}}})
def forecast_csv(request: Request, who: Viewer, run_id: RunId):
    """The run's ``forecast.csv`` as ``hospitaltwin forecast`` writes it."""
    service = service_of(request)
    with service.engine.connect() as conn:
        row = runs.get_run(conn, run_id)
    path = _run_folder(service, row) / "forecast.csv"
    if not path.is_file():
        raise HTTPException(404, "this run has no forecast.csv")
    return FileResponse(path, media_type="text/csv", filename=f"forecast-{run_id}.csv")


@router.get("/alerts", tags=["alerts"])
def alerts(request: Request, who: Viewer, active: bool = False,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict:
    """Alert episodes (fired, and cleared when they are), newest first; the rules in force."""
    service = service_of(request)
    with service.engine.connect() as conn:
        rows = runs.list_alerts(conn, active, limit)
    rules = [{"name": r.name, "text": r.text(), "threshold": r.at_least}
             for r in (service.rules.rules if service.rules else ())]
    return {"alerts": rows, "rules": rules}


@router.get("/patients", tags=["twin"])
def patients(request: Request, who: Analyst) -> dict:
    """Patients in beds now, by pseudonym: unit, hours in it, devices, boarding target."""
    now = _state(service_of(request))
    rows = [{"patient": p.patient_id, "unit": p.unit, "elapsed_h": _hours(p.elapsed_h),
             "devices": [{"kind": d.kind, "elapsed_h": _hours(d.elapsed_h)} for d in p.devices],
             "waiting_for": p.waiting_for} for p in (now.patients if now else ())]
    waiting = [{"patient": w.patient_id, "unit": w.unit, "waited_h": _hours(w.waited_h)}
               for w in (now.waiting if now else ())]
    return {"as_of": now.as_of.isoformat() if now else None, "patients": rows, "waiting": waiting}


def _hours(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)

"""The acting side of the HTTP API (``/api/v1``): what-ifs and their jobs, users, the audit.

``POST /whatif`` takes a policy as ``hospitaltwin compare --policy`` reads it (the same keys,
as JSON) and checks it against the service's scenario at once, so a bad policy is a 422 that
names the key, not a failed job later. The job compares it with the scenario on common random
numbers, warm-started from the twin's state now (``start: now``, as ``compare --store``) or
from empty (``start: empty``). Admins manage users and read the audit trail here as well as
with ``hospitaltwin users``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hospitaltwin.config.load import validate_model
from hospitaltwin.config.yamlio import SourceMap
from hospitaltwin.core.durations import parse_duration
from hospitaltwin.service import auth
from hospitaltwin.service.jobs import PoolFull
from hospitaltwin.service.security import Identity, audit, require, service_of
from hospitaltwin.store import accounts

router = APIRouter()
Analyst = Annotated[Identity, Depends(require("analyst"))]
Admin = Annotated[Identity, Depends(require("admin"))]
UserName = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class WhatIf(BaseModel):
    """A what-if: a policy and, optionally, the run's size, seed, horizon and start."""

    model_config = ConfigDict(extra="forbid")
    policy: dict = Field(description="A policy as in a policy YAML file: name, description, "
                                     "layout, demand, changes.")
    replications: int | None = Field(None, ge=2, le=1000)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    horizon: str | None = Field(None, max_length=20, description="e.g. '30d' (at most 366d)")
    start: Literal["now", "empty"] = "now"

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, value: str | None) -> str | None:
        if value is not None and not 0 < parse_duration(value) <= 366 * 24:
            raise ValueError("the horizon must be a duration from 1h to 366d")
        return value


def _checked(service, body: WhatIf) -> None:
    """Check the run's settings and the policy against the scenario at once (a 422 names
    the problem), as the job will apply them."""
    from hospitaltwin.config.policy import Policy, apply_policy
    from hospitaltwin.experiment.replicate import with_run

    base = with_run(service.scenario, replications=body.replications, seed=body.seed,
                    horizon=body.horizon, warmup="0h" if body.start == "now" else None)
    apply_policy(base, validate_model(Policy, body.policy, SourceMap("policy")))


@router.post("/whatif", status_code=202, tags=["what-if"],
             responses={429: {"description": "every worker busy and the queue full"}})
async def whatif(request: Request, body: WhatIf, who: Analyst):
    """Queue a paired comparison of a policy with the scenario; returns the job id."""
    service = service_of(request)
    await asyncio.to_thread(_checked, service, body)
    store = service.settings.store if body.start == "now" else None
    name = str(body.policy.get("name"))
    try:
        job = service.jobs.submit(who.name, scenario=service.settings.scenario,
                                  policy=body.policy, replications=body.replications,
                                  seed=body.seed, horizon=body.horizon, store=store)
    except PoolFull as exc:
        await asyncio.to_thread(audit, request, who, "whatif", name, {"why": "queue full"},
                                "denied")
        return JSONResponse({"error": str(exc)}, status_code=429, headers={"Retry-After": "30"})
    await asyncio.to_thread(audit, request, who, "whatif", name, {"job": job.id})
    return {"job": job.id, "state": job.state, "url": f"/api/v1/jobs/{job.id}"}


@router.get("/jobs/{job_id}", tags=["what-if"])
def job(request: Request, who: Analyst,
        job_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$")]) -> dict:
    """A what-if job: queued, running, done (with the paired rows) or failed (with why)."""
    found = service_of(request).jobs.get(job_id)
    if found is None or (found.owner != who.name and who.role != "admin"):
        raise HTTPException(404, "no such job")
    return found.as_dict()


class NewUser(BaseModel):
    """A user to add."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    role: Literal["viewer", "analyst", "admin"]
    password: str = Field(min_length=auth.MIN_PASSWORD, max_length=1024)


@router.get("/me", tags=["users"])
def me(who: Annotated[Identity, Depends(require("viewer"))]) -> dict:
    """Who you are and what your role allows."""
    return {"name": who.name, "role": who.role, "via": who.via}


@router.get("/users", tags=["users"])
def users(request: Request, who: Admin) -> list[dict]:
    """Every user and role (admin)."""
    with service_of(request).engine.connect() as conn:
        return [u.as_dict() for u in accounts.list_users(conn)]


@router.post("/users", status_code=201, tags=["users"])
def add_user(request: Request, body: NewUser, who: Admin) -> dict:
    """Add a user (admin)."""
    user = auth.create_user(service_of(request).engine, body.name, body.role, body.password,
                            actor=who.name)
    return user.as_dict()


@router.delete("/users/{name}", tags=["users"])
def remove_user(request: Request, name: UserName, who: Admin) -> dict:
    """Remove a user with their tokens and sessions (admin)."""
    if name == who.name:
        raise HTTPException(409, "you cannot remove yourself")
    auth.delete_user(service_of(request).engine, name, actor=who.name)
    return {"removed": name}


@router.post("/users/{name}/tokens", status_code=201, tags=["users"])
def new_token(request: Request, name: UserName, who: Admin) -> dict:
    """A new API token for a user, shown once (admin)."""
    return {"name": name, "token": auth.issue_token(service_of(request).engine, name,
                                                    actor=who.name)}


@router.get("/audit", tags=["users"])
def audit_trail(request: Request, who: Admin,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    """Who did what and when, newest first (admin)."""
    with service_of(request).engine.connect() as conn:
        return accounts.audit_lines(conn, limit)

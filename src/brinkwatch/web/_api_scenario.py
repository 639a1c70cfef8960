"""JSON API of the scenario page: the catalogue, starting a run, and polling it.

A run goes to the app's bounded :class:`~brinkwatch.web._state.JobQueue` and answers 202 with
the job to poll at ``/api/jobs/{id}``; a full queue answers 429.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

import brinkwatch.web._validation as v
import brinkwatch.web._views as views
from brinkwatch.web._http import json_body, jsonable, services

__all__ = ["router"]

router = APIRouter(prefix="/api")


@router.get("/scenarios")
async def api_scenarios() -> JSONResponse:
    """List the bundled scenarios and their levers."""
    return JSONResponse(await run_in_threadpool(views.scenario_catalogue))


@router.post("/scenario/runs", status_code=202)
async def api_run(request: Request) -> JSONResponse:
    """Queue a Monte Carlo run of a bundled scenario's variants."""
    body = await json_body(request)
    cat = await run_in_threadpool(views.scenario_catalogue)
    run = v.run_body(body, [c["name"] for c in cat])
    variants = await run_in_threadpool(
        views.scenario_variants, run.scenario, run.levers, run.actual
    )
    svc = services(request)
    job = svc.jobs.submit(
        "scenario",
        lambda progress: views.run_scenario(
            svc.access, run.scenario, variants, paths=run.paths, seed=run.seed, progress=progress
        ),
    )
    return JSONResponse({**job.as_dict(), "poll": f"/api/jobs/{job.id}"}, status_code=202)


@router.get("/jobs/{job_id}")
async def api_job(request: Request, job_id: str) -> JSONResponse:
    """Answer a job's state, progress and, once done, its result."""
    job = services(request).jobs.get(job_id)
    if job is None:
        raise StarletteHTTPException(404, f"no job {job_id[:40]!r} (finished jobs expire)")
    return JSONResponse(jsonable(job.as_dict()))

"""The HTML pages: overview, dyad, explain, scenario, instruments and coder.

Each page parses its query with :mod:`brinkwatch.web._validation`, calls a view from
:mod:`brinkwatch.web._views` off the event loop and renders a template; a bad input shows
above the page's form (:func:`brinkwatch.web._http.guarded`).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

import brinkwatch.web._validation as v
import brinkwatch.web._views as views
from brinkwatch.web._http import guarded, page, query_view, services

__all__ = ["router"]

router = APIRouter(default_response_class=HTMLResponse)


@router.get("/")
async def overview(request: Request) -> HTMLResponse:
    """Show the triad overview: six directed dyads, their latest index and open alarms."""
    q, work = query_view(request, views.triad_view, v.triad_query)
    return await guarded(request, "overview.html", q, work)


@router.get("/dyad")
async def dyad_page(request: Request) -> HTMLResponse:
    """Show one dyad: index, change points, alarms, quad classes and its events."""
    q, access = dict(request.query_params), services(request).access

    def work() -> dict[str, Any]:
        ev_args = v.events_query(q)
        return {
            **views.dyad_view(access, **v.dyad_query(q)),
            "events": views.events_view(access, **ev_args),
        }

    return await guarded(request, "dyad.html", q, work)


@router.get("/explain")
async def explain_page(request: Request) -> HTMLResponse:
    """Show the Granger tests and impulse responses of a triad."""
    q, work = query_view(request, views.explain_view, v.explain_query)
    return await guarded(request, "explain.html", q, work)


@router.get("/scenario")
async def scenario_page(request: Request) -> HTMLResponse:
    """Show the scenario form; runs go through the JSON API."""
    cat = await run_in_threadpool(views.scenario_catalogue)
    ctx = {
        "catalogue": cat,
        "catalogue_json": json.dumps(cat).replace("<", "\\u003c"),
        "max_paths": v.MAX_PATHS,
    }
    return page(request, "scenario.html", ctx)


@router.get("/instruments")
async def instruments_page(request: Request) -> HTMLResponse:
    """Show the instruments in force on a day and the register's timeline."""
    q, work = query_view(request, views.instruments_page_view, v.instruments_query)
    return await guarded(request, "instruments.html", q, work)


@router.get("/coder")
async def coder_page(request: Request) -> HTMLResponse:
    """Show the text coder's form."""
    return page(request, "coder.html", {"max_text": v.MAX_TEXT})

"""JSON API of the measure pages.

``/api/triad``, ``dyad``, ``events``, ``top-events`` and ``instruments``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

import brinkwatch.web._validation as v
import brinkwatch.web._views as views
from brinkwatch.web._http import json_response, query_view

__all__ = ["router"]

router = APIRouter(prefix="/api")


@router.get("/triad")
async def api_triad(request: Request) -> JSONResponse:
    """Answer the overview's numbers (as :func:`brinkwatch.web._views.triad_view`)."""
    _, work = query_view(request, views.triad_view, v.triad_query)
    return await json_response(work)


@router.get("/dyad")
async def api_dyad(request: Request) -> JSONResponse:
    """Answer the dyad page's numbers (as :func:`brinkwatch.web._views.dyad_view`)."""
    _, work = query_view(request, views.dyad_view, v.dyad_query)
    return await json_response(work)


@router.get("/events")
async def api_events(request: Request) -> JSONResponse:
    """List a dyad's events with their evidence (as ``events_view``)."""
    _, work = query_view(request, views.events_view, v.events_query)
    return await json_response(work)


@router.get("/top-events")
async def api_top_events(request: Request) -> JSONResponse:
    """List the top events (by sources) of a directed dyad per period (``top_events_view``)."""
    _, work = query_view(request, views.top_events_view, v.top_events_query)
    return await json_response(work)


@router.get("/instruments")
async def api_instruments(request: Request) -> JSONResponse:
    """Answer what is in force on ``at`` (as ``instruments_page_view``)."""
    _, work = query_view(request, views.instruments_page_view, v.instruments_query)
    return await json_response(work)

"""JSON API of the explain page: ``/api/explain``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

import brinkwatch.web._validation as v
import brinkwatch.web._views as views
from brinkwatch.web._http import json_response, query_view

__all__ = ["router"]

router = APIRouter(prefix="/api")


@router.get("/explain")
async def api_explain(request: Request) -> JSONResponse:
    """Answer the Granger table, impulse responses and reciprocity of a triad."""
    _, work = query_view(request, views.explain_view, v.explain_query)
    return await json_response(work)

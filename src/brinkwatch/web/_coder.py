"""The coder's JSON API: code pasted text, and store its events (the dashboard's one write)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

import brinkwatch.web._validation as v
import brinkwatch.web._views as views
from brinkwatch.web._http import json_body, json_response, services

__all__ = ["router"]

router = APIRouter(prefix="/api")


@router.post("/code")
async def api_code(request: Request) -> JSONResponse:
    """Answer the CAMEO events coded from the text, with the spans of their trigger words."""
    text, day = v.coder_body(await json_body(request), need_date=False)
    holder = services(request).coder
    return await json_response(lambda: views.code_text(holder, text, day))


@router.post("/code/ingest")
async def api_code_ingest(request: Request) -> JSONResponse:
    """Code the text again on the server and add its events (the reviewed ones) to the store."""
    body = await json_body(request)
    text, day = v.coder_body(body, need_date=True)
    reviews = v.coder_reviews(body)
    svc = services(request)
    assert day is not None  # coder_body requires it when need_date
    return await json_response(lambda: views.add_coded(svc.access, svc.coder, text, day, reviews))

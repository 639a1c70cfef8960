"""What every router shares: the app's services, page and JSON responses, and error handlers.

The routers (``_pages``, ``_api_measure``, ``_api_explain``, ``_api_scenario``, ``_coder``,
``_static``) find the store, the job queue and the coder through :func:`services`, which
:func:`brinkwatch.web.app.create_app` puts on ``app.state``; they render with :func:`page`
and :func:`json_response`, and leave errors to :data:`EXCEPTION_HANDLERS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from brinkwatch.errors import BrinkwatchError, BusyError, InsufficientDataError, StoreError
from brinkwatch.web._state import JobQueue, StoreAccess
from brinkwatch.web._validation import json_object
from brinkwatch.web._views import CoderHolder, plain_text, query_field

__all__ = [
    "EXCEPTION_HANDLERS",
    "Services",
    "error_body",
    "guarded",
    "json_body",
    "json_response",
    "jsonable",
    "page",
    "query_view",
    "services",
    "status_of",
]


@dataclass(frozen=True)
class Services:
    """What the routes of one app share: its store, its scenario job queue and its coder."""

    access: StoreAccess
    jobs: JobQueue
    coder: CoderHolder


def services(request: Request) -> Services:
    """Return the services of the app serving ``request``."""
    found: Services = request.app.state.services
    return found


def jsonable(obj: Any) -> Any:
    """Dates as ISO text and NaN as null, so the response is strict JSON.

    Examples
    --------
    >>> jsonable({"d": date(2019, 7, 1), "x": [float("nan"), 1.5]})
    {'d': '2019-07-01', 'x': [None, 1.5]}
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(x) for k, x in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(x) for x in obj]
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    return obj


def status_of(exc: BrinkwatchError) -> int:
    """HTTP status for an error: 429 busy, 503 store unavailable, 422 too little data, else 400.

    Examples
    --------
    >>> from brinkwatch.errors import ConfigError
    >>> status_of(ConfigError("bad"))
    400
    """
    if isinstance(exc, BusyError):
        return 429
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, InsufficientDataError):
        return 422
    return 400


def error_body(exc: BrinkwatchError) -> dict[str, Any]:
    """Shape the JSON error of the API: kind, the query field at fault, message and full text."""
    return {
        "error": {
            "kind": type(exc).__name__,
            "field": query_field(exc.field),
            # Pages show it: no command-line flags (``detail`` keeps the full text).
            "message": plain_text(exc.message),
            "detail": str(exc),
        }
    }


@cache
def _templates() -> Jinja2Templates:
    from brinkwatch.report.labels import human_label, measure_axis

    t = Jinja2Templates(directory=str(resources.files("brinkwatch.web").joinpath("templates")))
    # Pages show words, not ids: ``{{ m | label }}``, ``{{ m | axis(freq) }}``.
    t.env.filters["label"] = human_label
    t.env.filters["axis"] = measure_axis
    return t


def page(request: Request, name: str, ctx: Mapping[str, Any], status: int = 200) -> HTMLResponse:
    """Render the template ``name`` with the store's name and the navigation entry."""
    store = services(request).access.path.name
    base = {"store": store, "nav": name.removesuffix(".html")}
    resp: HTMLResponse = _templates().TemplateResponse(
        request, name, {**base, **ctx}, status_code=status
    )
    return resp


async def guarded(
    request: Request, name: str, form: dict[str, Any], work: Callable[[], dict[str, Any]]
) -> HTMLResponse:
    """Render a page with its form; a bad input shows as a message above the form."""
    try:
        data = await run_in_threadpool(work)
    except BrinkwatchError as exc:
        err = error_body(exc)["error"]
        # A page has no command line: its errors name settings, not flags.
        err["field"] = plain_text(err["field"])
        ctx = {"form": form, "error": err}
        return page(request, name, ctx, status_of(exc))
    return page(request, name, {"form": form, "data": data, "error": None})


async def json_response(work: Callable[[], Any]) -> JSONResponse:
    """Run ``work`` off the event loop and answer its result as strict JSON."""
    return JSONResponse(jsonable(await run_in_threadpool(work)))


def query_view(
    request: Request,
    view: Callable[..., dict[str, Any]],
    parse: Callable[[Mapping[str, str]], dict[str, Any]],
) -> tuple[dict[str, str], Callable[[], dict[str, Any]]]:
    """Return the request's query and the work of ``view`` on it, parsed by ``parse``.

    Parsing happens in the work, off the event loop, so a bad parameter is reported the way
    the view's own errors are.
    """
    q, access = dict(request.query_params), services(request).access
    return q, lambda: view(access, **parse(q))


async def json_body(request: Request) -> dict[str, Any]:
    """Read a JSON object body sent from this dashboard's own pages."""
    # Only JSON: a cross-site form cannot send it without the browser asking first (CORS).
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise StarletteHTTPException(
            415, f"send a JSON body (Content-Type: application/json), not {ctype or 'none'}"
        )
    origin = request.headers.get("origin")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise StarletteHTTPException(403, f"requests from {origin[:80]} are not accepted")
    raw = await request.body()  # BodyLimit stops it at MAX_BODY bytes while streaming
    return json_object(raw)


async def _brinkwatch_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BrinkwatchError)
    if request.url.path.startswith("/api/"):
        return JSONResponse(error_body(exc), status_code=status_of(exc))
    return page(request, "error.html", {"error": error_body(exc)["error"]}, status_of(exc))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = ".".join(str(x) for x in first.get("loc", ()))
    return JSONResponse(
        {"error": {"kind": "ValidationError", "field": loc, "message": first.get("msg")}},
        status_code=400,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    body = {"error": {"kind": "HTTPError", "field": None, "message": str(exc.detail)}}
    if request.url.path.startswith("/api/") or request.method != "GET":
        return JSONResponse(body, status_code=exc.status_code)
    return page(request, "error.html", body, exc.status_code)


#: Error class -> handler; every error answers as JSON under ``/api/`` and as a page elsewhere.
EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Any]] = {
    BrinkwatchError: _brinkwatch_error,
    RequestValidationError: _validation_error,
    StarletteHTTPException: _http_error,
}

"""The dashboard: a FastAPI app serving pages with Plotly figures, and the JSON API behind them.

Pages: ``/`` (triad overview), ``/dyad``, ``/explain``, ``/scenario`` and ``/coder``. Every
query parameter is checked by :mod:`brinkwatch.web._validation` (a bad one gives a 400 page or
JSON naming it); the store is opened read-only for each request, except by ``POST
/api/code/ingest``, the only write. Scenario runs go to a bounded background pool and are
polled at ``/api/jobs/{id}``. Plotly's JavaScript is served from the installed ``plotly``
package, so the pages need nothing from the internet.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brinkwatch.config import load_settings
from brinkwatch.errors import (
    BrinkwatchError,
    BusyError,
    ConfigError,
    InsufficientDataError,
    StoreError,
)
from brinkwatch.web import _validation as v
from brinkwatch.web import _views as views
from brinkwatch.web._state import JobQueue, StoreAccess

__all__ = ["LOCAL_HOSTS", "MAX_BODY", "BodyLimit", "create_app", "status_of"]

#: Host headers accepted when serving on a loopback address (a guard against DNS rebinding).
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
#: Largest request body accepted, in bytes: the coder's text (JSON-escaped) and a little more.
MAX_BODY = 4 * v.MAX_TEXT + 4096
_ORIGIN = re.compile(r"[a-z0-9_]{1,32}")
#: Seconds a client should wait before retrying a 503 (the store held by another process).
RETRY_AFTER = 5
_STATIC_TYPES = {"app.js": "text/javascript", "app.css": "text/css"}


def _jsonable(obj: Any) -> Any:
    """Dates as ISO text and NaN as null, so the response is strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _jsonable(x) for k, x in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(x) for x in obj]
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    return obj


class _BodyTooLargeError(Exception):
    """Raised from ``receive`` when a streamed body passes the cap."""


def _too_large(limit: int) -> JSONResponse:
    message = f"the request body is over {limit:,} bytes, the most this dashboard accepts"
    body = {"error": {"kind": "HTTPError", "field": None, "message": message}}
    return JSONResponse(body, status_code=413)


class BodyLimit:
    """ASGI middleware that answers 413 once a request body passes ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before anything is read; a body
    sent in chunks is counted as it arrives and cut off at the first chunk past the limit, so
    a huge body is never read whole.

    Parameters
    ----------
    app
        The ASGI app to protect.
    limit
        The most bytes a request body may have.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a counting ``receive``; answer 413 past the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(self.limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLargeError
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _BodyTooLargeError:
            if started:  # pragma: no cover (nothing here answers before reading the body)
                raise
            await _too_large(self.limit)(scope, receive, send)


def status_of(exc: BrinkwatchError) -> int:
    """HTTP status for an error: 429 busy, 503 store unavailable, 422 too little data, else 400.

    Examples
    --------
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


def _error_body(exc: BrinkwatchError) -> dict[str, Any]:
    return {
        "error": {
            "kind": type(exc).__name__,
            "field": views.query_field(exc.field),
            "message": exc.message,
            "detail": str(exc),
        }
    }


@cache
def _plotly_js() -> bytes:
    import plotly.offline

    text: str = plotly.offline.get_plotlyjs()
    return text.encode("utf-8")


@cache
def _static(name: str) -> bytes:
    return resources.files("brinkwatch.web").joinpath("static", name).read_bytes()


def _roots(value: str | None) -> list[str] | None:
    if not value or not value.strip():
        return None
    out = []
    for part in re.split(r"[\s,]+", value.strip()):
        if not part:
            continue
        if not (part.isdigit() and 1 <= int(part) <= 20):
            raise ConfigError(
                f"CAMEO roots are numbers from 01 to 20, such as 16,17; got {part[:20]!r}",
                field="root",
            )
        out.append(part.zfill(2))
    return out


def _quads(value: str | None) -> list[int] | None:
    if not value or not value.strip():
        return None
    out = []
    for part in re.split(r"[\s,]+", value.strip()):
        if part not in ("1", "2", "3", "4"):
            raise ConfigError(
                "quad classes are 1 (verbal cooperation), 2 (material cooperation), 3 (verbal "
                f"conflict) and 4 (material conflict); got {part[:20]!r}",
                field="quad",
            )
        out.append(int(part))
    return out


def _origin(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    text = value.strip().lower()
    if not _ORIGIN.fullmatch(text):
        raise ConfigError(
            f"an origin is a short name such as gdelt2, icews, chronology or coded; got "
            f"{value[:40]!r}",
            field="origin",
        )
    return text


def create_app(
    store_path: str | Path,
    *,
    allowed_hosts: list[str] | None = None,
    workers: int = 1,
    capacity: int = 4,
    coder: Any = None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> FastAPI:
    """Build the dashboard for one store file.

    Parameters
    ----------
    store_path
        An existing DuckDB store (``brinkwatch ingest`` makes one).
    allowed_hosts
        Host headers to answer; by default only loopback names (:data:`LOCAL_HOSTS`), which
        keeps a web page elsewhere from reaching the dashboard through DNS rebinding.
        Names may start with a ``*.`` wildcard label; ``"*"`` alone is refused, because it
        would turn that check off.
    workers, capacity
        Threads running scenario simulations, and runs queued or running at most; one more
        is refused with 429.
    coder
        A :class:`~brinkwatch.coding.Coder` to use (a default one is loaded on first use).
    threads, memory_limit
        DuckDB limits for the store connections; by default ``$BRINKWATCH_THREADS`` and
        ``$BRINKWATCH_MEMORY_LIMIT`` (:func:`brinkwatch.config.load_settings`).

    Returns
    -------
    fastapi.FastAPI
        The app; run it with uvicorn or ``brinkwatch serve``.

    Raises
    ------
    ConfigError
        If ``store_path`` does not exist, or ``allowed_hosts`` holds ``"*"``.

    Examples
    --------
    >>> create_app("/nonexistent/store.duckdb")
    Traceback (most recent call last):
    ...
    brinkwatch.errors.ConfigError: field '--db': no store at /nonexistent/store.duckdb; ...
    """
    path = Path(store_path)
    if not path.is_file():
        raise ConfigError(
            f"no store at {path}; ingest something first (brinkwatch ingest FILE --db {path})",
            field="--db",
        )
    if allowed_hosts is not None and any(h.strip() in ("*", "") for h in allowed_hosts):
        raise ConfigError(
            "allowed host names must be names such as analyst.example.org; '*' would answer "
            "any Host header and let other web pages reach the dashboard (DNS rebinding)",
            field="--allowed-host",
        )
    settings = load_settings(path)
    access = StoreAccess(
        path,
        threads=threads if threads is not None else settings.threads,
        memory_limit=memory_limit if memory_limit is not None else settings.memory_limit,
    )
    jobs = JobQueue(workers=workers, capacity=capacity)
    holder = views.CoderHolder(coder)
    templates = Jinja2Templates(
        directory=str(resources.files("brinkwatch.web").joinpath("templates"))
    )
    app = FastAPI(
        title="brinkwatch",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        on_shutdown=[jobs.shutdown],
    )

    # Middleware added later wraps what was added before: the Host check runs first.
    app.add_middleware(BodyLimit, limit=MAX_BODY)

    @app.middleware("http")
    async def retry_after(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # A 503 means another process holds the store for now (docs/dashboard.md).
        response = await call_next(request)
        if response.status_code == 503:
            response.headers.setdefault("Retry-After", str(RETRY_AFTER))
        return response

    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or list(LOCAL_HOSTS))
    app.state.access = access
    app.state.jobs = jobs

    def page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
        base = {"store": path.name, "nav": name.removesuffix(".html")}
        resp: HTMLResponse = templates.TemplateResponse(
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
            return page(
                request,
                name,
                {"form": form, "error": _error_body(exc)["error"]},
                status_of(exc),
            )
        return page(request, name, {"form": form, "data": data, "error": None})

    # ------------------------------------------------------------------ errors

    @app.exception_handler(BrinkwatchError)
    async def brinkwatch_error(request: Request, exc: BrinkwatchError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(_error_body(exc), status_code=status_of(exc))
        return page(request, "error.html", {"error": _error_body(exc)["error"]}, status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = ".".join(str(x) for x in first.get("loc", ()))
        return JSONResponse(
            {"error": {"kind": "ValidationError", "field": loc, "message": first.get("msg")}},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        body = {"error": {"kind": "HTTPError", "field": None, "message": str(exc.detail)}}
        if request.url.path.startswith("/api/") or request.method != "GET":
            return JSONResponse(body, status_code=exc.status_code)
        return page(request, "error.html", body, exc.status_code)

    # ------------------------------------------------------------------ static

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(
            _plotly_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in _STATIC_TYPES:
            raise StarletteHTTPException(404, f"no static file {name[:40]!r}")
        return Response(_static(name), media_type=_STATIC_TYPES[name])

    # ------------------------------------------------------------------ pages

    def triad_args(q: dict[str, str]) -> dict[str, Any]:
        first, last = v.date_range(q.get("from"), q.get("to"))
        f = v.freq(q.get("freq"), default="month")
        v.daily_window(f, first, last)
        return {
            "actors": v.triad(q.get("triad") or "USA,JPN,KOR"),
            "freq": f,
            "start": first,
            "end": last,
            "measure": v.measure(q.get("measure")),
        }

    @app.get("/", response_class=HTMLResponse)
    async def overview(request: Request) -> HTMLResponse:
        q = dict(request.query_params)
        return await guarded(
            request, "overview.html", q, lambda: views.triad_view(access, **triad_args(q))
        )

    def dyad_args(q: dict[str, str]) -> dict[str, Any]:
        first, last = v.date_range(q.get("from"), q.get("to"))
        f = v.freq(q.get("freq"), default="week")
        v.daily_window(f, first, last)
        return {
            "pair": v.dyad(q.get("dyad") or "JPN-KOR"),
            "freq": f,
            "start": first,
            "end": last,
            "measure": v.measure(q.get("measure")),
        }

    def events_args(q: dict[str, str]) -> dict[str, Any]:
        first, last = v.date_range(q.get("from"), q.get("to"))
        return {
            "pair": v.dyad(q.get("dyad") or "JPN-KOR"),
            "start": first,
            "end": last,
            "roots": _roots(q.get("root")),
            "quads": _quads(q.get("quad")),
            "origin": _origin(q.get("origin")),
            "limit": v.integer(q.get("limit"), "limit", default=200, low=1, high=2000),
        }

    @app.get("/dyad", response_class=HTMLResponse)
    async def dyad_page(request: Request) -> HTMLResponse:
        q = dict(request.query_params)

        def work() -> dict[str, Any]:
            ev_args = events_args(q)
            return {
                **views.dyad_view(access, **dyad_args(q)),
                "events": views.events_view(access, **ev_args),
            }

        return await guarded(request, "dyad.html", q, work)

    def explain_args(q: dict[str, str]) -> dict[str, Any]:
        first, last = v.date_range(q.get("from"), q.get("to"))
        return {
            "actors": v.triad(q.get("triad") or "USA,JPN,KOR"),
            "freq": v.freq(q.get("freq"), default="month", allowed=("week", "month")),
            "start": first,
            "end": last,
            "measure": v.measure(q.get("measure"), default="net_coop"),
            "periods": v.integer(q.get("periods"), "periods", default=8, low=1, high=36),
            "repl": v.integer(q.get("repl"), "repl", default=200, low=0, high=v.MAX_REPL),
            "seed": v.integer(q.get("seed"), "seed", default=0, low=0, high=2**31 - 1),
        }

    @app.get("/explain", response_class=HTMLResponse)
    async def explain_page(request: Request) -> HTMLResponse:
        q = dict(request.query_params)
        return await guarded(
            request, "explain.html", q, lambda: views.explain_view(access, **explain_args(q))
        )

    @app.get("/scenario", response_class=HTMLResponse)
    async def scenario_page(request: Request) -> HTMLResponse:
        cat = await run_in_threadpool(views.scenario_catalogue)
        return page(
            request,
            "scenario.html",
            {
                "catalogue": cat,
                "catalogue_json": json.dumps(cat).replace("<", "\\u003c"),
                "max_paths": v.MAX_PATHS,
            },
        )

    @app.get("/coder", response_class=HTMLResponse)
    async def coder_page(request: Request) -> HTMLResponse:
        return page(request, "coder.html", {"max_text": v.MAX_TEXT})

    # ------------------------------------------------------------------ JSON API

    def api(work: Callable[[], dict[str, Any]]) -> Callable[[], Awaitable[JSONResponse]]:
        async def run() -> JSONResponse:
            return JSONResponse(_jsonable(await run_in_threadpool(work)))

        return run

    @app.get("/api/triad")
    async def api_triad(request: Request) -> JSONResponse:
        q = dict(request.query_params)
        return await api(lambda: views.triad_view(access, **triad_args(q)))()

    @app.get("/api/dyad")
    async def api_dyad(request: Request) -> JSONResponse:
        q = dict(request.query_params)
        return await api(lambda: views.dyad_view(access, **dyad_args(q)))()

    @app.get("/api/events")
    async def api_events(request: Request) -> JSONResponse:
        q = dict(request.query_params)
        return await api(lambda: views.events_view(access, **events_args(q)))()

    @app.get("/api/explain")
    async def api_explain(request: Request) -> JSONResponse:
        q = dict(request.query_params)
        return await api(lambda: views.explain_view(access, **explain_args(q)))()

    @app.get("/api/scenarios")
    async def api_scenarios() -> JSONResponse:
        return JSONResponse(await run_in_threadpool(views.scenario_catalogue))

    async def json_body(request: Request) -> dict[str, Any]:
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
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise ConfigError("the request body is not valid JSON", field="body") from None
        if not isinstance(body, dict):
            raise ConfigError("the request body must be a JSON object", field="body")
        return body

    @app.post("/api/scenario/runs", status_code=202)
    async def api_run(request: Request) -> JSONResponse:
        body = await json_body(request)
        name = body.get("scenario")
        cat = await run_in_threadpool(views.scenario_catalogue)
        names = [c["name"] for c in cat]
        if not isinstance(name, str) or name not in names:
            raise ConfigError(
                f"expected one of the bundled scenarios ({', '.join(names)}); got "
                f"{str(name)[:40]!r}",
                field="scenario",
            )
        levers = body.get("levers") or []
        if not isinstance(levers, list) or not all(isinstance(x, str) for x in levers):
            raise ConfigError("expected a list of lever names", field="levers")
        actual = bool(body.get("actual", False))
        paths = v.integer(body.get("paths"), "paths", default=500, low=1, high=v.MAX_PATHS)
        seed = v.integer(body.get("seed"), "seed", default=0, low=0, high=2**31 - 1)
        variants = await run_in_threadpool(views.scenario_variants, name, levers, actual)
        job = jobs.submit(
            "scenario",
            lambda progress: views.run_scenario(
                access, name, variants, paths=paths, seed=seed, progress=progress
            ),
        )
        return JSONResponse({**job.as_dict(), "poll": f"/api/jobs/{job.id}"}, status_code=202)

    @app.get("/api/jobs/{job_id}")
    async def api_job(job_id: str) -> JSONResponse:
        job = jobs.get(job_id)
        if job is None:
            raise StarletteHTTPException(404, f"no job {job_id[:40]!r} (finished jobs expire)")
        return JSONResponse(_jsonable(job.as_dict()))

    def text_args(body: dict[str, Any], need_date: bool) -> tuple[str, Any]:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ConfigError("paste some English text to code", field="text")
        if len(text) > v.MAX_TEXT:
            raise ConfigError(
                f"at most {v.MAX_TEXT:,} characters at a time; got {len(text):,}", field="text"
            )
        raw_day = body.get("date")
        day = v.day(raw_day if isinstance(raw_day, str) else None, "date")
        if need_date and day is None:
            raise ConfigError("stored events need the text's date, as YYYY-MM-DD", field="date")
        return text, day

    @app.post("/api/code")
    async def api_code(request: Request) -> JSONResponse:
        text, day = text_args(await json_body(request), need_date=False)
        return await api(lambda: views.code_text(holder, text, day))()

    @app.post("/api/code/ingest")
    async def api_code_ingest(request: Request) -> JSONResponse:
        text, day = text_args(await json_body(request), need_date=True)
        return await api(lambda: views.add_coded(access, holder, text, day))()

    return app

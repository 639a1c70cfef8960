"""The dashboard: a FastAPI app serving pages with Plotly figures, and the JSON API behind them.

Pages: ``/`` (triad overview), ``/dyad``, ``/explain``, ``/scenario``, ``/coder`` and
``/instruments`` (what is in force on a day, from the instruments register read at start). Every
query parameter is checked by :mod:`brinkwatch.web._validation` (a bad one gives a 400 page or
JSON naming it); the store is opened read-only for each request, except by ``POST
/api/code/ingest``, the only write. Scenario runs go to a bounded background pool and are
polled at ``/api/jobs/{id}``. Plotly's JavaScript is served from the installed ``plotly``
package, so the pages need nothing from the internet.

:func:`create_app` only wires the parts: settings, the middleware (Host check, body cap,
``Retry-After``) and one router per page group (``_pages``, ``_api_measure``,
``_api_explain``, ``_api_scenario``, ``_coder``, ``_static``); the routers share the
responses and error handlers of :mod:`brinkwatch.web._http`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brinkwatch.config import load_settings
from brinkwatch.errors import ConfigError
from brinkwatch.web._api_explain import router as explain_api
from brinkwatch.web._api_measure import router as measure_api
from brinkwatch.web._api_scenario import router as scenario_api
from brinkwatch.web._coder import router as coder_api
from brinkwatch.web._http import EXCEPTION_HANDLERS, Services, status_of
from brinkwatch.web._pages import router as pages
from brinkwatch.web._state import JobQueue, StoreAccess, startup_register
from brinkwatch.web._static import router as static
from brinkwatch.web._validation import LOCAL_HOSTS, MAX_TEXT
from brinkwatch.web._views import CoderHolder

if TYPE_CHECKING:
    from brinkwatch.instruments import Register

__all__ = ["LOCAL_HOSTS", "MAX_BODY", "BodyLimit", "create_app", "status_of"]

#: Largest request body accepted, in bytes: the coder's text (JSON-escaped) and a little more.
MAX_BODY = 4 * MAX_TEXT + 4096
#: Seconds a client should wait before retrying a 503 (the store held by another process).
RETRY_AFTER = 5
_ROUTERS = (static, pages, measure_api, explain_api, scenario_api, coder_api)


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


async def _retry_after(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    # A 503 means another process holds the store for now (docs/dashboard.md).
    response = await call_next(request)
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER))
    return response


def create_app(
    store_path: str | Path,
    *,
    allowed_hosts: list[str] | None = None,
    workers: int = 1,
    capacity: int = 4,
    coder: Any = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    register: Register | str | Path | None = None,
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
    register
        The instruments register shown on ``/instruments`` and beside the dyad's index: a
        parsed register, a register file, or None for the bundled one when installed.

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
        register=startup_register(register),
    )
    jobs = JobQueue(workers=workers, capacity=capacity)
    app = FastAPI(
        title="brinkwatch",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        on_shutdown=[jobs.shutdown],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    # Middleware added later wraps what was added before: the Host check runs first.
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.middleware("http")(_retry_after)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or list(LOCAL_HOSTS))
    app.state.access = access
    app.state.jobs = jobs
    app.state.services = Services(access=access, jobs=jobs, coder=CoderHolder(coder))
    for router in _ROUTERS:
        app.include_router(router)
    return app

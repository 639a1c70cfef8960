"""Static files: the pages' script and style, and Plotly's JavaScript from the installed package.

Plotly is served locally so the pages need nothing from the internet.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["router"]

router = APIRouter(prefix="/static", include_in_schema=False)

_STATIC_TYPES = {
    "app.js": "text/javascript",
    "app.css": "text/css",
    "favicon.svg": "image/svg+xml",
}


@cache
def _plotly_js() -> bytes:
    import plotly.offline

    text: str = plotly.offline.get_plotlyjs()
    return text.encode("utf-8")


@cache
def _static(name: str) -> bytes:
    return resources.files("brinkwatch.web").joinpath("static", name).read_bytes()


@router.get("/plotly.min.js")
def plotly_js() -> Response:
    """Serve Plotly's JavaScript, cached by the browser for a day."""
    return Response(
        _plotly_js(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/{name}")
def static(name: str) -> Response:
    """Serve one of the dashboard's own files (``app.js``, ``app.css``, ``favicon.svg``)."""
    if name not in _STATIC_TYPES:
        raise StarletteHTTPException(404, f"no static file {name[:40]!r}")
    return Response(_static(name), media_type=_STATIC_TYPES[name])

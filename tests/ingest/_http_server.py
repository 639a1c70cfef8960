"""A local HTTP file server for tests: Range support, cut-off responses and a request log.

Usage::

    with serve_directory(tmp_path) as server:
        httpx.get(server.url + "a.zip")                 # server.url ends with "/"
        server.cut_next(1000)                           # next file body stops after 1000 bytes
        server.support_range = False                    # from now on, ignore Range headers
        assert server.requests_for("a.zip")[0].range is None
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["LocalServer", "LoggedRequest", "serve_directory"]

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class LoggedRequest:
    """One request the server answered."""

    method: str
    path: str  # URL path without the leading "/", percent-decoded
    range: str | None  # the Range header, if any
    status: int
    body_bytes: int  # body bytes actually sent (fewer than promised when cut)


@dataclass
class LocalServer:
    """Handle on a running server; change its attributes between requests to change behaviour."""

    root: Path
    url: str = ""
    support_range: bool = True
    requests: list[LoggedRequest] = field(default_factory=list)
    _cuts: list[tuple[str | None, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cut_next(self, nbytes: int, path: str | None = None) -> None:
        """Cut the next file response (or the next one for `path`) after `nbytes` body bytes.

        Headers promise the full length; the connection is closed after `nbytes`, as when a
        download is interrupted. Calls queue up: each applies to one response.
        """
        with self._lock:
            self._cuts.append((path, nbytes))

    def requests_for(self, name: str) -> list[LoggedRequest]:
        """Requests whose path ends with `name`."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(name)]

    def paths(self) -> list[str]:
        """Requested paths, in order."""
        with self._lock:
            return [r.path for r in self.requests]

    def clear_log(self) -> None:
        """Forget the requests made so far."""
        with self._lock:
            self.requests.clear()

    def _take_cut(self, path: str) -> int | None:
        with self._lock:
            for i, (cut_path, nbytes) in enumerate(self._cuts):
                if cut_path is None or cut_path == path:
                    del self._cuts[i]
                    return nbytes
            return None

    def _log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(entry)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: LocalServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _record(self, status: int, body_bytes: int, rel: str, range_header: str | None) -> None:
        self.server.state._log(LoggedRequest(self.command, rel, range_header, status, body_bytes))

    def _error(
        self, status: int, rel: str, range_header: str | None, extra: dict[str, str]
    ) -> None:
        body = f"{status} {HTTPStatus(status).phrase}\n".encode()
        # Log before answering, so a test that got its answer always finds the entry.
        self._record(status, 0, rel, range_header)
        self.send_response(status)
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, *, send_body: bool) -> None:
        state = self.server.state
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        range_header = self.headers.get("Range")
        root = state.root.resolve()
        target = (root / rel).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            self._error(404, rel, range_header, {})
            return
        data = target.read_bytes()
        size = len(data)
        status, start, stop = 200, 0, size
        if range_header is not None and state.support_range:
            m = _RANGE.match(range_header.strip())
            if m is None or int(m[1]) >= size:
                self._error(416, rel, range_header, {"Content-Range": f"bytes */{size}"})
                return
            start = int(m[1])
            stop = min(int(m[2]) + 1, size) if m[2] else size
            status = 206
        body = data[start:stop] if send_body else b""
        cut = state._take_cut(rel) if send_body else None
        if cut is not None:
            body = body[:cut]
        self._record(status, len(body), rel, range_header)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(stop - start))
        self.send_header("Accept-Ranges", "bytes" if state.support_range else "none")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{stop - 1}/{size}")
        self.end_headers()
        for i in range(0, len(body), 8192):
            self.wfile.write(body[i : i + 8192])
        self.wfile.flush()
        if cut is not None:
            self.close_connection = True  # the client sees the body end early


@contextmanager
def serve_directory(root: Path, *, support_range: bool = True) -> Iterator[LocalServer]:
    """Serve the files under `root` on 127.0.0.1 at a free port, in a background thread.

    Yields a :class:`LocalServer` whose ``url`` is ``http://127.0.0.1:PORT/``.
    """
    state = LocalServer(root=Path(root), support_range=support_range)
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.state = state
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(
        target=httpd.serve_forever, args=(0.05,), name="test-http-server", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)

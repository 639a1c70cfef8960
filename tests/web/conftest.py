"""A store with the bundled chronology, the app over it, a live server and headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from brinkwatch.ingest.instruments import read_register
from brinkwatch.web import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("BRINKWATCH_CHROMIUM", "/usr/bin/chromium"))
#: Screenshots land here (gitignored); CI keeps them as test artifacts.
#: The test register (GSOMIA and the three export controls) the app is started with.
REGISTER = ROOT / "tests/data/instruments-small.yaml"
ARTIFACTS = Path(os.environ.get("BRINKWATCH_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "web"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def web_db(chronology_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the chronology store: the coder tests write to it.

    The writing tests run last (``test_write.py`` and the last browser test), so the tests
    before them share the app's cached results.
    """
    path = tmp_path_factory.mktemp("web") / "store.duckdb"
    shutil.copy(chronology_db, path)
    return path


@pytest.fixture(scope="session")
def web_app(web_db: Path) -> FastAPI:
    """One app for the in-process and the browser tests, so they share its result cache."""
    return create_app(web_db, register=read_register(REGISTER))


@pytest.fixture(scope="session")
def client(web_app: FastAPI) -> Iterator[TestClient]:
    """The app called in process at a loopback host name."""
    with TestClient(web_app, base_url="http://127.0.0.1") as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server(web_app: FastAPI) -> Iterator[str]:
    """The dashboard served by uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="session")
def browser_context(
    tmp_path_factory: pytest.TempPathFactory, playwright_driver: Any
) -> Iterator[Any]:
    """Headless Chromium (Debian's) with a fresh profile; skips when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
            "or set BRINKWATCH_CHROMIUM; the browser tests never download a browser"
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # One Playwright driver per run (tests/conftest.py).
    ctx = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
    )
    try:
        yield ctx
    finally:
        ctx.close()

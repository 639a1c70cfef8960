"""A serving dashboard and ten `brinkwatch ingest` processes on one store, all at once.

The dashboard (uvicorn on 127.0.0.1, in a thread of this process) keeps answering a client
while ten real ingest processes write GDELT slices into its store: every ingest completes, the
counts add up, and the only non-200 answers are 503s with Retry-After naming the writer.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from brinkwatch.store import connect, holders, select_events
from brinkwatch.web import create_app

INGESTS = 10
#: Pages the client cycles through: cached views (served from the previous store version
#: while a writer holds the file) and an uncached query that always reads the store.
URLS = ["/api/events?dyad=JPN-USA&limit=5", "/api/dyad?dyad=JPN-KOR", "/dyad?dyad=JPN-KOR"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(chronology_db: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A copy of the chronology store served by uvicorn on a free loopback port."""
    import uvicorn

    db = tmp_path / "store.duckdb"
    shutil.copy(chronology_db, db)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(db, threads=1), host="127.0.0.1", port=_free_port(), log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.config.port}", db
    server.should_exit = True
    thread.join(timeout=15)


def _slices(source: Path, out: Path) -> list[Path]:
    """Split a GDELT export into INGESTS files; neighbours share 10 rows (duplicates)."""
    lines = source.read_bytes().splitlines(keepends=True)
    step = len(lines) // INGESTS
    files = []
    for i in range(INGESTS):
        end = len(lines) if i == INGESTS - 1 else (i + 1) * step + 10
        f = out / f"slice{i}.export.CSV"
        f.write_bytes(b"".join(lines[i * step : end]))
        files.append(f)
    return files


@pytest.mark.solo  # bounds wall time: under xdist, runs alone
def test_the_dashboard_and_ten_ingests_share_a_store(
    served: tuple[str, Path], shared_data: Path, tmp_path: Path
) -> None:
    base, db = served
    source = shared_data / "gdelt/20191024143000.export.CSV"
    files = _slices(source, tmp_path)
    log_sql = "SELECT count(*), coalesce(sum(read), 0) FROM ingest_log"
    with connect(db, read_only=True) as s:
        log_before = s.con.execute(log_sql).fetchall()[0]
    answers: list[tuple[str, int, str | None, str, float]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            while not stop.is_set():
                for url in URLS:
                    t0 = time.monotonic()
                    r = c.get(url)
                    answers.append(
                        (url, r.status_code, r.headers.get("Retry-After"), r.text[:2000],
                         time.monotonic() - t0)
                    )  # fmt: skip

    with httpx.Client(base_url=base, timeout=60) as c:
        for url in URLS:  # warm the cache for the store as it is before the ingests
            assert c.get(url).status_code == 200, url
    reader = threading.Thread(target=client, daemon=True)
    reader.start()
    # One DuckDB thread each: ten processes share two cores with the dashboard.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "BRINKWATCH_THREADS": "1"}
    cli = [sys.executable, "-m", "brinkwatch"]
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [*cli, "ingest", str(f), "--db", str(db), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for f in files
    ]
    results = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=120)
            results.append((p.returncode, out, err))
    finally:
        for p in procs:
            p.kill()
        stop.set()
        reader.join(timeout=60)
    seconds = time.monotonic() - started
    waited = sum("waiting up to" in err for _, _, err in results)

    # Every ingest completed, and the dashboard's reads made none fail.
    for code, _, err in results:
        assert code == 0, err
    reports = [json.loads(out) for _, out, _ in results]
    read = sum(r["read"] for r in reports)
    stored = sum(r["stored"] for r in reports)
    dups = sum(r["duplicates"] for r in reports)
    assert read == 2111 + 10 * (INGESTS - 1)
    assert sum(r["rejected"] for r in reports) == 0
    assert stored == 2111 and dups == 10 * (INGESTS - 1) and read == stored + dups
    # Ingests that waited said for whom.
    for _, _, err in results:
        if "waiting up to" in err:
            assert "for the store: pid " in err and ("reading" in err or "writing" in err)

    # The dashboard kept answering: 200, or 503 with Retry-After naming the writer.
    assert answers, "the client got no answer at all"
    during = [a for a in answers if a[1] == 200]
    assert len(during) >= len(URLS), answers
    for url, status, retry, body, _ in answers:
        assert status in (200, 503), (url, status, body)
        if status == 503:
            assert retry == "5", url
            assert "StoreLockedError" in body and "writing" in body, body
    slowest = max(a[4] for a in answers)
    assert slowest < 30, slowest

    # The store holds every event once, and the dashboard now shows the new ones.
    with connect(db, read_only=True) as s:
        assert int(s.events.filter(s.events.origin == "gdelt2").count().execute()) == stored
        log = s.con.execute(log_sql).fetchall()[0]
        jpn_usa = int(select_events(s.events, dyad=("JPN", "USA")).count().execute())
    assert (log[0] - log_before[0], log[1] - log_before[1]) == (INGESTS, read)
    with httpx.Client(base_url=base, timeout=60) as c:
        assert c.get(URLS[0]).json()["total"] == jpn_usa
    assert holders(db) == []
    print(
        f"\n{INGESTS} ingests in {seconds:.1f} s ({waited} waited); dashboard: {len(answers)} "
        f"answers, {len(during)} x 200, {len(answers) - len(during)} x 503, slowest "
        f"{slowest:.2f} s"
    )


def _hold(db: Path, *, read_only: bool) -> subprocess.Popen[str]:
    """Another brinkwatch process holding ``db`` until killed."""
    code = (
        "import sys, time\n"
        "from brinkwatch.store import connect\n"
        "s = connect(sys.argv[1], read_only=sys.argv[2] == 'r')\n"
        "print('open', flush=True)\n"
        "time.sleep(60)\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code, str(db), "r" if read_only else "w"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "open"
    return p


def test_while_a_writer_holds_the_store_cached_results_are_served(
    chronology_db: Path, tmp_path: Path
) -> None:
    from brinkwatch.errors import StoreLockedError
    from brinkwatch.web._state import StoreAccess

    db = tmp_path / "store.duckdb"
    shutil.copy(chronology_db, db)
    access = StoreAccess(db, read_wait=0.2)

    def count() -> int:
        with access.read() as s:
            return int(s.events.count().execute())

    before = access.cached(("count",), count)
    writer = _hold(db, read_only=False)
    try:
        # The writer's migration changed the file: a new version, which cannot be read now.
        assert access.cached(("count",), count) == before
        with pytest.raises(StoreLockedError, match=rf"pid {writer.pid} \(.*\), writing since"):
            access.cached(("never computed",), count)
    finally:
        writer.kill()
        writer.wait()
    assert access.cached(("count",), count) == before


def test_the_dashboard_passes_threads_and_memory_limit_to_duckdb(
    chronology_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A copy: DuckDB refuses, in one process, a second configuration for a file that another
    # fixture of the session may hold open.
    chronology_db = Path(shutil.copy(chronology_db, tmp_path / "store.duckdb"))
    monkeypatch.setenv("BRINKWATCH_THREADS", "1")
    monkeypatch.setenv("BRINKWATCH_MEMORY_LIMIT", "300MB")
    app = create_app(chronology_db)
    with app.state.access.read() as s:
        threads, memory = s.con.execute(
            "SELECT current_setting('threads'), current_setting('memory_limit')"
        ).fetchall()[0]
    assert int(threads) == 1
    assert memory.replace(" ", "") in ("300.0MB", "286.1MiB", "300MB"), memory
    explicit = create_app(chronology_db, threads=2, memory_limit="200MB")
    with explicit.state.access.read() as s:
        row = s.con.execute("SELECT current_setting('threads')").fetchall()[0]
    assert int(row[0]) == 2

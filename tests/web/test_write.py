"""The dashboard's one write: coded events added to the store (runs after the read-only tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from brinkwatch.store import connect


def test_coded_events_are_added_once(client: TestClient, web_db: Path) -> None:
    text = (
        # Not the browser test's text, which may already be stored.
        "Seoul has retaliated by restricting sales of chemicals to Japanese firms. Tokyo "
        "condemned the decision."
    )
    coded = client.post("/api/code", json={"text": text, "date": "2019-07-01"}).json()
    assert coded["events"], coded
    e = coded["events"][0]
    assert e["sentence"][e["mark_start"] : e["mark_end"]] == "restricting sales"
    with connect(web_db, read_only=True) as s:
        before = int(s.events.filter(s.events.origin == "coded").count().execute())
    r = client.post("/api/code/ingest", json={"text": text, "date": "2019-07-01"})
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == len(coded["events"]) - r.json()["duplicates"] > 0
    again = client.post("/api/code/ingest", json={"text": text, "date": "2019-07-01"}).json()
    assert again["stored"] == 0 and again["duplicates"] == len(coded["events"])
    with connect(web_db, read_only=True) as s:
        after = int(s.events.filter(s.events.origin == "coded").count().execute())
    assert after - before == r.json()["stored"]


def test_a_store_locked_by_another_writer_gives_503(client: TestClient, web_db: Path) -> None:
    # Another process (say `brinkwatch ingest`) holds the file for writing.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', "
            "flush=True); time.sleep(60)",
            str(web_db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        r = client.get("/api/events?dyad=JPN-KOR&limit=1")
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        err = r.json()["error"]
        # It names the holder, which is no brinkwatch process, and says it writes.
        assert err["kind"] == "StoreLockedError"
        assert (
            f"pid {holder.pid} (" in err["message"] and "not a brinkwatch process" in err["message"]
        )
        assert "writing" in err["message"] and "try again" in err["message"]
        page = client.get("/dyad?dyad=KOR-CHN")
        assert page.status_code == 503 and 'id="error"' in page.text
        assert page.headers["Retry-After"] == "5"
    finally:
        holder.kill()
        holder.wait()
    assert client.get("/api/events?dyad=JPN-KOR&limit=1").status_code == 200

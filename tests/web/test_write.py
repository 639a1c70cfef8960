"""The dashboard's one write: coded events added to the store (runs after the read-only tests)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
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


def test_only_accepted_and_edited_rows_are_stored_with_the_edits(
    client: TestClient, web_db: Path
) -> None:
    text = (
        "Pyongyang criticized Washington yesterday. China protested to Japan on 3 June 2019. "
        "Russia accused Japan of provocation."
    )
    body = {"text": text, "date": "2019-06-12"}
    coded = client.post("/api/code", json=body).json()["events"]
    by_target = {(e["source"], e["target"]): e for e in coded}
    crit, protest, accuse = (by_target[k] for k in (("PRKGOV", "USAGOV"), ("CHN", "JPN"),
                                                     ("RUS", "JPN")))  # fmt: skip
    assert (crit["event_date"], crit["date_phrase"]) == ("2019-06-11", "yesterday")
    assert (protest["event_date"], protest["date_phrase"]) == ("2019-06-03", "3 June 2019")
    rows = [
        {"event_id": crit["event_id"], "action": "accept"},
        {"event_id": protest["event_id"], "action": "edit", "code": "1122",
         "source": "CHNGOV", "event_date": "2019-06-04"},
        {"event_id": accuse["event_id"], "action": "reject"},
    ]  # fmt: skip
    r = client.post("/api/code/ingest", json={**body, "rows": rows})
    assert r.status_code == 200, r.text
    assert r.json()["stored"] + r.json()["duplicates"] == 2
    with connect(web_db, read_only=True) as s:
        ev = s.events
        got = (
            ev.filter((ev.origin == "coded") & (ev.event_date >= date(2019, 6, 1)))
            .filter(ev.event_date <= date(2019, 6, 30))
            .select("event_date", "source_code", "target_code", "cameo_code")
            .to_pyarrow()
            .to_pylist()
        )
    got_set = {(str(g["event_date"]), g["source_code"], g["target_code"], g["cameo_code"])
               for g in got}  # fmt: skip
    assert ("2019-06-11", "PRKGOV", "USAGOV", crit["cameo_code"]) in got_set
    assert ("2019-06-04", "CHNGOV", "JPN", "1122") in got_set
    assert not any(s == "RUS" for _, s, _, _ in got_set)


def test_a_review_that_does_not_match_the_text_is_refused(client: TestClient) -> None:
    body = {"text": "China protested to Japan.", "date": "2019-06-12"}
    stale = client.post(
        "/api/code/ingest", json={**body, "rows": [{"event_id": "coded-0", "action": "accept"}]}
    )
    assert stale.status_code == 400 and "code the text again" in stale.text
    eid = client.post("/api/code", json=body).json()["events"][0]["event_id"]
    bad = client.post(
        "/api/code/ingest",
        json={**body, "rows": [{"event_id": eid, "action": "edit", "code": "999"}]},
    )
    assert bad.status_code in (400, 404, 422) and "999" in bad.text
    wrong = client.post(
        "/api/code/ingest", json={**body, "rows": [{"event_id": eid, "action": "store"}]}
    )
    assert wrong.status_code == 400 and "accept, edit, reject" in wrong.text


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

"""The dashboard's API and pages in process: validation, numbers against the library, writes."""

from __future__ import annotations

import json
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brinkwatch.cli import main
from brinkwatch.cli._serve import allowed_hosts_for, build_app
from brinkwatch.errors import BusyError, ConfigError
from brinkwatch.measure import DEFAULT_BASELINE, Actor, dyad_series, indexed_series
from brinkwatch.store import connect, select_events
from brinkwatch.web import _views as views
from brinkwatch.web import check_host, create_app, is_loopback
from brinkwatch.web._state import JobQueue


def _error(resp: Any, status: int, field: str | None) -> str:
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["field"] == field, err
    message: str = err["message"]
    return message


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("dyad=JPN-XXX", "dyad", "'XXX'"),
        ("dyad=JPN", "dyad", "two country codes"),
        ("dyad=JPN-JPN", "dyad", "two different countries"),
        ("dyad=jpn-kor;drop", "dyad", "country code"),
        ("from=2019-12-31&to=2019-01-01", "from", "inverted"),
        ("from=2019-13-01", "from", "YYYY-MM-DD"),
        ("to=1066-10-14", "to", "between 1900 and 2100"),
        ("freq=fortnight", "freq", "day, week, month"),
        ("freq=day", "freq", "need a window"),
        ("freq=day&from=2015-01-01&to=2019-12-31", "freq", "at most 3 years"),
        ("measure=value); DROP TABLE events; --", "measure", "goldstein_sum"),
    ],
)
def test_dyad_api_rejects_bad_parameters(
    client: TestClient, query: str, field: str, words: str
) -> None:
    msg = _error(client.get(f"/api/dyad?{query}"), 400, field)
    assert words in msg


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("root=16,99", "root"),
        ("quad=5", "quad"),
        ("origin=x' OR 1=1 --", "origin"),
        ("limit=100000", "limit"),
        ("limit=ten", "limit"),
    ],
)
def test_events_api_rejects_bad_filters(client: TestClient, query: str, field: str) -> None:
    _error(client.get(f"/api/events?dyad=JPN-KOR&{query}"), 400, field)


def test_triad_needs_three_different_known_countries(client: TestClient) -> None:
    assert "three" in _error(client.get("/api/triad?triad=USA,JPN"), 400, "triad")
    assert "'ZZZ'" in _error(client.get("/api/triad?triad=USA,JPN,ZZZ"), 400, "triad")
    assert "different" in _error(client.get("/api/explain?triad=USA,JPN,JPN"), 400, "triad")
    _error(client.get("/api/explain?repl=1000000"), 400, "repl")
    _error(client.get("/api/explain?freq=day"), 400, "freq")


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"scenario": "jpn-kor-2019", "paths": 50_001}, "paths", "between 1 and 50,000"),
        ({"scenario": "jpn-kor-2019", "paths": 10**12}, "paths", "between 1 and 50,000"),
        ({"scenario": "jpn-kor-2019", "paths": 0}, "paths", "between 1"),
        ({"scenario": "jpn-kor-2019", "paths": "many"}, "paths", "whole number"),
        ({"scenario": "../../etc/passwd"}, "scenario", "jpn-kor-2019"),
        ({"scenario": "jpn-kor-2019", "levers": ["bribe"]}, "levers", "no lever 'bribe'"),
        ({"scenario": "jpn-kor-2019", "levers": "public_mediation"}, "levers", "list"),
    ],
)
def test_scenario_runs_are_validated_before_queueing(
    client: TestClient, body: dict[str, Any], field: str, words: str
) -> None:
    assert words in _error(client.post("/api/scenario/runs", json=body), 400, field)


def test_html_pages_show_the_error_beside_the_form(client: TestClient) -> None:
    r = client.get("/dyad?dyad=JPN-KOR&from=2020-01-01&to=2019-01-01")
    assert r.status_code == 400
    assert 'id="error"' in r.text and "inverted" in r.text
    # The form keeps what was typed, so it can be corrected.
    assert 'value="2020-01-01"' in r.text and 'id="dyad-form"' in r.text
    r = client.get("/?triad=USA,JPN,<script>alert(1)</script>")
    assert r.status_code == 400 and "<script>alert(1)" not in r.text


def test_writes_need_json_from_the_same_origin(client: TestClient) -> None:
    r = client.post("/api/code/ingest", data={"text": "x", "date": "2019-07-01"})
    assert r.status_code == 415
    r = client.post(
        "/api/code/ingest",
        json={"text": "Japan criticised South Korea.", "date": "2019-07-01"},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403
    assert "date" in _error(
        client.post("/api/code/ingest", json={"text": "Japan criticised South Korea."}),
        400,
        "date",
    )
    r = client.post("/api/code", json={"text": "x" * 20_001})
    assert "20,000" in _error(r, 400, "text")


def test_only_loopback_host_headers_are_answered(web_db: Path) -> None:
    with TestClient(create_app(web_db), base_url="http://rebind.example") as c:
        assert c.get("/coder").status_code == 400
    with TestClient(create_app(web_db), base_url="http://localhost:8000") as c:
        assert c.get("/coder").status_code == 200


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no store at"):
        create_app(tmp_path / "none.duckdb")


# ---------------------------------------------------------------- binding


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_public_hosts_need_the_explicit_flag(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match="--allow-public"):
        check_host(host, allow_public=False)
    assert check_host(host, allow_public=True) == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_fine(host: str) -> None:
    assert check_host(host, allow_public=False) == host


def test_serve_refuses_a_public_address_without_the_flag(
    web_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--host", "0.0.0.0", "--db", str(web_db)])
    assert exc.value.code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "ConfigError" not in err and "refusing to serve on 0.0.0.0" in err
    assert "--allow-public" in err


# ---------------------------------------------------------------- numbers


def test_dyad_numbers_are_the_librarys(client: TestClient, web_db: Path) -> None:
    r = client.get("/api/dyad?dyad=JPN-KOR&freq=month&from=2018-01-01&to=2020-12-31")
    assert r.status_code == 200
    got = {d["dyad"]: d for d in r.json()["dyads"]}
    with connect(web_db, read_only=True) as s:
        ser = dyad_series(
            s.events,
            [(Actor("JPN"), Actor("KOR")), (Actor("KOR"), Actor("JPN"))],
            freq="month",
            start=date(2018, 1, 1),
            end=date(2020, 12, 31),
        )
        rows = indexed_series(ser, baseline=DEFAULT_BASELINE["month"]).to_pyarrow().to_pylist()
        n_events = select_events(
            s.events, dyad=("JPN", "KOR"), start=date(2018, 1, 1), end=date(2020, 12, 31)
        ).count()
        total = int(n_events.execute())
    assert set(got) == {"JPN->KOR", "KOR->JPN"}
    for dyad, d in got.items():
        rs = [x for x in rows if x["dyad"] == dyad]
        assert d["period"] == rs[-1]["period"].isoformat() == "2020-12-01"
        assert d["events"] == sum(x["events"] for x in rs)
        lowest = min(x["index"] for x in rs if x["index"] is not None)
        assert d["min_index"] == pytest.approx(lowest)
    ev = client.get("/api/events?dyad=JPN-KOR&from=2018-01-01&to=2020-12-31&limit=5").json()
    assert ev["total"] == total == sum(d["events"] for d in got.values()) and ev["shown"] == 5
    # The chronology's evidence is its description and citation.
    assert all(e["text"] and e["citation"] for e in ev["events"])


def test_pages_do_not_write_to_the_store(client: TestClient, web_db: Path) -> None:
    before = web_db.stat().st_mtime_ns
    for url in ("/", "/dyad", "/explain?repl=20", "/scenario", "/coder"):
        assert client.get(url).status_code == 200, url
    assert web_db.stat().st_mtime_ns == before


# ---------------------------------------------------------------- the job queue


def test_job_queue_refuses_beyond_capacity() -> None:
    release = threading.Event()
    q = JobQueue(workers=1, capacity=2)
    jobs = [q.submit("t", lambda p: release.wait(10)) for _ in range(2)]
    with pytest.raises(BusyError, match="already queued or running"):
        q.submit("t", lambda p: None)
    release.set()
    for _ in range(200):
        if all(j.status == "done" for j in jobs):
            break
        threading.Event().wait(0.02)
    assert [j.as_dict()["progress"] for j in jobs] == [1.0, 1.0]
    # Finished jobs free their slots.
    assert q.submit("t", lambda p: 7).id != jobs[1].id
    q.shutdown()


def test_a_full_queue_answers_429(web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def slow(*args: Any, progress: Any, **kwargs: Any) -> dict[str, Any]:
        progress(0.5)
        release.wait(10)
        return {"ok": True}

    monkeypatch.setattr(views, "run_scenario", slow)
    body = {"scenario": "jpn-kor-2019", "paths": 10}
    with TestClient(create_app(web_db, capacity=1), base_url="http://127.0.0.1") as c:
        first = c.post("/api/scenario/runs", json=body)
        assert first.status_code == 202
        r = c.post("/api/scenario/runs", json=body)
        assert r.status_code == 429 and r.json()["error"]["kind"] == "BusyError"
        release.set()
        for _ in range(100):
            job = c.get(first.json()["poll"]).json()
            if job["status"] == "done":
                break
            threading.Event().wait(0.05)
        assert job["result"] == {"ok": True}
        assert c.post("/api/scenario/runs", json=body).status_code == 202
        assert "no job 'nope'" in _error(c.get("/api/jobs/nope"), 404, None)


# ---------------------------------------------------------------- public binding, bodies, numbers


def test_allow_public_answers_only_the_allowed_hosts(web_db: Path) -> None:
    web, _ = build_app(web_db, "0.0.0.0", True, ["analyst.example.org"])
    with TestClient(web, base_url="http://rebind.example") as c:
        assert c.get("/coder").status_code == 400
    with TestClient(web, base_url="http://127.0.0.1") as c:
        assert c.get("/coder").status_code == 400
    with TestClient(web, base_url="http://analyst.example.org:8000") as c:
        assert c.get("/coder").status_code == 200


def test_allow_public_needs_an_allowed_host_list(
    web_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--host", "0.0.0.0", "--allow-public", "--db", str(web_db)])
    assert exc.value.code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "--allowed-host" in err and "reverse proxy" in err
    for wildcard in (["*"], ["analyst.example.org", " * "]):
        with pytest.raises(ConfigError, match="DNS rebinding"):
            allowed_hosts_for("0.0.0.0", True, wildcard)
        with pytest.raises(ConfigError, match="DNS rebinding"):
            create_app(web_db, allowed_hosts=wildcard)


def _asgi_post(web: Any, headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, int]:
    """POST ``chunks`` chunks of 64 KiB straight to the ASGI app: (status, chunks read)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": read < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/code",
        "raw_path": b"/api/code",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    # A loop of its own in a thread of its own: other tests of the session (the browser's)
    # may have an event loop running in this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, web(scope, receive, send)).result()
    return sent[0]["status"], read


def test_huge_bodies_get_413_without_being_read_whole(web_app: Any) -> None:
    # 1 GiB streamed in chunks (no Content-Length): cut off after the cap, 84 KB.
    status, read = _asgi_post(web_app, [], chunks=16384)
    assert status == 413 and read == 2
    # A declared Content-Length over the cap: refused before reading anything.
    status, read = _asgi_post(web_app, [(b"content-length", str(2**30).encode())], chunks=16384)
    assert (status, read) == (413, 0)


@pytest.mark.parametrize("paths", [50000.5, True, "1e3", "1_000", [5]])
def test_numbers_are_strict_whole_numbers(client: TestClient, paths: Any) -> None:
    r = client.post("/api/scenario/runs", json={"scenario": "jpn-kor-2019", "paths": paths})
    assert "whole number" in _error(r, 400, "paths")


def test_query_numbers_are_strict_whole_numbers(client: TestClient) -> None:
    for limit in ("5.5", "true", "1e2"):
        r = client.get(f"/api/events?dyad=JPN-KOR&limit={limit}")
        assert "whole number" in _error(r, 400, "limit")


def test_explain_by_month_shows_no_dynamics_and_same_period_apart(client: TestClient) -> None:
    d = client.get("/api/explain?repl=20").json()
    assert not d["insufficient"] and not d["dynamics"] and d["lags"] == 0
    assert d["granger"] == [] and d["figure"] is None
    assert d["reciprocity"][0].startswith("No dynamics detected: AIC chooses 0 lags")
    assert d["same_period"] and all("correlate at r=" in line for line in d["same_period"])
    assert d["disagreements"] and "goldstein_sum" in d["disagreements"][0]
    html = client.get("/explain?repl=20").text
    assert "no dynamics detected" in html and 'id="same-period"' in html


def test_dyad_and_triad_pages_show_the_coverage_strip(client: TestClient) -> None:
    # The chronology alone covers this store: one lane, still shown.
    got = client.get("/api/dyad?dyad=JPN-KOR&freq=month&from=2018-01-01&to=2020-12-31").json()
    assert [(c["origin"], c["used"]) for c in got["coverage"]] == [("chronology", True)]
    assert got["coverage"][0]["days"] > 50
    strip = [t for t in json.loads(got["figure"])["data"] if t.get("meta") == "coverage"]
    assert [t["name"] for t in strip] == ["chronology"]
    assert strip[0]["xaxis"] == "x2" and len(strip[0]["x"]) >= 3
    for page in ("/dyad?dyad=JPN-KOR&freq=month", "/?triad=USA,JPN,KOR&freq=month"):
        html = client.get(page).text
        assert 'id="coverage"' in html and 'data-origin="chronology"' in html
        assert '"meta":"coverage"' in html


def test_dyad_tables_explain_their_columns_in_words(client: TestClient) -> None:
    for page in ("/dyad?dyad=JPN-KOR&freq=week", "/?triad=USA,JPN,KOR&freq=month&measure=net_coop"):
        html = client.get(page).text
        table = html[html.index('<table id="dyads">') : html.index("</table>")]
        # A caption says what the index and "lowest since" are, the measure in words.
        assert "<caption" in table and "robust z-score" in table and "lowest since" in table
        text = re.sub(r"<[^>]+>", " ", table)  # what a reader sees; links keep their ids
        assert "goldstein_sum" not in text and "net_coop" not in text
        assert ("Goldstein points per week" in table) or ("conflictual events per month" in table)

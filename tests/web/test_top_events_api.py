"""``/api/top-events``: the events behind a bar, as the measure stage ranks them (issue 17)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from brinkwatch.measure import top_events
from brinkwatch.store import connect


def test_top_events_answers_the_measure_stage_ranking(client: TestClient, web_db: Path) -> None:
    r = client.get(
        "/api/top-events",
        params={"dyad": "KOR->JPN", "freq": "month", "from": "2019-07-01", "to": "2019-12-31"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    with connect(web_db, read_only=True) as s:
        want = top_events(
            s.events, "KOR", "JPN", freq="month", start=date(2019, 7, 1), end=date(2019, 12, 31)
        )
    assert body["dyad"] == "KOR->JPN"
    assert [p["period"] for p in body["periods"]] == [p.isoformat() for p in want]
    for p in body["periods"]:
        got = [e["event_id"] for e in p["events"]]
        assert got == [e.event_id for e in want[date.fromisoformat(p["period"])]]
        assert 0 < len(got) <= 3


def test_top_events_names_a_bad_parameter(client: TestClient) -> None:
    r = client.get("/api/top-events", params={"dyad": "KOR->JPN", "n": "500"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["field"] == "n" and "--" not in err["message"]

"""The dashboard's instruments page and API, and the dyad's frictions, in process."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from brinkwatch.codebook import Dyad
from brinkwatch.errors import RegisterError
from brinkwatch.ingest.instruments import BUNDLED_REGISTER, read_register
from brinkwatch.measure.instruments import in_force
from brinkwatch.store import connect
from brinkwatch.web import _views as views
from brinkwatch.web import create_app
from brinkwatch.web._state import StoreAccess, startup_register
from tests.web.conftest import REGISTER, ROOT


def test_api_lists_what_is_in_force_on_the_day(client: TestClient) -> None:
    r = client.get("/api/instruments?at=2019-12-01")
    assert r.status_code == 200, r.text
    body = r.json()
    want = in_force(read_register(REGISTER), date(2019, 12, 1))
    assert body["at"] == "2019-12-01" and body["register"] == "test-jpn-kor-2016-2023"
    got = [(x["instrument"], x["state"], x["weight"], x["since"]) for x in body["in_force"]]
    assert got == [(x.instrument, x.state, x.weight, x.since.isoformat()) for x in want]
    assert dict((x[0], x[1]) for x in got)["GSOMIA"] == "notice_suspended"
    assert body["in_force"][0]["citation"]["publisher"] == "Yonhap"
    assert body["figure"] and "GSOMIA" in body["figure"]
    # Before the register's first instrument, nothing is in force.
    assert client.get("/api/instruments?at=2016-01-01").json()["in_force"] == []


def test_the_default_day_is_the_store_s_latest_within_the_register(
    client: TestClient, web_db: Path
) -> None:
    with connect(web_db, read_only=True) as s:
        last = max(date.fromisoformat(str(r["last"])[:10]) for r in s.stats().by_origin)
    reg = read_register(REGISTER)
    first = min(i.start for i in reg.instruments)
    end = max(i.changes[-1].date for i in reg.instruments)
    assert client.get("/api/instruments").json()["at"] == min(max(last, first), end).isoformat()


def test_a_bad_day_names_the_field(client: TestClient) -> None:
    r = client.get("/api/instruments?at=2019-13-01")
    assert r.status_code == 400 and r.json()["error"]["field"] == "at"
    page = client.get("/instruments?at=yesterday")
    assert page.status_code == 400 and 'id="error"' in page.text


def test_the_page_has_a_nav_link_the_table_and_the_timeline(client: TestClient) -> None:
    r = client.get("/instruments?at=2020-03-01")
    assert r.status_code == 200, r.text
    html = r.text
    assert '<a href="/instruments" class="here">Instruments</a>' in html
    for x in in_force(read_register(REGISTER), date(2020, 3, 1)):
        assert f'data-instrument="{x.instrument}" data-state="{x.state}"' in html
    assert 'id="fig-timeline"' in html and "Seoul conditionally suspends" in html
    assert '<a href="/instruments"' in client.get("/coder").text  # on every page


def test_the_dyad_carries_the_frictions_of_the_register(client: TestClient) -> None:
    body = client.get("/api/dyad?dyad=JPN-KOR&freq=month&from=2019-01-01&to=2020-12-31").json()
    fr = {date.fromisoformat(r["period"]): r["total"] for r in body["frictions"]}
    assert fr and all(v == 0 for p, v in fr.items() if p < date(2019, 7, 1))
    assert all(v > 0 for p, v in fr.items() if p >= date(2019, 7, 1))
    assert '"meta":"frictions"' in body["figure"]
    page = client.get("/dyad?dyad=JPN-KOR&freq=month&from=2019-01-01&to=2020-12-31").text
    assert 'id="frictions-note"' in page and "instruments register" in page


def test_without_a_register_the_pages_say_so(web_db: Path) -> None:
    access = StoreAccess(web_db)
    got = views.instruments_page_view(access, None)
    assert got["register"] is None and got["in_force"] == []
    plain = views.dyad_view(
        access, Dyad.parse("JPN-KOR"), freq="month", start=None, end=None, measure="goldstein_sum"
    )
    assert plain["frictions"] is None


def test_the_register_is_read_once_at_start(web_db: Path, tmp_path: Path) -> None:
    bundled = ROOT / "src/brinkwatch" / BUNDLED_REGISTER
    assert (startup_register(None) is None) is (not bundled.is_file())
    assert startup_register(REGISTER) is not None
    bad = tmp_path / "r.yaml"
    bad.write_text("register: x\ntitle: t\ninstruments: []\n")
    with pytest.raises(RegisterError, match=r"r\.yaml"):
        create_app(web_db, register=bad)

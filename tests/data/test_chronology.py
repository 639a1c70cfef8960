"""The bundled Japan-ROK-US chronology: it loads cleanly and holds the required milestones."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import brinkwatch
from brinkwatch import codebook
from brinkwatch.ingest import IngestReport, ingest, read_mapping
from brinkwatch.store import Store, connect

CHRON = Path(brinkwatch.__file__).resolve().parent / "data" / "chronology"
CSV = CHRON / "jpn-kor-usa-2015-2023.csv"
MAPPING = CHRON / "chronology.yaml"

CITATION = re.compile(r"^[^,]+, \d{4}-\d{2}-\d{2}$")
EVENT_ID = re.compile(r"^C\d{4}$")
COUNTRIES = {"JPN", "KOR", "USA", "PRK", "CHN", "RUS"}

# (date, source country, target country, CAMEO code, word the description must contain)
MILESTONES: list[tuple[str, str, str, str, str]] = [
    # December 2015 comfort women agreement and the US welcome
    ("2015-12-28", "JPN", "KOR", "057", "comfort women"),
    ("2015-12-28", "KOR", "JPN", "057", "comfort women"),
    ("2015-12-28", "USA", "JPN", "051", "welcomes"),
    ("2015-12-28", "USA", "KOR", "051", "welcomes"),
    # GSOMIA signing (the yearly renewals are in the instruments register, edition 2)
    ("2016-11-23", "KOR", "JPN", "057", "GSOMIA"),
    ("2016-11-23", "JPN", "KOR", "057", "GSOMIA"),
    # Moon government and the comfort women foundation
    ("2017-12-27", "KOR", "JPN", "111", "task force"),
    ("2018-11-21", "KOR", "JPN", "160", "Reconciliation and Healing Foundation"),
    # forced labour rulings and Japan's protests
    ("2018-10-30", "KOR", "JPN", "116", "Nippon Steel"),
    ("2018-10-30", "JPN", "KOR", "114", "ruling"),
    ("2018-11-29", "KOR", "JPN", "116", "Mitsubishi Heavy Industries"),
    ("2018-11-29", "JPN", "KOR", "114", "Mitsubishi Heavy Industries"),
    # radar / P-1 incident and the low-altitude flyby dispute
    ("2018-12-21", "JPN", "KOR", "112", "fire-control radar"),
    ("2018-12-24", "KOR", "JPN", "016", "radar"),
    ("2018-12-28", "JPN", "KOR", "112", "video"),
    ("2019-01-23", "KOR", "JPN", "112", "low-altitude"),
    ("2019-01-23", "JPN", "KOR", "016", "P-3"),
    # seizure of Nippon Steel assets; Japan's claims-agreement procedure
    ("2019-01-08", "KOR", "JPN", "1711", "Nippon Steel"),
    ("2019-01-09", "JPN", "KOR", "026", "1965"),
    ("2019-05-20", "JPN", "KOR", "028", "arbitration"),
    ("2019-06-19", "JPN", "KOR", "028", "arbitration"),
    # export controls on the three materials: announced (a statement), then in force (the act)
    ("2019-07-01", "JPN", "KOR", "1312", "fluorinated polyimide"),
    ("2019-07-01", "JPN", "KOR", "1312", "photoresist"),
    ("2019-07-01", "JPN", "KOR", "1312", "hydrogen fluoride"),
    ("2019-07-04", "JPN", "KOR", "163", "takes effect"),
    # first licences under the controls
    ("2019-08-08", "JPN", "KOR", "061", "photoresist"),
    ("2019-08-29", "JPN", "KOR", "061", "hydrogen fluoride"),
    ("2019-09-30", "JPN", "KOR", "061", "fluorinated polyimide"),
    ("2019-07-05", "KOR", "JPN", "143", "boycott"),
    # US visits and statements, July-August 2019
    ("2019-07-12", "USA", "JPN", "042", "Stilwell"),
    ("2019-07-17", "USA", "KOR", "042", "Stilwell"),
    ("2019-07-22", "USA", "JPN", "042", "Bolton"),
    ("2019-07-24", "USA", "KOR", "042", "Bolton"),
    ("2019-08-02", "USA", "JPN", "044", "Pompeo"),
    ("2019-08-02", "USA", "KOR", "044", "Pompeo"),
    # white lists
    ("2019-08-02", "JPN", "KOR", "1312", "white list"),
    ("2019-08-28", "JPN", "KOR", "163", "white list"),
    ("2019-08-12", "KOR", "JPN", "1312", "trusted trading partners"),
    ("2019-09-18", "KOR", "JPN", "163", "trusted trading partners"),
    # GSOMIA termination and US reactions
    ("2019-08-22", "KOR", "JPN", "160", "GSOMIA"),
    ("2019-08-23", "KOR", "JPN", "160", "notice"),
    ("2019-08-22", "USA", "KOR", "111", "strong concern and disappointment"),
    ("2019-08-22", "USA", "KOR", "111", "Pompeo"),
    ("2019-11-06", "USA", "KOR", "042", "Stilwell"),
    ("2019-11-14", "USA", "KOR", "042", "Milley"),
    ("2019-11-15", "USA", "KOR", "0242", "Esper"),
    ("2019-11-21", "USA", "KOR", "0242", "Senate"),
    # WTO complaint and the November 2019 stand-down
    ("2019-09-11", "KOR", "JPN", "115", "WTO"),
    ("2019-11-22", "KOR", "JPN", "080", "GSOMIA"),
    ("2019-11-22", "KOR", "JPN", "080", "WTO"),
    ("2019-11-22", "JPN", "KOR", "036", "export controls"),
    ("2019-12-16", "KOR", "JPN", "046", "export-control"),
    ("2019-12-20", "JPN", "KOR", "085", "photoresist"),
    ("2019-12-24", "JPN", "KOR", "044", "Chengdu"),
    # US-ROK cost-sharing friction
    ("2019-11-15", "USA", "KOR", "1031", "pay more"),
    ("2019-11-19", "USA", "KOR", "164", "Special Measures Agreement"),
    # WTO seafood ruling (DS495) and the UN General Assembly meetings, 2019
    ("2019-04-12", "JPN", "KOR", "111", "DS495"),
    ("2019-07-23", "RUS", "KOR", "150", "A-50"),
    ("2019-09-23", "USA", "KOR", "043", "General Assembly"),
    ("2019-09-25", "USA", "JPN", "043", "General Assembly"),
    # 2020-2021
    ("2020-03-05", "JPN", "KOR", "1313", "COVID-19"),
    ("2020-03-06", "KOR", "JPN", "111", "unscientific"),
    ("2020-03-09", "JPN", "KOR", "160", "entry restrictions"),
    ("2020-03-09", "KOR", "JPN", "160", "visa waivers"),
    ("2020-06-02", "KOR", "JPN", "115", "WTO"),
    ("2020-07-29", "KOR", "JPN", "115", "panel"),
    ("2020-09-24", "KOR", "JPN", "041", "Suga"),
    ("2021-04-13", "JPN", "KOR", "1232", "treated water"),
    ("2021-04-13", "KOR", "JPN", "114", "Aiboshi"),
    ("2021-01-08", "KOR", "JPN", "116", "comfort women"),
    ("2021-01-08", "JPN", "KOR", "114", "ruling"),
    ("2021-01-08", "JPN", "KOR", "111", "Suga"),
    ("2021-10-15", "JPN", "KOR", "041", "Kishida"),
    # Yoon election, inauguration and outreach
    ("2022-03-10", "USA", "KOR", "041", "Yoon"),
    ("2022-04-26", "KOR", "JPN", "042", "Kishida"),
    ("2022-05-10", "JPN", "KOR", "042", "inauguration"),
    # March 2023 settlement
    ("2023-03-05", "USA", "KOR", "051", "Biden"),
    ("2023-03-06", "KOR", "JPN", "037", "Foundation for Victims"),
    ("2023-03-06", "JPN", "KOR", "051", "Kishida"),
    ("2023-03-16", "KOR", "JPN", "042", "Tokyo"),
    ("2023-03-16", "JPN", "KOR", "0354", "hydrogen fluoride"),
    ("2023-03-23", "JPN", "KOR", "085", "takes effect"),
    ("2023-03-21", "KOR", "JPN", "080", "GSOMIA"),
    ("2023-03-23", "KOR", "JPN", "080", "WTO"),
    ("2023-04-24", "KOR", "JPN", "085", "white list"),
    ("2023-05-07", "JPN", "KOR", "042", "Seoul"),
    ("2023-06-27", "JPN", "KOR", "0354", "white list"),
    ("2023-06-29", "KOR", "JPN", "057", "currency swap"),
    ("2023-06-29", "JPN", "KOR", "057", "currency swap"),
    ("2023-07-21", "JPN", "KOR", "085", "white list"),
    # trilateral summits
    ("2023-05-21", "JPN", "USA", "043", "Hiroshima"),
    ("2023-05-21", "USA", "KOR", "044", "Hiroshima"),
    ("2023-08-18", "USA", "JPN", "043", "Camp David"),
    ("2023-08-18", "USA", "KOR", "043", "Camp David"),
    ("2023-08-18", "USA", "JPN", "057", "Commitment to Consult"),
    ("2023-08-18", "JPN", "KOR", "057", "Commitment to Consult"),
    # trilateral drill: one row per pair, the US toward each ally
    ("2022-10-06", "KOR", "JPN", "062", "trilateral"),
    ("2022-10-06", "USA", "JPN", "062", "trilateral"),
    ("2022-10-06", "USA", "KOR", "062", "trilateral"),
    # North Korean tests behind trilateral coordination
    ("2017-07-04", "PRK", "USA", "150", "intercontinental"),
    ("2017-08-29", "PRK", "JPN", "150", "over Hokkaido"),
    ("2019-07-25", "PRK", "KOR", "150", "short-range"),
    ("2022-10-04", "PRK", "JPN", "150", "over Japan"),
]


def _rows() -> list[dict[str, str]]:
    with CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[Store, IngestReport]]:
    s = connect(":memory:")
    report = ingest(s, [CSV], mapping=read_mapping(MAPPING))
    yield s, report
    s.close()


def test_ingests_every_row(loaded: tuple[Store, IngestReport]) -> None:
    store, report = loaded
    assert not report.failed, [f.error for f in report.failed]
    assert report.read == report.stored == len(_rows())
    assert report.rejected == 0
    assert report.duplicates == 0
    row = store.con.execute("SELECT count(*), list(DISTINCT origin) FROM events").fetchone()
    assert row is not None
    assert row[0] >= 150
    assert row[1] == ["chronology"]


def test_ids_are_unique_and_in_date_order() -> None:
    rows = _rows()
    ids = [r["event_id"] for r in rows]
    assert all(EVENT_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids == [f"C{i:04d}" for i in range(1, len(ids) + 1)]
    dates = [r["event_date"] for r in rows]
    assert dates == sorted(dates)


def test_every_row_is_complete_and_in_range() -> None:
    for r in _rows():
        where = r["event_id"]
        assert "2015-12-01" <= r["event_date"] <= "2023-08-31", where
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["event_date"]), where
        assert CITATION.match(r["citation"]), (where, r["citation"])
        assert r["description"].strip(), where
        assert r["source_country"] in COUNTRIES and r["target_country"] in COUNTRIES, where
        assert r["date_note"] == r["date_note"].strip(), where


def test_codes_and_actor_types_are_in_the_codebook() -> None:
    codes = set(codebook.event_codes().column("code").to_pylist())
    types = set(codebook.actor_types().column("code").to_pylist())
    for r in _rows():
        assert r["cameo_code"] in codes, (r["event_id"], r["cameo_code"])
        assert r["source_type"] in types and r["target_type"] in types, r["event_id"]


def test_stored_codes_keep_their_leading_zeros(loaded: tuple[Store, IngestReport]) -> None:
    store, _ = loaded
    stored = dict(store.con.execute("SELECT event_id, cameo_code FROM events").fetchall())
    assert stored == {r["event_id"]: r["cameo_code"] for r in _rows()}


def test_balance_across_periods() -> None:
    years = [r["event_date"][:4] for r in _rows()]
    n = len(years)
    before = sum(y < "2019" for y in years) / n
    in_2019 = sum(y == "2019" for y in years) / n
    assert 0.2 <= before <= 0.4
    assert 0.35 <= in_2019 <= 0.55


@pytest.mark.parametrize(("date", "src", "tgt", "code", "word"), MILESTONES)
def test_milestone_present(date: str, src: str, tgt: str, code: str, word: str) -> None:
    hits = [
        r
        for r in _rows()
        if (r["event_date"], r["source_country"], r["target_country"], r["cameo_code"])
        == (date, src, tgt, code)
    ]
    assert hits, f"no {src}->{tgt} {code} event on {date}"
    assert any(word.lower() in r["description"].lower() for r in hits), (
        f"the {src}->{tgt} {code} event(s) on {date} do not mention {word!r}: "
        + "; ".join(r["description"] for r in hits)
    )


def test_no_code_is_both_announced_and_in_force() -> None:
    # an announcement is a statement and the entry into force the act, never the act twice
    acts = {"163", "085"}
    for r in _rows():
        if r["cameo_code"] in acts:
            assert not re.search(r"\beffective \d", r["description"]), (
                r["event_id"],
                r["description"],
            )


def test_gsomia_renewals_are_left_to_the_register() -> None:
    assert not [r["event_id"] for r in _rows() if r["cameo_code"] == "064"]


def test_url_and_checked_columns() -> None:
    rows = _rows()
    assert list(rows[0])[-2:] == ["url", "checked"]
    for r in rows:
        where = r["event_id"]
        assert r["checked"] in {"yes", "no"}, where
        # a URL is given only for a page that was opened and confirmed the row
        assert (r["checked"] == "yes") == bool(r["url"]), where
        assert not r["url"] or r["url"].startswith("http"), where
    assert sum(r["checked"] == "yes" for r in rows) >= 30


def test_url_and_checked_are_not_stored(loaded: tuple[Store, IngestReport]) -> None:
    store, _ = loaded
    columns = {c[0] for c in store.con.execute("DESCRIBE events").fetchall()}
    assert "url" not in columns and "checked" not in columns

"""The out-of-sample crises: the THAAD and Senkaku chronologies load cleanly through the real
ingest, and their instruments registers load through the real register loader and agree with
the chronologies."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

import brinkwatch
from brinkwatch import codebook
from brinkwatch.ingest import IngestReport, ingest, read_mapping
from brinkwatch.ingest.instruments import read_register
from brinkwatch.instruments import Register
from brinkwatch.store import Store, connect

DATA = Path(brinkwatch.__file__).resolve().parent / "data"
CHRON = DATA / "chronology"
INSTR = DATA / "instruments"

CITATION = re.compile(r"^[^,]+, \d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Crisis:
    name: str
    prefix: str
    first: str
    last: str
    countries: frozenset[str]
    instruments: frozenset[str]
    # (date, source, target, CAMEO code, word the description must contain)
    milestones: tuple[tuple[str, str, str, str, str], ...]

    @property
    def csv(self) -> Path:
        return CHRON / f"{self.name}.csv"

    @property
    def mapping(self) -> Path:
        return CHRON / f"{self.name}.yaml"

    @property
    def register(self) -> Path:
        return INSTR / f"{self.name}.yaml"


THAAD = Crisis(
    name="chn-kor-2016-2017",
    prefix="T",
    first="2015-07-01",
    last="2017-12-31",
    countries=frozenset({"CHN", "KOR", "USA", "PRK", "JPN"}),
    instruments=frozenset(
        {
            "THAAD_deployment",
            "Lotte_land_swap",
            "CHN_group_tour_ban",
            "CHN_Lotte_Mart_closures",
            "KOR_three_nos",
        }
    ),
    milestones=(
        ("2016-07-08", "KOR", "USA", "057", "THAAD"),
        ("2016-07-08", "CHN", "KOR", "114", "THAAD"),
        ("2017-02-27", "KOR", "KOR", "057", "land swap"),
        ("2017-03-02", "CHN", "KOR", "163", "group tours"),
        ("2017-03-06", "CHN", "KOR", "172", "Lotte"),
        ("2017-03-15", "CHN", "KOR", "163", "tour"),
        ("2017-04-26", "USA", "KOR", "072", "launchers"),
        ("2017-06-07", "KOR", "USA", "1212", "environmental"),
        ("2017-09-07", "USA", "KOR", "072", "four"),
        ("2017-10-30", "KOR", "CHN", "035", "three nos"),
        ("2017-10-31", "KOR", "CHN", "057", "normal track"),
        ("2017-10-31", "CHN", "KOR", "057", "normal"),
        ("2017-11-28", "CHN", "KOR", "085", "group tours"),
        ("2017-12-14", "CHN", "KOR", "043", "Moon"),
    ),
)

SENKAKU = Crisis(
    name="jpn-chn-2012-2014",
    prefix="S",
    first="2011-09-01",
    last="2014-12-31",
    countries=frozenset({"JPN", "CHN", "USA"}),
    instruments=frozenset(
        {
            "JPN_Senkaku_ownership",
            "CHN_patrol_regime",
            "CHN_customs_slowdown",
            "CHN_ECS_ADIZ",
            "JPN_CHN_four_point_consensus",
        }
    ),
    milestones=(
        ("2012-04-16", "JPN", "CHN", "010", "Ishihara"),
        ("2012-09-11", "JPN", "CHN", "017", "contract"),
        ("2012-09-10", "CHN", "JPN", "114", "Niwa"),
        ("2012-09-14", "CHN", "JPN", "150", "territorial sea"),
        ("2012-09-15", "CHN", "JPN", "145", "Panasonic"),
        ("2012-09-21", "CHN", "JPN", "163", "customs"),
        ("2012-10-09", "CHN", "JPN", "143", "carmakers"),
        ("2012-12-13", "CHN", "JPN", "150", "airspace"),
        ("2013-02-05", "JPN", "CHN", "112", "fire-control radar"),
        ("2013-11-23", "CHN", "JPN", "150", "air defence identification zone"),
        ("2013-11-26", "USA", "CHN", "150", "B-52"),
        ("2014-04-24", "USA", "JPN", "052", "Article 5"),
        ("2014-11-07", "JPN", "CHN", "057", "four-point consensus"),
        ("2014-11-10", "CHN", "JPN", "043", "Abe"),
    ),
)

CRISES = [THAAD, SENKAKU]
IDS = [c.name for c in CRISES]


def _rows(crisis: Crisis) -> list[dict[str, str]]:
    with crisis.csv.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[Store, dict[str, IngestReport]]]:
    """All three chronologies in one store: their ids must not collide."""
    s = connect(":memory:")
    reports = {c.name: ingest(s, [c.csv], mapping=read_mapping(c.mapping)) for c in CRISES}
    reports["bundled"] = ingest(
        s,
        [CHRON / "jpn-kor-usa-2015-2023.csv"],
        mapping=read_mapping(CHRON / "chronology.yaml"),
    )
    yield s, reports
    s.close()


@pytest.fixture(scope="module", params=CRISES, ids=IDS)
def crisis(request: pytest.FixtureRequest) -> Crisis:
    c: Crisis = request.param
    return c


@pytest.fixture(scope="module")
def registers() -> dict[str, Register]:
    return {c.name: read_register(c.register) for c in CRISES}


def test_every_row_is_stored(crisis: Crisis, loaded: tuple[Store, dict[str, IngestReport]]) -> None:
    store, reports = loaded
    report = reports[crisis.name]
    rows = _rows(crisis)
    assert not report.failed, [f.error for f in report.failed]
    assert report.read == report.stored == len(rows)
    assert report.rejected == 0
    assert report.duplicates == 0
    stored = dict(
        store.con.execute(
            "SELECT event_id, cameo_code FROM events WHERE origin = 'chronology' "
            "AND event_id LIKE ?",
            [f"{crisis.prefix}%"],
        ).fetchall()
    )
    # every row stored once, leading zeros of the codes kept
    assert stored == {r["event_id"]: r["cameo_code"] for r in rows}


def test_chronologies_share_a_store(loaded: tuple[Store, dict[str, IngestReport]]) -> None:
    store, reports = loaded
    total = store.con.execute("SELECT count(*) FROM events").fetchone()
    assert total is not None
    assert total[0] == sum(r.stored for r in reports.values())


def test_size_ids_and_order(crisis: Crisis) -> None:
    rows = _rows(crisis)
    assert 40 <= len(rows) <= 80
    ids = [r["event_id"] for r in rows]
    assert ids == [f"{crisis.prefix}{i:04d}" for i in range(1, len(ids) + 1)]
    dates = [r["event_date"] for r in rows]
    assert dates == sorted(dates)


def test_rows_are_complete(crisis: Crisis) -> None:
    codes = set(codebook.event_codes().column("code").to_pylist())
    types = set(codebook.actor_types().column("code").to_pylist())
    for r in _rows(crisis):
        where = r["event_id"]
        assert crisis.first <= r["event_date"] <= crisis.last, where
        date.fromisoformat(r["event_date"])
        assert CITATION.match(r["citation"]), (where, r["citation"])
        date.fromisoformat(r["citation"].rsplit(", ", 1)[1])
        assert r["description"].strip(), where
        assert r["source_country"] in crisis.countries, where
        assert r["target_country"] in crisis.countries, where
        assert r["cameo_code"] in codes, (where, r["cameo_code"])
        assert r["source_type"] in types and r["target_type"] in types, where
        assert r["date_note"] == r["date_note"].strip(), where


def test_milestones_present(crisis: Crisis) -> None:
    rows = _rows(crisis)
    for day, src, tgt, code, word in crisis.milestones:
        hits = [
            r
            for r in rows
            if (r["event_date"], r["source_country"], r["target_country"], r["cameo_code"])
            == (day, src, tgt, code)
        ]
        assert hits, f"no {src}->{tgt} {code} event on {day}"
        assert any(word.lower() in r["description"].lower() for r in hits), (day, word)


def test_register_loads_with_the_instruments_in_play(
    crisis: Crisis, registers: dict[str, Register]
) -> None:
    reg = registers[crisis.name]
    assert reg.id == crisis.name
    assert crisis.instruments <= {i.id for i in reg.instruments}


def test_register_changes_are_cited_and_inside_the_life(
    crisis: Crisis, registers: dict[str, Register]
) -> None:
    for inst in registers[crisis.name].instruments:
        assert inst.changes[0].date == inst.start, inst.id
        for ch in inst.changes:
            where = (inst.id, ch.date.isoformat())
            assert inst.start <= ch.date, where
            assert inst.end is None or ch.date <= inst.end, where
            assert ch.state in inst.states, where
            cit = ch.citation
            assert cit.publisher.strip() and cit.title.strip(), where
            # a citation is not dated before the fact it reports (bar a day of time zones),
            # except a scheduled entry into force, cited from its announcement
            if ch.date_kind != "effective":
                assert cit.date >= ch.date - timedelta(days=1), where
            # checked means a stored page was opened: it must be named
            if cit.checked:
                assert cit.url and cit.url.startswith("http"), where


def test_register_changes_appear_in_the_chronology(
    crisis: Crisis, registers: dict[str, Register]
) -> None:
    """Every state change inside the chronology's span has an event within two days (an
    agreement reached on one day and reported two days later counts)."""
    days = {date.fromisoformat(r["event_date"]) for r in _rows(crisis)}
    first, last = min(days), max(days)
    for inst in registers[crisis.name].instruments:
        for ch in inst.changes:
            if not first <= ch.date <= last:
                continue
            near = {ch.date + timedelta(days=k) for k in range(-2, 3)}
            assert near & days, (inst.id, ch.date.isoformat(), ch.state)

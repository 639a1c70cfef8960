"""Story-level evidence and state actors, on the real shared GDELT and ICEWS files (issue 14).

The story key and the state rule are Ibis expressions; each check that runs them on a store
runs on DuckDB and on Spark (``backend``). Where a number can be worked out without brinkwatch,
it is, with plain Python over the files.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.errors import ConfigError, SparseDataWarning
from brinkwatch.ingest import ingest
from brinkwatch.measure import (
    Actor,
    default_rules,
    dyad_series,
    evaluate_alarms,
    measure_dyad,
    parse_rules,
)
from brinkwatch.store import (
    MACHINE_ORIGINS,
    Store,
    connect,
    is_state,
    select_events,
    state_match,
    story_key,
    with_story_key,
)
from tests.measure.conftest import on_cluster, rows

JPN, KOR, USA, PRK = Actor("JPN"), Actor("KOR"), Actor("USA"), Actor("PRK")
NOV = {"start": date(2020, 11, 9), "end": date(2020, 11, 15), "origins": ["gdelt2"]}
OCT_FILE = "gdelt/20191024143000.export.CSV"
# The Mitsubishi rows of that file: GDELT actor MNCJPN, type MNC, country JPN.
MITSUBISHI = {"881992194", "881992195", "881992808", "881992809"}


@pytest.fixture(scope="module")
def oct_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A store holding only the GDELT 2.0 export of 2019-10-24 14:30."""
    path = tmp_path_factory.mktemp("oct") / "store.duckdb"
    s = connect(path)
    rep = ingest(s, [shared_data / OCT_FILE])
    assert not rep.failed and rep.stored == 2111
    s.close()
    return path


def _engine(
    request: pytest.FixtureRequest, tmp: pytest.TempPathFactory, store: Store, name: str
) -> Store:
    """``store`` itself, or (param ``spark``) its export to a lake read by the test cluster."""
    if request.param == "duckdb":
        return store
    session = request.getfixturevalue("spark_session")
    try:
        return on_cluster(store, tmp.mktemp(f"{name}-lake") / "lake", session)
    finally:
        store.close()


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def oct_store(
    request: pytest.FixtureRequest, oct_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """The 2019-10-24 export on DuckDB and on the Spark cluster."""
    s = _engine(request, tmp_path_factory, connect(oct_db, read_only=True), "oct")
    yield s
    s.close()


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def icews(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[Store]:
    """The ICEWS sample on DuckDB and on the Spark cluster."""
    s = connect(tmp_path_factory.mktemp("icews") / "store.duckdb")
    rep = ingest(s, [shared_data / "icews/events.2018.sample.tab"])
    assert not rep.failed and rep.stored == 3705
    s = _engine(request, tmp_path_factory, s, "icews")
    yield s
    s.close()


# --- the story key ----------------------------------------------------------------------


def _py_story(url: str) -> str:
    """The story rule of docs/measures.md, written again in plain Python as an oracle."""
    u = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower())
    u = re.sub(r"^www[0-9]*\.", "", u).split("#")[0]
    path, _, query = u.partition("?")
    script = re.search(r"\.(php|aspx?|jsp|cgi|cfm|do)$", path) or "/" not in path.rstrip("/")
    u = (path.rstrip("/") + ("?" + query if query and script else "")).rstrip("/")
    words = ""
    for seg in u.split("?")[0].split("/")[1:]:
        seg = re.sub(r"[a-z]*[0-9][a-z0-9]*", "", seg)  # tokens with digits: dates, ids
        seg = re.sub(r"\.[a-z0-9]+$", "", seg).lstrip("-_.").rstrip("-_")
        if re.fullmatch(r"[a-z]+([-_]+[a-z]+){3,}", seg):
            words = re.sub(r"[-_]+", "-", seg)
    return "slug:" + words if words else "url:" + u


def test_syndicated_copies_share_one_story_and_article_ids_stay_apart(gdelt_backend: Store) -> None:
    e = select_events(gdelt_backend.events, dyad=("JPN", "KOR"), **NOV)
    got = {r["source_url"]: r["k"] for r in rows(e.select("source_url", k=story_key(e)))}
    ap = [k for u, k in got.items() if "trump-skips-southeast-asia-summit" in u]
    hosts = {u.split("/")[2] for u in got if "trump-skips-southeast-asia-summit" in u}
    assert len(hosts) == 2 and set(ap) == {
        "gdelt2|slug:trump-skips-southeast-asia-summit-for-third-year-in-a-row"
    }
    # The query is the article id for a bare host or a script: kept, so articles stay apart.
    ev = gdelt_backend.events
    h = ev.filter(ev.source_url.contains("koreaherald.com/view.php"))
    herald = rows(h.aggregate(urls=h.source_url.nunique(), keys=story_key(h).nunique()))
    assert herald[0]["urls"] == herald[0]["keys"] > 1
    for url, key in got.items():
        assert key == "gdelt2|" + _py_story(url), url


def test_every_gdelt_story_key_matches_the_python_rule(shared_data: Path, oct_store: Store) -> None:
    e = oct_store.events
    got = {r["source_url"]: r["k"] for r in rows(e.select("source_url", k=story_key(e)))}
    with (shared_data / OCT_FILE).open(encoding="utf-8") as f:
        urls = {line.rstrip("\n").split("\t")[60] for line in f}
    assert set(got) == urls and len(urls) == 425
    assert {u: k for u, k in got.items()} == {u: "gdelt2|" + _py_story(u) for u in urls}


def test_with_story_key_gives_every_row_its_story_key(gdelt_backend: Store) -> None:
    e = gdelt_backend.events
    e = e.filter(e.origin == "gdelt2")
    got = rows(with_story_key(e, "k").select("source_url", "k"))
    assert len(got) > 1000
    assert all(r["k"] == "gdelt2|" + _py_story(r["source_url"]) for r in got)
    # Syndicated copies under other URLs share a key: equal keys are not an accident.
    assert len({r["k"] for r in got}) < len({r["source_url"] for r in got})
    with pytest.raises(ConfigError, match="origin"):
        with_story_key(e, "origin")


def test_both_backends_read_the_stored_story_key(gdelt_backend: Store) -> None:
    # The Spark snapshot of events carries the column that Store.load_batch filled.
    e = gdelt_backend.events
    assert "story_key" in e.columns
    got = rows(e.filter(e.origin == "gdelt2").select("source_url", "story_key"))
    assert got and all(r["story_key"] == "gdelt2|" + _py_story(r["source_url"]) for r in got)


def test_story_counting_counts_distinct_stories_codes_and_days(
    gdelt_backend: Store, gdelt_duck: Store
) -> None:
    # The series skips the story key of rows alone in their dyad, day and code: the counts
    # must still be those of a plain distinct count over every matching row's key (counted on
    # DuckDB: Ibis 12 compiles that ordered distinct into SQL that Spark cannot resolve).
    pairs = [(JPN, KOR), (KOR, JPN), (USA, JPN), (JPN, USA), (USA, KOR), (KOR, USA)]
    series = rows(dyad_series(gdelt_backend.events, pairs, freq="day", count="stories", **NOV))
    e = select_events(gdelt_duck.events, start=NOV["start"], end=NOV["end"], origins=["gdelt2"])
    checked = 0
    for s, t in pairs:
        m = e.filter(state_match(e, s, t))
        m = m.select(k=story_key(m), d=m.event_date, c=m.cameo_code).distinct()
        want = rows(m.aggregate(n=m.count()))[0]["n"]
        got = sum(r["events"] for r in series if r["dyad"] == f"{s}->{t}")
        assert got == want, (s, t)
        checked += want
    assert checked > 10


def test_counting_by_story_collapses_the_ap_story(gdelt_backend: Store) -> None:
    pairs = [(JPN, KOR), (KOR, JPN)]
    by_row = rows(dyad_series(gdelt_backend.events, pairs, freq="day", count="rows", **NOV))
    by_story = rows(dyad_series(gdelt_backend.events, pairs, freq="day", **NOV))
    day = {(r["dyad"], r["period"]): r for r in by_story}
    raw = {(r["dyad"], r["period"]): r for r in by_row}
    for d in ("JPN->KOR", "KOR->JPN"):
        # Six rows coded 190 from two syndicated copies of one AP story: one event.
        assert raw[(d, date(2020, 11, 14))]["material_conflict"] == 6
        assert day[(d, date(2020, 11, 14))]["material_conflict"] == 1
    assert sum(r["events"] for r in by_story) < sum(r["events"] for r in by_row)
    # The curated chronology counts rows under count="auto".
    chron = {"origins": ["chronology"], "freq": "month"}
    assert rows(dyad_series(gdelt_backend.events, pairs, count="rows", **chron)) == rows(
        dyad_series(gdelt_backend.events, pairs, **chron)
    )


def test_icews_counts_distinct_events_of_a_story(icews: Store, shared_data: Path) -> None:
    with (shared_data / "icews/events.2018.sample.tab").open(encoding="utf-8") as f:
        recs = [r for r in csv.DictReader(f, delimiter="\t")]
    ser = rows(dyad_series(icews.events, [(KOR, PRK)], freq="month", actors="all"))
    raw = rows(dyad_series(icews.events, [(KOR, PRK)], freq="month", actors="all", count="rows"))
    all_rows = [
        r
        for r in recs
        if (r["Source Country"], r["Target Country"]) == ("South Korea", "North Korea")
    ]
    distinct = {(r["Story ID"], r["CAMEO Code"].zfill(3), r["Event Date"]) for r in all_rows}
    assert sum(r["events"] for r in raw) == len(all_rows)
    assert sum(r["events"] for r in ser) == len(distinct) < len(all_rows)


# --- actors that are states ---------------------------------------------------------------


def test_the_mitsubishi_row_does_not_count_as_japan(oct_store: Store) -> None:
    e = oct_store.events
    flags = {
        r["event_id"]: r["s"]
        for r in rows(
            e.filter(e.event_id.isin(sorted(MITSUBISHI)))
            .mutate(s=is_state(e.source_code, e.source_country, e.source_type))
            .select("event_id", "s")
        )
    }
    assert flags["881992194"] is False and flags["881992808"] is True  # USA untyped: state
    state = {r["event_id"] for r in rows(select_events(e, dyad=("JPN", "USA")))}
    every = {r["event_id"] for r in rows(select_events(e, dyad=("JPN", "USA"), actors="all"))}
    assert every >= MITSUBISHI and not MITSUBISHI & state
    assert state == every - MITSUBISHI  # only the company rows go
    # What Japan's state did to the US that day: the Italian press release, nothing more.
    own = select_events(e, dyad=("JPN", "USA"), directed=True, actors="state")
    assert {r["event_id"] for r in rows(own)} == {"881992010", "881992011"}


def test_state_actors_by_default_and_all_actors_on_request(oct_store: Store) -> None:
    def usa_kor(**kw: Any) -> float:
        got = rows(dyad_series(oct_store.events, [(USA, KOR)], freq="day", **kw))
        return sum(r["goldstein_sum"] for r in got)

    # ISHARES (MNCUSA) buying a Korea ETF, coded 071 (+7.4) and 010, is not the United States.
    assert usa_kor(actors="all") == pytest.approx(11.4)
    assert usa_kor() == pytest.approx(4.0)
    assert usa_kor(count="rows", actors="all") == pytest.approx(11.4)
    japan_mnc = Actor("JPN", ("MNC",))
    got = rows(dyad_series(oct_store.events, [(japan_mnc, USA)], freq="day"))
    assert sum(r["events"] for r in got) == 1  # two rows, one story, one code, one day


def test_measure_dyad_of_an_absent_dyad_is_a_series_of_zeros(oct_store: Store) -> None:
    m = measure_dyad(oct_store.events, "JPN-KOR")
    assert m.rows and all(r["events"] == 0 for r in m.rows)
    assert m.rows[0]["period"] <= date(2018, 10, 24) and m.rows[-1]["period"] >= date(2019, 10, 21)
    assert {n.category for n in m.notes} >= {"Actors", "Counting", "SparseDataWarning"}
    assert any("state actors only" in n.message for n in m.notes)
    assert m.alarms == []
    with pytest.warns(SparseDataWarning, match="no events of FJI->TON"):
        got = rows(dyad_series(oct_store.events, [(Actor("FJI"), Actor("TON"))]))
    assert got and all(r["events"] == 0 for r in got)
    empty = connect(":memory:")
    with pytest.warns(SparseDataWarning, match="in the store"):
        assert rows(dyad_series(empty.events, [(JPN, KOR)])) == []
    assert evaluate_alarms(empty.events, JPN, KOR) == []


# --- alarms that earn their severity --------------------------------------------------------


def test_no_severe_alarm_from_one_story_in_the_rcep_week(gdelt_backend: Store) -> None:
    alarms = evaluate_alarms(gdelt_backend.events, JPN, KOR, **NOV)
    assert not [a for a in alarms if a.severity in ("critical", "high")]
    for a in alarms:
        assert a.stories == len({e.story for e in a.evidence}) or a.stories > len(a.evidence)
        assert a.detail.startswith(f"{a.stories} stor")


def test_evidence_is_one_line_per_story_ranked_by_sources(gdelt_backend: Store) -> None:
    loose = [
        dataclasses.replace(r, min_stories=1, min_sources=0, root_only=False)
        for r in default_rules()
    ]
    found = evaluate_alarms(gdelt_backend.events, JPN, KOR, rules=loose, **NOV)
    alarms = {a.rule: a for a in found}
    force = alarms["military-force"]
    assert (force.stories, force.rows) == (1, 12)
    assert force.detail == "1 story (12 rows): 190 x12"
    (ev,) = force.evidence
    assert (ev.rows, ev.sources, ev.mentions) == (12, 5, 30)
    assert "12 rows, 5 sources" in ev.line
    sanctions = alarms["sanctions"]
    assert (sanctions.stories, sanctions.rows) == (1, 2) and "thediplomat.com" in str(
        sanctions.evidence[0].reference
    )
    for a in alarms.values():
        keys = [(-(e.sources or 1), -(e.mentions or 0)) for e in a.evidence]
        assert a.rule in ("index-drop", "turn-for-worse") or keys == sorted(keys)


def test_machine_coded_rows_need_stories_curated_rows_do_not(gdelt_backend: Store) -> None:
    (rule,) = parse_rules("rules:\n  - {id: f, kind: events, title: t, codes: ['19']}\n")
    assert (rule.min_stories, rule.min_sources, rule.root_only, rule.min_count) == (2, 2, False, 1)
    assert evaluate_alarms(gdelt_backend.events, JPN, KOR, rules=[rule], **NOV) == []
    one = dataclasses.replace(rule, min_stories=1)
    assert len(evaluate_alarms(gdelt_backend.events, JPN, KOR, rules=[one], **NOV)) == 1
    # The AP rows are not in the lead paragraph: root_only drops them.
    root = dataclasses.replace(one, root_only=True)
    assert evaluate_alarms(gdelt_backend.events, JPN, KOR, rules=[root], **NOV) == []
    only_icews = dataclasses.replace(one, origins=("icews",))
    assert evaluate_alarms(gdelt_backend.events, JPN, KOR, rules=[only_icews], **NOV) == []
    # A curated row is a checked fact: one entry of the chronology raises its alarm.
    (sanction,) = parse_rules(
        "rules:\n  - {id: s, kind: events, title: t, codes: ['163'], min_stories: 5}\n"
    )
    july = evaluate_alarms(
        gdelt_backend.events,
        JPN,
        KOR,
        rules=[sanction],
        origins=["chronology"],
        start=date(2019, 7, 1),
        end=date(2019, 7, 7),
    )
    assert july and all(e.origin == "chronology" for a in july for e in a.evidence)
    assert "chronology" not in MACHINE_ORIGINS


def test_the_cli_measures_an_absent_dyad_and_widens_actors_on_request(oct_db: Path) -> None:
    from tests.cli.test_cli import run

    r = run("measure", "--dyad", "JPN-KOR", "--db", str(oct_db), "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["series"] and all(s["events"] == 0 for s in out["series"])
    assert {n["category"] for n in out["notes"]} >= {"Actors", "SparseDataWarning"}
    wide = run(
        "measure", "--dyad", "USA->KOR", "--directed", "--freq", "day", "--all-actors",
        "--db", str(oct_db), "--format", "json",
    )  # fmt: skip
    assert wide.returncode == 0, wide.stderr
    # The series runs over the file's whole span (baselines look back to the data's first day);
    # the one day with USA->KOR events holds the +11.4 of the ETF and fashion-release rows.
    values = [s["value"] for s in json.loads(wide.stdout)["series"]]
    assert [v for v in values if v] == pytest.approx([11.4])


def test_unweighted_counting_keeps_the_row_that_the_ranking_keeps(gdelt_backend: Store) -> None:
    # weight="none" groups by story and takes the lowest id's values; a weighted series ranks
    # copies with a window (mentions, then id). With every mention count 1 both must keep the
    # same row of each story, so every sum and mean agrees.
    import ibis

    ev = gdelt_backend.events
    one = ev.mutate(num_mentions=ibis.literal(1).cast(ev.num_mentions.type()))
    pairs = [(JPN, KOR), (KOR, JPN), (USA, JPN), (JPN, USA), (USA, KOR), (KOR, USA)]
    kw: dict[str, Any] = {"freq": "day", "count": "stories", **NOV}
    grouped = rows(dyad_series(ev, pairs, weight="none", **kw))
    ranked = rows(dyad_series(one, pairs, weight="mentions", **kw))
    assert len(grouped) == len(ranked) and sum(r["events"] for r in grouped) > 10
    for g, r in zip(grouped, ranked, strict=True):
        assert (g["dyad"], g["period"], g["events"]) == (r["dyad"], r["period"], r["events"])
        for c in ("goldstein_sum", "net_coop", "tone_mean"):
            assert g[c] == pytest.approx(r[c], nan_ok=True), (g["dyad"], g["period"], c)
    # Not vacuous: copies of one story disagree on tone, so which row is kept matters.
    e = select_events(ev, start=NOV["start"], end=NOV["end"], origins=["gdelt2"])
    e = e.filter(ibis.or_(*[state_match(e, s, t) for s, t in pairs]))
    g = e.group_by(["story_key", "event_date", "cameo_code"]).aggregate(n=e.avg_tone.nunique())
    assert g.filter(g.n > 1).count().execute() > 0

"""Dyad and triad series on DuckDB and Spark, checked against direct queries of the files."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import duckdb
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.measure import Actor, dyad_series, parse_actor, triad_pairs, triad_series
from brinkwatch.store import Store
from tests.measure.conftest import assert_rows_equal, rows

JPN, KOR, USA = Actor("JPN"), Actor("KOR"), Actor("USA")
NOV = {"start": date(2020, 11, 13), "end": date(2020, 11, 15), "origins": ["gdelt2"]}
#: The same days in the synthetic store's generated wire events.
WIRE = {**NOV, "origins": ["wire"]}
# Every stored row of every actor, as the files have them: what a direct query counts.
RAW = {**NOV, "count": "rows", "actors": "all"}


def _direct(shared_data: Path, sql: str) -> list[tuple]:
    """Query the shared pandas-export files directly, without brinkwatch."""
    files = str(shared_data / "gdelt/pandas-export-202011/*.csv")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW f AS SELECT * FROM read_csv('{files}')")
    return con.execute(sql).fetchall()


def test_counts_and_goldstein_match_a_direct_query_of_the_files(
    gdelt_backend: Store, shared_data: Path
) -> None:
    got = rows(dyad_series(gdelt_backend.events, [(JPN, KOR), (KOR, JPN)], freq="day", **RAW))
    expected = _direct(
        shared_data,
        """SELECT Actor_1_Country_ABBR || '->' || Actor_2_Country_ABBR, strptime(Day::VARCHAR,
        '%Y%m%d')::DATE, count(*), sum(Goldstein_Scale),
        count(*) FILTER (WHERE left(lpad(Event_Code::VARCHAR, 3, '0'), 2) <= '05'),
        count(*) FILTER (WHERE left(lpad(Event_Code::VARCHAR, 3, '0'), 2) >= '14')
        FROM f WHERE (Actor_1_Country_ABBR, Actor_2_Country_ABBR) IN (('JPN','KOR'),('KOR','JPN'))
        GROUP BY ALL ORDER BY 1, 2""",
    )
    nonzero = [(r["dyad"], r["period"], r["events"], r["goldstein_sum"], r["verbal_coop"],
                r["material_conflict"]) for r in got if r["events"]]  # fmt: skip
    assert [x[:3] for x in nonzero] == [x[:3] for x in expected]
    assert [x[3] for x in nonzero] == pytest.approx([x[3] for x in expected], abs=1e-9)
    assert [x[4:] for x in nonzero] == [x[4:] for x in expected]
    assert sum(x[2] for x in nonzero) == 74


def test_net_coop_and_means_follow_their_definitions(backend: Store) -> None:
    got = rows(
        dyad_series(backend.events, [(JPN, KOR)], freq="day", **WIRE, count="rows", actors="all")
    )
    assert sum(r["events"] for r in got) > 0
    for r in got:
        if r["events"] == 0:
            assert r["net_coop"] is None and r["goldstein_mean"] is None
            continue
        coop = r["verbal_coop"] + r["material_coop"]
        conf = r["verbal_conflict"] + r["material_conflict"]
        assert coop + conf == r["events"]
        assert r["net_coop"] == pytest.approx((coop - conf) / r["events"])
        assert r["goldstein_mean"] == pytest.approx(r["goldstein_sum"] / r["events"])
        assert r["tone_mean"] is not None  # the wire events carry tone


def test_weighting_by_mentions(gdelt_backend: Store, shared_data: Path) -> None:
    got = rows(
        dyad_series(gdelt_backend.events, [(JPN, KOR)], freq="day", weight="mentions", **RAW)
    )
    expected = dict(_direct(
        shared_data,
        "SELECT strptime(Day::VARCHAR, '%Y%m%d')::DATE, sum(Num_Mentions)::DOUBLE FROM f "
        "WHERE Actor_1_Country_ABBR = 'JPN' AND Actor_2_Country_ABBR = 'KOR' GROUP BY 1",
    ))  # fmt: skip
    assert {r["period"]: r["events"] for r in got if r["events"]} == expected


def test_normalising_by_the_volume_of_the_period(gdelt_backend: Store, shared_data: Path) -> None:
    got = rows(dyad_series(gdelt_backend.events, [(JPN, KOR)], freq="day", normalize=True, **RAW))
    volume = dict(_direct(
        shared_data,
        "SELECT strptime(Day::VARCHAR, '%Y%m%d')::DATE, count(*) FROM f GROUP BY 1",
    ))  # fmt: skip
    for r in got:
        assert r["volume"] == volume[r["period"]]
        assert r["events_norm"] == pytest.approx(1000 * r["events"] / r["volume"])
        assert r["goldstein_norm"] == pytest.approx(1000 * r["goldstein_sum"] / r["volume"])


def test_triad_has_six_dyads_and_every_period(backend: Store) -> None:
    got = rows(triad_series(backend.events, USA, JPN, KOR, freq="week",
                            start=date(2019, 1, 1), end=date(2019, 12, 31)))  # fmt: skip
    dyads = sorted({r["dyad"] for r in got})
    assert dyads == ["JPN->KOR", "JPN->USA", "KOR->JPN", "KOR->USA", "USA->JPN", "USA->KOR"]
    weeks = sorted({r["period"] for r in got})
    assert len(weeks) == 53 and weeks[0] == date(2018, 12, 31)
    assert all((b - a).days == 7 for a, b in itertools.pairwise(weeks))
    assert len(got) == 6 * 53
    quiet = [r for r in got if r["events"] == 0]
    assert quiet and all(r["goldstein_sum"] == 0 for r in quiet)


def test_actor_types_restrict_the_dyad(backend: Store) -> None:
    gov = Actor("JPN", ("GOV",)), Actor("KOR", ("GOV",))
    allt = rows(dyad_series(backend.events, [(JPN, KOR)], freq="month", origins=["chronology"]))
    govt = rows(dyad_series(backend.events, [gov], freq="month", origins=["chronology"],
                            start=allt[0]["period"], end=allt[-1]["period"]))  # fmt: skip
    assert sum(r["events"] for r in govt) < sum(r["events"] for r in allt)
    assert all(g["events"] <= a["events"] for g, a in zip(govt, allt, strict=True))


def test_same_results_on_duckdb_and_spark(duck: Store, spark: Store) -> None:
    kw = {"freq": "week", "start": date(2018, 6, 1), "end": date(2020, 12, 31)}
    a = rows(triad_series(duck.events, USA, JPN, KOR, normalize=True, **kw))
    b = rows(triad_series(spark.events, USA, JPN, KOR, normalize=True, **kw))
    assert_rows_equal(a, b)
    assert sum(r["events"] for r in a) > 0


def test_bad_requests_are_clear_errors(duck: Store) -> None:
    # DuckDB only: the requests are refused while the expression is built, before any backend
    # runs it.
    with pytest.raises(ConfigError, match="not a CAMEO country code"):
        parse_actor("XXX")
    with pytest.raises(ConfigError, match="not a CAMEO actor type"):
        parse_actor("JPN:FOO")
    with pytest.raises(ConfigError, match="three different countries"):
        triad_pairs(JPN, JPN, KOR)
    with pytest.raises(ConfigError, match="swap them"):
        dyad_series(duck.events, [(JPN, KOR)], start=date(2020, 1, 2), end=date(2020, 1, 1))
    with pytest.raises(ConfigError, match="count is 'auto', 'stories' or 'rows'"):
        dyad_series(duck.events, [(JPN, KOR)], count="story")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="actors is 'state' or 'all'") as exc:
        dyad_series(duck.events, [(JPN, KOR)], actors="states")  # type: ignore[arg-type]
    assert exc.value.field == "actors"

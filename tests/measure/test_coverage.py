"""Coverage-aware series (issue 14, item 3): per-origin daily volume, no silent mixing.

A store mixing the bundled chronology, the shared ICEWS sample and two GDELT files holds
origins that cover very different days; measures must not add them up, and ``normalize``
must divide by each origin's own volume. The measures run on DuckDB and on the Spark cluster
(``mixed``: the store exported to a lake), whose coverage and volumes come from the lake's
``daily_volume`` read by Spark; the reference counts are read from the DuckDB file.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from brinkwatch.codebook import Actor
from brinkwatch.errors import OriginOverrideWarning
from brinkwatch.ingest import ingest, read_mapping
from brinkwatch.measure import Coverage, dyad_series, measure_dyad, measure_triad
from brinkwatch.store import SCHEMA_VERSION, Store, connect
from tests.conftest import BUNDLED_CHRONOLOGY, CHRONOLOGY, ROOT
from tests.measure.conftest import on_cluster

PANDAS = "gdelt/pandas-export-202011"
NOV = (date(2020, 11, 1), date(2020, 11, 30))


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Store]:
    """The mixed store in a DuckDB file: the measures' reference counts are read from it."""
    s = connect(tmp_path_factory.mktemp("mixed") / "store.duckdb")
    rep = ingest(s, [BUNDLED_CHRONOLOGY], mapping=read_mapping(CHRONOLOGY / "chronology.yaml"))
    assert not rep.failed
    rep = ingest(
        s,
        [
            shared_data / "icews/events.2018.sample.tab",
            shared_data / "gdelt/20191024143000.export.CSV",
        ],
    )
    assert not rep.failed
    with pytest.warns(OriginOverrideWarning):
        rep = ingest(
            s,
            [shared_data / PANDAS],
            mapping=read_mapping(ROOT / "docs/examples/gdelt-pandas-export.yaml"),
            origin_override=True,
        )
    assert not rep.failed
    yield s
    s.close()


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def mixed(
    request: pytest.FixtureRequest, mixed_db: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """The mixed store on DuckDB, and exported to a lake read by the Spark cluster."""
    if request.param == "duckdb":
        yield mixed_db
        return
    session = request.getfixturevalue("spark_session")
    s = on_cluster(mixed_db, tmp_path_factory.mktemp("mixed-lake") / "lake", session)
    yield s
    s.close()


def _volume(s: Store) -> dict[tuple[str, date], int]:
    rows = s.con.execute('SELECT origin, day, "rows" FROM daily_volume').fetchall()
    return {(o, d): int(n) for o, d, n in rows}


def _stored_by_day(s: Store) -> dict[tuple[str, date], int]:
    rows = s.con.execute("SELECT origin, event_date, count(*) FROM events GROUP BY ALL").fetchall()
    return {(o, d): int(n) for o, d, n in rows}


def test_a_mixed_store_warns_and_measures_the_densest_origin(mixed: Store, mixed_db: Store) -> None:
    m = measure_dyad(mixed.events, "JPN-KOR", freq="month", alarms=False)
    cov = {c.origin: c for c in m.coverage}
    # The chronology and both GDELT files hold Japan-Korea state events; the ICEWS sample
    # (Korea-North Korea, 2018) none, so it has no say.
    assert set(cov) == {"chronology", "gdelt2"}
    days = _stored_by_day(mixed_db)
    for c in m.coverage:
        mine = sorted(d for o, d in days if o == c.origin)
        assert (c.first, c.last, c.days) == (mine[0], mine[-1], len(mine))
    # The chronology spans years; GDELT and ICEWS cover a few days each.
    assert [c.origin for c in m.coverage if c.used] == ["chronology"]
    assert cov["chronology"].days > cov["gdelt2"].days
    warned = [n.message for n in m.notes if n.category == "CoverageWarning"]
    assert len(warned) == 1
    for c in m.coverage:
        assert f"{c.origin} {c.days} days ({c.first}..{c.last})" in warned[0]  # > 1 day each
    # The series is the chronology's alone: the same as asking for it.
    alone = measure_dyad(
        mixed.events, "JPN-KOR", freq="month", alarms=False, origins=["chronology"]
    )
    assert m.rows == alone.rows and m.history_from == alone.history_from
    assert not [n for n in alone.notes if n.category == "CoverageWarning"]
    assert [c.used for c in alone.coverage] == [True]


def test_a_triad_splits_too(mixed: Store) -> None:
    t = measure_triad(mixed.events, ["USA", "JPN", "KOR"], alarms=False)
    assert any(n.category == "CoverageWarning" for n in t.notes)
    assert sum(c.used for c in t.coverage) == 1 and len(t.coverage) >= 2
    assert all(isinstance(c, Coverage) for c in t.coverage)


def test_normalize_divides_by_the_origins_own_daily_volume(
    mixed: Store, mixed_db: Store, shared_data: Path
) -> None:
    # What GDELT published each day of November, read straight from the files.
    direct = dict(
        duckdb.sql(
            f"SELECT strptime(Day::VARCHAR, '%Y%m%d')::DATE AS d, count(DISTINCT Global_Event_ID) "
            f"FROM read_csv('{shared_data / PANDAS}/*.csv') "
            f"WHERE d BETWEEN DATE '{NOV[0]}' AND DATE '{NOV[1]}' GROUP BY d"
        ).fetchall()
    )
    assert sum(direct.values()) > 5000
    vol = _volume(mixed_db)
    assert {d: n for (o, d), n in vol.items() if o == "gdelt2" and NOV[0] <= d <= NOV[1]} == direct
    pairs = [(Actor("JPN"), Actor("KOR")), (Actor("USA"), Actor("JPN"))]
    kw = {"start": NOV[0], "end": NOV[1], "origins": ["gdelt2"], "normalize": True}
    day = dyad_series(mixed.events, pairs, freq="day", **kw).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    for r in day:
        assert r["volume"] == direct.get(r["period"], 0)
        if r["volume"]:
            assert r["events_norm"] == pytest.approx(1000.0 * r["events"] / r["volume"])
    assert any(r["events"] for r in day)
    # Without origins, the volume is that of the origins of the dyads' events, not every row
    # of the store: the chronology's rows of these days (if any) count only where it has
    # events of the dyads too.
    bare = {k: v for k, v in kw.items() if k != "origins"}
    mixed_day = dyad_series(mixed.events, pairs, freq="day", **bare).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    assert [r["volume"] for r in mixed_day] == [r["volume"] for r in day]
    # A week sums its days; the chronology's rows of those days do not count for GDELT.
    week = dyad_series(mixed.events, pairs, freq="week", **kw).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    for r in week:
        mine = [
            x for x in day if x["dyad"] == r["dyad"] and 0 <= (x["period"] - r["period"]).days < 7
        ]
        assert r["volume"] == sum(x["volume"] for x in mine)
        assert r["events"] == sum(x["events"] for x in mine)


def test_daily_volume_counts_stored_rows_and_survives_reingest_and_compaction(
    tmp_path: Path, shared_data: Path
) -> None:
    # DuckDB only: how DuckDB's writer keeps the table through reingest and compaction.
    path = tmp_path / "store.duckdb"
    icews = shared_data / "icews/events.2018.sample.tab"
    # The same rows again under another name and another byte (a trailing blank line): all
    # duplicates, so the volume must not grow.
    copy = tmp_path / "again.tab"
    copy.write_bytes(icews.read_bytes() + b"\n")
    with connect(path) as s:
        first = ingest(s, [icews])
        assert first.stored > 0
        vol = _volume(s)
        assert vol == _stored_by_day(s) and sum(vol.values()) == first.stored
        again = ingest(s, [icews, copy])
        assert again.stored == 0 and again.duplicates == 2 * first.stored
        assert _volume(s) == vol
        s.compact()
        assert _volume(s) == vol
    with connect(path) as s:  # the compacted copy is the store now
        assert _volume(s) == vol


def test_an_old_store_gets_its_daily_volume_when_opened(tmp_path: Path, shared_data: Path) -> None:
    # DuckDB only: the migration of an old DuckDB file.
    path = tmp_path / "store.duckdb"
    with connect(path) as s:
        ingest(s, [shared_data / "icews/events.2018.sample.tab"])
        want = _stored_by_day(s)
        # What a store of schema version 2 looked like: no daily_volume table.
        s.con.execute("DROP TABLE daily_volume")
        s.con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with connect(path) as s:
        assert _volume(s) == want and want
        ver = s.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert ver == (str(SCHEMA_VERSION),)  # migrated to the current schema


def test_normalize_without_origins_counts_only_the_origins_of_the_dyads(
    mixed: Store, mixed_db: Store
) -> None:
    # October 2019: the chronology has rows of other dyads, GDELT's export is the one that
    # reports the United States and Korea.
    pairs = [(Actor("USA"), Actor("KOR")), (Actor("KOR"), Actor("USA"))]
    kw = {"start": date(2019, 10, 1), "end": date(2019, 10, 31), "freq": "day"}

    def series(**more: object) -> list[dict[str, object]]:
        return (
            dyad_series(mixed.events, pairs, normalize=True, **kw, **more).to_pyarrow().to_pylist()
        )  # type: ignore[arg-type]

    per = {o: series(origins=[o]) for o in ("chronology", "gdelt2", "icews")}
    present = [o for o, rs in per.items() if any(r["events"] for r in rs)]
    assert present == ["gdelt2"]
    both = series()
    assert [r["volume"] for r in both] == [r["volume"] for r in per["gdelt2"]]
    # The store does hold other rows those days: dividing by them would shrink the rate.
    every = _volume(mixed_db)
    assert any(
        r["volume"] < sum(n for (o, d), n in every.items() if d == r["period"]) for r in both
    )


def test_coverage_spans_are_the_runs_of_stored_days(mixed: Store, mixed_db: Store) -> None:
    m = measure_dyad(mixed.events, "JPN-KOR", freq="month", alarms=False)
    days = _stored_by_day(mixed_db)
    for c in m.coverage:
        mine = sorted(d for o, d in days if o == c.origin)
        # Every stored day is in exactly one run, and runs never touch (a gap separates them).
        covered = [
            date.fromordinal(k) for a, b in c.spans for k in range(a.toordinal(), b.toordinal() + 1)
        ]
        assert covered == mine
        assert all((b[0] - a[1]).days > 1 for a, b in itertools.pairwise(c.spans))
        assert (c.spans[0][0], c.spans[-1][1]) == (c.first, c.last)
    # GDELT's files cover a day in 2019 and some days of November 2020: several runs.
    assert len({c.origin: c for c in m.coverage}["gdelt2"].spans) >= 2

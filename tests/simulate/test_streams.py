"""Daily event streams from the store, checked against direct SQL counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.measure import Actor
from brinkwatch.simulate import Streams, event_streams
from brinkwatch.store import Store, connect

TRIAD = [Actor("USA"), Actor("JPN"), Actor("KOR")]


def _sql_count(
    store: Store, src: str, tgt: str | None, quads: tuple[int, int], where: str = ""
) -> int:
    tcond = f"target_country = '{tgt}'" if tgt else "target_country IN ('USA', 'JPN', 'KOR')"
    q = (
        f"SELECT count(*) FROM events WHERE source_country = '{src}' AND {tcond} "
        f"AND quad_class IN {quads} {where}"
    )
    return int(store.con.execute(q).fetchone()[0])


def test_triad_streams_match_sql_counts_per_dyad_and_kind(chronology: Store) -> None:
    st = event_streams(chronology.events, TRIAD)
    assert len(st.names) == 12
    assert st.names[:2] == ("USA->JPN coop", "USA->JPN conflict")
    assert st.exogenous == ()
    first, last = chronology.con.execute(
        "SELECT min(event_date), max(event_date) FROM events WHERE source_country IN "
        "('USA','JPN','KOR') AND target_country IN ('USA','JPN','KOR') "
        "AND source_country <> target_country"
    ).fetchone()
    assert (st.start, st.end) == (first, last)
    assert st.n_days == (last - first).days + 1
    totals = dict(zip(st.names, st.totals().tolist(), strict=True))
    for name, total in totals.items():
        dyad, kind = name.split(" ")
        src, tgt = dyad.split("->")
        quads = (1, 2) if kind == "coop" else (3, 4)
        assert total == _sql_count(chronology, src, tgt, quads), name
    # The 2019 crisis: Japan's export controls of 1 July 2019 are a JPN->KOR conflict event.
    day = (date(2019, 7, 1) - st.start).days
    assert st.counts[day, st.names.index("JPN->KOR conflict")] >= 1


def test_window_and_dates_follow_the_calendar(chronology: Store) -> None:
    st = event_streams(chronology.events, TRIAD, start=date(2019, 1, 1), end=date(2019, 12, 31))
    assert (st.start, st.end, st.n_days) == (date(2019, 1, 1), date(2019, 12, 31), 365)
    summer = st.window(date(2019, 7, 1), date(2019, 8, 31))
    assert summer.n_days == 62 and summer.dates[0] == date(2019, 7, 1)
    assert np.array_equal(summer.counts, st.counts[181:243])
    assert st.window(date(2018, 6, 1), date(2019, 1, 3)).n_days == 3  # clipped to the data
    with pytest.raises(ConfigError, match="no day of the data"):
        st.window(date(2020, 1, 1), date(2020, 2, 1))


def test_arrow_round_trip_keeps_counts_names_and_start() -> None:
    rng = np.random.default_rng(0)
    st = Streams(rng.poisson(1.0, (30, 3)), ("a", "b", "c"), date(2020, 2, 27), ("c",))
    back = Streams.from_arrow(st.to_arrow(), exogenous=("c",))
    assert back.names == st.names and back.start == st.start and back.exogenous == ("c",)
    assert np.array_equal(back.counts, st.counts)
    assert back.dates[3] == date(2020, 3, 1)  # leap year


def test_bad_counts_and_actors_are_refused(chronology: Store) -> None:
    with pytest.raises(ConfigError, match="non-negative whole numbers"):
        Streams(np.array([[1.5]]), ("a",), date(2020, 1, 1))
    with pytest.raises(ConfigError, match="shape"):
        Streams(np.zeros((3, 2)), ("a",), date(2020, 1, 1))
    with pytest.raises(ConfigError, match="different countries"):
        event_streams(chronology.events, [Actor("JPN"), Actor("JPN")])
    with pytest.raises(ConfigError, match="at least two"):
        event_streams(chronology.events, [Actor("JPN")])


def test_exogenous_streams_on_ingested_gdelt(measure_db: Path) -> None:
    s = connect(measure_db, read_only=True)
    try:
        st = event_streams(
            s.events, TRIAD, exogenous=[Actor("CHN")], origins=["gdelt2"],
            start=date(2020, 11, 1), end=date(2020, 11, 30),
        )  # fmt: skip
        assert st.names[-2:] == ("CHN->* coop", "CHN->* conflict")
        assert st.exogenous == ("CHN->* coop", "CHN->* conflict")
        where = "AND origin = 'gdelt2' AND event_date BETWEEN '2020-11-01' AND '2020-11-30'"
        assert st.totals()[-2] == _sql_count(s, "CHN", None, (1, 2), where)
        assert st.totals()[-1] == _sql_count(s, "CHN", None, (3, 4), where)
        assert st.totals()[-2] > 0
        jk = st.names.index("JPN->KOR coop")
        assert st.totals()[jk] == _sql_count(s, "JPN", "KOR", (1, 2), where)
    finally:
        s.close()

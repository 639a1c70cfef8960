"""The top events behind each bar: one line per story, in its period, strongest first (issue 17).

The top events come from DuckDB and from the Spark cluster (``chron_backend``); the stories
they are checked against are read from the DuckDB file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from brinkwatch.measure import top_events
from brinkwatch.store import Store, connect, select_events, with_story


def _stories_by_month(db: Path, a: str, b: str) -> dict[date, set[str]]:
    """The stories of ``a->b`` per month, read straight from the store (no measure code)."""
    with connect(db, read_only=True) as s:
        e = with_story(select_events(s.events, dyad=(a, b), directed=True), "story")
        rows = e.select("event_date", "story").to_pyarrow().to_pylist()
    out: dict[date, set[str]] = {}
    for r in rows:
        out.setdefault(r["event_date"].replace(day=1), set()).add(r["story"])
    return out


def test_every_story_of_the_direction_appears_once_in_its_period(
    chronology_db: Path, chron_backend: Store
) -> None:
    top = top_events(chron_backend.events, "JPN", "KOR", freq="month", n=1000)
    want = _stories_by_month(chronology_db, "JPN", "KOR")
    assert {p: {e.story for e in evs} for p, evs in top.items()} == want
    for period, evs in top.items():
        for e in evs:
            assert (e.source or "").startswith("JPN") and (e.target or "").startswith("KOR")
            assert e.event_date.replace(day=1) == period


def test_a_window_and_n_cut_the_list_strongest_first(
    chronology_db: Path, chron_backend: Store
) -> None:
    top = top_events(
        chron_backend.events,
        "KOR",
        "JPN",
        freq="month",
        start=date(2019, 7, 1),
        end=date(2019, 9, 30),
        n=2,
    )
    want = _stories_by_month(chronology_db, "KOR", "JPN")
    assert set(top) == {p for p in want if date(2019, 7, 1) <= p <= date(2019, 9, 1)}
    for period, evs in top.items():
        assert len(evs) == min(2, len(want[period]))
        strength = [(e.sources or 1, e.mentions or 0) for e in evs]
        assert strength == sorted(strength, reverse=True)

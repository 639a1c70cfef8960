"""The coverage strip (issue 14, item 3): one lane per origin, its days with data filled.

``measure_db`` mixes the bundled chronology (years of scattered days) with three days of the
GDELT pandas export (13-15 November 2020), so the lanes must differ exactly as the stored
days do.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.measure import DyadMeasure, measure_dyad, measure_triad
from brinkwatch.report import coverage_strip, index_figure, render, triad_figure
from brinkwatch.store import Store, connect

WINDOW = (date(2020, 1, 1), date(2020, 12, 31))
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def mixed(measure_db: Path) -> Iterator[Store]:
    with connect(measure_db, read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def jpn_kor(mixed: Store) -> DyadMeasure:
    return measure_dyad(mixed.events, "JPN-KOR", freq="month", start=WINDOW[0], end=WINDOW[1])


def _stored_days(s: Store, origin: str, lo: date, hi: date) -> list[date]:
    rows = s.con.execute(
        "SELECT DISTINCT event_date FROM events WHERE origin = ? AND event_date >= ? "
        "AND event_date < ? ORDER BY 1",
        [origin, lo, hi],
    ).fetchall()
    return [r[0] for r in rows]


def _filled_days(trace: Any) -> list[date]:
    """Days a lane fills: its segments are ``start, day after end, None`` triples."""
    xs = list(trace.x)
    days: list[date] = []
    for a, b in zip(xs[0::3], xs[1::3], strict=True):
        days += [a + timedelta(days=k) for k in range((b - a).days)]
    assert all(x is None for x in xs[2::3])
    return days


def _strip(fig: Any) -> list[Any]:
    return [t for t in fig.data if t.meta == "coverage"]


def test_lanes_fill_exactly_the_stored_days_of_each_origin(
    mixed: Store, jpn_kor: DyadMeasure
) -> None:
    m = jpn_kor
    fig = index_figure(m.rows, measure="value", change_points=m.change_points, coverage=m.coverage)
    lanes = _strip(fig)
    # Two origins, two lanes in the Coverage order; GDELT is not counted (the chronology has
    # more days), and the lane says so in words.
    assert [c.origin for c in m.coverage] == ["chronology", "gdelt2"]
    assert [t.name for t in lanes] == ["chronology", "GDELT 2 (not counted)"]
    lo, hi = fig.layout.xaxis2.range
    assert (lo, hi) == (date(2020, 1, 1), date(2021, 1, 1))  # the 12 monthly periods, whole
    for c, lane in zip(m.coverage, lanes, strict=True):
        assert _filled_days(lane) == _stored_days(mixed, c.origin, lo, hi)
    assert _filled_days(lanes[1]) == [date(2020, 11, 13), date(2020, 11, 14), date(2020, 11, 15)]
    # The chronology's lane has gaps: fewer filled days than days in the year.
    assert 0 < len(_filled_days(lanes[0])) < 100
    hover = {t.name: {h for h in t.hovertext if h} for t in lanes}
    assert hover["GDELT 2 (not counted)"] == {
        "GDELT 2: 3 days with data, 2020-11-13..2020-11-15 (not counted in the series)"
    }
    (chron,) = hover["chronology"]
    assert chron.startswith(f"chronology: {m.coverage[0].days} days with data, 2015-")


def test_the_strip_is_a_row_under_the_series_on_the_same_x_axis(jpn_kor: DyadMeasure) -> None:
    m = jpn_kor
    fig = index_figure(m.rows, measure="value", coverage=m.coverage, label="goldstein_sum")
    series = [t for t in fig.data if t.meta != "coverage"]
    assert {(t.xaxis, t.yaxis) for t in series} == {("x", "y")}
    assert {(t.xaxis, t.yaxis) for t in _strip(fig)} == {("x2", "y2")}
    assert fig.layout.xaxis.matches == "x2"  # zooming the series zooms the strip
    assert fig.layout.xaxis.range == fig.layout.xaxis2.range
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]  # below, no overlap
    assert list(fig.layout.yaxis2.ticktext) == ["chronology", "GDELT 2 (not counted)"]
    assert fig.layout.xaxis2.title.text == "period"
    assert fig.layout.yaxis.title.text == "goldstein_sum"
    png = render(fig, "png")
    assert png[:8] == PNG and len(png) > 10_000
    # Without coverage the figure is as before: one panel, no strip.
    plain = index_figure(m.rows, measure="value")
    assert not _strip(plain) and plain.layout.xaxis.title.text == "period"


def test_triad_strip_spans_the_columns_under_the_panels(mixed: Store) -> None:
    t = measure_triad(mixed.events, ["USA", "JPN", "KOR"], freq="month", start=WINDOW[0])
    fig = triad_figure(t.rows, measure="value", title="triad", coverage=t.coverage)
    lanes = _strip(fig)
    assert [x.name for x in lanes] == ["chronology", "GDELT 2 (not counted)"]
    axis = lanes[0].xaxis
    assert {x.xaxis for x in lanes} == {axis}
    assert tuple(fig.layout[f"xaxis{axis[1:]}"].domain) == (0.0, 1.0)
    bars = [x for x in fig.data if x.type == "bar"]
    assert len(bars) == 6
    # Every panel shows the strip's date range and one shared y range.
    ranges = {tuple(fig.layout[f"xaxis{b.xaxis[1:]}"].range) for b in bars}
    assert ranges == {tuple(fig.layout[f"xaxis{axis[1:]}"].range)}
    assert len({tuple(fig.layout[f"yaxis{b.yaxis[1:]}"].range) for b in bars}) == 1
    assert render(fig, "png")[:8] == PNG


def test_one_origin_still_gets_its_lane(mixed: Store) -> None:
    m = measure_dyad(
        mixed.events, "JPN-KOR", freq="month", start=date(2019, 1, 1), end=date(2019, 12, 31)
    )
    # GDELT's days lie after the window's end, so only the chronology covers it.
    assert [c.origin for c in m.coverage] == ["chronology"]
    lanes = _strip(index_figure(m.rows, measure="value", coverage=m.coverage))
    assert [t.name for t in lanes] == ["chronology"]
    lo, hi = date(2019, 1, 1), date(2020, 1, 1)
    assert _filled_days(lanes[0]) == _stored_days(mixed, "chronology", lo, hi)
    alone = coverage_strip(m.coverage, [r["period"] for r in m.rows])
    assert [t.name for t in alone.data] == ["chronology"]
    assert _filled_days(alone.data[0]) == _filled_days(lanes[0])

"""Baselines independent of the display window, the bounded index, the fixed reference."""

from __future__ import annotations

import calendar as cal
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brinkwatch.measure import DyadMeasure, default_rules, measure_dyad
from brinkwatch.measure.index import GOLDSTEIN_RMS, INDEX_BOUND, MAD_TO_SD
from brinkwatch.store import Store
from tests.measure.conftest import assert_rows_equal

KEYS = ("value", "index", "baseline_median", "baseline_scale", "baseline_n")
LOW = ("lowest_since", "periods_since", "record_low")
INDEX_RULES = [r for r in default_rules() if r.kind == "index"]
FIRST, LAST = date(2015, 6, 1), date(2023, 6, 30)  # from before the data start


@pytest.fixture(scope="module")
def chron(chron_duck: Store) -> Store:
    """The chronology on DuckDB: the generated windows run here (a Spark job each would cost
    seconds apiece); ``test_the_cluster_reads_the_span_and_a_window_as_duckdb_does`` checks
    that the cluster gives the same rows and alarms, and
    ``test_a_window_on_the_cluster_reads_as_the_span_on_duckdb`` runs two fixed windows there."""
    return chron_duck


@pytest.fixture(scope="module")
def full(chron: Store) -> dict[str, DyadMeasure]:
    """The whole span of the chronology, weekly and monthly, with the index alarms."""
    return {
        f: measure_dyad(chron.events, "JPN-KOR", freq=f, rules=INDEX_RULES)
        for f in ("week", "month")
    }


def _period_end(d: date, freq: str) -> date:
    if freq == "week":
        return d + timedelta(days=6 - d.weekday())
    return d.replace(day=cal.monthrange(d.year, d.month)[1])


def _alarms(m: DyadMeasure, lo: date, hi: date) -> list[tuple[Any, ...]]:
    return [(a.rule, a.dyad, a.period, a.detail) for a in m.alarms if lo <= a.period <= hi]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    freq=st.sampled_from(["week", "month"]),
    start=st.dates(FIRST, LAST),
    days=st.integers(20, 900),
)
def test_a_period_reads_the_same_whatever_window_shows_it(
    chron: Store, full: dict[str, DyadMeasure], freq: str, start: date, days: int
) -> None:
    _check_window(chron, full[freq], freq, start, days)


#: The windows the cluster runs (each costs a Spark job of some seconds, so not the eight
#: generated ones): a weekly one from before the data start, a monthly one cut at the last
#: period of the data - the two edges the generated windows are there to reach.
CLUSTER_WINDOWS = [("week", FIRST, 400), ("month", date(2021, 3, 10), 900)]


@pytest.mark.parametrize(("freq", "start", "days"), CLUSTER_WINDOWS)
def test_a_window_on_the_cluster_reads_as_the_span_on_duckdb(
    chron_spark: Store, full: dict[str, DyadMeasure], freq: str, start: date, days: int
) -> None:
    _check_window(chron_spark, full[freq], freq, start, days)


def _check_window(s: Store, whole: DyadMeasure, freq: str, start: date, days: int) -> None:
    """The window from ``start`` over ``days`` on ``s`` reads as the span ``whole`` does."""
    last = max(r["period"] for r in whole.rows)
    # The window ends where a period ends: the last period is counted up to `end`.
    end = min(_period_end(start + timedelta(days=days), freq), _period_end(last, freq))
    end = max(end, _period_end(date(2016, 2, 1), freq))  # past the data's first weeks
    m = measure_dyad(s.events, "JPN-KOR", freq=freq, start=start, end=end, rules=INDEX_RULES)
    assert m.history_from == whole.history_from == date(2015, 12, 28)
    ref = {(r["dyad"], r["period"]): r for r in whole.rows}
    assert m.rows, "the window holds periods"
    assert min(r["period"] for r in m.rows) >= whole.rows[0]["period"]  # none before the data
    for r in m.rows:
        want = ref[(r["dyad"], r["period"])]
        # Within rounding: the span may come from the other engine.
        assert {k: r[k] for k in KEYS + LOW} == pytest.approx({k: want[k] for k in KEYS + LOW})
    lo = min(r["period"] for r in m.rows)
    assert _alarms(m, lo, end) == _alarms(whole, lo, end)


def test_the_cluster_reads_the_span_and_a_window_as_duckdb_does(
    chron_spark: Store, full: dict[str, DyadMeasure]
) -> None:
    # Monthly only: the weekly span is the same expressions at another frequency, and each
    # measure on the cluster costs several seconds.
    whole = full["month"]
    got = measure_dyad(chron_spark.events, "JPN-KOR", freq="month", rules=INDEX_RULES)
    assert got.history_from == whole.history_from
    assert_rows_equal(got.rows, whole.rows)
    assert got.alarms == whole.alarms and got.alarms


def _insert(s: Store, rows: list[tuple[str, date, str, str, str, int, float]]) -> None:
    s.con.executemany(
        "INSERT INTO event_rows (event_id, origin, event_date, source_country, target_country, "
        "cameo_code, cameo_root, quad_class, goldstein, batch_id) "
        "VALUES (?, 'csv', ?, ?, ?, ?, ?, ?, ?, 1)",
        [(i, d, a, b, c, c[:2], q, g) for i, d, a, b, c, q, g in rows],
    )


def test_the_zero_spread_week_of_4_january_2021_has_a_defined_bounded_index(
    store: Store, on_engine: Callable[[Store], Store]
) -> None:
    # As in the chronology: a quiet year between Japan and Korea (the store has data from
    # December 2019), then the comfort-women ruling of 8 January 2021 and Tokyo's two protests.
    _insert(
        store,
        [
            ("a", date(2019, 12, 2), "USA", "JPN", "042", 1, 1.9),
            ("b", date(2021, 1, 8), "JPN", "KOR", "114", 3, -2.0),
            ("c", date(2021, 1, 8), "JPN", "KOR", "111", 3, -2.0),
        ],
    )
    m = measure_dyad(on_engine(store).events, "JPN->KOR", directed=True, start=date(2020, 11, 2))
    week = next(r for r in m.rows if r["period"] == date(2021, 1, 4))
    assert m.history_from == date(2019, 12, 2) and week["baseline_n"] == 52
    assert week["baseline_median"] == 0.0 and week["baseline_mean"] == 0.0  # no spread at all
    # One event of typical weight is the least noise a silent baseline allows.
    assert week["baseline_scale"] == GOLDSTEIN_RMS
    assert week["index"] == pytest.approx(-4.0 / GOLDSTEIN_RMS)
    assert not [a for a in m.alarms if a.rule == "index-drop"]

    # Forty strikes in the next week: far outside anything seen, and still a finite number.
    _insert(
        store,
        [(f"x{i}", date(2021, 1, 12), "JPN", "KOR", "190", 4, -10.0) for i in range(40)],
    )
    m = measure_dyad(on_engine(store).events, "JPN->KOR", directed=True, start=date(2020, 11, 2))
    strike = next(r for r in m.rows if r["period"] == date(2021, 1, 11))
    assert strike["index"] == -INDEX_BOUND
    assert [a.period for a in m.alarms if a.rule == "index-drop"] == [date(2021, 1, 11)]


def test_a_fixed_reference_baseline_reads_2019_against_2018(chron_backend: Store) -> None:
    chron = chron_backend  # each engine against its own 2018
    ref = (date(2018, 1, 1), date(2018, 12, 31))
    kw: dict[str, Any] = {"freq": "month", "directed": True, "alarms": False}
    trailing = measure_dyad(chron.events, "KOR-JPN", start=date(2019, 1, 1), **kw)
    fixed = measure_dyad(chron.events, "KOR-JPN", start=date(2019, 1, 1), reference=ref, **kw)
    assert fixed.reference == ref and trailing.reference is None
    whole = measure_dyad(chron.events, "KOR-JPN", **kw)
    y2018 = [r for r in whole.rows if ref[0] <= r["period"] <= ref[1]]
    x = np.array([r["value"] for r in y2018])
    med = float(np.median(x))
    floor = GOLDSTEIN_RMS * max(float(np.mean([r["events"] for r in y2018])), 1.0) ** 0.5
    scale = max(MAD_TO_SD * float(np.median(np.abs(x - med))), floor)
    for r in fixed.rows:  # every period against the same twelve months
        assert (r["baseline_n"], r["baseline_median"]) == (12, med)
        assert r["baseline_scale"] == pytest.approx(scale)
        assert r["index"] == pytest.approx(max((r["value"] - med) / scale, -INDEX_BOUND))
    # The whitelist removal of 18 September 2019: the trailing baseline has absorbed the
    # summer's crisis, the 2018 reference has not.
    sep_t, sep_f = (
        next(r for r in m.rows if r["period"] == date(2019, 9, 1)) for m in (trailing, fixed)
    )
    assert sep_f["index"] < sep_t["index"] < 0
    # (State actors only, the trailing median stays at 0: the summer's acts were few months.)
    assert sep_f["baseline_median"] >= sep_t["baseline_median"]


@pytest.mark.parametrize(
    ("reference", "words"),
    [
        ((date(2018, 12, 31), date(2018, 1, 1)), "swap them"),
        ((date(2018, 1, 1), date(2018, 2, 15)), "holds 2 month"),
        ((date(2018, 1, 1), date(2021, 1, 1)), "ends after the window"),
        ((date(2015, 1, 1), date(2015, 12, 31)), "starts before the data"),
    ],
)
def test_reference_errors_name_the_field(
    chron_backend: Store, reference: tuple[date, date], words: str
) -> None:
    chron = chron_backend  # the span of the data comes from the store: DuckDB and Spark
    from brinkwatch.errors import ConfigError

    with pytest.raises(ConfigError, match=words) as exc:
        measure_dyad(
            chron.events, "KOR-JPN", freq="month", end=date(2020, 6, 30), reference=reference
        )
    assert exc.value.field == "reference"

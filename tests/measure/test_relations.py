"""measure_dyad and measure_triad: the bundle holds what the steps give, with parameter errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from brinkwatch.codebook import Dyad
from brinkwatch.errors import ConfigError
from brinkwatch.measure import (
    DEFAULT_BASELINE,
    Actor,
    Freq,
    change_points,
    dyad_series,
    evaluate_alarms,
    indexed_series,
    measure_dyad,
    measure_triad,
    triad_pairs,
)
from brinkwatch.store import Store
from tests.measure.conftest import assert_rows_equal

WINDOW = {"start": date(2019, 1, 1), "end": date(2019, 12, 31)}


@pytest.fixture
def chron(chron_backend: Store) -> Store:
    """The chronology on DuckDB and on the cluster: the bundle each engine gives.

    The steps it must equal run on DuckDB (``chron_duck``) in both cases: on the cluster each
    step with alarms costs tens of seconds, and DuckDB's steps are what the cluster must give.
    """
    return chron_backend


def _same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]], exact: bool) -> None:
    """Equal rows: exact on one engine, within rounding across engines (sums' last bit)."""
    if exact:
        assert got == want
    else:
        assert_rows_equal(got, want)


def _by_dyad(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["dyad"], []).append(r)
    return out


def test_measure_dyad_is_the_steps_it_replaces(chron: Store, chron_duck: Store) -> None:
    m = measure_dyad(chron.events, "JPN-KOR", freq="month", **WINDOW)
    a, b = Actor("JPN"), Actor("KOR")
    base = DEFAULT_BASELINE[Freq.MONTH]
    # The series is indexed from the first day of the data, then cut to the window.
    first = date(2015, 12, 28)
    assert m.history_from == first and m.reference is None
    ser = dyad_series(
        chron_duck.events, [(a, b), (b, a)], freq="month", start=first, end=WINDOW["end"]
    )
    full = indexed_series(ser, measure="goldstein_sum", baseline=base)
    rows = full.filter(full.period >= WINDOW["start"]).to_pyarrow().to_pylist()
    assert m.table.to_pylist() == m.rows
    _same_rows(m.rows, rows, exact=chron is chron_duck)
    assert len(m.rows) == 24  # two directions, twelve months
    assert m.dyad == Dyad(a, b) and (m.freq, m.baseline) == ("month", base)
    for d, rs in m.by_dyad().items():
        assert m.change_points[d] == change_points(
            [r["value"] for r in rs], [r["period"] for r in rs]
        )
    # Sums may differ in the last bit between engines: compare where the series turns.
    turns = {d: [c.period for c in cs] for d, cs in m.change_points.items()}
    assert turns == {
        d: [c.period for c in change_points([r["value"] for r in rs], [r["period"] for r in rs])]
        for d, rs in _by_dyad(rows).items()
    }
    alarms = evaluate_alarms(chron_duck.events, a, b, freq="month", baseline=base, **WINDOW)
    assert m.alarms == alarms and len(alarms) > 0  # 2019 holds the export controls
    assert [h.dyad for h in m.headlines] == ["JPN->KOR", "KOR->JPN"]
    for h in m.headlines:
        valued = [r for r in m.by_dyad()[h.dyad] if r["value"] is not None]
        assert h.lowest["value"] == min(r["value"] for r in valued)
        assert h.latest == m.by_dyad()[h.dyad][-1]


def test_an_open_window_gives_the_same_alarms_as_the_series_span(
    chron: Store, chron_duck: Store
) -> None:
    # The brief used to close the window itself before evaluating alarms; no longer needed.
    m = measure_dyad(chron.events, "JPN-KOR", freq="month", start=date(2019, 1, 1))
    last = m.rows[-1]["period"]
    closed = measure_dyad(  # the closed window on DuckDB (see ``chron``)
        chron_duck.events, "JPN-KOR", freq="month", start=date(2019, 1, 1), end=date(2023, 12, 31)
    )
    assert last <= date(2023, 12, 31)
    assert [(x.rule, x.dyad, x.period) for x in m.alarms] == [
        (x.rule, x.dyad, x.period) for x in closed.alarms if x.period <= last
    ]


def test_directed_types_and_no_alarms(chron: Store) -> None:
    m = measure_dyad(
        chron.events, "JPN:GOV->KOR:GOV", directed=True, freq="month", alarms=False, **WINDOW
    )
    assert list(m.by_dyad()) == ["JPN:GOV->KOR:GOV"] and m.alarms == []


def test_measure_triad_is_the_six_dyads(chron: Store, chron_duck: Store) -> None:
    t = measure_triad(chron.events, ["USA", "JPN", "KOR"], alarms=True, **WINDOW)
    a, b, c = (Actor(x) for x in ("USA", "JPN", "KOR"))
    ser = dyad_series(  # the steps on DuckDB (see ``chron``)
        chron_duck.events,
        triad_pairs(a, b, c),
        freq="month",
        start=date(2015, 12, 1),
        end=WINDOW["end"],
    )
    full = indexed_series(ser, baseline=12)
    rows = full.filter(full.period >= WINDOW["start"]).to_pyarrow().to_pylist()
    _same_rows(t.rows, rows, exact=chron is chron_duck)
    assert t.history_from == date(2015, 12, 28)
    assert len(t.by_dyad()) == 6
    expected = [
        x
        for s, g in ((a, b), (a, c), (b, c))
        for x in evaluate_alarms(chron_duck.events, s, g, freq="month", baseline=12, **WINDOW)
    ]
    assert sorted(t.alarms, key=repr) == sorted(expected, key=repr)
    assert [x.period for x in t.alarms] == sorted((x.period for x in t.alarms), reverse=True)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dyad": "JPN"}, "dyad"),
        ({"dyad": "JPN-KOR", "freq": "year"}, "freq"),
        ({"dyad": "JPN-KOR", "weight": "heavy"}, "weight"),
        ({"dyad": "JPN-KOR", "measure": "nope"}, "measure"),
        ({"dyad": "JPN-KOR", "start": date(2020, 1, 2), "end": date(2020, 1, 1)}, "start"),
    ],
)
def test_errors_name_the_parameter(chron: Store, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as exc:
        measure_dyad(chron.events, **kwargs)  # type: ignore[arg-type]
    assert exc.value.field == field and "--" not in str(exc.value)


def test_triad_errors_name_the_parameter(chron: Store) -> None:
    for actors in (["USA", "JPN"], ["USA", "JPN", "JPN"], ["USA", "JPN", "XXX"]):
        with pytest.raises(ConfigError) as exc:
            measure_triad(chron.events, actors)
        assert exc.value.field == "actors"


def test_the_alarm_rules_read_again_only_series_the_bundle_did_not(
    chron_duck: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a cluster each indexed series read costs seconds: the index and change-point rules
    # take the bundle's own series when they were read with the same arguments.
    import brinkwatch.measure.index as index

    reads: list[tuple[str, ...]] = []
    real = index.windowed_index

    def counted(events: Any, pairs: Any, **kw: Any) -> Any:
        reads.append(tuple(f"{s}->{t}" for s, t in pairs))
        return real(events, pairs, **kw)

    monkeypatch.setattr(index, "windowed_index", counted)  # what the rules call
    ev = chron_duck.events
    m = measure_dyad(ev, "JPN-KOR", freq="month", **WINDOW)
    assert reads == [] and len(m.alarms) > 0
    assert m.alarms == evaluate_alarms(ev, "JPN", "KOR", freq="month", **WINDOW)
    t = measure_triad(ev, ["USA", "JPN", "KOR"], alarms=True, **WINDOW)
    assert reads == [("JPN->KOR",), ("KOR->JPN",)]  # only evaluate_alarms above read them
    assert len(t.alarms) > 0
    # Weighted by mentions, or a window the rules fill in from the data: read again.
    reads.clear()
    w = measure_dyad(ev, "JPN-KOR", freq="month", weight="mentions", **WINDOW)
    assert sorted(reads) == [("JPN->KOR",), ("KOR->JPN",)] and w.alarms == m.alarms
    reads.clear()
    measure_dyad(ev, "JPN-KOR", freq="month", start=WINDOW["start"])
    assert len(reads) == 2

"""Queries on the instruments register: in force, timeline, frictions series and alarms."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brinkwatch.errors import ConfigError, RegisterError
from brinkwatch.ingest.instruments import read_register, read_weights
from brinkwatch.instruments import Register
from brinkwatch.measure import Freq, calendar
from brinkwatch.measure.instruments import (
    changes,
    frictions_series,
    in_force,
    instrument_alarms,
    instruments_view,
    resolve_weights,
    timeline,
)
from brinkwatch.store import Store

SMALL = Path(__file__).resolve().parents[1] / "data" / "instruments-small.yaml"
CONTROLS = ("JPN_controls_photoresist", "JPN_controls_hydrogen_fluoride", "JPN_controls_polyimide")


@pytest.fixture(scope="module")
def reg() -> Register:
    return read_register(SMALL)


def _states(reg: Register, on: date) -> dict[str, str]:
    return {x.instrument: x.state for x in in_force(reg, on)}


def test_in_force_on_chosen_dates(reg: Register) -> None:
    assert _states(reg, date(2016, 11, 22)) == {}  # the day before GSOMIA was signed
    assert _states(reg, date(2016, 11, 23)) == {"GSOMIA": "active"}
    # The controls were announced on 1 July and took effect on the 4th.
    assert _states(reg, date(2019, 7, 3)) == {
        "GSOMIA": "active",
        **dict.fromkeys(CONTROLS, "announced"),
    }
    dec = in_force(reg, date(2019, 12, 1))
    assert {x.instrument: (x.state, x.since, x.weight) for x in dec} == {
        "GSOMIA": ("notice_suspended", date(2019, 11, 22), 1.0),
        **dict.fromkeys(CONTROLS, ("imposed", date(2019, 7, 4), 3.0)),
    }
    g = next(x for x in dec if x.instrument == "GSOMIA")
    assert g.citation.publisher == "Yonhap" and g.citation.date == date(2019, 11, 22)
    assert _states(reg, date(2019, 12, 20))["JPN_controls_photoresist"] == "eased"
    after = _states(reg, date(2023, 4, 1))
    assert after == {"GSOMIA": "active", **dict.fromkeys(CONTROLS, "lifted")}


def test_an_instrument_does_not_exist_after_its_end(reg: Register) -> None:
    ended = Register("r", "R", (_with_end(reg, "JPN_controls_polyimide", date(2023, 3, 16)),))
    assert _states(ended, date(2023, 3, 16)) == {"JPN_controls_polyimide": "lifted"}
    assert _states(ended, date(2023, 3, 17)) == {}
    spans = timeline(ended)
    assert spans[-1].state == "lifted" and spans[-1].end == date(2023, 3, 16)


def _with_end(reg: Register, ins_id: str, end: date) -> object:
    from dataclasses import replace

    return replace(reg[ins_id], end=end)


def test_timeline_spans_are_contiguous_and_clipped(reg: Register) -> None:
    full = [s for s in timeline(reg) if s.instrument == "GSOMIA"]
    assert [(s.state, s.start, s.end) for s in full] == [
        ("active", date(2016, 11, 23), date(2019, 8, 22)),
        ("notice_given", date(2019, 8, 23), date(2019, 11, 21)),
        ("notice_suspended", date(2019, 11, 22), date(2023, 3, 20)),
        ("active", date(2023, 3, 21), None),
    ]
    clipped = timeline(reg, date(2019, 9, 1), date(2019, 12, 31))
    g = [(s.state, s.start, s.end) for s in clipped if s.instrument == "GSOMIA"]
    assert g == [
        ("notice_given", date(2019, 9, 1), date(2019, 11, 21)),
        ("notice_suspended", date(2019, 11, 22), date(2019, 12, 31)),
    ]
    assert all(s.start >= date(2019, 9, 1) and s.end is not None for s in clipped)
    with pytest.raises(ConfigError, match="swap"):
        timeline(reg, date(2020, 1, 1), date(2019, 1, 1))


def test_frictions_count_partial_periods_by_the_days_held(reg: Register) -> None:
    t = frictions_series(reg, date(2019, 6, 1), date(2019, 12, 31), Freq.MONTH)
    rows = {r["period"]: r for r in t.to_pylist()}
    assert list(rows) == calendar(date(2019, 6, 1), date(2019, 12, 31), Freq.MONTH)
    assert t.column_names == ["period", "GSOMIA", *CONTROLS, "total"]
    assert rows[date(2019, 6, 1)]["total"] == 0
    # July: announced (weight 1) for 3 days, imposed (3) for 28 days, out of 31.
    assert rows[date(2019, 7, 1)]["JPN_controls_polyimide"] == pytest.approx((3 + 28 * 3) / 31)
    # August: GSOMIA's notice (weight 2) from the 23rd, 9 of 31 days.
    assert rows[date(2019, 8, 1)]["GSOMIA"] == pytest.approx(2 * 9 / 31)
    # November: notice (2) for 21 days, then suspended (1) for 9, of 30.
    assert rows[date(2019, 11, 1)]["GSOMIA"] == pytest.approx((21 * 2 + 9) / 30)
    # December: photoresist imposed (3) 19 days, eased (2) 12 days.
    assert rows[date(2019, 12, 1)]["JPN_controls_photoresist"] == pytest.approx((19 * 3 + 24) / 31)
    for r in rows.values():
        assert r["total"] == pytest.approx(sum(r[c] for c in ("GSOMIA", *CONTROLS)))


def test_frictions_stay_up_from_july_2019_until_the_2023_restorations(reg: Register) -> None:
    t = frictions_series(reg, date(2019, 1, 1), date(2023, 12, 31), Freq.MONTH).to_pylist()
    up = [r["period"] for r in t if r["total"] > 0]
    assert up[0] == date(2019, 7, 1) and up[-1] == date(2023, 3, 1)
    assert up == [r["period"] for r in t if date(2019, 7, 1) <= r["period"] <= date(2023, 3, 1)]


def test_weekly_frictions_are_labelled_by_monday(reg: Register) -> None:
    t = frictions_series(reg, date(2019, 7, 1), date(2019, 7, 14), Freq.WEEK).to_pylist()
    assert [r["period"] for r in t] == [date(2019, 7, 1), date(2019, 7, 8)]
    assert t[0]["JPN_controls_photoresist"] == pytest.approx((3 * 1 + 4 * 3) / 7)
    assert t[1]["JPN_controls_photoresist"] == 3
    day = frictions_series(reg, date(2019, 7, 3), date(2019, 7, 4), Freq.DAY).to_pylist()
    assert [r["JPN_controls_photoresist"] for r in day] == [1, 3]


def test_override_weights_from_a_mapping_or_a_file(reg: Register, tmp_path: Path) -> None:
    w = resolve_weights(reg, {"GSOMIA": {"notice_suspended": 0}})
    assert w["GSOMIA"] == {"active": 0, "notice_given": 2, "notice_suspended": 0, "terminated": 3}
    f = tmp_path / "w.yaml"
    f.write_text("GSOMIA:\n  notice_given: 10\n")
    t = frictions_series(reg, date(2019, 9, 1), date(2019, 9, 30), Freq.MONTH, read_weights(f))
    assert t.column("GSOMIA").to_pylist() == [10.0]
    assert in_force(reg, date(2019, 9, 1), {"GSOMIA": {"notice_given": 10}})[0].weight == 10
    with pytest.raises(RegisterError, match="not in register") as exc:
        resolve_weights(reg, {"TISA": {"active": 1}})
    assert exc.value.field == "TISA"
    with pytest.raises(RegisterError, match="no state 'lapsed'"):
        resolve_weights(reg, {"GSOMIA": {"lapsed": 1}})


def test_changes_carry_the_friction_before_and_after(reg: Register) -> None:
    cs = changes(reg, date(2019, 8, 1), date(2019, 12, 31))
    assert [(c.instrument, c.previous, c.state, c.delta) for c in cs] == [
        ("GSOMIA", "active", "notice_given", 2.0),
        ("GSOMIA", "notice_given", "notice_suspended", -1.0),
        ("JPN_controls_photoresist", "imposed", "eased", -1.0),
    ]
    first = changes(reg, date(2019, 7, 1), date(2019, 7, 1))
    assert {(c.previous, c.weight_before, c.weight_after) for c in first} == {(None, 0.0, 1.0)}


def test_alarms_from_changes_carry_the_citation(reg: Register) -> None:
    alarms = instrument_alarms(reg, date(2019, 1, 1), date(2023, 12, 31))
    by = {(a.rule, a.evidence[0].event_date): a for a in alarms}
    notice = by[("instrument:GSOMIA", date(2019, 8, 23))]
    assert notice.severity == "high" and notice.dyad == "JPN-KOR"
    assert notice.period == date(2019, 8, 19)  # the Monday of its week, as event alarms
    assert "active -> notice_given" in notice.detail and "raises" in notice.detail
    ev = notice.evidence[0]
    assert ev.origin == "register" and "Yonhap, 2019-08-23" in (ev.reference or "")
    entry = by[("instrument:JPN_controls_photoresist", date(2019, 7, 4))]
    assert entry.dyad == "JPN->KOR" and entry.severity == "high"  # announced 1 -> imposed 3
    lifted = by[("instrument:JPN_controls_polyimide", date(2023, 3, 16))]
    assert lifted.severity == "critical" and "lowers" in lifted.detail
    # Announcements (+1) and the suspension (-1) pass at the default 1, not at 1.5.
    assert len(alarms) == 14 - 1  # every change but GSOMIA's signature (friction 0 -> 0)
    big = instrument_alarms(reg, date(2019, 1, 1), date(2023, 12, 31), min_weight_change=1.5)
    assert not any("-> notice_suspended" in a.detail for a in big)
    assert len(big) == 7  # three entries into force, the notice, three liftings
    assert instrument_alarms(reg, between=("JPN", "USA")) == []
    monthly = instrument_alarms(reg, date(2019, 8, 1), date(2019, 8, 31), freq=Freq.MONTH)
    assert [a.period for a in monthly] == [date(2019, 8, 1)]
    with pytest.raises(ConfigError, match="min_weight_change"):
        instrument_alarms(reg, min_weight_change=0)


def test_the_view_is_one_day_or_one_span(reg: Register) -> None:
    v = instruments_view(reg, at=date(2019, 12, 1))
    assert len(v.in_force) == 4 and not v.changes
    assert v.table().column("state").to_pylist()[0] == "notice_suspended"
    s = instruments_view(reg, start=date(2019, 8, 1), end=date(2019, 8, 31))
    assert [c.state for c in s.changes] == ["notice_given"]
    assert s.table().num_rows == 1 and s.as_dict()["changes"][0]["delta"] == 2.0
    assert instruments_view(reg, start=date(2030, 1, 1)).table().num_rows == 0
    with pytest.raises(ConfigError, match="not both"):
        instruments_view(reg, at=date(2019, 1, 1), end=date(2019, 2, 1))


def test_the_dyad_bundle_carries_the_frictions_of_its_instruments(
    reg: Register, chron_backend: Store
) -> None:
    from brinkwatch.measure import measure_dyad, measure_triad

    # The frictions come from the register (Python), joined to each engine's periods.
    s = chron_backend
    m = measure_dyad(s.events, "JPN-KOR", freq="month", alarms=False, register=reg)
    plain = measure_dyad(s.events, "JPN-KOR", freq="month", alarms=False)
    other = measure_dyad(s.events, "JPN-USA", freq="month", alarms=False, register=reg)
    # No alarms: only the frictions are checked, and the triad's alarms cost tens of seconds
    # on the cluster.
    t = measure_triad(s.events, ["USA", "JPN", "KOR"], alarms=False, register=reg)
    assert plain.frictions is None and plain.frictions_by_period() == {}
    assert m.frictions is not None
    assert set(m.frictions.column_names) == {"period", "GSOMIA", *CONTROLS, "total"}
    got = m.frictions_by_period()
    assert sorted(got) == sorted({r["period"] for r in m.rows})  # the series' own periods
    before = [v for p, v in got.items() if p < date(2019, 7, 1)]
    standing = [v for p, v in got.items() if date(2019, 7, 1) <= p <= date(2023, 2, 1)]
    assert before and all(v == 0 for v in before)
    assert standing and all(v > 0 for v in standing)
    # October 2019 - June 2020, the "quiet" months: notice or suspension plus three controls.
    assert got[date(2020, 3, 1)] == pytest.approx(1 + 3 + 3 + 2)
    # No instrument of the test register binds Japan and the United States.
    assert other.frictions is not None and set(other.frictions.column_names) == {"period", "total"}
    assert all(v == 0 for v in other.frictions_by_period().values())
    # The triad sees the Japan-Korea instruments on the same monthly periods.
    assert t.frictions_by_period()[date(2020, 3, 1)] == got[date(2020, 3, 1)]

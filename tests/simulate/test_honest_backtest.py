"""Issue 16: the information cutoff and honest backtest scores (log score, persistence,
calibration), on a tiny scenario whose scores can be computed by hand."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from brinkwatch.errors import ScenarioError, SparseDataWarning
from brinkwatch.simulate import (
    backtest,
    find_dates,
    parse_scenario,
    pooled_calibration,
    post_cutoff,
    read_bundled_scenario,
)
from brinkwatch.store import Store, connect

# One machine moves from a to b on day 5 in every path (no chance involved), another never
# moves: every forecast is exactly 0 or 1, so the scores follow by hand.
TINY = """\
name: tiny
actors: [JPN, KOR]
start: 2019-08-01
horizon_days: 28
information_date: 2019-07-31
model: {fit_from: 2018-01-01, fit_to: 2019-07-31}
index: {pair: [JPN, KOR], baseline_from: 2018-01-01, baseline_to: 2018-09-30}
measures:
  - name: clock
    description: Moves on day 5 (decided 1 July 2019).
    states: [a, b]
    transitions:
      - from: a
        to: b
        after_days: 5
  - name: rock
    description: Never moves.
    states: [a, b]
    transitions:
      - from: a
        to: b
        hazard: {default: 0.0, range: [0.0, 0.0], reason: "Nothing moved it by August 2019."}
outcomes:
  - {name: moved, title: clock moved, machine: clock, states: [b], observed: true}
  - {name: rock_moved, title: rock moved, machine: rock, states: [b], observed: true}
  - {name: rock_stayed, title: rock stayed, machine: rock, states: [a], observed: false}
"""
N = 9  # paths: the smoothing floor is 1/(N+1) = 0.1


@pytest.fixture(scope="module")
def chron(chronology_db: Path) -> Iterator[Store]:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


def test_date_finder_reads_iso_day_month_year_month_year_and_years() -> None:
    def spans(text: str, year: int | None = None) -> list[tuple[str, str, str]]:
        return [
            (m.text, m.first.isoformat(), m.last.isoformat())
            for m in find_dates(text, default_year=year)
        ]

    assert spans("Signed 2016-11-23; talks on 22 November 2019 and November 22, 2019.") == [
        ("2016-11-23", "2016-11-23", "2016-11-23"),
        ("22 November 2019", "2019-11-22", "2019-11-22"),
        ("November 22, 2019", "2019-11-22", "2019-11-22"),
    ]
    assert spans("resumed in June 2020, lifted in 2023") == [
        ("June 2020", "2020-06-01", "2020-06-30"),
        ("2023", "2023-01-01", "2023-12-31"),
    ]
    assert spans("Esper in Seoul, 14-15 Nov. 2019") == [
        ("14-15 Nov. 2019", "2019-11-14", "2019-11-14")
    ]
    # Without a year, day-months and months take the default year, or are not dates at all.
    assert spans("announced on 12 August", 2019) == [("12 August", "2019-08-12", "2019-08-12")]
    assert spans("its November reversal", 2019) == [("November", "2019-11-01", "2019-11-30")]
    assert spans("announced on 12 August") == []
    # Not dates: a verb, an impossible day, numbers that are not years.
    assert spans("Seoul may act; 31 June 2019; 7.5 million visitors; DS590", 2019) == []


def test_post_cutoff_flags_only_mentions_wholly_after_the_cutoff() -> None:
    sc = parse_scenario(TINY, source="tiny.yaml")
    cut = date(2019, 7, 31)
    late = post_cutoff(sc.citations, cut)
    # "by August 2019" lies wholly after 31 July; "1 July 2019" does not.
    line = next(i for i, t in enumerate(TINY.splitlines(), 1) if "by August 2019" in t)
    assert [(p.field, p.line) for p in late] == [
        ("measures[rock].transitions[0].hazard.reason", line)
    ]
    assert [m.text for m in late[0].mentions] == ["August 2019"]
    assert post_cutoff(sc.citations, date(2019, 8, 31)) == []
    # A month that contains the cutoff is not after it.
    assert post_cutoff(sc.citations, date(2019, 8, 15)) == []


def test_bundled_scenario_reasons_rest_on_what_was_known_on_its_information_date() -> None:
    sc = parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019")
    assert sc.information_date == date(2019, 7, 31)
    late = post_cutoff(sc.citations, sc.information_date)
    assert [p.field for p in late if p.field.endswith(".reason")] == []
    # What is left are descriptions of scheduled rules, of the levers actually pulled and of
    # the proposed levers, dated by the deadlines and scheduled meetings they aim at.
    assert {p.field for p in late} <= {
        "notes",
        "agreements[GSOMIA].description",
        "levers[public_mediation].description",
        "levers[working_level_channels].description",
        "levers[unga_leaders_meeting].description",
        "levers[private_channel].description",
        "levers[leaders_meeting].description",
    }
    business = next(s for s in sc.stocks if s.name == "business")
    assert "44%" in business.initial.reason and "hydrogen fluoride" in business.initial.reason
    # The same check with the old text would have flagged the hindsight it held.
    old = read_bundled_scenario("jpn-kor-2019").replace(
        "A suspended case can be revived at any time if talks stall.",
        "Seoul resumed the case in June 2020 when talks stalled.",
    )
    again = parse_scenario(old, source="old")
    flagged = [p.field for p in post_cutoff(again.citations, date(2019, 7, 31))]
    assert "measures[KOR_WTO_case].transitions[1].hazard.reason" in flagged


def test_information_date_must_precede_the_start() -> None:
    with pytest.raises(ScenarioError, match="information date 2019-08-01 must fall before"):
        parse_scenario(TINY.replace("information_date: 2019-07-31", "information_date: 2019-08-01"))


def test_backtest_refuses_a_cutoff_before_the_information_date(chron: Store) -> None:
    sc = parse_scenario(TINY, source="tiny.yaml")
    with pytest.raises(ScenarioError, match=r"would be in sample.*--in-sample") as exc:
        backtest(sc, chron.events, cutoff=date(2019, 6, 30), n_paths=N)
    assert exc.value.field == "information_date"


def _tiny_backtest(chron: Store, **kw: object) -> object:
    sc = parse_scenario(TINY, source="tiny.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        return backtest(sc, chron.events, n_paths=N, seed=0, **kw)  # type: ignore[arg-type]


def test_log_scores_and_persistence_by_hand(chron: Store) -> None:
    res = _tiny_backtest(chron)
    assert res.sample == "out-of-sample"  # type: ignore[attr-defined]
    rows = {r["outcome"]: r for r in res.brier.to_pylist()}  # type: ignore[attr-defined]
    hi, lo = math.log(0.9), math.log(0.1)  # smoothed certainty and impossibility, N = 9
    moved, rmoved, stayed = rows["moved"], rows["rock_moved"], rows["rock_stayed"]
    # The model: clock moved in every path (right); rock never moved (wrong: it did, as the
    # observed values say), so rock_moved gets 0 and rock_stayed 1, both wrong.
    assert (moved["p_actual"], rmoved["p_actual"], stayed["p_actual"]) == (1.0, 0.0, 1.0)
    assert moved["log_actual"] == pytest.approx(hi, abs=1e-4)
    assert rmoved["log_actual"] == pytest.approx(lo, abs=1e-4)
    assert stayed["log_actual"] == pytest.approx(lo, abs=1e-4)
    # Persistence: both machines stay in a, which is wrong on all three outcomes.
    assert (moved["p_persistence"], rmoved["p_persistence"], stayed["p_persistence"]) == (
        0.0, 0.0, 1.0,
    )  # fmt: skip
    for r in (moved, rmoved, stayed):
        assert r["log_persistence"] == pytest.approx(lo, abs=1e-4)
        assert r["brier_persistence"] == pytest.approx(0.81, abs=1e-4)  # (0.1 - 1)^2
        assert r["log_uninformed"] == pytest.approx(math.log(0.5), abs=1e-4)
    mean = rows["mean"]
    assert mean["log_actual"] == pytest.approx((hi + 2 * lo) / 3, abs=1e-4)
    assert mean["brier_actual"] == pytest.approx(2 / 3, abs=1e-4)
    said = " ".join(res.verdict())  # type: ignore[attr-defined]
    assert "Mean log score over 3 outcomes -1.570 vs -2.303: the model beats persistence" in said
    assert "Mean Brier over 3 outcomes 0.667 vs 0.810: the model beats persistence" in said
    # Two confident misses lose to a coin, and the verdict says so.
    assert "Brier over 3 outcomes 0.667 vs 0.250: the model does not beat the uninformed" in said
    assert "-1.570 vs -0.693: the model does not beat the uninformed 0.5 (a loss)" in said


def test_in_sample_backtest_is_labelled_and_calibration_pools(chron: Store) -> None:
    res = _tiny_backtest(chron, cutoff=date(2019, 6, 30), in_sample=True)
    assert res.sample == "in-sample" and res.cutoff == date(2019, 6, 30)  # type: ignore[attr-defined]
    out = _tiny_backtest(chron)
    cal = pooled_calibration([res, out], bins=5).to_pylist()  # type: ignore[list-item]
    assert [r["bin"] for r in cal] == ["0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0"]
    # Six forecasts per two runs: rock_moved at 0 (it came true), moved and rock_stayed at 1
    # (one true, one false): badly calibrated at both ends, as a table should show.
    assert [r["count"] for r in cal] == [2, 0, 0, 0, 4]
    assert cal[0]["mean_forecast"] == 0.0 and cal[0]["observed_frequency"] == 1.0
    assert cal[4]["mean_forecast"] == 1.0 and cal[4]["observed_frequency"] == 0.5
    assert cal[1]["mean_forecast"] is None and cal[1]["observed_frequency"] is None

"""The founding case's levers as it proposed them, and the zero-swing listing (issue 16, 5-6)."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from brinkwatch.errors import SparseDataWarning
from brinkwatch.simulate import (
    Dynamics,
    Scenario,
    compare_levers,
    default_variants,
    fit_dynamics,
    parse_scenario,
    post_cutoff,
    read_bundled_scenario,
    simulate_scenario,
    zero_swing,
)
from brinkwatch.store import connect

if TYPE_CHECKING:
    from brinkwatch.simulate import SimulationRun

NOTICE_DEADLINE = date(2019, 8, 24)  # 90 days before the GSOMIA anniversary
WHITELIST_IN_FORCE = date(2019, 8, 28)
ANNIVERSARY = date(2019, 11, 23)
PROPOSED = {
    "public_mediation",
    "working_level_channels",
    "trilateral_roundtable",
    "unga_leaders_meeting",
    "naval_exchanges",
    "trilateral_nk_front",
}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019")


def test_proposed_levers_fall_before_the_deadlines_they_target(scenario: Scenario) -> None:
    assert set(scenario.proposed) == PROPOSED
    for name in scenario.proposed:
        lv = scenario.lever(name)
        assert lv.expect, name
        assert lv.day < ANNIVERSARY, name
        for eff in lv.effects:
            # Deterring a notice only works before the notice deadline.
            if eff.ref == "GSOMIA:active->notice_given":
                assert lv.day <= NOTICE_DEADLINE, name
            if eff.ref == "GSOMIA:notice_given->notice_suspended":
                assert lv.day < ANNIVERSARY, name
    # The levers that aim at the notice itself come before the whitelist removal takes effect.
    early = [
        scenario.lever(n)
        for n in scenario.proposed
        if any(e.ref == "GSOMIA:active->notice_given" for e in scenario.lever(n).effects)
    ]
    assert len(early) >= 3 and all(lv.day < WHITELIST_IN_FORCE for lv in early)
    # The proposed leaders' meeting is at the General Assembly in September, the real one in
    # Chengdu in December: two levers, only the second pulled.
    unga, chengdu = scenario.lever("unga_leaders_meeting"), scenario.lever("leaders_meeting")
    assert (unga.day.year, unga.day.month) == (2019, 9)
    assert chengdu.day == date(2019, 12, 24) and chengdu.day > ANNIVERSARY
    assert "leaders_meeting" in scenario.actual and "unga_leaders_meeting" not in scenario.actual
    assert unga.triggers == chengdu.triggers == ("summit:not_held->held",)
    # The chipmakers' roundtable stays, apart from the governments' roundtable.
    assert "business_roundtable" not in scenario.proposed
    assert "chipmakers" in scenario.lever("business_roundtable").title
    assert "governments" in scenario.lever("trilateral_roundtable").title
    # Their reasons rest on what was known by the information date.
    assert scenario.information_date == date(2019, 7, 31)
    late = post_cutoff(scenario.citations, scenario.information_date)
    assert [p.field for p in late if p.field.endswith(".reason")] == []
    # The variants compare as proposed, as pulled and none.
    v = default_variants(scenario)
    assert v["proposed"] == scenario.proposed and v["none"] == () and "actual" in v


@pytest.fixture(scope="module")
def dynamics(scenario: Scenario, chronology_db: Path) -> Dynamics:
    store = connect(chronology_db, read_only=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SparseDataWarning)
            return fit_dynamics(scenario, store.events)
    finally:
        store.close()


@pytest.fixture(scope="module")
def runs(scenario: Scenario, dynamics: Dynamics) -> dict[str, SimulationRun]:
    variants = {
        "none": (),
        "unga_leaders_meeting": ("unga_leaders_meeting",),
        "leaders_meeting": ("leaders_meeting",),
        "proposed": scenario.proposed,
        "actual": scenario.actual,
    }
    return simulate_scenario(scenario, dynamics, variants=variants, n_paths=2000, seed=0)


def test_unga_meeting_lowers_gsomia_termination_and_chengdu_cannot(
    runs: dict[str, SimulationRun],
) -> None:
    t = {(r["variant"], r["outcome"]): r for r in compare_levers(runs).to_pylist()}
    unga = t[("unga_leaders_meeting", "gsomia_terminated")]
    assert unga["difference"] < 0 and unga["diff_high"] < 0, unga
    # After the anniversary a meeting cannot undo a termination: same paths, same fate.
    term = {v: r.outcomes["gsomia_terminated"] for v, r in runs.items()}
    assert np.array_equal(term["leaders_meeting"], term["none"])
    # Both meetings are held on their day in every path that has not held one.
    assert runs["unga_leaders_meeting"].outcomes["summit_held"].all()
    # As proposed, the levers lower termination more than the levers as pulled.
    assert term["proposed"].mean() < term["actual"].mean() < term["none"].mean()


PLANTED = """\
name: planted
title: A do-nothing assumption planted beside one that matters
actors: [USA, JPN, KOR]
start: 2019-08-01
horizon_days: 200
model: {fit_from: 2019-01-01, fit_to: 2019-07-31}
index: {pair: [JPN, KOR], baseline_from: 2019-05-01, baseline_to: 2019-07-31, window_days: 28}
agreements:
  - name: pact
    states: [active, notice_given]
    transitions:
      - from: active
        to: notice_given
        hazard: {default: 0.01, range: [0.001, 0.05], reason: "notice now and then"}
  - name: hub
    states: [active, suspended]
    transitions:
      - from: active
        to: suspended
        hazard: {default: 0.0, range: [0.0, 0.0], reason: "never suspended"}
      - from: suspended
        to: active
        hazard: {default: 0.02, range: [0.005, 0.05], reason: "planted: never suspended, so inert"}
outcomes:
  - {name: notice, machine: pact, states: [notice_given], when: ever}
  - {name: hub_active, machine: hub, states: [active], when: end}
"""


def _quiet(sc: Scenario) -> Dynamics:
    n = len(sc.streams)
    return Dynamics(
        names=tuple(sc.streams),
        baseline=np.zeros(n),
        excitation=np.zeros((n, n)),
        decay=1.0,
        memory0=np.zeros(n),
        history=np.zeros(((sc.start - sc.fit_from).days, n)),
        history_start=sc.fit_from,
    )


def test_zero_swing_finds_the_planted_do_nothing_assumption() -> None:
    sc = parse_scenario(PLANTED, source="planted.yaml")
    seen: list[float] = []
    t = zero_swing(sc, _quiet(sc), n_paths=300, seed=4, progress=seen.append)
    rows = {r["assumption"]: r for r in t.to_pylist()}
    # The fixed hazard (range of zero width) is not an assumption to vary.
    assert set(rows) == {"pact:active->notice_given.hazard", "hub:suspended->active.hazard"}
    planted = rows["hub:suspended->active.hazard"]
    assert planted["zero"] and planted["max_swing"] == 0.0 and planted["outcome"] == ""
    live = rows["pact:active->notice_given.hazard"]
    assert not live["zero"] and live["max_swing"] > 0.3 and live["outcome"] == "notice"
    assert seen[-1] == 1.0 and (t.schema.metadata or {})[b"n_paths"] == b"300"

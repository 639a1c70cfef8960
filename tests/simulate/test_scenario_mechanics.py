"""The rules machines move by (issue 16): anniversaries, packages, minimum dwell, path logs.

A small scenario with no events (zero baselines) so that the machines' rules alone decide, and
hazards high enough that every rule is exercised in a few hundred paths.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate import (
    Dynamics,
    Scenario,
    SimulationRun,
    parse_scenario,
    path_log,
    replay_path,
    run_scenario,
)

MECH = """\
name: mech
title: Mechanics test
actors: [USA, JPN, KOR]
start: 2019-08-01
horizon_days: 500
model: {fit_from: 2019-01-01, fit_to: 2019-07-31}
index: {pair: [JPN, KOR], baseline_from: 2019-05-01, baseline_to: 2019-07-31, window_days: 28}
agreements:
  - name: pact
    states: [active, notice_given, terminated]
    transitions:
      - from: active
        to: notice_given
        window: {until: 2019-10-15}
        hazard: {default: 0.03, range: [0.03, 0.03], reason: "notice often, early or late"}
      - from: notice_given
        to: terminated
        at_anniversary: "11-23"
        notice_days: 90
measures:
  - name: flag
    min_dwell_days: 10
    states: [up, down]
    transitions:
      - {from: up, to: down, hazard: {default: 0.5, range: [0.5, 0.5], reason: "flips often"}}
      - {from: down, to: up, hazard: {default: 0.5, range: [0.5, 0.5], reason: "and back"}}
  - name: a
    states: [x, y]
    transitions:
      - {from: y, to: x, hazard: {default: 0.05, range: [0.05, 0.05], reason: "a reopens"}}
  - name: b
    states: [x, y]
    transitions:
      - {from: y, to: x, hazard: {default: 0.05, range: [0.05, 0.05], reason: "b reopens"}}
  - name: c
    states: [x, y, z]
    transitions:
      - {from: x, to: z, hazard: {default: 0.01, range: [0.01, 0.01], reason: "c leaves"}}
      - {from: z, to: x, hazard: {default: 0.01, range: [0.01, 0.01], reason: "c returns"}}
      - {from: y, to: x, hazard: {default: 0.05, range: [0.05, 0.05], reason: "c reopens"}}
packages:
  - name: deal
    transitions:
      - {machine: a, from: x, to: y}
      - {machine: b, from: x, to: y}
      - {machine: c, from: x, to: y}
    hazard: {default: 0.02, range: [0.02, 0.02], reason: "a deal now and then"}
outcomes:
  - {name: ended, machine: pact, states: [terminated], when: end}
"""


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(MECH, source="mech.yaml")


@pytest.fixture(scope="module")
def run(scenario: Scenario) -> SimulationRun:
    n = len(scenario.streams)
    days = (scenario.start - scenario.fit_from).days
    dyn = Dynamics(
        names=tuple(scenario.streams),
        baseline=np.zeros(n),
        excitation=np.zeros((n, n)),
        decay=1.0,
        memory0=np.zeros(n),
        history=np.zeros((days, n)),
        history_start=scenario.fit_from,
    )
    return run_scenario(scenario, dyn, n_paths=400, seed=5)


@pytest.fixture(scope="module")
def log(run: SimulationRun) -> pd.DataFrame:
    return run.transition_table().to_pandas()


def test_notice_ends_the_agreement_on_the_anniversary_it_gives_notice_for(
    scenario: Scenario, log: pd.DataFrame
) -> None:
    g = log[log.machine == "pact"]
    notices = g[g.to_state == "notice_given"].set_index("path")
    ends = g[g.to_state == "terminated"].set_index("path")
    early = notices[notices.date <= date(2019, 8, 25)]  # 90 days or more before 23 Nov 2019
    late = notices[notices.date > date(2019, 8, 25)]
    assert len(early) > 20 and len(late) > 20
    # Every notice ends the pact; one given in time on 23 November 2019, a late one a year on.
    assert set(ends.index) == set(notices.index)
    assert (ends.loc[early.index].date == date(2019, 11, 23)).all()
    assert (ends.loc[late.index].date == date(2020, 11, 23)).all()
    assert set(ends.rule) == {"anniversary"}


def test_no_flip_back_inside_the_minimum_dwell(log: pd.DataFrame) -> None:
    g = log[log.machine == "flag"]
    assert len(g) > 1000
    gaps = np.concatenate([np.diff([0, *grp.day]) for _, grp in g.groupby("path")])
    # Without the dwell a hazard of 0.5 a day flips most paths back within a day or two; with
    # it no state lasts less than 10 days (the first from the start, with no register dwell).
    assert gaps.min() == 10
    assert np.mean(gaps <= 11) > 0.5


def test_a_package_moves_its_members_the_same_day(log: pd.DataFrame) -> None:
    lead = log[(log.machine == "a") & (log.to_state == "y")]
    assert len(lead) > 200
    assert set(lead.rule) == {"hazard"}
    moved = log[log.rule == "package"]
    by_day = {(p, d): set(grp.machine) for (p, d), grp in moved.groupby(["path", "day"])}
    history: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for r in log[log.machine.isin(["b", "c"])].itertuples():
        history.setdefault((r.path, r.machine), []).append((r.day, r.to_state))
    moved_with, left = 0, 0
    for r in lead.itertuples():
        members = by_day.get((r.path, r.day), set())
        for m in ("b", "c"):
            before = [s for d, s in history.get((r.path, m), []) if d < r.day]
            state = before[-1] if before else "x"
            # A member in its source state moves with the lead; one elsewhere stays there.
            assert (m in members) == (state == "x"), (r, m, state)
            moved_with += state == "x"
            left += state != "x"
    assert moved_with > 300 and left > 20
    # Members move only with their lead, and never to y on their own.
    assert len(moved) == sum(len(v) for v in by_day.values())
    assert all((p, d) in set(zip(lead.path, lead.day, strict=True)) for p, d in by_day)
    assert set(log[log.to_state == "y"].rule) <= {"hazard", "package"}


def test_every_path_replays_to_its_checkpoints(run: SimulationRun) -> None:
    for path in range(run.n_paths):
        assert np.array_equal(replay_path(run, path), run.checkpoint_states[path]), path
    shown = path_log(run, 3).to_pandas()
    assert set(shown.path) == {0, 1, 2}
    assert list(shown.sort_values(["path", "day"], kind="stable").index) == list(shown.index)
    with pytest.raises(ScenarioError, match="no path 400"):
        path_log(run, [400])


def test_replay_refuses_a_move_no_rule_explains(run: SimulationRun, log: pd.DataFrame) -> None:
    import dataclasses

    k = int(np.flatnonzero((log.machine == "flag").to_numpy())[0])
    path, day = int(log.path[k]), int(log.day[k])
    forged = dataclasses.replace(
        run,
        transitions=(
            run.transitions[0],
            np.where(np.arange(len(log)) == k, day - 5, run.transitions[1]).astype(np.int16),
            run.transitions[2],
        ),
    )
    with pytest.raises(ScenarioError, match="not explained by its rule 'hazard'"):
        replay_path(forged, path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('        notice_days: 90\n', "", None),
        ("        at_anniversary: \"11-23\"\n", "        after_days: 5\n", "'notice_days' goes"),
        ("      - {machine: c, from: x, to: y}\n", "      - {machine: a, from: y, to: x}\n",
         "'a' appears twice"),
        ("      - {machine: b, from: x, to: y}\n      - {machine: c, from: x, to: y}\n", "",
         "at least two transitions"),
        ("  - name: b\n    states: [x, y]\n", "  - name: b\n    states: [x, y, w]\n",
         "state 'w' of 'b' can never be reached"),
    ],
)  # fmt: skip
def test_rule_errors_name_the_problem(old: str, new: str, message: str | None) -> None:
    assert MECH.count(old) == 1
    text = MECH.replace(old, new)
    if message is None:
        # Without notice_days any notice ends the agreement on the next anniversary.
        sc = parse_scenario(text)
        tr = sc.machine("pact").transitions[1]
        assert tr.anniversary == (11, 23) and tr.notice_days == 0
        return
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(text, source="bad.yaml")


def test_min_dwell_days_only_on_hazard_transitions() -> None:
    rule = "        notice_days: 90\n"
    text = MECH.replace(rule, rule + "        min_dwell_days: 3\n")
    with pytest.raises(ScenarioError, match="only hazard transitions wait out"):
        parse_scenario(text)

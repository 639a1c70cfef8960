"""Scenarios read against an instruments register: starting states, dwell and path scores."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from brinkwatch.errors import ScenarioError
from brinkwatch.ingest.instruments import parse_register, read_register
from brinkwatch.simulate import (
    Dynamics,
    Scenario,
    apply_register,
    observed_states,
    parse_scenario,
    path_scores,
    read_bundled_scenario,
    run_scenario,
    simulate_scenario,
)
from brinkwatch.simulate._compile import checkpoint_days
from brinkwatch.simulate.scenario import stream_names

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "instruments-small.yaml"
PATHS = DATA / "instruments-scenario.yaml"

# GSOMIA's notice runs 90 days unless suspended (hazard 0 here: the rule alone decides), and
# TISA is suspended with a fixed hazard of 0.01 a day, so the chance it stays active through
# day t is exp(-0.01 (t + 1)).
TINY = """\
name: tiny
title: Tiny register test
actors: [USA, JPN, KOR]
start: 2019-09-01
horizon_days: 100
model: {fit_from: 2019-01-01, fit_to: 2019-08-31}
index: {pair: [JPN, KOR], baseline_from: 2019-06-01, baseline_to: 2019-08-31, window_days: 28}
agreements:
  - name: GSOMIA
    holder: KOR
    states: [active, notice_given, notice_suspended, terminated]
    initial: active
    transitions:
      - from: active
        to: notice_given
        hazard: {default: 0, range: [0, 0], reason: "no new notice in this test"}
      - from: notice_given
        to: terminated
        after_days: 90
      - from: notice_given
        to: notice_suspended
        hazard: {default: 0, range: [0, 0], reason: "the rule alone decides in this test"}
  - name: TISA
    holder: KOR
    states: [active, suspended]
    transitions:
      - from: active
        to: suspended
        hazard: {default: 0.01, range: [0.01, 0.01], reason: "one in a hundred a day"}
outcomes:
  - {name: terminated, title: GSOMIA terminated, machine: GSOMIA, states: [terminated]}
"""


def _dynamics(sc: Scenario) -> Dynamics:
    """No events at all: the machines alone move."""
    names = tuple(stream_names(sc.actors))
    n, days = len(names), (sc.start - sc.fit_from).days
    return Dynamics(
        names=names,
        baseline=np.zeros(n),
        excitation=np.zeros((n, n)),
        decay=1.0,
        memory0=np.zeros(n),
        history=np.zeros((days, n)),
        history_start=sc.fit_from,
    )


def _moved(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_register_sets_initial_state_and_dwell_and_a_change_moves_them() -> None:
    sc = parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019")
    text = SMALL.read_text()
    got = apply_register(sc, parse_register(text, source="small"))
    g = got.machine("GSOMIA")
    # On 1 Aug 2019 GSOMIA is active since its signature, the controls imposed since 4 July.
    assert (g.initial, g.dwell) == ("active", (date(2019, 8, 1) - date(2016, 11, 23)).days)
    pr = got.machine("JPN_controls_photoresist")
    assert (pr.initial, pr.dwell) == ("imposed", 28)
    assert got.register_id == "test-jpn-kor-2016-2023"
    # Machines the register lacks keep the file's state, and check says so.
    assert got.machine("TISA").register is None and got.machine("TISA").dwell == 0
    assert any(n.startswith("TISA: not in the register") for n in got.register_notes)
    # Move the notice before the start: the scenario starts from it, 12 days into its 90.
    moved = _moved(text, "      - date: 2019-08-23\n", "      - date: 2019-07-20\n")
    got2 = apply_register(sc, parse_register(moved, source="moved"))
    g2 = got2.machine("GSOMIA")
    assert (g2.initial, g2.dwell) == ("notice_given", 12)
    assert any("the file says 'active'" in n and "register wins" in n for n in got2.register_notes)
    # Applying twice would double-count: refused.
    with pytest.raises(ScenarioError, match="already took its states"):
        apply_register(got2, parse_register(moved, source="moved"))


def test_dwell_makes_the_90_day_rule_count_from_the_register_date() -> None:
    sc = apply_register(parse_scenario(TINY, source="tiny"), read_register(PATHS))
    assert sc.machine("GSOMIA").initial == "notice_given"
    assert sc.machine("GSOMIA").dwell == (date(2019, 9, 1) - date(2019, 8, 23)).days == 9
    run = run_scenario(sc, _dynamics(sc), n_paths=50, seed=1)
    t = run.transition_table().to_pylist()
    ends = {r["date"] for r in t if r["machine"] == "GSOMIA"}
    # 90 days after 23 August 2019, in every path: not 90 days after the scenario's start.
    assert ends == {date(2019, 11, 21)}
    assert sum(r["machine"] == "GSOMIA" for r in t) == 50
    # Without a register the file's own start holds and nothing happens to GSOMIA.
    plain = run_scenario(parse_scenario(TINY, source="tiny"), _dynamics(sc), n_paths=50, seed=1)
    assert not any(r["machine"] == "GSOMIA" for r in plain.transition_table().to_pylist())


def test_unmapped_register_state_is_a_clear_error_and_a_mapping_fixes_it() -> None:
    text = read_bundled_scenario("jpn-kor-2019")
    sc = parse_scenario(text, source="jpn-kor-2019")
    # A register where photoresist's controls are still only announced on the start day.
    small = SMALL.read_text()
    late = small.replace(
        "      - date: 2019-07-04\n        state: imposed",
        "      - date: 2019-08-05\n        state: imposed",
        1,
    )
    assert late != small
    reg = parse_register(late, source="late")
    with pytest.raises(ScenarioError) as exc:
        apply_register(sc, reg)
    msg = exc.value.message
    for part in ("JPN_controls_photoresist", "'announced'", "2019-08-01", "register:", "states:"):
        assert part in msg, msg
    assert exc.value.field == "JPN_controls_photoresist.register.states"
    mapped = _moved(
        text,
        "  - name: JPN_controls_photoresist\n",
        "  - name: JPN_controls_photoresist\n    register: {states: {announced: imposed}}\n",
    )
    ok = apply_register(parse_scenario(mapped, source="mapped"), reg)
    pr = ok.machine("JPN_controls_photoresist")
    assert (pr.initial, pr.dwell) == ("imposed", 31)  # announced on 1 July
    # A mapping onto a state the machine lacks is refused when the file is read.
    bad = _moved(mapped, "{announced: imposed}", "{announced: banned}")
    with pytest.raises(ScenarioError, match="'banned' is not one of the machine's states"):
        parse_scenario(bad, source="bad")
    # An instrument named in a link must exist in the register.
    gone = _moved(text, "  - name: TISA\n", "  - name: TISA\n    register: {instrument: NOPE}\n")
    with pytest.raises(ScenarioError, match="'NOPE', which is not in register"):
        apply_register(parse_scenario(gone, source="gone"), reg)


def test_path_scores_are_hand_checkable() -> None:
    sc = apply_register(parse_scenario(TINY, source="tiny"), read_register(PATHS))
    runs = simulate_scenario(
        sc, _dynamics(sc), variants={"actual": (), "none": ()}, n_paths=4000, seed=2
    )
    days = checkpoint_days(100)
    assert days == (*range(6, 100, 7), 99) and len(days) == 15
    assert runs["none"].checkpoint_states.shape == (4000, 15, 2)
    rows = {r["machine"]: r for r in path_scores(sc, read_register(PATHS), runs).to_pylist()}
    g, tisa, joint = rows["GSOMIA"], rows["TISA"], rows["all (jointly)"]
    # The 90-day rule is deterministic and the register follows it: probability 1.
    assert g["p_path_none"] == g["agreement_none"] == 1.0
    assert g["p_path_persistence"] == 0.0 and g["changes"] == 1
    assert g["observed_end"] == "terminated"
    # 15 checkpoints: 11 before the termination on day 81, then 4 after.
    assert g["agreement_persistence"] == pytest.approx(11 / 15)
    assert g["p_path_uniform"] == pytest.approx(0.25**15)
    # TISA stays active through day 99 with probability exp(-1).
    assert tisa["p_path_none"] == pytest.approx(math.exp(-1.0), abs=0.03)
    assert tisa["p_path_persistence"] == 1.0 and tisa["changes"] == 0
    assert joint["p_path_none"] == pytest.approx(tisa["p_path_none"])
    assert joint["p_path_uniform"] == pytest.approx(0.25**15 * 0.5**15)
    assert joint["p_path_persistence"] == 0.0
    # Had the register recorded the suspension on 22 November, GSOMIA's path gets 0.
    real = apply_register(parse_scenario(TINY, source="tiny"), read_register(SMALL))
    runs2 = simulate_scenario(real, _dynamics(real), variants={"none": ()}, n_paths=200, seed=2)
    g2 = path_scores(real, read_register(SMALL), runs2).to_pylist()[0]
    assert g2["machine"] == "GSOMIA" and g2["p_path_none"] == 0.0
    assert g2["agreement_none"] == pytest.approx(11 / 15)


def test_checkpoints_are_the_recorded_states() -> None:
    sc = parse_scenario(TINY, source="tiny")
    run = run_scenario(sc, _dynamics(sc), n_paths=300, seed=5)
    tisa = run.checkpoint_states[:, :, 1]
    # Each checkpoint's state counts agree with the daily state counts.
    for j, t in enumerate(run.checkpoint_days):
        assert np.bincount(tisa[:, j], minlength=2).tolist() == run.state_counts["TISA"][t].tolist()
    assert run.checkpoint_states.dtype == np.int8
    assert run.scenario.start + timedelta(days=run.checkpoint_days[-1]) == run.scenario.end


def test_instrument_not_yet_in_existence_keeps_the_file_state_or_its_absent_state() -> None:
    later = PATHS.read_text().replace("2014-12-29", "2019-10-01")
    reg = parse_register(later, source="later")
    sc = apply_register(parse_scenario(TINY, source="tiny"), reg)
    tisa = sc.machine("TISA")
    assert (tisa.initial, tisa.dwell) == ("active", 0)
    assert any(
        "TISA: instrument 'TISA' does not exist on 2019-09-01" in n for n in sc.register_notes
    )
    obs = observed_states(sc, reg, checkpoint_days(100))
    assert obs["TISA"].tolist() == [0] * 15  # active before and after its start
    absent = _moved(TINY, "  - name: TISA\n", "  - name: TISA\n    register: {absent: suspended}\n")
    sc2 = apply_register(parse_scenario(absent, source="absent"), reg)
    assert sc2.machine("TISA").initial == "suspended"
    # From 1 October (day 30) the register's own state holds.
    assert observed_states(sc2, reg, (0, 29, 30, 99))["TISA"].tolist() == [1, 1, 0, 0]


def test_the_registers_renewal_rule_ends_the_agreement_on_its_anniversary() -> None:
    # The scenario says "90 days after notice"; the register says what the agreement's text
    # says (renewed each 23 November unless notice is given 90 days ahead): the register wins.
    text = PATHS.read_text()
    renewing = text.replace(
        "    start: 2016-11-23\n",
        '    renewal: {anniversary: "11-23", notice_days: 90, notice_state: notice_given,'
        " end_state: terminated, basis: Article 21}\n    start: 2016-11-23\n",
        1,
    )
    assert renewing != text
    reg = parse_register(renewing, source="renewing")
    assert reg["GSOMIA"].renewal is not None and reg["GSOMIA"].renewal.anniversary == (11, 23)
    sc = apply_register(parse_scenario(TINY, source="tiny"), reg)
    rule = next(t for t in sc.machine("GSOMIA").transitions if t.target == "terminated")
    assert (rule.anniversary, rule.notice_days, rule.after_days) == ((11, 23), 90, None)
    assert any("renewal rule" in n and "Article 21" in n for n in sc.register_notes)
    run = run_scenario(sc, _dynamics(sc), n_paths=50, seed=1)
    ends = {r["date"] for r in run.transition_table().to_pylist() if r["machine"] == "GSOMIA"}
    assert ends == {date(2019, 11, 23)}  # not 21 November, 90 days after the notice
    # A notice fewer than 90 days before the anniversary waits a year.
    late = renewing.replace(
        "- date: 2019-08-23\n        state: notice_given",
        "- date: 2019-08-30\n        state: notice_given",
        1,
    )
    sc_late = apply_register(
        parse_scenario(TINY, source="tiny"), parse_register(late, source="late")
    )
    run = run_scenario(sc_late, _dynamics(sc_late), n_paths=20, seed=1)
    assert not any(r["machine"] == "GSOMIA" for r in run.transition_table().to_pylist())


def test_a_renewal_rule_on_a_hazard_transition_or_a_missing_one_is_refused() -> None:
    text = PATHS.read_text().replace(
        "    start: 2016-11-23\n",
        '    renewal: {anniversary: "11-23", notice_days: 90, notice_state: notice_given,'
        " end_state: notice_suspended}\n    start: 2016-11-23\n",
        1,
    )
    with pytest.raises(ScenarioError) as exc:
        apply_register(parse_scenario(TINY, source="tiny"), parse_register(text, source="r"))
    assert "has a hazard" in exc.value.message and "at_anniversary" in exc.value.message


def test_the_bundled_gsomia_carries_article_21() -> None:
    from brinkwatch.ingest.instruments import bundled_register

    rule = bundled_register()["GSOMIA"].renewal
    assert rule is not None
    assert (rule.anniversary, rule.notice_days, rule.end_state) == ((11, 23), 90, "terminated")
    sc = apply_register(
        parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019"),
        bundled_register(),
    )
    rule_t = next(t for t in sc.machine("GSOMIA").transitions if t.target == "terminated")
    assert rule_t.anniversary == (11, 23) and rule_t.notice_days == 90

"""Which lever helps most: adjusted intervals and the brief's wording, on seeded real runs.

The bundled 2019 scenario, fitted to the bundled chronology, with two levers added: a copy of
the trilateral front on North Korea (near-identical to it: same effects, own parameter draws)
and a lever that all but stops Seoul giving notice on GSOMIA (dominant on GSOMIA's
termination). Runs of 200 paths over three or four variants keep each test near a second.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from brinkwatch.errors import ScenarioError, SparseDataWarning
from brinkwatch.report._bottom_line import lever_sentence
from brinkwatch.report.labels import labels_for
from brinkwatch.simulate import (
    Dynamics,
    LeverRanking,
    Scenario,
    compare_levers,
    fit_dynamics,
    parse_scenario,
    rank_levers,
    read_bundled_scenario,
    run_variants,
    simulate_scenario,
)
from brinkwatch.store import Store, connect

EXTRA_LEVERS = """
  - name: nk_front_again
    title: The trilateral front on North Korea, again
    description: The trilateral front's effects under another name, its assumptions drawn apart.
    date: 2019-08-15
    duration_days: 90
    effects:
      - target: baseline
        streams: [USA->JPN coop, USA->KOR coop, JPN->KOR coop, KOR->JPN coop]
        multiply: {default: 1.4, range: [1.0, 2.0], reason: "As the original."}
      - target: hazard
        ref: "GSOMIA:notice_given->notice_suspended"
        multiply: {default: 1.5, range: [1.0, 2.5], reason: "As the original."}
      - target: hazard
        ref: "GSOMIA:active->notice_given"
        multiply: {default: 0.8, range: [0.5, 1.0], reason: "As the original."}
    expect: {gsomia_terminated: down}

  - name: no_notice
    title: A guarantee that makes a notice pointless
    description: A test lever that all but stops a GSOMIA notice from being given.
    date: 2019-07-15
    duration_days: 200
    effects:
      - target: hazard
        ref: "GSOMIA:active->notice_given"
        multiply: {default: 0.02, range: [0.01, 0.03], reason: "A test lever, dominant by design."}
    expect: {gsomia_terminated: down}

"""
PATHS, SEED = 200, 5


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    text = read_bundled_scenario("jpn-kor-2019")
    mark = "\n# The levers actually pulled"
    assert mark in text
    return parse_scenario(text.replace(mark, EXTRA_LEVERS + mark), source="test")


@pytest.fixture(scope="module")
def store(chronology_db: Path) -> Iterator[Store]:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def dynamics(scenario: Scenario, store: Store) -> Dynamics:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseDataWarning)
        return fit_dynamics(scenario, store.events)


def _ranked(
    scenario: Scenario, dynamics: Dynamics, levers: list[str], seed: int = SEED
) -> tuple[LeverRanking, str]:
    res = run_variants(
        scenario,
        dynamics=dynamics,
        variants={"none": (), **{lv: (lv,) for lv in levers}},
        n_paths=PATHS,
        seed=seed,
        workers=1,
    )
    assert res.ranking is not None
    sentence = lever_sentence(res, labels_for(scenario, None))
    assert sentence is not None
    return res.ranking, sentence


def test_near_identical_levers_cannot_be_told_apart(scenario: Scenario, dynamics: Dynamics) -> None:
    r, sentence = _ranked(
        scenario, dynamics, ["trilateral_nk_front", "nk_front_again", "naval_exchanges"]
    )
    assert r.outcome == "gsomia_terminated" and r.direction == -1 and r.n_levers == 3
    assert {r.effects[0].lever, r.effects[1].lever} == {"trilateral_nk_front", "nk_front_again"}
    assert any(e.helps for e in r.effects)
    assert r.verdict == "tied" and r.gap >= 0 and r.gap_low < 0 < r.gap_high
    assert "The trilateral front on North Korea, again" in sentence
    assert "A trilateral front on North Korea (proposed)" in sentence
    assert f"cannot be told apart at {PATHS:,} runs (3 levers compared)" in sentence
    assert "helps most" not in sentence


def test_a_dominant_lever_is_named_with_its_adjusted_interval(
    scenario: Scenario, dynamics: Dynamics
) -> None:
    r, sentence = _ranked(
        scenario, dynamics, ["public_mediation", "no_notice", "trilateral_nk_front"]
    )
    top = r.top
    assert top is not None and top.lever == "no_notice" and top.helps
    assert r.verdict == "best" and r.gap_low > 0
    assert top.probability < r.base and top.effect == pytest.approx(top.probability - r.base)
    assert sentence.startswith(
        "In the simulation of the crisis, A guarantee that makes a notice pointless helps most "
        "of the 3 levers compared against “GSOMIA terminated”"
    )
    assert f"(effect {100 * top.effect:+.1f} points, adjusted 95% interval " in sentence
    assert f"{100 * top.low:+.1f} to {100 * top.high:+.1f})." in sentence


def test_adjusted_intervals_are_wider_and_match_the_plain_comparison(
    scenario: Scenario, dynamics: Dynamics
) -> None:
    levers = ["public_mediation", "no_notice", "trilateral_nk_front", "naval_exchanges"]
    runs = simulate_scenario(
        scenario, dynamics, variants={"none": (), **{lv: (lv,) for lv in levers}},
        n_paths=PATHS, seed=SEED,
    )  # fmt: skip
    r = rank_levers(runs)
    plain = {
        row["variant"]: row
        for row in compare_levers(runs).to_pylist()
        if row["outcome"] == "gsomia_terminated"
    }
    for e in r.effects:
        row = plain[e.lever]
        # The unadjusted interval is compare_levers' own; the adjusted one contains it.
        assert e.effect == pytest.approx(row["difference"])
        assert (e.unadjusted_low, e.unadjusted_high) == pytest.approx(
            (row["diff_low"], row["diff_high"])
        )
        assert e.low < e.unadjusted_low <= e.effect <= e.unadjusted_high < e.high
    # Four levers: each effect at 1 - 0.05/4, so the half-width grows by t(0.99375)/t(0.975).
    from scipy.stats import t as student_t

    k = int(runs["none"].param_set.max()) + 1
    ratio = student_t.ppf(1 - 0.05 / 8, k - 1) / student_t.ppf(0.975, k - 1)
    e = r.effects[0]
    assert (e.high - e.low) / (e.unadjusted_high - e.unadjusted_low) == pytest.approx(ratio)


def test_same_seed_same_ranking(scenario: Scenario, dynamics: Dynamics) -> None:
    levers = ["trilateral_nk_front", "nk_front_again"]
    a, sa = _ranked(scenario, dynamics, levers)
    b, sb = _ranked(scenario, dynamics, levers)
    assert a == b and sa == sb
    c, _ = _ranked(scenario, dynamics, levers, seed=SEED + 1)
    assert c != a


def test_no_lever_told_apart_from_no_intervention(scenario: Scenario, dynamics: Dynamics) -> None:
    # Both act after the GSOMIA anniversary or on export controls only: no effect on it.
    r, sentence = _ranked(scenario, dynamics, ["business_roundtable", "leaders_meeting"])
    assert r.verdict == "none" and not any(e.helps for e in r.effects)
    assert "no lever's effect on the chance of “GSOMIA terminated” is distinguishable from no " in (
        sentence
    )
    assert "(2 levers compared, 95% intervals adjusted for the comparison)." in sentence


def test_runs_that_do_not_share_their_draws_are_refused(
    scenario: Scenario, dynamics: Dynamics
) -> None:
    runs = simulate_scenario(
        scenario, dynamics, variants={"none": (), "no_notice": ("no_notice",)}, n_paths=50, seed=1
    )
    other = simulate_scenario(
        scenario, dynamics, variants={"naval_exchanges": ("naval_exchanges",)}, n_paths=50, seed=2
    )
    with pytest.raises(ScenarioError, match="share their number of paths and seed"):
        rank_levers({**runs, **other})
    with pytest.raises(ScenarioError, match="no run called 'none'"):
        rank_levers({"no_notice": runs["no_notice"]})
    # One lever: nothing to be the runner-up; it is named only if it helps.
    one = rank_levers(runs)
    assert one.n_levers == 1 and one.runner_up is None and math.isnan(one.gap)
    assert one.verdict == "best" and np.isfinite(one.effects[0].low)

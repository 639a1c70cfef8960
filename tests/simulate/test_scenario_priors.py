"""Shared priors and the two out-of-sample scenarios built from them (issue 16, item 4)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from brinkwatch.errors import ScenarioError
from brinkwatch.ingest.instruments import read_register
from brinkwatch.simulate import (
    apply_register,
    bundled_priors,
    parse_priors,
    parse_scenario,
    post_cutoff,
    read_bundled_scenario,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "brinkwatch" / "data"
OUT_OF_SAMPLE = {
    "chn-kor-2016": "chn-kor-2016-2017",
    "jpn-chn-2012": "jpn-chn-2012-2014",
}

PRIORS = """\
priors:
  slow_lift:
    kind: hazard
    as_of: 2012-09-10
    default: 0.001
    range: [0.0002, 0.004]
    reason: A measure is seldom lifted within months.
  late_lift:
    kind: hazard
    as_of: 2020-01-01
    default: 0.001
    range: [0.0002, 0.004]
    reason: Rests on the 2019 case.
"""

SCENARIO = """\
name: p
actors: [JPN, KOR]
start: 2019-08-01
information_date: 2019-07-31
horizon_days: 30
index: {pair: [JPN, KOR], baseline_from: 2018-01-01, baseline_to: 2018-06-30}
measures:
  - name: controls
    states: [imposed, lifted]
    transitions:
      - from: imposed
        to: lifted
        hazard: {prior: PRIOR}
outcomes:
  - {name: lifted, machine: controls, states: [lifted]}
"""


def test_the_bundled_priors_validate_and_predate_every_bundled_crisis() -> None:
    priors = bundled_priors()
    assert {"coercive_measure_lifted", "settlement_package", "leaders_meeting"} <= set(priors)
    for p in priors.values():
        assert p.low <= p.default <= p.high and p.reason
        # One procedure for all three crises: nothing the earliest (Senkaku) could not know.
        assert p.as_of <= date(2012, 9, 11), p.name


@pytest.mark.parametrize(("name", "register"), OUT_OF_SAMPLE.items())
def test_out_of_sample_scenarios_take_every_value_from_the_priors(name: str, register: str) -> None:
    sc = parse_scenario(read_bundled_scenario(name), source=name)
    assert sc.information_date is not None and sc.information_date < sc.start
    assert sc.fit_to == sc.information_date  # the event model sees nothing after it
    assert sc.chronology == f"../chronology/{register}.csv"
    assert sc.register == f"../instruments/{register}.yaml"
    assert not sc.levers and not sc.actual and sc.mediator is None
    # No hand-set number: every assumption is a shared prior, reason and all.
    assert sc.parameters() and all(u.reason.startswith("Prior ") for u in sc.parameters())
    assert all(o.observed is not None for o in sc.outcomes)
    assert post_cutoff(sc.citations, sc.information_date) == []


def test_out_of_sample_scenarios_start_from_their_registers() -> None:
    starts = {}
    for name, register in OUT_OF_SAMPLE.items():
        sc = parse_scenario(read_bundled_scenario(name), source=name)
        reg = read_register(DATA / "instruments" / f"{register}.yaml")
        started = apply_register(sc, reg)
        assert started.register_id == register
        starts.update({m.name: (m.initial, m.dwell) for m in started.machines})
    assert starts["THAAD_deployment"] == ("decided", 1)  # decided 8 July, start 9 July 2016
    assert starts["CHN_group_tour_ban"] == ("none", 0)  # not yet in existence
    assert starts["JPN_Senkaku_ownership"] == ("state_owned", 1)
    assert starts["CHN_Diaoyu_baselines"] == ("declared", 2)
    assert starts["CHN_patrol_regime"] == ("contiguous_zone_presence", 1)


def test_a_prior_fills_default_range_and_reason() -> None:
    sc = parse_scenario(SCENARIO.replace("PRIOR", "slow_lift"), priors=parse_priors(PRIORS))
    (u,) = sc.parameters()
    assert (u.default, u.low, u.high) == (0.001, 0.0002, 0.004)
    assert u.reason == "Prior slow_lift: A measure is seldom lifted within months."


def test_an_unknown_prior_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(SCENARIO.replace("PRIOR", "no_such_prior"), source="p.yaml")
    msg = str(exc.value)
    assert "no prior called 'no_such_prior'" in msg and "coercive_measure_lifted" in msg
    assert exc.value.line == 13 and "hazard.prior" in msg  # the hazard line


def test_a_prior_dated_after_the_information_date_is_refused() -> None:
    with pytest.raises(ScenarioError, match="as of 2020-01-01, after the scenario's information"):
        parse_scenario(SCENARIO.replace("PRIOR", "late_lift"), priors=parse_priors(PRIORS))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("    reason: A measure is seldom lifted within months.\n", ""), "needs 'reason'"),
        (("default: 0.001", "default: 0.5"), "outside [0.0002, 0.004]"),
        (("kind: hazard", "kind: guess"), "kind must be one of"),
        (("  slow_lift:", "  Slow-Lift:"), "lower-case letters"),
    ],
)
def test_a_bad_priors_file_names_the_prior_and_line(change: tuple[str, str], says: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(says)) as exc:
        parse_priors(PRIORS.replace(*change, 1), source="priors.yaml")
    assert exc.value.line is not None and exc.value.line <= 3

"""Analysts' assumptions pooled: the file format, the linear opinion pool and the spread table."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from brinkwatch.errors import ConfigError, ScenarioError, SparseDataWarning
from brinkwatch.simulate import (
    Analyst,
    Dynamics,
    Scenario,
    analyst_spread,
    fit_dynamics,
    parse_analyst,
    parse_scenario,
    pool_assumptions,
    read_bundled_scenario,
    run_scenario,
)
from brinkwatch.store import Store, connect
from tests.hostile import alias_bomb, nested_yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples" / "analysts"
NOTICE = "GSOMIA:active->notice_given.hazard"
SETTLE = "settlement_2019_11.hazard"


def analyst(name: str, weight: float, **values: tuple[float, float, float]) -> Analyst:
    """An analyst file's text with ``path=(default, low, high)`` per assumption, parsed."""
    lines = [f"analyst: {name}", f"weight: {weight}", "assumptions:"]
    for key, (d, lo, hi) in values.items():
        path = {"notice": NOTICE, "settle": SETTLE}[key]
        lines += [
            f'  "{path}":',
            f"    default: {d}",
            f"    range: [{lo}, {hi}]",
            "    reason: as of 31 July 2019",
        ]
    return parse_analyst("\n".join(lines) + "\n", source=f"{name}.yaml")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019")


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


def test_weight_one_zero_is_the_analyst_alone_and_the_edited_scenario(
    scenario: Scenario, dynamics: Dynamics
) -> None:
    a = analyst("A", 1, notice=(0.02, 0.01, 0.05), settle=(0.002, 0.001, 0.004))
    b = analyst("B", 1, notice=(0.001, 0.0, 0.002))
    pooled = run_scenario(
        scenario, dynamics, n_paths=600, seed=5, pool=pool_assumptions(scenario, [a, b], [1, 0])
    )
    alone = run_scenario(
        scenario, dynamics, n_paths=600, seed=5, pool=pool_assumptions(scenario, [a])
    )
    # The same numbers written into the scenario file itself: the pool overrides by path and
    # leaves every other assumption (and its draw) as the scenario has it.
    text = read_bundled_scenario("jpn-kor-2019")
    old_notice = "default: 0.008\n          range: [0.002, 0.03]"
    old_settle = "default: 0.004\n      range: [0.001, 0.015]"
    assert text.count(old_notice) == 1 and text.count(old_settle) == 1
    edited = parse_scenario(
        text.replace(old_notice, "default: 0.02\n          range: [0.01, 0.05]").replace(
            old_settle, "default: 0.002\n      range: [0.001, 0.004]"
        ),
        source="edited",
    )
    written = run_scenario(edited, dynamics, n_paths=600, seed=5)
    plain = run_scenario(scenario, dynamics, n_paths=600, seed=5)
    for o in scenario.outcomes:
        assert np.array_equal(pooled.outcomes[o.name], alone.outcomes[o.name])
        assert np.array_equal(pooled.outcomes[o.name], written.outcomes[o.name])
    for name, v in written.set_values.items():
        assert np.array_equal(pooled.set_values[name], v), name
    # A hawkish notice hazard does change the run.
    assert pooled.outcomes["gsomia_notice"].mean() > plain.outcomes["gsomia_notice"].mean()


def test_each_parameter_set_takes_one_analyst_and_same_seed_same_result(
    scenario: Scenario, dynamics: Dynamics
) -> None:
    never = analyst("never", 0.5, notice=(0.0, 0.0, 0.0))
    soon = analyst("soon", 0.5, notice=(0.3, 0.2, 0.4))
    pool = pool_assumptions(scenario, [never, soon], [0.3, 0.7])
    assert pool.weights == pytest.approx((0.3, 0.7))
    run = run_scenario(scenario, dynamics, n_paths=1000, seed=2, pool=pool)
    again = run_scenario(scenario, dynamics, n_paths=1000, seed=2, pool=pool)
    other = run_scenario(scenario, dynamics, n_paths=1000, seed=3, pool=pool)
    notice = run.outcomes["gsomia_notice"]
    assert np.array_equal(notice, again.outcomes["gsomia_notice"])
    assert not np.array_equal(notice, other.outcomes["gsomia_notice"])
    # One chunk of 1,000 paths has 10 parameter sets: 3 go to 'never', 7 to 'soon'.
    hazard = run.set_values[NOTICE]
    assert sorted(hazard.tolist()).count(0.0) == 3
    assert ((hazard >= 0.2) & (hazard <= 0.4)).sum() == 7
    # Paths of 'never' sets never see a notice; those of 'soon' sets nearly always do.
    by_set = hazard[run.param_set]
    assert notice[by_set == 0.0].sum() == 0
    assert notice[by_set > 0].mean() > 0.9
    # Every path equals the same path under its analyst alone (common random numbers).
    alone = [
        run_scenario(scenario, dynamics, n_paths=1000, seed=2, pool=pool.alone(i)) for i in (0, 1)
    ]
    for o in scenario.outcomes:
        expect = np.where(by_set == 0.0, alone[0].outcomes[o.name], alone[1].outcomes[o.name])
        assert np.array_equal(run.outcomes[o.name], expect), o.name


def test_the_picks_follow_the_weights_across_seeds(scenario: Scenario) -> None:
    a, b = (analyst(n, 1, notice=(0.01, 0, 0.02)) for n in "ab")
    pool = pool_assumptions(scenario, [a, b], [0.25, 0.75])
    first = [int(pool.pick(seed, 0, 10)[0]) for seed in range(2000)]
    assert 0.7 < np.mean(first) < 0.8  # each set picks 'b' with probability 0.75
    for seed in range(20):
        assert np.bincount(pool.pick(seed, 0, 100), minlength=2).tolist() == [25, 75]


def test_planted_disagreement_shows_in_the_between_analyst_spread(
    scenario: Scenario, dynamics: Dynamics
) -> None:
    never = analyst("never", 1, notice=(0.0, 0.0, 0.0))
    soon = analyst("soon", 1, notice=(0.3, 0.2, 0.4))
    t = analyst_spread(
        scenario, dynamics, pool_assumptions(scenario, [never, soon]), n_paths=800, seed=1
    )
    rows = {r["outcome"]: r for r in t.to_pylist()}
    notice = rows["gsomia_notice"]
    assert notice["p[never]"] == 0.0 and notice["p[soon]"] > 0.9
    assert notice["analyst_low"] == 0.0 and notice["analyst_high"] == notice["p[soon]"]
    assert notice["dominates"] == "disagreement"
    # Equal weights: half the parameter sets each, so the pool is the analysts' average.
    assert notice["probability"] == pytest.approx(notice["p[soon]"] / 2, abs=0.03)
    assert notice["mc_low"] <= notice["probability"] <= notice["mc_high"]
    # An outcome the GSOMIA notice cannot touch: the analysts agree within the noise.
    quiet = [r for r in rows.values() if r["analyst_high"] - r["analyst_low"] < 0.01]
    assert quiet and all(r["dominates"] == "simulation noise" for r in quiet)
    assert (t.schema.metadata or {})[b"analysts"] == b"never,soon"


def test_the_example_analyst_files_pool_with_the_bundled_scenario(scenario: Scenario) -> None:
    files = [EXAMPLES / "hawkish.yaml", EXAMPLES / "dovish.yaml"]
    hawk, dove = (parse_analyst(f.read_text("utf-8"), source=str(f)) for f in files)
    pool = pool_assumptions(scenario, [hawk, dove], [0.6, 0.4])
    assert pool.names == (hawk.name, dove.name) and pool.weights == pytest.approx((0.6, 0.4))
    assert set(hawk.assumptions) == set(dove.assumptions) == {NOTICE, SETTLE}
    assert hawk.assumptions[NOTICE].default > dove.assumptions[NOTICE].default
    assert hawk.assumptions[SETTLE].default < dove.assumptions[SETTLE].default
    assert str(hawk.as_of) == str(dove.as_of) == "2019-07-31"


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("analyst: X\nweight: -1\nassumptions: {}\n", 2, "weight", "must be a number >= 0"),
        ("analyst: X\nweight: 1\nassumptions:\n  a.hazard: 0.1\n", 4, "assumptions.a.hazard",
         "must be a mapping"),
        ("analyst: X\nweight: 1\nassumptions:\n  a.hazard:\n    default: 0.1\n"
         "    range: 0.2\n    reason: r\n", 6, "assumptions.a.hazard.range", "[LOW, HIGH]"),
        ("analyst: X\nweight: 1\nassumptions:\n  a.hazard:\n    default: 0.5\n"
         "    range: [0, 0.2]\n    reason: r\n", 6, "assumptions.a.hazard.range",
         "must lie within the range"),
        ("analyst: X\nweight: 1\nassumptions:\n  a.hazard:\n    default: 0.1\n", 5,
         "assumptions.a.hazard", "'reason' is required"),
        ("analyst: X\nweight: 1\nmood: grim\nassumptions: {}\n", 3, "mood", "unknown key"),
        ("weight: 1\nassumptions: {}\n", 1, "analyst", "'analyst' is required"),
        ("analyst: X\nweight: 1\nassumptions: {}\n", 3, "assumptions", "is empty"),
        ("- just a list\n", 1, None, "must be a YAML mapping"),
        ("analyst: X\nweight: [1\n", 3, None, "not valid YAML"),
    ],
)  # fmt: skip
def test_file_errors_name_the_file_line_and_field(
    text: str, line: int, field: str | None, words: str
) -> None:
    with pytest.raises(ScenarioError) as e:
        parse_analyst(text, source="analysts/x.yaml")
    assert e.value.path == "analysts/x.yaml" and e.value.line == line
    assert e.value.field == field
    assert words in e.value.message


def test_an_unknown_assumption_path_lists_near_matches(scenario: Scenario) -> None:
    text = (
        "analyst: X\nweight: 1\nassumptions:\n"
        '  "GSOMIA:active->notice_givn.hazard": {default: 0.01, range: [0, 0.02], reason: r}\n'
    )
    bad = parse_analyst(text, source="x.yaml")
    with pytest.raises(ScenarioError) as e:
        pool_assumptions(scenario, [bad])
    assert e.value.path == "x.yaml" and e.value.line == 4
    assert e.value.field == "assumptions.GSOMIA:active->notice_givn.hazard"
    assert f"did you mean '{NOTICE}'" in e.value.message
    assert "--sensitivity" in e.value.message


def test_pool_refuses_bad_bounds_weights_names_and_scenarios(scenario: Scenario) -> None:
    with pytest.raises(ScenarioError, match=r"values above 1.0 make no sense") as e:
        pool_assumptions(scenario, [analyst("X", 1, notice=(0.5, 0.1, 1.5))])
    assert e.value.field == f"assumptions.{NOTICE}.range" and e.value.line == 5
    ok = analyst("X", 1, notice=(0.01, 0.0, 0.02))
    for weights, words in (([1, 1], "2 weights for 1 analysts"), ([-1], ">= 0"), ([0], ">= 0")):
        with pytest.raises(ConfigError, match=words):
            pool_assumptions(scenario, [ok], weights)
    with pytest.raises(ConfigError, match="same analyst 'X'"):
        pool_assumptions(scenario, [ok, ok])
    other = parse_analyst(
        "analyst: Y\nweight: 1\nscenario: chn-kor-2016\nassumptions:\n"
        f'  "{NOTICE}": {{default: 0.01, reason: r}}\n',
        source="y.yaml",
    )
    with pytest.raises(ScenarioError, match="written for scenario 'chn-kor-2016'"):
        pool_assumptions(scenario, [other])
    with pytest.raises(ConfigError, match="at least one analyst"):
        pool_assumptions(scenario, [])


@pytest.mark.parametrize(
    "text",
    [
        alias_bomb(),
        nested_yaml(2000),
        "\ufeffanalyst: X\x00\nweight: 1\n",
        "analyst: !!python/object/apply:os.system [echo]\nweight: 1\n",
        "analyst: X\nweight: .nan\nassumptions: {a: {default: 1, reason: r}}\n",
        "analyst: X\nweight: 1\nassumptions:\n  a: {default: 0, range: [0, .inf], reason: r}\n",
    ],
    ids=["alias-bomb", "deep", "nul", "python-tag", "nan-weight", "inf-range"],
)
def test_hostile_analyst_files_end_in_a_clean_error(text: str) -> None:
    with pytest.raises(ScenarioError) as e:
        parse_analyst(text, source="hostile.yaml")
    assert e.value.path == "hostile.yaml"

"""Scenario files: the bundled one is complete, and bad files fail with line and field."""

from __future__ import annotations

import re

import numpy as np
import pytest

from brinkwatch.errors import ScenarioError
from brinkwatch.simulate import bundled_scenarios, parse_scenario, read_bundled_scenario
from brinkwatch.simulate.scenario import Uncertain, Window, stream_names
from tests.yaml_bombs import alias_bomb, bounded, deep_nesting

TEXT = read_bundled_scenario("jpn-kor-2019")
LINES = TEXT.splitlines()


def _line_of(needle: str, after: int = 0) -> int:
    for i, line in enumerate(LINES[after:], start=after + 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def _broken(old: str, new: str) -> str:
    assert TEXT.count(old) >= 1, old
    return TEXT.replace(old, new, 1)


def test_bundled_scenario_is_complete() -> None:
    sc = parse_scenario(TEXT, source="jpn-kor-2019")
    assert bundled_scenarios() == ["chn-kor-2016", "jpn-chn-2012", "jpn-kor-2019"]
    assert sc.start.isoformat() == "2019-08-01" and sc.actors == ("USA", "JPN", "KOR")
    names = {m.name for m in sc.machines}
    assert {"GSOMIA", "TISA", "JPN_whitelist", "KOR_WTO_case"} <= names
    # Export controls are one machine per item, as Tokyo imposed them.
    assert {n for n in names if n.startswith("JPN_controls_")} == {
        "JPN_controls_photoresist",
        "JPN_controls_hydrogen_fluoride",
        "JPN_controls_polyimide",
    }
    # The founding case's levers are all there, each with an expected direction: those it
    # proposed, those actually pulled, and the chipmakers' roundtable as an extra (issue 16).
    levers = {lv.name: lv for lv in sc.levers}
    assert set(levers) == {
        "public_mediation",
        "working_level_channels",
        "trilateral_roundtable",
        "unga_leaders_meeting",
        "private_channel",
        "trilateral_nk_front",
        "naval_exchanges",
        "business_roundtable",
        "leaders_meeting",
    }
    assert all(lv.expect for lv in levers.values())
    assert levers["leaders_meeting"].success is not None
    assert levers["leaders_meeting"].day.isoformat() == "2019-12-24"
    # Every assumption has a range around its default and a reason of some substance.
    params = sc.parameters()
    assert len(params) > 60
    for p in params:
        assert p.low <= p.default <= p.high, p.name
        assert len(p.reason) > 15, p.name
        assert p.line is not None and 1 <= p.line <= len(LINES)
    assert len({p.name for p in params}) == len(params)
    assert set(sc.actual) <= set(levers)


def test_gsomia_rules_as_declared() -> None:
    sc = parse_scenario(TEXT)
    g = sc.machine("GSOMIA")
    assert g.states == ("active", "notice_given", "notice_suspended", "terminated")
    by_key = {t.key: t for t in g.transitions}
    notice = by_key["active->notice_given"]
    assert notice.window is not None and notice.window.last.isoformat() == "2019-08-24"
    # Its text: renewed on 23 November unless notice is given 90 days ahead (issue 16).
    end = by_key["notice_given->terminated"]
    assert (end.after_days, end.anniversary, end.notice_days) == (None, (11, 23), 90)
    suspend = by_key["notice_given->notice_suspended"]
    assert suspend.hazard is not None and suspend.package == "settlement_2019_11"
    (pkg,) = sc.packages
    assert pkg.lead == "GSOMIA:notice_given->notice_suspended"
    assert [m for m, _, _ in pkg.members] == ["GSOMIA", "KOR_WTO_case", "export_dialogue"]
    wto = {t.key: t for t in sc.machine("KOR_WTO_case").transitions}["filed->suspended"]
    assert wto.hazard is None and wto.package == "settlement_2019_11"


def test_uncertain_draws_stay_in_range_with_mode_at_default() -> None:
    u = Uncertain("x", 0.2, 0.1, 0.6, "because")
    draws = u.quantile(np.random.default_rng(0).random(100_000))
    assert draws.min() >= 0.1 and draws.max() <= 0.6
    # Triangular mean (a + b + c) / 3.
    assert abs(draws.mean() - 0.3) < 0.005
    hist, edges = np.histogram(draws, bins=50)
    assert 0.15 <= edges[np.argmax(hist)] <= 0.25


def test_windows() -> None:
    from datetime import date

    w = Window(annual=((11, 24), (8, 24)))
    assert w.contains(date(2019, 12, 1)) and w.contains(date(2020, 8, 24))
    assert not w.contains(date(2020, 8, 25)) and not w.contains(date(2020, 11, 23))
    assert Window(first=date(2019, 8, 1), last=date(2019, 8, 24)).contains(date(2019, 8, 24))


def test_stream_names_match_event_stream_order() -> None:
    import itertools

    actors = ["USA", "JPN", "KOR"]
    expected = [
        f"{a}->{b} {k}" for a, b in itertools.permutations(actors, 2) for k in ("coop", "conflict")
    ]
    assert stream_names(actors) == expected


@pytest.mark.parametrize(
    ("old", "new", "line_needle", "field", "message"),
    [
        (
            "horizon_days: 274",
            "horizon_days: 274\nhorizon: 3",
            "horizon: 3",
            "horizon",
            "unknown key 'horizon'",
        ),
        (
            'hazard: {default: 0.0001, range: [0.0, 0.0005], reason: "Neither side',
            'hazard: 0.0001  # {default: 0.0001, range: [0.0, 0.0005], reason: "Neither side',
            "hazard: 0.0001",
            "TISA:active->suspended.hazard",
            "needs its range and reason",
        ),
        (
            '        at_anniversary: "11-23"',
            '        at_anniversery: "11-23"',
            "at_anniversery",
            "GSOMIA:notice_given->terminated.at_anniversery",
            "unknown key 'at_anniversery'",
        ),
        (
            '        at_anniversary: "11-23"',
            '        at_anniversary: "11-31"',
            "at_anniversary",
            "GSOMIA:notice_given->terminated.at_anniversary",
            "not a day of the year",
        ),
        (
            "      - {machine: KOR_WTO_case, from: filed, to: suspended}",
            "      - {machine: KOR_WTO_case, from: filled, to: suspended}",
            "from: filled",
            "from",
            "'filled' is not one of KOR_WTO_case's states",
        ),
        (
            "{default: 0.06, range: [0.03, 0.1]",
            "{default: 0.6, range: [0.03, 0.1]",
            "default: 0.6, range: [0.03, 0.1]",
            "shocks.nk_missile_test.rate.range",
            "must lie within the range",
        ),
        (
            "      - {stream: KOR->JPN conflict, count: 2}",
            "      - {stream: KOR->CHN conflict, count: 2}",
            "KOR->CHN conflict",
            "GSOMIA:active->notice_given.emits[0].stream",
            "not between the scenario's actors",
        ),
        (
            "      - from: notice_given\n        to: terminated",
            "      - from: notice_given\n        to: dissolved",
            "to: dissolved",
            "GSOMIA:notice_given->dissolved.to",
            "is not one of the states",
        ),
        (
            'ref: "GSOMIA:notice_given->notice_suspended"\n        multiply: {default: 2.0',
            'ref: "GSOMIA:notice->suspended"\n        multiply: {default: 2.0',
            "multiply: {default: 2.0, range: [1.2, 3.5]",
            "ref",
            "refers to hazard 'GSOMIA:notice->suspended'",
        ),
        (
            "start: 2019-08-01",
            "start: 2019-13-01",
            "start: 2019-13-01",
            "start",
            "must be a date",
        ),
        (
            "actors: [USA, JPN, KOR]",
            "actors: [USA, JPN, XYZ]",
            "actors: [USA, JPN, XYZ]",
            "actors",
            "'XYZ' is not a CAMEO country code",
        ),
        (
            "expect: {gsomia_terminated: down}",
            "expect: {gsomia_gone: down}",
            "name: public_mediation",
            "expect",
            "expects outcome 'gsomia_gone'",
        ),
    ],
)
def test_bad_files_name_line_and_field(
    old: str, new: str, line_needle: str, field: str, message: str
) -> None:
    text = _broken(old, new)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="bad.yaml")
    exc = info.value
    lines = text.splitlines()
    expected_line = next(i for i, ln in enumerate(lines, 1) if line_needle in ln)
    assert exc.path == "bad.yaml"
    assert exc.line == expected_line, str(exc)
    assert exc.field is not None and exc.field.endswith(field), str(exc)
    assert message in str(exc)
    assert re.match(r"bad\.yaml:\d+, field '", str(exc))


def test_invalid_yaml_gives_line() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario("name: x\nactors: [USA, JPN\nstart: 2019-01-01\n", source="y.yaml")
    assert info.value.line is not None and "not valid YAML" in str(info.value)


def test_unknown_bundled_name_lists_the_bundled() -> None:
    with pytest.raises(ScenarioError, match="jpn-kor-2019"):
        read_bundled_scenario("jpn-kor-2020")


# ---------------------------------------------------------------- hostile files (D4, D6)


def test_an_alias_bomb_fails_fast_and_no_message_renders_it() -> None:
    with bounded(seconds=1.0, megabytes=20), pytest.raises(ScenarioError) as exc:
        parse_scenario(alias_bomb("name"), source="bomb.yaml")
    # Line 6 is where the aliases pass 20,000 expanded values (9^4 * 4 levels so far).
    assert (exc.value.path, exc.value.line) == ("bomb.yaml", 6)
    assert "alias" in exc.value.message and len(str(exc.value)) < 400


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: !!python/object/apply:os.system [echo hi]\n", "tag !!python/object/apply"),
        (deep_nesting("name"), "nesting deeper than 64"),
        ("name: &a [*a]\n", "inside"),
    ],
)
def test_unsafe_or_deep_yaml_is_a_clean_error_with_a_line(text: str, words: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, source="bad.yaml")
    assert exc.value.line is not None and words in exc.value.message


def test_a_huge_value_is_shown_truncated() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(_broken("horizon_days: ", "horizon_days: " + "9" * 3000 + "x #"))
    assert exc.value.field == "horizon_days" and len(str(exc.value)) < 300


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            'triggers: ["summit:not_held->held"]',
            "triggers: -1",
            "levers.unga_leaders_meeting.triggers",
        ),
        (
            'triggers: ["summit:not_held->held"]',
            'triggers: "summit:not_held->held"',
            "levers.unga_leaders_meeting.triggers",
        ),
        ("actual: [public_mediation, private_channel, leaders_meeting]", "actual: 3", "actual"),
    ],
)
def test_lists_given_a_bare_value_fail_with_line_and_field(old: str, new: str, field: str) -> None:
    text = _broken(old, new)
    first = new.splitlines()[0]
    with pytest.raises(ScenarioError, match="must be a list") as info:
        parse_scenario(text, source="bad.yaml")
    assert info.value.line == next(i for i, ln in enumerate(text.splitlines(), 1) if first in ln)
    assert info.value.field == field


def test_public_names_still_come_from_the_scenario_module() -> None:
    import pickle

    from brinkwatch.simulate import _scenario_types, _scenario_yaml, scenario

    for name in scenario.__all__:
        obj = getattr(scenario, name)
        assert (
            obj is getattr(_scenario_types, name, None)
            or obj is getattr(_scenario_yaml, name, None)
            or name in {"bundled_scenarios", "read_bundled_scenario"}
        ), name
    # Worker processes receive scenarios by pickle: the moved classes still round-trip.
    sc = parse_scenario(TEXT)
    assert pickle.loads(pickle.dumps(sc)) == sc

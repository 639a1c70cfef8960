"""Alarm validity: hand-computed scores, label-file errors, the bundled labels, the chronology."""

from __future__ import annotations

import itertools
from datetime import date
from importlib import resources

import pytest

from brinkwatch.codebook import Dyad
from brinkwatch.errors import ConfigError
from brinkwatch.measure import (
    Alarm,
    LabelledPeriod,
    Labels,
    evaluate_alarm_validity,
    parse_labels,
    score_alarms,
)
from brinkwatch.store import Store
from tests.yaml_bombs import alias_bomb, bounded

D = date
SPAN = (D(2019, 1, 1), D(2020, 12, 31))  # 731 days: 2.0014 years
P1 = LabelledPeriod("export controls", "JPN-KOR", D(2019, 7, 1), D(2019, 7, 31))
P2 = LabelledPeriod("short", "KOR-JPN", D(2020, 3, 1), D(2020, 3, 10))
# Starts after the span but its lead window (from 2020-12-18) reaches into it: it counts.
P3 = LabelledPeriod("missed", "JPN-KOR", D(2021, 1, 1), D(2021, 1, 31))
P4 = LabelledPeriod("outside", "JPN-KOR", D(2022, 5, 1), D(2022, 5, 10))
CALM = LabelledPeriod("calm", "JPN-KOR", D(2019, 10, 1), D(2019, 10, 31), kind="calm")
LABELS = Labels((P1, P2, P3, P4, CALM), lead_days=14)


def _alarm(rule: str, dyad: str, day: date) -> Alarm:
    return Alarm(rule, rule, "high", dyad, day, "")


ALARMS = [
    _alarm("r1", "JPN-KOR", D(2019, 6, 20)),  # P1, 11 days early
    _alarm("r1", "KOR->JPN", D(2019, 7, 15)),  # P1 (either direction)
    _alarm("r2", "JPN-KOR", D(2019, 7, 8)),  # P1, 7 days late for r2
    _alarm("r2", "JPN-KOR", D(2019, 10, 7)),  # calm: a false alarm
    _alarm("r1", "JPN:GOV-KOR", D(2020, 3, 5)),  # P2, 4 days late
    _alarm("r2", "JPN-USA", D(2019, 7, 8)),  # another dyad: false
    _alarm("r1", "JPN-KOR", D(2018, 12, 31)),  # before the span: ignored
    _alarm("r2", "JPN-KOR", D(2019, 6, 16)),  # a day before P1's lead window: false
]


def test_scores_match_hand_computation() -> None:
    rep = evaluate_alarm_validity(ALARMS, LABELS, SPAN)
    assert rep.years == pytest.approx(731 / 365.25, abs=1e-3) and rep.lead_days == 14
    r1, r2 = rep.rules
    assert (r1.rule, r1.alarms, r1.true_alarms, r1.false_alarms, r1.calm_alarms) == (
        "r1",
        3,
        3,
        0,
        0,
    )
    assert (r1.precision, r1.periods, r1.detected, r1.recall) == (1.0, 3, 2, 0.6667)
    assert r1.median_lead_days == 3.5  # median of 11 and -4
    assert r1.false_alarms_per_year == 0.0
    assert (r2.alarms, r2.true_alarms, r2.false_alarms, r2.calm_alarms) == (4, 1, 3, 1)
    assert (r2.precision, r2.detected, r2.recall, r2.median_lead_days) == (0.25, 1, 0.3333, -7.0)
    assert r2.false_alarms_per_year == pytest.approx(3 / (731 / 365.25), abs=1e-3)
    o = rep.overall
    assert (o.alarms, o.true_alarms, o.false_alarms, o.calm_alarms) == (7, 4, 3, 1)
    assert (o.precision, o.recall, o.median_lead_days) == (0.5714, 0.6667, 3.5)
    hits = {h.label: (h.alarms, h.first_alarm, h.lead_days) for h in rep.periods}
    assert hits == {
        "export controls": (3, D(2019, 6, 20), 11),
        "short": (1, D(2020, 3, 5), -4),
        "missed": (0, None, None),
    }


def test_undefined_scores_are_none_and_a_reversed_span_is_refused() -> None:
    rep = evaluate_alarm_validity([], LABELS, SPAN)
    assert rep.rules == () and rep.overall.precision is None and rep.overall.recall == 0.0
    assert rep.overall.median_lead_days is None and rep.overall.false_alarms_per_year == 0.0
    calm_only = evaluate_alarm_validity(ALARMS[:1], Labels((CALM,)), SPAN)
    assert calm_only.overall.recall is None and calm_only.overall.precision == 0.0
    with pytest.raises(ConfigError, match="ends"):
        evaluate_alarm_validity(ALARMS, LABELS, (SPAN[1], SPAN[0]))


GOOD = """\
lead_days: 7
periods:
  - label: export controls
    dyad: jpn-kor
    start: 2019-07-01
    end: 2019-11-22
    sources:
      - {publisher: METI, date: 2019-07-01, title: Update of licensing policies}
"""


def test_parse_labels_reads_a_valid_file() -> None:
    labels = parse_labels(GOOD, source="l.yaml")
    (p,) = labels.periods
    assert labels.lead_days == 7 and p.dyad == "JPN-KOR" and p.kind == "crisis"
    assert p.sources[0].publisher == "METI" and p.sources[0].url is None
    assert p.sources[0].checked is False  # not confirmed unless the file says so


def test_parse_labels_reads_url_and_checked() -> None:
    text = GOOD.replace("title: Update", "url: 'https://x.example/a', checked: true, title: Update")
    (src,) = parse_labels(text, source="l.yaml").periods[0].sources
    assert (src.url, src.checked) == ("https://x.example/a", True)
    text = GOOD.replace("title: Update", "checked: true, title: Update")
    (src,) = parse_labels(text, source="l.yaml").periods[0].sources
    assert (src.url, src.checked) == (None, True)


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("end: 2019-11-22", "end: 2019-06-30", 6, "end", "before it starts"),
        ("start: 2019-07-01", "start: July 2019", 5, "start", "YYYY-MM-DD"),
        ("start: 2019-07-01", "start: 2019-13-01", 5, "start", "not valid YAML"),
        ("    dyad: jpn-kor\n", "", 3, "dyad", "needs 'dyad'"),
        ("dyad: jpn-kor", "dyad: JPN", 4, "dyad", "two country codes"),
        ("    end:", "    kind: war\n    end:", 6, "kind", "crisis or calm"),
        ("    end:", "    ends: 2019-01-01\n    end:", 6, "ends", "unknown period key"),
        ("lead_days: 7", "lead_days: -1", 1, "lead_days", "0 to 366"),
        ("      - {publisher: METI, ", "      - {publisher: '', ", 8, "sources.publisher", "needs"),
        ("title: Update", "url: http://x.example, title: Update", 8, "sources.url", "https://"),
        ("title: Update", "checked: maybe, title: Update", 8, "sources.checked", "true or false"),
        ("title: Update", "url: 'https://x.example/a', title: Update", 8, "sources.checked",
         "checked: true"),
        ("title: Update", "url: 'https://x.example/a b', checked: true, title: Update", 8,
         "sources.url", "one https://"),
        ("      - {publisher: METI, date: 2019-07-01, title: Update of licensing policies}",
         "      []", 8, "sources", "at least one"),
    ],
)  # fmt: skip
def test_parse_labels_errors_name_line_and_field(
    old: str, new: str, line: int, field: str, words: str
) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    with pytest.raises(ConfigError, match=words) as exc:
        parse_labels(text, source="l.yaml")
    assert (exc.value.path, exc.value.line, exc.value.field) == ("l.yaml", line, field)


def test_hostile_labels_files_give_clean_errors() -> None:
    with bounded(seconds=1.0, megabytes=20), pytest.raises(ConfigError, match="alias"):
        parse_labels(alias_bomb("periods"), source="bomb.yaml")
    with pytest.raises(ConfigError, match="periods"):
        parse_labels("just text", source="l.yaml")
    with pytest.raises(ConfigError, match="tag"):
        parse_labels("periods: !!python/object:os.system []", source="l.yaml")


BUNDLED = "data/labels/jpn-kor-2015-2023.yaml"


def _bundled() -> Labels:
    text = resources.files("brinkwatch").joinpath(BUNDLED).read_text("utf-8")
    return parse_labels(text, source=BUNDLED)


def test_bundled_labels_validate_with_ordered_dates_and_sources() -> None:
    labels = _bundled()
    crises = [p for p in labels.periods if p.kind == "crisis"]
    assert len(crises) >= 5 and any(p.kind == "calm" for p in labels.periods)
    assert labels.dyads == ["JPN-KOR"] and labels.lead_days == 14
    starts = [p.start for p in crises]
    assert starts == sorted(starts)
    for p in labels.periods:
        assert D(2015, 1, 1) <= p.start <= p.end <= D(2023, 12, 31)
        assert p.sources and all(s.publisher and s.title for s in p.sources)
        # A source documents its period: dated within it, or just before a calm one.
        assert any(p.start - (p.end - p.start) <= s.date <= p.end for s in p.sources)
    # Crisis windows (with the lead) do not overlap, so no alarm counts twice.
    for a, b in itertools.pairwise(crises):
        assert a.end.toordinal() < b.start.toordinal() - labels.lead_days
    # Every crisis rests on at least one confirmed source: its opening act, checked.
    for p in crises:
        assert any(s.checked and abs((s.date - p.start).days) <= 7 for s in p.sources), p.label


def test_chronology_scores_against_the_bundled_labels(chron_backend: Store) -> None:
    store = chron_backend  # the alarms of the whole chronology, on each engine
    rep = score_alarms(store.events, _bundled(), origins=["chronology"])
    with pytest.raises(ConfigError, match="no period of JPN-USA"):
        score_alarms(store.events, _bundled(), dyad=Dyad.parse("JPN-USA"))
    o = rep.overall
    assert rep.span[0] < D(2016, 1, 31) and rep.span[1] > D(2023, 1, 1)
    assert o.alarms == sum(r.alarms for r in rep.rules) > 0
    assert o.true_alarms + o.false_alarms == o.alarms and o.periods == len(rep.periods) == 6
    assert o.precision == pytest.approx(o.true_alarms / o.alarms, abs=1e-4)
    gsomia = next(h for h in rep.periods if "GSOMIA" in h.label)
    # The export-control crisis is the chronology's densest: alarms, some before 1 July.
    assert gsomia.alarms >= 5 and gsomia.lead_days is not None and gsomia.lead_days >= 0

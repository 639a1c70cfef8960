"""Labels for ids and notes worded for a reader, on the founding case's own results."""

from __future__ import annotations

import re

from brinkwatch.report._bottom_line import (
    alarm_groups,
    bottom_line,
    lever_sentence,
    reader_notes,
)
from brinkwatch.report.brief import BriefData
from brinkwatch.report.labels import Labels, labels_for, reword
from brinkwatch.simulate import rank_levers


def test_labels_come_from_the_scenario_and_the_register(brief_data: BriefData) -> None:
    assert brief_data.scenario is not None
    lab = labels_for(brief_data.scenario.scenario, brief_data.instruments)
    sc = brief_data.scenario.scenario
    first = sc.outcomes[0]
    assert lab.outcome(first.name) == first.title
    assert lab.lever("none") == "no lever"
    lever = sc.levers[0]
    assert lab.lever(lever.name) == lever.title
    assert lab.state("notice_suspended") == "notice suspended"
    assert lab.machine("JPN_controls_photoresist") == "Japan controls photoresist"
    # Every id asked for is kept for the appendix, with its label.
    used = {(kind, ident) for kind, ident, _ in lab.used()}
    assert {("outcome", first.name), ("lever", "none"), ("state", "notice_suspended")} <= used


def test_reword_replaces_ids_not_words() -> None:
    lab = Labels(outcomes={"gsomia_terminated": "GSOMIA terminated"}, machines={"summit": "x"})
    text = reword("gsomia_terminated; JPN->KOR goldstein_sum; a summit; USA-KOR", lab)
    assert text == (
        "GSOMIA terminated; Japan towards South Korea conflict-cooperation score; a summit; "
        "United States-South Korea"
    )


def test_notes_read_as_sentences_without_classes_options_or_ids() -> None:
    notes = [
        "CoverageWarning: the events come from origins of different coverage (chronology 109 "
        "days (2015-12-28..2020-09-24); coded 1 day (2019-08-05..2019-08-05)); they are not "
        "added together: the series uses chronology, the one with the most days. Pass origins "
        "(--origin) to choose another",
        "Actors: state actors only; other actors count as their sector (actors='all' / "
        "--all-actors widens)",
        "SparseDataWarning: JPN->USA has events in only 2 of 36 months (6%): too few to "
        "estimate how it moves, so it is left out (min_active=10). A coarser frequency helps",
        "USA->JPN has events in only 5 of 36 months (14%): too few to estimate how it moves",
    ]
    out = reader_notes(notes, Labels())
    assert out == [
        "The sources cover different spans and are not added together: the series counts the "
        "hand-coded chronology only; the others appear in the coverage strip.",
        "Actors: state actors only; other actors count as their sector.",
        "United States-Japan events are too sparse in this window to estimate influence "
        "(Japan towards United States has events in only 2 of 36 months; United States towards "
        "Japan has events in only 5 of 36 months).",
    ]


def test_alarms_are_grouped_by_kind_most_severe_first(brief_data: BriefData) -> None:
    alarms = brief_data.measure.alarms
    groups = alarm_groups(alarms)
    assert len(groups) == len({a.rule for a in alarms})
    order = ("critical", "high", "medium", "low")
    for g in groups:
        mine = [a for a in alarms if a.rule == g.rule]
        assert g.periods == tuple(sorted({a.period for a in mine}))
        assert g.severity == min((a.severity for a in mine), key=order.index)
    ranks = [order.index(g.severity) for g in groups]
    assert ranks == sorted(ranks)


def test_the_lever_sentence_claims_what_the_adjusted_ranking_supports(
    brief_data: BriefData,
) -> None:
    runs = brief_data.scenario
    assert runs is not None and runs.ranking is not None
    r = runs.ranking
    assert r == rank_levers(runs.runs)
    head = runs.scenario.outcomes[0].name
    assert r.outcome == head and r.direction == -1
    # Every single lever is ranked once; bundles are not levers.
    singles = [
        row
        for row in runs.comparison.to_pylist()
        if row["outcome"] == head and row["variant"] not in ("none", "actual", "proposed")
    ]
    assert sorted(e.lever for e in r.effects) == sorted(row["variant"] for row in singles)
    # The levers aim to lower GSOMIA's termination; no single lever lowers it more.
    assert r.effects[0].effect == min(row["difference"] for row in singles)
    # 300 paths and nine levers: the top two cannot be told apart, and the brief says so.
    assert r.verdict == "tied" and r.gap_low < 0 < r.gap_high
    lab = labels_for(runs.scenario, brief_data.instruments)
    sentence = lever_sentence(runs, lab)
    assert sentence is not None and "helps most" not in sentence
    top, second = r.effects[0], r.effects[1]
    assert f"{lab.lever(top.lever)} and {lab.lever(second.lever)} cannot be told apart" in sentence
    assert "at 300 runs (9 levers compared)" in sentence


#: The end of a sentence: a stop followed by a capital (or the end of the text).
_STOP = re.compile(r"[.!?](?=\s+[A-Z“]|\s*$)")


def test_the_bottom_line_is_at_most_four_sentences_holding_every_fact(
    brief_data: BriefData,
) -> None:
    runs = brief_data.scenario
    assert runs is not None
    lab = labels_for(runs.scenario, brief_data.instruments)
    bottom = bottom_line(
        brief_data.measure, lab, instruments=brief_data.instruments, on=brief_data.on, runs=runs
    )
    text = bottom.sentences
    assert len(text) == 4
    assert [len(_STOP.findall(s)) for s in text] == [1, 1, 1, 1]
    standing, changed, in_force, lever = text
    assert "usual" in standing and "record low" in standing
    assert changed.startswith("The biggest shift came in")
    n = len(brief_data.measure.alarms)
    top = bottom.alarm_groups[0]
    assert f"{n} alarm(s) of {len(bottom.alarm_groups)} kinds fired" in changed
    assert f"{top.title[0].lower()}{top.title[1:]} ({top.severity}" in changed
    assert "add friction" in in_force
    assert "levers compared" in lever and "adjusted 95% interval" in lever

"""The world held-out set (issue 20, point 4): its structure, and that it is scored soundly.

The set was written and scored once before any issue-20 lexicon change (docs/coding.md).
Its first score is recorded there, not asserted here: these tests check the fixture and the
scoring, and must not become targets that the coder is tuned to.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from brinkwatch.codebook import actor_types, countries, lookup_event
from brinkwatch.coding import Coder, EvaluationReport, Record, evaluate, parse_validation_records
from brinkwatch.coding._evaluate import DIMENSIONS, EXTRA_DIMENSIONS
from tests.coding.conftest import FIXTURES

HELDOUT = FIXTURES / "world.heldout.records.xml"
REGIONS = {"EAS", "SAS", "MEA", "EUR", "AFR", "LAM"}
# Phoenix organisation codes used by the gold that are neither countries nor agent types:
# the EU (IGOEUREEC).
ORG_SUFFIXES = {"EEC"}


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return parse_validation_records(HELDOUT.read_text(encoding="utf-8"), source=str(HELDOUT))


@pytest.fixture(scope="module")
def report(coder: Coder, records: list[Record]) -> EvaluationReport:
    return evaluate(coder, records)


def _well_formed_actor(code: str) -> bool:
    """Country or region (or an IGO/NGO type) first, then agent types, three letters each."""
    if not re.fullmatch(r"(?:[A-Z]{3}){1,4}", code):
        return False
    places = set(countries().column("code").to_pylist())
    types = set(actor_types().column("code").to_pylist())
    chunks = [code[i : i + 3] for i in range(0, len(code), 3)]
    head_ok = chunks[0] in places or chunks[0] in {"IGO", "NGO", "UNO"}
    return head_ok and all(c in types | places | ORG_SUFFIXES for c in chunks[1:])


def test_structure(records: list[Record]) -> None:
    assert len(records) >= 80 and len({r.id for r in records}) == len(records)
    assert all(r.skipped is None and r.day is not None and r.text for r in records)
    ids = [re.fullmatch(r"HO-([A-Z]{3})-([WC])\d{2}", r.id) for r in records]
    assert all(ids), [r.id for r, m in zip(records, ids, strict=True) if not m]
    regions = Counter(m.group(1) for m in ids if m)
    assert set(regions) == REGIONS and min(regions.values()) >= 10
    genres = Counter(m.group(2) for m in ids if m)
    assert genres["W"] >= 40 and genres["C"] >= 30
    assert sum(not r.gold for r in records) >= 15  # must code nothing
    for r in records:
        for src, tgt, code in r.gold:
            assert lookup_event(code).code == code, (r.id, code)
            assert _well_formed_actor(src) and _well_formed_actor(tgt), (r.id, src, tgt)
            assert src != tgt, r.id


def test_stated_event_dates_are_read_and_precede_the_document(records: list[Record]) -> None:
    stated = [(r, d) for r in records for d in r.gold_days if d is not None]
    assert len(stated) >= 15
    # "on Wednesday", "last Saturday", "on 26 October": within the week before the story.
    assert all(0 < (r.day - d).days <= 7 for r, d in stated if r.day is not None)
    rec = next(r for r in records if r.id == "HO-MEA-W09")  # "in Amman on 26 October"
    assert [g[3] for g in rec.gold_dated()] == [date(2025, 10, 26)] * 2
    undated = next(r for r in records if r.id == "HO-EAS-W02")
    assert undated.gold_dated() == [("HKGJUD", "HKGOPP", "173", date(2025, 4, 2))]


def test_scores_are_computed_deterministically(
    coder: Coder, records: list[Record], report: EvaluationReport
) -> None:
    assert (report.records, report.skipped, report.gold) == (len(records), 0, 130)
    assert report.gold_not_cameo == 0 and report.cameo_only is None
    for dim in DIMENSIONS + EXTRA_DIMENSIONS:
        assert 0.0 <= report.precision(dim) <= 1.0 and 0.0 <= report.recall(dim) <= 1.0
    # A triple that matches also matches on its dyad, root and quad class.
    assert report.tp["triple"] <= report.tp["dyad"] <= report.tp["source"]
    assert report.tp["triple"] <= report.tp["code"] <= report.tp["root"] <= report.tp["quad"]
    assert report.tp["dated"] <= report.tp["triple"]
    again = evaluate(coder, records)
    assert (again.tp, again.predicted) == (report.tp, report.predicted)
    assert again.per_record == report.per_record
    assert report.tp["triple"] > 0  # the coder already finds some events


def test_scores_match_a_recomputation_from_the_per_sentence_results(
    report: EvaluationReport,
) -> None:
    def matched(pred: list[tuple[object, ...]], gold: list[tuple[object, ...]]) -> int:
        return sum((Counter(pred) & Counter(gold)).values())

    keys = {
        "triple": lambda e: e[:3],
        "dyad": lambda e: e[:2],
        "source": lambda e: e[0],
        "target": lambda e: e[1],
        "code": lambda e: e[2],
        "root": lambda e: e[2][:2],
        "quad": lambda e: (
            1 if e[2][:2] <= "05" else 2 if e[2][:2] <= "08" else 3 if e[2][:2] <= "13" else 4
        ),
    }
    tp = Counter[str]()
    for (rec, pred), days in zip(report.per_record, report.per_record_days, strict=True):
        dated_pred = [(*p, d) for p, d in zip(pred, days, strict=True)]
        gold = [
            (*g, d or rec.day)
            for g, d in zip(rec.gold, rec.gold_days or (None,) * len(rec.gold), strict=True)
        ]
        for dim, key in keys.items():
            tp[dim] += matched([key(p) for p in dated_pred], [key(g) for g in gold])
        tp["dated"] += matched(dated_pred, gold)
    assert dict(tp) == report.tp
    assert report.predicted == sum(len(p) for _, p in report.per_record)
    assert report.precision("triple") == tp["triple"] / report.predicted
    assert report.recall("dyad") == tp["dyad"] / 130


def test_a_stated_date_is_scored_apart_from_the_triple(coder: Coder) -> None:
    xml = (
        '<Sentence date="20190704" id="a"><EventCoding sourcecode="JPNGOV" targetcode="KOR" '
        'eventcode="163" date="{d}"/><Text>Tokyo restricted exports of chemicals to South '
        "Korea.</Text></Sentence>"
    )
    stated = evaluate(coder, parse_validation_records(xml.format(d="20190701")))
    assert stated.tp["triple"] == 1 and stated.per_record_days == [[date(2019, 7, 4)]]
    # The gold dates it 1 July; the coder, given no date in the text, the document (4 July).
    assert stated.tp["dated"] == 0 and stated.recall("dated") == 0.0
    # A malformed date attribute is ignored: the event takes the document date.
    bad = evaluate(coder, parse_validation_records(xml.format(d="2019-07-01")))
    assert bad.tp["dated"] == 1
    rows = [r["measure"] for r in stated.rows(extra=True)]
    assert rows == [*DIMENSIONS, *EXTRA_DIMENSIONS] and len(stated.rows()) == 6

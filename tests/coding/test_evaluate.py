"""Scores against hand-coded records: our Japan-Korea-US sentences and PETRARCH's unit tests.

Thresholds sit a little below what the coder achieves (see docs/coding.md for the figures and
how they were reached), so that a change that makes coding worse fails here.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from brinkwatch.coding import (
    Coder,
    EvaluationReport,
    Record,
    default_actors,
    evaluate,
    parse_petrarch_actors,
    parse_validation_records,
)
from brinkwatch.errors import LexiconError
from tests.coding.conftest import FIXTURES


def _report(coder: Coder, path: Path) -> EvaluationReport:
    return evaluate(coder, parse_validation_records(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def dev(coder: Coder) -> EvaluationReport:
    return _report(coder, FIXTURES / "jpn-kor-usa.records.xml")


@pytest.fixture(scope="module")
def heldout(coder: Coder) -> EvaluationReport:
    return _report(coder, FIXTURES / "jpn-kor-usa.heldout.records.xml")


@pytest.fixture(scope="module")
def heldout2(coder: Coder) -> EvaluationReport:
    return _report(coder, FIXTURES / "jpn-kor-usa.heldout2.records.xml")


@pytest.fixture(scope="module")
def heldout3(coder: Coder) -> EvaluationReport:
    return _report(coder, FIXTURES / "jpn-kor-usa.heldout3.records.xml")


@pytest.fixture(scope="module")
def petr(shared_data: Path) -> EvaluationReport:
    actors = (shared_data / "coder/PETR.Validate.actors.txt").read_text(encoding="utf-8")
    coder = Coder(actors=default_actors().extended(parse_petrarch_actors(actors)))
    return _report(coder, shared_data / "coder/PETR.UnitTest.records.xml")


def test_fixture_has_at_least_60_hand_coded_sentences() -> None:
    recs = parse_validation_records((FIXTURES / "jpn-kor-usa.records.xml").read_text())
    assert len(recs) >= 60
    assert len({r.id for r in recs}) == len(recs)
    assert sum(not r.gold for r in recs) >= 4  # sentences that must code nothing
    codes = {g[2][:2] for r in recs for g in r.gold}
    assert len(codes) >= 10


def test_own_sentences_beat_the_published_dictionary_coder(
    dev: EvaluationReport, heldout: EvaluationReport
) -> None:
    # UniversalPetrarch: 68.1% of gold events found, 23.1% false positives.
    for rep, p, r in ((dev, 0.90, 0.83), (heldout, 0.90, 0.83)):
        assert rep.precision("triple") >= p
        assert rep.recall("triple") >= r
        assert rep.recall("triple") > 0.681 and 1 - rep.precision("triple") < 0.231
    assert dev.precision("root") >= 0.95 and dev.recall("root") >= 0.86
    assert dev.precision("source") >= 0.96 and dev.precision("target") >= 0.95


def test_last_held_out_set(heldout2: EvaluationReport) -> None:
    # Written after the tuning (docs/coding.md): the honest figure for new text.
    assert heldout2.records == 24
    assert heldout2.precision("triple") >= 0.76 and heldout2.recall("triple") >= 0.74
    assert heldout2.precision("dyad") >= 0.96 and heldout2.recall("dyad") >= 0.93
    assert heldout2.precision("root") >= 0.90 and heldout2.recall("root") >= 0.87


def test_third_held_out_set(heldout3: EvaluationReport) -> None:
    # Written and coded by the CAMEO manual before the last round of changes; its first run
    # scored triple precision 80.9%, recall 76.0% (docs/coding.md). Only general fixes
    # followed, so these thresholds guard them rather than measure generalisation.
    assert heldout3.records == 36 and heldout3.gold == 50
    assert heldout3.precision("triple") >= 0.87 and heldout3.recall("triple") >= 0.82
    assert heldout3.precision("dyad") >= 0.93 and heldout3.recall("dyad") >= 0.88
    assert heldout3.cameo_only is None and heldout3.gold_not_cameo == 0


def test_petrarch_records_read_and_score(petr: EvaluationReport) -> None:
    # 284 sentences; 7 test PETRARCH's own input handling (error=...) and are skipped.
    assert (petr.records, petr.skipped, petr.gold) == (277, 7, 354)
    # The records' codes come from PETRARCH's validation verb dictionary (e.g. "welcomed" is
    # 041 there, "restore diplomatic ties" 064), which our CAMEO-based lexicon does not
    # share; who did what to whom is what transfers.
    assert petr.precision("source") >= 0.89 and petr.recall("source") >= 0.56
    assert petr.precision("target") >= 0.87 and petr.recall("target") >= 0.54
    assert petr.precision("dyad") >= 0.82 and petr.recall("dyad") >= 0.51
    assert petr.precision("triple") <= petr.precision("dyad")
    # 72 gold events carry codes that are not CAMEO codes at all (345, 901-915, 174K...);
    # the rows after the six plain ones score the 205 records without them.
    assert petr.gold_not_cameo == 72
    sub = petr.cameo_only
    assert sub is not None and sub.records == 205 and sub.gold == 280
    assert sub.recall("dyad") >= 0.54 and sub.recall("root") > petr.recall("root")
    names = [r["measure"] for r in petr.rows()]
    assert names[:6] == ["root", "code", "source", "target", "dyad", "triple"]
    assert names[-1] == "triple | CAMEO gold (205 of 277 records)"


def test_report_rows_and_multiset_matching(coder: Coder) -> None:
    recs = parse_validation_records(
        '<Sentence date="20191216" id="a"><EventCoding sourcecode="JPNGOV" '
        'targetcode="KORGOV" eventcode="046"/><EventCoding sourcecode="KORGOV" '
        'targetcode="JPNGOV" eventcode="040"/><Text>Trade officials from Japan and South '
        "Korea resumed talks in Tokyo.</Text></Sentence>"
        '<Sentence date="20191216" id="b"><EventCoding noevents="True"/><Text>It rained in '
        "Tokyo.</Text></Sentence>"
    )
    rep = evaluate(coder, recs)
    rows = {r["measure"]: r for r in rep.rows()}
    # Two 046 events coded; gold has one 046 and one 040.
    assert rows["triple"]["matched"] == 1 and rows["dyad"]["matched"] == 2
    assert rows["root"]["matched"] == 2 and rows["code"]["matched"] == 1
    assert rows["triple"]["precision"] == 0.5 and rows["triple"]["recall"] == 0.5
    assert rep.records == 2 and rep.predicted == 2
    # All gold codes are CAMEO codes: no second set of rows.
    assert rep.gold_not_cameo == 0 and len(rep.rows()) == 6


def test_gold_codes_outside_the_codebook_are_counted_and_scored_apart(coder: Coder) -> None:
    recs = parse_validation_records(
        '<Sentence date="20190701" id="a"><EventCoding sourcecode="JPNGOV" '
        'targetcode="KOR" eventcode="163"/><Text>Tokyo restricted exports of chemicals to '
        "South Korea.</Text></Sentence>"
        '<Sentence date="20190701" id="b"><EventCoding sourcecode="JPN" '
        'targetcode="KOR" eventcode="904"/><Text>Japan did not criticize South Korea.</Text>'
        "</Sentence>"
    )
    rep = evaluate(coder, recs)
    assert rep.gold_not_cameo == 1 and rep.recall("triple") == 0.5
    assert rep.cameo_only is not None and rep.cameo_only.recall("triple") == 1.0
    rows = {r["measure"]: r for r in rep.rows()}
    assert rows["triple | CAMEO gold (1 of 2 records)"]["gold"] == 1
    assert "1 with a code not in the CAMEO codebook" in rep.describe()


def test_records_without_sentences_are_an_error() -> None:
    with pytest.raises(LexiconError, match="no <Sentence> records"):
        parse_validation_records("<Validation></Validation>", source="r.xml")


# --------------------------------------------------------------------------- hostile records
# D9 (issue 12): a lazy "<Sentence ...>(.*?)</Sentence>" rescanned the rest of the file from every
# unclosed opening, so an 800 KB file of unclosed records took over 300 s. The reader is now
# linear; each case here is about 800 KB and would take minutes if any part of it were not.

_REC = (
    '<Sentence date="20190801" id="r-{}"><EventCoding sourcecode="JPN" targetcode="KOR" '
    'eventcode="111"/><Text>Japan criticized South Korea.</Text></Sentence>\n'
)
_SIZE = 800_000


def _timed(text: str) -> tuple[list[Record] | LexiconError, float]:
    t0 = time.perf_counter()
    try:
        got: list[Record] | LexiconError = parse_validation_records(text, source="h.xml")
    except LexiconError as exc:
        got = exc
    return got, time.perf_counter() - t0


def test_unclosed_sentences_are_a_clean_error_in_linear_time() -> None:
    unit = '<Sentence date="20190801" id="x"><Text>Japan criticized South Korea.</Text>\n'
    text = "<Validation>\n" + unit * (_SIZE // len(unit))
    got, secs = _timed(text)
    assert isinstance(got, LexiconError) and secs < 2
    assert got.line == 2 and "not closed before the next <Sentence> at line 3" in str(got)
    # One unclosed record at the very end, after 800 KB of good ones, names its own line.
    good = "".join(_REC.format(i) for i in range(_SIZE // len(_REC)))
    got, secs = _timed(good + unit)
    assert isinstance(got, LexiconError) and secs < 2
    assert got.line == good.count("\n") + 1 and "before the end of the file" in str(got)


@pytest.mark.parametrize(
    ("place", "junk"),
    [
        ("body", "<Sentence "),  # openings that never end their tag
        ("body", "<EventCoding "),  # codings that never end their tag
        ("body", "<Text>"),  # texts that never close
        ("tag", "a" * 40),  # one endless attribute-like word
        ("tag", 'a="'),  # attributes that never close their quote
    ],
)
def test_malformed_tags_inside_800_kb_are_read_in_linear_time(place: str, junk: str) -> None:
    filler = junk * (_SIZE // len(junk))
    in_tag, in_body = (filler, "") if place == "tag" else ("", filler)
    text = (
        _REC.format(0)
        + f'<Sentence {in_tag} id="r-1">{in_body}'
        + '<EventCoding sourcecode="KOR" targetcode="JPN" eventcode="112"/>'
        + "<Text>Seoul accused Tokyo.</Text></Sentence>"
    )
    got, secs = _timed(text)
    assert secs < 2, f"{secs:.1f} s for {len(text):,} characters"
    assert isinstance(got, list) and len(got) == 2
    assert got[0].gold == (("JPN", "KOR", "111"),)
    assert got[1].gold == (("KOR", "JPN", "112"),)
    if junk != "<Text>":
        # After unclosed <Text> tags the record's text runs from the first one to the
        # first </Text> (as it always did); other junk leaves the text intact.
        assert got[1].text == "Seoul accused Tokyo."


def test_unclosed_comment_and_stray_close_name_their_line() -> None:
    got, _ = _timed(_REC.format(0) + "<!-- a note" + " <!--" * 100_000)
    assert isinstance(got, LexiconError) and got.line == 2 and "'-->'" in str(got)
    # Comments keep their line breaks, so lines after them still count right.
    got, _ = _timed("<!--\n\n-->\n" + _REC.format(0) + "</Sentence>")
    assert isinstance(got, LexiconError) and got.line == 5
    assert "closes no <Sentence>" in str(got)


def test_entities_are_never_expanded_nor_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    # A billion-laughs DTD and an external entity: an XML parser that honours the DTD would
    # expand 10**9 "lol"s or read the file; these records keep the references as written.
    lols = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    text = (
        f'<?xml version="1.0"?><!DOCTYPE Validation [{lols}'
        f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">]><Validation>'
        '<Sentence date="20190801" id="bomb"><Text>Japan &lol9; criticized &xxe; Korea '
        "&amp; the US&#46;</Text></Sentence></Validation>"
    )
    got, secs = _timed(text)
    assert isinstance(got, list) and secs < 1
    assert got[0].text == "Japan &lol9; criticized &xxe; Korea & the US."
    assert "TOP-SECRET" not in got[0].text and "lollol" not in got[0].text

"""Actor dictionaries (ours and PETRARCH's format) and the verb lexicon."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brinkwatch.codebook import event_codes
from brinkwatch.coding import (
    Coder,
    default_actors,
    default_lexicon,
    parse_actor_yaml,
    parse_lexicon,
    parse_petrarch_actors,
)
from brinkwatch.errors import LexiconError


@pytest.fixture(scope="module")
def petrarch(shared_data: Path):  # type: ignore[no-untyped-def]
    path = shared_data / "coder/PETR.Validate.actors.txt"
    return parse_petrarch_actors(path.read_text(encoding="utf-8"), source=str(path))


def _entry(d, phrase):  # type: ignore[no-untyped-def]
    return next(e for e in d.entries if phrase in e.phrases)


def test_petrarch_dictionary_reads_synonyms_stems_and_dated_codes(petrarch) -> None:  # type: ignore[no-untyped-def]
    # Every phrase of the file, synonyms included, with its block's codes.
    assert len(petrarch.entries) > 150
    gollum = _entry(petrarch, "GOLLUM")
    assert _entry(petrarch, "SMEAGOL").codes == gollum.codes
    assert gollum.code_on(date(1995, 1, 1)) == ["HOB"]
    assert gollum.code_on(date(1997, 6, 1)) == ["HOBGOV"]
    assert gollum.code_on(date(2001, 1, 1)) == ["HOBREB"]
    sam = _entry(petrarch, "SAM GAMGEE")
    # The first restriction that matches wins, as in PETRARCH.
    assert sam.code_on(date(2010, 1, 10)) == ["ORCHOB"]
    assert sam.code_on(date(2012, 1, 1)) == ["HOBMIL"]
    assert sam.code_on(date(2015, 1, 1)) == ["HOBELI"]
    # A trailing underscore means the whole word; otherwise the word is a stem.
    assert _entry(petrarch, "ARNOR").stem is False
    assert _entry(petrarch, "BULGAR").stem is True
    # One phrase, several actors.
    assert _entry(petrarch, "THE SHIRE").code_on(None) == ["FRO", "BIL", "SAM"]
    assert _entry(petrarch, "PALESTINIAN").code_on(None) == ["PSE"]


def test_petrarch_actors_code_text_by_date_and_stem(petrarch) -> None:  # type: ignore[no-untyped-def]
    coder = Coder(actors=default_actors().extended(petrarch))
    got = coder.code("Gollum criticized the Bulgarians.", date=date(1996, 1, 1))
    # PETRARCH codes are kept as the dictionary gives them (no CVL for "Bulgarians").
    assert [(e.source.code, e.target.code, e.code) for e in got] == [("HOBGOV", "BUL", "111")]
    got = coder.code("Gollum criticized Bulgaria.", date=date(2001, 1, 1))
    assert [(e.source.code, e.target.code) for e in got] == [("HOBREB", "BUL")]


def test_petrarch_code_block_errors_name_the_line() -> None:
    with pytest.raises(LexiconError, match=r"x\.txt:3: cannot read the code block"):
        parse_petrarch_actors("ARNOR_ [ARN]\nGONDOR\n  [GON after 1995]\n", source="x.txt")
    with pytest.raises(LexiconError, match="bad date"):
        parse_petrarch_actors("ARNOR_ [ARN < 951399]\n", source="x.txt")


def test_own_dictionary_has_capitals_institutions_and_terms_of_office() -> None:
    d = default_actors()
    tokyo = _entry(d, "Tokyo")
    assert (tokyo.kind, tokyo.code_on(None)) == ("capital", ["JPNGOV"])
    assert _entry(d, "Blue House").code_on(None) == ["KORGOV"]
    assert _entry(d, "Pentagon").code_on(None) == ["USAMIL"]
    abe = _entry(d, "Shinzo Abe")
    [pm] = [r for r in abe.roles if r.title == "prime minister"]
    assert (pm.start, pm.end) == (date(2012, 12, 26), date(2020, 9, 16))
    moon = _entry(d, "Moon Jae-in")
    assert moon.roles[0].start == date(2017, 5, 10) and moon.roles[0].end == date(2022, 5, 9)
    titles = d.titles()
    assert {e.name for e, _ in titles["foreign minister"]} >= {
        "Taro Kono",
        "Toshimitsu Motegi",
        "Kang Kyung-wha",
    }
    assert d.agents["firm"] == "BUS" and d.agents["court"] == "JUD"
    with pytest.raises(LexiconError, match="expected a date"):
        parse_actor_yaml(
            "people: [{name: X, country: JPN, roles: [{title: t, from: soon, to: x}]}]"
        )


def test_lexicon_covers_all_twenty_roots_with_codebook_codes() -> None:
    lex = default_lexicon()
    assert lex.roots == {f"{i:02d}" for i in range(1, 21)}
    known = set(event_codes().column("code").to_pylist())
    codes = {p.code for ps in lex.verbs.values() for p in ps}
    codes |= {c for ps in lex.verbs.values() for p in ps for _, c in p.refine}
    assert codes <= known
    # The fine codes that matter between allies are there (13x threats come from intent).
    assert {"036", "042", "057", "112", "1125", "125", "1312", "163", "166", "1711"} <= codes
    # Phrasal particles and prepositions stay words (YAML 1.1 would read "off" as False).
    assert any(p.particle == "off" for p in lex.verbs["call"])
    assert any(p.object_prep == "on" for p in lex.verbs["call"])


def test_lexicon_errors_say_what_is_wrong() -> None:
    with pytest.raises(LexiconError, match="'9999' is not a CAMEO event code"):
        parse_lexicon('verbs:\n  - {id: x, code: "9999", lemmas: [x]}\n')
    with pytest.raises(LexiconError, match="unknown keys \\['lemma'\\]"):
        parse_lexicon('verbs:\n  - {id: x, code: "010", lemma: [x]}\n')
    with pytest.raises(LexiconError, match="lacks 'lemmas'"):
        parse_lexicon('verbs:\n  - {id: x, code: "010"}\n')


def test_short_petrarch_stems_are_abbreviations_not_prefixes() -> None:
    # "THE_KU" (a university) must not swallow "The Kuwait government".
    extra = parse_petrarch_actors("THE_KU [USAEDU]\nKUWAIT [KUW]\nBULGAR [BUL]\n")
    coder = Coder(actors=default_actors().extended(extra))
    got = coder.code("The Kuwait government criticized the Bulgarians.", date=date(1995, 1, 1))
    assert [(e.source.code, e.target.code) for e in got] == [("KUWGOV", "BUL")]


def test_petrarch_compound_actors_the_parser_hangs_on_the_head(petrarch) -> None:  # type: ignore[no-untyped-def]
    coder = Coder(actors=default_actors().extended(petrarch))
    text = "Arnor, Calenardhon and the evil awful Gondor welcomed the decision of Osgiliath."
    got = coder.code(text, date=date(1995, 1, 4))
    assert sorted(e.source.code for e in got) == ["ARN", "CAL", "GON"]
    assert {e.target.code for e in got} == {"OSG"}
    # A list misread as appositions: each item acts; "the Shire" is three actors.
    text = "Mordor, the Shire, Fornost and Bree welcomed the decision of Osgiliath."
    got = coder.code(text, date=date(1995, 1, 4))
    assert sorted(e.source.code for e in got) == ["BIL", "BRE", "FOR", "FRO", "MOR", "SAM"]

"""The standard CAMEO dictionaries (PETRARCH format): parsing, the cache, coding with them."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from brinkwatch.coding import (
    Coder,
    Dictionaries,
    evaluate,
    parse_agents,
    parse_discards,
    parse_petrarch_actors,
    parse_validation_records,
    parse_verbs,
)
from brinkwatch.errors import ConfigError, LexiconError
from brinkwatch.ingest.dictionaries import FILES, load_dictionaries
from tests.coding.conftest import FIXTURES

VERBS = """
# a comment
&PRISONER
+PRISONER
+DETAINEE
+HOSTAGE_

---  FREE   [084]  ---
FREE {FREES FREED FREEING}
RELEASE
- * &PRISONER                                      [0841]   # FREE
- * FUNDS (FOR +)                                  [071]    # RELEASE
- * STATEMENT                                      [---]    # RELEASE
- POLICE * (FROM $)                                [:173]   # FREE

---  SET   [---]  ---
+SET_UP {+SETS_UP +SETTING_UP}
SET [---]
"""


# ---------------------------------------------------------------------- parsers


def test_verb_dictionary_reads_blocks_synonyms_slots_particles_and_null_codes() -> None:
    v = parse_verbs(VERBS, source="v.txt")
    assert v.pattern_count == 4 and v.skipped == 0
    assert v.readings("free") == (("", 0, "084"),)
    assert v.readings("release") == (("", 0, "084"),)
    # "+SET_UP": the verb "set" with its particle; the plain verb has a null code.
    assert v.readings("set") == (("up", 1, "---"), ("", 1, "---"))
    block = v.blocks[0]
    # Most specific first; a synonym set is one element that any of its words fills.
    assert block[0].after == (("funds", "fund"), ("for",), ("+",))
    prisoner = next(p for p in block if p.code == "0841")
    assert prisoner.after == (("prisoner", "detainee", "hostage"),)
    assert {p.code for p in block} == {"0841", "071", "---"}
    # "[:173]" codes only the reversed roles, which we do not code: no event.
    assert next(p for p in block if p.before).code == "---"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---  FREE [084] ---\nFREE\n- * PRISONER\n", 3, "code in brackets"),
        ("---  FREE [084] ---\nFREE\n- PRISONER [0841]\n", 3, "'*'"),
        ("---  FREE [084] ---\nFREE\n- * PRISONER [free]\n", 3, "CAMEO code"),
        ("FREE\n---  FREE [084] ---\n", 1, "before the first verb block"),
        ("---  FREE [084] ---\nFREE\x00\n", 2, "NUL"),
        ("---  FREE [084] ---\n" + "X" * 100_000 + "\n", 2, "characters"),
    ],
)
def test_verb_dictionary_errors_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(LexiconError) as exc:
        parse_verbs(text, source="CAMEO.bad.txt")
    assert exc.value.path == "CAMEO.bad.txt" and exc.value.line == line
    assert words in str(exc.value)


def test_agents_expand_substitutions_plurals_and_both_code_positions() -> None:
    suffix, prefix, skipped = parse_agents(
        "!PERSON! = MAN, MEN\n!MINIST! = MINISTER, MINISTRY\n"
        "POLICE {} [~COP]\nPOLICE!PERSON! [~COP]\nDEFENSE_!MINIST! [~GOVMIL]\n"
        "CHAMBER_OF_COMMERCE {CHAMBERS_OF_COMMERCE} [~BUS]\n"
        "PEACEKEEPING_TROOPS {} [IGO~]\nTYPO_AGENT [~ENV}\n",
        source="agents.txt",
    )
    assert suffix["police"] == suffix["policemen"] == "COP"
    assert suffix["defense ministry"] == "GOV"  # one type per actor code
    assert suffix["chambers of commerce"] == "BUS"
    assert prefix == {"peacekeeping troops": "IGO"}
    assert skipped == 1  # the typo line, counted rather than fatal
    with pytest.raises(LexiconError, match="no agent lines") as exc:
        parse_agents("just some words\n", source="agents.txt")
    assert exc.value.line == 1


def test_lenient_actor_parsing_skips_impossible_dates_only() -> None:
    text = "KENYA_ [KEN]\nMWAI_KIBAKI_\n  [KENGOV 9008223-021230]\n  [KENELI]\n"
    with pytest.raises(LexiconError) as exc:
        parse_petrarch_actors(text, source="a.txt")
    assert exc.value.line == 3
    d = parse_petrarch_actors(text, source="a.txt", lenient=True)
    assert [e.code_on(date(2005, 1, 1)) for e in d.entries] == [["KEN"], ["KENELI"]]


def test_discards_split_story_and_sentence_and_keep_years_out() -> None:
    sentence, story = parse_discards("1965\n+AUSTRALIAN OPEN   # tennis\nTHIRD ROUND\n")
    assert sentence == {("third", "round")}
    assert story == {("australian", "open")}


# ---------------------------------------------------------------------- the shared files


@pytest.fixture(scope="module")
def dict_dir(shared_data: Path) -> Path:
    return shared_data / "coder" / "petrarch2-dictionaries"


@pytest.fixture(scope="module")
def dicts(dict_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Dictionaries:
    return load_dictionaries(dict_dir, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def dcoder(dicts: Dictionaries, coder: Coder) -> Coder:
    coder.code("Warm up.")
    return Coder(dictionaries=dicts, nlp=coder.nlp)


def test_shared_dictionaries_load_with_their_counts(dicts: Dictionaries) -> None:
    assert dicts.verbs.pattern_count == 4664  # phrase patterns of CAMEO.2.0.txt
    assert dicts.verbs.skipped == 4  # they name synonym sets the file never defines
    assert len(dicts.verbs.verbs) > 1600
    assert len(dicts.actors.entries) > 35_000
    assert dicts.actors.agents["police"] == "COP"
    assert dicts.actors.agents["supreme court"] == "JUD"
    assert ("world", "war", "ii") in dicts.sentence_discards
    # Dated roles: Kibaki is an elite until he takes office on 30 December 2002.
    kibaki = next(e for e in dicts.actors.entries if e.phrases == ("MWAI KIBAKI",))
    assert kibaki.code_on(date(1995, 1, 1)) == ["KENELI"]
    assert kibaki.code_on(date(2005, 1, 1)) == ["KENGOV"]


@pytest.mark.solo  # bounds wall time: under xdist, runs alone
def test_compiled_form_is_cached_by_content_and_loads_warm_fast(
    dict_dir: Path, tmp_path: Path
) -> None:
    t0 = time.perf_counter()
    cold = load_dictionaries(dict_dir, cache_dir=tmp_path)
    t1 = time.perf_counter()
    warm = load_dictionaries(dict_dir, cache_dir=tmp_path)
    t2 = time.perf_counter()
    cached = list((tmp_path / "dictionaries").glob("*.pickle"))
    assert len(cached) == 1 and len(cached[0].stem) == 64  # SHA-256 of the inputs
    assert warm.verbs.pattern_count == cold.verbs.pattern_count
    assert len(warm.actors.entries) == len(cold.actors.entries)
    assert t2 - t1 < 5.0, f"warm load took {t2 - t1:.1f} s (cold {t1 - t0:.1f} s)"
    # A broken cache file is rebuilt, not trusted.
    cached[0].write_bytes(b"not a pickle")
    again = load_dictionaries(dict_dir, cache_dir=tmp_path)
    assert again.verbs.pattern_count == 4664


def test_missing_files_say_how_to_get_them(tmp_path: Path) -> None:
    (tmp_path / "CAMEO.2.0.txt").write_text("---  X [---]  ---\n")
    with pytest.raises(ConfigError, match="brinkwatch fetch dictionaries") as exc:
        load_dictionaries(tmp_path, cache_dir=tmp_path / "c")
    assert "Phoenix.agents.txt" in str(exc.value) and len(FILES) == 6


def test_hostile_dictionary_ends_in_a_clean_error(dict_dir: Path, tmp_path: Path) -> None:
    for name in FILES:
        (tmp_path / name).write_bytes((dict_dir / name).read_bytes())
    (tmp_path / "CAMEO.2.0.txt").write_bytes(b"---  X [---]  ---\nX\n- * Y\x00 [010]\n")
    with pytest.raises(LexiconError, match="NUL") as exc:
        load_dictionaries(tmp_path, cache_dir=tmp_path / "c")
    assert exc.value.path == "CAMEO.2.0.txt" and exc.value.line == 3


# ---------------------------------------------------------------------- coding with them


def _triples(coder: Coder, text: str, day: date = date(2018, 5, 2)) -> list[tuple[str, str, str]]:
    return [(e.source.code, e.target.code, e.code) for e in coder.code(text, date=day)]


WIRE = [
    # Arrests by police, with agents ("Kenyan police" -> KENCOP) and actors of the region.
    (
        "Kenyan police arrested two Somali nationals suspected of planning attacks in Nairobi.",
        [("KENCOP", "SOMCVL", "173")],
    ),
    ("Police in Kenya detained three Tanzanian traders, officials said.",
     [("KENCOP", "TZABUS", "173")]),
    ("Kenyan police arrested a Ugandan activist at the border.", [("KENCOP", "UGAOPP", "173")]),
    # Courts jailing and issuing warrants ("the Supreme Court of Pakistan" -> PAKJUD).
    ("The Supreme Court of Pakistan jailed an Indian fisherman for espionage.",
     [("PAKJUD", "INDAGR", "173")]),
    ("A Turkish court issued arrest warrants for 12 Syrian opposition activists.",
     [("TURJUD", "SYROPP", "173")]),
    ("An Egyptian court jailed a Qatari journalist for three years.",
     [("EGYJUD", "QATMED", "173")]),
    # A state releasing a prisoner.
    ("Iran released a detained British journalist on Monday.", [("IRN", "GBRMED", "084")]),
    ("North Korea released an American student it had held for 17 months.",
     [("PRK", "USAEDU", "084")]),
    ("Israel freed a Palestinian prisoner on Sunday.", [("ISR", "PSE", "0841")]),
    # A general offering military support on a visit.
    (
        "Visiting Kabul, the Pakistani army chief offered military assistance to Afghanistan.",
        [("PAKMIL", "AFGGOV", "042"), ("PAKMIL", "AFG", "033")],
    ),
    # Discarded: sport.
    ("Manchester United beat Chelsea in the third round of the FA Cup.", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "gold"), WIRE)
def test_wire_sentences_code_with_the_dictionaries(
    dcoder: Coder, text: str, gold: list[tuple[str, str, str]]
) -> None:
    assert _triples(dcoder, text) == gold


def test_the_dictionaries_are_what_codes_them(dcoder: Coder, coder: Coder) -> None:
    with_d = sum(_triples(dcoder, t) == g for t, g in WIRE if g)
    without = sum(_triples(coder, t) == g for t, g in WIRE if g)
    assert with_d == 10 and without <= 2


def test_dated_leaders_and_the_lexicon_the_coder_names(dcoder: Coder) -> None:
    text = "Mwai Kibaki criticized Uganda over the border dispute."
    assert _triples(dcoder, text, date(1995, 1, 1)) == [("KENELI", "UGA", "111")]
    assert _triples(dcoder, text, date(2005, 6, 1)) == [("KENGOV", "UGA", "111")]
    ev = dcoder.code("A Turkish court issued arrest warrants for Syrian opposition activists.")
    assert ev[0].rule == "cameo2:issue:6323"  # the CAMEO.2.0 line that fired
    assert ev[0].lexicon == dcoder.lexicon_name
    assert dcoder.lexicon_name.startswith("brinkwatch lexicon, then CAMEO.2.0 + Phoenix (")
    assert dcoder.lexicon_name.endswith("4664 verb patterns")
    assert Coder().lexicon_name == "brinkwatch lexicon"


def test_own_lexicon_wins_where_it_fits(dcoder: Coder) -> None:
    # CAMEO.2.0 reads "decided" (030) and "approved" (080); ours codes what they govern.
    assert _triples(
        dcoder, "South Korea decided to terminate the intelligence-sharing pact with Japan.",
        date(2019, 8, 22),
    ) == [("KOR", "JPN", "161")]  # fmt: skip
    # Discards guard the dictionary only: a current event beside "World War II" stands.
    assert _triples(
        dcoder,
        "South Korea's Supreme Court ordered Nippon Steel to compensate four South Koreans "
        "who were forced to work at its mills during World War II.",
        date(2018, 10, 30),
    ) == [("KORJUD", "JPNBUS", "100")]


def test_development_set_scores_hold_with_the_dictionaries(dcoder: Coder, coder: Coder) -> None:
    recs = parse_validation_records((FIXTURES / "jpn-kor-usa.records.xml").read_text())
    own, both = evaluate(coder, recs), evaluate(dcoder, recs)
    for m in ("triple", "dyad", "root"):
        assert both.precision(m) >= own.precision(m), m
        assert both.recall(m) >= own.recall(m), m


def test_slots_bind_source_and_target_and_null_codes_drop(coder: Coder) -> None:
    verbs = parse_verbs(
        "---  DRAW   [---]  ---\nDRAW {DRAWS DREW DRAWN}\n"
        "- * RESENTMENT (FROM $)   [110]\n- * RESENTMENT [---]\n",
        source="draw.txt",
    )
    own = Coder(nlp=coder.nlp)
    d = Dictionaries(verbs, own._ready()[3], {}, frozenset(), frozenset(), "draw.txt")
    c = Coder(nlp=coder.nlp, dictionaries=d)
    # "$" after "from": South Korea is the source, the subject the target.
    assert _triples(c, "Japan drew resentment from South Korea.") == [("KOR", "JPN", "110")]
    assert _triples(c, "Japan drew resentment toward South Korea.") == []  # [---]
    assert _triples(c, "Japan drew a map of South Korea.") == []  # no pattern, no own code
    assert _triples(own, "Japan drew resentment from South Korea.") == []


def test_shared_pattern_with_source_and_target_slots(dcoder: Coder) -> None:
    # "- $ TROOP * TOWARD +  [154]" (CAMEO.2.0.txt line 2449, block MOVE).
    ev = dcoder.code("Indian troops moved toward Pakistan.", date=date(2018, 1, 1))
    assert [(e.source.code, e.target.code, e.code, e.rule) for e in ev] == [
        ("INDMIL", "PAK", "154", "cameo2:move:2449")
    ]

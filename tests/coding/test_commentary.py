"""Commentary rules: the authors' voice, hedges and conditions, reciprocal phrasings,
coordinated actors and acts named through their means ("retaliated by restricting ...").

Every rule is checked with our lexicon alone and with the standard CAMEO dictionaries loaded
(when the shared copies exist), on sentences written in the style of think-tank commentary
and wire news, including sentences that must still code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brinkwatch.coding import Coder
from brinkwatch.coding._commentary import context_pair
from brinkwatch.ingest.dictionaries import load_dictionaries

Triple = tuple[str, str, str]
_DAY = date(2019, 8, 2)
# A first sentence that names the two countries, as a commentary's opening would.
_CONTEXT = "Japan tightened export controls on South Korea in July. "
_CONTEXT_EVENT = ("JPN", "KOR", "163")


@pytest.fixture(scope="module", params=["own lexicon", "with dictionaries"])
def dcoder(
    request: pytest.FixtureRequest, coder: Coder, tmp_path_factory: pytest.TempPathFactory
) -> Coder:
    if request.param == "own lexicon":
        return coder
    shared: Path = request.getfixturevalue("shared_data")
    dicts = load_dictionaries(
        shared / "coder" / "petrarch2-dictionaries", cache_dir=tmp_path_factory.mktemp("cache")
    )
    coder.code("Warm up.")
    return Coder(dictionaries=dicts, nlp=coder.nlp)


def triples(coder: Coder, text: str) -> set[Triple]:
    return {(e.source.code, e.target.code, e.code) for e in coder.code(text, date=_DAY)}


# ---------------------------------------------------------------------- the authors' voice


@pytest.mark.parametrize(
    "text",
    [
        "On our recent visits to Seoul and Tokyo, we witnessed deep frustration on both sides.",
        "We met Japanese and South Korean diplomats in Seoul.",
        "Our delegation visited Tokyo and met Japanese diplomats.",
        "I spoke with the South Korean foreign minister in June.",
        "Japanese officials told us that they would not back down.",
    ],
)
def test_the_authors_first_person_codes_nothing(dcoder: Coder, text: str) -> None:
    assert triples(dcoder, text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "On our recent visits to Seoul and Tokyo, we met officials from Japan and South Korea.",
        "We met South Korean officials in Seoul last month.",
        "We toured Seoul and Tokyo in the spring.",
    ],
)
def test_the_authors_are_not_the_last_state_named(dcoder: Coder, text: str) -> None:
    # Without the rule "we" fell back to the previous sentence's subject (Japan).
    assert triples(dcoder, _CONTEXT + text) == {_CONTEXT_EVENT}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'We will retaliate against Seoul,' the Japanese trade minister said.",
         {("JPNGOV", "KORGOV", "131")}),
        ('"We will file a complaint against Japan at the WTO," South Korea\'s trade minister '
         "said.", {("KORGOV", "JPN", "115")}),
        ('"We have decided to end GSOMIA," a senior South Korean official said.',
         {("KORGOV", "JPN", "161")}),
        ("In my view, Japan criticized South Korea too harshly.", {("JPN", "KOR", "111")}),
    ],
)  # fmt: skip
def test_a_quoted_officials_we_is_the_officials_state(
    dcoder: Coder, text: str, expected: set[Triple]
) -> None:
    assert triples(dcoder, text) == expected


# ---------------------------------------------------------------------- hedges and conditions


@pytest.mark.parametrize(
    "text",
    [
        "Japan could impose further sanctions on South Korea.",
        "Seoul might boycott the meeting with Tokyo.",
        "Japan may impose new sanctions on North Korea.",
        "If Seoul ends the pact, Washington would criticize South Korea.",
        "Japan would retaliate if South Korea seized Japanese assets.",
    ],
)
def test_the_authors_guesses_and_conditions_code_nothing(dcoder: Coder, text: str) -> None:
    assert triples(dcoder, text) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Deliberation is an intent; leaving a pact is conflictual, so a threat (1313).
        ("Seoul is weighing withdrawal from GSOMIA.", {("KORGOV", "JPN", "1313")}),
        ("South Korea is weighing withdrawal from the intelligence-sharing pact with Japan.",
         {("KOR", "JPN", "1313")}),
        ("South Korea announced its withdrawal from GSOMIA.", {("KOR", "JPN", "161")}),
        # An actor's own "could" and "will" are its stated intent.
        ("Japan said it could impose further sanctions on South Korea.",
         {("JPN", "KOR", "1312")}),
        ("Japan will impose new sanctions on North Korea.", {("JPN", "PRK", "1312")}),
        # The threat is coded against the condition's actor; the condition itself is not.
        ("Japan threatened to retaliate if South Korea seized Japanese assets.",
         {("JPN", "KOR", "131")}),
        ("Seoul will end the pact unless Tokyo lifts the export curbs.",
         {("KORGOV", "JPNGOV", "1313")}),
    ],
)  # fmt: skip
def test_intent_threats_and_plain_events_still_code(
    dcoder: Coder, text: str, expected: set[Triple]
) -> None:
    assert triples(dcoder, text) == expected


def test_a_hedged_event_is_flagged_as_intended(dcoder: Coder) -> None:
    (ev,) = dcoder.code("Seoul is weighing withdrawal from GSOMIA.", date=_DAY)
    assert ev.intended and ev.rule == "n-withdrawal+intent"


# ---------------------------------------------------------------------- reciprocal phrasings


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Both governments exchanged accusations at the WTO.", "112"),
        ("Both governments accused each other of bad faith.", "112"),
        ("The two countries accused one another of lying.", "112"),
    ],
)
def test_both_and_two_take_the_two_countries_of_the_context(
    dcoder: Coder, text: str, code: str
) -> None:
    got = triples(dcoder, _CONTEXT + text) - {_CONTEXT_EVENT}
    kind = "" if "countries" in text else "GOV"
    assert got == {("JPN" + kind, "KOR" + kind, code), ("KOR" + kind, "JPN" + kind, code)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Japan and South Korea exchanged accusations over the export curbs.",
         {("JPN", "KOR", "112"), ("KOR", "JPN", "112")}),
        ("Tokyo and Seoul accused each other of violating the 1965 treaty.",
         {("JPNGOV", "KORGOV", "1123"), ("KORGOV", "JPNGOV", "1123")}),
        ("The two capitals traded protests over the ruling.", set()),  # no context: no pair
        # Exchanging intelligence is cooperation with each other about a third party.
        ("Japan and South Korea exchanged intelligence on North Korean missiles.",
         {("JPN", "PRK", "064"), ("KOR", "PRK", "064")}),
    ],
)  # fmt: skip
def test_reciprocal_phrasings_give_both_directions(
    dcoder: Coder, text: str, expected: set[Triple]
) -> None:
    assert triples(dcoder, text) == expected


def test_traded_protests_in_context(dcoder: Coder) -> None:
    got = triples(dcoder, _CONTEXT + "The two capitals traded protests over the ruling.")
    assert got == {_CONTEXT_EVENT, ("JPNGOV", "KORGOV", "114"), ("KORGOV", "JPNGOV", "114")}


def test_context_pair_takes_the_two_latest_distinct_countries() -> None:
    got = context_pair(["USA", "JPN", "KOR", "JPN"], "GOV")
    assert [a.code for a in got] == ["KORGOV", "JPNGOV"]
    assert context_pair(["JPN", "JPN"], "") == []


# ---------------------------------------------------------------------- coordination


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The US envoy toured Seoul and Tokyo.",
         {("USAGOV", "KORGOV", "042"), ("USAGOV", "JPNGOV", "042")}),
        ("The US envoy visited Japan and South Korea.",
         {("USAGOV", "JPN", "042"), ("USAGOV", "KOR", "042")}),
        ("Esper traveled to Seoul and Tokyo last week.",
         {("USAGOV", "KORGOV", "042"), ("USAGOV", "JPNGOV", "042")}),
        ("Japan and China criticized South Korea and the United States.",
         {("JPN", "KOR", "111"), ("JPN", "USA", "111"), ("CHN", "KOR", "111"),
          ("CHN", "USA", "111")}),
    ],
)  # fmt: skip
def test_coordinated_targets_and_sources_give_one_event_each(
    dcoder: Coder, text: str, expected: set[Triple]
) -> None:
    assert triples(dcoder, text) == expected


def test_meeting_the_leaders_of_two_countries(dcoder: Coder) -> None:
    got = triples(dcoder, "Pompeo met the leaders of Japan and South Korea.")
    assert {("USAGOV", "JPNGOV", "040"), ("USAGOV", "KORGOV", "040")} <= got


# ---------------------------------------------------------------------- means clauses


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tokyo retaliated against Seoul by restricting exports of three chemicals.",
         {("JPNGOV", "KORGOV", "163")}),
        ("Japan has retaliated by restricting exports of chemicals to South Korea.",
         {("JPN", "KOR", "163")}),
        ("Seoul retaliated by boycotting Japanese beer.", {("KORGOV", "JPN", "163")}),
        ("Japan retaliated against South Korea by removing it from its white list.",
         {("JPN", "KOR", "163")}),
        # With no by-clause the retaliation stands as it is.
        ("Tokyo retaliated against Seoul.", {("JPNGOV", "KORGOV", "160")}),
    ],
)  # fmt: skip
def test_retaliation_by_a_means_codes_the_means(
    dcoder: Coder, text: str, expected: set[Triple]
) -> None:
    assert triples(dcoder, text) == expected

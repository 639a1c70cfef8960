"""One dyad grammar: every accepted spelling, the label round trip, and clean refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brinkwatch.codebook import Actor, Dyad, split_label
from brinkwatch.errors import ConfigError
from tests.strategies import dyads


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [
        ("JPN-KOR", Actor("JPN"), Actor("KOR")),
        ("jpn - kor", Actor("JPN"), Actor("KOR")),
        ("JPN->KOR", Actor("JPN"), Actor("KOR")),
        ("JPN:GOV-KOR:GOV", Actor("JPN", ("GOV",)), Actor("KOR", ("GOV",))),
        ("usa:gov+mil->prk", Actor("USA", ("GOV", "MIL")), Actor("PRK")),
        ("Japan-South Korea", Actor("JPN"), Actor("KOR")),
    ],
)
def test_every_spelling_of_the_grammar_parses(text: str, source: Actor, target: Actor) -> None:
    d = Dyad.parse(text)
    assert (d.source, d.target) == (source, target)
    assert d.label == f"{source}->{target}" and d.name == f"{source}-{target}"


@given(dyads())
def test_label_and_name_parse_back_to_the_same_dyad(d: Dyad) -> None:
    assert Dyad.parse(d.label) == d
    assert Dyad.parse(d.name) == d
    assert split_label(d.label) == (str(d.source), str(d.target))
    assert d.reversed().reversed() == d
    assert d.pairs() == [(d.source, d.target), (d.target, d.source)]
    assert d.pairs(directed=True) == [(d.source, d.target)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("JPN", "two country codes"),
        ("JPN-KOR-USA", "two country codes"),
        ("JPN-", "two country codes"),
        ("JPN-XXX", "'XXX' is not a CAMEO country code"),
        ("JPN:FOO-KOR", "'FOO' is not a CAMEO actor type"),
        ("JPN-JPN", "two different countries"),
        ("JPN:GOV->jpn:MIL", "two different countries"),
        ("jpn-kor;drop", "'kor;drop' is not"),
        ("JPN-KOR\x00", "is not a CAMEO country code"),
        ("\ufeffJPN-" + "K" * 10_000, "two country codes"),
    ],
)
def test_bad_dyads_are_config_errors_naming_the_parameter(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        Dyad.parse(text)
    assert exc.value.field == "dyad" and message in exc.value.message
    assert len(str(exc.value)) < 400  # hostile input is not echoed at length


@given(st.text(max_size=60))
def test_any_text_parses_or_is_a_config_error(text: str) -> None:
    try:
        d = Dyad.parse(text)
    except ConfigError as exc:
        assert exc.field == "dyad"
    else:
        assert Dyad.parse(d.label) == d


def test_a_dyad_cannot_be_built_within_one_country() -> None:
    with pytest.raises(ConfigError, match="two different countries"):
        Dyad(Actor("JPN", ("GOV",)), Actor("JPN", ("MIL",)))


def test_types_apply_to_both_actors() -> None:
    d = Dyad.parse("JPN-KOR").with_types(("gov", "mil"))
    assert d.label == "JPN:GOV+MIL->KOR:GOV+MIL"
    assert Dyad.parse("JPN-KOR").with_types(None) == Dyad.parse("JPN-KOR")

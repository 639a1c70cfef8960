"""Dates in the text date the events they belong to (issue 17 point 3, issue 20 item 3)."""

from __future__ import annotations

from datetime import date

import pytest

from brinkwatch.coding import Coder, events_to_table
from brinkwatch.coding._dates import find_dates, resolve_phrase

# A Friday, during the GSOMIA countdown.
DOC = date(2019, 11, 22)


def _dated(
    coder: Coder, text: str, day: date | None = DOC
) -> list[tuple[str, str, str, date | None, str]]:
    return [
        (e.source.code, e.target.code, e.code, e.event_date, e.date_phrase)
        for e in coder.code(text, date=day)
    ]


@pytest.mark.parametrize(
    ("text", "when", "phrase"),
    [
        # A yearless date in past-tense reporting is the last such day before the text.
        (
            "Shinzo Abe met Moon Jae-in on 24 December in Chengdu.",
            date(2018, 12, 24),
            "24 December",
        ),
        ("Japan protested to South Korea on Wednesday.", date(2019, 11, 20), "Wednesday"),
        ("South Korean lawmakers visited Tokyo last weekend.", date(2019, 11, 16), "last weekend"),
        (
            "Tokyo criticized Seoul yesterday over the wartime labour rulings.",
            date(2019, 11, 21),
            "yesterday",
        ),
        (
            "Japan imposed export restrictions on South Korea on 3 July 2019.",
            date(2019, 7, 3),
            "3 July 2019",
        ),
        (
            "Seoul accused Tokyo of economic retaliation earlier this month.",
            date(2019, 11, 1),
            "earlier this month",
        ),
        ("On Friday, Japan protested to South Korea.", DOC, "Friday"),
        ("Japan protested to South Korea on July 4, 2019.", date(2019, 7, 4), "July 4, 2019"),
    ],
)
def test_date_phrases_date_the_event(coder: Coder, text: str, when: date, phrase: str) -> None:
    got = _dated(coder, text)
    assert got, text
    assert {(d, p) for *_, d, p in got} == {(when, phrase)}


def test_sentence_without_a_date_keeps_the_documents(coder: Coder) -> None:
    got = _dated(coder, "Japan protested to South Korea over the ruling.")
    assert got and all(d == DOC and p == "" for *_, d, p in got)


def test_each_sentence_is_dated_by_its_own_phrase(coder: Coder) -> None:
    text = (
        "Japan imposed export restrictions on South Korea on 4 July 2019. "
        "Seoul protested to Tokyo yesterday. Japan criticized South Korea."
    )
    got = {(c, d, p) for _, _, c, d, p in _dated(coder, text)}
    assert ("163", date(2019, 7, 4), "4 July 2019") in got
    assert ("111", DOC, "") in got
    assert any(d == date(2019, 11, 21) and p == "yesterday" for _, d, p in got)


def test_intent_is_dated_when_stated_not_when_planned(coder: Coder) -> None:
    # "will meet on 24 December" names the plan's date; the intent was stated on the text's date.
    planned = _dated(coder, "Shinzo Abe will meet Moon Jae-in on 24 December in Chengdu.")
    assert planned and all(c.startswith("03") and d == DOC and p == "" for _, _, c, d, p in planned)
    # "threatened on Tuesday" dates the threat itself.
    stated = _dated(coder, "Seoul threatened on Tuesday to end its military pact with Tokyo.")
    assert stated and all(d == date(2019, 11, 19) and p == "Tuesday" for *_, d, p in stated)


def test_a_date_after_the_text_does_not_date_a_reported_event(coder: Coder) -> None:
    got = _dated(coder, "Japan imposed export restrictions on South Korea on 3 July 2020.")
    assert got and all(d == DOC and p == "" for *_, d, p in got)


def test_without_a_text_date_only_phrases_with_a_year_resolve(coder: Coder) -> None:
    assert {d for *_, d, _ in _dated(coder, "Japan protested to South Korea yesterday.", None)} == {
        None
    }
    got = _dated(coder, "Japan protested to South Korea on 4 July 2019.", None)
    assert {(d, p) for *_, d, p in got} == {(date(2019, 7, 4), "4 July 2019")}


def test_events_table_carries_the_date_phrase(coder: Coder) -> None:
    table = events_to_table(coder.code("Tokyo criticized Seoul yesterday.", date=DOC))
    rows = table.to_pylist()
    assert rows and rows[0]["date_phrase"] == "yesterday"
    assert rows[0]["event_date"] == date(2019, 11, 21)


def test_find_dates_skips_modal_may_and_bare_month_names() -> None:
    assert find_dates("Seoul may retaliate in March, officials said.") == []
    assert [p.text for p in find_dates("Talks resumed on May 5 and again last week.")] == [
        "May 5",
        "last week",
    ]


def test_resolve_phrase_rules() -> None:
    assert resolve_phrase("the day before yesterday", DOC) == date(2019, 11, 20)
    assert resolve_phrase("two days ago", DOC) == date(2019, 11, 20)
    assert resolve_phrase("last weekend", date(2019, 11, 25)) == date(2019, 11, 23)  # a Monday
    assert resolve_phrase("earlier this week", DOC) == date(2019, 11, 18)
    assert resolve_phrase("Monday", DOC, "future") == date(2019, 11, 25)
    assert resolve_phrase("24 December", None) is None
    assert resolve_phrase("gibberish", DOC) is None

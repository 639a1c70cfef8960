"""Date phrases in a text ("on 24 December", "yesterday"), resolved against the text's date.

A regular expression finds the candidate phrases (so that "may" the verb or a stray number
is never a date); ``dateparser`` resolves most of them against the document date with a fixed,
time-zone-free setup, and the few it does not read ("last weekend", "earlier this month") are
resolved here. ``docs/coding.md`` states the rules.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

__all__ = ["DatePhrase", "find_dates", "resolve_phrase"]

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_NUM = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"

# Longest alternatives first: "3 July 2019" before "3 July".
_PATTERN = re.compile(
    r"\b(?:"
    rf"{_YEAR}-\d\d-\d\d"
    rf"|{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+{_YEAR})?"
    rf"|(?:{_MONTHS})\.?\s+{_DAY}(?:,?\s+{_YEAR})?(?!\d)"
    rf"|(?:{_MONTHS})\.?\s+{_YEAR}"
    r"|the\s+day\s+before\s+yesterday|yesterday|today"
    r"|earlier\s+this\s+(?:week|month|year)|earlier\s+today"
    r"|last\s+(?:weekend|week|month)|this\s+week"
    rf"|{_NUM}\s+(?:days?|weeks?)\s+ago"
    rf"|(?:last\s+|this\s+past\s+|on\s+)?(?:{'|'.join(_WEEKDAYS)})"
    r")\b",
    re.IGNORECASE,
)

Prefer = Literal["past", "future"]


@dataclass(frozen=True)
class DatePhrase:
    """A date phrase found in a text.

    Attributes
    ----------
    text
        The phrase as written ("24 December", "last weekend").
    start, end
        Character offsets in the text searched.
    has_year
        Whether the phrase names its year (then it needs no document date).
    """

    text: str
    start: int
    end: int
    has_year: bool


def find_dates(text: str) -> list[DatePhrase]:
    """Find the date phrases of ``text``, in text order.

    Examples
    --------
    >>> [p.text for p in find_dates("Abe met Moon on 24 December; Japan protested yesterday.")]
    ['24 December', 'yesterday']
    >>> find_dates("Seoul may retaliate in March.")
    []
    """
    out = []
    for m in _PATTERN.finditer(text):
        phrase = m.group(0)
        start = m.start()
        if phrase.lower().startswith("on "):
            start += 3
            phrase = phrase[3:]
        out.append(DatePhrase(phrase, start, m.end(), re.search(_YEAR, phrase) is not None))
    return out


def resolve_phrase(phrase: str, day: date | None, prefer: Prefer = "past") -> date | None:
    """Return the date ``phrase`` names, read against the document date ``day``.

    Parameters
    ----------
    phrase
        A phrase from :func:`find_dates`.
    day
        The document's date; without it only phrases that name their year resolve.
    prefer
        ``"past"`` for events reported as done (a yearless "24 December" in a November
        document is the last one), ``"future"`` for intended or threatened ones.

    Returns
    -------
    datetime.date or None
        ``None`` when the phrase cannot be resolved.

    Examples
    --------
    >>> resolve_phrase("24 December", date(2019, 11, 22))
    datetime.date(2018, 12, 24)
    >>> resolve_phrase("24 December", date(2019, 11, 22), "future")
    datetime.date(2019, 12, 24)
    >>> resolve_phrase("last weekend", date(2019, 11, 22))
    datetime.date(2019, 11, 16)
    """
    return _resolve(" ".join(phrase.lower().split()), day, prefer)


@functools.lru_cache(maxsize=4096)
def _resolve(p: str, day: date | None, prefer: Prefer) -> date | None:
    if day is None:
        if re.search(_YEAR, p) is None:
            return None
        day = date(2000, 1, 1)  # any base: the phrase names its year
    if p == "last weekend":
        # The Saturday of the most recent weekend that ended before this week began.
        return day - timedelta(days=day.weekday() + 2)
    if p.startswith("earlier this "):
        unit = p.rsplit(" ", 1)[1]
        if unit == "week":
            return day - timedelta(days=day.weekday())
        if unit == "month":
            return day.replace(day=1)
        return day.replace(month=1, day=1)
    if p == "earlier today":
        return day
    weekday = p.rsplit(" ", 1)[-1]
    if weekday in _WEEKDAYS and not p.startswith("last "):
        # "On Friday" in a Friday report is that day; otherwise the nearest such day.
        gap = (_WEEKDAYS.index(weekday) - day.weekday()) % 7
        if gap == 0:
            return day
        return day + timedelta(days=gap) if prefer == "future" else day - timedelta(days=7 - gap)
    return _dateparser(p, day, prefer)


def _dateparser(p: str, day: date, prefer: Prefer) -> date | None:
    import dateparser

    settings = {
        "RELATIVE_BASE": datetime(day.year, day.month, day.day),
        "PREFER_DATES_FROM": prefer,
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    got = dateparser.parse(p, languages=["en"], settings=settings)
    return None if got is None else got.date()

"""Dates mentioned in free text, and the scenario texts that cite events after a cutoff.

A scenario's reasons are prose, so the information cutoff is checked by finding the dates they
mention: ISO dates (2019-11-22), day-month-year (22 November 2019, November 22, 2019),
month-year (November 2019), years (in 2023), and day-month or month without a year, which take
the year of the cutoff (a scenario's reasons are written about its own season). Each mention
covers a span of days: one day, a month or a year. A mention is *after* the cutoff only when its
whole span is: "July 2019" against 31 July 2019 is not, "August 2019" is. This errs towards
letting a vague mention through, never towards flagging what could have been known.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from brinkwatch.simulate._scenario_types import Citation

__all__ = ["DateMention", "PostCutoff", "find_dates", "post_cutoff"]

_MONTHS = {
    name: i
    for i in range(1, 13)
    for name in (calendar.month_name[i].lower(), calendar.month_abbr[i].lower())
}
_MONTHS["sept"] = 9
_MON = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:\s*[-\u2013]\s*\d{1,2})?"
# Most specific first; a later pattern never matches inside an earlier match.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx, re.IGNORECASE))
    for kind, rx in (
        ("day", r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
        ("day", rf"\b{_DAY}\s+{_MON}\s*,?\s+{_YEAR}\b"),
        ("day", rf"\b{_MON}\s+{_DAY}\s*,?\s+{_YEAR}\b"),
        ("month", rf"\b{_MON}\s*,?\s+{_YEAR}\b"),
        ("day", rf"\b{_DAY}\s+{_MON}(?![a-z])"),
        ("day", rf"\b{_MON}\s+{_DAY}\b(?!\s*(?:%|per|million|days|years))"),
        ("year", rf"\b{_YEAR}\b"),
        # A month alone: full names only, and "May" only after a preposition (else a verb).
        (
            "month",
            r"\b(?P<mon>january|february|march|april|june|july|august|september|october"
            r"|november|december)\b|\b(?:in|by|from|since|until|of|early|late|mid)[\s-]+"
            r"(?P<mon2>may)\b",
        ),
    )
)


@dataclass(frozen=True)
class DateMention:
    """A date mentioned in a text and the days it may mean (``first`` .. ``last``)."""

    text: str
    first: date
    last: date


def _span(kind: str, m: re.Match[str], default_year: int | None) -> tuple[date, date] | None:
    g = m.groupdict()
    year = int(g["year"]) if g.get("year") else default_year
    if year is None:
        return None
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    mon_name = (g.get("mon") or g.get("mon2") or "").lower()
    month = int(g["mnum"]) if g.get("mnum") else _MONTHS.get(mon_name, 0)
    if not 1 <= month <= 12:
        return None
    if kind == "month":
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    try:
        d = date(year, month, int(g["day"]))
    except ValueError:  # 31 June or 2019-13-40: not a date
        return None
    return d, d


def find_dates(text: str, *, default_year: int | None = None) -> list[DateMention]:
    """Return the dates mentioned in ``text``, in order, each with the span of days it covers.

    Parameters
    ----------
    text
        Free text, e.g. an assumption's reason.
    default_year
        Year given to a day-month or a month without one ("12 August"); None ignores them.

    Examples
    --------
    >>> [(m.text, str(m.first), str(m.last)) for m in find_dates("Suspended in November 2019.")]
    [('November 2019', '2019-11-01', '2019-11-30')]
    >>> [str(m.first) for m in find_dates("on 22 Nov. 2019, 2023-03-16 and in 2023")]
    ['2019-11-22', '2023-03-16', '2023-01-01']
    """
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, DateMention]] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(text):
            a, b = m.span()
            if any(a < e and s < b for s, e in taken):
                continue
            # An impossible date (31 June 2019) is not read again as "June 2019" either.
            taken.append((a, b))
            span = _span(kind, m, default_year)
            if span is None:
                continue
            found.append((a, DateMention(m.group(0).strip(), span[0], span[1])))
    return [d for _, d in sorted(found, key=lambda x: x[0])]


@dataclass(frozen=True)
class PostCutoff:
    """A scenario text that mentions a date wholly after the cutoff."""

    field: str
    line: int | None
    text: str
    mentions: tuple[DateMention, ...]


def post_cutoff(citations: Iterable[Citation], cutoff: date) -> list[PostCutoff]:
    """Return the texts (reasons, descriptions, notes) that mention a date after ``cutoff``.

    Day-months and months without a year take the cutoff's year. Only mentions whose whole span
    lies after the cutoff count (see the module docstring).

    Examples
    --------
    >>> c = [Citation("x.reason", 3, "Suspended in November 2019."), Citation("y", 4, "July 2019")]
    >>> [(p.field, p.line) for p in post_cutoff(c, date(2019, 7, 31))]
    [('x.reason', 3)]
    """
    out = []
    for c in citations:
        late = tuple(m for m in find_dates(c.text, default_year=cutoff.year) if m.first > cutoff)
        if late:
            out.append(PostCutoff(c.field, c.line, c.text, late))
    return out

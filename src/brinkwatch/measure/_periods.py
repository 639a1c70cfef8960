"""Periods (day, week, month) as Ibis expressions and as explicit calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["Freq", "Weight", "calendar", "in_window", "period_of", "period_start"]


class Freq(StrEnum):
    """Aggregation frequency; weeks start on Monday (ISO), months on the 1st."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Weight(StrEnum):
    """How each event counts: once, or by its number of mentions (GDELT)."""

    NONE = "none"
    MENTIONS = "mentions"


def in_window(
    events: ir.Table,
    *,
    start: date | None = None,
    end: date | None = None,
    origins: Sequence[str] | None = None,
) -> ir.Table:
    """Keep the events of a date range (inclusive) and of the given origins.

    Raises
    ------
    ConfigError
        If ``start`` is after ``end``.
    """
    if start is not None and end is not None and start > end:
        raise ConfigError(
            f"the window starts {start}, after it ends {end}; swap them", field="start"
        )
    e = events
    if origins:
        e = e.filter(e.origin.isin(list(origins)))
    if start is not None:
        e = e.filter(e.event_date >= start)
    if end is not None:
        e = e.filter(e.event_date <= end)
    return e


def period_of(d: ir.DateValue, freq: Freq) -> ir.DateValue:
    """Return the first day of the period containing each date, as an Ibis expression."""
    if freq is Freq.DAY:
        return d
    return d.truncate("W" if freq is Freq.WEEK else "M")


def period_start(d: date, freq: Freq) -> date:
    """Return the first day of the period containing ``d``.

    Examples
    --------
    >>> period_start(date(2019, 7, 4), Freq.WEEK)
    datetime.date(2019, 7, 1)
    """
    if freq is Freq.DAY:
        return d
    if freq is Freq.WEEK:
        return d - timedelta(days=d.weekday())
    return d.replace(day=1)


def _next(d: date, freq: Freq) -> date:
    if freq is Freq.DAY:
        return d + timedelta(days=1)
    if freq is Freq.WEEK:
        return d + timedelta(days=7)
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def calendar(start: date, end: date, freq: Freq) -> list[date]:
    """List the first days of every period from ``start`` to ``end`` inclusive.

    Raises
    ------
    ConfigError
        If ``start`` is after ``end`` or the range holds more than 100,000 periods.

    Examples
    --------
    >>> calendar(date(2019, 1, 15), date(2019, 3, 2), Freq.MONTH)
    [datetime.date(2019, 1, 1), datetime.date(2019, 2, 1), datetime.date(2019, 3, 1)]
    """
    if start > end:
        raise ConfigError(
            f"the window starts {start}, after it ends {end}; swap them", field="start"
        )
    out = []
    d = period_start(start, freq)
    while d <= end:
        out.append(d)
        if len(out) > 100_000:
            raise ConfigError(
                f"{start}..{end} holds more than 100,000 {freq.value}s; use a coarser frequency",
                field="freq",
            )
        d = _next(d, freq)
    return out

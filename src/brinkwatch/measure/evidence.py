"""The events behind each bar or point of a directed dyad's series, strongest stories first.

The dashboard's hover and click-through read these: for every period of a window, the stories
of ``A->B`` ranked by sources and mentions as alarm evidence is (:class:`Evidence`), so a bar
shows the events it counts without a query of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from brinkwatch.measure._periods import Freq, in_window, period_of
from brinkwatch.measure.alarms import (
    Evidence,
    _evidence_cols,
    _stories,
    _with_sources,
    _with_story,
)
from brinkwatch.measure.dyads import Actor, ActorScope, _match, parse_actor
from brinkwatch.store import event_sources

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["MAX_ROWS", "top_events", "top_events_by_quad"]

#: Rows read at most per call: a busy GDELT dyad over years would otherwise come whole.
MAX_ROWS = 200_000


def top_events(
    events: ir.Table,
    a: Actor | str,
    b: Actor | str,
    *,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    n: int = 3,
    origins: Sequence[str] | None = None,
    actors: ActorScope = "state",
) -> dict[date, list[Evidence]]:
    """Return the top ``n`` stories of the directed dyad ``a->b`` in each period of a window.

    Parameters
    ----------
    events
        The canonical events table.
    a, b
        Source and target actor (text such as ``"JPN"`` or ``"KOR:GOV"`` is parsed).
    freq, start, end, origins, actors
        As for :func:`~brinkwatch.measure.dyads.dyad_series`.
    n
        Stories kept per period, ranked by sources, then mentions, then Goldstein.

    Returns
    -------
    dict of date to list of Evidence
        Period start -> its strongest stories; periods without events are absent.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> top = top_events(example().events, "JPN", "KOR", freq="month", n=1)
    >>> all(len(v) == 1 for v in top.values()) and len(top) > 0
    True
    """
    by: dict[date, list[dict[str, Any]]] = {}
    for r in _rows(events, a, b, freq, start, end, origins, actors):
        by.setdefault(r["period"], []).append(r)
    return {period: _stories(rs)[:n] for period, rs in sorted(by.items())}


def top_events_by_quad(
    events: ir.Table,
    a: Actor | str,
    b: Actor | str,
    *,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    n: int = 3,
    origins: Sequence[str] | None = None,
    actors: ActorScope = "state",
) -> dict[tuple[date, int], list[Evidence]]:
    """Return the top ``n`` stories of ``a->b`` per period and quad class (1..4).

    As :func:`top_events`, one query, for figures that stack the quad classes.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> top = top_events_by_quad(example().events, "JPN", "KOR", freq="month", n=1)
    >>> sorted({q for _, q in top} - {1, 2, 3, 4})
    []
    """
    by: dict[tuple[date, int], list[dict[str, Any]]] = {}
    for r in _rows(events, a, b, freq, start, end, origins, actors):
        if r["quad_class"] is not None:
            by.setdefault((r["period"], int(r["quad_class"])), []).append(r)
    return {key: _stories(rs)[:n] for key, rs in sorted(by.items())}


def _rows(
    events: ir.Table,
    a: Actor | str,
    b: Actor | str,
    freq: Freq | str,
    start: date | None,
    end: date | None,
    origins: Sequence[str] | None,
    actors: ActorScope,
) -> list[dict[str, Any]]:
    """Rows of ``a->b`` in the window with their story, sources and period."""
    f = Freq(freq)
    s = a if isinstance(a, Actor) else parse_actor(a, field="source")
    t = b if isinstance(b, Actor) else parse_actor(b, field="target")
    has_mentions = event_sources(events) is not None
    e = in_window(events, start=start, end=end, origins=origins)
    p = e.filter(_match(e, s, t, actors))
    p = _with_sources(_with_story(p), has_mentions)
    p = p.mutate(period=period_of(p.event_date, f))
    cols = [*_evidence_cols(has_mentions), "story", "period", "quad_class"]
    out: list[dict[str, Any]] = p.select(*cols).limit(MAX_ROWS).to_pyarrow().to_pylist()
    return out

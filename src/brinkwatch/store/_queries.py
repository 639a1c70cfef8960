"""Read-side queries over the store, returned as Ibis expressions (no execution here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from brinkwatch.codebook import Dyad
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from brinkwatch.codebook import Actor

__all__ = ["select_events"]


def select_events(
    events: ir.Table,
    *,
    dyad: Dyad | tuple[str, str] | None = None,
    directed: bool = False,
    start: date | None = None,
    end: date | None = None,
    roots: Sequence[str] | None = None,
    origins: Sequence[str] | None = None,
) -> ir.Table:
    """Filter canonical events by dyad, date range, CAMEO roots and origin.

    Parameters
    ----------
    events
        The store's ``events`` table.
    dyad
        A :class:`~brinkwatch.codebook.Dyad` (its actor types filter too) or (A, B) country
        codes; events from A to B, and from B to A unless ``directed``.
    directed
        Only A -> B.
    start, end
        Inclusive date bounds.
    roots
        Two-digit CAMEO roots such as ``["16", "17"]``.
    origins
        Keep only these origins.

    Returns
    -------
    ibis.expr.types.Table
        The filtered events ordered by date and origin.

    Raises
    ------
    ConfigError
        If ``start`` is after ``end`` or a root is not 01..20.
    """
    if start is not None and end is not None and start > end:
        raise ConfigError(
            f"the window starts {start}, after it ends {end}; swap them", field="start"
        )
    t = events
    if dyad is not None:
        import ibis

        d = dyad if isinstance(dyad, Dyad) else Dyad.parse(f"{dyad[0]}->{dyad[1]}")
        t = t.filter(ibis.or_(*[_match(t, s, g) for s, g in d.pairs(directed)]))
    if start is not None:
        t = t.filter(t.event_date >= start)
    if end is not None:
        t = t.filter(t.event_date <= end)
    if roots:
        norm = []
        for r in roots:
            r = r.strip().zfill(2)
            if not (r.isdigit() and 1 <= int(r) <= 20):
                raise ConfigError(f"CAMEO roots run from 01 to 20; got {r!r}", field="roots")
            norm.append(r)
        t = t.filter(t.cameo_root.isin(norm))
    if origins:
        t = t.filter(t.origin.isin(list(origins)))
    return t.order_by([t.event_date, t.origin, t.event_id])


def _match(t: ir.Table, s: Actor, g: Actor) -> ir.BooleanValue:
    cond = (t.source_country == s.country) & (t.target_country == g.country)
    if s.types:
        cond &= t.source_type.isin(list(s.types))
    if g.types:
        cond &= t.target_type.isin(list(g.types))
    return cond

"""Read-side queries over the store, returned as Ibis expressions (no execution here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from brinkwatch import codebook
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["parse_dyad", "select_events"]


def parse_dyad(text: str) -> tuple[str, str]:
    """Parse ``"JPN-KOR"`` into two CAMEO country codes, checked against the codebook.

    Parameters
    ----------
    text
        Two country codes (or names) joined by ``-``.

    Returns
    -------
    tuple of str
        The two codes, upper-case.

    Raises
    ------
    ConfigError
        If the text is not two codes joined by ``-`` or a code is unknown.

    Examples
    --------
    >>> parse_dyad("jpn-kor")
    ('JPN', 'KOR')
    """
    parts = [p.strip() for p in text.split("-")]
    if len(parts) != 2 or not all(parts):
        raise ConfigError(
            f"a dyad is two country codes joined by '-', such as JPN-KOR; got {text!r}",
            field="--dyad",
        )
    out = []
    for p in parts:
        code = codebook.country_code(p)
        if code is None:
            raise ConfigError(
                f"'{p}' is not a CAMEO country code or country name; use codes such as JPN, "
                "KOR, USA, CHN, PRK",
                field="--dyad",
            )
        out.append(code)
    return out[0], out[1]


def select_events(
    events: ir.Table,
    *,
    dyad: tuple[str, str] | None = None,
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
        (A, B) country codes; events from A to B, and from B to A unless ``directed``.
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
        raise ConfigError(f"--from {start} is after --to {end}; swap them", field="--from")
    t = events
    if dyad is not None:
        a, b = dyad
        fwd = (t.source_country == a) & (t.target_country == b)
        t = t.filter(fwd if directed else fwd | ((t.source_country == b) & (t.target_country == a)))
    if start is not None:
        t = t.filter(t.event_date >= start)
    if end is not None:
        t = t.filter(t.event_date <= end)
    if roots:
        norm = []
        for r in roots:
            r = r.strip().zfill(2)
            if not (r.isdigit() and 1 <= int(r) <= 20):
                raise ConfigError(f"CAMEO roots run from 01 to 20; got {r!r}", field="--root")
            norm.append(r)
        t = t.filter(t.cameo_root.isin(norm))
    if origins:
        t = t.filter(t.origin.isin(list(origins)))
    return t.order_by([t.event_date, t.origin, t.event_id])

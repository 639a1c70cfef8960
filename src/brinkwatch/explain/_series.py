"""From the long triad table of the measure stage to a wide matrix: one column per directed dyad."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from brinkwatch.codebook import split_label
from brinkwatch.errors import ConfigError

__all__ = ["DyadMatrix", "dyad_matrix", "period_unit", "split_dyad"]


@dataclass(frozen=True)
class DyadMatrix:
    """Directed-dyad series side by side, ready for a VAR.

    Attributes
    ----------
    values
        Array of shape (periods, dyads).
    names
        Dyad labels (``"JPN->KOR"``), one per column.
    periods
        First day of each period, or ``None`` for plain arrays.
    active
        Periods with at least one event, per dyad (non-zero values for plain arrays).
    measure
        The measure the values hold.
    unit
        ``day``, ``week``, ``month`` or ``period``, for sentences such as "after 2 months".
    """

    values: np.ndarray[Any, np.dtype[np.float64]]
    names: tuple[str, ...]
    periods: tuple[date, ...] | None = None
    active: tuple[int, ...] = field(default=())
    measure: str = "value"
    unit: str = "period"


def period_unit(periods: Sequence[date]) -> str:
    """Name the spacing of consecutive periods.

    Examples
    --------
    >>> period_unit([date(2019, 7, 1), date(2019, 8, 1)])
    'month'
    >>> period_unit([date(2019, 7, 1), date(2019, 7, 8)])
    'week'
    """
    if len(periods) < 2:
        return "period"
    gap = (periods[1] - periods[0]).days
    return {1: "day", 7: "week"}.get(gap, "month" if 28 <= gap <= 31 else "period")


def _as_arrow(table: Any) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    if hasattr(table, "to_pyarrow"):
        # An Ibis expression: the backend runs it; no file is opened here.
        out = table.to_pyarrow()
        if isinstance(out, pa.Table):
            return out
    raise ConfigError(
        f"expected the triad table of brinkwatch.measure.triad_series (Ibis or pyarrow), "
        f"got {type(table).__name__}",
        field="table",
    )


def dyad_matrix(table: Any, measure: str = "net_coop") -> DyadMatrix:
    """Pivot a long series table (``dyad``, ``period``, measure) to one column per dyad.

    Periods missing for a dyad, and NULL values (``net_coop`` and ``goldstein_mean`` are NULL in a
    period without events), count as zero: no events, no change in relations.

    Parameters
    ----------
    table
        Output of :func:`brinkwatch.measure.triad_series` (or ``dyad_series``), as an Ibis
        expression or a pyarrow table.
    measure
        Column to use, e.g. ``net_coop`` or ``goldstein_sum``.

    Returns
    -------
    DyadMatrix
        Dyads in order of first appearance, periods sorted.

    Raises
    ------
    ConfigError
        If the table lacks ``dyad``, ``period`` or the measure, or holds no rows.

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = pa.table({"dyad": ["A->B", "B->A", "A->B"],
    ...               "period": [date(2019, 1, 1), date(2019, 1, 1), date(2019, 2, 1)],
    ...               "net_coop": [0.5, -1.0, None]})
    >>> m = dyad_matrix(t)
    >>> m.names, m.values.tolist(), m.unit
    (('A->B', 'B->A'), [[0.5, -1.0], [0.0, 0.0]], 'month')
    """
    t = _as_arrow(table)
    missing = [c for c in ("dyad", "period", measure) if c not in t.column_names]
    if missing:
        raise ConfigError(
            f"the series table has no column {', '.join(missing)}; it has "
            f"{', '.join(t.column_names)}",
            field="measure" if measure in missing else "table",
        )
    if t.num_rows == 0:
        raise ConfigError("the series table is empty: no dyad has any period", field="table")
    dyads = t.column("dyad").to_pylist()
    periods = t.column("period").to_pylist()
    vals = t.column(measure).to_pylist()
    events = t.column("events").to_pylist() if "events" in t.column_names else None
    names = tuple(dict.fromkeys(dyads))
    cal = sorted(set(periods))
    col = {n: i for i, n in enumerate(names)}
    row = {p: i for i, p in enumerate(cal)}
    x = np.zeros((len(cal), len(names)))
    act = np.zeros((len(cal), len(names)), dtype=bool)
    for k in range(len(dyads)):
        i, j = row[periods[k]], col[dyads[k]]
        v = vals[k]
        x[i, j] = float(v) if v is not None else 0.0
        act[i, j] = bool(events[k]) if events is not None else v not in (None, 0)
    return DyadMatrix(
        values=x,
        names=names,
        periods=tuple(cal),
        active=tuple(int(a) for a in act.sum(axis=0)),
        measure=measure,
        unit=period_unit(cal),
    )


def array_matrix(values: Any, names: Sequence[str] | None = None) -> DyadMatrix:
    """Wrap a (periods, series) array, naming columns ``y0, y1, ...`` unless ``names`` are given."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 2:
        raise ConfigError(f"expected a 2-D array (periods, series), got shape {x.shape}", field="X")
    if not np.all(np.isfinite(x)):
        raise ConfigError("the array holds NaN or infinite values; fill them first", field="X")
    nn = tuple(names) if names is not None else tuple(f"y{i}" for i in range(x.shape[1]))
    if len(nn) != x.shape[1] or len(set(nn)) != len(nn):
        raise ConfigError(
            f"names must be {x.shape[1]} distinct labels, got {list(nn)}", field="names"
        )
    return DyadMatrix(values=x, names=nn, active=tuple(int(a) for a in (x != 0).sum(axis=0)))


def split_dyad(name: str) -> tuple[str, str] | None:
    """Split ``"JPN->KOR"`` into ``("JPN", "KOR")``; ``None`` for other names.

    Examples
    --------
    >>> split_dyad("USA:GOV->JPN")
    ('USA:GOV', 'JPN')
    >>> split_dyad("y0") is None
    True
    """
    return split_label(name)

"""Relation index (z-score against a trailing baseline) and "lowest since" comparisons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from brinkwatch.errors import ConfigError
from brinkwatch.measure._periods import Freq

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["DEFAULT_BASELINE", "indexed_series", "lowest_since", "relation_index"]

#: Trailing baseline length by frequency: about a year of weeks or months, a quarter of days.
DEFAULT_BASELINE = {Freq.DAY: 90, Freq.WEEK: 52, Freq.MONTH: 12}


def relation_index(
    series: ir.Table,
    *,
    measure: str = "goldstein_sum",
    baseline: int = 52,
    min_periods: int | None = None,
) -> ir.Table:
    """Add a relation index: how unusual each period is against the periods before it.

    For each dyad and period t, the baseline is the ``baseline`` periods before t (t itself
    excluded); ``index`` is the z-score ``(x_t - mean) / sd`` of the measure against it.

    Parameters
    ----------
    series
        A table from :func:`~brinkwatch.measure.dyads.dyad_series`.
    measure
        The column to index (``goldstein_sum``, ``net_coop``, ``goldstein_norm``, ...).
    baseline
        Number of trailing periods.
    min_periods
        Fewest non-missing baseline values needed for an index (default: half the baseline,
        at least 4); below it, and when the baseline has no spread, ``index`` is NULL.

    Returns
    -------
    ibis.expr.types.Table
        The series plus ``value`` (the measure), ``baseline_mean``, ``baseline_sd``,
        ``baseline_n`` and ``index``.
    """
    if measure not in series.columns:
        raise ConfigError(
            f"'{measure}' is not a series column; choose one of {', '.join(series.columns)}",
            field="measure",
        )
    if baseline < 2:
        raise ConfigError(
            f"the baseline needs at least 2 periods, got {baseline}", field="baseline"
        )
    need = min_periods if min_periods is not None else max(4, baseline // 2)
    t = series.mutate(value=series[measure].cast("float64"))
    order = ibis.window(group_by="dyad", order_by="period")
    t = t.mutate(_prev=t.value.lag().over(order))
    # Rows [t-baseline+1, t] of the lagged value are the periods t-baseline .. t-1.
    w = ibis.window(group_by="dyad", order_by="period", preceding=baseline - 1, following=0)
    t = t.mutate(
        baseline_mean=t._prev.mean().over(w),
        baseline_sd=t._prev.std().over(w),
        baseline_n=t._prev.count().over(w),
    )
    ok = (t.baseline_n >= need) & (t.baseline_sd > 0) & t.value.notnull()
    t = t.mutate(
        index=ibis.ifelse(ok, (t.value - t.baseline_mean) / t.baseline_sd, ibis.null("float64"))
    )
    return t.drop("_prev").order_by(["dyad", "period"])


def lowest_since(series: ir.Table, *, measure: str = "goldstein_sum") -> ir.Table:
    """For each period, find the most recent earlier period with a value as low or lower.

    Parameters
    ----------
    series
        A series (or indexed series) with ``dyad``, ``period`` and the measure.
    measure
        The column compared (``index`` to compare index values).

    Returns
    -------
    ibis.expr.types.Table
        ``dyad``, ``period``, ``value``, ``lowest_since`` (that earlier period, NULL when no
        earlier period was as low), ``periods_since`` (how many periods back it lies; for a
        record low, the number of earlier periods with a value) and ``record_low``.
    """
    if measure not in series.columns:
        raise ConfigError(f"'{measure}' is not a column of the series", field="measure")
    base = series.select("dyad", "period", value=series[measure].cast("float64"))
    base = base.filter(base.value.notnull())
    base = base.mutate(idx=ibis.row_number().over(group_by="dyad", order_by="period"))
    a = base.view()
    b = base.view()
    prior = a.join(b, [a.dyad == b.dyad, b.period < a.period, b.value <= a.value]).select(
        dyad=a.dyad, period=a.period, since=b.period, since_idx=b.idx
    )
    last = prior.group_by(["dyad", "period"]).aggregate(
        lowest_since=prior.since.max(), since_idx=prior.since_idx.max()
    )
    out = base.left_join(last, ["dyad", "period"]).select(
        base.dyad, base.period, base.value, base.idx, last.lowest_since, last.since_idx
    )
    return (
        out.mutate(
            periods_since=ibis.ifelse(out.since_idx.isnull(), out.idx, out.idx - out.since_idx),
            record_low=out.since_idx.isnull() & (out.idx > 0),
        )
        .drop("idx", "since_idx")
        .order_by(["dyad", "period"])
    )


def indexed_series(
    series: ir.Table, *, measure: str = "goldstein_sum", baseline: int = 52
) -> ir.Table:
    """Return a series with its relation index and "lowest since" columns side by side.

    The result has the series columns, those of :func:`relation_index` and ``lowest_since``,
    ``periods_since`` and ``record_low`` of the indexed measure, ordered by dyad and period.
    """
    idx = relation_index(series, measure=measure, baseline=baseline)
    low = lowest_since(idx, measure="value")
    return (
        idx.left_join(low, ["dyad", "period"])
        .select(idx, low.lowest_since, low.periods_since, low.record_low)
        .order_by(["dyad", "period"])
    )

"""Relation index (a robust z-score with a count-noise floor) and "lowest since" comparisons.

The index of a period is computed from the periods before it (or from a fixed reference), never
from the window a caller displays: :func:`windowed_index` builds the series from the start of
the data, indexes it, and only then cuts it to the window asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import ibis

from brinkwatch.errors import ConfigError
from brinkwatch.measure._periods import Freq, Weight, calendar, in_window, period_start

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from brinkwatch.codebook import Actor
    from brinkwatch.measure.dyads import ActorScope, Count

__all__ = [
    "DEFAULT_BASELINE",
    "GOLDSTEIN_RMS",
    "INDEX_BOUND",
    "MAD_TO_SD",
    "history_start",
    "indexed_series",
    "lowest_since",
    "relation_index",
    "scale_floor",
    "windowed_index",
]

#: Trailing baseline length by frequency: about a year of weeks or months, a quarter of days.
DEFAULT_BASELINE = {Freq.DAY: 90, Freq.WEEK: 52, Freq.MONTH: 12}

#: 1.4826 x MAD estimates the standard deviation of normal data (1 / Phi^-1(3/4)).
MAD_TO_SD = 1.4826

#: Root mean square Goldstein weight of the 312 CAMEO codes in the codebook (5.998): what one
#: event of unknown code adds to the noise of a Goldstein sum (a compound-Poisson sum has
#: variance ``rate * E[w^2]``).
GOLDSTEIN_RMS = 6.0

#: The index is clipped to +-INDEX_BOUND: beyond it the baseline no longer says how unusual a
#: period is, only that it is far outside anything seen; the value itself shows how far.
INDEX_BOUND = 10.0

# Per-event unit of each measure and whether it is a sum over events (noise grows with
# sqrt(n)) or a mean over them (noise shrinks with sqrt(n)).
_UNITS: dict[str, tuple[float, bool]] = {
    "events": (1.0, True),
    "verbal_coop": (1.0, True),
    "material_coop": (1.0, True),
    "verbal_conflict": (1.0, True),
    "material_conflict": (1.0, True),
    "goldstein_sum": (GOLDSTEIN_RMS, True),
    "goldstein_mean": (GOLDSTEIN_RMS, False),
    "net_coop": (1.0, False),
    "events_norm": (1.0, True),
    "goldstein_norm": (GOLDSTEIN_RMS, True),
}


def scale_floor(measure: str, mean_events: float, mean_volume: float | None = None) -> float:
    """Return the smallest scale the index divides by: the count noise of the measure.

    Events arrive like a Poisson process, so a baseline of ``n`` events per period cannot be
    trusted to be steadier than ``sqrt(n)`` events, and never than one event (``n`` is taken
    as at least 1, so a silent baseline still allows one event of chance). In the measure's
    units: ``unit * sqrt(n)`` for sums (counts, Goldstein sums, with ``unit`` =
    :data:`GOLDSTEIN_RMS` for Goldstein), ``unit / sqrt(n)`` for means (``net_coop``,
    ``goldstein_mean``), times ``1000 / volume`` for the ``*_norm`` measures.

    Examples
    --------
    >>> scale_floor("goldstein_sum", 0.0)
    6.0
    >>> scale_floor("events", 16.0)
    4.0
    """
    if measure not in _UNITS:
        raise ConfigError(
            f"the index has no count-noise floor for '{measure}'; index one of "
            f"{', '.join(_UNITS)} or give floor=",
            field="measure",
        )
    unit, is_sum = _UNITS[measure]
    n = max(mean_events, 1.0)
    f = unit * math.sqrt(n) if is_sum else unit / math.sqrt(n)
    if measure.endswith("_norm"):
        f *= 1000.0 / max(mean_volume or 0.0, 1.0)
    return f


def _floor_expr(measure: str, nbar: ir.FloatingValue, vbar: ir.FloatingValue) -> ir.FloatingValue:
    unit, is_sum = _UNITS[measure]
    n = ibis.greatest(nbar.fill_null(0.0), ibis.literal(1.0))
    f = unit * n.sqrt() if is_sum else unit / n.sqrt()
    if measure.endswith("_norm"):
        f = f * 1000.0 / ibis.greatest(vbar.fill_null(0.0), ibis.literal(1.0))
    return f


def relation_index(
    series: ir.Table,
    *,
    measure: str = "goldstein_sum",
    baseline: int = 52,
    min_periods: int | None = None,
    reference: tuple[date, date] | None = None,
    floor: float | None = None,
) -> ir.Table:
    """Add a relation index: how unusual each period is against its baseline.

    For each dyad and period t the baseline is the ``baseline`` periods before t (t itself
    excluded), or, with ``reference``, the periods of that fixed date range. The index is a
    robust z-score::

        index = (x_t - median) / max(1.4826 * MAD, floor)

    clipped to +-:data:`INDEX_BOUND`. The median and the median absolute deviation (MAD) are
    not moved by a few extreme periods, so a crisis does not raise its own baseline until it
    fills half of it; the floor (:func:`scale_floor`, the count noise of the baseline's mean
    number of events) keeps the index defined and finite when the baseline has no spread.

    Parameters
    ----------
    series
        A table from :func:`~brinkwatch.measure.dyads.dyad_series`.
    measure
        The column to index (``goldstein_sum``, ``net_coop``, ``goldstein_norm``, ...).
    baseline
        Number of trailing periods (ignored with ``reference``).
    min_periods
        Fewest non-missing baseline values needed for an index (default: half the baseline,
        at least 4); below it ``index`` is NULL.
    reference
        ``(first, last)`` day of a fixed baseline ("relative to 2018"), for long crises that a
        trailing baseline would absorb.
    floor
        Smallest scale, in the measure's units; by default :func:`scale_floor`.

    Returns
    -------
    ibis.expr.types.Table
        The series plus ``value`` (the measure), ``baseline_mean``, ``baseline_median``,
        ``baseline_scale`` (the divisor), ``baseline_n`` and ``index``.
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
    if floor is None and measure not in _UNITS:
        scale_floor(measure, 0.0)  # raises, naming the measure
    if floor is not None and not floor > 0:
        raise ConfigError(f"the floor must be positive, got {floor}", field="floor")
    if reference is not None and reference[0] > reference[1]:
        raise ConfigError(
            f"the reference starts {reference[0]}, after it ends {reference[1]}; swap them",
            field="reference",
        )
    need = min_periods if min_periods is not None else max(4, baseline // 2)
    value = series[measure].cast("float64")
    n_ev = series.events.cast("float64")
    # One layer of window functions (no self-join, few subqueries): the series is computed
    # once, and Ibis compiles the expression quickly.
    if reference is None:
        # The periods t-baseline .. t-1: t itself is excluded.
        w = ibis.window(group_by="dyad", order_by="period", rows=(-baseline, -1))
        has = value.notnull()
    else:
        lo, hi = reference
        # The periods that start inside the reference, the same for every row of a dyad.
        w = ibis.window(group_by="dyad")
        has = (series.period >= lo) & (series.period <= hi) & value.notnull()
    t = series.mutate(
        value=value,
        # Sorted in the same select as the window (Spark has no ordered collect), so that
        # the medians below index it without sorting again.
        _vals=value.collect(where=has).over(w).sort(),
        baseline_mean=value.mean(where=has).over(w),
        _nbar=n_ev.mean(where=has).over(w),
        _vbar=(
            series.volume.cast("float64").mean(where=has).over(w)
            if "volume" in series.columns
            else ibis.null("float64")
        ),
    )
    t = t.mutate(baseline_median=_median(t._vals, ordered=True))
    med = t.baseline_median
    fl = ibis.literal(float(floor)) if floor is not None else _floor_expr(measure, t._nbar, t._vbar)
    mad = _median(t._vals.map(lambda v: (v - med).abs()))
    t = t.mutate(
        baseline_scale=ibis.greatest(MAD_TO_SD * mad, fl),
        baseline_n=t._vals.length().fill_null(0),
    )
    ok = (t.baseline_n >= need) & t.value.notnull()
    z = (t.value - t.baseline_median) / t.baseline_scale
    bounded = ibis.greatest(ibis.least(z, INDEX_BOUND), -INDEX_BOUND)
    t = t.mutate(index=ibis.ifelse(ok, bounded, ibis.null("float64")))
    return t.drop("_vals", "_nbar", "_vbar").order_by(["dyad", "period"])


def _median(arr: ir.ArrayValue, *, ordered: bool = False) -> ir.FloatingValue:
    """Median of an array of numbers (NULL for an empty array), the same on every backend."""
    s = arr if ordered else arr.sort()
    n = s.length()
    # int32 positions: Spark's element_at takes no BIGINT.
    lo = ibis.greatest((n - 1) // 2, 0).cast("int32")
    hi = (n // 2).cast("int32")
    mid = ((s[lo] + s[hi]) / 2.0).cast("float64")
    return ibis.ifelse(n > 0, mid, ibis.null("float64"))


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
    series: ir.Table,
    *,
    measure: str = "goldstein_sum",
    baseline: int = 52,
    reference: tuple[date, date] | None = None,
) -> ir.Table:
    """Return a series with its relation index and "lowest since" columns side by side.

    The result has the series columns, those of :func:`relation_index` and ``lowest_since``,
    ``periods_since`` and ``record_low`` of the indexed measure, ordered by dyad and period.
    Both look back only as far as ``series`` goes: see :func:`windowed_index` for a window
    cut from the whole history.
    """
    idx = relation_index(series, measure=measure, baseline=baseline, reference=reference)
    low = lowest_since(idx, measure="value")
    return (
        idx.left_join(low, ["dyad", "period"])
        .select(idx, low.lowest_since, low.periods_since, low.record_low)
        .order_by(["dyad", "period"])
    )


def history_start(
    events: ir.Table, *, end: date | None = None, origins: Sequence[str] | None = None
) -> date | None:
    """Return the first day of the data (of these origins, up to ``end``), or None if empty.

    It is where baselines and "lowest since" may look back to: before it the store has no
    coverage, after it a period without events between two actors is a real zero.
    """
    e = in_window(events, end=end, origins=origins)
    row = e.aggregate(lo=e.event_date.min()).to_pyarrow().to_pylist()[0]
    lo: date | None = row["lo"]
    return lo


def windowed_index(
    events: ir.Table,
    pairs: Sequence[tuple[Actor, Actor]],
    *,
    freq: Freq,
    start: date | None,
    end: date | None,
    measure: str = "goldstein_sum",
    baseline: int = 52,
    reference: tuple[date, date] | None = None,
    weight: Weight = Weight.NONE,
    normalize: bool = False,
    origins: Sequence[str] | None = None,
    history_from: date | None = None,
    actors: ActorScope = "state",
    count: Count = "auto",
) -> tuple[ir.Table, date | None]:
    """Index the dyads over the whole history up to ``end``, then cut to ``start``..``end``.

    The value, index, "lowest since" and records of a period therefore do not depend on
    ``start``: they are those of the full series (the last period is counted up to ``end``).

    Parameters
    ----------
    events, pairs, freq, start, end, weight, normalize, origins, actors, count
        As for :func:`~brinkwatch.measure.dyads.dyad_series`; ``start`` only cuts the result.
    measure, baseline, reference
        As for :func:`relation_index`.
    history_from
        First day of the history (default :func:`history_start` of the origins).

    Returns
    -------
    tuple
        The indexed series of the periods from ``start`` (as :func:`indexed_series`; none
        before the first day of the data), and the day the history starts (None when the
        store holds no events of these origins up to ``end``).
    """
    from brinkwatch.measure.dyads import dyad_series  # dyads does not import this module

    if start is not None and end is not None and start > end:
        in_window(events, start=start, end=end)  # raises, naming the field
    hist = (
        history_from
        if history_from is not None
        else history_start(events, end=end, origins=origins)
    )
    # The series always starts where the data start, whatever the window: periods before the
    # data are not zeros but no coverage, so they are neither shown nor part of a baseline.
    lo = hist if hist is not None else start
    if reference is not None:
        _check_reference(reference, freq, end, hist)
    ser = dyad_series(
        events,
        pairs,
        freq=freq,
        start=lo,
        end=end,
        weight=weight,
        normalize=normalize,
        origins=origins,
        actors=actors,
        count=count,
    )
    t = indexed_series(ser, measure=measure, baseline=baseline, reference=reference)
    if start is not None:
        t = t.filter(t.period >= period_start(start, freq))
    return t.order_by(["dyad", "period"]), hist


def _check_reference(
    reference: tuple[date, date], freq: Freq, end: date | None, hist: date | None
) -> None:
    lo, hi = reference
    if lo > hi:
        raise ConfigError(
            f"the reference starts {lo}, after it ends {hi}; swap them", field="reference"
        )
    if hist is not None and period_start(lo, freq) < period_start(hist, freq):
        raise ConfigError(
            f"the reference {lo}..{hi} starts before the data ({hist}); periods without "
            "coverage are not a baseline: start it on or after the data",
            field="reference",
        )
    if end is not None and hi > end:
        raise ConfigError(
            f"the reference {lo}..{hi} ends after the window ({end}); a baseline cannot use "
            "periods after the last one shown",
            field="reference",
        )
    n = len(calendar(lo, hi, freq))
    if n < 4:
        raise ConfigError(
            f"the reference {lo}..{hi} holds {n} {freq.value}(s); give at least 4",
            field="reference",
        )

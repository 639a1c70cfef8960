"""Directed-dyad and triad series: counts, quad classes, Goldstein, net cooperation, tone.

Everything here builds Ibis expressions over the canonical ``events`` table, so the same code
runs on DuckDB and on Spark. A series has one row per dyad and period, empty periods included
(zeros, not gaps), so that later stages can treat it as a regular time series.

Two defaults keep a series about distinct reports of state behaviour:

- ``actors="state"``: a side without explicit types counts only when it is a state actor
  (:func:`~brinkwatch.store.is_state`); Mitsubishi (GDELT ``MNCJPN``) is not Japan.
- ``count="auto"``: rows of machine-coded origins (:data:`~brinkwatch.store.MACHINE_ORIGINS`)
  count once per story, dyad, CAMEO code and day (:func:`~brinkwatch.store.story_key`);
  curated origins count rows.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Literal

import ibis
import pyarrow as pa

from brinkwatch.codebook import Actor, Dyad, as_actor, parse_actor
from brinkwatch.errors import ConfigError, SparseDataWarning
from brinkwatch.measure._periods import Freq, Weight, calendar, in_window, period_of
from brinkwatch.store import MACHINE_ORIGINS, ActorScope, state_match, with_story

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "SERIES_COLUMNS",
    "Actor",
    "ActorScope",
    "Count",
    "Dyad",
    "Weight",
    "daily_volume",
    "dyad_series",
    "parse_actor",
    "triad_pairs",
    "triad_series",
]

#: ``auto``: by story for machine-coded origins, by row for curated ones; ``stories``: by story
#: for every origin; ``rows``: every stored row counts.
Count = Literal["auto", "stories", "rows"]

#: Columns of a series table, in order (``volume`` and ``*_norm`` only with ``normalize``).
SERIES_COLUMNS = (
    "dyad",
    "source",
    "target",
    "period",
    "events",
    "verbal_coop",
    "material_coop",
    "verbal_conflict",
    "material_conflict",
    "goldstein_sum",
    "goldstein_mean",
    "net_coop",
    "tone_mean",
)


def triad_pairs(a: Actor | str, b: Actor | str, c: Actor | str) -> list[tuple[Actor, Actor]]:
    """Return the six directed dyads among three actors (or texts like ``"JPN"``), in order."""
    a, b, c = (as_actor(x, field="actors") for x in (a, b, c))
    if len({a.country, b.country, c.country}) < 3:
        raise ConfigError(
            f"a triad needs three different countries, got {a}, {b}, {c}", field="actors"
        )
    return list(itertools.permutations((a, b, c), 2))


def _label(s: Actor, t: Actor) -> str:
    return Dyad(s, t).label


def _match(e: ir.Table, s: Actor, t: Actor, actors: ActorScope = "state") -> ir.BooleanValue:
    return state_match(e, s, t, actors=actors)


def _span(e: ir.Table) -> tuple[date, date] | None:
    row = e.aggregate(lo=e.event_date.min(), hi=e.event_date.max()).to_pyarrow().to_pylist()[0]
    return None if row["lo"] is None else (row["lo"], row["hi"])


def _bounds(e: ir.Table) -> tuple[date, date]:
    span = _span(e)
    if span is None:
        raise ConfigError(
            "no events match these actors, dates and origins, so there is no series to build; "
            "check the dyad, the window (start, end), the origins and what the store holds"
        )
    return span


def _window(
    d: ir.Table, e: ir.Table, labels: Sequence[str], start: date | None, end: date | None
) -> tuple[date, date] | None:
    """Return the series' span: the window, else the dyads' events, else all events in scope.

    A dyad the store never mentions is a series of zeros over what the store covers (with a
    warning), not an error: "nothing between them" is an answer.
    """
    if start is not None and end is not None:
        return start, end
    span = _span(d)
    if span is None:
        span = _span(e)
        where = "the store" if span is None else f"{span[0]}..{span[1]}"
        warnings.warn(
            f"no events of {', '.join(labels)} in {where}: the series is all zeros",
            SparseDataWarning,
            stacklevel=3,
        )
    if span is None:
        if start is None and end is None:
            return None
        day = start or end
        assert day is not None
        span = (day, day)
    return start or span[0], end or span[1]


def _exact_sum(x: ir.NumericValue) -> ir.FloatingScalar:
    """Sum in fixed point, so that the result does not depend on the order rows arrive in.

    A parallel plan (the story window, Spark's partitions) adds doubles in any order, and
    -3.6 may come back as -3.5999999999999996; decimals add exactly on both backends.
    """
    return x.cast("decimal(38, 6)").sum().cast("float64")


def _story_events(d: ir.Table, count: Count, *, weighted: bool = True) -> ir.Table:
    """Keep one row per counted event: per story (dyad, story, code, day) or per stored row.

    A story's copies agree on code and day; the most-mentioned copy (then the lowest id)
    stands for them, so values are a stored row's, never an average of copies. Without
    ``weighted`` (every ``w`` is 1) only the columns the series sums are kept.
    """
    if count == "rows":
        return d
    by_story = ibis.literal(True) if count == "stories" else d.origin.isin(list(MACHINE_ORIGINS))
    if "story_hash" in d.columns:
        # Schema 6: the key's stored 64-bit hash, so rows group on integers, not strings.
        # A curated row counted by row is a unit of its own (origin and event id are unique).
        if count == "stories":
            keys = [d.story_hash]
        else:
            keys = [
                ibis.ifelse(by_story, d.story_hash, ibis.null("int64")).name("_unit"),
                ibis.ifelse(by_story, ibis.null("string"), d.event_id).name("_rid"),
            ]
        if not weighted:
            row = ibis.struct({c: d[c] for c in ("quad_class", "goldstein", "avg_tone")})
            g = d.group_by(
                [d.dyad, *keys, d.event_date, d.cameo_code, d.period, d.w, d.origin]
            ).aggregate(_row=row.argmin(d.event_id))
            return g.select(
                "dyad", "period", "w", "origin", *[g._row[c].name(c) for c in row.names]
            )
        rank = ibis.row_number().over(
            group_by=[d.dyad, *keys, d.event_date, d.cameo_code],
            order_by=[d.w.desc(), d.event_id],
        )
        return d.filter(rank == 0)
    if "story_key" in d.columns and not weighted:
        # Every row weighs the same, so the lowest event id stands for its story: a GROUP BY
        # taking that row's values is cheaper than ranking every row with a window. Ids are
        # unique within a unit (a unit is of one origin), so the choice is the window's.
        unit = ibis.ifelse(by_story, d.story_key, d.origin + "|id:" + d.event_id)
        row = ibis.struct({c: d[c] for c in ("quad_class", "goldstein", "avg_tone")})
        g = d.group_by(
            [d.dyad, unit.name("_unit"), d.event_date, d.cameo_code, d.period, d.w, d.origin]
        ).aggregate(_row=row.argmin(d.event_id))
        return g.select("dyad", "period", "w", "origin", *[g._row[c].name(c) for c in row.names])
    if "story_key" in d.columns:
        # The store keeps the key: one ranking over every row, a row counted by row being a
        # unit of its own (origin and event id are unique).
        unit = ibis.ifelse(by_story, d.story_key, d.origin + "|id:" + d.event_id)
        rank = ibis.row_number().over(
            group_by=[d.dyad, unit, d.event_date, d.cameo_code],
            order_by=[d.w.desc(), d.event_id],
        )
        return d.filter(rank == 0)
    # A store of an older schema: only a row that shares dyad, day and code with another row
    # can be a copy of a story; the others are kept without computing their (regex-heavy) key.
    d = d.mutate(_n=d.event_id.count().over(group_by=[d.dyad, d.event_date, d.cameo_code]))
    by_story = ibis.literal(True) if count == "stories" else d.origin.isin(list(MACHINE_ORIGINS))
    alone = (d._n == 1) | ~by_story
    kept = d.filter(alone).drop("_n")
    rest = with_story(d.filter(~alone).drop("_n"), "_unit")
    rank = ibis.row_number().over(
        group_by=[rest.dyad, rest._unit, rest.event_date, rest.cameo_code],
        order_by=[rest.w.desc(), rest.event_id],
    )
    return kept.union(rest.filter(rank == 0).drop("_unit"))


def daily_volume(events: ir.Table) -> ir.Table:
    """Return each origin's daily volume (``origin``, ``day``, ``rows``) beside ``events``.

    The store's ``daily_volume`` table when the backend has it; else (a Spark snapshot, a
    bare events table) the same numbers counted from the events, one per stored row.
    """
    # list_tables() leaves a DuckDB result open that breaks the next memtable; ask for it.
    try:
        return events._find_backend().table("daily_volume")
    except Exception:  # no such table (Spark), or no single backend
        pass
    return events.group_by(["origin", events.event_date.name("day")]).aggregate(rows=events.count())


def _period_volume(
    events: ir.Table,
    e: ir.Table,
    freq: Freq,
    start: date | None,
    end: date | None,
    origins: Sequence[str] | None,
) -> ir.Table:
    """Sum the daily volume of the origins in the series over each period.

    Without ``origins``, only the origins of the dyads' events ``e`` count, so a series that
    one origin makes is divided by that origin's own volume.
    """
    v = daily_volume(events)
    if start is not None:
        v = v.filter(v.day >= start)
    if end is not None:
        v = v.filter(v.day <= end)
    if origins:
        v = v.filter(v.origin.isin(list(origins)))
    else:
        v = v.filter(v.origin.isin(e.select("origin").distinct().origin))
    v = v.mutate(period=period_of(v.day, freq))
    return v.group_by("period").aggregate(volume=v["rows"].sum())


def dyad_series(
    events: ir.Table,
    pairs: Sequence[tuple[Actor | str, Actor | str]],
    *,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    weight: Weight | str = Weight.NONE,
    normalize: bool = False,
    origins: Sequence[str] | None = None,
    actors: ActorScope = "state",
    count: Count = "auto",
) -> ir.Table:
    """Build per-period relation measures for one or more directed dyads.

    Parameters
    ----------
    events
        The store's canonical ``events`` table (DuckDB or Spark).
    pairs
        Directed (source, target) actor pairs; an actor may be text (``("JPN", "KOR")``).
    freq
        ``day``, ``week`` (Monday-based) or ``month``.
    start, end
        Inclusive date range; defaults to the span of the matching events.
    weight
        ``none``: each event counts once; ``mentions``: by its number of mentions (1 when the
        origin has none).
    normalize
        Add ``volume`` (the rows the origins published in the period, any dyad, before the
        actor and story filters: the store's ``daily_volume`` summed over the period's days)
        and ``events_norm`` / ``goldstein_norm`` per 1,000 rows of volume, so growth in news
        volume is not read as a change in relations. Give one origin (``origins``) to divide by
        that origin's own volume; :func:`~brinkwatch.measure.measure_dyad` does so by default.
    origins
        Use only these origins (e.g. ``["gdelt2"]``); mixing origins counts one event once per
        origin that reports it.
    actors
        ``state`` (default): an actor given without types counts only its state actors (GOV,
        MIL, JUD, LEG, COP, SPY, or the bare country); ``all``: companies, media and every
        other actor of the country too. Explicit types (``JPN:BUS``) always win.
    count
        ``auto`` (default): machine-coded origins (gdelt1, gdelt2, icews, coded) count one
        event per story, dyad, CAMEO code and day, so syndicated copies and repeated
        extractions count once; curated origins count rows. ``stories``: every origin by
        story; ``rows``: every stored row.

    Returns
    -------
    ibis.expr.types.Table
        One row per dyad and period with :data:`SERIES_COLUMNS` (no rows when neither the window
        nor the store gives a span): counts by quad class,
        ``goldstein_sum`` and ``goldstein_mean``, ``net_coop`` = (cooperative - conflictual) /
        all events, in [-1, 1] (NULL in a period without events), and ``tone_mean`` where the
        origin has tone.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> t = dyad_series(s.events, [(Actor("JPN"), Actor("KOR"))], freq="month")
    >>> rows = t.select("dyad", "period", "events", "goldstein_sum").to_pyarrow().to_pylist()
    >>> rows[0]
    {'dyad': 'JPN->KOR', 'period': datetime.date(2019, 7, 1), 'events': 2, 'goldstein_sum': -16.0}
    >>> [(r["period"].month, r["events"]) for r in rows]
    [(7, 2), (8, 1)]
    """
    freq, weight = Freq(freq), Weight(weight)
    if not pairs:
        raise ConfigError("give at least one dyad", field="pairs")
    dyads = [(as_actor(s, field="pairs"), as_actor(t, field="pairs")) for s, t in pairs]
    if count not in ("auto", "stories", "rows"):
        raise ConfigError(
            f"count is 'auto', 'stories' or 'rows'; got {str(count)[:40]!r}", field="count"
        )
    e = in_window(events, start=start, end=end, origins=origins)
    w = (
        e.num_mentions.fill_null(1).cast("float64")
        if weight is Weight.MENTIONS
        else ibis.literal(1)
    )
    conds = [_match(e, s, t, actors) for s, t in dyads]
    labels = [_label(s, t) for s, t in dyads]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"the same dyad is asked for twice: {labels}", field="pairs")
    by_country = [f"{s.country}->{t.country}" for s, t in dyads]
    if by_country == labels and not any(s.types or t.types for s, t in dyads):
        # Untyped, distinct pairs: a matched row's countries name its pair, so the (costly)
        # state-actor conditions are not evaluated a second time to label it.
        dyad = e.source_country + "->" + e.target_country
    else:
        dyad = ibis.cases(*zip(conds, labels, strict=True))
    d = e.filter(ibis.or_(*conds)).mutate(dyad=dyad, period=period_of(e.event_date, freq), w=w)
    span = _window(d, e, labels, start, end)
    matched = d
    d = _story_events(d, count, weighted=weight is Weight.MENTIONS)
    agg = d.group_by(["dyad", "period"]).aggregate(
        events=d.w.sum(),
        verbal_coop=d.w.sum(where=d.quad_class == 1),
        material_coop=d.w.sum(where=d.quad_class == 2),
        verbal_conflict=d.w.sum(where=d.quad_class == 3),
        material_conflict=d.w.sum(where=d.quad_class == 4),
        goldstein_sum=_exact_sum(d.goldstein * d.w),
        tone_sum=_exact_sum(d.avg_tone * d.w),
        tone_w=d.w.sum(where=d.avg_tone.notnull()),
    )
    periods = calendar(span[0], span[1], freq) if span is not None else []
    srcs = {_label(s, t): (str(s), str(t)) for s, t in dyads}
    # Arrow, not lists: an empty grid keeps its date type (pandas would make it float).
    grid = ibis.memtable(
        pa.table(
            {
                "dyad": [lab for lab in labels for _ in periods],
                "source": [srcs[lab][0] for lab in labels for _ in periods],
                "target": [srcs[lab][1] for lab in labels for _ in periods],
                "period": pa.array([p for _ in labels for p in periods], pa.date32()),
            },
            schema=pa.schema(
                [
                    ("dyad", pa.string()),
                    ("source", pa.string()),
                    ("target", pa.string()),
                    ("period", pa.date32()),
                ]
            ),
        )
    )
    j = grid.left_join(agg, ["dyad", "period"]).select(
        grid, *[c for c in agg.columns if c not in ("dyad", "period")]
    )
    zero = ibis.literal(0.0) if weight is Weight.MENTIONS else ibis.literal(0)
    counts = ["events", "verbal_coop", "material_coop", "verbal_conflict", "material_conflict"]
    j = j.mutate(
        **{c: j[c].fill_null(zero) for c in counts},
        goldstein_sum=j.goldstein_sum.fill_null(0.0),
    )
    n = j.events.cast("float64")
    out = j.mutate(
        goldstein_mean=ibis.ifelse(j.events > 0, j.goldstein_sum / n, ibis.null("float64")),
        net_coop=ibis.ifelse(
            j.events > 0,
            (j.verbal_coop + j.material_coop - j.verbal_conflict - j.material_conflict).cast(
                "float64"
            )
            / n,
            ibis.null("float64"),
        ),
        tone_mean=ibis.ifelse(
            j.tone_w > 0, j.tone_sum / j.tone_w.cast("float64"), ibis.null("float64")
        ),
    )
    cols = list(SERIES_COLUMNS)
    if normalize:
        # The origins of the series' rows: de-duplication keeps every origin, so with a stored
        # key they come from the kept rows (no second scan of the events); with keys computed
        # at query time, from the matched rows, so that the keys are not computed again.
        vol = _period_volume(events, d if "story_key" in matched.columns else matched, freq,
                             start, end, origins)  # fmt: skip
        out = out.left_join(vol, "period").select(out, vol.volume)
        out = out.mutate(volume=out.volume.fill_null(0))
        per_k = ibis.ifelse(
            out.volume > 0, 1000.0 / out.volume.cast("float64"), ibis.null("float64")
        )
        out = out.mutate(
            events_norm=out.events.cast("float64") * per_k,
            goldstein_norm=out.goldstein_sum * per_k,
        )
        cols += ["volume", "events_norm", "goldstein_norm"]
    return out.select(cols).order_by(["dyad", "period"])


def triad_series(
    events: ir.Table,
    a: Actor | str,
    b: Actor | str,
    c: Actor | str,
    **kwargs: object,
) -> ir.Table:
    """Build :func:`dyad_series` for the six directed dyads among three actors.

    Keyword arguments are those of :func:`dyad_series`.
    """
    return dyad_series(events, triad_pairs(a, b, c), **kwargs)  # type: ignore[arg-type]

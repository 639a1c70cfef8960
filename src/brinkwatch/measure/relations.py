"""Measuring a dyad or a triad in one call: series, index, change points, alarms, notes.

The CLI, the dashboard and the brief all call :func:`measure_dyad` and :func:`measure_triad`
and only render what they return, so the three show the same numbers by construction.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from brinkwatch._frames import Tabular
from brinkwatch._notes import Note, caught_notes
from brinkwatch.codebook import Actor, Dyad
from brinkwatch.errors import ConfigError, CoverageWarning
from brinkwatch.measure._periods import Freq, Weight
from brinkwatch.measure.alarms import Alarm, AlarmRule, Alarms, _evaluate, _series_key
from brinkwatch.measure.changepoints import ChangePoint, change_points
from brinkwatch.measure.dyads import ActorScope, Count, triad_pairs
from brinkwatch.measure.index import DEFAULT_BASELINE, history_start, windowed_index
from brinkwatch.measure.instruments import frictions_series
from brinkwatch.store import state_match

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from brinkwatch.instruments import Register

_E = TypeVar("_E", Freq, Weight)

__all__ = [
    "Coverage",
    "DyadHeadline",
    "DyadMeasure",
    "TriadMeasure",
    "measure_dyad",
    "measure_triad",
]


@dataclass(frozen=True)
class Coverage:
    """What one origin covers, for a coverage strip: its days with data and the measure's share.

    Attributes
    ----------
    origin
        The origin (``gdelt2``, ``icews``, ``chronology`` ...).
    first, last
        Its first and last day with any event, up to the measure's ``end``.
    days
        Days with at least one event of the origin (any dyad), up to ``end``.
    events
        Rows of the measured dyads (or triad) the origin holds, up to ``end``.
    used
        Whether the series counts this origin.
    spans
        Runs of consecutive days with data, each ``(first, last)`` inclusive and in order;
        the gaps between them are days without any event of the origin.
    """

    origin: str
    first: date
    last: date
    days: int
    events: int
    used: bool
    spans: tuple[tuple[date, date], ...] = ()


@dataclass(frozen=True)
class DyadHeadline:
    """The latest and the lowest period of one directed dyad, as the index table has them.

    ``latest`` and ``lowest`` are rows of :func:`~brinkwatch.measure.indexed_series`
    (``period``, ``value``, ``baseline_mean``, ``index``, ``lowest_since``, ``periods_since``,
    ``record_low``, ``events`` ...); ``lowest`` is the period with the smallest value.
    """

    dyad: str
    latest: dict[str, Any]
    lowest: dict[str, Any]
    change_points: list[ChangePoint]


def _num(v: object, spec: str = ".1f") -> str:
    return "n/a" if not isinstance(v, int | float) else format(v, spec)


def _latest_lines(groups: dict[str, list[dict[str, Any]]]) -> list[str]:
    out = []
    for label, rows in groups.items():
        with_value = [r for r in rows if r.get("value") is not None]
        if not with_value:
            continue
        r = with_value[-1]
        low = min(with_value, key=lambda x: x["value"])
        out.append(
            f"{label}: latest {r['period']} {_num(r['value'])} "
            f"(index {_num(r.get('index'), '+.2f')}), lowest {low['period']} {_num(low['value'])}"
        )
    return out


@dataclass(frozen=True)
class DyadMeasure(Tabular):
    """Everything shown about a dyad: index rows, change points, alarms, headlines, notes.

    Attributes
    ----------
    dyad
        The dyad measured (``dyad.name`` is how titles write it).
    freq, measure, baseline
        Period, indexed measure and trailing baseline length.
    table
        The indexed series (:func:`~brinkwatch.measure.indexed_series`) as Arrow.
    rows
        ``table`` as a list of dicts, ordered by directed dyad and period.
    change_points
        Change points of ``value`` per directed dyad label.
    alarms
        Alarms of the default (or given) rules, sorted by period; empty when not asked for.
    headlines
        Latest and lowest period per directed dyad with values.
    notes
        Warnings the stage issued.
    history_from
        First day of the data the baselines, "lowest since" and records looked back to (the
        store's first event of the origins, up to ``end``); no period before it is shown.
        None for an empty store.
    reference
        The fixed reference baseline ``(first, last)`` day, or None for the trailing one.
    coverage
        One :class:`Coverage` per origin holding events of the dyad, by origin.
    frictions
        With a register: the frictions in force per period of the series
        (:func:`~brinkwatch.measure.instruments.frictions_series`: ``period``, one column per
        instrument whose parties include both countries, ``total``); None without one.
    """

    dyad: Dyad
    freq: str
    measure: str
    baseline: int
    table: pa.Table
    rows: list[dict[str, Any]]
    change_points: dict[str, list[ChangePoint]]
    alarms: list[Alarm]
    headlines: list[DyadHeadline]
    notes: list[Note]
    history_from: date | None = None
    reference: tuple[date, date] | None = None
    coverage: tuple[Coverage, ...] = ()
    frictions: pa.Table | None = None

    def by_dyad(self) -> dict[str, list[dict[str, Any]]]:
        """Return the rows grouped by directed dyad label, in table order."""
        return _by_dyad(self.rows)

    def frictions_by_period(self) -> dict[date, float]:
        """Return the total frictions in force per period; empty without a register."""
        return _total(self.frictions)

    def to_arrow(self) -> pa.Table:
        """Return the indexed series (``table``): one row per directed dyad and period."""
        return self.table

    def summary(self) -> str:
        """Return the latest and lowest period per direction, change points, alarms, notes.

        Examples
        --------
        >>> from brinkwatch.store import example
        >>> m = measure_dyad(example().events, "JPN-KOR", freq="month", alarms=False)
        >>> print(m.summary().splitlines()[0])
        JPN-KOR, month goldstein_sum against a 12-period baseline: 10 rows
        """
        head = (
            f"{self.dyad.name}, {self.freq} {self.measure} against a {self.baseline}-period "
            f"baseline: {len(self.rows)} rows"
        )
        cps = sum(len(v) for v in self.change_points.values())
        tail = [f"{cps} change point(s); {Alarms(self.alarms).summary()}"]
        return "\n".join([head, *_latest_lines(self.by_dyad()), *tail, *map(str, self.notes)])


@dataclass(frozen=True)
class TriadMeasure(Tabular):
    """The six directed dyads of a triad: index rows and, when asked, the pairs' alarms.

    ``history_from``, ``reference``, ``coverage`` and ``frictions`` are as in
    :class:`DyadMeasure`; the triad's frictions count the instruments whose parties include
    at least two of the three countries.
    """

    actors: tuple[Actor, Actor, Actor]
    freq: str
    measure: str
    baseline: int
    table: pa.Table
    rows: list[dict[str, Any]]
    alarms: list[Alarm]
    notes: list[Note]
    history_from: date | None = None
    reference: tuple[date, date] | None = None
    coverage: tuple[Coverage, ...] = ()
    frictions: pa.Table | None = None

    def by_dyad(self) -> dict[str, list[dict[str, Any]]]:
        """Return the rows grouped by directed dyad label, in table order."""
        return _by_dyad(self.rows)

    def frictions_by_period(self) -> dict[date, float]:
        """Return the total frictions in force per period; empty without a register."""
        return _total(self.frictions)

    def to_arrow(self) -> pa.Table:
        """Return the indexed series (``table``) of the six directed dyads."""
        return self.table

    def summary(self) -> str:
        """Return the latest and lowest period of each directed dyad, and the notes."""
        names = "-".join(str(a) for a in self.actors)
        head = f"{names} triad, {self.freq} {self.measure}: {len(self.rows)} rows"
        return "\n".join([head, *_latest_lines(self.by_dyad()), *map(str, self.notes)])


def _coverage(
    events: ir.Table,
    pairs: Sequence[tuple[Actor, Actor]],
    end: date | None,
    origins: list[str] | None,
    actors: ActorScope,
) -> tuple[list[str] | None, tuple[Coverage, ...]]:
    """Return the origins to measure and the coverage of each origin holding the pairs' events.

    With ``origins`` given they are used as given. Otherwise, when the events come from more
    than one origin, adding them up would read a coverage gap as a change in relations: the
    densest origin (most days with data, then most of the pairs' events) is measured alone,
    and a :class:`~brinkwatch.errors.CoverageWarning` names every origin and its days.
    """
    import ibis

    e = events if end is None else events.filter(events.event_date <= end)
    if origins:
        e = e.filter(e.origin.isin(origins))
    hit = e.filter(ibis.or_(*[state_match(e, s, t, actors=actors) for s, t in pairs]))
    mine = hit.group_by("origin").aggregate(n=hit.count())
    # One row per origin and day (a few thousand at most): enough for first, last, the day
    # count and the runs of covered days a coverage strip draws.
    seen = e.filter(e.event_date.notnull()).select("origin", "event_date").distinct()
    got = mine.to_pyarrow().to_pylist()
    by_origin: dict[str, list[date]] = {r["origin"]: [] for r in got}
    for r in seen.filter(seen.origin.isin(list(by_origin) or [""])).to_pyarrow().to_pylist():
        by_origin[r["origin"]].append(r["event_date"])
    got = [r for r in got if by_origin[r["origin"]]]
    for r in got:
        r["days"] = len(by_origin[r["origin"]])
    got.sort(key=lambda r: (-int(r["days"]), -int(r["n"]), r["origin"]))
    chosen = origins if origins or len(got) < 2 else [got[0]["origin"]]
    cov = tuple(
        Coverage(
            r["origin"],
            min(by_origin[r["origin"]]),
            max(by_origin[r["origin"]]),
            int(r["days"]),
            int(r["n"]),
            chosen is None or r["origin"] in chosen,
            _runs(by_origin[r["origin"]]),
        )
        for r in sorted(got, key=lambda r: r["origin"])
    )
    if chosen is not None and not origins:
        listed = "; ".join(
            f"{c.origin} {c.days} day{'s' if c.days != 1 else ''} ({c.first}..{c.last})"
            for c in cov
        )
        warnings.warn(
            f"the events come from origins of different coverage ({listed}); they are not "
            f"added together: the series uses {chosen[0]}, the one with the most days. Pass "
            "origins (--origin) to choose another",
            CoverageWarning,
            stacklevel=3,
        )
    return chosen, cov


def _frictions(
    register: Register | None, countries: Sequence[str], rows: list[dict[str, Any]], freq: Freq
) -> pa.Table | None:
    """Frictions in force over the periods of ``rows``, of the instruments between ``countries``.

    An instrument counts when at least two of the countries are among its parties: the
    dyad's own instruments, or for a triad those of any of its pairs.
    """
    if register is None or not rows:
        return None
    mine = tuple(i for i in register.instruments if len(set(countries) & set(i.parties)) >= 2)
    periods = [r["period"] for r in rows]
    return frictions_series(replace(register, instruments=mine), min(periods), max(periods), freq)


def _total(frictions: pa.Table | None) -> dict[date, float]:
    if frictions is None:
        return {}
    return dict(
        zip(
            frictions.column("period").to_pylist(),
            frictions.column("total").to_pylist(),
            strict=True,
        )
    )


def _runs(days: list[date]) -> tuple[tuple[date, date], ...]:
    """Group days into runs of consecutive days, ``(first, last)`` each, in order."""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][1]).days <= 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return tuple(runs)


def _by_dyad(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["dyad"], []).append(r)
    return out


def _known(
    by: dict[str, list[dict[str, Any]]],
    pairs: Sequence[tuple[Actor, Actor]],
    measure: str,
    origins: Sequence[str] | None,
) -> dict[str, list[dict[str, Any]]]:
    """Return the directed series just read, keyed as the alarm rules look them up.

    They were read with the arguments the index and change-point rules use (no weight, no
    normalization), so the rules need not read them again.
    """
    return {
        _series_key(s, t, measure, origins): by[f"{s}->{t}"] for s, t in pairs if f"{s}->{t}" in by
    }


def _choice(kind: type[_E], value: _E | str, field: str) -> _E:
    try:
        return kind(str(value).lower())
    except ValueError:
        raise ConfigError(
            f"the {field} is one of {', '.join(m.value for m in kind)}; got {value!r}",
            field=field,
        ) from None


def _scope_notes(actors: ActorScope, count: Count) -> list[Note]:
    """Say what the numbers count: whose acts, and rows or stories."""
    who = (
        "state actors only (GOV, MIL, JUD, LEG, COP, SPY or the bare country); companies, "
        "media and other non-state actors count as their sector, not the state "
        "(actors='all' / --all-actors widens)"
        if actors == "state"
        else "every actor of each country, companies and media included (actors='all')"
    )
    how = {
        "auto": "machine-coded origins (gdelt1, gdelt2, icews, coded) count one event per "
        "story, dyad, code and day; curated origins count rows",
        "stories": "every origin counts one event per story, dyad, code and day",
        "rows": "every stored row counts (no story de-duplication)",
    }[count]
    return [Note("Actors", who), Note("Counting", how)]


def _headlines(
    by: dict[str, list[dict[str, Any]]], cps: dict[str, list[ChangePoint]]
) -> list[DyadHeadline]:
    out = []
    for d, rs in by.items():
        valued = [r for r in rs if r["value"] is not None]
        if valued:
            lowest = min(valued, key=lambda r: (r["value"], r["period"]))
            out.append(DyadHeadline(d, rs[-1], lowest, cps.get(d, [])))
    return out


def measure_dyad(
    events: ir.Table,
    dyad: Dyad | str,
    *,
    directed: bool = False,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    measure: str = "goldstein_sum",
    weight: Weight | str = Weight.NONE,
    normalize: bool = False,
    origins: Sequence[str] | None = None,
    baseline: int | None = None,
    alarms: bool = True,
    rules: Sequence[AlarmRule] | None = None,
    reference: tuple[date, date] | None = None,
    actors: ActorScope = "state",
    count: Count = "auto",
    register: Register | None = None,
) -> DyadMeasure:
    """Measure a dyad: indexed series, change points per direction, alarms and headlines.

    Parameters
    ----------
    events
        The store's canonical ``events`` table.
    dyad
        A :class:`~brinkwatch.codebook.Dyad` or its text (``"JPN-KOR"``, ``"JPN:GOV->KOR"``).
    directed
        Only source -> target; both directions otherwise.
    freq, start, end, weight, normalize, origins
        As for :func:`~brinkwatch.measure.dyad_series`.
    measure
        The series column indexed (``goldstein_sum``, ``net_coop``, ...).
    baseline
        Trailing baseline periods (default by frequency, :data:`DEFAULT_BASELINE`).
    alarms
        Evaluate the alarm rules too (the slowest part).
    rules
        Alarm rules; the bundled rules for allies when omitted.
    actors, count
        Whose acts count and how (see :func:`~brinkwatch.measure.dyad_series`): state
        actors by story for machine-coded origins unless widened; the notes say which.
    reference
        A fixed reference baseline ``(first, last)`` day instead of the trailing one, e.g.
        ``(date(2018, 1, 1), date(2018, 12, 31))`` for "relative to 2018".
    register
        An instruments register: the bundle then carries the frictions in force between the
        dyad's two countries over the same periods (``frictions``), so a period in which
        measures stand does not read calm for want of events.

    Notes
    -----
    ``start`` only cuts what is shown: the baseline, "lowest since" and records look back to
    the first day of the data (``history_from``), so a period's values are the same whatever
    window is displayed.

    Returns
    -------
    DyadMeasure

    Raises
    ------
    ConfigError
        Naming the parameter (``dyad``, ``freq``, ``start``, ``measure`` ...) that is wrong,
        or when no event matches.

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> m = measure_dyad(s.events, "JPN-KOR", freq="month")
    >>> [(h.dyad, h.latest["value"]) for h in m.headlines]
    [('JPN->KOR', 0.0), ('KOR->JPN', 4.0)]
    """
    d = dyad if isinstance(dyad, Dyad) else Dyad.parse(dyad)
    f, w = _choice(Freq, freq, "freq"), _choice(Weight, weight, "weight")
    base = baseline or DEFAULT_BASELINE[f]
    orig = list(origins) if origins else None
    with caught_notes() as notes:
        orig, cov = _coverage(events, d.pairs(directed), end, orig, actors)
        hist = history_start(events, end=end, origins=orig)
        expr, _ = windowed_index(
            events,
            d.pairs(directed),
            freq=f,
            start=start,
            end=end,
            measure=measure,
            baseline=base,
            reference=reference,
            weight=w,
            normalize=normalize,
            origins=orig,
            history_from=hist,
            actors=actors,
            count=count,
        )
        table = expr.to_pyarrow()
        rows = table.to_pylist()
        by = _by_dyad(rows)
        found = (
            _evaluate(
                events,
                d.source,
                d.target,
                rules=rules,
                freq=f,
                start=start,
                end=end,
                origins=orig,
                baseline=base,
                reference=reference,
                history_from=hist,
                actors=actors,
                count=count,
                known=_known(by, d.pairs(directed), measure, orig)
                if w is Weight.NONE and not normalize
                else None,
            )
            if alarms
            else []
        )
    notes = [*_scope_notes(actors, count), *notes]
    cps = {
        k: change_points([r["value"] for r in rs], [r["period"] for r in rs])
        for k, rs in by.items()
    }
    return DyadMeasure(
        dyad=d,
        freq=f.value,
        measure=measure,
        baseline=base,
        table=table,
        rows=rows,
        change_points=cps,
        alarms=found,
        headlines=_headlines(by, cps),
        notes=notes,
        history_from=hist,
        reference=reference,
        coverage=cov,
        frictions=_frictions(register, d.countries, rows, f),
    )


def measure_triad(
    events: ir.Table,
    actors: Sequence[Actor | str],
    *,
    freq: Freq | str = Freq.MONTH,
    start: date | None = None,
    end: date | None = None,
    measure: str = "goldstein_sum",
    origins: Sequence[str] | None = None,
    baseline: int | None = None,
    alarms: bool = False,
    reference: tuple[date, date] | None = None,
    actor_scope: ActorScope = "state",
    count: Count = "auto",
    register: Register | None = None,
) -> TriadMeasure:
    """Measure the six directed dyads of a triad, and optionally the alarms of its three pairs.

    Parameters
    ----------
    events
        The store's canonical ``events`` table.
    actors
        Three actors in different countries (``Actor`` or text such as ``"USA"``).
    freq, start, end, measure, origins, baseline, reference, count
        As for :func:`measure_dyad`.
    actor_scope
        The ``actors`` option of :func:`measure_dyad` (``state`` or ``all``).
    alarms
        Also evaluate the default alarm rules for each of the three pairs; newest first.
    register
        An instruments register: the bundle then carries the frictions in force between any
        two of the three countries over the same periods (``frictions``).

    Returns
    -------
    TriadMeasure

    Examples
    --------
    >>> from brinkwatch.store import example
    >>> s = example()
    >>> t = measure_triad(s.events, ["USA", "JPN", "KOR"])
    >>> sorted(t.by_dyad())[:2]
    ['JPN->KOR', 'JPN->USA']
    """
    if len(actors) != 3:
        raise ConfigError(f"give exactly three actors, got {len(actors)}", field="actors")
    a, b, c = (x if isinstance(x, Actor) else Actor.parse(x, field="actors") for x in actors)
    f = _choice(Freq, freq, "freq")
    base = baseline or DEFAULT_BASELINE[f]
    orig = list(origins) if origins else None
    with caught_notes() as notes:
        orig, cov = _coverage(events, triad_pairs(a, b, c), end, orig, actor_scope)
        hist = history_start(events, end=end, origins=orig)
        expr, _ = windowed_index(
            events,
            triad_pairs(a, b, c),
            freq=f,
            start=start,
            end=end,
            measure=measure,
            baseline=base,
            reference=reference,
            origins=orig,
            history_from=hist,
            actors=actor_scope,
            count=count,
        )
        table = expr.to_pyarrow()
        rows = table.to_pylist()
        known = _known(_by_dyad(rows), triad_pairs(a, b, c), measure, orig) if alarms else {}
        found = (
            [
                x
                for s, t in ((a, b), (a, c), (b, c))
                for x in _evaluate(
                    events,
                    s,
                    t,
                    freq=f,
                    start=start,
                    end=end,
                    origins=orig,
                    baseline=base,
                    reference=reference,
                    history_from=hist,
                    actors=actor_scope,
                    count=count,
                    known=known,
                )
            ]
            if alarms
            else []
        )
    found.sort(key=lambda x: (x.period, x.rule, x.dyad), reverse=True)
    notes = [*_scope_notes(actor_scope, count), *notes]
    return TriadMeasure(
        actors=(a, b, c),
        freq=f.value,
        measure=measure,
        baseline=base,
        table=table,
        rows=rows,
        alarms=found,
        notes=notes,
        history_from=hist,
        reference=reference,
        coverage=cov,
        frictions=_frictions(register, [x.country for x in (a, b, c)], rows, f),
    )

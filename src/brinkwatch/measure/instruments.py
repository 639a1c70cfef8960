"""Queries on an instruments register: what is in force, the timeline, frictions and alarms.

Pure functions on :class:`~brinkwatch.instruments.Register` (read by
:func:`brinkwatch.ingest.instruments.read_register`); they open no file. Each instrument state
carries a friction weight (0 = no friction; the register's defaults, or a user override of the
shape ``{instrument_id: {state: weight}}``), so the states in force add up to a "frictions in
force" series that stands beside the event measures: it stays up while measures stand, in
months when few events are reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from brinkwatch.errors import ConfigError, RegisterError
from brinkwatch.instruments import Citation, Instrument, Register, StateChange, Weights
from brinkwatch.measure._periods import Freq, calendar, period_start
from brinkwatch.measure.alarms import Alarm, Evidence

__all__ = [
    "Change",
    "InForce",
    "InstrumentsView",
    "Span",
    "changes",
    "frictions_series",
    "in_force",
    "instrument_alarms",
    "instruments_view",
    "resolve_weights",
    "timeline",
]

#: Severity of an instrument alarm by the size of its friction change (at least this much).
SEVERITY_STEPS = ((3.0, "critical"), (2.0, "high"), (1.0, "medium"), (0.0, "low"))


@dataclass(frozen=True)
class InForce:
    """An instrument existing on a day: its state, since when, its friction and the source."""

    instrument: str
    name: str
    type: str
    parties: tuple[str, ...]
    state: str
    since: date
    weight: float
    date_kind: str
    citation: Citation

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the citation as a nested dict)."""
        return asdict(self)


@dataclass(frozen=True)
class Span:
    """A state held from ``start`` to ``end`` inclusive (``end`` None: still held at the end)."""

    instrument: str
    state: str
    start: date
    end: date | None
    weight: float
    citation: Citation

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """A dated state change with the friction before and after (0 before an instrument exists)."""

    instrument: str
    date: date
    previous: str | None
    state: str
    weight_before: float
    weight_after: float
    date_kind: str
    citation: Citation
    date_note: str | None = None
    note: str | None = None

    @property
    def delta(self) -> float:
        """How much friction the change added (negative: removed)."""
        return self.weight_after - self.weight_before

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict, with ``delta``."""
        return {**asdict(self), "delta": self.delta}


def resolve_weights(
    register: Register, weights: Weights | None = None
) -> dict[str, dict[str, float]]:
    """Return the friction weight of every state: the register's, replaced by ``weights``.

    Parameters
    ----------
    register
        The register.
    weights
        ``{instrument_id: {state: weight}}``; states not named keep the register's weight.

    Raises
    ------
    RegisterError
        When ``weights`` names an instrument or a state the register lacks, or a weight < 0.

    Examples
    --------
    >>> from brinkwatch.ingest.instruments import parse_register
    >>> r = parse_register(_EXAMPLE)
    >>> resolve_weights(r, {"GSOMIA": {"terminated": 5}})["GSOMIA"]
    {'active': 0.0, 'notice_given': 2.0, 'terminated': 5.0}
    """
    out = {i.id: dict(i.states) for i in register.instruments}
    for ins_id, by_state in (weights or {}).items():
        if ins_id not in out:
            raise RegisterError(
                f"the weights name instrument '{ins_id}', which is not in register "
                f"'{register.id}' ({', '.join(register.ids)})",
                field=ins_id,
            )
        for state, w in by_state.items():
            if state not in out[ins_id]:
                raise RegisterError(
                    f"instrument '{ins_id}' has no state '{state}' (its states: "
                    f"{', '.join(out[ins_id])})",
                    field=f"{ins_id}.{state}",
                )
            if isinstance(w, bool) or not isinstance(w, int | float) or not w >= 0:
                raise RegisterError(
                    f"weights are numbers >= 0, got {w!r}", field=f"{ins_id}.{state}"
                )
            out[ins_id][state] = float(w)
    return out


def in_force(register: Register, on: date, weights: Weights | None = None) -> list[InForce]:
    """List the instruments that exist on ``on``, each with the state it is in that day.

    An instrument exists from its ``start`` to its ``end`` inclusive; its state is that of the
    last change on or before ``on``.

    Examples
    --------
    >>> from brinkwatch.ingest.instruments import parse_register
    >>> [(x.instrument, x.state, x.weight) for x in in_force(parse_register(_EXAMPLE),
    ...                                                      date(2019, 12, 1))]
    [('GSOMIA', 'notice_given', 2.0)]
    """
    w = resolve_weights(register, weights)
    out = []
    for ins in register.instruments:
        ch = ins.state_on(on)
        if ch is None:
            continue
        out.append(
            InForce(
                instrument=ins.id,
                name=ins.name,
                type=ins.type,
                parties=ins.parties,
                state=ch.state,
                since=ch.date,
                weight=w[ins.id][ch.state],
                date_kind=ch.date_kind,
                citation=ch.citation,
            )
        )
    return out


def _held(ins: Instrument) -> list[tuple[StateChange, date | None]]:
    """Each change with the last day its state holds (``None``: to the open end)."""
    out: list[tuple[StateChange, date | None]] = []
    for k, ch in enumerate(ins.changes):
        nxt = ins.changes[k + 1].date if k + 1 < len(ins.changes) else None
        if nxt == ch.date:
            continue  # replaced the same day: the later change holds
        out.append((ch, nxt - timedelta(days=1) if nxt is not None else ins.end))
    return out


def timeline(
    register: Register,
    start: date | None = None,
    end: date | None = None,
    weights: Weights | None = None,
) -> list[Span]:
    """List the spans (instrument, state, from, to) that overlap ``start``..``end``.

    Spans are clipped to the window; a span still held at the register's end has ``end`` None
    unless the window ends it. Spans come instrument by instrument, in date order.

    Raises
    ------
    ConfigError
        If ``start`` is after ``end``.
    """
    _check_window(start, end)
    w = resolve_weights(register, weights)
    out = []
    for ins in register.instruments:
        for ch, last in _held(ins):
            if (end is not None and ch.date > end) or (
                start is not None and last is not None and last < start
            ):
                continue
            first = max(ch.date, start) if start is not None else ch.date
            upto = last if end is None else (end if last is None else min(last, end))
            out.append(Span(ins.id, ch.state, first, upto, w[ins.id][ch.state], ch.citation))
    return out


def changes(
    register: Register,
    start: date | None = None,
    end: date | None = None,
    weights: Weights | None = None,
) -> list[Change]:
    """List the state changes dated within ``start``..``end``, in date order.

    A change on an instrument's first day starts from no state and no friction.
    """
    _check_window(start, end)
    w = resolve_weights(register, weights)
    out = []
    for ins in register.instruments:
        prev: StateChange | None = None
        for ch in ins.changes:
            if (start is None or ch.date >= start) and (end is None or ch.date <= end):
                out.append(
                    Change(
                        instrument=ins.id,
                        date=ch.date,
                        previous=prev.state if prev else None,
                        state=ch.state,
                        weight_before=w[ins.id][prev.state] if prev else 0.0,
                        weight_after=w[ins.id][ch.state],
                        date_kind=ch.date_kind,
                        citation=ch.citation,
                        date_note=ch.date_note,
                        note=ch.note,
                    )
                )
            prev = ch
    return sorted(out, key=lambda c: (c.date, c.instrument))


def _check_window(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ConfigError(
            f"the window starts {start}, after it ends {end}; swap them", field="start"
        )


def _period_end(p: date, freq: Freq) -> date:
    if freq is Freq.DAY:
        return p
    if freq is Freq.WEEK:
        return p + timedelta(days=6)
    return date(p.year + p.month // 12, p.month % 12 + 1, 1) - timedelta(days=1)


def frictions_series(
    register: Register,
    start: date,
    end: date,
    freq: Freq = Freq.WEEK,
    weights: Weights | None = None,
) -> pa.Table:
    """Sum the friction of the states in force, per period: one column per instrument and total.

    Periods are those of :func:`brinkwatch.measure.dyad_series` (days; ISO weeks from Monday;
    months from the 1st), labelled by their first day, from the period holding ``start`` to
    the one holding ``end``. A state that holds for part of a period counts by the days it
    held: its weight times the share of the period's calendar days it was in force (a
    notice given on 23 August adds 9/31 of its weight to August and all of it to September).
    Days on which an instrument does not exist add nothing. Each period counts all its
    calendar days, so a period's value does not depend on the window.

    Parameters
    ----------
    register
        The register.
    start, end
        First and last day of the window (inclusive).
    freq
        Period length.
    weights
        Override of the register's weights, ``{instrument_id: {state: weight}}``.

    Returns
    -------
    pyarrow.Table
        ``period`` (date32), one float column per instrument (its id) and ``total``.

    Examples
    --------
    >>> from brinkwatch.ingest.instruments import parse_register
    >>> t = frictions_series(parse_register(_EXAMPLE), date(2019, 8, 1), date(2019, 9, 30),
    ...                      Freq.MONTH)
    >>> [round(v, 3) for v in t.column("total").to_pylist()]
    [0.581, 2.0]
    """
    periods = calendar(start, end, freq)
    w = resolve_weights(register, weights)
    cols: dict[str, Any] = {"period": pa.array(periods, pa.date32())}
    total = [0.0] * len(periods)
    for ins in register.instruments:
        held = [(ch.date, last, w[ins.id][ch.state]) for ch, last in _held(ins)]
        col = []
        for k, p in enumerate(periods):
            p_end = _period_end(p, freq)
            days = (p_end - p).days + 1
            acc = 0.0
            for first, last, weight in held:
                lo, hi = max(first, p), min(last or p_end, p_end)
                if hi >= lo and weight:
                    acc += weight * ((hi - lo).days + 1)
            col.append(acc / days)
            total[k] += acc / days
        cols[ins.id] = pa.array(col, pa.float64())
    cols["total"] = pa.array(total, pa.float64())
    return pa.table(cols)


def _severity(delta: float) -> str:
    size = abs(delta)
    return next(name for floor, name in SEVERITY_STEPS if size >= floor)


def instrument_alarms(
    register: Register,
    start: date | None = None,
    end: date | None = None,
    *,
    freq: Freq = Freq.WEEK,
    min_weight_change: float = 1.0,
    weights: Weights | None = None,
    between: tuple[str, str] | None = None,
) -> list[Alarm]:
    """Turn the state changes that raise or lower friction into alarms, beside event alarms.

    One :class:`~brinkwatch.measure.Alarm` per change within ``start``..``end`` whose friction
    moves by at least ``min_weight_change`` (a notice, an entry into force, a lifting). Its
    rule is ``instrument:<id>``, its dyad the imposer and target (``JPN->KOR``) or the parties
    (``JPN-KOR``), its period the ``freq`` period holding the change (as event alarms), its
    severity grows with the size of the change (>= 3 critical, >= 2 high, >= 1 medium, else
    low) and its evidence is the change's citation (origin ``register``). ``between`` (two
    country codes) keeps the instruments whose parties include both.

    Raises
    ------
    ConfigError
        If ``min_weight_change`` is not positive or the window is reversed.
    """
    if not min_weight_change > 0:
        raise ConfigError(
            f"min_weight_change must be > 0, got {min_weight_change}", field="min_weight_change"
        )
    by_id = {i.id: i for i in register.instruments}
    out = []
    for c in changes(register, start, end, weights):
        if abs(c.delta) < min_weight_change:
            continue
        ins = by_id[c.instrument]
        if between is not None and not set(between) <= set(ins.parties):
            continue
        if ins.imposer and ins.target:
            dyad = f"{ins.imposer}->{ins.target}"
        else:
            dyad = "-".join(ins.parties)
        verb = "raises" if c.delta > 0 else "lowers"
        detail = (
            f"{c.instrument}: {c.previous or '(new)'} -> {c.state} ({c.date_kind} {c.date}) "
            f"{verb} friction {c.weight_before:g} -> {c.weight_after:g}"
        )
        ev = Evidence(
            event_id=f"{c.instrument}@{c.date.isoformat()}",
            origin="register",
            event_date=c.date,
            source=ins.imposer,
            target=ins.target,
            cameo_code="",
            goldstein=None,
            text=f"{ins.name}: {c.state} ({c.date_kind})",
            reference=c.citation.reference,
            story=f"{register.id}:{c.instrument}@{c.date.isoformat()}",
        )
        out.append(
            Alarm(
                rule=f"instrument:{c.instrument}",
                title=f"{ins.name}: {c.state}",
                severity=_severity(c.delta),
                dyad=dyad,
                period=period_start(c.date, freq),
                detail=detail,
                evidence=[ev],
                stories=1,
                rows=1,
            )
        )
    return out


@dataclass(frozen=True)
class InstrumentsView:
    """What ``brinkwatch instruments`` shows: in force on a day, or the changes in a span.

    ``at`` set: ``in_force`` lists the instruments existing that day. A window (``start``,
    ``end``, either may be open) or neither: ``changes`` lists the changes in it. ``spans``
    always holds the timeline of the window (the whole register when open), for figures.
    """

    register: str
    title: str
    source: str
    at: date | None
    start: date | None
    end: date | None
    in_force: tuple[InForce, ...] = ()
    changes: tuple[Change, ...] = ()
    spans: tuple[Span, ...] = field(default_factory=tuple)

    def table(self) -> pa.Table:
        """Return the rows to print: in force (with ``at``) or changes, one row each."""
        if self.at is not None:
            rows = [
                {
                    "instrument": x.instrument,
                    "state": x.state,
                    "since": x.since,
                    "weight": x.weight,
                    "parties": "-".join(x.parties),
                    "citation": x.citation.reference,
                }
                for x in self.in_force
            ]
            names = ["instrument", "state", "since", "weight", "parties", "citation"]
        else:
            rows = [
                {
                    "date": c.date,
                    "instrument": c.instrument,
                    "previous": c.previous,
                    "state": c.state,
                    "date_kind": c.date_kind,
                    "delta": c.delta,
                    "citation": c.citation.reference,
                }
                for c in self.changes
            ]
            names = ["date", "instrument", "previous", "state", "date_kind", "delta", "citation"]
        return pa.Table.from_pylist(rows) if rows else pa.table({n: [] for n in names})

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the whole view."""
        return {
            "register": self.register,
            "title": self.title,
            "at": self.at,
            "from": self.start,
            "to": self.end,
            "in_force": [x.as_dict() for x in self.in_force],
            "changes": [c.as_dict() for c in self.changes],
        }


def instruments_view(
    register: Register,
    *,
    at: date | None = None,
    start: date | None = None,
    end: date | None = None,
    weights: Weights | None = None,
) -> InstrumentsView:
    """Build what ``brinkwatch instruments`` shows (see :class:`InstrumentsView`).

    Raises
    ------
    ConfigError
        If ``at`` is given with a window, or the window is reversed.
    """
    if at is not None and (start is not None or end is not None):
        raise ConfigError("ask for one day (--at) or a span (--from/--to), not both", field="at")
    head = (register.id, register.title, register.source, at, start, end)
    if at is not None:
        return InstrumentsView(
            *head,
            in_force=tuple(in_force(register, at, weights)),
            spans=tuple(timeline(register, weights=weights)),
        )
    return InstrumentsView(
        *head,
        changes=tuple(changes(register, start, end, weights)),
        spans=tuple(timeline(register, start, end, weights)),
    )


_EXAMPLE = """
register: demo
title: Demo
instruments:
  - id: GSOMIA
    name: General Security of Military Information Agreement
    type: agreement
    parties: [JPN, KOR]
    states: {active: 0, notice_given: 2, terminated: 3}
    start: 2016-11-23
    changes:
      - date: 2016-11-23
        state: active
        date_kind: signed
        citation: {publisher: MOFA, date: 2016-11-23, title: Signing}
      - date: 2019-08-23
        state: notice_given
        date_kind: decided
        citation: {publisher: Yonhap, date: 2019-08-23, title: Notice}
"""

"""The brief's bottom line and its notes, worded for a reader from the stage bundles.

:func:`bottom_line` picks from the results what a reader needs first (where the relation stands
in the latest complete period the sources cover, the biggest shift, the alarms that matter, what
is in force, which lever helps most as far as the adjusted comparison supports it) and says it
in plain sentences with human labels.
:func:`reader_notes` (from :mod:`brinkwatch.report.notes`, which the CLI shares) rewrites the
stages' warnings for a reader: no class names, no option names, no ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from brinkwatch.report.labels import Labels
from brinkwatch.report.notes import reader_notes

if TYPE_CHECKING:
    from brinkwatch.measure import DyadMeasure
    from brinkwatch.measure.alarms import Alarm
    from brinkwatch.measure.instruments import InstrumentsView
    from brinkwatch.simulate import VariantRuns

__all__ = ["AlarmGroup", "BottomLine", "bottom_line", "lever_sentence", "reader_notes"]

SEVERITY_ORDER = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class AlarmGroup:
    """One alarm rule's firings in the window, for the de-duplicated list."""

    title: str
    rule: str
    severity: str
    periods: tuple[date, ...]
    dyads: tuple[str, ...]


@dataclass(frozen=True)
class BottomLine:
    """The brief's first screen: plain sentences, and the facts they rest on."""

    sentences: tuple[str, ...]
    period: date | None
    alarm_groups: tuple[AlarmGroup, ...]


def _month(d: date, freq: str) -> str:
    return d.strftime("%B %Y") if freq == "month" else f"the {freq} of {d:%d %B %Y}"


def _period_end(periods: Sequence[date], i: int, freq: str) -> date:
    if i + 1 < len(periods):
        return periods[i + 1] - timedelta(days=1)
    p = periods[i]
    if freq == "month":
        nxt = date(p.year + p.month // 12, p.month % 12 + 1, 1)
        return nxt - timedelta(days=1)
    return p + timedelta(days=6 if freq == "week" else 0)


def latest_complete_period(m: DyadMeasure) -> date | None:
    """Return the last period that ends on or before the last day the counted sources cover.

    A trailing period past the sources' last day is empty or partial, not quiet.
    """
    periods: list[date] = sorted({r["period"] for r in m.rows})
    covered = [c.last for c in m.coverage if c.used]
    if not periods:
        return None
    if not covered:
        return periods[-1]
    last = max(covered)
    done: list[date] = [p for i, p in enumerate(periods) if _period_end(periods, i, m.freq) <= last]
    return done[-1] if done else None


def _standing(m: DyadMeasure, lab: Labels, period: date | None) -> str:
    if period is None:
        return f"No complete {m.freq} of {lab.pair(m.dyad.name)} events in this window."
    rows = [r for r in m.rows if r["period"] == period]
    lead = f"In {_month(period, m.freq)}, the latest full {m.freq} the sources cover, "
    if not any(r["events"] for r in rows):
        # A quiet period says little: lead with the last one that had events.
        busy = [r["period"] for r in m.rows if r["events"] and r["period"] < period]
        if busy:
            lead = (
                f"{_month(period, m.freq)}, the latest full {m.freq} the sources cover, had no "
                f"{lab.pair(m.dyad.name)} events; in {_month(max(busy), m.freq)}, the last "
                "with events, "
            )
            rows = [r for r in m.rows if r["period"] == max(busy)]
    parts = []
    for r in rows:
        usual = r.get("baseline_median")
        idx = r.get("index")
        where = "" if idx is None or abs(idx) < 1 else ", well below" if idx < 0 else ", well above"
        usual_txt = "" if usual is None else f" (usual {usual:+.1f}{where})"
        parts.append(f"{r['value']:+.1f} for {lab.dyad(r['dyad'])}{usual_txt}")
    text = lead + f"the {lab.measure(m.measure)} was " + " and ".join(parts) + "."
    lows = [h.lowest for h in m.headlines if h.lowest]
    if lows:
        low = min(lows, key=lambda r: r["value"])
        record = (
            f", a record low ({low['periods_since']} {m.freq}s of data before it)"
            if low.get("record_low")
            else ""
        )
        # One sentence: the record belongs with where the relation stands.
        text = text[:-1] + (
            f"; the low point was {_month(low['period'], m.freq)}, {lab.dyad(low['dyad'])} "
            f"at {low['value']:+.1f}{record}."
        )
    return text


def _changed(m: DyadMeasure, lab: Labels, groups: Sequence[AlarmGroup]) -> str:
    """Say what changed and when, and the alarms that matter, in one sentence."""
    alarms = _alarms(groups, len(m.alarms), m.freq)
    cps = [(d, c) for d, cs in m.change_points.items() for c in cs if c.period is not None]
    if not cps:
        return alarms
    d, big = max(cps, key=lambda dc: abs(dc[1].mean_after - dc[1].mean_before))
    verb = "fell" if big.mean_after < big.mean_before else "rose"
    text = (
        f"The biggest shift came in {_month(big.period or date.min, m.freq)}, "
        f"when {lab.dyad(d)} {verb} "
        f"from an average of {big.mean_before:+.1f} to {big.mean_after:+.1f} a {m.freq}"
    )
    d2, last = max(cps, key=lambda dc: dc[1].period or date.min)
    if last.period and big.period and last.period > big.period:
        text += (
            f"; the latest shift, in {_month(last.period, m.freq)}, took {lab.dyad(d2)} to "
            f"{last.mean_after:+.1f}"
        )
    return f"{text}, and {alarms[0].lower()}{alarms[1:]}"


def alarm_groups(alarms: Sequence[Alarm]) -> tuple[AlarmGroup, ...]:
    """Group alarms by rule (one line per rule), most severe first, then earliest."""
    by: dict[str, list[Alarm]] = {}
    for a in alarms:
        by.setdefault(a.rule, []).append(a)
    groups = [
        AlarmGroup(
            title=xs[0].title,
            rule=rule,
            severity=min((a.severity for a in xs), key=_rank),
            periods=tuple(sorted({a.period for a in xs})),
            dyads=tuple(dict.fromkeys(a.dyad for a in xs)),
        )
        for rule, xs in by.items()
    ]
    return tuple(sorted(groups, key=lambda g: (_rank(g.severity), g.periods[0])))


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def _when(periods: Sequence[date], freq: str) -> str:
    if len(periods) == 1:
        return _month(periods[0], freq)
    return f"{len(periods)} {freq}s, {_month(periods[0], freq)} to {_month(periods[-1], freq)}"


def _alarms(groups: Sequence[AlarmGroup], n: int, freq: str) -> str:
    if not groups:
        return "No alarm fired in this window."
    top = [
        f"{g.title[0].lower()}{g.title[1:]} ({g.severity}, {_when(g.periods, freq)})"
        for g in groups[:3]
    ]
    return f"{n} alarm(s) of {len(groups)} kinds fired, the most serious: " + "; ".join(top) + "."


def _in_force(view: InstrumentsView | None, on: date | None, lab: Labels) -> str | None:
    if view is None or on is None:
        return None
    active = [x for x in view.in_force if x.weight > 0]
    if not active:
        return f"On {on:%d %B %Y} no instrument of the register adds friction."
    top = sorted(active, key=lambda x: (-x.weight, -x.since.toordinal()))[:2]
    named = "; ".join(
        f"{lab.instrument(x.instrument)} ({lab.state(x.state)} since {x.since:%d %B %Y})"
        for x in top
    )
    total = sum(x.weight for x in active)
    return (
        f"On {on:%d %B %Y}, {len(active)} instrument(s) in the register add friction "
        f"(total {total:.0f}), among the heaviest: {named}."
    )


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def lever_sentence(runs: VariantRuns | None, lab: Labels) -> str | None:
    """Say which lever helps most, only as far as the adjusted comparison supports it.

    The sentence follows ``runs.ranking`` (:func:`~brinkwatch.simulate.rank_levers`): a lever
    is named as helping most only when its paired gap over the runner-up excludes zero after
    adjusting for the number of levers compared; two levers that cannot be told apart are
    named together; with no lever told apart from no intervention, the sentence says so.

    Parameters
    ----------
    runs
        The scenario's runs (None: no sentence).
    lab
        Labels for outcomes and levers.

    Returns
    -------
    str or None
        One sentence, or None without runs or a ranking.
    """
    if runs is None or runs.ranking is None:
        return None
    r = runs.ranking
    outcome = lab.outcome(r.outcome)
    level = f"{r.level:.0%}"
    compared = f"{r.n_levers} lever{'s' if r.n_levers != 1 else ''} compared"
    top, second = r.top, r.runner_up
    if r.verdict == "none" or top is None:
        return (
            f"In the simulation of {runs.scenario.title}, no lever's effect on the chance of "
            f"“{outcome}” is distinguishable from no intervention at {r.n_paths:,} runs "
            f"({compared}, {level} intervals adjusted for the comparison)."
        )
    if r.verdict == "best" or second is None:
        which = "of the " + compared if r.n_levers > 1 else "(the only lever compared)"
        return (
            f"In the simulation of the crisis, {lab.lever(top.lever)} helps most {which} "
            f"against “{outcome}”: {100 * r.base:.0f}% without levers, "
            f"{100 * top.probability:.0f}% with it (effect {_pts(top.effect)} points, "
            f"adjusted {level} interval {_pts(top.low)} to {_pts(top.high)})."
        )
    return (
        f"In the simulation of the crisis, {lab.lever(top.lever)} and "
        f"{lab.lever(second.lever)} cannot be told apart at {r.n_paths:,} runs ({compared}): "
        f"against “{outcome}” ({100 * r.base:.0f}% without levers) they change its chance by "
        f"{_pts(top.effect)} and {_pts(second.effect)} points, and the first does better by "
        f"{100 * r.gap:.1f} points (adjusted {level} interval {_pts(r.gap_low)} to "
        f"{_pts(r.gap_high)})."
    )


def bottom_line(
    m: DyadMeasure,
    lab: Labels,
    *,
    instruments: InstrumentsView | None = None,
    on: date | None = None,
    runs: VariantRuns | None = None,
) -> BottomLine:
    """Word the brief's first screen from the stage results.

    Parameters
    ----------
    m
        The dyad's measure bundle.
    lab
        Labels for the ids.
    instruments, on
        The register's view on the brief's date.
    runs
        The scenario's runs.

    Returns
    -------
    BottomLine
    """
    period = latest_complete_period(m)
    groups = alarm_groups(m.alarms)
    sentences = [
        _standing(m, lab, period),
        _changed(m, lab, groups),
        _in_force(instruments, on, lab),
        lever_sentence(runs, lab),
    ]
    return BottomLine(
        sentences=tuple(s for s in sentences if s), period=period, alarm_groups=groups
    )

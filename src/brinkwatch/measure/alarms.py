"""Alarms from YAML rules: CAMEO codes between named actors, index drops, change points.

Every alarm carries its evidence: the events behind it, with ids, dates, codes and the text or
URL that documents them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import ibis
import yaml

from brinkwatch._yaml import checked_items, compose, shown, value_of
from brinkwatch.errors import ConfigError
from brinkwatch.measure._periods import Freq, calendar, in_window, period_of
from brinkwatch.measure.changepoints import change_points
from brinkwatch.measure.dyads import Actor, _bounds, _match
from brinkwatch.measure.index import DEFAULT_BASELINE, windowed_index

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "Alarm",
    "AlarmRule",
    "Evidence",
    "default_rules",
    "evaluate_alarms",
    "parse_rules",
]

Kind = Literal["events", "index", "change_point"]
_SEVERITIES = ("low", "medium", "high", "critical")
_EVIDENCE_MAX = 12


@dataclass(frozen=True)
class AlarmRule:
    """One alarm rule (see ``brinkwatch/data/rules/allies.yaml``)."""

    id: str
    kind: Kind
    title: str
    severity: str = "medium"
    codes: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    between: tuple[str, ...] = ()
    directed: bool = False
    min_count: int = 1
    measure: str = "goldstein_sum"
    threshold: float = -2.0
    direction: str = "down"


@dataclass(frozen=True)
class Evidence:
    """An event behind an alarm."""

    event_id: str
    origin: str
    event_date: date
    source: str | None
    target: str | None
    cameo_code: str
    goldstein: float | None
    text: str | None
    reference: str | None


@dataclass(frozen=True)
class Alarm:
    """A rule that fired for a dyad in a period."""

    rule: str
    title: str
    severity: str
    dyad: str
    period: date
    detail: str
    evidence: list[Evidence] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


_RULE_KEYS = {
    "id",
    "kind",
    "title",
    "severity",
    "codes",
    "exclude",
    "between",
    "directed",
    "min_count",
    "measure",
    "threshold",
    "direction",
}


def parse_rules(text: str, *, source: str = "rules") -> list[AlarmRule]:
    """Parse and validate alarm rules from YAML text.

    Raises
    ------
    ConfigError
        Naming the source, line and field of the first problem.
    """
    root = compose(text, source=source, error=ConfigError)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("the rules file must be a mapping with a 'rules' list", path=source)
    nodes = {str(k.value): v for k, v in root.value}
    rules_node = nodes.get("rules")
    if not isinstance(rules_node, yaml.SequenceNode):
        raise ConfigError("expected 'rules:' followed by a list of rules", path=source)
    rules: list[AlarmRule] = []
    seen: set[str] = set()
    for item in rules_node.value:
        line = int(item.start_mark.line) + 1
        if not isinstance(item, yaml.MappingNode):
            raise ConfigError("each rule must be a mapping", path=source, line=line)
        raw: dict[str, Any] = {
            key: value_of(v, source=source, error=ConfigError, field=key)
            for key, _, v in checked_items(
                item, _RULE_KEYS, source=source, error=ConfigError, what="rule key"
            )
        }
        rules.append(_rule(raw, source=source, line=line))
        if rules[-1].id in seen:
            raise ConfigError(
                f"rule id '{rules[-1].id}' is used twice", path=source, line=line, field="id"
            )
        seen.add(rules[-1].id)
    return rules


def _rule(raw: dict[str, Any], *, source: str, line: int) -> AlarmRule:
    def bad(fld: str, msg: str) -> ConfigError:
        return ConfigError(msg, path=source, line=line, field=fld)

    for req in ("id", "kind", "title"):
        if not raw.get(req):
            raise bad(req, f"a rule needs '{req}'")
    kind = raw["kind"]
    if kind not in ("events", "index", "change_point"):
        raise bad("kind", f"kind must be events, index or change_point, got {shown(kind)}")
    sev = raw.get("severity", "medium")
    if sev not in _SEVERITIES:
        raise bad("severity", f"severity must be one of {', '.join(_SEVERITIES)}, got {shown(sev)}")
    codes = tuple(str(c) for c in raw.get("codes") or ())
    if kind == "events":
        if not codes:
            raise bad("codes", "an events rule needs 'codes' (CAMEO code prefixes such as 163)")
        for c in codes:
            if not (c.isdigit() and 2 <= len(c) <= 4):
                raise bad("codes", f"'{c}' is not a CAMEO code prefix (2 to 4 digits)")
    exclude = tuple(str(c) for c in raw.get("exclude") or ())
    for c in exclude:
        if not (c.isdigit() and 2 <= len(c) <= 4):
            raise bad("exclude", f"'{c}' is not a CAMEO code prefix (2 to 4 digits)")
    between = tuple(str(c).upper() for c in raw.get("between") or ())
    if between and len(between) != 2:
        raise bad("between", "'between' names exactly two country codes")
    direction = raw.get("direction", "down")
    if direction not in ("down", "up", "any"):
        raise bad("direction", f"direction must be down, up or any, got {shown(direction)}")
    try:
        threshold = float(raw.get("threshold", -2.0))
        min_count = int(raw.get("min_count", 1))
    except (TypeError, ValueError) as exc:
        raise bad("threshold", f"threshold and min_count must be numbers ({exc})") from exc
    return AlarmRule(
        id=str(raw["id"]),
        kind=kind,
        title=str(raw["title"]),
        severity=sev,
        codes=codes,
        exclude=exclude,
        between=between,
        directed=bool(raw.get("directed", False)),
        min_count=min_count,
        measure=str(raw.get("measure", "goldstein_sum")),
        threshold=threshold,
        direction=direction,
    )


def default_rules() -> list[AlarmRule]:
    """Return the rule set shipped for relations between allies."""
    text = resources.files("brinkwatch").joinpath("data/rules/allies.yaml").read_text("utf-8")
    return parse_rules(text, source="brinkwatch/data/rules/allies.yaml")


def _evidence(rows: list[dict[str, Any]]) -> list[Evidence]:
    return [
        Evidence(
            event_id=r["event_id"],
            origin=r["origin"],
            event_date=r["event_date"],
            source=r["source_code"],
            target=r["target_code"],
            cameo_code=r["cameo_code"],
            goldstein=r["goldstein"],
            text=r["description"] or r["sentence"],
            reference=r["source_url"] or r["citation"] or r["story_id"],
        )
        for r in rows
    ]


_EVIDENCE_COLS = [
    "event_id",
    "origin",
    "event_date",
    "source_code",
    "target_code",
    "cameo_code",
    "goldstein",
    "description",
    "sentence",
    "source_url",
    "citation",
    "story_id",
    "source_country",
    "target_country",
]


def evaluate_alarms(
    events: ir.Table,
    a: Actor,
    b: Actor,
    *,
    rules: Sequence[AlarmRule] | None = None,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    origins: Sequence[str] | None = None,
    baseline: int | None = None,
    reference: tuple[date, date] | None = None,
    history_from: date | None = None,
) -> list[Alarm]:
    """Evaluate alarm rules for the dyad A-B over a date range.

    Parameters
    ----------
    events
        The canonical events table.
    a, b
        The dyad; event rules look both ways unless a rule says ``directed: true``, index and
        change-point rules run on each directed series.
    rules
        The rules; :func:`default_rules` when omitted.
    freq, start, end, origins
        As for :func:`~brinkwatch.measure.dyads.dyad_series`.
    baseline
        Trailing baseline for index rules (default by frequency).
    reference
        A fixed reference baseline ``(first, last)`` day for index rules instead.
    history_from
        First day of the data, as :func:`~brinkwatch.measure.index.history_start` gives it
        (looked up when omitted). Index and change-point rules read the series indexed over
        the whole history and cut to the window, so an index alarm does not depend on
        ``start``.

    Returns
    -------
    list of Alarm
        Sorted by period, then severity (most severe first), then rule.
    """
    freq = Freq(freq)
    rules = list(rules) if rules is not None else default_rules()
    e = in_window(events, start=start, end=end, origins=origins)
    alarms: list[Alarm] = []
    pairs = [(a, b), (b, a)]
    if start is None or end is None:
        # One window for both directions: a direction without events is a series of zeros over
        # the dyad's span, not an error.
        lo, hi = _bounds(e.filter(_match(e, a, b) | _match(e, b, a)))
        start, end = start or lo, end or hi
    series_cache: dict[str, list[dict[str, Any]]] = {}
    for rule in rules:
        if rule.between and {a.country, b.country} != set(rule.between):
            continue
        if rule.kind == "events":
            alarms.extend(_event_alarms(e, rule, a, b, freq))
            continue
        for s, t in pairs[:1] if rule.directed else pairs:
            key = f"{s}->{t}:{rule.measure}"
            if key not in series_cache:
                idx, history_from = windowed_index(
                    events,
                    [(s, t)],
                    freq=freq,
                    start=start,
                    end=end,
                    measure=rule.measure,
                    baseline=baseline or DEFAULT_BASELINE[freq],
                    reference=reference,
                    origins=origins,
                    history_from=history_from,
                )
                series_cache[key] = idx.to_pyarrow().to_pylist()
            rows = series_cache[key]
            if rule.kind == "index":
                hits = [
                    (
                        r["period"],
                        f"index {r['index']:.2f} <= {rule.threshold:g} "
                        f"({rule.measure} {r['value']:g}, baseline median "
                        f"{r['baseline_median']:.2f})",
                    )
                    for r in rows
                    if r["index"] is not None and r["index"] <= rule.threshold
                ]
            else:
                cps = change_points([r["value"] for r in rows], [r["period"] for r in rows])
                hits = [
                    (c.period, f"{rule.measure} mean {c.mean_before:.2f} -> {c.mean_after:.2f}")
                    for c in cps
                    if c.period is not None
                    and (rule.direction == "any" or c.direction == rule.direction)
                ]
            for period, detail in hits:
                if rule.kind == "change_point":
                    # A change point is an alarm only if events start the new segment: a
                    # drift back to quiet after a cooperative spike points at nothing.
                    quads: tuple[int, ...] = {"down": (3, 4), "up": (1, 2)}.get(
                        rule.direction, (1, 2, 3, 4)
                    )
                    ev = _segment_events(e, s, t, period, freq, quads)
                    if not ev:
                        continue
                else:
                    ev = _period_events(e, s, t, period, freq)
                alarms.append(
                    Alarm(rule.id, rule.title, rule.severity, f"{s}->{t}", period, detail, ev)
                )
    order = {s: i for i, s in enumerate(reversed(_SEVERITIES))}
    return sorted(alarms, key=lambda x: (x.period, order[x.severity], x.rule, x.dyad))


def _event_alarms(e: ir.Table, rule: AlarmRule, a: Actor, b: Actor, freq: Freq) -> list[Alarm]:
    fwd = (e.source_country == a.country) & (e.target_country == b.country)
    bwd = (e.source_country == b.country) & (e.target_country == a.country)
    code = ibis.or_(*[e.cameo_code.startswith(c) for c in rule.codes])
    for x in rule.exclude:
        code &= ~e.cameo_code.startswith(x)
    m = e.filter(code & (fwd if rule.directed else fwd | bwd))
    m = m.mutate(period=period_of(m.event_date, freq))
    rows = m.select(*_EVIDENCE_COLS, "period").order_by(["event_date", "origin", "event_id"])
    by_period: dict[date, list[dict[str, Any]]] = {}
    for r in rows.to_pyarrow().to_pylist():
        by_period.setdefault(r["period"], []).append(r)
    out = []
    dyad = f"{a}->{b}" if rule.directed else f"{a}-{b}"
    for period, rs in sorted(by_period.items()):
        if len(rs) < rule.min_count:
            continue
        codes: dict[str, int] = {}
        for r in rs:
            codes[r["cameo_code"]] = codes.get(r["cameo_code"], 0) + 1
        detail = f"{len(rs)} event(s): " + ", ".join(
            f"{c} x{n}" if n > 1 else c for c, n in sorted(codes.items())
        )
        out.append(
            Alarm(
                rule.id,
                rule.title,
                rule.severity,
                dyad,
                period,
                detail,
                _evidence(rs[:_EVIDENCE_MAX]),
            )
        )
    return out


_SEGMENT_PERIODS = 3  # the first periods of a new segment, as min_size in change_points


def _segment_events(
    e: ir.Table, s: Actor, t: Actor, period: date, freq: Freq, quads: tuple[int, ...]
) -> list[Evidence]:
    p = e.filter((e.source_country == s.country) & (e.target_country == t.country))
    p = p.filter(p.quad_class.isin(list(quads)))
    first = period_of(p.event_date, freq)
    ends = calendar(period, period + timedelta(days=400), freq)[: _SEGMENT_PERIODS + 1]
    p = p.filter((first >= period) & (first < ends[-1]))
    rows = p.select(_EVIDENCE_COLS).order_by([p.goldstein.asc(), p.event_id]).limit(_EVIDENCE_MAX)
    return _evidence(rows.to_pyarrow().to_pylist())


def _period_events(e: ir.Table, s: Actor, t: Actor, period: date, freq: Freq) -> list[Evidence]:
    p = e.filter((e.source_country == s.country) & (e.target_country == t.country))
    p = p.filter(period_of(p.event_date, freq) == period)
    # The most conflictual events explain a drop best.
    rows = p.select(_EVIDENCE_COLS).order_by([p.goldstein.asc(), p.event_id]).limit(_EVIDENCE_MAX)
    return _evidence(rows.to_pyarrow().to_pylist())

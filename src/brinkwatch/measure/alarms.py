"""Alarms from YAML rules: CAMEO codes between named actors, index drops, change points.

Every alarm carries its evidence: one line per story behind it (the report the events were
coded from, see :func:`~brinkwatch.store.story_key`), ranked by the sources and mentions that
carry it, with the id, date, code and the text or URL that documents it.

An event rule must earn its alarm. Rows of machine-coded origins (gdelt1, gdelt2, icews,
coded) count by story and must reach ``min_stories`` distinct stories (default 2) carried by
``min_sources`` sources (default 2; a story counts its largest GDELT ``NumSources``, 1 where
the origin has none), optionally from lead paragraphs only (``root_only``). Where the store
holds GDELT 2.0 mentions of an event, its distinct mention outlets and its mentions stand in
for ``NumSources`` and ``NumMentions`` (:func:`~brinkwatch.store.event_sources`), and the
evidence names the outlets. Rows of curated
origins (the chronology, CSV) are checked facts and count by row against ``min_count``
(default 1). So no default rule fires on a single machine-coded story.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import yaml

from brinkwatch._frames import ResultList
from brinkwatch._yaml import checked_items, compose, line_of, shown, value_of
from brinkwatch.codebook import as_actor
from brinkwatch.errors import ConfigError
from brinkwatch.measure._periods import Freq, calendar, in_window, period_of
from brinkwatch.store import MACHINE_ORIGINS, event_sources, with_story

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from brinkwatch.measure.dyads import Actor, ActorScope, Count

# Ibis, NumPy and the series modules load when alarms are evaluated, not when rules are
# parsed: `brinkwatch watch --once` parses rules on every call (tests/cli/test_startup.py).

__all__ = [
    "Alarm",
    "AlarmRule",
    "Alarms",
    "Evidence",
    "default_rules",
    "evaluate_alarms",
    "parse_rules",
]

Kind = Literal["events", "index", "change_point"]
_SEVERITIES = ("low", "medium", "high", "critical")
_EVIDENCE_MAX = 12
# Rows read to build the story lines of one alarm; a period holds far fewer for one dyad.
_ROWS_MAX = 5000
_ORIGIN_MAX = 40


@dataclass(frozen=True)
class AlarmRule:
    """One alarm rule (see ``brinkwatch/data/rules/allies.yaml``).

    ``min_count`` counts events (stories of machine-coded origins, rows of curated ones);
    ``min_stories``, ``min_sources`` and ``root_only`` gate the rows of machine-coded origins
    only; ``origins`` restricts the rule to those origins (all when empty).
    """

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
    min_stories: int = 2
    min_sources: int = 2
    root_only: bool = False
    origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """A story behind an alarm, shown by its most-mentioned (then most conflictual) event.

    ``story`` is the story key, ``rows`` the stored rows of the alarm from that story,
    ``sources`` and ``mentions`` the largest GDELT ``NumSources`` / ``NumMentions`` among them
    (``None`` where the origin has none), counted from the stored mentions where an event has
    them; ``source_names`` then names the outlets of the row with the most sources.
    """

    event_id: str
    origin: str
    event_date: date
    source: str | None
    target: str | None
    cameo_code: str
    goldstein: float | None
    text: str | None
    reference: str | None
    story: str = ""
    rows: int = 1
    sources: int | None = None
    mentions: int | None = None
    source_names: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """One line for this story: date, code, reference, rows and sources."""
        what = (self.text or self.reference or self.event_id)[:90]
        extra = [f"{self.rows} rows"] if self.rows > 1 else []
        if self.sources is not None:
            names = ""
            # Named only when the names are what was counted (a story's top count may come
            # from another of its rows, an export row without mentions).
            if self.source_names and len(self.source_names) == self.sources:
                shown = ", ".join(self.source_names[:_NAMES_SHOWN])
                more = ", ..." if len(self.source_names) > _NAMES_SHOWN else ""
                names = f": {shown}{more}"
            extra.append(f"{self.sources} source{'' if self.sources == 1 else 's'}{names}")
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.event_date} {self.cameo_code} {what}{tail}"


@dataclass(frozen=True)
class Alarm:
    """A rule that fired for a dyad in a period.

    ``evidence`` holds one line per story (at most 12, ranked); ``stories`` and ``rows``
    count all of them, and ``detail`` starts with "N stories (M rows)".
    """

    rule: str
    title: str
    severity: str
    dyad: str
    period: date
    detail: str
    evidence: list[Evidence] = field(default_factory=list)
    stories: int = 0
    rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


class Alarms(ResultList[Alarm]):
    """The alarms :func:`evaluate_alarms` returns: a list, also a table in notebooks."""

    def to_arrow(self) -> pa.Table:
        """Return one row per alarm: period, dyad, severity, rule, title, stories, rows, detail."""
        import pyarrow as pa

        keys = ("period", "dyad", "severity", "rule", "title", "stories", "rows", "detail")
        return pa.table({k: [getattr(x, k) for x in self] for k in keys})

    def summary(self) -> str:
        """Return how many alarms fired, by severity, and the latest few."""
        if not self:
            return "no alarms"
        by = {
            s: sum(x.severity == s for x in self) for s in dict.fromkeys(x.severity for x in self)
        }
        head = f"{len(self)} alarm(s): " + ", ".join(f"{n} {s}" for s, n in by.items())
        latest = [f"{x.period} {x.dyad} {x.severity}: {x.title}" for x in self[-3:]]
        return "\n".join([head, *latest])


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
    "min_stories",
    "min_sources",
    "root_only",
    "origins",
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
        raw: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key, _, v in checked_items(
            item, _RULE_KEYS, source=source, error=ConfigError, what="rule key"
        ):
            raw[key] = value_of(v, source=source, error=ConfigError, field=key)
            lines[key] = line_of(v)
        rules.append(_rule(raw, source=source, line=line, lines=lines))
        if rules[-1].id in seen:
            raise ConfigError(
                f"rule id '{rules[-1].id}' is used twice", path=source, line=line, field="id"
            )
        seen.add(rules[-1].id)
    return rules


def _code_list(
    raw: dict[str, Any], fld: str, bad: Callable[[str, str], ConfigError]
) -> tuple[str, ...]:
    """Read a list of CAMEO code prefixes (``codes``, ``exclude``) of a rule."""
    value = raw.get(fld) or []
    if isinstance(value, str) or not isinstance(value, list):
        raise bad(
            fld, f'{fld} must be a list of CAMEO code prefixes such as ["163"], got {shown(value)}'
        )
    codes = tuple(str(c) for c in value)
    for c in codes:
        if not (c.isdigit() and 2 <= len(c) <= 4):
            raise bad(fld, f"{shown(c)} is not a CAMEO code prefix (2 to 4 digits)")
    return codes


def _rule(
    raw: dict[str, Any], *, source: str, line: int, lines: dict[str, int] | None = None
) -> AlarmRule:
    def bad(fld: str, msg: str) -> ConfigError:
        return ConfigError(msg, path=source, line=(lines or {}).get(fld, line), field=fld)

    def count(fld: str, default: int, least: int) -> int:
        v = raw.get(fld, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < least:
            raise bad(fld, f"{fld} must be a whole number >= {least}, got {shown(v)}")
        return v

    for req in ("id", "kind", "title"):
        if not raw.get(req):
            raise bad(req, f"a rule needs '{req}'")
    kind = raw["kind"]
    if kind not in ("events", "index", "change_point"):
        raise bad("kind", f"kind must be events, index or change_point, got {shown(kind)}")
    sev = raw.get("severity", "medium")
    if sev not in _SEVERITIES:
        raise bad("severity", f"severity must be one of {', '.join(_SEVERITIES)}, got {shown(sev)}")
    codes = _code_list(raw, "codes", bad)
    if kind == "events" and not codes:
        raise bad("codes", "an events rule needs 'codes' (CAMEO code prefixes such as 163)")
    exclude = _code_list(raw, "exclude", bad)
    between_raw = raw.get("between") or []
    if isinstance(between_raw, str) or not isinstance(between_raw, list):
        raise bad(
            "between", f"'between' must be a list such as [JPN, KOR], got {shown(between_raw)}"
        )
    between = tuple(str(c).upper() for c in between_raw)
    if between and len(between) != 2:
        raise bad("between", "'between' names exactly two country codes")
    direction = raw.get("direction", "down")
    if direction not in ("down", "up", "any"):
        raise bad("direction", f"direction must be down, up or any, got {shown(direction)}")
    th = raw.get("threshold", -2.0)
    if isinstance(th, bool) or not isinstance(th, int | float):
        raise bad("threshold", f"threshold must be a number such as -2.0, got {shown(th)}")
    threshold = float(th)
    min_count = count("min_count", 1, 1)
    min_stories = count("min_stories", 2, 1)
    min_sources = count("min_sources", 2, 0)
    root_only = raw.get("root_only", False)
    if not isinstance(root_only, bool):
        raise bad("root_only", f"root_only must be true or false, got {shown(root_only)}")
    directed = raw.get("directed", False)
    if not isinstance(directed, bool):
        raise bad("directed", f"directed must be true or false, got {shown(directed)}")
    origins_raw = raw.get("origins") or []
    if isinstance(origins_raw, str) or not isinstance(origins_raw, list):
        raise bad(
            "origins", f"origins must be a list such as [gdelt2, icews], got {shown(origins_raw)}"
        )
    origins = tuple(str(o) for o in origins_raw)
    for o in origins:
        if not o or len(o) > _ORIGIN_MAX or not o.replace("_", "").replace("-", "").isalnum():
            raise bad(
                "origins", f"{shown(o)} is not an origin name (gdelt2, icews, chronology ...)"
            )
    return AlarmRule(
        id=str(raw["id"]),
        kind=kind,
        title=str(raw["title"]),
        severity=sev,
        codes=codes,
        exclude=exclude,
        between=between,
        directed=directed,
        min_count=min_count,
        measure=str(raw.get("measure", "goldstein_sum")),
        threshold=threshold,
        direction=direction,
        min_stories=min_stories,
        min_sources=min_sources,
        root_only=root_only,
        origins=origins,
    )


def default_rules() -> list[AlarmRule]:
    """Return the rule set shipped for relations between allies."""
    text = resources.files("brinkwatch").joinpath("data/rules/allies.yaml").read_text("utf-8")
    return parse_rules(text, source="brinkwatch/data/rules/allies.yaml")


#: Outlets an evidence line names before it says "...".
_NAMES_SHOWN = 3


def _top(rows: list[dict[str, Any]], col: str) -> int | None:
    vals = [r[col] for r in rows if r[col] is not None]
    return max(vals) if vals else None


def _stories(rows: list[dict[str, Any]], *, worst_first: bool = False) -> list[Evidence]:
    """One Evidence per story, ranked by sources and mentions (lowest Goldstein first if asked).

    Each story is shown by its most-mentioned row, then its most conflictual (a coded note's
    embargo before its threat), then the earliest and the lowest id.
    """
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by.setdefault(r["story"], []).append(r)
    out = []
    for key, rs in by.items():
        r = min(
            rs,
            key=lambda x: (
                -(x["num_mentions"] or 0),
                x["goldstein"] if x["goldstein"] is not None else 0.0,
                x["event_date"],
                x["event_id"],
            ),
        )
        out.append(
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
                story=key,
                rows=len(rs),
                sources=_top(rs, "num_sources"),
                mentions=_top(rs, "num_mentions"),
                source_names=_names(rs),
            )
        )

    def rank(ev: Evidence) -> tuple[Any, ...]:
        worst = min(
            (x["goldstein"] for x in by[ev.story] if x["goldstein"] is not None), default=0.0
        )
        strength = (-(ev.sources or 1), -(ev.mentions or 0))
        head = (worst, *strength) if worst_first else (*strength, worst)
        return (*head, ev.event_date, ev.story)

    return sorted(out, key=rank)


def _names(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """Return the mention outlets of the story's row with the most sources (none without)."""
    named = [r for r in rows if r.get("source_names")]
    if not named:
        return ()
    best = max(named, key=lambda r: (r["num_sources"] or 0, -len(str(r["event_id"]))))
    return tuple(best["source_names"])


def _with_sources(t: ir.Table, mentions: bool) -> ir.Table:
    """Let the stored mentions of gdelt2 events count their sources and mentions.

    Adds ``source_names``; ``num_sources`` and ``num_mentions`` become the mention counts
    where the event has mentions and stay the export's elsewhere. Without a mentions table
    (``mentions`` false) the rows are returned as they are.
    """
    import ibis

    sources = event_sources(t) if mentions else None
    if sources is None:
        return t
    s = sources.rename(_m_event_id="event_id")
    j = t.left_join(s, [t.event_id == s._m_event_id, t.origin == "gdelt2"])
    return j.mutate(
        num_sources=ibis.coalesce(j.mention_sources.cast("int32"), j.num_sources),
        num_mentions=ibis.coalesce(j.mention_count.cast("int32"), j.num_mentions),
    ).drop("_m_event_id", "mention_sources", "mention_count")


def _summary(stories: int, rows: int) -> str:
    return f"{stories} stor{'y' if stories == 1 else 'ies'} ({rows} row{'' if rows == 1 else 's'})"


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
    "num_sources",
    "num_mentions",
    "is_root_event",
]


def _evidence_cols(mentions: bool) -> list[str]:
    return [*_EVIDENCE_COLS, "source_names"] if mentions else _EVIDENCE_COLS


def evaluate_alarms(
    events: ir.Table,
    a: Actor | str,
    b: Actor | str,
    *,
    rules: Sequence[AlarmRule] | None = None,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    origins: Sequence[str] | None = None,
    baseline: int | None = None,
    reference: tuple[date, date] | None = None,
    history_from: date | None = None,
    actors: ActorScope = "state",
    count: Count = "auto",
) -> Alarms:
    """Evaluate alarm rules for the dyad A-B over a date range.

    Parameters
    ----------
    events
        The canonical events table.
    a, b
        The dyad (``Actor`` or text such as ``"JPN"``); event rules look both ways unless a
        rule says ``directed: true``, index and change-point rules run on each directed series.
    rules
        The rules; :func:`default_rules` when omitted.
    freq, start, end, origins, actors, count
        As for :func:`~brinkwatch.measure.dyads.dyad_series`; a rule's own ``origins``
        narrow ``origins`` further.
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
        Sorted by period, then severity (most severe first), then rule; empty when the store
        holds nothing in the window.
    """
    return _evaluate(
        events,
        a,
        b,
        rules=rules,
        freq=freq,
        start=start,
        end=end,
        origins=origins,
        baseline=baseline,
        reference=reference,
        history_from=history_from,
        actors=actors,
        count=count,
    )


def _series_key(s: Actor, t: Actor, measure: str, origins: Sequence[str] | None) -> str:
    """Return the key of one directed series that index and change-point rules read."""
    return f"{s}->{t}:{measure}:{list(origins) if origins else None}"


def _evaluate(
    events: ir.Table,
    a: Actor | str,
    b: Actor | str,
    *,
    rules: Sequence[AlarmRule] | None = None,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    origins: Sequence[str] | None = None,
    baseline: int | None = None,
    reference: tuple[date, date] | None = None,
    history_from: date | None = None,
    actors: ActorScope = "state",
    count: Count = "auto",
    known: Mapping[str, list[dict[str, Any]]] | None = None,
) -> Alarms:
    """Evaluate the rules as :func:`evaluate_alarms` does.

    ``known`` holds directed series (:func:`_series_key`) the caller has already read with the
    same arguments, for a window given whole (``start`` and ``end``); on a cluster each one
    read again is seconds of planning and scheduling for rows already at hand.
    """
    from brinkwatch.measure.changepoints import change_points
    from brinkwatch.measure.dyads import _match, _span
    from brinkwatch.measure.index import DEFAULT_BASELINE, windowed_index

    freq = Freq(freq)
    a, b = as_actor(a, field="a"), as_actor(b, field="b")
    rules = list(rules) if rules is not None else default_rules()
    e = in_window(events, start=start, end=end, origins=origins)
    alarms: list[Alarm] = []
    pairs = [(a, b), (b, a)]
    # A window filled in from the data is not the one the caller's series were read over.
    whole = start is not None and end is not None
    if not whole:
        # One window for both directions: a direction without events is a series of zeros over
        # the dyad's span (or what the store covers), not an error.
        span = _span(e.filter(_match(e, a, b, actors) | _match(e, b, a, actors))) or _span(e)
        if span is None:
            return Alarms()
        start, end = start or span[0], end or span[1]
    series_cache: dict[str, list[dict[str, Any]]] = dict(known or {}) if whole else {}
    # Whether the store has mentions; each query then counts those of its own events.
    has_mentions = event_sources(events) is not None
    for rule in rules:
        if rule.between and {a.country, b.country} != set(rule.between):
            continue
        orig = _rule_origins(rule, origins)
        if orig == []:
            continue
        r_e = e if not rule.origins else e.filter(e.origin.isin(rule.origins))
        if rule.kind == "events":
            alarms.extend(_event_alarms(r_e, rule, a, b, freq, actors, has_mentions))
            continue
        for s, t in pairs[:1] if rule.directed else pairs:
            key = _series_key(s, t, rule.measure, orig)
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
                    origins=orig,
                    history_from=history_from,
                    actors=actors,
                    count=count,
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
                    found = _segment_rows(r_e, s, t, period, freq, quads, actors, has_mentions)
                    if not found:
                        continue
                else:
                    found = _period_rows(r_e, s, t, period, freq, actors, has_mentions)
                ev = _stories(found, worst_first=True)
                alarms.append(
                    Alarm(
                        rule.id,
                        rule.title,
                        rule.severity,
                        f"{s}->{t}",
                        period,
                        f"{_summary(len(ev), len(found))}: {detail}",
                        ev[:_EVIDENCE_MAX],
                        stories=len(ev),
                        rows=len(found),
                    )
                )
    order = {s: i for i, s in enumerate(reversed(_SEVERITIES))}
    return Alarms(sorted(alarms, key=lambda x: (x.period, order[x.severity], x.rule, x.dyad)))


def _rule_origins(rule: AlarmRule, origins: Sequence[str] | None) -> list[str] | None:
    """Return the origins a rule reads: the caller's narrowed by the rule's (``[]``: none)."""
    if not rule.origins:
        return list(origins) if origins else None
    return [o for o in rule.origins if not origins or o in origins]


def _with_story(m: ir.Table) -> ir.Table:
    return with_story(m, "story")


def _event_alarms(
    e: ir.Table,
    rule: AlarmRule,
    a: Actor,
    b: Actor,
    freq: Freq,
    actors: ActorScope,
    has_mentions: bool,
) -> list[Alarm]:
    import ibis

    from brinkwatch.measure.dyads import _match

    fwd = _match(e, a, b, actors)
    bwd = _match(e, b, a, actors)
    code = ibis.or_(*[e.cameo_code.startswith(c) for c in rule.codes])
    for x in rule.exclude:
        code &= ~e.cameo_code.startswith(x)
    m = e.filter(code & (fwd if rule.directed else fwd | bwd))
    if rule.root_only:
        # Lead-paragraph events only, for origins that say so; curated rows are kept.
        machine = m.origin.isin(list(MACHINE_ORIGINS))
        m = m.filter(~machine | m.is_root_event.fill_null(True))
    m = _with_story(m).mutate(period=period_of(m.event_date, freq))
    m = _with_sources(m, has_mentions)
    rows = m.select(*_evidence_cols(has_mentions), "story", "period").order_by(
        ["event_date", "origin", "event_id"]
    )
    by_period: dict[date, list[dict[str, Any]]] = {}
    for r in rows.to_pyarrow().to_pylist():
        by_period.setdefault(r["period"], []).append(r)
    out = []
    dyad = f"{a}->{b}" if rule.directed else f"{a}-{b}"
    for period, rs in sorted(by_period.items()):
        if not _earned(rule, rs):
            continue
        codes: dict[str, int] = {}
        for r in rs:
            codes[r["cameo_code"]] = codes.get(r["cameo_code"], 0) + 1
        ev = _stories(rs)
        detail = f"{_summary(len(ev), len(rs))}: " + ", ".join(
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
                ev[:_EVIDENCE_MAX],
                stories=len(ev),
                rows=len(rs),
            )
        )
    return out


def _earned(rule: AlarmRule, rows: list[dict[str, Any]]) -> bool:
    """Whether a period's matching rows earn the alarm (see the module docstring).

    Curated rows count one each against ``min_count``. Machine-coded rows count distinct
    events (story, direction, code, day) against ``min_count``, distinct stories against
    ``min_stories`` and the stories' sources against ``min_sources``.
    """
    curated = [r for r in rows if r["origin"] not in MACHINE_ORIGINS]
    if curated and len(curated) >= rule.min_count:
        return True
    machine = [r for r in rows if r["origin"] in MACHINE_ORIGINS]
    if not machine:
        return False
    events = {
        (r["story"], r["source_country"], r["target_country"], r["cameo_code"], r["event_date"])
        for r in machine
    }
    sources: dict[str, int] = {}
    for r in machine:
        sources[r["story"]] = max(sources.get(r["story"], 1), r["num_sources"] or 1)
    return (
        len(events) >= rule.min_count
        and len(sources) >= rule.min_stories
        and sum(sources.values()) >= rule.min_sources
    )


_SEGMENT_PERIODS = 3  # the first periods of a new segment, as min_size in change_points


def _segment_rows(
    e: ir.Table,
    s: Actor,
    t: Actor,
    period: date,
    freq: Freq,
    quads: tuple[int, ...],
    actors: ActorScope,
    has_mentions: bool,
) -> list[dict[str, Any]]:
    from brinkwatch.measure.dyads import _match

    p = e.filter(_match(e, s, t, actors))
    p = p.filter(p.quad_class.isin(list(quads)))
    first = period_of(p.event_date, freq)
    ends = calendar(period, period + timedelta(days=400), freq)[: _SEGMENT_PERIODS + 1]
    p = _with_sources(_with_story(p.filter((first >= period) & (first < ends[-1]))), has_mentions)
    rows = p.select(*_evidence_cols(has_mentions), "story").order_by(
        [p.goldstein.asc(), p.event_id]
    )
    out: list[dict[str, Any]] = rows.limit(_ROWS_MAX).to_pyarrow().to_pylist()
    return out


def _period_rows(
    e: ir.Table,
    s: Actor,
    t: Actor,
    period: date,
    freq: Freq,
    actors: ActorScope,
    has_mentions: bool,
) -> list[dict[str, Any]]:
    from brinkwatch.measure.dyads import _match

    p = e.filter(_match(e, s, t, actors))
    p = _with_sources(_with_story(p.filter(period_of(p.event_date, freq) == period)), has_mentions)
    # The most conflictual events explain a drop best.
    rows = p.select(*_evidence_cols(has_mentions), "story").order_by(
        [p.goldstein.asc(), p.event_id]
    )
    out: list[dict[str, Any]] = rows.limit(_ROWS_MAX).to_pyarrow().to_pylist()
    return out

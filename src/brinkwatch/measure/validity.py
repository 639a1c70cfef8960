"""Alarm validity: score alarms against a labelled list of crisis periods from the record.

A labels file (YAML, see ``brinkwatch/data/labels/`` and ``docs/measures.md``) lists periods
of a dyad, each with ``start``, ``end``, ``dyad``, ``label``, ``kind`` (``crisis``, the
default, or ``calm``) and the ``sources`` that document it. :func:`evaluate_alarm_validity`
then scores alarms per rule and overall:

- precision: share of alarms inside a crisis window ``[start - lead, end]`` of their dyad;
- recall: share of crisis periods with at least one alarm in their window;
- lead time: days from a detected period's first alarm to its start (negative: late), median;
- false alarms per year: alarms outside every crisis window, per year of the evaluated span.

An alarm is dated by the first day of its period (a weekly alarm by its Monday), so the lead
window also absorbs the part of a week that starts before the period.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import yaml

from brinkwatch._yaml import checked_items, compose, line_of, shown, value_of
from brinkwatch.codebook import Dyad
from brinkwatch.errors import ConfigError
from brinkwatch.measure._periods import Freq, in_window
from brinkwatch.measure.alarms import Alarm, AlarmRule, evaluate_alarms
from brinkwatch.measure.dyads import _match, _span
from brinkwatch.store import ActorScope

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "DEFAULT_LEAD_DAYS",
    "LabelSource",
    "LabelledPeriod",
    "Labels",
    "PeriodHit",
    "RuleScore",
    "ValidityReport",
    "evaluate_alarm_validity",
    "parse_labels",
    "score_alarms",
]

#: Days before a crisis period's start in which an alarm still counts as a warning of it.
DEFAULT_LEAD_DAYS = 14
_LEAD_MAX = 366
_OVERALL = "(all rules)"
_FILE_KEYS = {"lead_days", "periods"}
_PERIOD_KEYS = {"start", "end", "dyad", "label", "kind", "sources", "note"}
_SOURCE_KEYS = {"publisher", "date", "title", "url", "checked"}


@dataclass(frozen=True)
class LabelSource:
    """A public source documenting a labelled period.

    ``checked`` says whether its date and title were confirmed against the document itself
    or a reliable report of it (``False``: cited from memory, not confirmed); ``url`` is the
    document's own address, given only when that page was found, so only with ``checked``.
    """

    publisher: str
    date: date
    title: str
    url: str | None = None
    checked: bool = False


@dataclass(frozen=True)
class LabelledPeriod:
    """A crisis (or calm reference) period of an undirected dyad, both days included."""

    label: str
    dyad: str
    start: date
    end: date
    kind: Literal["crisis", "calm"] = "crisis"
    sources: tuple[LabelSource, ...] = ()

    @property
    def countries(self) -> frozenset[str]:
        """The two country codes of the dyad, in no order."""
        return _countries(self.dyad)


@dataclass(frozen=True)
class Labels:
    """A parsed labels file: its periods and the lead window in days."""

    periods: tuple[LabelledPeriod, ...]
    lead_days: int = DEFAULT_LEAD_DAYS

    @property
    def dyads(self) -> list[str]:
        """The dyads labelled, in the order they first appear."""
        return list(dict.fromkeys(p.dyad for p in self.periods))


@dataclass(frozen=True)
class RuleScore:
    """The scores of one rule (or of all rules together, ``rule == "(all rules)"``).

    ``precision``, ``recall`` and ``median_lead_days`` are ``None`` when undefined (no alarm,
    no crisis period, no detected period).
    """

    rule: str
    alarms: int
    true_alarms: int
    false_alarms: int
    calm_alarms: int
    periods: int
    detected: int
    precision: float | None
    recall: float | None
    median_lead_days: float | None
    false_alarms_per_year: float


@dataclass(frozen=True)
class PeriodHit:
    """How the alarms (all rules) met one crisis period: first alarm, lead, count."""

    label: str
    dyad: str
    start: date
    end: date
    alarms: int
    first_alarm: date | None
    lead_days: int | None


@dataclass(frozen=True)
class ValidityReport:
    """Scores per rule and overall, per crisis period, over an evaluated span."""

    span: tuple[date, date]
    years: float
    lead_days: int
    overall: RuleScore
    rules: tuple[RuleScore, ...]
    periods: tuple[PeriodHit, ...]

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


def _countries(dyad: str) -> frozenset[str]:
    # "JPN-KOR", "JPN->KOR", "JPN:GOV-KOR": the country is what precedes any ':' types.
    parts = dyad.replace("->", "-").split("-")
    return frozenset(p.split(":")[0].strip().upper() for p in parts if p.strip())


def evaluate_alarm_validity(
    alarms: Sequence[Alarm], labels: Labels, span: tuple[date, date]
) -> ValidityReport:
    """Score alarms against labelled crisis periods, per rule and over all rules.

    Parameters
    ----------
    alarms
        Alarms as :func:`~brinkwatch.measure.evaluate_alarms` returns them; those outside
        ``span`` are ignored.
    labels
        The labelled periods and lead window. Only crisis periods whose window
        ``[start - lead, end]`` meets ``span`` count for recall.
    span
        First and last day evaluated (both included); false alarms are per year of it.

    Returns
    -------
    ValidityReport
        ``overall`` counts every alarm (each rule and direction that fired in a period).

    Raises
    ------
    ConfigError
        When ``span`` ends before it starts.

    Examples
    --------
    >>> p = LabelledPeriod("row", "JPN-KOR", date(2019, 7, 1), date(2019, 7, 31))
    >>> a = Alarm("r", "t", "high", "JPN-KOR", date(2019, 6, 24), "")
    >>> r = evaluate_alarm_validity([a], Labels((p,)), (date(2019, 1, 1), date(2019, 12, 31)))
    >>> r.overall.precision, r.overall.recall, r.overall.median_lead_days
    (1.0, 1.0, 7.0)
    """
    first, last = span
    if last < first:
        raise ConfigError(f"the evaluated span ends ({last}) before it starts ({first})")
    years = ((last - first).days + 1) / 365.25
    lead = labels.lead_days
    inside = [a for a in alarms if first <= a.period <= last]
    crises = [
        p
        for p in labels.periods
        if p.kind == "crisis" and p.start.toordinal() - lead <= last.toordinal() and p.end >= first
    ]
    calm = [p for p in labels.periods if p.kind == "calm"]
    rule_ids = list(dict.fromkeys(a.rule for a in inside))
    scores = tuple(
        _score(r, [a for a in inside if a.rule == r], crises, calm, lead, years) for r in rule_ids
    )
    hits = tuple(_hit(p, [a for a in inside if _in(a, p, lead)]) for p in crises)
    return ValidityReport(
        span=span,
        years=round(years, 3),
        lead_days=lead,
        overall=_score(_OVERALL, inside, crises, calm, lead, years),
        rules=scores,
        periods=hits,
    )


def score_alarms(
    events: ir.Table,
    labels: Labels,
    *,
    dyad: Dyad | None = None,
    rules: Sequence[AlarmRule] | None = None,
    freq: Freq | str = Freq.WEEK,
    start: date | None = None,
    end: date | None = None,
    origins: Sequence[str] | None = None,
    reference: tuple[date, date] | None = None,
    actors: ActorScope = "state",
) -> ValidityReport:
    """Evaluate the alarms of a store for labelled dyads and score them against the labels.

    Parameters
    ----------
    events
        The canonical events table.
    labels
        The labelled periods (:func:`parse_labels`).
    dyad
        Only this dyad (its labelled periods and its alarms); every labelled dyad when omitted.
    rules, freq, origins, reference, actors
        As for :func:`~brinkwatch.measure.evaluate_alarms`.
    start, end
        The evaluated span; by default the first and last day the store holds for the dyads.

    Returns
    -------
    ValidityReport
        See :func:`evaluate_alarm_validity`.

    Raises
    ------
    ConfigError
        When the labels name no period of ``dyad``, or the store holds no event of the dyads
        in the window.
    """
    dyads = [Dyad.parse(d) for d in labels.dyads]
    if dyad is not None:
        name = f"{dyad.source.country}-{dyad.target.country}"
        want = _countries(name)
        dyads = [d for d in dyads if _countries(d.label) == want]
        if not dyads:
            raise ConfigError(
                f"the labels hold no period of {name}; labelled: {', '.join(labels.dyads)}",
                field="dyad",
            )
    e = in_window(events, start=start, end=end, origins=origins)
    found = [
        _span(
            e.filter(_match(e, d.source, d.target, actors) | _match(e, d.target, d.source, actors))
        )
        for d in dyads
    ]
    spans = [s for s in found if s is not None]
    if not spans:
        raise ConfigError(
            f"the store holds no event of {', '.join(d.label for d in dyads)} in this window "
            "and these origins, so there are no alarms to score"
        )
    span = (start or min(s[0] for s in spans), end or max(s[1] for s in spans))
    alarms: list[Alarm] = []
    for d in dyads:
        alarms += evaluate_alarms(
            events,
            d.source,
            d.target,
            rules=rules,
            freq=freq,
            start=span[0],
            end=span[1],
            origins=origins,
            reference=reference,
            actors=actors,
        )
    kept = tuple(
        p for p in labels.periods if any(_countries(d.label) == p.countries for d in dyads)
    )
    return evaluate_alarm_validity(alarms, Labels(kept, labels.lead_days), span)


def _in(alarm: Alarm, p: LabelledPeriod, lead: int) -> bool:
    """Whether an alarm of the period's dyad falls in ``[start - lead, end]``."""
    if _countries(alarm.dyad) != p.countries:
        return False
    return p.start.toordinal() - lead <= alarm.period.toordinal() <= p.end.toordinal()


def _lead(p: LabelledPeriod, found: Sequence[Alarm]) -> int | None:
    return (p.start - min(a.period for a in found)).days if found else None


def _hit(p: LabelledPeriod, found: list[Alarm]) -> PeriodHit:
    return PeriodHit(
        label=p.label,
        dyad=p.dyad,
        start=p.start,
        end=p.end,
        alarms=len(found),
        first_alarm=min(a.period for a in found) if found else None,
        lead_days=_lead(p, found),
    )


def _score(
    rule: str,
    alarms: Sequence[Alarm],
    crises: Sequence[LabelledPeriod],
    calm: Sequence[LabelledPeriod],
    lead: int,
    years: float,
) -> RuleScore:
    true = [a for a in alarms if any(_in(a, p, lead) for p in crises)]
    false = len(alarms) - len(true)
    in_calm = sum(1 for a in alarms if any(_in(a, p, 0) for p in calm))
    leads = [
        d for p in crises if (d := _lead(p, [a for a in alarms if _in(a, p, lead)])) is not None
    ]
    return RuleScore(
        rule=rule,
        alarms=len(alarms),
        true_alarms=len(true),
        false_alarms=false,
        calm_alarms=in_calm,
        periods=len(crises),
        detected=len(leads),
        precision=round(len(true) / len(alarms), 4) if alarms else None,
        recall=round(len(leads) / len(crises), 4) if crises else None,
        median_lead_days=float(statistics.median(leads)) if leads else None,
        false_alarms_per_year=round(false / years, 3),
    )


def parse_labels(text: str, *, source: str = "labels") -> Labels:
    """Parse and validate a labels file (YAML) of crisis and calm periods.

    Raises
    ------
    ConfigError
        Naming the source, line and field of the first problem: a missing or unknown key,
        a date that is not YYYY-MM-DD, an end before its start, a period without sources.

    Examples
    --------
    >>> text = '''
    ... periods:
    ...   - {label: x, dyad: JPN-KOR, start: 2019-07-01, end: 2019-06-01,
    ...      sources: [{publisher: METI, date: 2019-07-01, title: t}]}
    ... '''
    >>> parse_labels(text, source="l.yaml")
    Traceback (most recent call last):
    ...
    brinkwatch.errors.ConfigError: l.yaml:3, field 'end': the period ends (2019-06-01) ...
    """
    root = compose(text, source=source, error=ConfigError)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("a labels file is a mapping with a 'periods' list", path=source)
    nodes = {k: v for k, _, v in checked_items(root, _FILE_KEYS, source=source, error=ConfigError)}
    lead = DEFAULT_LEAD_DAYS
    if "lead_days" in nodes:
        lead = value_of(nodes["lead_days"], source=source, error=ConfigError, field="lead_days")
        if isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= _LEAD_MAX:
            raise ConfigError(
                f"lead_days must be a whole number from 0 to {_LEAD_MAX}, got {shown(lead)}",
                path=source,
                line=line_of(nodes["lead_days"]),
                field="lead_days",
            )
    seq = nodes.get("periods")
    if not isinstance(seq, yaml.SequenceNode) or not seq.value:
        raise ConfigError("expected 'periods:' followed by a list of periods", path=source)
    periods = tuple(_period(item, source) for item in seq.value)
    return Labels(periods=periods, lead_days=lead)


def _period(item: yaml.Node, source: str) -> LabelledPeriod:
    line = line_of(item)
    if not isinstance(item, yaml.MappingNode):
        raise ConfigError("each period must be a mapping", path=source, line=line)
    raw: dict[str, Any] = {}
    lines: dict[str, int] = {}
    nodes: dict[str, yaml.Node] = {}
    for key, _, v in checked_items(
        item, _PERIOD_KEYS, source=source, error=ConfigError, what="period key"
    ):
        nodes[key], lines[key] = v, line_of(v)
        if key != "sources":
            raw[key] = value_of(v, source=source, error=ConfigError, field=key)

    def bad(fld: str, msg: str) -> ConfigError:
        return ConfigError(msg, path=source, line=lines.get(fld, line), field=fld)

    for req in ("label", "dyad", "start", "end", "sources"):
        if req not in nodes:
            raise bad(req, f"a period needs '{req}'")
    for fld in ("start", "end"):
        if not isinstance(raw[fld], date):
            raise bad(fld, f"{fld} must be a date YYYY-MM-DD, got {shown(raw[fld])}")
    if raw["end"] < raw["start"]:
        raise bad("end", f"the period ends ({raw['end']}) before it starts ({raw['start']})")
    dyad = str(raw["dyad"]).upper()
    if len(_countries(dyad)) != 2 or not all(c.isalpha() for c in _countries(dyad)):
        raise bad("dyad", f"dyad names two country codes such as JPN-KOR, got {shown(dyad)}")
    kind = raw.get("kind", "crisis")
    if kind not in ("crisis", "calm"):
        raise bad("kind", f"kind must be crisis or calm, got {shown(kind)}")
    if not str(raw["label"]).strip():
        raise bad("label", "label must not be empty")
    return LabelledPeriod(
        label=str(raw["label"]).strip(),
        dyad=dyad,
        start=raw["start"],
        end=raw["end"],
        kind=kind,
        sources=_sources(nodes["sources"], source),
    )


def _sources(seq: yaml.Node, source: str) -> tuple[LabelSource, ...]:
    if not isinstance(seq, yaml.SequenceNode) or not seq.value:
        raise ConfigError(
            "sources must be a list of at least one {publisher, date, title, url, checked}",
            path=source,
            line=line_of(seq),
            field="sources",
        )
    out: list[LabelSource] = []
    for item in seq.value:
        if not isinstance(item, yaml.MappingNode):
            raise ConfigError(
                "each source must be a mapping", path=source, line=line_of(item), field="sources"
            )
        raw = {
            k: value_of(v, source=source, error=ConfigError, field=f"sources.{k}")
            for k, _, v in checked_items(
                item, _SOURCE_KEYS, source=source, error=ConfigError, what="source key"
            )
        }
        line = line_of(item)
        for req in ("publisher", "date", "title"):
            if not str(raw.get(req) or "").strip():
                raise ConfigError(
                    f"a source needs '{req}'", path=source, line=line, field=f"sources.{req}"
                )
        if not isinstance(raw["date"], date):
            raise ConfigError(
                f"a source's date must be YYYY-MM-DD, got {shown(raw['date'])}",
                path=source,
                line=line,
                field="sources.date",
            )
        url, checked = _url_and_checked(raw, source, line)
        out.append(
            LabelSource(
                publisher=str(raw["publisher"]),
                date=raw["date"],
                title=str(raw["title"]),
                url=url,
                checked=checked,
            )
        )
    return tuple(out)


def _url_and_checked(raw: dict[str, Any], source: str, line: int) -> tuple[str | None, bool]:
    checked = raw.get("checked", False)
    if not isinstance(checked, bool):
        raise ConfigError(
            f"a source's checked must be true or false, got {shown(checked)}",
            path=source,
            line=line,
            field="sources.checked",
        )
    url = raw.get("url")
    if url is None:
        return None, checked
    if not isinstance(url, str) or not url.startswith("https://") or any(c.isspace() for c in url):
        raise ConfigError(
            f"a source's url must be one https:// address, got {shown(url)}",
            path=source,
            line=line,
            field="sources.url",
        )
    if not checked:
        # An address is only given for a page that was found, so it vouches for the source.
        raise ConfigError(
            "a source with a url must say 'checked: true' (give a url only for a page found)",
            path=source,
            line=line,
            field="sources.checked",
        )
    return url, True

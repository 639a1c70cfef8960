"""Score the coder against hand-coded records (PETRARCH validation-record format)."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from brinkwatch.codebook import lookup_event, quad_class_of_root
from brinkwatch.errors import LexiconError

if TYPE_CHECKING:
    from brinkwatch.coding._coder import CodedEvent, Coder

__all__ = [
    "DIMENSIONS",
    "EXTRA_DIMENSIONS",
    "EvaluationReport",
    "Record",
    "evaluate",
    "parse_validation_records",
]

# Every pattern here is linear in its input: a tag's attributes stop at the next "<" (where the
# next tag can start), and an attribute name is tried only where a word starts. Bodies are cut
# with str.find, never with a lazy ".*?" that rescans the rest of the file from each opening.
_SENTENCE_TAG_RE = re.compile(r"<(/?)Sentence\b([^<>]*)>")
_ATTR_RE = re.compile(r'(?<!\w)(\w+)\s*=\s*"([^"]*)"?')
_CODING_RE = re.compile(r"<EventCoding\b([^<>]*)>")

#: What :func:`evaluate` scores: the root code, the full code, source, target, the
#: source-target pair whatever the code ("dyad"), and the whole triple.
DIMENSIONS = ("root", "code", "source", "target", "dyad", "triple")

#: Scored as well and shown by ``rows(extra=True)``: the quad class of the code (1-4:
#: verbal/material cooperation/conflict), and the triple with its event date ("dated"; a gold
#: event without a ``date`` attribute takes its record's date, as the coder does).
EXTRA_DIMENSIONS = ("quad", "dated")


@dataclass(frozen=True)
class Record:
    """One validation sentence with its gold events.

    ``gold`` holds (source, target, code) triples; it is empty for ``noevents`` records.
    ``gold_days`` gives, for each gold event, the date its ``<EventCoding date="YYYYMMDD">``
    states, or ``None`` (the event then takes the record's ``day``); it is empty for records
    built without it.
    ``skipped`` says why a record is left out of scoring (PETRARCH's ``error`` records test
    its own input handling: bad parse trees, datelines, discard lists), or is ``None``.
    """

    id: str
    day: date | None
    text: str
    gold: tuple[tuple[str, str, str], ...]
    skipped: str | None = None
    gold_days: tuple[date | None, ...] = ()

    def gold_dated(self) -> list[tuple[str, str, str, date | None]]:
        """Return the gold events with their dates: the stated one, else the record's."""
        days = self.gold_days or (None,) * len(self.gold)
        return [(*g, d or self.day) for g, d in zip(self.gold, days, strict=True)]


def _attrs(text: str) -> dict[str, str]:
    return {k.lower(): v.strip() for k, v in _ATTR_RE.findall(text)}


def parse_validation_records(text: str, *, source: str = "<records>") -> list[Record]:
    """Read PETRARCH validation records.

    Each ``<Sentence date="YYYYMMDD" id="...">`` holds a ``<Text>`` and zero or more
    ``<EventCoding sourcecode=".." targetcode=".." eventcode=".."/>`` (with an optional
    ``date="YYYYMMDD"``, the event's own date when the text states one); ``noevents="True"``
    marks a sentence without events and ``error="..."`` one that tests the coder's input
    handling. Comments are ignored, and so is everything outside the three tags: a DTD is
    never read, so no entity is expanded and no external file or URL is fetched (entities
    other than HTML's own, such as ``&amp;`` or ``&#233;``, stay as written). The text is
    read in one pass, in time linear in its length, whatever its tags.

    Raises
    ------
    LexiconError
        If the text holds no ``<Sentence>`` records, or a ``<Sentence>`` or a comment is not
        closed, or a ``</Sentence>`` closes none; the message names the line.

    Examples
    --------
    >>> recs = parse_validation_records(
    ...     '<Sentence date="20190701" id="x-1"><EventCoding sourcecode="JPNGOV" '
    ...     'targetcode="KOR" eventcode="163"></EventCoding><Text>Japan curbed exports to '
    ...     'South Korea.</Text></Sentence>'
    ... )
    >>> recs[0].gold, recs[0].day
    ((('JPNGOV', 'KOR', '163'),), datetime.date(2019, 7, 1))
    """
    text = _strip_comments(text, source)
    out: list[Record] = []
    opened: re.Match[str] | None = None
    for tag in _SENTENCE_TAG_RE.finditer(text):
        if not tag.group(1):
            if opened is not None:
                where = f"before the next <Sentence> at line {_line_of(text, tag.start())}"
                raise _unclosed(text, opened, source, where)
            opened = tag
            continue
        if opened is None:
            raise LexiconError(
                "</Sentence> closes no <Sentence>; remove it or add the opening tag",
                path=source,
                line=_line_of(text, tag.start()),
            )
        out.append(_record(opened.group(2), text[opened.end() : tag.start()], len(out)))
        opened = None
    if opened is not None:
        raise _unclosed(text, opened, source, "before the end of the file")
    if not out:
        raise LexiconError(
            "no <Sentence> records found; expected PETRARCH validation records "
            '(<Sentence date="YYYYMMDD" id=".."> with <Text> and <EventCoding>)',
            path=source,
        )
    return out


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _unclosed(text: str, tag: re.Match[str], source: str, where: str) -> LexiconError:
    return LexiconError(
        f"<Sentence> is not closed {where}; add </Sentence> at the end of its record",
        path=source,
        line=_line_of(text, tag.start()),
    )


def _strip_comments(text: str, source: str) -> str:
    """Blank out ``<!-- -->`` comments, keeping their line breaks so that lines still count."""
    parts: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            raise LexiconError(
                "comment '<!--' is not closed; add '-->'",
                path=source,
                line=_line_of(text, start),
            )
        parts.append(text[pos:start])
        parts.append("\n" * text.count("\n", start, end))
        pos = end + 3
    parts.append(text[pos:])
    return "".join(parts)


def _record(attr_text: str, body: str, n: int) -> Record:
    """One ``<Sentence>`` record from its tag's attributes and the text between its tags."""
    attrs = _attrs(attr_text)
    sentence = ""
    start = body.find("<Text>")
    end = body.find("</Text>", start + 6) if start >= 0 else -1
    if end >= 0:
        sentence = " ".join(html.unescape(body[start + 6 : end]).split())
    gold: list[tuple[str, str, str]] = []
    days: list[date | None] = []
    skipped: str | None = None
    for cm in _CODING_RE.finditer(body):
        ca = _attrs(cm.group(1))
        if "error" in ca:
            skipped = f"error={ca['error']}"
        elif "noevents" in ca:
            continue
        elif {"sourcecode", "targetcode", "eventcode"} <= set(ca):
            gold.append(
                (ca["sourcecode"].strip("\"'"), ca["targetcode"].strip("\"'"), ca["eventcode"])
            )
            days.append(_day(ca.get("date", "")))
    return Record(
        attrs.get("id", f"#{n}"),
        _day(attrs.get("date", "")),
        sentence,
        tuple(gold),
        skipped,
        tuple(days),
    )


def _day(raw: str) -> date | None:
    """``YYYYMMDD`` as a date; anything else (absent, malformed, impossible) is ``None``."""
    if not re.fullmatch(r"\d{8}", raw):
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


@dataclass
class EvaluationReport:
    """Counts and scores per dimension (see :data:`DIMENSIONS`)."""

    tp: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(DIMENSIONS + EXTRA_DIMENSIONS, 0)
    )
    predicted: int = 0
    gold: int = 0
    records: int = 0
    skipped: int = 0
    per_record: list[tuple[Record, list[tuple[str, str, str]]]] = field(default_factory=list)
    #: The dates of the predicted events in ``per_record``, in the same order.
    per_record_days: list[list[date | None]] = field(default_factory=list)
    #: Gold events whose code is not in the CAMEO codebook (PETRARCH's test codes such as
    #: 345, 904, 174K): no CAMEO coder can match their code.
    gold_not_cameo: int = 0
    #: The same scores on the records whose gold codes are all CAMEO codes (``None`` when
    #: every record qualifies, as in our own fixtures).
    cameo_only: EvaluationReport | None = None

    def precision(self, dim: str) -> float:
        """Share of predicted events that match gold on ``dim``."""
        return self.tp[dim] / self.predicted if self.predicted else 0.0

    def recall(self, dim: str) -> float:
        """Share of gold events found on ``dim``."""
        return self.tp[dim] / self.gold if self.gold else 0.0

    def f1(self, dim: str) -> float:
        """Harmonic mean of precision and recall on ``dim``."""
        p, r = self.precision(dim), self.recall(dim)
        return 2 * p * r / (p + r) if p + r else 0.0

    def rows(self, *, extra: bool = False) -> list[dict[str, object]]:
        """One row per dimension: precision, recall, F1 and the counts.

        When some gold codes are not CAMEO codes, rows named ``"<dimension> | CAMEO gold
        (<n> of <m> records)"`` follow, scored on the records whose gold codes all are.
        With ``extra``, the :data:`EXTRA_DIMENSIONS` follow each set's six rows.
        """
        dims = DIMENSIONS + EXTRA_DIMENSIONS if extra else DIMENSIONS
        out = self._rows("", dims)
        sub = self.cameo_only
        if sub is not None:
            suffix = f" | CAMEO gold ({sub.records} of {self.records} records)"
            out.extend(sub._rows(suffix, dims))
        return out

    def _rows(self, suffix: str, dims: tuple[str, ...]) -> list[dict[str, object]]:
        return [
            {
                "measure": d + suffix,
                "precision": round(self.precision(d), 3),
                "recall": round(self.recall(d), 3),
                "f1": round(self.f1(d), 3),
                "matched": self.tp[d],
                "predicted": self.predicted,
                "gold": self.gold,
            }
            for d in dims
        ]

    def describe(self) -> str:
        """One line on what was scored, including gold codes outside the CAMEO codebook.

        Examples
        --------
        >>> EvaluationReport(records=2, gold=3, predicted=2, gold_not_cameo=1).describe()
        '2 records (0 skipped), 3 gold events (1 with a code not in the CAMEO codebook), 2 coded'
        """
        return (
            f"{self.records} records ({self.skipped} skipped), {self.gold} gold events "
            f"({self.gold_not_cameo} with a code not in the CAMEO codebook), "
            f"{self.predicted} coded"
        )


def _overlap(a: Sequence[object], b: Sequence[object]) -> int:
    return sum((Counter(a) & Counter(b)).values())


def evaluate(
    coder: Coder,
    records: Sequence[Record],
    *,
    progress: Callable[[int], None] | None = None,
) -> EvaluationReport:
    """Code each record's text and compare with its gold events.

    Per sentence, predicted and gold events are matched as multisets on each dimension
    (the root, the full code, the source code, the target code, the source-target pair
    and the whole source-target-code triple, and in :data:`EXTRA_DIMENSIONS` the quad
    class and the triple with its event date); precision divides the matches by the events
    predicted, recall by the gold events. Records marked ``skipped`` are left out.

    Parameters
    ----------
    coder
        The coder, with the actors the records use.
    records
        From :func:`parse_validation_records`.
    progress
        Called with the number of records done.

    Examples
    --------
    >>> from brinkwatch.coding import Coder
    >>> recs = parse_validation_records(
    ...     '<Sentence date="20190701" id="x"><EventCoding sourcecode="JPNGOV" '
    ...     'targetcode="KORBUS" eventcode="163"/><Text>Tokyo restricted exports to South '
    ...     'Korean firms.</Text></Sentence>'
    ... )
    >>> evaluate(Coder(), recs).recall("triple")
    1.0
    """
    report = EvaluationReport()
    cameo = EvaluationReport()
    usable = [r for r in records if r.skipped is None]
    report.records = len(usable)
    report.skipped = len(records) - len(usable)
    docs = [(r.text, r.day, r.id) for r in usable]
    for i, (rec, events) in enumerate(zip(usable, coder.code_many(docs), strict=True)):
        pred = _triples(events)
        pred_days = [e.event_date for e in events]
        report.per_record.append((rec, pred))
        report.per_record_days.append(pred_days)
        bad = sum(not _is_cameo(g[2]) for g in rec.gold)
        report.gold_not_cameo += bad
        _score(report, rec, pred, pred_days)
        if not bad:
            cameo.records += 1
            _score(cameo, rec, pred, pred_days)
        if progress is not None:
            progress(i + 1)
    if report.gold_not_cameo:
        report.cameo_only = cameo
    return report


def _score(
    report: EvaluationReport,
    rec: Record,
    pred: list[tuple[str, str, str]],
    pred_days: list[date | None],
) -> None:
    gold = list(rec.gold)
    report.predicted += len(pred)
    report.gold += len(gold)
    report.tp["triple"] += _overlap(pred, gold)
    report.tp["code"] += _overlap([p[2] for p in pred], [g[2] for g in gold])
    report.tp["root"] += _overlap([p[2][:2] for p in pred], [g[2][:2] for g in gold])
    report.tp["source"] += _overlap([p[0] for p in pred], [g[0] for g in gold])
    report.tp["target"] += _overlap([p[1] for p in pred], [g[1] for g in gold])
    report.tp["dyad"] += _overlap([p[:2] for p in pred], [g[:2] for g in gold])
    report.tp["quad"] += _overlap([_quad(p[2]) for p in pred], [_quad(g[2]) for g in gold])
    dated = [(*p, d) for p, d in zip(pred, pred_days, strict=True)]
    report.tp["dated"] += _overlap(dated, rec.gold_dated())


def _quad(code: str) -> str:
    """Return the quad class as text; a code outside CAMEO matches only itself."""
    try:
        return str(quad_class_of_root(code[:2]))
    except (LookupError, ValueError):
        return f"?{code}"


def _is_cameo(code: str) -> bool:
    try:
        lookup_event(code)
    except LookupError:
        return False
    return True


def _triples(events: Sequence[CodedEvent]) -> list[tuple[str, str, str]]:
    return [(e.source.code, e.target.code, e.code) for e in events]

"""Code English text into CAMEO events with their evidence, from spaCy dependency parses.

:class:`Coder` parses text, finds actor mentions with the phrase index, and for each sentence
lets an :class:`~brinkwatch.coding._events.EventBuilder` (verb and noun patterns, modifiers)
and its :class:`~brinkwatch.coding._finder.ActorFinder` (sources and targets) find the events;
it then turns them into :class:`CodedEvent` records, one per source-target pair.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from brinkwatch._frames import ResultList
from brinkwatch.codebook import country_code, lookup_event
from brinkwatch.coding._actors import (
    Actor,
    ActorDictionary,
    ActorEntry,
    PhraseIndex,
    Role,
    default_actors,
)
from brinkwatch.coding._dates import DatePhrase, find_dates, resolve_phrase
from brinkwatch.coding._events import EventBuilder, Found, prune
from brinkwatch.coding._finder import ActorFinder, DocState, Mention
from brinkwatch.coding._lexicon import Lexicon, default_lexicon
from brinkwatch.coding._model import load_model
from brinkwatch.coding._petrarch import Dictionaries
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CodedEvent", "CodedEvents", "Coder", "events_to_table"]


@dataclass(frozen=True)
class CodedEvent:
    """One event coded from a sentence, with its evidence.

    Attributes
    ----------
    event_date
        The date a phrase of the sentence gives the event ("on 24 December", "yesterday",
        resolved against the text's date), else the text's date (``None`` when it has none).
    source, target
        The actors.
    code, root, quad_class, goldstein, name
        The CAMEO event code and what the codebook says about it.
    sentence
        The sentence the event was coded from.
    start, end
        Character span in the document of the words that triggered it (verb or noun and
        its object).
    sentence_start
        Character offset of the sentence in the document.
    rule
        The lexicon pattern that fired, with ``+refused``, ``+intent`` ... when syntax
        changed the code.
    confidence
        0-1: how sure the coder is (lower for nominal events, inherited or pronoun sources).
    negated, intended, reported
        Flags: the sentence says the event was not done (coded as a rejection), is only
        intended or threatened (not yet done), or is reported speech.
    doc_id
        The document the sentence came from.
    lexicon
        The lexicon the coder used (:attr:`Coder.lexicon_name`); the rule says which of its
        parts fired (``cameo2:...`` for the CAMEO.2.0 dictionary).
    date_phrase
        The phrase of the sentence that set ``event_date`` ("" when the text's date did).
    """

    event_date: date | None
    source: Actor
    target: Actor
    code: str
    root: str
    quad_class: int
    goldstein: float
    name: str
    sentence: str
    start: int
    end: int
    sentence_start: int
    rule: str
    confidence: float
    negated: bool = False
    intended: bool = False
    reported: bool = False
    doc_id: str = ""
    lexicon: str = ""
    date_phrase: str = ""

    @property
    def flags(self) -> str:
        """The set flags, comma-separated (``"negated,intended"``), or ``""``."""
        return ",".join(
            n for n, v in (("negated", self.negated), ("intended", self.intended),
                           ("reported", self.reported)) if v
        )  # fmt: skip

    @property
    def event_id(self) -> str:
        """A stable id: the same sentence, span, actors and code give the same id."""
        key = "\x1f".join(
            [
                self.doc_id,
                self.sentence,
                str(self.start - self.sentence_start),
                self.source.code,
                self.target.code,
                self.code,
                str(self.event_date),
            ]
        )
        return "coded-" + hashlib.blake2b(key.encode(), digest_size=10).hexdigest()

    def edited(
        self,
        *,
        code: str | None = None,
        source: str | None = None,
        target: str | None = None,
        event_date: date | None = None,
    ) -> CodedEvent:
        """Return this event as a reviewer corrected it (the evidence stays).

        Parameters
        ----------
        code
            A CAMEO event code (``"0213"``); the codebook supplies its name and weights.
        source, target
            CAMEO actor codes (``"JPNGOV"``): country then type.
        event_date
            The corrected date; the date phrase is dropped when the date changes.

        Returns
        -------
        CodedEvent
            With ``+edited`` added to ``rule`` when anything changed (and so a new
            ``event_id``).

        Raises
        ------
        CodebookError
            If ``code`` is not a CAMEO event code.
        ConfigError
            If an actor code is not letters and digits.

        Examples
        --------
        >>> from brinkwatch.coding import Actor
        >>> ev = CodedEvent(date(2019, 7, 1), Actor("JPN", "JPN", None, "Japan"),
        ...                 Actor("KOR", "KOR", None, "Korea"), "111", "11", 3, -2.0,
        ...                 "Criticize or denounce", "Japan criticized Korea.", 6, 16, 0,
        ...                 "criticize", 0.75)
        >>> e = ev.edited(code="112", target="KORGOV")
        >>> e.code, e.target.code, e.target.type, e.rule
        ('112', 'KORGOV', 'GOV', 'criticize+edited')
        """
        changes: dict[str, Any] = {}
        if code is not None and code.strip() != self.code:
            info = lookup_event(code)
            changes.update(
                code=info.code, root=info.root, quad_class=info.quad_class,
                goldstein=info.goldstein, name=info.name,
            )  # fmt: skip
        for name, value, old in (("source", source, self.source), ("target", target, self.target)):
            if value is not None and value.strip().upper() != old.code:
                changes[name] = _actor_from_code(value, name)
        if event_date is not None and event_date != self.event_date:
            changes.update(event_date=event_date, date_phrase="")
        if not changes:
            return self
        rule = self.rule if self.rule.endswith("+edited") else self.rule + "+edited"
        return dataclasses.replace(self, rule=rule, **changes)


class CodedEvents(ResultList[CodedEvent]):
    """The events :meth:`Coder.code` returns: a list, also a table in notebooks."""

    def to_arrow(self) -> pa.Table:
        """Return :func:`events_to_table` of the events."""
        return events_to_table(self)

    def summary(self) -> str:
        """Return one line per event: date (and the phrase that set it), dyad, code, name."""
        lines = [f"{len(self)} coded event(s)"]
        for e in self:
            when = f"{e.event_date}" + (f' ("{e.date_phrase}")' if e.date_phrase else "")
            flags = f" [{e.flags}]" if e.flags else ""
            lines.append(f"{when} {e.source.code}->{e.target.code} {e.code} {e.name}{flags}")
        return "\n".join(lines)


_ACTOR_CODE = re.compile(r"[A-Z0-9]{3,30}")


def _actor_from_code(value: str, field: str) -> Actor:
    code = value.strip().upper()
    if not _ACTOR_CODE.fullmatch(code):
        raise ConfigError(
            f"expected a CAMEO actor code of 3-30 letters and digits (e.g. JPNGOV); "
            f"got {value[:40]!r}",
            field=field,
        )
    country = country_code(code[:3])
    kind = code[3:6] if country is not None and len(code) >= 6 else None
    return Actor(code=code, country=country, type=kind, name=code)


class Coder:
    """Code English text into CAMEO events.

    Parameters
    ----------
    actors
        Actor dictionary; the bundled one (:func:`default_actors`) when ``None``. Extend it
        with a PETRARCH dictionary: ``default_actors().extended(parse_petrarch_actors(text))``.
    lexicon
        Verb-pattern lexicon; the bundled one when ``None``.
    nlp
        A spaCy pipeline with parser and lemmatizer; :func:`load_model` when ``None``.
    dictionaries
        The standard CAMEO dictionaries (``brinkwatch.ingest.dictionaries.load_dictionaries``):
        their actors and agents extend ``actors`` (which win ties), their verb patterns read
        the verbs our lexicon has no fitting pattern for, their discards drop sentences.

    Examples
    --------
    >>> coder = Coder()
    >>> ev = coder.code(
    ...     "Tokyo has retaliated by restricting sales of technology components "
    ...     "to South Korean firms.",
    ...     date=date(2019, 7, 1),
    ... )
    >>> [(e.source.code, e.target.code, e.code) for e in ev]
    [('JPNGOV', 'KORBUS', '163')]
    """

    def __init__(
        self,
        actors: ActorDictionary | None = None,
        lexicon: Lexicon | None = None,
        nlp: Any = None,
        dictionaries: Dictionaries | None = None,
    ) -> None:
        self.actors = actors
        self.lexicon = lexicon
        self.nlp = nlp
        self.dictionaries = dictionaries
        self._index: PhraseIndex | None = None
        self._titles: dict[str, list[tuple[ActorEntry, Role]]] = {}

    # ------------------------------------------------------------------ setup

    def _ready(self) -> tuple[Any, PhraseIndex, Lexicon, ActorDictionary]:
        if self.nlp is None:
            self.nlp = load_model()
        if self.actors is None:
            self.actors = default_actors()
            if self.dictionaries is not None:
                self.actors = self.dictionaries.actors.extended(self.actors)
        elif self.dictionaries is not None and self._index is None:
            self.actors = self.dictionaries.actors.extended(self.actors)
        if self.lexicon is None:
            self.lexicon = default_lexicon()
        if self._index is None:
            # Tokenize every phrase in one batch, as the text will be tokenized.
            phrases = sorted({p for e in self.actors.entries for p in e.phrases})
            # Words of letters and digits split on spaces as spaCy would split them; only the
            # rest ("U.S.", "al-Qaeda") needs the tokenizer, which is slow on 40,000 phrases.
            plain = {p: p.lower().split() for p in phrases if p.replace(" ", "").isalnum()}
            rest = [p for p in phrases if p not in plain]
            words = {
                p: [t.lower_ for t in d]
                for p, d in zip(rest, self.nlp.tokenizer.pipe(rest), strict=True)
            }
            words.update(plain)
            self._index = PhraseIndex(self.actors, words.__getitem__)
            self._titles = self.actors.titles()
        return self.nlp, self._index, self.lexicon, self.actors

    @property
    def lexicon_name(self) -> str:
        """Which lexicon codes: ours alone, or ours and the named CAMEO dictionaries.

        Examples
        --------
        >>> Coder().lexicon_name
        'brinkwatch lexicon'
        """
        if self.dictionaries is None:
            return "brinkwatch lexicon"
        n = self.dictionaries.verbs.pattern_count
        return f"brinkwatch lexicon, then {self.dictionaries.name}: {n} verb patterns"

    # ------------------------------------------------------------------ public API

    def code(self, text: str, *, date: date | None = None, doc_id: str = "") -> CodedEvents:
        """Code one text.

        Parameters
        ----------
        text
            English text: a sentence, an article, a cable summary.
        date
            The text's date: it dates the events and resolves titles and dated actor codes.
        doc_id
            A name for the document, kept with each event.

        Returns
        -------
        CodedEvents
            A list of :class:`CodedEvent` in text order (with ``to_pandas()`` and
            ``summary()``).
        """
        return next(iter(self.code_many([(text, date, doc_id)])))

    def code_many(
        self, docs: Iterable[tuple[str, date | None, str]], *, batch_size: int = 64
    ) -> Iterator[CodedEvents]:
        """Code many texts, parsing them in batches with ``nlp.pipe``.

        Parameters
        ----------
        docs
            ``(text, date, doc_id)`` triples.
        batch_size
            Texts per spaCy batch.

        Yields
        ------
        list of CodedEvent
            The events of each text, in input order.
        """
        nlp, _, _, _ = self._ready()
        items = list(docs)
        parsed = nlp.pipe((t for t, _, _ in items), batch_size=batch_size)
        for (_, day, doc_id), doc in zip(items, parsed, strict=True):
            yield self.code_doc(doc, date=day, doc_id=doc_id)

    def code_doc(self, doc: Any, *, date: date | None = None, doc_id: str = "") -> CodedEvents:
        """Code an already parsed spaCy ``Doc``."""
        self._ready()
        state = DocState(date)
        out = CodedEvents()
        dicts = self.dictionaries
        # A discarded story (sports, entertainment) gets no dictionary readings.
        state.discarded = dicts is not None and dicts.discarded([t.lower_ for t in doc], story=True)
        for sent in doc.sents:
            out.extend(self._code_sentence(sent, state, doc_id))
        return out

    # ------------------------------------------------------------------ sentences

    def _code_sentence(self, sent: Any, state: DocState, doc_id: str) -> list[CodedEvent]:
        _, index, lex, _ = self._ready()
        toks = list(sent)
        lowers = [t.lower_ for t in toks]
        verbs = None
        if self.dictionaries is not None and not state.discarded:
            # Discards guard the dictionary's readings; our own lexicon's events stand.
            verbs = None if self.dictionaries.discarded(lowers) else self.dictionaries.verbs
        cased = [t.text != t.lower_ for t in toks]
        mention_at: dict[int, Mention] = {}
        for s, e, entry in index.match(lowers, cased):
            for k in range(s, e):
                mention_at[toks[k].i] = (toks[s].i, toks[e - 1].i + 1, entry)
        assert self.actors is not None  # set by _ready()
        find = ActorFinder(sent, mention_at, state, self.actors.agents, self._titles, lex.say)
        build = EventBuilder(find, lex, verbs)
        found: list[Found] = []
        covered: set[int] = set()
        # Heads before dependents: an accusation's complement is covered before it is visited.
        for t in sorted(toks, key=_depth):
            if t.i in covered or t.pos_ not in ("VERB", "AUX"):
                continue
            f = build.verb_event(t, lex)
            if f is not None:
                found.append(f)
                covered.update(build.covered_by(t, f))
        for t in toks:
            if t.i in covered or t.pos_ not in ("NOUN", "PROPN") or t.i in mention_at:
                continue
            f = build.noun_event(t, lex, found)
            if f is not None and not f.dropped:
                found.append(f)
        found = prune(found, lex)
        events = self._emit(found, sent, state, doc_id)
        # Remember who acted, for "the prime minister" and pronouns in later sentences.
        for k in sorted(mention_at):
            entry = mention_at[k][2]
            if entry.country:
                state.countries.append(entry.country)
        subj = find.first_subject_actors()
        if subj:
            state.last_subject = subj
        return events

    def _emit(
        self, found: list[Found], sent: Any, state: DocState, doc_id: str
    ) -> list[CodedEvent]:
        best: dict[tuple[str, str, str], CodedEvent] = {}
        phrases = find_dates(sent.text)
        order: list[tuple[str, str, str]] = []
        for f in found:
            pairs: list[tuple[Actor, Actor]] = list(f.pairs)
            if pairs:
                pass
            elif f.symmetric and not f.targets and len(f.sources) >= 2:
                pairs = [(a, b) for a in f.sources for b in f.sources if a.code != b.code]
            else:
                for a in f.sources:
                    for b in f.targets:
                        pairs.append((a, b))
                        if f.symmetric:
                            pairs.append((b, a))
            info = lookup_event(f.code)
            day, phrase = _event_date(f, sent, phrases, state.day)
            for a, b in pairs:
                if a.code == b.code:
                    continue
                if f.code in ("042", "043") and a.country is not None and a.country == b.country:
                    # A visit is to another country ("barred her from leaving Turkey").
                    continue
                key = (a.code, b.code, f.code)
                ev = CodedEvent(
                    event_date=day,
                    source=a,
                    target=b,
                    code=f.code,
                    root=info.root,
                    quad_class=info.quad_class,
                    goldstein=info.goldstein,
                    name=info.name,
                    sentence=sent.text.strip(),
                    start=f.span[0],
                    end=f.span[1],
                    sentence_start=sent.start_char,
                    rule=f.rule,
                    confidence=round(max(0.05, min(0.95, f.confidence)), 2),
                    negated=f.negated,
                    intended=f.intended,
                    reported=f.reported,
                    doc_id=doc_id,
                    lexicon=self.lexicon_name,
                    date_phrase=phrase,
                )
                if key not in best:
                    order.append(key)
                    best[key] = ev
                elif ev.confidence > best[key].confidence:
                    best[key] = ev
        return [best[k] for k in order]


def _event_date(
    f: Found, sent: Any, phrases: list[DatePhrase], day: date | None
) -> tuple[date | None, str]:
    """Date one event: by the sentence's date phrase nearest to it, else the text's date.

    A phrase that hangs (through the parse) on the event's trigger wins over one that does
    not; among equals the nearest in characters wins. Reported events happened on or before
    the text's date, so phrases read backwards and a later date is ignored. An intended or
    threatened event is dated when the intent was stated: a phrase that hangs on the intended
    act ("will meet on 24 December") is the plan's date and does not date the event.
    """
    if not phrases:
        return day, ""
    doc = sent.doc
    ranked = []
    for ph in phrases:
        span = doc.char_span(
            sent.start_char + ph.start, sent.start_char + ph.end, alignment_mode="expand"
        )
        attached = span is not None and any(f.trigger in t.ancestors for t in span)
        if attached and f.intended:
            continue
        mid = sent.start_char + (ph.start + ph.end) // 2
        dist = min(abs(mid - f.span[0]), abs(mid - f.span[1]))
        ranked.append((not attached, dist, ph))
    for _, _, ph in sorted(ranked, key=lambda r: (r[0], r[1])):
        got = resolve_phrase(ph.text, day, "past")
        if got is not None and (day is None or got <= day):
            return got, ph.text
    return day, ""


def _depth(t: Any) -> int:
    d = 0
    while t.head is not t and d < 50:
        t = t.head
        d += 1
    return d


# ---------------------------------------------------------------------- tables

#: Columns of :func:`events_to_table` beyond the store's canonical ones.
EXTRA_COLUMNS = (
    "rule",
    "confidence",
    "flags",
    "span_start",
    "span_end",
    "sentence_start",
    "sentence_text",
    "cameo_name",
    "date_phrase",
)


def events_to_table(events: Sequence[CodedEvent], *, publisher: str | None = None) -> pa.Table:
    """Arrow table of coded events with the store's canonical column names.

    The table has ``event_id``, ``origin`` (``coded``), ``event_date``, the source and target
    code/name/country/type, ``cameo_code``, ``cameo_root``, ``quad_class``, ``goldstein``,
    ``sentence`` (whitespace collapsed), ``story_id`` (the document), ``publisher``, plus the
    evidence columns ``rule``, ``confidence``, ``flags``, ``span_start`` and ``span_end``
    (character offsets of the trigger words in the document), ``sentence_start`` and
    ``sentence_text`` (the sentence as it stands in the document), ``cameo_name`` and
    ``date_phrase`` (the words that dated the event, "" when the text's date did).

    Examples
    --------
    >>> events_to_table([]).num_rows
    0
    """
    import pyarrow as pa

    cols: dict[str, list[Any]] = {
        "event_id": [e.event_id for e in events],
        "origin": ["coded"] * len(events),
        "event_date": [e.event_date for e in events],
        "source_code": [e.source.code for e in events],
        "source_name": [e.source.name for e in events],
        "source_country": [e.source.country for e in events],
        "source_type": [e.source.type for e in events],
        "target_code": [e.target.code for e in events],
        "target_name": [e.target.name for e in events],
        "target_country": [e.target.country for e in events],
        "target_type": [e.target.type for e in events],
        "cameo_code": [e.code for e in events],
        "cameo_root": [e.root for e in events],
        "quad_class": [e.quad_class for e in events],
        "goldstein": [e.goldstein for e in events],
        "sentence": [" ".join(e.sentence.split()) for e in events],
        "story_id": [e.doc_id or None for e in events],
        "publisher": [publisher] * len(events),
        "rule": [e.rule for e in events],
        "confidence": [e.confidence for e in events],
        "flags": [e.flags for e in events],
        "span_start": [e.start for e in events],
        "span_end": [e.end for e in events],
        "sentence_start": [e.sentence_start for e in events],
        "sentence_text": [e.sentence for e in events],
        "cameo_name": [e.name for e in events],
        "date_phrase": [e.date_phrase for e in events],
    }
    schema = pa.schema(
        [
            (n, pa.date32())
            if n == "event_date"
            else (n, pa.int8())
            if n == "quad_class"
            else (n, pa.float64())
            if n in ("goldstein", "confidence")
            else (n, pa.int64())
            if n in ("span_start", "span_end", "sentence_start")
            else (n, pa.string())
            for n in cols
        ]
    )
    return pa.table(cols, schema=schema)

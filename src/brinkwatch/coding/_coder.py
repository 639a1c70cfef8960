"""Code English text into CAMEO events with their evidence, from spaCy dependency parses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from brinkwatch.codebook import lookup_event
from brinkwatch.coding._actors import (
    Actor,
    ActorDictionary,
    ActorEntry,
    PhraseIndex,
    default_actors,
    split_code,
)
from brinkwatch.coding._lexicon import Lexicon, NounPattern, VerbPattern, default_lexicon
from brinkwatch.coding._model import load_model
from brinkwatch.coding._transform import as_intent, as_refusal

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CodedEvent", "Coder", "events_to_table"]

_SUBJ = ("nsubj", "nsubjpass", "csubj")
_PRONOUNS = {"it", "they", "he", "she", "we", "i", "its", "their", "his", "her", "our"}
_NP_MODS = ("compound", "amod", "poss", "nmod", "npadvmod", "appos")
_OF_PREPS = ("of", "in", "from", "at")
# The parser attaches "out" in "walked out of" as a preposition, "away" as an adverb.
_PARTICLE_DEPS = ("prt", "advmod", "prep")
# Gatherings name a venue, not an actor: "at a WTO meeting", "the ASEAN summit".
_VENUES = frozenset(
    {"meeting", "summit", "conference", "forum", "session", "talk", "event", "gathering",
     "sideline", "assembly", "ceremony", "dialogue", "convention", "round", "panel",
     "consultation", "negotiation"}
)  # fmt: skip
# Verbs whose object is a reaction by someone else: "drawing a protest from Tokyo".
_REACTION_VERBS = frozenset(
    {"draw", "prompt", "trigger", "spark", "provoke", "elicit", "invite", "earn", "bring"}
)
_AGREEMENT_WORDS = frozenset({"agreement", "pact", "accord", "deal", "treaty", "gsomia"})
# Edges along which a clause inherits its subject from the clause it hangs on.
_INHERIT = ("xcomp", "conj", "advcl", "pcomp", "acomp")


@dataclass(frozen=True)
class CodedEvent:
    """One event coded from a sentence, with its evidence.

    Attributes
    ----------
    event_date
        The text's date (``None`` when the text has none).
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


@dataclass
class _Found:
    """An event before it becomes a CodedEvent."""

    trigger: Any
    sources: list[Actor]
    targets: list[Actor]
    code: str
    rule: str
    confidence: float
    symmetric: bool
    span: tuple[int, int]
    negated: bool = False
    intended: bool = False
    reported: bool = False
    dropped: bool = False
    pairs: list[tuple[Actor, Actor]] = field(default_factory=list)
    bare: bool = False

    def root_is_wrapper(self, lex: Lexicon) -> bool:
        """Say whether the trigger is a refusal, intent, threat or speech verb."""
        lemma = str(self.trigger.lemma_).lower()
        return lemma in lex.refuse or lemma in lex.intent or lemma in lex.threat or lemma in lex.say


@dataclass
class _DocState:
    """What the coder remembers across a document's sentences."""

    day: date | None
    countries: list[str] = field(default_factory=list)
    last_subject: list[Actor] = field(default_factory=list)


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
    ) -> None:
        self.actors = actors
        self.lexicon = lexicon
        self.nlp = nlp
        self._index: PhraseIndex | None = None
        self._titles: dict[str, list[Any]] = {}

    # ------------------------------------------------------------------ setup

    def _ready(self) -> tuple[Any, PhraseIndex, Lexicon, ActorDictionary]:
        if self.nlp is None:
            self.nlp = load_model()
        if self.actors is None:
            self.actors = default_actors()
        if self.lexicon is None:
            self.lexicon = default_lexicon()
        if self._index is None:
            # Tokenize every phrase in one batch, as the text will be tokenized.
            phrases = sorted({p for e in self.actors.entries for p in e.phrases})
            words = {
                p: [t.lower_ for t in d]
                for p, d in zip(phrases, self.nlp.tokenizer.pipe(phrases), strict=True)
            }
            self._index = PhraseIndex(self.actors, words.__getitem__)
            self._titles = self.actors.titles()
        return self.nlp, self._index, self.lexicon, self.actors

    # ------------------------------------------------------------------ public API

    def code(self, text: str, *, date: date | None = None, doc_id: str = "") -> list[CodedEvent]:
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
        list of CodedEvent
            In text order.
        """
        return next(iter(self.code_many([(text, date, doc_id)])))

    def code_many(
        self, docs: Iterable[tuple[str, date | None, str]], *, batch_size: int = 64
    ) -> Iterator[list[CodedEvent]]:
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

    def code_doc(self, doc: Any, *, date: date | None = None, doc_id: str = "") -> list[CodedEvent]:
        """Code an already parsed spaCy ``Doc``."""
        self._ready()
        state = _DocState(date)
        out: list[CodedEvent] = []
        for sent in doc.sents:
            out.extend(self._code_sentence(sent, state, doc_id))
        return out

    # ------------------------------------------------------------------ sentences

    def _code_sentence(self, sent: Any, state: _DocState, doc_id: str) -> list[CodedEvent]:
        _, index, lex, _ = self._ready()
        toks = list(sent)
        lowers = [t.lower_ for t in toks]
        cased = [t.text != t.lower_ for t in toks]
        mention_at: dict[int, tuple[int, int, ActorEntry]] = {}
        for s, e, entry in index.match(lowers, cased):
            for k in range(s, e):
                mention_at[toks[k].i] = (toks[s].i, toks[e - 1].i + 1, entry)
        ctx = _Sentence(self, sent, mention_at, state)
        found: list[_Found] = []
        covered: set[int] = set()
        # Heads before dependents: an accusation's complement is covered before it is visited.
        for t in sorted(toks, key=_depth):
            if t.i in covered or t.pos_ not in ("VERB", "AUX"):
                continue
            f = ctx.verb_event(t, lex)
            if f is not None:
                found.append(f)
                covered.update(ctx.covered_by(t, f))
        for t in toks:
            if t.i in covered or t.pos_ not in ("NOUN", "PROPN") or t.i in mention_at:
                continue
            f = ctx.noun_event(t, lex, found)
            if f is not None and not f.dropped:
                found.append(f)
        found = _drop_restated(_drop_purpose(_drop_wrappers(found, lex)))
        events = self._emit(found, sent, state, doc_id)
        # Remember who acted, for "the prime minister" and pronouns in later sentences.
        for k in sorted(mention_at):
            entry = mention_at[k][2]
            if entry.country:
                state.countries.append(entry.country)
        subj = ctx.first_subject_actors()
        if subj:
            state.last_subject = subj
        return events

    def _emit(
        self, found: list[_Found], sent: Any, state: _DocState, doc_id: str
    ) -> list[CodedEvent]:
        best: dict[tuple[str, str, str], CodedEvent] = {}
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
            for a, b in pairs:
                if a.code == b.code:
                    continue
                if f.code in ("042", "043") and a.country is not None and a.country == b.country:
                    # A visit is to another country ("barred her from leaving Turkey").
                    continue
                key = (a.code, b.code, f.code)
                ev = CodedEvent(
                    event_date=state.day,
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
                )
                if key not in best:
                    order.append(key)
                    best[key] = ev
                elif ev.confidence > best[key].confidence:
                    best[key] = ev
        return [best[k] for k in order]


# Protest and boycott by people rather than states: demonstrations and consumer boycotts.
_CIVIL_TYPES = frozenset({"CVL", "OPP", "LAB", "EDU", "REL", "HRI", "NGO"})
_CIVIL_CODES = {"114": "141", "163": "143", "111": "141"}


def _civil(code: str, sources: Sequence[Actor]) -> str:
    if code in _CIVIL_CODES and sources and all(a.type in _CIVIL_TYPES for a in sources):
        return _CIVIL_CODES[code]
    return code


def _fallback(table: dict[str, Any], tok: Any) -> Any:
    """Patterns by the word's own form when the lemmatizer erred ("staged" -> "stag")."""
    w = tok.lower_
    for cut in ("d", "ed", "s", "es", "ing"):
        if w.endswith(cut) and len(w) > len(cut) + 2:
            got = table.get(w[: -len(cut)]) or table.get(w[: -len(cut)] + "e")
            if got:
                return got
    return table.get(w)


def _depth(t: Any) -> int:
    d = 0
    while t.head is not t and d < 50:
        t = t.head
        d += 1
    return d


def _drop_purpose(found: list[_Found]) -> list[_Found]:
    """Drop a purpose clause's event of the same root as the event it hangs on.

    "Lawmakers met in Tokyo to discuss ways to mend relations" is one meeting (040), not
    also a negotiation (046).
    """
    by_trigger = {f.trigger.i: f for f in found}
    out = []
    for f in found:
        head = by_trigger.get(f.trigger.head.i) if f.trigger.dep_ in ("advcl", "xcomp") else None
        if head is not None and head is not f and head.code[:2] == f.code[:2]:
            continue
        out.append(f)
    return out


def _drop_restated(found: list[_Found]) -> list[_Found]:
    """Drop a nominal event that restates a verb's event in the same sentence.

    "Yoon arrived in Tokyo, the first visit to Japan by a South Korean president" is one
    visit: same code, same source, a target of the same country.
    """
    verbs = [f for f in found if f.trigger.pos_ in ("VERB", "AUX")]
    out = []
    for f in found:
        if f.trigger.pos_ not in ("VERB", "AUX") and any(
            g.code == f.code
            and {a.code for a in g.sources} & {a.code for a in f.sources}
            and {a.country for a in g.targets} & {a.country for a in f.targets}
            for g in verbs
        ):
            continue
        out.append(f)
    return out


def _drop_wrappers(found: list[_Found], lex: Lexicon) -> list[_Found]:
    """Drop a bare wrapper verb's own event when the event it wraps was coded.

    "Seoul threatened to scrap GSOMIA" codes the threat once (1313), not also as a bare
    "threaten" (130).
    """
    wrappers = lex.refuse | lex.intent | lex.threat
    out = []
    for f in found:
        if f.bare and f.trigger.lemma_.lower() in wrappers:
            # "agreed to keep talking": the talks (as an intent) are the event.
            inner = {
                t.i
                for c in f.trigger.children
                if c.dep_ in ("xcomp", "ccomp", "dobj")
                for t in c.subtree
            }
            if any(g is not f and g.trigger.i in inner for g in found):
                continue
        out.append(f)
    return out


class _Sentence:
    """Argument finding and modifiers for one parsed sentence."""

    def __init__(
        self,
        coder: Coder,
        sent: Any,
        mention_at: dict[int, tuple[int, int, ActorEntry]],
        state: _DocState,
    ) -> None:
        self.coder = coder
        self.sent = sent
        self.mention_at = mention_at
        self.state = state
        assert coder.actors is not None and coder.lexicon is not None
        self.agents = coder.actors.agents
        self.lex = coder.lexicon
        self.claimed: set[int] = set()

    # ------------------------------------------------------------------ actors

    def _agent_type(self, tok: Any) -> str | None:
        lemma = tok.lemma_.lower()
        for c in tok.children:
            if c.dep_ in ("compound", "amod"):
                two = f"{c.lemma_.lower()} {lemma}"
                if two in self.agents:
                    return self.agents[two]
        return self.agents.get(lemma) or self.agents.get(tok.lower_)

    def _entry_actors(
        self, entry: ActorEntry, hint_type: str | None, text: str | None = None
    ) -> list[Actor]:
        day = self.state.day
        if entry.kind == "person":
            active = day is None or any(r.start <= day <= r.end for r in entry.roles)
            typ = "GOV" if active else "ELI"
            country = entry.country or "---"
            return [Actor(country + typ, entry.country, typ, entry.name)]
        if entry.kind in ("title", "agreement"):
            return []
        out: list[Actor] = []
        if entry.kind == "petrarch":
            for code in entry.code_on(day):
                pcountry, ptyp = split_code(code)
                if hint_type and len(code) == 3:
                    code, ptyp = code + hint_type, hint_type
                out.append(Actor(code, pcountry, ptyp, text or entry.name))
            return out
        for code in entry.code_on(day):
            etyp = entry.type
            if hint_type and etyp is None and entry.country:
                code, etyp = code + hint_type, hint_type
            out.append(Actor(code, entry.country, etyp, text or entry.name))
        return out

    def _title_actor(self, entry_tokens: Sequence[Any], hints: list[Actor]) -> list[Actor]:
        phrase = " ".join(t.lower_ for t in entry_tokens)
        cands = self.coder._titles.get(phrase, [])
        day = self.state.day
        live = [(e, r) for e, r in cands if day is None or r.start <= day <= r.end]
        countries = [h.country for h in hints if h.country]
        if countries:
            mine = [(e, r) for e, r in live if e.country in countries]
            if mine:
                e = mine[0][0]
                return [Actor(f"{e.country}GOV", e.country, "GOV", e.name)]
            return [Actor(f"{c}GOV", c, "GOV", phrase) for c in dict.fromkeys(countries)]
        if not live:
            return []
        for c in reversed(self.state.countries):
            for e, _ in live:
                if e.country == c:
                    return [Actor(f"{c}GOV", c, "GOV", e.name)]
        e = live[0][0]
        return [Actor(f"{e.country}GOV", e.country, "GOV", e.name)]

    def _left_mentions(self, tok: Any) -> list[tuple[int, int, ActorEntry]]:
        seen: list[tuple[int, int, ActorEntry]] = []
        for k in range(tok.left_edge.i, tok.i):
            m = self.mention_at.get(k)
            if m is not None and m not in seen and tok.i not in range(m[0], m[1]):
                seen.append(m)
        return seen

    def _coordinated_left(
        self, tok: Any, start: int, left: list[tuple[int, int, ActorEntry]]
    ) -> list[Actor]:
        """Actors coordinated with the head that the parser hung on its left.

        The small model often parses "Fornost and the evil awful Gondor" with Fornost as a
        modifier of Gondor; a mention followed by "and" or a comma before the head is a
        conjunct all the same (but not "Gondor's Prime Minister", nor an appositive).
        """
        out: list[Actor] = []
        for s0, e0, entry in left:
            if entry.kind in ("title", "agreement", "person") or e0 > start:
                continue
            between = [tok.doc[k] for k in range(e0, start)]
            if not any(w.lower_ in ("and", "or") for w in between):
                continue
            if any(w.tag_ == "POS" or w.dep_ == "case" for w in between):
                continue
            out.extend(self._entry_actors(entry, None, tok.doc[s0:e0].text))
        return out

    def np_actors(self, tok: Any, depth: int = 0) -> list[Actor]:
        """Return the actors a noun phrase headed by ``tok`` names (without its conjuncts)."""
        if tok.pos_ == "PRON" and tok.lower_ in _PRONOUNS:
            return []
        m = self.mention_at.get(tok.i)
        agent = self._agent_type(tok)
        if m is not None and m[2].kind == "title" and tok.tag_ in ("NNS", "NNPS"):
            # "the foreign ministers of Japan, South Korea and China": several people.
            m, agent = None, "GOV"
        if agent in ("GOV", "MIL", "JUD", "LEG", "COP", "SPY") and any(
            c.dep_ in ("amod", "compound", "advmod") and c.lower_ in ("former", "ex", "retired")
            for c in tok.children
        ):
            # "former security officials": out of office, CAMEO's elites.
            agent = "ELI"
        left = self._left_mentions(tok)
        if agent is None:
            # "South Korean Ambassador Lee Su-hoon": a title word before a name.
            for k in range(tok.left_edge.i, tok.i):
                w = tok.doc[k]
                wm = self.mention_at.get(w.i)
                if w.dep_ in ("compound", "nmod") and (wm is None or wm[2].kind == "title"):
                    agent = agent or self.agents.get(w.lemma_.lower())
        hints: list[Actor] = []
        for s0, e0, e in left:
            if e.kind == "person" and e.country:
                hints.append(Actor(e.country, e.country, None, e.name))
            elif e.kind not in ("title", "agreement"):
                hints.extend(self._entry_actors(e, None, tok.doc[s0:e0].text))
        if m is not None:
            s, e_, entry = m
            if entry.kind == "title":
                if not hints and depth == 0:
                    for c in tok.children:
                        if c.dep_ == "prep" and c.lower_ in ("of", "from"):
                            for p in c.children:
                                if p.dep_ == "pobj":
                                    hints.extend(self.np_actors(p, depth + 1))
                return self._title_actor(tok.doc[s:e_], hints)
            if agent is None and entry.kind == "country" and tok.tag_ in ("NNS", "NNPS"):
                # "South Koreans", "Americans": the people, not the state.
                agent = "CVL"
            own = self._entry_actors(entry, agent, tok.doc[s:e_].text)
            return own + self._coordinated_left(tok, s, left) if depth == 0 else own
        if agent is None:
            for c in tok.children:
                if c.dep_ == "poss" and c.i not in self.mention_at:
                    got = self.np_actors(c, depth + 1)
                    if got:
                        # "the South Korean court's ruling": the court, not the adjective.
                        return got
            if depth >= 1:
                # "the sidelines of the ASEAN summit" is a place, not ASEAN.
                return []
        if not hints and depth == 0:
            # "the government of Japan", "soldiers from Gondor"; a non-agent head only by
            # "of" ("the population of Gondor"), so that "talks in Bangkok" stays a place.
            preps = _OF_PREPS if agent else ("of",)
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ in preps:
                    for p in c.children:
                        if p.dep_ == "pobj":
                            hints.extend(self.np_actors(p, depth + 1))
                            stack = [cc for cc in p.children if cc.dep_ == "conj"]
                            while stack:
                                cc = stack.pop(0)
                                hints.extend(self.np_actors(cc, depth + 1))
                                stack.extend(x for x in cc.children if x.dep_ == "conj")
        if not hints:
            return []
        if agent is None:
            return [] if tok.lemma_.lower() in _VENUES else hints
        # The phrase as written ("South Korean chipmakers") names the combined actor.
        first = tok.left_edge.i
        while first < tok.i and tok.doc[first].dep_ in ("det", "punct"):
            first += 1
        name = tok.doc[first : tok.i + 1].text
        out = []
        for h in hints:
            if h.type is None and h.country is not None:
                out.append(Actor(h.code + agent, h.country, agent, name))
            elif h.country is None and len(h.code) == 3 and h.code.isupper():
                out.append(Actor(h.code + agent, h.code, agent, name))
            else:
                out.append(h)
        return out

    def actors(self, tok: Any) -> list[Actor]:
        """Actors of a noun phrase and its conjuncts ("Japan and South Korea")."""
        out: list[Actor] = []
        stack = [tok]
        seen: set[int] = set()
        while stack:
            t = stack.pop(0)
            if t.i in seen:
                continue
            seen.add(t.i)
            got = self.np_actors(t)
            agent = self._agent_type(t) if not got and out else None
            if agent is not None:
                # "Danish media and government": the second noun shares the country.
                countries = dict.fromkeys(a.country for a in out if a.country)
                got = [Actor(c + agent, c, agent, t.text) for c in countries]
            head_agent = self._agent_type(tok) if t.i != tok.i else None
            if head_agent and got and all(a.type is None and len(a.code) == 3 for a in got):
                # "Lawmakers in Fornost and Gondor", parsed with Gondor as a conjunct of
                # "Lawmakers": the country after "in X and" shares the head's type.
                before = t.doc[t.left_edge.i - 2] if t.left_edge.i >= 2 else None
                if before is not None and before.dep_ == "pobj" and before.head.head.i == tok.i:
                    got = [
                        Actor(a.code + head_agent, a.country or a.code, head_agent, t.text)
                        for a in got
                    ]
            out.extend(got)
            stack.extend(c for c in t.children if c.dep_ == "conj")
            stack.extend(self._listed_appositions(t, got))
        uniq: dict[str, Actor] = {}
        for a in out:
            uniq.setdefault(a.code, a)
        return list(uniq.values())

    def _listed_appositions(self, t: Any, head_actors: list[Actor]) -> list[Any]:
        """Appositions that are really items of a list ("Mordor, the Shire, Fornost and Bree").

        An apposition names the same actor ("Moon, the South Korean president"); one that
        names a different country or dictionary actor, in a phrase that holds a conjunction,
        is a list item the parser misread.
        """
        out: list[Any] = []
        mine = {a.code for a in head_actors}
        m = self.mention_at.get(t.i)
        if not mine or m is None or m[2].kind not in ("country", "petrarch"):
            return out
        for c in t.children:
            if c.dep_ != "appos":
                continue
            cm = self.mention_at.get(c.i)
            if cm is None or cm[2].kind not in ("country", "petrarch"):
                continue
            listed = any(x.dep_ == "conj" for x in (*t.children, *c.children))
            if listed and not {a.code for a in self.np_actors(c)} & mine:
                out.append(c)
        return out

    def _subject_tok(self, verb: Any) -> Any | None:
        for c in verb.children:
            if c.dep_ in ("nsubj", "csubj"):
                return c
        return None

    def subjects(self, verb: Any) -> tuple[list[Actor], float]:
        """Source actors of a verb and a confidence penalty (inherited or pronoun)."""
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
        if passive:
            for c in verb.children:
                if c.dep_ == "agent":
                    for p in c.children:
                        if p.dep_ == "pobj":
                            return self.actors(p), 0.0
            return [], 0.0
        v, penalty = verb, 0.0
        for _ in range(6):
            s = self._subject_tok(v)
            if s is not None:
                if s.pos_ == "PRON" and s.lower_ in _PRONOUNS:
                    return self._resolve_pronoun(v), penalty + 0.15
                got = self.actors(s)
                # "Old foes Gondor and Osgiliath renewed ties", "Kono, Japan's foreign
                # minister, and Kang held talks": the parser may give a verb two subjects
                # where there is one coordinated subject; each names sources.
                for c in v.children:
                    if c.dep_ == "nsubj" and c.i != s.i:
                        got += [a for a in self.actors(c) if all(a.code != b.code for b in got)]
                return got, penalty
            if v.dep_ == "relcl":
                return self.actors(v.head), penalty + 0.05
            if v.dep_ == "xcomp":
                # Object control: in "urged Japan to withdraw", Japan withdraws.
                objs = [c for c in v.head.children if c.dep_ == "dobj"]
                if objs:
                    got = self.actors(objs[0])
                    if got:
                        return got, penalty + 0.1
            if v.dep_ in _INHERIT or (v.dep_ == "pcomp" and v.head.dep_ == "prep"):
                v = v.head.head if v.head.pos_ == "ADP" else v.head
                penalty += 0.1
                continue
            if v.dep_ == "dobj" and v.head.pos_ == "VERB":
                v = v.head
                penalty += 0.1
                continue
            break
        return [], penalty

    def _resolve_pronoun(self, verb: Any) -> list[Actor]:
        v = verb
        for _ in range(6):
            if v.head is v:
                break
            v = v.head
            s = self._subject_tok(v)
            if s is not None and not (s.pos_ == "PRON" and s.lower_ in _PRONOUNS):
                got = self.actors(s)
                if got:
                    return got
        return list(self.state.last_subject)

    def first_subject_actors(self) -> list[Actor]:
        """Return the actors of the sentence's main subject (for later pronouns)."""
        root = self.sent.root
        s = self._subject_tok(root)
        return self.actors(s) if s is not None and s.pos_ != "PRON" else []

    def _agreement_targets(self, toks: Iterable[Any], sources: list[Actor]) -> list[Actor]:
        mine = {a.country for a in sources}
        for t in toks:
            m = self.mention_at.get(t.i)
            if m is not None and m[2].kind == "agreement":
                others = [p for p in m[2].parties if p not in mine]
                if len(others) == 1 and len(m[2].parties) - len(others) >= 1:
                    return [Actor(others[0], others[0], None, m[2].name)]
        return []

    def _deep_prep_targets(
        self, head: Any, preps: Sequence[str], sources: list[Actor], depth: int = 3
    ) -> list[Actor]:
        """Actors under a preposition in ``preps`` along chains of prepositional phrases."""
        frontier = [head]
        for _ in range(depth):
            nxt = []
            for h in frontier:
                for c in h.children:
                    if c.dep_ != "prep":
                        continue
                    for o in c.children:
                        if o.dep_ != "pobj":
                            continue
                        if c.lower_ in preps:
                            got = [
                                a for a in self.actors(o) if all(a.code != s.code for s in sources)
                            ]
                            if got:
                                return got
                        if o.lemma_.lower() not in ("sideline", "margin", "fringe"):
                            # "on the sidelines of a meeting with Pompeo" is a place.
                            nxt.append(o)
            frontier = nxt
        return []

    def _prep_targets(
        self, head: Any | Sequence[Any], preps: Sequence[str], skip: set[int]
    ) -> list[Actor]:
        """Actors in the first preposition (in ``preps`` order) on the head(s) that has any."""
        by_prep: dict[str, list[Any]] = {}
        heads: list[Any] = list(head) if isinstance(head, list) else [head]
        for h in heads:
            for c in h.children:
                if c.dep_ in ("prep", "dative") and c.i not in skip:
                    by_prep.setdefault(c.lower_, []).append(c)
        for name in preps:
            for c in by_prep.get(name, []):
                for p in c.children:
                    if p.dep_ == "pobj" and p.i not in skip:
                        got = self.actors(p)
                        if not got and p.lemma_.lower() in ("front", "side", "outskirts"):
                            # "in front of the Japanese embassy"
                            got = self._prep_targets(p, ("of",), skip)
                        if got:
                            return got
        return []

    # ------------------------------------------------------------------ modifiers

    def _modifiers(self, verb: Any) -> tuple[bool, bool, bool, bool, bool, str]:
        """(negated, refused, intended, threat, reported, wrapper-rule) for an event verb."""
        lex = self.lex
        negated = any(c.dep_ == "neg" for c in verb.children)
        intended = any(c.dep_ == "aux" and c.lemma_.lower() in lex.modal for c in verb.children)
        refused = threat = reported = False
        note = ""
        v = verb
        for _ in range(3):
            if v.dep_ not in ("xcomp", "ccomp", "dobj", "pcomp", "conj") or v.head is v:
                break
            h = v.head if v.head.pos_ != "ADP" else v.head.head
            hl = h.lemma_.lower()
            if v.dep_ == "conj":
                v = h
                continue
            if hl in lex.refuse:
                refused, note = True, "+refused"
            elif hl in lex.threat:
                threat, intended, note = True, True, "+threat"
            elif hl in lex.intent:
                intended, note = True, "+intent"
            elif hl in lex.say and v.dep_ == "ccomp":
                reported = True
            else:
                break
            if any(c.dep_ == "neg" for c in h.children):
                negated = not negated
            if any(c.dep_ == "aux" and c.lemma_.lower() in lex.modal for c in h.children):
                intended = True
            v = h
        # Reported speech further up ("..., a senior official said").
        w = v
        for _ in range(4):
            if w.head is w:
                break
            if w.dep_ == "ccomp" and w.head.lemma_.lower() in lex.say:
                reported = True
                break
            w = w.head
        return negated, refused, intended, threat, reported, note

    def _apply(self, f: _Found, verb: Any) -> _Found:
        if verb.dep_ == "pcomp":
            # "instead of condemning Seoul", "rather than criticizing", "without consulting
            # Seoul": an act not done, and not a refusal either.
            h = verb.head
            words = {h.lower_} | {c.lower_ for c in h.children if c.dep_ == "advmod"}
            if words & {"without", "instead", "rather"}:
                f.dropped = True
                return f
        negated, refused, intended, threat, reported, note = self._modifiers(verb)
        f.reported = reported
        if refused or negated:
            code = as_refusal(f.code) if not (refused and negated) else f.code
            if code is None:
                # A conflictual act that was not done is no event at all.
                f.dropped = True
                return f
            if code != f.code:
                f.code, f.rule = code, f.rule + (note or "+negated")
                f.negated = negated or refused
                f.symmetric = False
                f.confidence -= 0.05
                return f
        if intended or threat:
            code = as_intent(f.code)
            f.intended = True
            if code != f.code:
                f.code, f.rule = code, f.rule + (note or "+intent")
                f.symmetric = False
                f.confidence -= 0.05
        return f

    # ------------------------------------------------------------------ verbs

    def _preps_of(self, verb: Any, name: str) -> list[Any]:
        """Prepositions ``name`` on the verb or on its particle ("walked out of")."""
        out = [c for c in verb.children if c.dep_ == "prep" and c.lower_ == name]
        for c in verb.children:
            if c.dep_ in _PARTICLE_DEPS:
                out.extend(g for g in c.children if g.dep_ == "prep" and g.lower_ == name)
        return out

    def _object(self, verb: Any, p: VerbPattern) -> Any | None:
        if p.object_prep:
            for c in self._preps_of(verb, p.object_prep):
                for o in c.children:
                    if o.dep_ in ("pobj", "pcomp"):
                        return o
        passive = any(c.dep_ == "auxpass" for c in verb.children)
        for c in verb.children:
            if c.dep_ == "dobj" or (passive and c.dep_ == "nsubjpass"):
                return c
        if p.object_prep is None:
            # "agreed on a truce", "protested over the ruling": a single object via a prep.
            for c in verb.children:
                if c.dep_ == "xcomp" and c.pos_ in ("NOUN", "PROPN"):
                    return c
        return None

    def _lemma_in(self, tok: Any, words: frozenset[str]) -> bool:
        if tok.lemma_.lower() in words or tok.lower_ in words:
            return True
        m = self.mention_at.get(tok.i)
        if m is not None and m[2].kind == "agreement" and words & _AGREEMENT_WORDS:
            return True
        return any(
            c.dep_ in ("compound", "amod", "nummod") and c.lemma_.lower() in words
            for c in tok.children
        )

    def _complement_lemmas(self, verb: Any) -> set[str]:
        out: set[str] = set()
        for c in verb.children:
            if c.dep_ in _SUBJ or c.dep_ in ("agent", "punct", "cc", "conj", "advcl"):
                continue
            out.update(t.lemma_.lower() for t in c.subtree)
        return out

    def verb_event(self, verb: Any, lex: Lexicon) -> _Found | None:
        """Return the event a verb triggers, with its actors and modifiers, if any."""
        patterns = lex.verbs.get(verb.lemma_.lower()) or _fallback(lex.verbs, verb)
        if not patterns:
            return None
        for p in patterns:
            if p.particle and not any(
                c.dep_ in _PARTICLE_DEPS and c.lower_ == p.particle for c in verb.children
            ):
                continue
            obj = self._object(verb, p)
            if p.objects and (obj is None or not self._lemma_in(obj, p.objects)):
                continue
            if p.object_prep and not p.objects and not self._preps_of(verb, p.object_prep):
                continue
            comp: set[str] | None = None
            if p.refine_required:
                comp = self._complement_lemmas(verb)
                if not comp & p.refine_required:
                    continue
            if p.objects:
                # The verb and its object are an event even if no actor is named: its object
                # must not then be coded as a nominal event ("UN sanctions were lifted").
                self.claimed.add(verb.i)
            f = self._build_verb(verb, p, obj if p.objects else None, comp)
            if f is None:
                # No actors for this reading; a less specific pattern may still have them.
                continue
            return None if f.dropped else f
        return None

    def _build_verb(
        self, verb: Any, p: VerbPattern, obj: Any | None, comp: set[str] | None
    ) -> _Found | None:
        sources, penalty = self.subjects(verb)
        passive = any(c.dep_ == "auxpass" for c in verb.children)
        if not p.objects and p.code[:2] in ("18", "19", "20") and not passive:
            # "fighting extradition": violence verbs with a non-actor object are figurative.
            dobj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            if dobj is not None and not self.actors(dobj):
                return None
        skip: set[int] = set()
        if p.object_prep and obj is not None:
            skip.add(obj.i)
        targets: list[Actor] = []
        direct = None
        if obj is None:
            for c in verb.children:
                if c.dep_ == "dobj" or (passive and c.dep_ == "nsubjpass"):
                    direct = c
                    break
        if direct is not None and p.target_object:
            targets = self.actors(direct)
        if not targets:
            for c in verb.children:
                if c.dep_ == "dative":
                    targets = self.actors(c)
                    if targets:
                        break
        if not targets:
            heads = [verb] if obj is None else [verb, obj]
            targets = self._prep_targets(heads, p.preps, skip)
        for holder in (obj, direct):
            if not targets and holder is not None:
                targets = self._prep_targets(holder, p.preps, set())
                # One level down: "welcomed a resumption of ties with Osgiliath".
                for c in holder.children if not targets else ():
                    if c.dep_ == "prep" and c.lower_ == "of":
                        for o in c.children:
                            if o.dep_ == "pobj" and not targets:
                                targets = self._prep_targets(o, p.preps, set())
                # Further down the object's prepositions: "eased controls on one of the
                # chemicals for South Korea".
                if not targets and holder is obj:
                    targets = self._deep_prep_targets(holder, p.preps, sources)
                # "lifted curbs on exports of materials to South Korea": the chain can
                # start at the verb when the parser hangs the first phrase there.
                if not targets and holder is obj and not (p.symmetric and len(sources) > 1):
                    background = self.lex.background_preps
                    for c in verb.children:
                        if targets or c.dep_ != "prep" or c.lower_ not in p.preps:
                            continue
                        if c.lower_ in background:
                            continue
                        for o in c.children:
                            if o.dep_ == "pobj" and not targets and o.lemma_ not in _VENUES:
                                targets = self._deep_prep_targets(o, p.preps, sources, 2)
                # "condemned an attack by Osgiliath soldiers": the attacker is the target.
                if not targets:
                    targets = self._prep_targets(holder, ("by",), set())
                # "cordoned off the roads leading into Mordor", "an accord to supply Gondor".
                for c in holder.children if not targets else ():
                    if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB":
                        for d in c.children:
                            if d.dep_ in ("dobj", "nsubj") and not targets:
                                targets = [
                                    a for a in self.actors(d)
                                    if all(a.code != s.code for s in sources)
                                ]  # fmt: skip
                        if not targets:
                            targets = self._prep_targets(c, p.preps, set())
                # "restricted Korea's exports": the object's owner; but in "enforced UN
                # sanctions" the owner of an event noun is its agent, not the target.
                if not targets and holder.lemma_.lower() not in self.lex.nouns:
                    targets = [
                        a for a in self.np_actors(holder) if all(a.code != s.code for s in sources)
                    ]
        conf = 0.75 if p.objects else 0.65
        if not targets and sources:
            scope = list(obj.subtree) if obj is not None else []
            for c in verb.children:
                if c.dep_ in ("prep", "dobj", "xcomp"):
                    scope.extend(c.subtree)
            targets = self._agreement_targets(scope, sources)
            conf -= 0.1
        if not sources and p.symmetric and len(targets) >= 2:
            sources, targets = targets, []
        if not targets and sources and p.code[:2] in ("02", "10", "11", "13"):
            # "demanded that Tokyo withdraw it", "warned that Japan would ...".
            for c in verb.children:
                if c.dep_ == "ccomp" and not targets:
                    subj = self._subject_tok(c)
                    if subj is not None and subj.pos_ != "PRON":
                        targets = self.actors(subj)
        # "Gondor and Osgiliath renewed ties": with no target, a compound subject acts on
        # itself for reciprocal patterns (symmetric) and relation patterns (mutual).
        each_other = (p.symmetric or p.mutual) and len(sources) >= 2
        if not sources or (not targets and not each_other):
            return None
        mutual = (
            [(a, b) for a in sources for b in sources if a.code != b.code]
            if each_other and not targets
            else []
        )
        code, rule = p.code, p.id
        code = _civil(code, sources)
        if p.refine:
            comp = comp if comp is not None else self._complement_lemmas(verb)
            for words, refined in p.refine:
                if comp & words:
                    code = refined
                    break
        ends = [verb.idx, verb.idx + len(verb)]
        for c in verb.children:
            if c.dep_ == "prt":
                ends.append(c.idx + len(c))
        if obj is not None:
            ends.extend([obj.idx, obj.idx + len(obj)])
        f = _Found(
            verb,
            sources,
            targets,
            code,
            rule,
            conf - penalty,
            p.symmetric,
            (min(ends), max(ends)),
            pairs=mutual,
            bare=not p.objects,
        )
        return self._apply(f, verb)

    def covered_by(self, verb: Any, f: _Found) -> set[int]:
        """Tokens that later patterns must not code again (objects, complements)."""
        out: set[int] = set()
        for c in verb.children:
            if c.dep_ in ("dobj", "prep", "xcomp", "ccomp", "nsubjpass", "dative", "pcomp"):
                if c.dep_ in ("xcomp", "ccomp") and f.root_is_wrapper(self.lex):
                    continue
                out.update(t.i for t in c.subtree)
        return out

    # ------------------------------------------------------------------ nouns

    def _governor(self, tok: Any) -> Any | None:
        t = tok
        for _ in range(4):
            if t.dep_ in ("dobj", "nsubjpass", "attr", "oprd", "xcomp", "pobj", "conj", "appos"):
                h = t.head
                if h.pos_ in ("VERB", "AUX"):
                    return h
                if h.pos_ == "ADP":
                    t = h
                    continue
                if t.dep_ in ("conj", "appos"):
                    t = h
                    continue
                return None
            if t.dep_ == "prep" and t.head.pos_ in ("VERB", "AUX"):
                return t.head
            return None
        return None

    def noun_event(self, tok: Any, lex: Lexicon, found: list[_Found]) -> _Found | None:
        """Return a nominal event ("Japan's export restrictions on Seoul"), if any."""
        patterns = lex.nouns.get(tok.lemma_.lower())
        if not patterns:
            return None
        if tok.dep_ == "pobj" and tok.head.lower_ in lex.background_preps:
            return None
        gov = self._governor(tok)
        if gov is not None and (gov.i in self.claimed or any(f.trigger.i == gov.i for f in found)):
            return None
        # "..., drawing a protest from Tokyo": a reaction by the "from" actor to whoever
        # did what the clause says.
        react = gov is not None and tok.dep_ == "dobj" and gov.lemma_.lower() in _REACTION_VERBS
        for p in patterns:
            if react and gov is not None:
                f = self._build_reaction(tok, p, gov)
                if f is not None:
                    return f
                continue
            if p.modifiers and not any(
                c.dep_ in ("compound", "amod") and c.lemma_.lower() in p.modifiers
                for c in tok.children
            ):
                continue
            if p.requires_verb and (gov is None or gov.lemma_.lower() not in p.requires_verb):
                continue
            of_toks: list[Any] = [c for c in tok.children if c.dep_ == "compound"]
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "of":
                    of_toks.extend(o for o in c.children if o.dep_ == "pobj")
            if p.objects_of and not any(
                self._lemma_in(o, p.objects_of)
                or (o.i in self.mention_at and self.mention_at[o.i][2].kind == "agreement")
                for o in of_toks
            ):
                continue
            return self._build_noun(tok, p, gov, of_toks)
        return None

    def _build_reaction(self, tok: Any, p: NounPattern, gov: Any) -> _Found | None:
        sources = [
            a
            for c in (*tok.children, *gov.children)
            if c.dep_ == "prep" and c.lower_ == "from"
            for o in c.children
            if o.dep_ == "pobj"
            for a in self.actors(o)
        ]
        targets, penalty = self.subjects(gov)
        targets = [a for a in targets if all(a.code != s.code for s in sources)]
        if not sources or not targets:
            return None
        f = _Found(
            tok, sources, targets, p.code, p.id + "+reaction", 0.5 - penalty, False,
            (tok.idx, tok.idx + len(tok)),
        )  # fmt: skip
        f.code = _civil(f.code, sources)
        return f

    def _build_noun(
        self, tok: Any, p: NounPattern, gov: Any | None, of_toks: list[Any]
    ) -> _Found | None:
        penalty = 0.0
        sources: list[Actor] = []
        for c in tok.children:
            if c.dep_ == "poss":
                sources = self.actors(c)
            elif c.dep_ == "prep" and c.lower_ == "by":
                for o in c.children:
                    if o.dep_ == "pobj":
                        sources = self.actors(o)
        if not sources:
            left = self._left_mentions(tok)
            for s0, e0, e in left:
                if e.kind not in ("title", "agreement"):
                    sources.extend(self._entry_actors(e, None, tok.doc[s0:e0].text))
        if not sources and gov is not None and tok.dep_ not in ("nsubj", "nsubjpass"):
            sources, pen = self.subjects(gov)
            penalty += 0.1 + pen
        targets: list[Actor] = []
        frontier = [tok]
        for _ in range(2):
            nxt = []
            for h in frontier:
                for c in h.children:
                    if c.dep_ != "prep" or c.lower_ not in (*p.preps, "of"):
                        continue
                    for o in c.children:
                        if o.dep_ != "pobj":
                            continue
                        got = [
                            a for a in self.actors(o)
                            if all(a.code != s.code for s in sources)
                        ]  # fmt: skip
                        if got and (c.lower_ in p.preps or not targets):
                            targets.extend(got)
                        nxt.append(o)
            if targets:
                break
            frontier = nxt
        if not targets and gov is not None:
            targets = [
                a for a in self._prep_targets(gov, p.preps, {tok.i})
                if all(a.code != s.code for s in sources)
            ]  # fmt: skip
        conf = 0.55
        if not targets and sources:
            targets = self._agreement_targets([t for o in of_toks for t in o.subtree], sources)
            conf -= 0.05
        if p.symmetric and not sources and len(targets) >= 2:
            sources, targets = targets, []
        if not sources or (not targets and not (p.symmetric and len(sources) >= 2)):
            return None
        mutual = (
            [(a, b) for a in sources for b in sources if a.code != b.code]
            if p.symmetric and not targets
            else []
        )
        f = _Found(
            tok,
            sources,
            targets,
            p.code,
            p.id,
            conf - penalty,
            p.symmetric,
            (tok.idx, tok.idx + len(tok)),
            pairs=mutual,
        )
        f.code = _civil(f.code, sources)
        if gov is None:
            return f
        gl = gov.lemma_.lower()
        if gl in self.lex.cancel and f.code[:2] <= "08":
            # "Abe's visit to Washington was postponed": no visit took place.
            return None
        if gl in self.lex.refuse or gl in self.lex.intent or gl in self.lex.threat:
            # "considering abrogation of GSOMIA": the noun is what the wrapper verb governs.
            refused = gl in self.lex.refuse
            negated = any(c.dep_ == "neg" for c in gov.children)
            if refused != negated:
                code = as_refusal(f.code)
                if code is None:
                    return None
                f.code, f.rule, f.negated = code, f.rule + "+refused", True
            elif not negated:
                f.code, f.intended = as_intent(f.code), True
                f.rule += "+threat" if gl in self.lex.threat else "+intent"
            else:
                return None
            f.symmetric = False
            _, _, _, _, f.reported, _ = self._modifiers(gov)
            return f
        return self._apply(f, gov) if gl not in self.lex.say else f


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
)


def events_to_table(events: Sequence[CodedEvent], *, publisher: str | None = None) -> pa.Table:
    """Arrow table of coded events with the store's canonical column names.

    The table has ``event_id``, ``origin`` (``coded``), ``event_date``, the source and target
    code/name/country/type, ``cameo_code``, ``cameo_root``, ``quad_class``, ``goldstein``,
    ``sentence`` (whitespace collapsed), ``story_id`` (the document), ``publisher``, plus the
    evidence columns ``rule``, ``confidence``, ``flags``, ``span_start`` and ``span_end``
    (character offsets of the trigger words in the document), ``sentence_start`` and
    ``sentence_text`` (the sentence as it stands in the document) and ``cameo_name``.

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

"""Event building for one parsed sentence: verb and noun patterns, their actors and modifiers.

:class:`EventBuilder` matches the lexicon's verb patterns ("impose ... on") and noun patterns
("sanctions on") against a sentence's dependency parse, asks an :class:`ActorFinder` for the
sources and targets, and applies the syntax that changes a code: negation and refusal, intent
and threats, reported speech, cancelled events. :func:`prune` then drops the events that
restate or wrap another one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from brinkwatch.coding import _commentary as commentary
from brinkwatch.coding._actors import Actor
from brinkwatch.coding._dictmatch import match_verb
from brinkwatch.coding._finder import VENUES, ActorFinder
from brinkwatch.coding._lexicon import Lexicon, NounPattern, VerbPattern
from brinkwatch.coding._petrarch import VerbDictionary
from brinkwatch.coding._transform import as_intent, as_refusal

__all__ = ["EventBuilder", "Found", "prune"]

_SUBJ = ("nsubj", "nsubjpass", "csubj")
# The parser attaches "out" in "walked out of" as a preposition, "away" as an adverb.
_PARTICLE_DEPS = ("prt", "advmod", "prep")
# Verbs whose object is a reaction by someone else: "drawing a protest from Tokyo".
_REACTION_VERBS = frozenset(
    {"draw", "prompt", "trigger", "spark", "provoke", "elicit", "invite", "earn", "bring"}
)
_AGREEMENT_WORDS = frozenset({"agreement", "pact", "accord", "deal", "treaty", "gsomia"})
# Protest and boycott by people rather than states: demonstrations and consumer boycotts.
_CIVIL_TYPES = frozenset({"CVL", "OPP", "LAB", "EDU", "REL", "HRI", "NGO"})
_CIVIL_CODES = {"114": "141", "163": "143", "111": "141"}


@dataclass
class Found:
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


def _drop_purpose(found: list[Found]) -> list[Found]:
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


def _drop_restated(found: list[Found]) -> list[Found]:
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


def _drop_wrappers(found: list[Found], lex: Lexicon) -> list[Found]:
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


def _drop_dictionary_statements(found: list[Found]) -> list[Found]:
    """Drop a dictionary's bare statement (01x) beside a weightier event of the same actors.

    "Lee visited Tokyo and delivered a letter from Moon to Abe" is a visit; CAMEO codes the
    most specific event, and the letter (CAMEO.2.0: 010) is part of it.
    """
    out = []
    for f in found:
        if (
            f.rule.startswith("cameo2:")
            and f.code[:2] == "01"
            and any(
                g is not f
                and g.code[:2] != "01"
                and {a.code for a in g.sources} & {a.code for a in f.sources}
                for g in found
            )
        ):
            continue
        out.append(f)
    return out


def prune(found: list[Found], lex: Lexicon) -> list[Found]:
    """Drop the events that another event of the sentence wraps, serves or restates."""
    kept = _drop_restated(_drop_purpose(_drop_wrappers(found, lex)))
    return commentary.drop_vague_means(_drop_dictionary_statements(kept))


class EventBuilder:
    """The events one parsed sentence's verbs and nouns trigger.

    Parameters
    ----------
    find
        The sentence's actor finder.
    lex
        The verb- and noun-pattern lexicon.
    verbs
        The CAMEO.2.0 verb dictionary, consulted for verbs our lexicon has no pattern for.
    """

    def __init__(
        self, find: ActorFinder, lex: Lexicon, verbs: VerbDictionary | None = None
    ) -> None:
        self.find = find
        self.lex = lex
        self.verbs = verbs
        # Verbs coded with their object: that object is no nominal event of its own.
        self.claimed: set[int] = set()

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

    def _apply(self, f: Found, verb: Any) -> Found:
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
        if commentary.hypothetical(verb) or commentary.speculative(verb, reported or bool(note)):
            # A condition, or the authors' guess: nothing happened and no actor said it would.
            f.dropped = True
            return f
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
        m = self.find.mention_at.get(tok.i)
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

    def verb_event(self, verb: Any, lex: Lexicon) -> Found | None:
        """Return the event a verb triggers, with its actors and modifiers, if any."""
        exchanged = self._exchanged(verb)
        if exchanged is not None:
            return None if exchanged.dropped else exchanged
        patterns = lex.verbs.get(verb.lemma_.lower()) or _fallback(lex.verbs, verb)
        if not patterns:
            return self._dictionary_event(verb)
        matched = False
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
            matched = True
            f = self._build_verb(verb, p, obj if p.objects else None, comp)
            if f is None:
                # No actors for this reading; a less specific pattern may still have them.
                continue
            return None if f.dropped else f
        # Our lexicon wins where one of its patterns fits; the dictionary reads the rest.
        return None if matched else self._dictionary_event(verb)

    def _exchanged(self, verb: Any) -> Found | None:
        """Return the two-way event of "both governments exchanged accusations", if any."""
        got = commentary.exchanged_object(verb, self.lex.nouns)
        if got is None:
            return None
        obj, p = got
        sources, penalty = self.find.subjects(verb)
        if len(sources) < 2:
            return None
        self.claimed.add(verb.i)
        pairs = [(a, b) for a in sources for b in sources if a.code != b.code]
        span = (min(verb.idx, obj.idx), max(verb.idx + len(verb), obj.idx + len(obj)))
        f = Found(verb, sources, [], p.code, p.id + "+exchanged", 0.6 - penalty, True, span,
                  pairs=pairs)  # fmt: skip
        return self._apply(f, verb)

    def _dictionary_event(self, verb: Any) -> Found | None:
        """Return the event of a verb our lexicon does not know, by the CAMEO.2.0 dictionary."""
        lemma = verb.lemma_.lower()
        lex = self.lex
        if self.verbs is None or verb.pos_ != "VERB":
            return None
        if lemma in lex.refuse or lemma in lex.intent or lemma in lex.threat or lemma in lex.say:
            # Wrappers are ours: they change the code of the event they govern.
            return None
        if any(
            (t.lemma_.lower() in lex.verbs and t.pos_ == "VERB")
            or (t.lemma_.lower() in lex.nouns and t.pos_ == "NOUN")
            for c in verb.children
            if c.dep_ not in _SUBJ
            for t in c.subtree
            # Modifiers ("a detained journalist", "arrest warrants", "a student it held") are no
            # events of their own.
            if t.dep_ not in ("amod", "compound", "relcl", "acl")
        ):
            # "decided to terminate the pact", "approved the removal of Seoul from ...":
            # our lexicon codes what the verb governs, more faithfully than the wrapper.
            return None
        m = match_verb(verb, self.verbs)
        if m is None or m.code == "---":
            return None
        p = VerbPattern(m.rule, m.code, frozenset({lemma}))
        f = self._build_verb(verb, p, None, None)
        if f is None or f.dropped:
            return None
        subject = f.sources
        for tok, side in ((m.source, "sources"), (m.target, "targets")):
            got = self.find.actors(tok) if tok is not None else []
            if got:
                setattr(f, side, got)
        if m.source is not None and m.target is None and f.sources is not subject:
            # "Tokyo drew protests from Seoul" ("* PROTESTS (FROM $)"): the subject is the target.
            f.targets = subject
        # Dictionary readings are less sure than our own patterns.
        f.confidence -= 0.05
        return f

    def _build_verb(
        self, verb: Any, p: VerbPattern, obj: Any | None, comp: set[str] | None
    ) -> Found | None:
        sources, penalty = self.find.subjects(verb)
        if not sources and verb.i in self.find.authored:
            # "we witnessed", "we met ...": the authors' own doings are no state's events.
            return None
        passive = any(c.dep_ == "auxpass" for c in verb.children)
        if not p.objects and p.code[:2] in ("18", "19", "20") and not passive:
            # "fighting extradition": violence verbs with a non-actor object are figurative.
            dobj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            if dobj is not None and not self.find.actors(dobj):
                return None
        targets = self._verb_targets(verb, p, obj, sources, passive)
        conf = 0.75 if p.objects else 0.65
        if not targets and sources:
            scope = list(obj.subtree) if obj is not None else []
            for c in verb.children:
                if c.dep_ in ("prep", "dobj", "xcomp"):
                    scope.extend(c.subtree)
            targets = self.find.agreement_targets(scope, sources)
            conf -= 0.1
        head = commentary.means_head(verb)
        if not targets and sources and head is not None:
            # "retaliated against Seoul by restricting exports": the restriction's target.
            targets = self.find.prep_targets(head, ("against", *p.preps), set())
        cond = commentary.condition(verb) if not targets and sources else None
        subj = self.find.subject_tok(cond) if cond is not None else None
        if subj is not None:
            # "threatened to retaliate if Seoul seizes the assets": aimed at the condition's actor.
            targets = [a for a in self.find.actors(subj) if all(a.code != s.code for s in sources)]
        if not sources and p.symmetric and len(targets) >= 2:
            sources, targets = targets, []
        if not targets and sources and p.code[:2] in ("02", "10", "11", "13"):
            # "demanded that Tokyo withdraw it", "warned that Japan would ...".
            for c in verb.children:
                if c.dep_ == "ccomp" and not targets:
                    subj = self.find.subject_tok(c)
                    if subj is not None and subj.pos_ != "PRON":
                        targets = self.find.actors(subj)
        # "Gondor and Osgiliath renewed ties": with no target, a compound subject acts on
        # itself for reciprocal patterns (symmetric) and relation patterns (mutual).
        each_other = (p.symmetric or p.mutual or commentary.each_other(verb)) and len(sources) >= 2
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
        f = Found(
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

    def _verb_targets(
        self, verb: Any, p: VerbPattern, obj: Any | None, sources: list[Actor], passive: bool
    ) -> list[Actor]:
        """Targets of a verb event: its direct object, dative, prepositions, then its objects'."""
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
            targets = self.find.actors(direct)
        if not targets:
            for c in verb.children:
                if c.dep_ == "dative":
                    targets = self.find.actors(c)
                    if targets:
                        break
        if not targets:
            heads = [verb] if obj is None else [verb, obj]
            targets = self.find.prep_targets(heads, p.preps, skip)
        for holder in (obj, direct):
            if not targets and holder is not None:
                targets = self._holder_targets(verb, p, obj, holder, sources)
        return targets

    def _holder_targets(
        self, verb: Any, p: VerbPattern, obj: Any | None, holder: Any, sources: list[Actor]
    ) -> list[Actor]:
        """Targets found through the verb's object (``holder``): its prepositions and owner."""
        targets = self.find.prep_targets(holder, p.preps, set())
        # One level down: "welcomed a resumption of ties with Osgiliath".
        for c in holder.children if not targets else ():
            if c.dep_ == "prep" and c.lower_ == "of":
                for o in c.children:
                    if o.dep_ == "pobj" and not targets:
                        targets = self.find.prep_targets(o, p.preps, set())
        # Further down the object's prepositions: "eased controls on one of the
        # chemicals for South Korea".
        if not targets and holder is obj:
            targets = self.find.deep_prep_targets(holder, p.preps, sources)
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
                    if o.dep_ == "pobj" and not targets and o.lemma_ not in VENUES:
                        targets = self.find.deep_prep_targets(o, p.preps, sources, 2)
        # "condemned an attack by Osgiliath soldiers": the attacker is the target.
        if not targets:
            targets = self.find.prep_targets(holder, ("by",), set())
        # "cordoned off the roads leading into Mordor", "an accord to supply Gondor".
        for c in holder.children if not targets else ():
            if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB":
                for d in c.children:
                    if d.dep_ in ("dobj", "nsubj") and not targets:
                        targets = [
                            a for a in self.find.actors(d)
                            if all(a.code != s.code for s in sources)
                        ]  # fmt: skip
                if not targets:
                    targets = self.find.prep_targets(c, p.preps, set())
        # "restricted Korea's exports": the object's owner; but in "enforced UN
        # sanctions" the owner of an event noun is its agent, not the target.
        if not targets and holder.lemma_.lower() not in self.lex.nouns:
            targets = [
                a for a in self.find.np_actors(holder) if all(a.code != s.code for s in sources)
            ]
        return targets

    def covered_by(self, verb: Any, f: Found) -> set[int]:
        """Tokens that later patterns must not code again (objects, complements)."""
        out: set[int] = set()
        means = commentary.means_clause(verb)
        for c in verb.children:
            if means is not None and means.head.i == c.i:
                # The "by"-clause says what was done: it is coded in its own right.
                continue
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

    def noun_event(self, tok: Any, lex: Lexicon, found: list[Found]) -> Found | None:
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
                or (
                    o.i in self.find.mention_at and self.find.mention_at[o.i][2].kind == "agreement"
                )
                for o in of_toks
            ):
                continue
            return self._build_noun(tok, p, gov, of_toks)
        return None

    def _build_reaction(self, tok: Any, p: NounPattern, gov: Any) -> Found | None:
        sources = [
            a
            for c in (*tok.children, *gov.children)
            if c.dep_ == "prep" and c.lower_ == "from"
            for o in c.children
            if o.dep_ == "pobj"
            for a in self.find.actors(o)
        ]
        targets, penalty = self.find.subjects(gov)
        targets = [a for a in targets if all(a.code != s.code for s in sources)]
        if not sources or not targets:
            return None
        f = Found(
            tok, sources, targets, p.code, p.id + "+reaction", 0.5 - penalty, False,
            (tok.idx, tok.idx + len(tok)),
        )  # fmt: skip
        f.code = _civil(f.code, sources)
        return f

    def _build_noun(
        self, tok: Any, p: NounPattern, gov: Any | None, of_toks: list[Any]
    ) -> Found | None:
        if any(c.dep_ == "poss" and commentary.first_person(c) for c in tok.children):
            # "our recent visits": the authors' trip, not a state visit.
            return None
        if gov is not None and commentary.hypothetical(gov):
            return None
        penalty = 0.0
        sources: list[Actor] = []
        for c in tok.children:
            if c.dep_ == "poss":
                sources = self.find.actors(c)
            elif c.dep_ == "prep" and c.lower_ == "by":
                for o in c.children:
                    if o.dep_ == "pobj":
                        sources = self.find.actors(o)
        if not sources:
            left = self.find.left_mentions(tok)
            for s0, e0, e in left:
                if e.kind not in ("title", "agreement"):
                    sources.extend(self.find.entry_actors(e, None, tok.doc[s0:e0].text))
        if not sources and gov is not None and tok.dep_ not in ("nsubj", "nsubjpass"):
            sources, pen = self.find.subjects(gov)
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
                            a for a in self.find.actors(o)
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
                a for a in self.find.prep_targets(gov, p.preps, {tok.i})
                if all(a.code != s.code for s in sources)
            ]  # fmt: skip
        conf = 0.55
        if not targets and sources:
            # "abrogation of GSOMIA", "withdrawal from GSOMIA": the agreement's other party.
            held = of_toks + [
                o
                for c in tok.children
                if c.dep_ == "prep" and c.lower_ == "from" and "from" in p.preps
                for o in c.children
                if o.dep_ == "pobj"
            ]
            targets = self.find.agreement_targets([t for o in held for t in o.subtree], sources)
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
        f = Found(
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

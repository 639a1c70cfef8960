"""Actor finding for one parsed sentence: who a noun phrase names, a verb's subjects, targets.

:class:`ActorFinder` reads a spaCy sentence with the actor mentions the phrase index found in
it and answers the questions the event builder (``_events.py``) asks: which actors a noun
phrase names (with its conjuncts, appositions and "of" phrases), who the subject of a verb is
(following passives, control verbs, relative clauses and pronouns), and which actors sit under
a verb's or noun's prepositions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from brinkwatch.coding import _commentary as commentary
from brinkwatch.coding._actors import Actor, ActorEntry, Role, split_code

__all__ = ["VENUES", "ActorFinder", "DocState", "Mention"]

#: A phrase-index match: (first token index, end token index, dictionary entry).
Mention = tuple[int, int, ActorEntry]

_PRONOUNS = {"it", "they", "he", "she", "its", "their", "his", "her", *commentary.FIRST_PERSON}
_OF_PREPS = ("of", "in", "from", "at")
# Gatherings name a venue, not an actor: "at a WTO meeting", "the ASEAN summit".
VENUES = frozenset(
    {"meeting", "summit", "conference", "forum", "session", "talk", "event", "gathering",
     "sideline", "assembly", "ceremony", "dialogue", "convention", "round", "panel",
     "consultation", "negotiation"}
)  # fmt: skip
# Edges along which a clause inherits its subject from the clause it hangs on.
_INHERIT = ("xcomp", "conj", "advcl", "pcomp", "acomp")


@dataclass
class DocState:
    """What the coder remembers across a document's sentences."""

    day: date | None
    countries: list[str] = field(default_factory=list)
    last_subject: list[Actor] = field(default_factory=list)
    discarded: bool = False


class ActorFinder:
    """The actors of one parsed sentence's noun phrases, subjects and prepositions.

    Parameters
    ----------
    sent
        A spaCy sentence ``Span``.
    mention_at
        For each token index inside an actor mention, that mention.
    state
        The document so far: its date, the countries mentioned, the last subject.
    agents
        Agent words and their CAMEO types (``"minister"`` -> ``"GOV"``).
    titles
        Title phrases and the (entry, role) pairs that hold them.
    say
        Speech verbs: a first-person subject under one is its speaker's ("'We will
        retaliate,' the minister said"); elsewhere it is the authors, never a state.
    """

    def __init__(
        self,
        sent: Any,
        mention_at: dict[int, Mention],
        state: DocState,
        agents: dict[str, str],
        titles: dict[str, list[tuple[ActorEntry, Role]]],
        say: frozenset[str] = frozenset(),
    ) -> None:
        self.say = say
        #: Verbs whose subject is the authors ("we witnessed"): they code no event.
        self.authored: set[int] = set()
        self.sent = sent
        self.mention_at = mention_at
        self.state = state
        self.agents = agents
        self.titles = titles

    def agent_type(self, tok: Any) -> str | None:
        """Return the CAMEO agent type a common noun names ("minister", "defense minister")."""
        lemma = tok.lemma_.lower()
        for c in tok.children:
            if c.dep_ in ("compound", "amod"):
                two = f"{c.lemma_.lower()} {lemma}"
                if two in self.agents:
                    return self.agents[two]
        return self.agents.get(lemma) or self.agents.get(tok.lower_)

    def entry_actors(
        self, entry: ActorEntry, hint_type: str | None, text: str | None = None
    ) -> list[Actor]:
        """Return the actors a dictionary entry stands for on the document's date."""
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

    def title_actor(self, entry_tokens: Sequence[Any], hints: list[Actor]) -> list[Actor]:
        """Return the office holder a title names (by the hinted or the latest country)."""
        phrase = " ".join(t.lower_ for t in entry_tokens)
        cands = self.titles.get(phrase, [])
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

    def left_mentions(self, tok: Any) -> list[Mention]:
        """Actor mentions in the noun phrase left of ``tok``, excluding its own."""
        seen: list[Mention] = []
        for k in range(tok.left_edge.i, tok.i):
            m = self.mention_at.get(k)
            if m is not None and m not in seen and tok.i not in range(m[0], m[1]):
                seen.append(m)
        return seen

    def _coordinated_left(self, tok: Any, start: int, left: list[Mention]) -> list[Actor]:
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
            out.extend(self.entry_actors(entry, None, tok.doc[s0:e0].text))
        return out

    def np_actors(self, tok: Any, depth: int = 0) -> list[Actor]:
        """Return the actors a noun phrase headed by ``tok`` names (without its conjuncts)."""
        if tok.pos_ == "PRON" and tok.lower_ in _PRONOUNS:
            return []
        m = self.mention_at.get(tok.i)
        agent = self.agent_type(tok)
        if m is not None and m[2].kind == "title" and tok.tag_ in ("NNS", "NNPS"):
            # "the foreign ministers of Japan, South Korea and China": several people.
            m, agent = None, "GOV"
        if agent in ("GOV", "MIL", "JUD", "LEG", "COP", "SPY") and any(
            c.dep_ in ("amod", "compound", "advmod") and c.lower_ in ("former", "ex", "retired")
            for c in tok.children
        ):
            # "former security officials": out of office, CAMEO's elites.
            agent = "ELI"
        left = self.left_mentions(tok)
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
                hints.extend(self.entry_actors(e, None, tok.doc[s0:e0].text))
        if m is not None:
            s, e_, entry = m
            if entry.kind == "title":
                if not hints and depth == 0:
                    for c in tok.children:
                        if c.dep_ == "prep" and c.lower_ in ("of", "from"):
                            for p in c.children:
                                if p.dep_ == "pobj":
                                    hints.extend(self.np_actors(p, depth + 1))
                return self.title_actor(tok.doc[s:e_], hints)
            if agent is None and entry.kind == "country" and tok.tag_ in ("NNS", "NNPS"):
                # "South Koreans", "Americans": the people, not the state.
                agent = "CVL"
            own = self.entry_actors(entry, agent, tok.doc[s:e_].text)
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
            return [] if tok.lemma_.lower() in VENUES else hints
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
            agent = self.agent_type(t) if not got and out else None
            if agent is not None:
                # "Danish media and government": the second noun shares the country.
                countries = dict.fromkeys(a.country for a in out if a.country)
                got = [Actor(c + agent, c, agent, t.text) for c in countries]
            head_agent = self.agent_type(tok) if t.i != tok.i else None
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

    def subject_tok(self, verb: Any) -> Any | None:
        """Return the verb's own active subject token, if any."""
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
            s = self.subject_tok(v)
            if s is not None:
                if commentary.first_person(s):
                    return self._first_person(verb, v), penalty + 0.15
                if s.pos_ == "PRON" and s.lower_ in _PRONOUNS:
                    return self._resolve_pronoun(v), penalty + 0.15
                got = self.actors(s)
                pair = commentary.pair_subject(s) if not got else None
                if pair is not None:
                    # "both governments", "the two capitals": the two countries named last.
                    return commentary.context_pair(self.state.countries, pair), penalty + 0.1
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

    def _first_person(self, verb: Any, v: Any) -> list[Actor]:
        """Return a quoted speaker's actors for "we" and "I"; none (the authors) otherwise."""
        who = commentary.speaker(v, self.say)
        got = self.actors(who) if who is not None else []
        if not got:
            self.authored.add(verb.i)
        return got

    def _resolve_pronoun(self, verb: Any) -> list[Actor]:
        v = verb
        for _ in range(6):
            if v.head is v:
                break
            v = v.head
            s = self.subject_tok(v)
            if s is not None and not (s.pos_ == "PRON" and s.lower_ in _PRONOUNS):
                got = self.actors(s)
                if got:
                    return got
        return list(self.state.last_subject)

    def first_subject_actors(self) -> list[Actor]:
        """Return the actors of the sentence's main subject (for later pronouns)."""
        root = self.sent.root
        s = self.subject_tok(root)
        return self.actors(s) if s is not None and s.pos_ != "PRON" else []

    def agreement_targets(self, toks: Iterable[Any], sources: list[Actor]) -> list[Actor]:
        """Return the other party of a named agreement among ``toks`` (GSOMIA, Japan)."""
        mine = {a.country for a in sources}
        for t in toks:
            m = self.mention_at.get(t.i)
            if m is not None and m[2].kind == "agreement":
                others = [p for p in m[2].parties if p not in mine]
                if len(others) == 1 and len(m[2].parties) - len(others) >= 1:
                    return [Actor(others[0], others[0], None, m[2].name)]
        return []

    def deep_prep_targets(
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

    def prep_targets(
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
                            got = self.prep_targets(p, ("of",), skip)
                        if got:
                            return got
        return []

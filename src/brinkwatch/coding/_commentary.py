"""Rules for commentary: the authors' voice, hedges, reciprocal phrasings and means clauses.

Commentary and analysis differ from wire news in ways that mislead a news coder. The authors
speak in the first person ("on our recent visits ... we witnessed"), speculate ("Japan could
impose", "if Seoul ends the pact, Washington would ..."), describe two-way exchanges in one
clause ("both governments exchanged accusations") and name an act through the means of
another ("has retaliated by restricting exports"). The functions here read those
constructions off a spaCy parse; :class:`~brinkwatch.coding._finder.ActorFinder` and
:class:`~brinkwatch.coding._events.EventBuilder` call them at a few hooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from brinkwatch.coding._actors import Actor

if TYPE_CHECKING:
    from brinkwatch.coding._events import Found

__all__ = [
    "FIRST_PERSON",
    "condition",
    "context_pair",
    "drop_vague_means",
    "each_other",
    "exchanged_object",
    "first_person",
    "hypothetical",
    "means_clause",
    "means_head",
    "pair_subject",
    "speaker",
    "speculative",
]

#: First-person pronouns: in commentary the authors, never a state unless quoted.
FIRST_PERSON = frozenset({"we", "i", "us", "me", "our", "my", "ours", "ourselves", "myself"})
# Subordinators of a condition: what follows did not happen ("if Seoul ends the pact").
_CONDITIONS = frozenset({"if", "unless", "whether"})
# Modals of possibility: in the authors' voice a guess, not an actor's stated intent.
_HEDGES = frozenset({"could", "might", "may", "would"})
# Verbs whose object is an act done by each party to the other ("exchanged accusations").
_EXCHANGE = frozenset({"exchange", "trade", "swap", "hurl", "level"})
# "both governments", "the two capitals": the pair the text is about.
_PAIR_WORDS = frozenset({"both", "two"})
_STATE_NOUNS = frozenset({"capital", "government", "administration", "leader", "leadership"})
_COUNTRY_NOUNS = frozenset({"country", "nation", "side", "neighbor", "neighbour", "ally"})


def first_person(tok: Any) -> bool:
    """Say whether a token is a first-person pronoun ("we", "our", "us", "I")."""
    return tok.pos_ == "PRON" and tok.lower_ in FIRST_PERSON


def speaker(verb: Any, say: frozenset[str]) -> Any | None:
    """Return the subject of the speech verb that quotes ``verb``'s clause, if any.

    In "'We will retaliate,' the minister said" the minister speaks, so "we" is the minister's
    state; with no such speech verb (or one whose own subject is first person) the authors
    speak.
    """
    v = verb
    for _ in range(6):
        if v.head.i == v.i:
            return None
        if v.dep_ in ("ccomp", "parataxis") and v.head.lemma_.lower() in say:
            subj = next((c for c in v.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None or subj.pos_ == "PRON":
                return None
            return subj
        v = v.head
    return None


def hypothetical(verb: Any) -> bool:
    """Say whether ``verb`` sits in a condition ("if Seoul ends the pact", "unless Tokyo ...").

    CAMEO codes what happened or what an actor said it would do; the condition of a threat or
    of a forecast has not happened.
    """
    v = verb
    for _ in range(4):
        if v.dep_ == "advcl" and any(
            c.dep_ == "mark" and c.lower_ in _CONDITIONS for c in v.children
        ):
            return True
        if v.dep_ not in ("conj", "xcomp", "advcl", "ccomp") or v.head.i == v.i:
            return False
        v = v.head
    return False


def condition(verb: Any) -> Any | None:
    """Return the verb of ``verb``'s condition ("retaliate if Seoul seizes ..."), if any."""
    for c in verb.children:
        if c.dep_ == "advcl" and any(
            m.dep_ == "mark" and m.lower_ in _CONDITIONS for m in c.children
        ):
            return c
    return None


def speculative(verb: Any, voiced: bool) -> bool:
    """Say whether ``verb`` is the authors' guess ("Japan could impose", "Seoul might ...").

    ``voiced`` says an actor's speech or intent wraps the verb ("Seoul said it could ..."),
    which makes the modal the actor's stated intent rather than a guess.
    """
    if voiced:
        return False
    v = verb
    for _ in range(2):
        if any(c.dep_ == "aux" and c.lower_ in _HEDGES for c in v.children):
            return True
        if v.dep_ != "conj":
            return False
        v = v.head
    return False


def exchanged_object(verb: Any, nouns: dict[str, Any]) -> tuple[Any, Any] | None:
    """Return (object token, its first noun pattern) of "exchanged accusations", if any."""
    if verb.lemma_.lower() not in _EXCHANGE:
        return None
    for c in verb.children:
        if c.dep_ == "dobj":
            patterns = nouns.get(c.lemma_.lower())
            if patterns:
                return c, patterns[0]
    return None


def each_other(verb: Any) -> bool:
    """Say whether the verb's object is "each other" or "one another"."""
    objs = [c for c in verb.children if c.dep_ in ("dobj", "dative")]
    objs += [o for c in verb.children if c.dep_ == "prep" for o in c.children if o.dep_ == "pobj"]
    for o in objs:
        words = {o.lower_, *(c.lower_ for c in o.children)}
        if words & {"other", "another"} and words & {"each", "one"}:
            return True
        before = o.doc[o.i - 1].lower_ if o.i > 0 else ""
        if o.lower_ in ("other", "another") and before in ("each", "one"):
            return True
    return False


def pair_subject(tok: Any) -> str | None:
    """Return the agent type a "both governments" phrase names ("" for countries), or None."""
    lemma = tok.lemma_.lower()
    if lemma not in _STATE_NOUNS | _COUNTRY_NOUNS:
        return None
    if not any(c.lower_ in _PAIR_WORDS for c in tok.children):
        return None
    return "GOV" if lemma in _STATE_NOUNS else ""


def context_pair(countries: Sequence[str], agent: str) -> list[Actor]:
    """Return the two countries the text named last, as actors of the given agent type."""
    pair: list[str] = []
    for c in reversed(countries):
        if c not in pair:
            pair.append(c)
        if len(pair) == 2:
            break
    if len(pair) < 2:
        return []
    return [Actor(c + agent, c, agent or None, c) for c in reversed(pair)]


def means_clause(verb: Any) -> Any | None:
    """Return the verb of ``verb``'s "by"-clause ("retaliated by restricting ..."), if any."""
    for c in verb.children:
        if c.dep_ == "prep" and c.lower_ == "by":
            for g in c.children:
                if g.dep_ == "pcomp" and g.pos_ == "VERB":
                    return g
    return None


def means_head(verb: Any) -> Any | None:
    """Return the verb whose "by"-clause ``verb`` heads ("retaliated" for "restricting")."""
    h = verb.head
    if verb.dep_ == "pcomp" and h.dep_ == "prep" and h.lower_ == "by" and h.head.pos_ == "VERB":
        return h.head
    return None


def drop_vague_means(found: list[Found]) -> list[Found]:
    """Drop a root-level event ("retaliated", 160) whose "by"-clause was coded.

    "Tokyo retaliated against Seoul by restricting exports" is a restriction (163); the
    retaliation is the same act, named vaguely.
    """
    by_trigger = {f.trigger.i: f for f in found}
    vague: set[int] = set()
    for f in found:
        head = means_head(f.trigger)
        g = by_trigger.get(head.i) if head is not None else None
        vague_code = g is not None and g.code.endswith("0") and len(g.code) == 3
        if (
            g is not None
            and vague_code
            and {a.code for a in g.sources} & {a.code for a in f.sources}
        ):
            vague.add(g.trigger.i)
    return [f for f in found if f.trigger.i not in vague]

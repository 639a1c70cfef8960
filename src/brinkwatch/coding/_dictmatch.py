"""Matching the CAMEO.2.0 verb patterns against a verb's dependency subtree.

A phrase pattern's words after the verb (``*``) must appear, in order, among the words the
verb governs (objects, prepositions and their objects, particles, complements); its words
before the verb among the words of its subject. ``$`` and ``+`` bind the source and target
to the noun after the word they follow ("PROTESTS (FROM $)": the noun under "from"). Of the
patterns that match, the most specific (most words) wins; when none matches, the verb's own
code applies. A ``---`` code means the verb, so read, is no event.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from brinkwatch.codebook import lookup_event
from brinkwatch.coding._petrarch import PhrasePattern, VerbDictionary
from brinkwatch.errors import CodebookError

__all__ = ["DictMatch", "match_verb"]

_SUBJ = ("nsubj", "nsubjpass", "csubj")
# Children that are not part of what the verb does to its object.
_SKIP = frozenset(
    {"nsubj", "nsubjpass", "csubj", "aux", "auxpass", "neg", "punct", "cc", "conj", "advcl",
     "mark", "parataxis", "intj", "dep"}
)  # fmt: skip
_PARTICLE_DEPS = ("prt", "advmod", "prep")


@dataclass(frozen=True, slots=True)
class DictMatch:
    """The pattern a verb matched: its code, rule name and the slot tokens it bound."""

    code: str
    rule: str
    source: Any | None = None
    target: Any | None = None


@functools.cache
def _known(code: str) -> bool:
    if code == "---":
        return True
    try:
        lookup_event(code)
    except CodebookError:
        return False
    return True


def _fits(tok: Any, alts: tuple[str, ...]) -> bool:
    low, lemma = tok.lower_, tok.lemma_.lower()
    return low in alts or lemma in alts or (low.endswith("s") and low[:-1] in alts)


def _slot_tok(seq: Sequence[Any], after: int) -> Any | None:
    """Return the noun a slot stands for: the first noun after position ``after``."""
    for t in seq[after + 1 :]:
        if t.pos_ in ("NOUN", "PROPN", "PRON"):
            return t
    return None


def _match_side(
    elements: tuple[tuple[str, ...], ...], seq: Sequence[Any]
) -> tuple[bool, Any | None, Any | None]:
    """Match elements in order within ``seq``: (matched, source token, target token)."""
    pos = -1
    src = tgt = None
    for e in elements:
        if e[0] in ("$", "+"):
            tok = _slot_tok(seq, pos)
            if e[0] == "$":
                src = tok
            else:
                tgt = tok
            continue
        for k in range(pos + 1, len(seq)):
            if _fits(seq[k], e):
                pos = k
                break
        else:
            return False, None, None
    return True, src, tgt


def _object_side(verb: Any) -> list[Any]:
    toks: list[Any] = []
    for c in verb.children:
        if c.dep_ not in _SKIP:
            toks.extend(c.subtree)
    return sorted(toks, key=lambda t: t.i)


def _subject_side(verb: Any) -> list[Any]:
    toks: list[Any] = []
    for c in verb.children:
        if c.dep_ in _SUBJ:
            toks.extend(c.subtree)
    return sorted(toks, key=lambda t: t.i)


def _has_particle(verb: Any, particle: str) -> bool:
    first = particle.split(" ")[0]
    if any(c.dep_ in _PARTICLE_DEPS and c.lower_ == first for c in verb.children):
        return True
    nxt = verb.i + 1
    return nxt < len(verb.doc) and bool(verb.doc[nxt].lower_ == first)


def match_verb(verb: Any, verbs: VerbDictionary) -> DictMatch | None:
    """Return the CAMEO.2.0 reading of a verb token, or ``None`` when the dictionary has none.

    Parameters
    ----------
    verb
        A spaCy token tagged VERB.
    verbs
        The compiled verb dictionary.

    Returns
    -------
    DictMatch or None
        ``code`` is ``"---"`` when the matching pattern says the verb is no event.
    """
    lemma = verb.lemma_.lower()
    readings = verbs.readings(lemma) or verbs.readings(verb.lower_)
    if not readings:
        return None
    after: list[Any] | None = None
    before: list[Any] | None = None
    best: tuple[PhrasePattern, Any, Any] | None = None
    fallback: str | None = None
    for particle, block, code in readings:
        if particle and not _has_particle(verb, particle):
            continue
        if fallback is None or (particle and fallback == "---"):
            fallback = code
        for p in verbs.blocks[block]:
            if best is not None and p.specificity <= best[0].specificity:
                break  # blocks are sorted by specificity
            if not _known(p.code):
                continue
            if after is None:
                after, before = _object_side(verb), _subject_side(verb)
            assert before is not None
            ok_a, s1, t1 = _match_side(p.after, after)
            if not ok_a:
                continue
            ok_b, s2, t2 = _match_side(p.before, before)
            if ok_b:
                best = (p, s1 or s2, t1 or t2)
                break
    if best is not None:
        p, src, tgt = best
        return DictMatch(p.code, f"cameo2:{lemma}:{p.line}", src, tgt)
    if fallback is None or not _known(fallback):
        return None
    return DictMatch(fallback, f"cameo2:{lemma}")

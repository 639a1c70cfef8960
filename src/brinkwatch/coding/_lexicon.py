"""The verb-pattern lexicon: CAMEO codes for verbs and nouns, keyed by lemma."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from brinkwatch._yaml import LimitedLoader, load
from brinkwatch.codebook import lookup_event
from brinkwatch.errors import CodebookError, LexiconError

__all__ = ["Lexicon", "NounPattern", "VerbPattern", "default_lexicon", "parse_lexicon"]

_VERB_KEYS = {
    "id",
    "code",
    "lemmas",
    "objects",
    "object_prep",
    "particle",
    "particle_optional",
    "preps",
    "symmetric",
    "mutual",
    "refine",
    "refine_required",
    "target_object",
}
_NOUN_KEYS = {
    "id",
    "code",
    "lemmas",
    "modifiers",
    "preps",
    "symmetric",
    "objects_of",
    "requires_verb",
}
_MODIFIER_KEYS = {"refuse", "intent", "threat", "say", "modal", "background_preps", "cancel"}

#: Prepositions whose object is the target when a pattern does not say otherwise.
DEFAULT_PREPS = (
    "with",
    "against",
    "on",
    "to",
    "toward",
    "towards",
    "at",
    "into",
    "upon",
    "for",
    "from",
    "over",
    "about",
    "between",
)


@dataclass(frozen=True, slots=True)
class VerbPattern:
    """One verb pattern; see ``docs/coding.md`` for what each field means."""

    id: str
    code: str
    lemmas: frozenset[str]
    objects: frozenset[str] = frozenset()
    object_prep: str | None = None
    particle: str | None = None
    preps: tuple[str, ...] = DEFAULT_PREPS
    symmetric: bool = False
    mutual: bool = False
    refine: tuple[tuple[frozenset[str], str], ...] = ()
    refine_required: frozenset[str] = frozenset()
    target_object: bool = True

    @property
    def specificity(self) -> int:
        """How constrained the pattern is; the most constrained match wins."""
        return (
            2 * bool(self.objects)
            + bool(self.particle)
            + bool(self.refine_required)
            + bool(self.object_prep)
        )


@dataclass(frozen=True, slots=True)
class NounPattern:
    """One nominal-event pattern ("sanctions on Seoul", "Abe's visit to Washington")."""

    id: str
    code: str
    lemmas: frozenset[str]
    modifiers: frozenset[str] = frozenset()
    preps: tuple[str, ...] = DEFAULT_PREPS
    symmetric: bool = False
    objects_of: frozenset[str] = frozenset()
    requires_verb: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    """Verb and noun patterns by lemma, and the words that modify an embedded event."""

    verbs: dict[str, tuple[VerbPattern, ...]]
    nouns: dict[str, tuple[NounPattern, ...]]
    refuse: frozenset[str]
    intent: frozenset[str]
    threat: frozenset[str]
    say: frozenset[str]
    modal: frozenset[str]
    background_preps: frozenset[str]
    cancel: frozenset[str] = frozenset()

    @property
    def roots(self) -> set[str]:
        """The CAMEO roots the lexicon's patterns code."""
        return {p.code[:2] for ps in self.verbs.values() for p in ps} | {
            p.code[:2] for ps in self.nouns.values() for p in ps
        }


class _Loader(LimitedLoader):
    """YAML 1.1 reads on/off/yes/no as booleans; prepositions and particles must stay words."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _words(value: Any, where: str, key: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"'{key}' must be a list of words", path=where, field=key)
    return frozenset(v.lower() for v in value)


def _code(value: Any, where: str, pid: str) -> str:
    code = str(value)
    try:
        lookup_event(code)
    except CodebookError as exc:
        raise LexiconError(f"pattern '{pid}': {exc}", path=where, field="code") from exc
    return code


def _entry(raw: Any, keys: set[str], where: str, index: int) -> tuple[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise LexiconError(f"entry {index} must be a mapping", path=where)
    unknown = set(raw) - keys
    pid = str(raw.get("id", f"#{index}"))
    if unknown:
        raise LexiconError(
            f"pattern '{pid}' has unknown keys {sorted(unknown)}; allowed: {sorted(keys)}",
            path=where,
        )
    for req in ("id", "code", "lemmas"):
        if req not in raw:
            raise LexiconError(f"pattern '{pid}' lacks '{req}'", path=where, field=req)
    return pid, raw


def parse_lexicon(text: str, *, source: str = "<lexicon>") -> Lexicon:
    """Parse a lexicon YAML document (the package's ``data/coding/lexicon.yaml`` format).

    Parameters
    ----------
    text
        The YAML text with ``modifiers``, ``verbs`` and ``nouns``.
    source
        Name used in error messages.

    Returns
    -------
    Lexicon
        Patterns indexed by lemma, most specific first.

    Raises
    ------
    LexiconError
        On unknown keys, missing fields or codes that are not in the CAMEO codebook.

    Examples
    --------
    >>> lex = parse_lexicon('''
    ... verbs:
    ...   - {id: sanction, code: "163", lemmas: [sanction]}
    ... ''')
    >>> lex.verbs["sanction"][0].code
    '163'
    """
    data = load(text, source=source, error=LexiconError, loader=_Loader) or {}
    if not isinstance(data, dict):
        raise LexiconError("the lexicon must be a mapping with 'verbs' and 'nouns'", path=source)
    mods = data.get("modifiers") or {}
    unknown = set(mods) - _MODIFIER_KEYS
    if unknown:
        raise LexiconError(f"unknown modifier lists {sorted(unknown)}", path=source)
    verbs: dict[str, list[VerbPattern]] = {}
    for i, raw in enumerate(data.get("verbs") or []):
        pid, e = _entry(raw, _VERB_KEYS, source, i)
        refine = tuple(
            (_words(r.get("lemmas"), source, "refine"), _code(r.get("code"), source, pid))
            for r in (e.get("refine") or [])
        )
        p = VerbPattern(
            id=pid,
            code=_code(e["code"], source, pid),
            lemmas=_words(e["lemmas"], source, "lemmas"),
            objects=_words(e.get("objects"), source, "objects"),
            object_prep=e.get("object_prep"),
            particle=e.get("particle"),
            preps=tuple(e["preps"]) if e.get("preps") else DEFAULT_PREPS,
            symmetric=bool(e.get("symmetric", False)),
            mutual=bool(e.get("mutual", False)),
            refine=refine,
            refine_required=_words(e.get("refine_required"), source, "refine_required"),
            target_object=bool(e.get("target_object", True)),
        )
        for lemma in p.lemmas:
            verbs.setdefault(lemma, []).append(p)
    nouns: dict[str, list[NounPattern]] = {}
    for i, raw in enumerate(data.get("nouns") or []):
        pid, e = _entry(raw, _NOUN_KEYS, source, i)
        n = NounPattern(
            id=pid,
            code=_code(e["code"], source, pid),
            lemmas=_words(e["lemmas"], source, "lemmas"),
            modifiers=_words(e.get("modifiers"), source, "modifiers"),
            preps=tuple(e["preps"]) if e.get("preps") else DEFAULT_PREPS,
            symmetric=bool(e.get("symmetric", False)),
            objects_of=_words(e.get("objects_of"), source, "objects_of"),
            requires_verb=_words(e.get("requires_verb"), source, "requires_verb"),
        )
        for lemma in n.lemmas:
            nouns.setdefault(lemma, []).append(n)
    return Lexicon(
        verbs={k: tuple(sorted(v, key=lambda p: -p.specificity)) for k, v in verbs.items()},
        nouns={
            k: tuple(sorted(v, key=lambda p: -(bool(p.modifiers) + bool(p.objects_of))))
            for k, v in nouns.items()
        },
        refuse=_words(mods.get("refuse"), source, "refuse"),
        intent=_words(mods.get("intent"), source, "intent"),
        threat=_words(mods.get("threat"), source, "threat"),
        say=_words(mods.get("say"), source, "say"),
        modal=_words(mods.get("modal"), source, "modal"),
        background_preps=_words(mods.get("background_preps"), source, "background_preps"),
        cancel=_words(mods.get("cancel"), source, "cancel"),
    )


@functools.cache
def default_lexicon() -> Lexicon:
    """Return the lexicon bundled with brinkwatch (``data/coding/lexicon.yaml``).

    Examples
    --------
    >>> len(default_lexicon().roots)
    20
    """
    ref = resources.files("brinkwatch") / "data" / "coding" / "lexicon.yaml"
    return parse_lexicon(ref.read_text(encoding="utf-8"), source=str(ref))

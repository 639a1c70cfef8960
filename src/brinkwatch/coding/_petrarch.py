"""The standard CAMEO dictionaries in PETRARCH format: verbs, agents, discards, compiled.

Parsers turn the text of ``CAMEO.2.0.txt`` (verb blocks, synonym sets, phrase patterns),
``Phoenix.agents.txt`` and ``Phoenix.discards.txt`` into plain frozen structures; actor files
go through :func:`~brinkwatch.coding._actors.parse_petrarch_actors`. :class:`Dictionaries`
bundles them so that the coder can consult them (``docs/coding.md``: how they combine with
the project's own lexicon). Reading files and caching the compiled form is ``ingest``'s job
(:mod:`brinkwatch.ingest.dictionaries`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from brinkwatch.coding._actors import ActorDictionary
from brinkwatch.errors import LexiconError

__all__ = [
    "Dictionaries",
    "PhrasePattern",
    "VerbDictionary",
    "parse_agents",
    "parse_discards",
    "parse_verbs",
]

#: Longest line a dictionary may hold; real ones stay under 200 characters.
MAX_LINE = 4000
_CODE_RE = re.compile(r"\[([^\]]*)\]")
_CAMEO_RE = re.compile(r"^(?:---|\d{2,4})$")
# Pattern elements: words, slots ($ source, + target), the verb (*), skips (^ %).
_SLOTS = ("$", "+")


@dataclass(frozen=True, slots=True)
class PhrasePattern:
    """One phrase pattern of a verb block.

    Attributes
    ----------
    code
        The CAMEO code, or ``"---"``: a match means no event.
    before, after
        The elements left and right of the verb, in order: a word is a tuple of the words
        it may be (a synonym set gives several), a slot is ``("$",)`` or ``("+",)``.
    line
        Line in the file, for messages and for ties.
    """

    code: str
    before: tuple[tuple[str, ...], ...]
    after: tuple[tuple[str, ...], ...]
    line: int

    @property
    def specificity(self) -> int:
        """How many words the pattern needs; the most specific match wins."""
        return sum(1 for e in (*self.before, *self.after) if e[0] not in _SLOTS)


@dataclass(frozen=True)
class VerbDictionary:
    """Verb forms and the patterns of their blocks.

    Attributes
    ----------
    verbs
        Lower-case lemma -> ``(particle, block number, own code)`` readings; the particle
        is ``""`` for one-word verbs, the own code is the verb line's or block's default.
    blocks
        Patterns of each block, most specific first.
    synonyms
        Synonym set name (``&CURRENCY``) -> its words.
    skipped
        Patterns left out because they use a synonym set the file never defines.
    """

    verbs: dict[str, tuple[tuple[str, int, str], ...]]
    blocks: tuple[tuple[PhrasePattern, ...], ...]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: int = 0

    @property
    def pattern_count(self) -> int:
        """Number of phrase patterns loaded."""
        return sum(len(b) for b in self.blocks)

    def readings(self, lemma: str) -> tuple[tuple[str, int, str], ...]:
        """Return the ``(particle, block, code)`` readings of a lemma (none when unknown)."""
        return self.verbs.get(lemma, ())


@dataclass(frozen=True)
class Dictionaries:
    """The loaded standard dictionaries: verbs, actors with agents, discards.

    Attributes
    ----------
    verbs
        The verb patterns.
    actors
        Actor entries of the actor files and the agent words (``agents``) with their types.
    prefix_agents
        Agent words whose code comes before the country (``[IGO~]``).
    sentence_discards, story_discards
        Lower-case word sequences that drop a sentence, or a whole story.
    name
        What the coder reports as its lexicon (``"CAMEO.2.0 + Phoenix (DIR)"``).
    """

    verbs: VerbDictionary
    actors: ActorDictionary
    prefix_agents: dict[str, str]
    sentence_discards: frozenset[tuple[str, ...]]
    story_discards: frozenset[tuple[str, ...]]
    name: str = "CAMEO.2.0 + Phoenix"

    def discarded(self, words: Sequence[str], *, story: bool = False) -> bool:
        """Say whether lower-case ``words`` hold a discard phrase (story-level with ``story``)."""
        by_first = self._story_index if story else self._sentence_index
        n = len(words)
        for i, w in enumerate(words):
            for phrase in by_first.get(w, ()):
                if i + len(phrase) <= n and tuple(words[i : i + len(phrase)]) == phrase:
                    return True
        return False

    @functools.cached_property
    def _sentence_index(self) -> dict[str, list[tuple[str, ...]]]:
        return _by_first(self.sentence_discards)

    @functools.cached_property
    def _story_index(self) -> dict[str, list[tuple[str, ...]]]:
        return _by_first(self.story_discards)


def _by_first(phrases: frozenset[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in phrases:
        out.setdefault(p[0], []).append(p)
    return out


# ---------------------------------------------------------------------- reading lines


def _lines(text: str, source: str) -> list[tuple[int, str]]:
    """(line number, text without comment) of the non-blank lines; hostile input is refused."""
    if "\x00" in text:
        at = text[: text.index("\x00")].count("\n") + 1
        raise LexiconError(
            "the file holds a NUL byte; a dictionary is plain text", path=source, line=at
        )
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    out: list[tuple[int, str]] = []
    for n, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if len(raw) > MAX_LINE:
            raise LexiconError(
                f"line of {len(raw)} characters (at most {MAX_LINE}); is this a dictionary?",
                path=source,
                line=n,
            )
        body = raw.split("#", 1)[0].rstrip()
        if body.strip():
            out.append((n, body))
    return out


def _word(raw: str) -> str:
    """PETRARCH word -> lower case with spaces ("PRIME_MINISTER" -> "prime minister")."""
    return " ".join(w for w in raw.lower().split("_") if w)


# ---------------------------------------------------------------------- verbs


def _code_of(block: str, source: str, line: int) -> str:
    # "[042:043]": the code, then one PETRARCH uses with the roles reversed; "[:173]" has
    # only the reversed one ("X appeared before court"), which we do not code: no event.
    parts = [c.strip().rstrip("!") for c in block.split(":")]
    code = parts[0] or ("---" if len(parts) > 1 else "")
    if not _CAMEO_RE.match(code):
        raise LexiconError(
            f"cannot read the code [{block}]; expected a CAMEO code such as [173] or [---]",
            path=source,
            line=line,
        )
    return code


def _elements(
    words: list[str], synonyms: dict[str, tuple[str, ...]]
) -> tuple[tuple[str, ...], ...] | None:
    out: list[tuple[str, ...]] = []
    for w in words:
        if w in ("^", "%"):
            continue
        if w in _SLOTS:
            out.append((w,))
        elif w.startswith("&"):
            syn = synonyms.get(w.rstrip("_").upper())
            if syn is None:
                # CAMEO.2.0 names a few sets it never defines; PETRARCH skips those patterns.
                return None
            out.append(_with_singulars(syn))
        else:
            # A multi-word entry ("CEASE_FIRE") is matched on its last word.
            out.append(_with_singulars((_word(w).split(" ")[-1],)))
    return tuple(e for e in out if e and e[0])


def _with_singulars(words: tuple[str, ...]) -> tuple[str, ...]:
    """Add singulars to words: "{ARREST WARRANTS}" also fits "an arrest warrant"."""
    extra = tuple(w[:-1] for w in words if len(w) > 3 and w.endswith("s") and w[:-1] not in words)
    return words + extra


def _pattern(
    body: str, synonyms: dict[str, tuple[str, ...]], source: str, line: int
) -> PhrasePattern | None:
    blocks = _CODE_RE.findall(body)
    if not blocks:
        raise LexiconError(
            "a pattern line needs its code in brackets: '- * WORDS [CODE]'", path=source, line=line
        )
    code = _code_of(blocks[-1], source, line)
    words = _CODE_RE.sub(" ", body).replace("(", " ").replace(")", " ")
    words = words.replace("{", " ").replace("}", " ").replace("*", " * ")
    toks = words.split()
    if "*" not in toks:
        raise LexiconError("a pattern line needs '*' where the verb goes", path=source, line=line)
    k = toks.index("*")
    before = _elements(toks[:k], synonyms)
    after = _elements(toks[k + 1 :], synonyms)
    if before is None or after is None:
        return None
    return PhrasePattern(code, before, after, line)


def _verb_line(head: str, default: str, source: str, line: int) -> list[tuple[str, str, str]]:
    """(lemma, particle, code) of a verb line ``ARREST [173]`` / ``+STRIKE_DOWN {...}``."""
    blocks = _CODE_RE.findall(head)
    code = _code_of(blocks[0], source, line) if blocks else default
    name = re.sub(r"\{[^}]*\}", " ", _CODE_RE.sub(" ", head)).strip().lstrip("+").split()
    if not name:
        return []
    parts = _word(name[0]).split(" ")
    return [(parts[0], " ".join(parts[1:]), code)]


def parse_verbs(text: str, *, source: str = "<verbs>") -> VerbDictionary:
    """Parse a PETRARCH verb dictionary (``CAMEO.2.0.txt`` format).

    Synonym sets (``&NAME`` then ``+WORD`` lines) come first; each verb block starts with
    ``--- NAME [CODE] ---``, lists its verbs (``WORD [CODE] {IRREGULAR FORMS}``; ``+A_B`` is
    a verb with a particle) and then its phrase patterns ``- WORDS * WORDS [CODE]``, with
    ``$`` for the source, ``+`` for the target, ``(...)`` and ``{...}`` grouping words and
    ``[---]`` meaning no event. A pattern applies to every verb of its block.

    Raises
    ------
    LexiconError
        Naming the file and line of what cannot be read.

    Examples
    --------
    >>> v = parse_verbs('''
    ... &CAR
    ... +CAR
    ... +TRUCK
    ... ---  SEIZE   [171]  ---
    ... SEIZE
    ... GRAB {GRABS GRABBED}
    ... - * &CAR  [1711]
    ... - * LIVES [---]
    ... ''')
    >>> v.readings("grab"), v.pattern_count
    ((('', 0, '171'),), 2)
    >>> v.blocks[0][0].after
    (('car', 'truck'),)
    """
    synonyms: dict[str, tuple[str, ...]] = {}
    verbs: dict[str, list[tuple[str, int, str]]] = {}
    blocks: list[list[PhrasePattern]] = []
    syn_name: str | None = None
    default = "---"
    skipped = 0
    for n, line in _lines(text, source):
        s = line.strip()
        if s.startswith("---"):
            m = _CODE_RE.search(s)
            default = _code_of(m.group(1), source, n) if m else "---"
            blocks.append([])
            syn_name = None
        elif s.startswith("&") and not blocks:
            syn_name = s.split()[0].rstrip("_").upper()
            synonyms[syn_name] = ()
        elif s.startswith("+") and syn_name is not None and not blocks:
            w = _word(s[1:].split()[0]).split(" ")[-1]
            synonyms[syn_name] = (*synonyms[syn_name], w)
        elif not blocks:
            raise LexiconError(
                f"cannot read '{s[:60]}' before the first verb block ('--- NAME [CODE] ---')",
                path=source,
                line=n,
            )
        elif s.startswith("-"):
            p = _pattern(s[1:], synonyms, source, n)
            if p is None:
                skipped += 1
            else:
                blocks[-1].append(p)
        else:
            for lemma, particle, code in _verb_line(s, default, source, n):
                verbs.setdefault(lemma, []).append((particle, len(blocks) - 1, code))
    return VerbDictionary(
        {k: tuple(v) for k, v in verbs.items()},
        tuple(tuple(sorted(b, key=lambda p: (-p.specificity, p.line))) for b in blocks),
        synonyms,
        skipped,
    )


# ---------------------------------------------------------------------- agents, discards


def parse_agents(
    text: str, *, source: str = "<agents>"
) -> tuple[dict[str, str], dict[str, str], int]:
    r"""Parse a PETRARCH agent dictionary (``Phoenix.agents.txt`` format).

    ``!NAME! = A, B`` lines define substitutions; agent lines are ``WORDS {PLURALS} [~TYP]``
    (the type follows the country: "Kenyan police" is ``KEN`` + ``COP``) or ``[TYP~]`` (the
    type comes first). Regular plurals ("policemen" aside) are added by the matcher.

    Returns
    -------
    (dict, dict, int)
        Suffix agents and prefix agents (lower-case phrase -> type), and the number of lines
        skipped because their code cannot be read.

    Raises
    ------
    LexiconError
        When no line at all is an agent line (the first one named).

    Examples
    --------
    >>> parse_agents("!PERSON! = MAN, MEN\nPOLICE!PERSON! [~COP]\nTRUCE_MONITOR [IGO~]")
    ({'policeman': 'COP', 'policemen': 'COP'}, {'truce monitor': 'IGO'}, 0)
    """
    subs: dict[str, list[str]] = {}
    skipped: list[int] = []
    suffix: dict[str, str] = {}
    prefix: dict[str, str] = {}
    for n, line in _lines(text, source):
        s = line.strip()
        m = re.match(r"^!(\w+)!\s*=\s*(.+)$", s)
        if m:
            subs[m.group(1).upper()] = [w.strip() for w in m.group(2).split(",") if w.strip()]
            continue
        blocks = _CODE_RE.findall(s)
        code = blocks[-1].strip().upper() if blocks else ""
        if not re.fullmatch(r"~[A-Z]{3,9}|[A-Z]{3,9}~", code):
            # Phoenix.agents.txt has a few typos ("[~ENV}"); PETRARCH skips those lines too.
            skipped.append(n)
            continue
        body = _CODE_RE.sub(" ", s)
        plurals = re.findall(r"\{([^}]*)\}", body)
        words = [re.sub(r"\{[^}]*\}", " ", body).split()[:1], *(p.split() for p in plurals)]
        target = suffix if code.startswith("~") else prefix
        for w in (x for group in words for x in group):
            for form in _expand(w, subs):
                # A combined type ("~GOVBUS") keeps its first: actor codes have one type.
                target[_word(form)] = code.strip("~")[:3]
    if skipped and not suffix and not prefix:
        raise LexiconError(
            "no agent lines found; an agent line is 'WORDS [~TYPE]' or 'WORDS [TYPE~]'",
            path=source,
            line=skipped[0],
        )
    return suffix, prefix, len(skipped)


def _expand(word: str, subs: dict[str, list[str]]) -> list[str]:
    m = re.search(r"!(\w+)!", word)
    if not m or m.group(1).upper() not in subs:
        return [word]
    out: list[str] = []
    for s in subs[m.group(1).upper()]:
        out.extend(_expand(word[: m.start()] + s + word[m.end() :], subs))
    return out


def parse_discards(
    text: str, *, source: str = "<discards>"
) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    r"""Parse a PETRARCH discard list: ``+PHRASE`` drops the story, ``PHRASE`` the sentence.

    Examples
    --------
    >>> parse_discards("+AUSTRALIAN OPEN\nTHIRD ROUND")
    (frozenset({('third', 'round')}), frozenset({('australian', 'open')}))
    """
    sentence: set[tuple[str, ...]] = set()
    story: set[tuple[str, ...]] = set()
    for _, line in _lines(text, source):
        s = line.strip()
        target = story if s.startswith("+") else sentence
        words = tuple(_word(s.lstrip("+").strip()).replace("_", " ").split())
        if len(words) == 1 and words[0].isdigit():
            # The years 1914-2013 mark historical retrospectives for PETRARCH; we date
            # events instead, and "the 1965 treaty" is no reason to drop a sentence.
            continue
        if words:
            target.add(words)
    return frozenset(sentence), frozenset(story)

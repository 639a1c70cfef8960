"""Actors for the text coder: countries, capitals, institutions, people with terms of office.

Two sources feed one :class:`ActorDictionary`: the project's own YAML
(``data/coding/actors.yaml``, with the codebook's country names and aliases) and, optionally,
PETRARCH/TABARI-format actor dictionaries that users load with ``--actors``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from brinkwatch._yaml import load, shown
from brinkwatch.codebook import countries as codebook_countries
from brinkwatch.errors import LexiconError

__all__ = [
    "Actor",
    "ActorDictionary",
    "ActorEntry",
    "DatedCode",
    "Role",
    "default_actors",
    "parse_petrarch_actors",
]


@dataclass(frozen=True, slots=True)
class Actor:
    """A coded actor.

    Attributes
    ----------
    code
        Full CAMEO actor code, country then type (``"JPNGOV"``), or a dictionary's own code.
    country
        The country (first three letters of a state code), or ``None`` for IGOs/NGOs.
    type
        The CAMEO actor type (``GOV``, ``MIL``, ``BUS`` ...), or ``None``.
    name
        What the text called it, or the person a title resolved to.
    """

    code: str
    country: str | None
    type: str | None
    name: str

    def __post_init__(self) -> None:
        # A span across a line break keeps the break and the indent: "Prime Minister\n  Abe".
        object.__setattr__(self, "name", " ".join(self.name.split()))


@dataclass(frozen=True, slots=True)
class DatedCode:
    """An actor code valid between two dates (either may be open)."""

    code: str
    start: date | None = None
    end: date | None = None

    def covers(self, day: date | None) -> bool:
        """Whether ``day`` falls in the range; an unknown day matches only open codes."""
        if day is None:
            return self.start is None and self.end is None
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Role:
    """A title a person held from ``start`` to ``end`` (inclusive)."""

    title: str
    start: date
    end: date


@dataclass(frozen=True)
class ActorEntry:
    """One dictionary entry: the phrases that name it and how it codes.

    ``kind`` is ``country``, ``capital``, ``institution``, ``person``, ``title``,
    ``agreement`` or ``petrarch``; ``stem`` lets the last word match as a prefix
    (PETRARCH words without a trailing underscore, such as ``BULGAR`` for Bulgarian).
    """

    phrases: tuple[str, ...]
    kind: str
    codes: tuple[DatedCode, ...] = ()
    country: str | None = None
    type: str | None = None
    name: str = ""
    roles: tuple[Role, ...] = ()
    parties: tuple[str, ...] = ()
    stem: bool = False

    def code_on(self, day: date | None) -> list[str]:
        """Return the codes this entry has on ``day`` (the first matching restriction wins)."""
        dated = [c for c in self.codes if c.start is not None or c.end is not None]
        for c in dated:
            if day is not None and c.covers(day):
                return c.code.split("/")
        plain = [c for c in self.codes if c.start is None and c.end is None]
        if plain:
            return plain[0].code.split("/")
        return dated[0].code.split("/") if dated and day is None else []


@dataclass
class ActorDictionary:
    """Actor entries plus the common nouns ("agents") that give actor types.

    Build it with :func:`default_actors` and extend it with :meth:`extended` and
    :func:`parse_petrarch_actors`.
    """

    entries: list[ActorEntry] = field(default_factory=list)
    agents: dict[str, str] = field(default_factory=dict)

    def extended(self, other: ActorDictionary) -> ActorDictionary:
        """Return a dictionary with ``other``'s entries first (they win on equal length)."""
        return ActorDictionary(
            entries=[*other.entries, *self.entries], agents={**self.agents, **other.agents}
        )

    def titles(self) -> dict[str, list[tuple[ActorEntry, Role]]]:
        """People by the titles they held."""
        out: dict[str, list[tuple[ActorEntry, Role]]] = {}
        for e in self.entries:
            for r in e.roles:
                out.setdefault(r.title, []).append((e, r))
        return out


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]
    entry: ActorEntry
    order: int


class PhraseIndex:
    """Token-sequence index of an :class:`ActorDictionary`, built with spaCy's tokenizer."""

    def __init__(self, actors: ActorDictionary, tokenize: Callable[[str], list[str]]) -> None:
        self.exact: dict[str, list[_Phrase]] = {}
        self.prefix: dict[str, list[_Phrase]] = {}
        order = 0
        for entry in actors.entries:
            for phrase in entry.phrases:
                words = tuple(w for w in tokenize(phrase) if w)
                if not words:
                    continue
                p = _Phrase(words, entry, order)
                order += 1
                if entry.stem and len(words) == 1 and len(words[0]) >= 3:
                    self.prefix.setdefault(words[0][:3], []).append(p)
                else:
                    self.exact.setdefault(words[0], []).append(p)

    @staticmethod
    def _word_ok(word: str, tok: str, last: bool, stem: bool) -> bool:
        if tok == word:
            return True
        if last and stem:
            # A stem of one to three letters ("THE_KU", "THE_AU") is an abbreviation written
            # without its closing underscore, not a stem: "The Kuwait government" is Kuwait.
            return len(word) >= 4 and tok.startswith(word)
        # Own entries: a plural of the last word ("Koreans", "Americans").
        return last and tok == word + "s"

    def match(
        self, lowers: Sequence[str], cased: Sequence[bool]
    ) -> list[tuple[int, int, ActorEntry]]:
        """Longest non-overlapping matches over a token sequence as (start, end, entry).

        ``cased`` says which tokens hold an upper-case letter: a match needs one, so that
        common words ("trade", "moon") are not taken for names.
        """
        out: list[tuple[int, int, ActorEntry]] = []
        i, n = 0, len(lowers)
        while i < n:
            tok = lowers[i]
            cands = self.exact.get(tok, []) + self.prefix.get(tok[:3], [])
            if tok.endswith("s"):
                # A one-word plural ("Koreans", "Americans") is keyed by its singular.
                cands += self.exact.get(tok[:-1], [])
            best: tuple[int, int, _Phrase] | None = None
            for p in cands:
                k = len(p.words)
                if i + k > n:
                    continue
                fits = all(
                    self._word_ok(w, lowers[i + j], j == k - 1, p.entry.stem)
                    for j, w in enumerate(p.words)
                ) and (p.entry.kind == "title" or any(cased[i : i + k]))
                longer = best is None or k > best[1] - best[0]
                earlier = best is not None and k == best[1] - best[0] and p.order < best[2].order
                if fits and (longer or earlier):
                    best = (i, i + k, p)
            if best is None:
                i += 1
                continue
            out.append((best[0], best[1], best[2].entry))
            i = best[1]
        return out


# --------------------------------------------------------------------------- own YAML


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise LexiconError(f"expected a date YYYY-MM-DD, got {shown(value)}", path=where) from exc


def parse_actor_yaml(text: str, *, source: str = "<actors>") -> ActorDictionary:
    """Parse the project's actor YAML (``data/coding/actors.yaml`` format).

    Examples
    --------
    >>> d = parse_actor_yaml('''
    ... institutions:
    ...   - {names: [Blue House], code: KORGOV}
    ... ''')
    >>> d.entries[0].country, d.entries[0].type
    ('KOR', 'GOV')
    """
    data = load(text, source=source, error=LexiconError) or {}
    if not isinstance(data, dict):
        raise LexiconError("the actor file must be a YAML mapping", path=source)
    entries: list[ActorEntry] = []
    for code, spec in (data.get("countries") or {}).items():
        spec = spec or {}
        names = [*(spec.get("names") or []), *(spec.get("adjectives") or [])]
        if names:
            entries.append(
                ActorEntry(tuple(names), "country", (DatedCode(code),), code, None, str(names[0]))
            )
        caps = spec.get("capitals") or []
        if caps:
            entries.append(
                ActorEntry(
                    tuple(caps), "capital", (DatedCode(code + "GOV"),), code, "GOV", str(caps[0])
                )
            )
    for inst in data.get("institutions") or []:
        code = str(inst["code"])
        country = inst.get("country") or (code[:3] if not code.startswith(("IGO", "NGO")) else None)
        kind_type = code[3:6] if country else code[:3]
        entries.append(
            ActorEntry(
                tuple(inst["names"]),
                "institution",
                (DatedCode(code),),
                country,
                kind_type or None,
                str(inst["names"][0]),
            )
        )
    for person in data.get("people") or []:
        roles = tuple(
            Role(str(r["title"]), _day(r["from"], source), _day(r["to"], source))
            for r in person.get("roles") or []
        )
        name = str(person["name"])
        entries.append(
            ActorEntry(
                (name, *(person.get("aliases") or [])),
                "person",
                (),
                str(person["country"]),
                "GOV",
                name,
                roles,
            )
        )
    titles = sorted({r.title for e in entries for r in e.roles})
    if titles:
        entries.append(ActorEntry(tuple(titles), "title", (), None, "GOV", ""))
    for ag in data.get("agreements") or []:
        entries.append(
            ActorEntry(
                tuple(ag["names"]),
                "agreement",
                (),
                None,
                None,
                str(ag["names"][0]),
                parties=tuple(ag["parties"]),
            )
        )
    agents: dict[str, str] = {}
    for typ, words in (data.get("agents") or {}).items():
        for w in words:
            agents[str(w).lower()] = str(typ)
    return ActorDictionary(entries, agents)


@functools.cache
def default_actors() -> ActorDictionary:
    """Return the bundled actors: ``data/coding/actors.yaml`` and the codebook's countries.

    Examples
    --------
    >>> d = default_actors()
    >>> any("Blue House" in e.phrases for e in d.entries)
    True
    """
    ref = resources.files("brinkwatch") / "data" / "coding" / "actors.yaml"
    own = parse_actor_yaml(ref.read_text(encoding="utf-8"), source=str(ref))
    cb = codebook_countries()
    extra: list[ActorEntry] = []
    for code, name, aliases in zip(
        cb.column("code").to_pylist(),
        cb.column("name").to_pylist(),
        cb.column("aliases").to_pylist(),
        strict=True,
    ):
        names = [name, *[a for a in (aliases or "").split("|") if a and "," not in a]]
        extra.append(
            ActorEntry(
                tuple(names),
                "country",
                (DatedCode(code),),
                code,
                None,
                str(name),
            )
        )
    # Own entries first: they carry adjectives and capitals and win ties.
    return ActorDictionary([*own.entries, *extra], own.agents)


# --------------------------------------------------------------------------- PETRARCH

_CODE_RE = re.compile(r"\[([^\]]*)\]")
_RESTRICT_RE = re.compile(
    r"^\s*(?P<code>[^\s<>\[\]]+)\s*"
    r"(?:(?P<op>[<>])\s*(?P<d1>\d{6,8})|(?P<a>\d{6,8})\s*-\s*(?P<b>\d{6,8}))?\s*$"
)


def _petrarch_date(text: str, where: str, line: int) -> date:
    try:
        if len(text) == 6:
            yy = int(text[:2])
            # TABARI's two-digit years: 00-30 are 20xx, the rest 19xx.
            return date(2000 + yy if yy <= 30 else 1900 + yy, int(text[2:4]), int(text[4:6]))
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise LexiconError(f"bad date '{text}' in a code block", path=where, line=line) from exc


def _parse_block(block: str, where: str, line: int) -> DatedCode | None:
    m = _RESTRICT_RE.match(block)
    if not m:
        raise LexiconError(
            f"cannot read the code block [{block}]; expected [CODE], [CODE <YYMMDD], "
            "[CODE >YYMMDD] or [CODE YYYYMMDD-YYYYMMDD]",
            path=where,
            line=line,
        )
    code = m.group("code").upper()
    if m.group("op") == "<":
        return DatedCode(code, None, _petrarch_date(m.group("d1"), where, line))
    if m.group("op") == ">":
        return DatedCode(code, _petrarch_date(m.group("d1"), where, line), None)
    if m.group("a"):
        return DatedCode(
            code,
            _petrarch_date(m.group("a"), where, line),
            _petrarch_date(m.group("b"), where, line),
        )
    return DatedCode(code)


def _blocks(blocks: list[str], where: str, line: int, lenient: bool) -> list[DatedCode]:
    out: list[DatedCode] = []
    for b in blocks:
        try:
            c = _parse_block(b, where, line)
        except LexiconError:
            if not lenient:
                raise
            continue
        if c is not None:
            out.append(c)
    return out


def _phrase_of(raw: str) -> tuple[str, bool]:
    """PETRARCH phrase -> (words joined by spaces, last word is a stem)."""
    text = raw.strip()
    stem = not text.endswith("_")
    return " ".join(w for w in re.split(r"[_\s]+", text) if w), stem


def parse_petrarch_actors(
    text: str, *, source: str = "<actors>", lenient: bool = False
) -> ActorDictionary:
    """Parse a PETRARCH/TABARI-format actor dictionary.

    The format: one actor per block; a line with the phrase (words joined by spaces or
    underscores; a trailing underscore means the last word must match whole, otherwise it
    matches as a stem) and optionally its code in brackets; ``+SYNONYM`` lines; indented code
    lines such as ``[HOBGOV 19950601 - 19990815]``, ``[HOB < 950601]``, ``[HOBREB > 990816]``.
    ``[A/B/C]`` codes one phrase as several actors. ``#`` starts a comment; ``<!-- ... -->``
    blocks are skipped.

    Parameters
    ----------
    text
        The dictionary's text.
    source
        File name for messages.
    lenient
        Skip code blocks that cannot be read instead of raising: the Phoenix files hold a
        few typos (``[KENGOV 9008223-...]``) that PETRARCH also passes over.

    Returns
    -------
    ActorDictionary
        One ``petrarch`` entry per phrase (synonyms share their block's codes).

    Raises
    ------
    LexiconError
        With the line of a code block that cannot be read.

    Examples
    --------
    >>> d = parse_petrarch_actors('''
    ... GOLLUM
    ... +SMEAGOL
    ...     [HOB < 950601]
    ...     [HOBGOV 19950601 - 19990815]
    ... ARNOR_  [ARN]
    ... ''')
    >>> [e.phrases for e in d.entries]
    [('GOLLUM',), ('SMEAGOL',), ('ARNOR',)]
    >>> d.entries[1].code_on(date(1996, 1, 1)), d.entries[1].stem, d.entries[2].stem
    (['HOBGOV'], True, False)
    """
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    entries: list[ActorEntry] = []
    phrases: list[tuple[str, bool]] = []
    codes: list[DatedCode] = []

    def flush() -> None:
        if phrases and codes:
            stem_of = dict(phrases)
            for phrase, stem in stem_of.items():
                entries.append(
                    ActorEntry(
                        (phrase,),
                        "petrarch",
                        tuple(codes),
                        None,
                        None,
                        phrase.title(),
                        stem=stem,
                    )
                )
        phrases.clear()
        codes.clear()

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("<"):
            continue
        blocks = _CODE_RE.findall(line)
        head = _CODE_RE.sub("", line).strip()
        if raw[:1] in (" ", "\t") and not head:
            # An indented code line continues the current actor.
            codes.extend(_blocks(blocks, source, lineno, lenient))
            continue
        if head.startswith("+"):
            phrase = _phrase_of(head[1:])
            if phrase[0]:
                phrases.append(phrase)
            codes.extend(_blocks(blocks, source, lineno, lenient))
            continue
        flush()
        phrase = _phrase_of(head)
        if phrase[0]:
            phrases.append(phrase)
        codes.extend(_blocks(blocks, source, lineno, lenient))
    flush()
    return ActorDictionary(entries, {})


def split_code(code: str, countries: Iterable[str] = ()) -> tuple[str | None, str | None]:
    """Split a CAMEO actor code into (country, type) as far as it can be told.

    Examples
    --------
    >>> split_code("JPNGOV")
    ('JPN', 'GOV')
    >>> split_code("IGOUNO")
    (None, 'IGO')
    """
    code = code.upper()
    if code.startswith(("IGO", "NGO", "NGM", "IMG", "MNC")):
        return None, code[:3]
    if len(code) < 3 or code.startswith("---"):
        return None, code[3:6] or None
    return code[:3], code[3:6] or None

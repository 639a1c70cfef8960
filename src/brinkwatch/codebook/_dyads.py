"""Actors and dyads: one grammar, one parser and one label format for every layer.

Grammar (case-insensitive; spaces around the parts are ignored)::

    dyad     = actor ( "->" | "-" ) actor
    actor    = country [ ":" type *( "+" type ) ]
    country  = a CAMEO country code (JPN), or a country name or alias from the codebook
    type     = a CAMEO actor type (GOV, MIL, BUS, ...)

So ``"JPN-KOR"``, ``"jpn->kor"`` and ``"JPN:GOV-KOR:GOV+MIL"`` are dyads. The two countries
must differ. A country name that itself holds ``-`` (``Guinea-Bissau``) must be given as its
code. The separator does not make a dyad directed: a dyad is an ordered pair, and whether both
directions are measured is the caller's choice (``Dyad.pairs``).

The label of a dyad is ``"<source>-><target>"`` with each actor written as ``JPN`` or
``JPN:GOV+MIL``; it is the ``dyad`` column of every series table, and :meth:`Dyad.parse`
(or, without the codebook check, :func:`split_label`) reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from brinkwatch.codebook._countries import country_code
from brinkwatch.codebook._tables import actor_type_codes
from brinkwatch.errors import ConfigError

__all__ = ["LABEL_SEP", "Actor", "Dyad", "parse_actor", "split_label"]

#: Separator of a dyad label, ``JPN->KOR``.
LABEL_SEP = "->"
# Longer text is not a dyad; the bound keeps hostile input out of messages and look-ups.
_MAX_TEXT = 200


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


@cache
def _known_types() -> frozenset[str]:
    return actor_type_codes()


@dataclass(frozen=True)
class Actor:
    """A country, optionally restricted to CAMEO actor types.

    Examples
    --------
    >>> Actor.parse("jpn:gov+mil")
    Actor(country='JPN', types=('GOV', 'MIL'))
    >>> str(Actor("KOR"))
    'KOR'
    """

    country: str
    types: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return self.country + (":" + "+".join(self.types) if self.types else "")

    @classmethod
    def parse(cls, text: str, *, field: str = "actor") -> Actor:
        """Parse ``"JPN"`` or ``"JPN:GOV+MIL"``, checked against the codebook.

        Parameters
        ----------
        text
            An actor as in the module's grammar.
        field
            The parameter named in errors.

        Raises
        ------
        ConfigError
            If the country or a type is not in the codebook.
        """
        if len(text) > _MAX_TEXT:
            raise ConfigError(
                f"an actor is a short code such as JPN; got {_show(text)}", field=field
            )
        country, _, types = text.strip().partition(":")
        code = country_code(country.strip())
        if code is None:
            raise ConfigError(
                f"'{country.strip()}' is not a CAMEO country code or country name; use codes "
                "such as JPN, KOR, USA, CHN, PRK",
                field=field,
            )
        tt = tuple(dict.fromkeys(t.strip().upper() for t in types.split("+") if t.strip()))
        for t in tt:
            if t not in _known_types():
                raise ConfigError(
                    f"'{t}' is not a CAMEO actor type; use e.g. GOV, MIL, BUS, JUD", field=field
                )
        return cls(code, tt or None)

    def with_types(self, types: tuple[str, ...] | None) -> Actor:
        """Return this country restricted to ``types`` (checked against the codebook)."""
        if not types:
            return Actor(self.country)
        return Actor.parse(f"{self.country}:{'+'.join(types)}")


def parse_actor(text: str, *, field: str = "actor") -> Actor:
    """Parse an actor (see :meth:`Actor.parse`).

    Examples
    --------
    >>> parse_actor("KOR:GOV")
    Actor(country='KOR', types=('GOV',))
    """
    return Actor.parse(text, field=field)


def as_actor(value: Actor | str, *, field: str = "actor") -> Actor:
    """Return ``value`` as an :class:`Actor`, parsing text such as ``"JPN"`` or ``"KOR:GOV"``.

    Every public function that takes an actor accepts either form through this.

    Examples
    --------
    >>> as_actor("JPN") == as_actor(Actor("JPN"))
    True
    """
    return value if isinstance(value, Actor) else Actor.parse(value, field=field)


def split_label(label: str) -> tuple[str, str] | None:
    """Split a dyad label ``"A->B"`` into its two actor texts; ``None`` for other names.

    No codebook check: series may carry labels of any actors (``Dyad.parse`` checks them).

    Examples
    --------
    >>> split_label("USA:GOV->JPN")
    ('USA:GOV', 'JPN')
    >>> split_label("y0") is None
    True
    """
    s, sep, t = label.partition(LABEL_SEP)
    return (s, t) if sep and s and t else None


@dataclass(frozen=True)
class Dyad:
    """An ordered pair of actors in different countries (see the module for the grammar).

    Examples
    --------
    >>> d = Dyad.parse("jpn-kor")
    >>> d.label, d.name, d.countries
    ('JPN->KOR', 'JPN-KOR', ('JPN', 'KOR'))
    >>> Dyad.parse(d.label) == d
    True
    >>> [f"{s}->{t}" for s, t in d.pairs()]
    ['JPN->KOR', 'KOR->JPN']
    """

    source: Actor
    target: Actor

    def __post_init__(self) -> None:
        if self.source.country == self.target.country:
            raise ConfigError(
                f"a dyad needs two different countries; got {self.source}-{self.target}",
                field="dyad",
            )

    @property
    def label(self) -> str:
        """The series label, ``"JPN->KOR"``: the ``dyad`` column of a series table."""
        return f"{self.source}{LABEL_SEP}{self.target}"

    @property
    def name(self) -> str:
        """The dyad as people write it, ``"JPN-KOR"`` (titles; parses back to the same dyad)."""
        return f"{self.source}-{self.target}"

    @property
    def countries(self) -> tuple[str, str]:
        """The two country codes."""
        return self.source.country, self.target.country

    def __str__(self) -> str:
        return self.label

    def reversed(self) -> Dyad:
        """Return the same two actors the other way round."""
        return Dyad(self.target, self.source)

    def pairs(self, directed: bool = False) -> list[tuple[Actor, Actor]]:
        """Return the directed (source, target) pairs: this one, and the reverse unless directed."""
        fwd = (self.source, self.target)
        return [fwd] if directed else [fwd, (self.target, self.source)]

    def with_types(self, types: tuple[str, ...] | None) -> Dyad:
        """Both actors restricted to the same CAMEO actor types (``None`` keeps them)."""
        if not types:
            return self
        return Dyad(self.source.with_types(types), self.target.with_types(types))

    @classmethod
    def parse(cls, text: str, *, field: str = "dyad") -> Dyad:
        """Parse ``"JPN-KOR"``, ``"JPN->KOR"`` or ``"JPN:GOV-KOR:GOV"`` against the codebook.

        Parameters
        ----------
        text
            Two actors joined by ``-`` or ``->`` (a :attr:`label` or a :attr:`name`).
        field
            The parameter named in errors.

        Raises
        ------
        ConfigError
            If the text is not two actors joined by ``-`` or ``->``, an actor is not in the
            codebook, or both are in the same country.
        """
        raw = text if len(text) <= _MAX_TEXT else ""
        parts = raw.split(LABEL_SEP) if LABEL_SEP in raw else raw.split("-")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise ConfigError(
                "a dyad is two country codes joined by '-' or '->', such as JPN-KOR, optionally "
                f"with actor types (JPN:GOV-KOR:GOV); got {_show(text)}",
                field=field,
            )
        a, b = (Actor.parse(p, field=field) for p in parts)
        if a.country == b.country:
            raise ConfigError(f"a dyad needs two different countries; got {a}-{b}", field=field)
        return cls(a, b)

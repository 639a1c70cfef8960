"""Library errors name parameters (``start``, ``measure``); the CLI shows its own flag names."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from brinkwatch.errors import BrinkwatchError

__all__ = ["FLAGS", "as_flags", "flags"]

#: Library parameter -> command-line flag, for every command.
FLAGS: Mapping[str, str] = {
    "start": "--from",
    "end": "--to",
    "measure": "--measure",
    "dyad": "--dyad",
    "actors": "--actors",
    "freq": "--freq",
    "weight": "--weight",
    "baseline": "--baseline",
    "roots": "--root",
    "origins": "--origin",
    "exogenous": "--exogenous",
    "fmt": "--plot",
    "triad": "--actors",
    "outcome": "--outcome",
}


def as_flags(exc: BrinkwatchError, extra: Mapping[str, str] | None = None) -> BrinkwatchError:
    """Return ``exc`` with its field named as the command line names it.

    Examples
    --------
    >>> from brinkwatch.errors import ConfigError
    >>> str(as_flags(ConfigError("the window is inverted", field="start")))
    "field '--from': the window is inverted"
    """
    names = {**FLAGS, **(extra or {})}
    if exc.field is None or exc.field not in names:
        return exc
    out = copy.copy(exc)
    out.field = names[exc.field]
    out.args = (out._compose(),)
    return out


@contextmanager
def flags(**extra: str) -> Iterator[None]:
    """Rename the field of errors raised inside, for a command whose flags differ.

    ``with flags(actors="ACTORS"):`` shows a library ``actors`` error as the ``ACTORS``
    argument of that command.
    """
    try:
        yield
    except BrinkwatchError as exc:
        renamed = as_flags(exc, extra)
        if renamed is exc:
            raise
        raise renamed from None

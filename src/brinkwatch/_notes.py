"""Warnings a stage issues while it runs, kept as data so each shell shows them its own way."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from brinkwatch.errors import BrinkwatchWarning

__all__ = ["Note", "caught_notes"]


@dataclass(frozen=True)
class Note:
    """A brinkwatch warning caught while a stage ran (a statistical finding about the data).

    Examples
    --------
    >>> str(Note("SparseDataWarning", "few events"))
    'SparseDataWarning: few events'
    """

    category: str
    message: str

    def __str__(self) -> str:
        return f"{self.category}: {self.message}"


@contextmanager
def caught_notes() -> Iterator[list[Note]]:
    """Collect brinkwatch's own warnings as :class:`Note`; let every other warning through.

    Examples
    --------
    >>> from brinkwatch.errors import SparseDataWarning
    >>> with caught_notes() as notes:
    ...     warnings.warn("few events", SparseDataWarning, stacklevel=1)
    >>> notes
    [Note(category='SparseDataWarning', message='few events')]
    """
    notes: list[Note] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield notes
    for w in caught:
        if issubclass(w.category, BrinkwatchWarning):
            notes.append(Note(w.category.__name__, str(w.message)))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

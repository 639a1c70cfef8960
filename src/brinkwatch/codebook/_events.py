"""CAMEO event codes: look-ups by code and quad classes by root."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from brinkwatch.codebook._tables import event_codes
from brinkwatch.errors import CodebookError

__all__ = ["QUAD_CLASS_NAMES", "EventCode", "lookup_event", "quad_class_of_root"]

QUAD_CLASS_NAMES: dict[int, str] = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}
"""Names of the four quad classes, keyed by the number GDELT writes in ``QuadClass``."""


@dataclass(frozen=True, slots=True)
class EventCode:
    """One CAMEO event code.

    Attributes
    ----------
    code
        The code as a string with its leading zeros (``"0213"``).
    name
        The short name from the CAMEO manual (``"Appeal for judicial cooperation"``).
    root
        The two-digit root the code belongs to (``"02"``).
    level
        The number of digits: 2 for a root, 3 or 4 below it.
    goldstein
        The Goldstein weight, from -10 (most conflictual) to +10 (most cooperative).
    quad_class
        1 verbal cooperation, 2 material cooperation, 3 verbal conflict,
        4 material conflict (see :data:`QUAD_CLASS_NAMES`).
    description
        A one-line paraphrase of the manual's description; may be empty.
    """

    code: str
    name: str
    root: str
    level: int
    goldstein: float
    quad_class: int
    description: str


@functools.cache
def _events_by_code() -> dict[str, EventCode]:
    return {
        str(row["code"]): EventCode(
            code=str(row["code"]),
            name=str(row["name"]),
            root=str(row["root"]),
            level=int(row["level"]),
            goldstein=float(row["goldstein"]),
            quad_class=int(row["quad_class"]),
            description=str(row["description"]),
        )
        for row in event_codes().to_pylist()
    }


def _unknown_code_hint(code: str, known: dict[str, EventCode]) -> str:
    """Say what is closest to an unknown ``code``."""
    if not code.isdigit():
        return "CAMEO event codes are strings of 2 to 4 digits, such as '0213' or '19'"
    for width in range(len(code) + 1, 5):
        padded = code.zfill(width)
        if padded in known:
            return (
                f"did you mean '{padded}' ({known[padded].name})? Leading zeros are lost "
                "when codes are read as numbers; read the column as text"
            )
    for end in range(len(code) - 1, 1, -1):
        prefix = code[:end]
        if prefix in known:
            event = known[prefix]
            below = sorted(c for c in known if c.startswith(prefix) and len(c) == end + 1)
            listed = f"; the codes directly below it are {', '.join(below)}" if below else ""
            return f"the closest known code is '{prefix}' ({event.name}){listed}"
    return (
        "CAMEO roots run from '01' (Make public statement) "
        "to '20' (Use unconventional mass violence)"
    )


def lookup_event(code: str) -> EventCode:
    """Return the CAMEO event code ``code``.

    Parameters
    ----------
    code
        A 2-, 3- or 4-digit CAMEO code as a string, with its leading zeros (``"0213"``).
        Surrounding whitespace is ignored.

    Returns
    -------
    EventCode
        The code's name, root, level, Goldstein weight, quad class and description.

    Raises
    ------
    CodebookError
        If ``code`` is not a CAMEO event code; the message names the closest known code.
        ``CodebookError`` is also a ``LookupError``.

    Examples
    --------
    >>> event = lookup_event("163")
    >>> event.name, event.goldstein, event.quad_class
    ('Impose embargo, boycott, or sanctions', -8.0, 4)
    """
    if not isinstance(code, str):
        raise CodebookError(
            f"the 'code' parameter of lookup_event must be a string such as '0213'; "
            f"got {code!r} of type {type(code).__name__} instead"
        )
    known = _events_by_code()
    key = code.strip()
    event = known.get(key)
    if event is None:
        raise CodebookError(f"'{key}' is not a CAMEO event code: {_unknown_code_hint(key, known)}")
    return event


def quad_class_of_root(root: str) -> int:
    """Return the quad class (1-4) of a two-digit CAMEO root.

    Roots 01-05 are verbal cooperation (1), 06-08 material cooperation (2), 09-13 verbal
    conflict (3) and 14-20 material conflict (4).

    Parameters
    ----------
    root
        A two-digit root with its leading zero, ``"01"`` to ``"20"``.

    Returns
    -------
    int
        The quad class; :data:`QUAD_CLASS_NAMES` names it.

    Raises
    ------
    CodebookError
        If ``root`` is not one of the 20 CAMEO roots.

    Examples
    --------
    >>> quad_class_of_root("14")
    4
    >>> QUAD_CLASS_NAMES[quad_class_of_root("04")]
    'verbal cooperation'
    """
    key = root.strip() if isinstance(root, str) else root
    event = _events_by_code().get(key) if isinstance(key, str) and len(key) == 2 else None
    if event is None:
        hint = ""
        if isinstance(key, str) and key.isdigit() and len(key) == 1:
            hint = f"; did you mean '{key.zfill(2)}'? Roots keep their leading zero"
        elif isinstance(key, str) and key.isdigit() and len(key) in (3, 4):
            hint = f"; '{key}' looks like a full event code, whose root is '{key[:2]}'"
        raise CodebookError(
            f"the 'root' parameter of quad_class_of_root must be a two-digit CAMEO root "
            f"from '01' to '20'; got {root!r} instead{hint}"
        )
    return event.quad_class

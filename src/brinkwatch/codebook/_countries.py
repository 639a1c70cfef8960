"""CAMEO country codes: look-up by code, name or alias."""

from __future__ import annotations

import functools

from brinkwatch.codebook._tables import country_rows
from brinkwatch.errors import CodebookError

__all__ = ["country_code"]


def _key(text: str) -> str:
    """Fold case and runs of whitespace, so that look-ups ignore both."""
    return " ".join(text.casefold().split())


@functools.cache
def _codes_by_key() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in country_rows():
        code = str(row["code"])
        aliases = [alias for alias in str(row["aliases"]).split("|") if alias.strip()]
        for text in (code, str(row["name"]), *aliases):
            key = _key(text)
            if index.setdefault(key, code) != code:
                raise CodebookError(
                    f"the name or alias '{text}' is given for both {index[key]} and {code}; "
                    "each name must map to one code",
                    path="brinkwatch/codebook/data/countries.csv",
                    field="aliases",
                )
    return index


def country_code(name_or_code: str) -> str | None:
    """Return the CAMEO country code for a code, a name or an alias.

    The look-up ignores case and repeated whitespace. Names include the spellings ICEWS
    uses (``"Russian Federation"``, ``"Occupied Palestinian Territory"``) and common
    English forms (``"ROK"``, ``"DPRK"``, ``"United States of America"``).

    Parameters
    ----------
    name_or_code
        A CAMEO code (``"KOR"``), a country or region name, or an alias.

    Returns
    -------
    str or None
        The CAMEO code, or ``None`` when the text is not in the codebook.

    Examples
    --------
    >>> country_code("Republic of Korea")
    'KOR'
    >>> country_code("dprk")
    'PRK'
    >>> country_code("Middle East")
    'MEA'
    >>> country_code("Atlantis") is None
    True
    """
    return _codes_by_key().get(_key(name_or_code))

"""Read the codebook CSV files shipped as package data into Arrow tables.

Arrow loads on the first table asked for, not on import: look-ups of country codes and actor
types read their rows with the standard library (:func:`country_rows`, :func:`actor_type_codes`),
so that parsing a dyad (``brinkwatch watch --once``) does not import Arrow and NumPy.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from typing import TYPE_CHECKING

from brinkwatch.errors import CodebookError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pyarrow as pa

__all__ = ["actor_types", "countries", "event_codes", "icews_sectors"]

# Column types by the name of their pyarrow factory (pa.string(), "int8" ...).
_STRING = "string"

_EVENT_COLUMNS: Mapping[str, str] = {
    "code": _STRING,
    "name": _STRING,
    "root": _STRING,
    "level": "int8",
    "goldstein": "float64",
    "quad_class": "int8",
    "description": _STRING,
}
_COUNTRY_COLUMNS: Mapping[str, str] = {
    "code": _STRING,
    "iso3": _STRING,
    "name": _STRING,
    "kind": _STRING,
    "aliases": _STRING,
}
_ACTOR_TYPE_COLUMNS: Mapping[str, str] = {
    "code": _STRING,
    "name": _STRING,
    "description": _STRING,
}
_SECTOR_COLUMNS: Mapping[str, str] = {
    "sector": _STRING,
    "actor_type": _STRING,
    "priority": "int32",
}


def _raw(filename: str) -> tuple[bytes, str]:
    """Return the bytes of ``data/<filename>`` of this package, and where it lives."""
    resource = resources.files("brinkwatch.codebook").joinpath("data", filename)
    try:
        return resource.read_bytes(), str(resource)
    except FileNotFoundError as exc:
        raise CodebookError(
            f"the codebook file {filename} is missing from the installed package; "
            "reinstall brinkwatch (pip install -e .) so that its package data is included",
            path=str(resource),
        ) from exc


def _check_header(found: list[str], columns: Mapping[str, str], resource: str) -> None:
    if found != list(columns):
        raise CodebookError(
            f"the codebook file must have the header {','.join(columns)}; "
            f"got {','.join(found)} instead",
            path=resource,
            line=1,
        )


def _records(filename: str, columns: Mapping[str, str]) -> list[dict[str, str]]:
    """Return the rows of ``data/<filename>`` as text, read without Arrow."""
    raw, resource = _raw(filename)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    _check_header(rows[0] if rows else [], columns, resource)
    return [dict(zip(columns, r, strict=False)) for r in rows[1:] if r]


@functools.cache
def country_rows() -> tuple[dict[str, str], ...]:
    """Return the rows of :func:`countries` as dicts of text, without importing Arrow."""
    return tuple(_records("countries.csv", _COUNTRY_COLUMNS))


@functools.cache
def actor_type_codes() -> frozenset[str]:
    """Return the codes of :func:`actor_types`, without importing Arrow."""
    return frozenset(r["code"] for r in _records("actor_types.csv", _ACTOR_TYPE_COLUMNS))


def _read(filename: str, columns: Mapping[str, str]) -> pa.Table:
    """Read ``data/<filename>`` of this package with exactly ``columns``, in that order."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    raw, resource = _raw(filename)
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            convert_options=pacsv.ConvertOptions(
                column_types={c: getattr(pa, t)() for c, t in columns.items()},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise CodebookError(
            f"the codebook file cannot be parsed as CSV: {exc}", path=resource
        ) from exc
    _check_header(table.column_names, columns, resource)
    return table


@functools.cache
def event_codes() -> pa.Table:
    """Return every CAMEO event code with its name, root, level, weight and quad class.

    Returns
    -------
    pyarrow.Table
        One row per code (2-, 3- and 4-digit), with columns ``code`` and ``root`` (strings
        that keep their leading zeros), ``name``, ``level`` (int8, the number of digits),
        ``goldstein`` (float64, the Goldstein weight GDELT attaches to the code),
        ``quad_class`` (int8, 1-4) and ``description``.

    Examples
    --------
    >>> table = event_codes()
    >>> table.num_rows
    312
    >>> table.slice(0, 2).column("code").to_pylist()
    ['01', '010']
    """
    return _read("cameo_events.csv", _EVENT_COLUMNS)


@functools.cache
def countries() -> pa.Table:
    """Return the CAMEO country and region codes.

    Returns
    -------
    pyarrow.Table
        String columns ``code`` (the CAMEO code GDELT writes in ``Actor1CountryCode``),
        ``iso3`` (the ISO 3166-1 alpha-3 code, empty for regions and groupings),
        ``name``, ``kind`` (``state``, ``region`` or ``other``) and ``aliases``
        (alternative names separated by ``|``).

    Examples
    --------
    >>> import pyarrow.compute as pc
    >>> countries().filter(pc.field("code") == "KOR").column("name").to_pylist()
    ['South Korea']
    """
    return _read("countries.csv", _COUNTRY_COLUMNS)


@functools.cache
def actor_types() -> pa.Table:
    """Return the CAMEO actor role and type codes (``GOV``, ``MIL``, ``BUS`` ...).

    Returns
    -------
    pyarrow.Table
        String columns ``code``, ``name`` and ``description``.

    Examples
    --------
    >>> import pyarrow.compute as pc
    >>> actor_types().filter(pc.field("code") == "MIL").column("name").to_pylist()
    ['Military']
    """
    return _read("actor_types.csv", _ACTOR_TYPE_COLUMNS)


@functools.cache
def icews_sectors() -> pa.Table:
    """Return the map from ICEWS actor sectors to CAMEO actor types.

    An ICEWS actor lists several sectors (``"Military,Government"``); its CAMEO type is the
    ``actor_type`` of the sector with the lowest ``priority``. An empty ``actor_type`` marks
    a sector that carries no role (``"Ideological"``, ``"Unspecified"`` ...).

    Returns
    -------
    pyarrow.Table
        String columns ``sector`` and ``actor_type``, and ``priority`` (int32).

    Examples
    --------
    >>> import pyarrow.compute as pc
    >>> icews_sectors().filter(pc.field("sector") == "Military").column("actor_type").to_pylist()
    ['MIL']
    """
    return _read("icews_sectors.csv", _SECTOR_COLUMNS)

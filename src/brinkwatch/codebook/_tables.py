"""Read the codebook CSV files shipped as package data into Arrow tables."""

from __future__ import annotations

import functools
import io
from importlib import resources
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv

from brinkwatch.errors import CodebookError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["actor_types", "countries", "event_codes", "icews_sectors"]

_STRING = pa.string()

_EVENT_COLUMNS: Mapping[str, pa.DataType] = {
    "code": _STRING,
    "name": _STRING,
    "root": _STRING,
    "level": pa.int8(),
    "goldstein": pa.float64(),
    "quad_class": pa.int8(),
    "description": _STRING,
}
_COUNTRY_COLUMNS: Mapping[str, pa.DataType] = {
    "code": _STRING,
    "iso3": _STRING,
    "name": _STRING,
    "kind": _STRING,
    "aliases": _STRING,
}
_ACTOR_TYPE_COLUMNS: Mapping[str, pa.DataType] = {
    "code": _STRING,
    "name": _STRING,
    "description": _STRING,
}
_SECTOR_COLUMNS: Mapping[str, pa.DataType] = {
    "sector": _STRING,
    "actor_type": _STRING,
    "priority": pa.int32(),
}


def _read(filename: str, columns: Mapping[str, pa.DataType]) -> pa.Table:
    """Read ``data/<filename>`` of this package with exactly ``columns``, in that order."""
    resource = resources.files("brinkwatch.codebook").joinpath("data", filename)
    try:
        raw = resource.read_bytes()
    except FileNotFoundError as exc:
        raise CodebookError(
            f"the codebook file {filename} is missing from the installed package; "
            "reinstall brinkwatch (pip install -e .) so that its package data is included",
            path=str(resource),
        ) from exc
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw),
            convert_options=pacsv.ConvertOptions(
                column_types=dict(columns),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise CodebookError(
            f"the codebook file cannot be parsed as CSV: {exc}", path=str(resource)
        ) from exc
    if table.column_names != list(columns):
        raise CodebookError(
            f"the codebook file must have the header {','.join(columns)}; "
            f"got {','.join(table.column_names)} instead",
            path=str(resource),
            line=1,
        )
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

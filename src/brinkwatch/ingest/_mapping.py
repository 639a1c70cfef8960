"""Column mappings for CSV and Parquet input: YAML files and ``--map FIELD=COLUMN`` options."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from brinkwatch._yaml import checked_items, compose, line_of, read_text, shown, value_of
from brinkwatch.errors import MappingError, OriginOverrideWarning
from brinkwatch.store import INPUT_FIELDS

__all__ = [
    "BUILTIN_ORIGINS",
    "MAPPABLE_FIELDS",
    "ColumnMapping",
    "check_origin",
    "parse_map_options",
    "positional_columns",
    "read_mapping",
]

#: Canonical fields a mapping may fill; the store computes the rest (root, origin, batch).
MAPPABLE_FIELDS: tuple[str, ...] = INPUT_FIELDS

#: Origins of brinkwatch's own readers and data; their event ids are the publisher's, so a user
#: mapping that claimed one could pre-empt real ids (see :func:`check_origin`).
BUILTIN_ORIGINS: tuple[str, ...] = ("gdelt1", "gdelt2", "icews", "chronology", "coded")

_ORIGIN_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_KEYS = {"origin", "delimiter", "date_format", "columns", "constants", "header"}


@dataclass(frozen=True)
class ColumnMapping:
    """How the columns of a user file become canonical event fields.

    Attributes
    ----------
    columns
        Canonical field -> source column name.
    constants
        Canonical field -> fixed value for every row (e.g. ``source_type: GOV``).
    origin
        Label stored in ``events.origin``; ``csv`` unless the mapping says otherwise.
    delimiter
        Field delimiter; ``None`` lets DuckDB's sniffer decide.
    date_format
        ``strptime`` formats tried in order for ``event_date``; ``None`` tries ISO and YYYYMMDD.
    header
        Whether the file's first line names its columns (the default); with ``False`` the
        file has no such line and ``columns`` gives 1-based positions (``event_date: 2``).
    source
        Where the mapping came from, for error messages.
    bundled
        Whether the mapping is one shipped inside the brinkwatch package (byte for byte), which
        may claim a built-in origin (:data:`BUILTIN_ORIGINS`).
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    origin: str = "csv"
    delimiter: str | None = None
    date_format: tuple[str, ...] | None = None
    source: str = "--map"
    #: The file's first line names the columns; ``False``: columns are 1-based positions.
    header: bool = True
    # Not part of repr: ingest signatures hash repr(mapping), and trust changes no row.
    bundled: bool = field(default=False, repr=False, compare=False)

    def merged(self, other: ColumnMapping) -> ColumnMapping:
        """Return this mapping with ``other``'s columns and constants laid over it."""
        return ColumnMapping(
            columns={**self.columns, **other.columns},
            constants={**self.constants, **other.constants},
            origin=other.origin if other.origin != "csv" else self.origin,
            delimiter=other.delimiter or self.delimiter,
            date_format=other.date_format or self.date_format,
            source=f"{self.source} + {other.source}",
            header=self.header and other.header,
            # Changing a bundled mapping makes it the user's own.
            bundled=self.bundled and other.bundled,
        )

    @classmethod
    def identity(cls, header: Iterable[str], origin: str = "csv") -> ColumnMapping:
        """Map every canonical field present in ``header`` to the column of the same name."""
        present = set(header)
        return cls(
            columns={f: f for f in MAPPABLE_FIELDS if f in present},
            origin=origin,
            source="canonical header",
        )


def _check_field(name: str, *, source: str, line: int | None) -> None:
    if name not in MAPPABLE_FIELDS:
        raise MappingError(
            f"'{name}' is not a canonical event field; use one of: {', '.join(MAPPABLE_FIELDS)}",
            path=source,
            line=line,
            field=name,
        )


def read_mapping(path: str | Path) -> ColumnMapping:
    """Read a column mapping from a YAML file, validating every key.

    Parameters
    ----------
    path
        The YAML file, e.g.::

            origin: csv
            delimiter: ","
            date_format: "%Y%m%d"
            columns: {event_id: Global_Event_ID, event_date: Day, cameo_code: Event_Code}
            constants: {source_type: GOV}

    Returns
    -------
    ColumnMapping
        The validated mapping.

    Raises
    ------
    MappingError
        With the file, line and key of the first problem.
    """
    p = Path(path)
    text = read_text(p, error=MappingError)
    root = compose(text, source=str(p), error=MappingError)
    if not isinstance(root, yaml.MappingNode):
        raise MappingError("the mapping must be a YAML mapping with a 'columns' key", path=p)
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, knode, vnode in checked_items(root, _KEYS, source=str(p), error=MappingError):
        lines[key] = line_of(knode)
        values[key] = value_of(vnode, source=str(p), error=MappingError, field=key)
        if key in ("columns", "constants"):
            if not isinstance(vnode, yaml.MappingNode):
                raise MappingError(
                    f"'{key}' must map canonical fields to "
                    + ("source column names" if key == "columns" else "values"),
                    path=p,
                    line=line_of(vnode),
                    field=key,
                )
            for fk, fv in vnode.value:
                _check_field(str(fk.value), source=str(p), line=line_of(fk))
                if not isinstance(fv, yaml.ScalarNode) or fv.value == "":
                    raise MappingError(
                        f"'{key}.{fk.value}' must be a single non-empty value",
                        path=p,
                        line=line_of(fv),
                        field=f"{key}.{fk.value}",
                    )
    if "columns" not in values:
        raise MappingError(
            "the mapping has no 'columns' key; add e.g. columns: {event_id: ID, event_date: "
            "Date, cameo_code: Code}",
            path=p,
        )
    header = values.get("header", True)
    if not isinstance(header, bool):
        raise MappingError(
            f"'header' must be true (the file's first line names the columns, the default) "
            f"or false (no such line: columns are given by position), got {shown(header)}",
            path=p,
            line=lines.get("header"),
            field="header",
        )
    cols = {str(k): str(v) for k, v in (values.get("columns") or {}).items()}
    if not header:
        _check_positions(cols, source=str(p), line=lines.get("header"))
    consts = {str(k): str(v) for k, v in (values.get("constants") or {}).items()}
    origin = values.get("origin", "csv")
    if not isinstance(origin, str) or not _ORIGIN_RE.match(origin):
        raise MappingError(
            f"origin {shown(origin)} must be a short lowercase label such as csv or notes",
            path=p,
            line=lines.get("origin"),
            field="origin",
        )
    delim = values.get("delimiter")
    if delim is not None and (not isinstance(delim, str) or len(delim) != 1):
        raise MappingError(
            f"delimiter must be one character, got {shown(delim)}",
            path=p,
            line=lines.get("delimiter"),
            field="delimiter",
        )
    formats = _date_formats(values.get("date_format"), source=str(p), line=lines.get("date_format"))
    _check_required(cols, consts, source=str(p))
    return ColumnMapping(
        columns=cols,
        constants=consts,
        origin=origin,
        delimiter=delim,
        date_format=formats,
        source=str(p),
        header=header,
        bundled=text in _bundled_texts(),
    )


#: Most columns a headerless file may be mapped by (a position beyond is surely a mistake).
MAX_POSITION = 10_000


def _check_positions(cols: Mapping[str, str], *, source: str, line: int | None) -> None:
    """With ``header: false`` every mapped column is a 1-based position such as ``27``."""
    for fld, col in cols.items():
        if not (col.isascii() and col.isdigit() and 1 <= int(col) <= MAX_POSITION):
            raise MappingError(
                f"with 'header: false' the file has no first line of column names, so "
                f"'columns' gives each field's 1-based position (e.g. {fld}: 1); "
                f"'{fld}' is mapped to {shown(col)}. Use positions, or 'header: true' if "
                "the file's first line names its columns",
                path=source,
                line=line,
                field="header",
            )


def positional_columns(width: int, mapping: ColumnMapping, *, path: str | Path) -> list[str]:
    """Name the columns of a headerless file ``1`` .. ``width``, checking the mapping fits.

    Parameters
    ----------
    width
        Fields in the file's first line.
    mapping
        A mapping with ``header=False`` (its columns are positions).
    path
        The file, for messages.

    Raises
    ------
    MappingError
        If the mapping names a position beyond ``width``.

    Examples
    --------
    >>> m = ColumnMapping(columns={"event_date": "2", "cameo_code": "3"}, header=False)
    >>> positional_columns(3, m, path="x.csv")
    ['1', '2', '3']
    """
    beyond = {f: int(c) for f, c in mapping.columns.items() if int(c) > width}
    if beyond:
        named = ", ".join(f"{f}: {c}" for f, c in beyond.items())
        raise MappingError(
            f"the mapping ({mapping.source}) names column positions beyond the {width} "
            f"field(s) of the file's first line ({named}); count the fields from 1, and check "
            "the delimiter",
            path=str(path),
            line=1,
        )
    return [str(i) for i in range(1, width + 1)]


def _date_formats(fmt: object, *, source: str, line: int | None) -> tuple[str, ...] | None:
    """``date_format`` is a strptime text or a list of them; YAML reads 20190101 as a number."""
    if fmt is None:
        return None
    items = fmt if isinstance(fmt, list) else [fmt]
    if not items or not all(isinstance(f, str) and "%" in f for f in items):
        raise MappingError(
            f'date_format must be a strptime format such as "%Y%m%d" (in quotes), or a list '
            f"of them; got {shown(fmt)}",
            path=source,
            line=line,
            field="date_format",
        )
    return tuple(items)


@cache
def _bundled_texts() -> frozenset[str]:
    """Return the texts of the mappings shipped in the package (chronology and sample)."""
    data = resources.files("brinkwatch").joinpath("data")
    texts = set()
    for folder in ("chronology", "samples"):
        for item in data.joinpath(folder).iterdir():
            if item.name.endswith(".yaml"):
                texts.add(item.read_text(encoding="utf-8"))
    return frozenset(texts)


def check_origin(mapping: ColumnMapping | None, *, override: bool = False) -> None:
    """Refuse a user mapping that claims a built-in origin, unless ``override`` is given.

    Events are duplicates when they share origin and event id, so a mapping claiming
    ``gdelt2`` could pre-empt real GDELT rows. Mappings shipped inside the package (the
    chronology's) may claim their origin; with ``override`` any may, with a warning.

    Raises
    ------
    MappingError
        If the mapping claims one of :data:`BUILTIN_ORIGINS` and may not.

    Warns
    -----
    OriginOverrideWarning
        When ``override`` lets a user mapping claim a built-in origin.

    Examples
    --------
    >>> check_origin(ColumnMapping(origin="notes"))
    >>> check_origin(ColumnMapping(origin="gdelt2", source="my.yaml"))
    Traceback (most recent call last):
    ...
    brinkwatch.errors.MappingError: my.yaml, field 'origin': origin 'gdelt2' is ...
    """
    if mapping is None or mapping.origin not in BUILTIN_ORIGINS or mapping.bundled:
        return
    if not override:
        raise MappingError(
            f"origin '{mapping.origin}' is brinkwatch's own (built-in origins: "
            f"{', '.join(BUILTIN_ORIGINS)}), and events with the same origin and id count as "
            "duplicates of each other. Choose another origin for your data, or pass "
            "--origin-override if these rows really are that publisher's events with its ids",
            path=mapping.source,
            field="origin",
        )
    warnings.warn(
        f"{mapping.source}: the mapping claims the built-in origin '{mapping.origin}' "
        "(--origin-override); its rows share that origin's event ids and duplicates",
        OriginOverrideWarning,
        stacklevel=2,
    )


def _check_required(cols: Mapping[str, str], consts: Mapping[str, str], *, source: str) -> None:
    missing = [f for f in ("event_date", "cameo_code") if f not in cols and f not in consts]
    if missing:
        raise MappingError(
            f"the mapping does not say which column holds {', '.join(missing)}; every event "
            "needs a date and a CAMEO code (add them under 'columns')",
            path=source,
        )


def parse_map_options(items: Iterable[str]) -> ColumnMapping:
    """Parse ``--map FIELD=COLUMN`` options (``FIELD==VALUE`` sets a constant).

    Parameters
    ----------
    items
        Strings such as ``"event_date=Day"`` or ``"source_type==GOV"``.

    Returns
    -------
    ColumnMapping
        Columns and constants from the options (the origin stays ``csv``).

    Raises
    ------
    MappingError
        If an item is not ``FIELD=COLUMN`` or names an unknown field.

    Examples
    --------
    >>> parse_map_options(["event_date=Day", "source_type==GOV"]).constants
    {'source_type': 'GOV'}
    """
    cols: dict[str, str] = {}
    consts: dict[str, str] = {}
    for item in items:
        if "==" in item:
            key, _, value = item.partition("==")
            target = consts
        elif "=" in item:
            key, _, value = item.partition("=")
            target = cols
        else:
            raise MappingError(
                f"--map takes FIELD=COLUMN (or FIELD==CONSTANT), got {shown(item)}",
                field="--map",
            )
        key, value = key.strip(), value.strip()
        _check_field(key, source="--map", line=None)
        if not value:
            raise MappingError(f"--map {shown(item)} gives no column name", field=key)
        target[key] = value
    return ColumnMapping(columns=cols, constants=consts)

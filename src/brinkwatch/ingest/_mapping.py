"""Column mappings for CSV and Parquet input: YAML files and ``--map FIELD=COLUMN`` options."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brinkwatch._yaml import checked_items, compose, line_of
from brinkwatch.errors import MappingError
from brinkwatch.store._schema import INPUT_FIELDS

__all__ = ["MAPPABLE_FIELDS", "ColumnMapping", "parse_map_options", "read_mapping"]

#: Canonical fields a mapping may fill; the store computes the rest (root, origin, batch).
MAPPABLE_FIELDS: tuple[str, ...] = INPUT_FIELDS

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
    source
        Where the mapping came from, for error messages.
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    origin: str = "csv"
    delimiter: str | None = None
    date_format: tuple[str, ...] | None = None
    source: str = "--map"

    def merged(self, other: ColumnMapping) -> ColumnMapping:
        """Return this mapping with ``other``'s columns and constants laid over it."""
        return ColumnMapping(
            columns={**self.columns, **other.columns},
            constants={**self.constants, **other.constants},
            origin=other.origin if other.origin != "csv" else self.origin,
            delimiter=other.delimiter or self.delimiter,
            date_format=other.date_format or self.date_format,
            source=f"{self.source} + {other.source}",
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
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read the mapping file: {exc}", path=p) from exc
    root = compose(text, source=str(p), error=MappingError)
    if not isinstance(root, yaml.MappingNode):
        raise MappingError("the mapping must be a YAML mapping with a 'columns' key", path=p)
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, knode, vnode in checked_items(root, _KEYS, source=str(p), error=MappingError):
        lines[key] = line_of(knode)
        values[key] = yaml.safe_load(yaml.serialize(vnode))
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
    cols = {str(k): str(v) for k, v in (values.get("columns") or {}).items()}
    consts = {str(k): str(v) for k, v in (values.get("constants") or {}).items()}
    origin = str(values.get("origin", "csv"))
    if not _ORIGIN_RE.match(origin):
        raise MappingError(
            f"origin '{origin}' must be a short lowercase label such as csv or chronology",
            path=p,
            line=lines.get("origin"),
            field="origin",
        )
    delim = values.get("delimiter")
    if delim is not None and (not isinstance(delim, str) or len(delim) != 1):
        raise MappingError(
            f"delimiter must be one character, got {delim!r}",
            path=p,
            line=lines.get("delimiter"),
            field="delimiter",
        )
    fmt = values.get("date_format")
    formats: tuple[str, ...] | None = None
    if fmt is not None:
        formats = (fmt,) if isinstance(fmt, str) else tuple(str(f) for f in fmt)
    _check_required(cols, consts, source=str(p))
    return ColumnMapping(
        columns=cols,
        constants=consts,
        origin=origin,
        delimiter=delim,
        date_format=formats,
        source=str(p),
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
                f"--map takes FIELD=COLUMN (or FIELD==CONSTANT), got {item!r}", field="--map"
            )
        key, value = key.strip(), value.strip()
        _check_field(key, source="--map", line=None)
        if not value:
            raise MappingError(f"--map {item!r} gives no column name", field=key)
        target[key] = value
    return ColumnMapping(columns=cols, constants=consts)

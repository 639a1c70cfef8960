"""Rendering helpers for the CLI: Rich tables, CSV and JSON of Arrow tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["OutputFormat", "render_arrow", "to_json"]


class OutputFormat(StrEnum):
    """How a command prints a table."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def _default(o: Any) -> Any:
    if isinstance(o, date | datetime):
        return o.isoformat()
    return str(o)


def to_json(obj: Any) -> str:
    """Serialise to JSON with dates as ISO strings."""
    return json.dumps(obj, default=_default, ensure_ascii=False, indent=2)


def render_arrow(
    table: pa.Table, fmt: OutputFormat, console: Console, *, title: str | None = None
) -> None:
    """Print an Arrow table as a Rich table, CSV or JSON records."""
    if fmt is OutputFormat.JSON:
        console.print_json(to_json(table.to_pylist()))
        return
    if fmt is OutputFormat.CSV:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(table.column_names)
        for row in table.to_pylist():
            w.writerow(["" if v is None else _default(v) for v in row.values()])
        console.file.write(buf.getvalue())
        return
    t = Table(title=title, show_lines=False, header_style="bold")
    for name in table.column_names:
        # Short columns stay on one line; long text folds inside the last column.
        last = name == table.column_names[-1]
        t.add_column(
            name,
            overflow="fold" if last else "ellipsis",
            no_wrap=not last,
            min_width=30 if last and len(table.column_names) > 1 else None,
        )
    for row in table.to_pylist():
        # Cells are data, not markup: "[report: ...]" in a citation must print as written.
        t.add_row(*[Text("" if v is None else str(v)) for v in row.values()])
    console.print(t)

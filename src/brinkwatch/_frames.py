"""Notebook helpers shared by the result objects: ``to_pandas()``, ``summary()``, HTML repr.

A result says which Arrow table is its main one (:meth:`Tabular.to_arrow`) and how to sum
itself up in a few plain lines (:meth:`Tabular.summary`); this module turns those into a
pandas frame and the HTML Jupyter shows. pandas stays optional: the pipeline never needs it,
so it is imported only here, when a user asks for a frame.
"""

from __future__ import annotations

import html
import importlib
from typing import TYPE_CHECKING, Any, TypeVar

from brinkwatch.errors import ModelMissingError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ResultList", "Tabular", "html_table", "to_pandas"]

#: Rows the HTML repr shows before it says how many more there are.
HTML_ROWS = 12


def to_pandas(table: pa.Table) -> Any:
    """Return ``table`` as a ``pandas.DataFrame``.

    Raises
    ------
    ModelMissingError
        If pandas is not installed (it is an optional dependency); the message gives the fix.
    """
    try:
        importlib.import_module("pandas")  # pyarrow needs it importable
    except ImportError as exc:
        raise ModelMissingError(
            "to_pandas() needs pandas, which brinkwatch does not install by itself; "
            "install it with: pip install 'pandas>=2.2' (or use to_arrow())"
        ) from exc
    return table.to_pandas()


def html_table(table: pa.Table, rows: int = HTML_ROWS) -> str:
    """Render the first ``rows`` rows of ``table`` as an escaped HTML table.

    Examples
    --------
    >>> import pyarrow as pa
    >>> out = html_table(pa.table({"a": [1, 2, 3]}), rows=2)
    >>> out.count("<tr>"), out.endswith("<p>2 of 3 rows shown.</p>")
    (3, True)
    """
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.column_names)
    body = []
    for r in table.slice(0, rows).to_pylist():
        cells = "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r.values())
        body.append(f"<tr>{cells}</tr>")
    out = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    if table.num_rows > rows:
        out += f"<p>{rows} of {table.num_rows:,} rows shown.</p>"
    return out


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


class Tabular:
    """Mixin: a result with a main table and a plain-text summary, shown well in notebooks."""

    def to_arrow(self) -> pa.Table:
        """Return the result's main table (Arrow)."""
        raise NotImplementedError

    def summary(self) -> str:
        """Return a short plain-text summary of the result."""
        raise NotImplementedError

    def to_pandas(self) -> Any:
        """Return :meth:`to_arrow` as a ``pandas.DataFrame`` (pandas must be installed)."""
        return to_pandas(self.to_arrow())

    def _repr_html_(self) -> str:
        lines = "<br>".join(html.escape(x) for x in self.summary().splitlines())
        return f"<div><p>{lines}</p>{html_table(self.to_arrow())}</div>"


_T = TypeVar("_T")


class ResultList(list[_T], Tabular):
    """A list of result records (coded events, alarms) that also renders as one table."""

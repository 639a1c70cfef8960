"""Store events coded from text (origin ``coded``) and read the texts to code."""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from brinkwatch.errors import FileFormatError
from brinkwatch.ingest._formats import Format
from brinkwatch.ingest._mapping import ColumnMapping
from brinkwatch.ingest._pipeline import FileReport, _ingest_one, _prepare_codebook, expand_paths
from brinkwatch.store import INPUT_FIELDS

if TYPE_CHECKING:
    import pyarrow as pa

    from brinkwatch.store import Store

__all__ = ["TextDocument", "ingest_coded", "read_texts"]

_DATE_LINE = re.compile(r"^\s*date\s*:\s*(\d{4}-\d{2}-\d{2})\s*$", re.I)
_TEXT_SUFFIXES = {".txt", ".text", ".md", ""}


@dataclass(frozen=True)
class TextDocument:
    """A text to code: its name, its text and its date (from a ``date:`` first line)."""

    name: str
    text: str
    day: date | None


def read_texts(paths: Iterable[str | Path]) -> list[TextDocument]:
    """Read plain-text documents (``.txt``, ``.md``; directories recursively).

    A first line ``date: YYYY-MM-DD`` dates the document and is not coded.

    Raises
    ------
    FileFormatError
        If a path does not exist, is not UTF-8 text, or its date line is not a real date.

    Examples
    --------
    >>> read_texts([])
    []
    """
    out: list[TextDocument] = []
    for raw in paths:
        p = Path(raw)
        files = expand_paths([p]) if p.is_dir() else [p]
        for f in files:
            if p.is_dir() and f.suffix.lower() not in _TEXT_SUFFIXES:
                continue
            if not f.is_file():
                raise FileFormatError("no such file or directory", path=f)
            try:
                text = f.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise FileFormatError(
                    f"not UTF-8 text ({exc}); save it as UTF-8 to code it", path=f
                ) from exc
            day: date | None = None
            first, _, rest = text.partition("\n")
            m = _DATE_LINE.match(first)
            if m:
                try:
                    day = date.fromisoformat(m.group(1))
                except ValueError as exc:
                    raise FileFormatError(
                        f"the date line says {m.group(1)!r}, which is not a date", path=f, line=1
                    ) from exc
                # Keep character offsets of the rest stable: blank the date line.
                text = " " * len(first) + "\n" + rest
            out.append(TextDocument(str(f), text, day))
    return out


def ingest_coded(store: Store, table: pa.Table, *, source_name: str) -> FileReport:
    """Insert coded events into the store like any other ingest: batch, log, dedupe.

    Parameters
    ----------
    store
        An open store.
    table
        From :func:`brinkwatch.coding.events_to_table`: canonical columns (extra columns are
        ignored); every row needs ``event_id``, ``event_date`` and ``cameo_code``.
    source_name
        What ``ingest_log.file`` records (e.g. the text files coded).

    Returns
    -------
    FileReport
        Rows read, stored, rejected and duplicates (the same events coded again have the same
        ids and count as duplicates).
    """
    cols = [c for c in INPUT_FIELDS if c in table.column_names]
    tmp = Path(tempfile.mkdtemp(prefix="brinkwatch-coded-"))
    try:
        path = tmp / "coded.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for row in table.select(cols).to_pylist():
                w.writerow(["" if row[c] is None else str(row[c]) for c in cols])
        mapping = replace(
            ColumnMapping.identity(cols, origin="coded"), delimiter=",", source="coded events"
        )
        _prepare_codebook(store.con)
        if table.num_rows == 0:
            return FileReport(file=source_name, format=Format.CSV.value, origin="coded", bytes=0)
        return _ingest_one(store, source_name, path, Format.CSV, mapping, None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

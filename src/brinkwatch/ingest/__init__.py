"""Readers for GDELT 1.0/2.0, ICEWS and mapped CSV/Parquet, loading the canonical event table.

Names load lazily (PEP 562), as in :mod:`brinkwatch`: importing this package, or a light
submodule such as ``brinkwatch.ingest.fetch`` or ``brinkwatch.ingest._formats``, does not
import DuckDB, Arrow or the store until a name that needs them is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brinkwatch._lazy import lazy_exports

#: Public name -> the module it comes from.
_LAZY: dict[str, str] = {
    "EVENT_DATE_RANGE": "brinkwatch.ingest._pipeline",
    "ColumnMapping": "brinkwatch.ingest._mapping",
    "FileReport": "brinkwatch.ingest._pipeline",
    "Format": "brinkwatch.ingest._formats",
    "IngestReport": "brinkwatch.ingest._pipeline",
    "TextDocument": "brinkwatch.ingest._coded",
    "detect_format": "brinkwatch.ingest._formats",
    "expand_paths": "brinkwatch.ingest._pipeline",
    "ingest": "brinkwatch.ingest._pipeline",
    "ingest_coded": "brinkwatch.ingest._coded",
    "ingest_on_spark": "brinkwatch.ingest._spark",
    "parse_map_options": "brinkwatch.ingest._mapping",
    "read_mapping": "brinkwatch.ingest._mapping",
    "read_texts": "brinkwatch.ingest._coded",
}

__all__ = [
    "EVENT_DATE_RANGE",
    "ColumnMapping",
    "FileReport",
    "Format",
    "IngestReport",
    "TextDocument",
    "detect_format",
    "expand_paths",
    "ingest",
    "ingest_coded",
    "ingest_on_spark",
    "parse_map_options",
    "read_mapping",
    "read_texts",
]

if TYPE_CHECKING:
    from brinkwatch.ingest._coded import TextDocument as TextDocument
    from brinkwatch.ingest._coded import ingest_coded as ingest_coded
    from brinkwatch.ingest._coded import read_texts as read_texts
    from brinkwatch.ingest._formats import Format as Format
    from brinkwatch.ingest._formats import detect_format as detect_format
    from brinkwatch.ingest._mapping import ColumnMapping as ColumnMapping
    from brinkwatch.ingest._mapping import parse_map_options as parse_map_options
    from brinkwatch.ingest._mapping import read_mapping as read_mapping
    from brinkwatch.ingest._pipeline import EVENT_DATE_RANGE as EVENT_DATE_RANGE
    from brinkwatch.ingest._pipeline import FileReport as FileReport
    from brinkwatch.ingest._pipeline import IngestReport as IngestReport
    from brinkwatch.ingest._pipeline import expand_paths as expand_paths
    from brinkwatch.ingest._pipeline import ingest as ingest
    from brinkwatch.ingest._spark import ingest_on_spark as ingest_on_spark


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

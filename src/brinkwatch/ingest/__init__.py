"""Readers for GDELT 1.0/2.0, ICEWS and mapped CSV/Parquet, loading the canonical event table."""

from brinkwatch.ingest._coded import TextDocument, ingest_coded, read_texts
from brinkwatch.ingest._formats import Format, detect_format
from brinkwatch.ingest._mapping import ColumnMapping, parse_map_options, read_mapping
from brinkwatch.ingest._pipeline import (
    EVENT_DATE_RANGE,
    FileReport,
    IngestReport,
    expand_paths,
    ingest,
)

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
    "parse_map_options",
    "read_mapping",
    "read_texts",
]

"""The event store: DuckDB by default, Spark through Ibis when data outgrow one machine."""

from brinkwatch.store._queries import parse_dyad, select_events
from brinkwatch.store._schema import EVENT_COLUMNS, ORIGINS, SCHEMA_VERSION, Column
from brinkwatch.store._store import CompactReport, Store, StoreStats, connect

__all__ = [
    "EVENT_COLUMNS",
    "ORIGINS",
    "SCHEMA_VERSION",
    "Column",
    "CompactReport",
    "Store",
    "StoreStats",
    "connect",
    "parse_dyad",
    "select_events",
]

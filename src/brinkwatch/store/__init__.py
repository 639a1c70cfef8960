"""The event store: DuckDB by default, Spark through Ibis when data outgrow one machine."""

from brinkwatch.store._lock import DEFAULT_WAIT, Holder, holders
from brinkwatch.store._queries import (
    MACHINE_ORIGINS,
    STATE_TYPES,
    is_state,
    select_events,
    story_key,
)
from brinkwatch.store._schema import EVENT_COLUMNS, ORIGINS, SCHEMA_VERSION, Column
from brinkwatch.store._store import CompactReport, Store, StoreStats, connect

__all__ = [
    "DEFAULT_WAIT",
    "EVENT_COLUMNS",
    "MACHINE_ORIGINS",
    "ORIGINS",
    "SCHEMA_VERSION",
    "STATE_TYPES",
    "Column",
    "CompactReport",
    "Holder",
    "Store",
    "StoreStats",
    "connect",
    "holders",
    "is_state",
    "select_events",
    "story_key",
]

"""The event store: DuckDB by default, Spark through Ibis when data outgrow one machine."""

from brinkwatch.store._example import example
from brinkwatch.store._lock import DEFAULT_WAIT, Holder, holders
from brinkwatch.store._queries import (
    MACHINE_ORIGINS,
    STATE_TYPES,
    ActorScope,
    event_sources,
    is_state,
    select_events,
    state_match,
    story_key,
    with_story,
    with_story_key,
)
from brinkwatch.store._schema import (
    EVENT_COLUMNS,
    INPUT_FIELDS,
    MENTION_COLUMNS,
    ORIGINS,
    SCHEMA_VERSION,
    Column,
)
from brinkwatch.store._store import (
    CompactReport,
    Store,
    StoreStats,
    connect,
    fetch_one,
    sql_ident,
    sql_string,
)
from brinkwatch.store._writer import (
    BLANK_REASON,
    DUPLICATE_REASON,
    BatchCounts,
    BatchSource,
    CutLine,
    RecordLines,
    skip_blank_lines,
)

__all__ = [
    "BLANK_REASON",
    "DEFAULT_WAIT",
    "DUPLICATE_REASON",
    "EVENT_COLUMNS",
    "INPUT_FIELDS",
    "MACHINE_ORIGINS",
    "MENTION_COLUMNS",
    "ORIGINS",
    "SCHEMA_VERSION",
    "STATE_TYPES",
    "ActorScope",
    "BatchCounts",
    "BatchSource",
    "Column",
    "CompactReport",
    "CutLine",
    "Holder",
    "RecordLines",
    "Store",
    "StoreStats",
    "connect",
    "event_sources",
    "example",
    "fetch_one",
    "holders",
    "is_state",
    "select_events",
    "skip_blank_lines",
    "sql_ident",
    "sql_string",
    "state_match",
    "story_key",
    "with_story",
    "with_story_key",
]

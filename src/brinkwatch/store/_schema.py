"""The canonical event schema: one definition that the DDL, the readers and the docs share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "COLUMNS_BY_NAME",
    "DAILY_VOLUME_DDL",
    "DERIVED_COLUMNS",
    "EVENT_COLUMNS",
    "INPUT_FIELDS",
    "INTERNAL_COLUMNS",
    "MENTION_COLUMNS",
    "MENTION_KEY",
    "ORIGINS",
    "SCHEMA_VERSION",
    "WATCH_DDL",
    "Column",
    "ddl",
]

SCHEMA_VERSION = 6

#: The per-origin daily volume: the denominator of ``normalize``. One row per origin and day
#: with the events the origin published that day, counted once each (the rows the store holds
#: for it: a duplicate is a repeat of an event already counted, and a rejected row has no
#: trustworthy day). The store keeps it as it loads batches (version 3; older stores are
#: backfilled from ``event_rows`` when opened).
DAILY_VOLUME_DDL = """CREATE TABLE IF NOT EXISTS daily_volume (
    origin VARCHAR NOT NULL,
    day DATE NOT NULL,
    "rows" BIGINT NOT NULL,
    PRIMARY KEY (origin, day)
)"""

#: Where an event came from; `events.origin` takes one of these or a user label for CSV input.
ORIGINS = ("gdelt1", "gdelt2", "icews", "csv", "coded", "chronology")


@dataclass(frozen=True)
class Column:
    """One canonical event column.

    Attributes
    ----------
    name
        Column name in the ``events`` table.
    sql_type
        DuckDB type.
    doc
        One line for ``docs/schema.md``.
    required
        Rows without a value are rejected.
    low, high
        The plausible range, inclusive (``None``: unbounded on that side); values outside it
        are rejected as ``out_of_range`` (dates as ``bad_date``). Whole-number columns give
        ints and the others floats, as rejects quote them.
    """

    name: str
    sql_type: str
    doc: str
    required: bool = False
    low: float | date | None = None
    high: float | date | None = None

    @property
    def bounded(self) -> bool:
        """Whether the column has a range to check."""
        return self.low is not None or self.high is not None


EVENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "event_id",
        "VARCHAR",
        "Identifier within the origin (GDELT GLOBALEVENTID, ICEWS "
        "Event ID, a mapped CSV column, or a content hash when the CSV has none).",
        True,
    ),
    Column(
        "origin",
        "VARCHAR",
        "gdelt1, gdelt2, icews, csv, coded, chronology, or the label a "
        "CSV mapping gives. (origin, event_id) is unique.",
        True,
    ),
    Column(
        "event_date",
        "DATE",
        "Day the event happened (GDELT SQLDATE, ICEWS Event Date).",
        True,
        low=date(1900, 1, 1),
        high=date(2100, 12, 31),
    ),
    Column("source_code", "VARCHAR", "Full CAMEO actor code of the source, e.g. JPNGOV."),
    Column("source_name", "VARCHAR", "Source actor name as the origin gives it."),
    Column(
        "source_country",
        "VARCHAR",
        "Source country as a CAMEO country code (ISO3 for "
        "states; CAMEO region codes such as EUR otherwise).",
    ),
    Column("source_type", "VARCHAR", "Source CAMEO actor type (GOV, MIL, BUS, JUD, ...)."),
    Column("target_code", "VARCHAR", "Full CAMEO actor code of the target."),
    Column("target_name", "VARCHAR", "Target actor name as the origin gives it."),
    Column("target_country", "VARCHAR", "Target country as a CAMEO country code."),
    Column("target_type", "VARCHAR", "Target CAMEO actor type."),
    Column("cameo_code", "VARCHAR", "CAMEO event code, 2 to 4 digits with leading zeros.", True),
    Column("cameo_root", "VARCHAR", "First two digits of the CAMEO code (01..20)."),
    Column(
        "quad_class",
        "TINYINT",
        "1 verbal cooperation, 2 material cooperation, 3 verbal "
        "conflict, 4 material conflict; from the codebook by root.",
        low=1,
        high=4,
    ),
    Column(
        "goldstein",
        "DOUBLE",
        "Goldstein weight, -10..10: the origin's value, or the "
        "codebook's when the origin has none.",
        low=-10.0,
        high=10.0,
    ),
    Column("is_root_event", "BOOLEAN", "GDELT: the event is in the article's lead paragraph."),
    Column("num_mentions", "INTEGER", "GDELT mentions in the first 15 minutes / day.", low=0),
    Column("num_sources", "INTEGER", "GDELT distinct sources.", low=0),
    Column("num_articles", "INTEGER", "GDELT distinct articles.", low=0),
    Column(
        "avg_tone",
        "DOUBLE",
        "GDELT average tone of the articles, -100..100.",
        low=-100.0,
        high=100.0,
    ),
    Column("intensity", "DOUBLE", "ICEWS intensity, -10..10.", low=-10.0, high=10.0),
    Column(
        "location",
        "VARCHAR",
        "Where it happened: GDELT ActionGeo_FullName, ICEWS City/District/Province/Country.",
    ),
    Column(
        "location_country",
        "VARCHAR",
        "Country of the location as the origin codes it "
        "(FIPS 10-4 for GDELT, a CAMEO code for ICEWS).",
    ),
    Column("latitude", "DOUBLE", "Latitude of the location, -90..90.", low=-90.0, high=90.0),
    Column("longitude", "DOUBLE", "Longitude of the location, -180..180.", low=-180.0, high=180.0),
    Column("source_url", "VARCHAR", "Article URL (GDELT SOURCEURL)."),
    Column("story_id", "VARCHAR", "ICEWS Story ID or another document identifier."),
    Column("sentence_number", "INTEGER", "ICEWS sentence number within the story.", low=0),
    Column("sentence", "VARCHAR", "The sentence the event was coded from (origin coded)."),
    Column("description", "VARCHAR", "One-line description (chronology), or ICEWS Event Text."),
    Column("citation", "VARCHAR", "Outlet and date the event is cited from (chronology)."),
    Column("publisher", "VARCHAR", "ICEWS publisher, or the outlet of a coded text."),
    Column("date_added", "TIMESTAMP", "When the origin published the row (GDELT DATEADDED)."),
    Column(
        "story_key",
        "VARCHAR",
        "Which report the row comes from, as origin|kind:key (slug:, url:, story: or row:; "
        "see story_key in docs/measures.md). The store fills it as rows are loaded "
        "(schema 5; older stores are backfilled when opened for writing).",
    ),
    Column(
        "source_is_state",
        "BOOLEAN",
        "Whether the source is a state actor (is_state of source_code, source_country and "
        "source_type); the store fills it as rows are loaded (schema 6).",
    ),
    Column(
        "target_is_state",
        "BOOLEAN",
        "Whether the target is a state actor, as source_is_state (schema 6).",
    ),
    Column(
        "story_hash",
        "BIGINT",
        "A 63-bit hash of story_key, so that story counting groups integers (schema 6; "
        "see derived_sql in docs/schema.md).",
    ),
    Column(
        "batch_id",
        "BIGINT",
        "The ingest batch (one file in one run) that stored the row; joins ingest_log.",
        True,
    ),
)

#: The event columns by name.
COLUMNS_BY_NAME: dict[str, Column] = {c.name: c for c in EVENT_COLUMNS}

#: Columns of the physical table ``event_rows`` beyond the canonical ones. An ingest writes
#: each file in one pass; rows it then rejects, or finds to be duplicates or blank lines, keep
#: a non-NULL ``_reject`` instead of being deleted (a delete inside the big append transaction
#: makes DuckDB rewrite the appended row groups at commit). ``events`` is the view of the rows
#: with ``_reject IS NULL``; ``Store.compact()`` drops the others.
INTERNAL_COLUMNS: tuple[Column, ...] = (
    Column("_reject", "STRUCT(reason VARCHAR, field VARCHAR, detail VARCHAR)", "internal"),
    Column("_raw", "VARCHAR", "internal"),
)

# Validation happens in the ingest SQL; only batch_id is enforced here because rejected rows
# pass through event_rows (with NULL dates, codes, ...) inside the ingest transaction.
#: Canonical fields that input provides (as text); the store derives origin, root and batch.
INPUT_FIELDS: tuple[str, ...] = tuple(
    c.name
    for c in EVENT_COLUMNS
    if c.name
    not in {"origin", "batch_id", "cameo_root", "story_key", "source_is_state", "target_is_state",
            "story_hash"}
)  # fmt: skip

#: Event columns the store derives itself, never read from input: a batch's SQL need not
#: give them (``story_key`` is computed at load from the row's origin, URL and ids, for GDELT
#: once per distinct URL; the flags and hash of schema 6 from the actors and the key).
DERIVED_COLUMNS: tuple[str, ...] = ("story_key", "source_is_state", "target_is_state", "story_hash")

#: GDELT 2.0 mentions (``*.mentions.CSV``): one row per mention of an event in an article.
#: Schema version 4 added them; ``event_id`` is the GDELT 2.0 GLOBALEVENTID of an event of
#: origin ``gdelt2``. Ranges follow the GDELT 2.0 Event codebook.
MENTION_COLUMNS: tuple[Column, ...] = (
    Column("event_id", "VARCHAR", "GLOBALEVENTID of the gdelt2 event mentioned.", True),
    Column("event_time", "TIMESTAMP", "EventTimeDate: when the event was first seen.", True),
    Column("mention_time", "TIMESTAMP", "MentionTimeDate: when this article was seen.", True),
    Column(
        "mention_type",
        "TINYINT",
        "MentionType: 1 web, 2 citation only, 3 CORE, 4 DTIC, 5 JSTOR, 6 non-textual.",
        True,
        low=1,
        high=6,
    ),
    Column(
        "source_name",
        "VARCHAR",
        "MentionSourceName: the outlet (a domain for web articles); distinct values are the "
        "event's sources.",
        True,
    ),
    Column(
        "mention_identifier",
        "VARCHAR",
        "MentionIdentifier: the article's URL or DOI, or a citation.",
        True,
    ),
    Column(
        "sentence_id",
        "INTEGER",
        "SentenceID: the sentence of the article the event was found in (1 = first).",
        True,
        low=0,
    ),
    Column("actor1_offset", "INTEGER", "Actor1CharOffset in the article; -1 if absent.", low=-1),
    Column("actor2_offset", "INTEGER", "Actor2CharOffset in the article; -1 if absent.", low=-1),
    Column("action_offset", "INTEGER", "ActionCharOffset in the article; -1 if absent.", low=-1),
    Column("in_raw_text", "BOOLEAN", "InRawText: found in the raw text, without rewriting."),
    Column("confidence", "TINYINT", "Confidence of the extraction, percent.", low=0, high=100),
    Column("doc_len", "INTEGER", "MentionDocLen: the article's length in characters.", low=0),
    Column(
        "doc_tone", "DOUBLE", "MentionDocTone: the article's tone, -100..100.", low=-100, high=100
    ),
    Column(
        "translation_info",
        "VARCHAR",
        "MentionDocTranslationInfo: source language and engine; empty for English.",
    ),
    Column("extras", "VARCHAR", "Extras: reserved XML, usually empty."),
    Column(
        "batch_id",
        "BIGINT",
        "The ingest batch that stored the row; joins ingest_log.",
        True,
    ),
)

#: A mention is one event in one sentence of one article: a file read twice adds nothing.
MENTION_KEY = ("event_id", "mention_identifier", "sentence_id")

_EVENTS_DDL = (
    "CREATE TABLE IF NOT EXISTS event_rows (\n    "
    + ",\n    ".join(
        f"{c.name} {c.sql_type}{' NOT NULL' if c.name == 'batch_id' else ''}"
        for c in (*EVENT_COLUMNS, *INTERNAL_COLUMNS)
    )
    + "\n)"
)
_MENTIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS mention_rows (\n    "
    + ",\n    ".join(
        f"{c.name} {c.sql_type}{' NOT NULL' if c.name == 'batch_id' else ''}"
        for c in (*MENTION_COLUMNS, *INTERNAL_COLUMNS)
    )
    + "\n)"
)
_MENTIONS_VIEW_DDL = (
    "CREATE OR REPLACE VIEW mentions AS SELECT "
    + ", ".join(c.name for c in MENTION_COLUMNS)
    + " FROM mention_rows WHERE _reject IS NULL"
)
_VIEW_DDL = (
    # Replaced at every connect, so a store made by an earlier version gets today's view.
    "CREATE OR REPLACE VIEW events AS SELECT "
    + ", ".join(c.name for c in EVENT_COLUMNS)
    + " FROM event_rows WHERE _reject IS NULL"
)

#: The state of ``brinkwatch watch`` (schema version 6; created in older stores when opened).
#: ``watch_files``: every feed file the watcher listed, with its state (``listed``,
#: ``fetched``: downloaded and verified, ``ingested``, ``skipped``: given up after
#: ``attempts`` tries, ``reason`` says why). ``watch_alarms``: the delivery outbox, one row per
#: alarm identity and channel, with the message sent (JSON), its state (``pending``,
#: ``sending``: an attempt was under way, ``sent``, ``failed``: out of attempts), attempts,
#: the next try and the last error.
WATCH_DDL = (
    """CREATE TABLE IF NOT EXISTS watch_files (
    name VARCHAR PRIMARY KEY,
    url VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    md5 VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    slot TIMESTAMP NOT NULL,
    state VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    reason VARCHAR,
    "rows" BIGINT,
    seen TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS watch_alarms (
    alarm_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    dyad VARCHAR NOT NULL,
    period DATE NOT NULL,
    severity VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    next_try TIMESTAMP NOT NULL,
    last_error VARCHAR,
    queued TIMESTAMP NOT NULL,
    sent TIMESTAMP,
    PRIMARY KEY (alarm_id, channel)
)""",
)

_OTHER_DDL = (
    "CREATE SEQUENCE IF NOT EXISTS batch_seq START 1",
    """CREATE TABLE IF NOT EXISTS ingest_log (
    batch_id BIGINT PRIMARY KEY,
    file VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    signature VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    read BIGINT NOT NULL,
    stored BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    blank BIGINT NOT NULL,
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP NOT NULL,
    version VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS rejected (
    batch_id BIGINT NOT NULL,
    file VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    raw VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    DAILY_VOLUME_DDL,
    *WATCH_DDL,
)


def ddl() -> list[str]:
    """Return the statements that create the store's tables, in order.

    Examples
    --------
    >>> any("CREATE OR REPLACE VIEW events" in s for s in ddl())
    True
    """
    return [_EVENTS_DDL, _VIEW_DDL, _MENTIONS_DDL, _MENTIONS_VIEW_DDL, *_OTHER_DDL]

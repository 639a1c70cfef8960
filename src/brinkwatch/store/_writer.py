"""Load one ingest batch: the rows in, rejects and duplicates marked, the log row written.

The ingest stage reads files and describes each as a :class:`BatchSource` (the SQL of its typed
rows and what the accounting needs); :meth:`brinkwatch.store.Store.load_batch` loads it here in
one transaction, with DuckDB's memory kept in check while it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import duckdb

from brinkwatch._sizes import size_bytes as _bytes
from brinkwatch.errors import IntegrityError
from brinkwatch.store._queries import derived_sql, story_key_sql
from brinkwatch.store._schema import (
    EVENT_COLUMNS,
    INTERNAL_COLUMNS,
    MENTION_COLUMNS,
    MENTION_KEY,
    Column,
)
from brinkwatch.store._store import fetch_one, sql_ident, sql_string

if TYPE_CHECKING:
    from brinkwatch._types import Progress

__all__ = [
    "BLANK_REASON",
    "DUPLICATE_REASON",
    "BatchCounts",
    "BatchSource",
    "CutLine",
    "cap_memory",
    "load_batch",
    "seen_file_size",
    "skip_blank_lines",
]

ident = sql_ident

#: Marker reasons in ``event_rows._reject`` for rows that are not rejects: a batch counts them
#: (as blank lines and duplicates) and ``events`` never shows them.
BLANK_REASON = "__blank__"
DUPLICATE_REASON = "__duplicate__"
BLANK, DUPLICATE = BLANK_REASON, DUPLICATE_REASON

# DuckDB's scanner error types -> our reject reasons.
_SCAN_REASONS = {
    "INVALID ENCODING": "invalid_encoding",
    "MISSING COLUMNS": "column_count",
    "TOO MANY COLUMNS": "column_count",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "UNQUOTED VALUE": "bad_quoting",
    "INVALID STATE": "malformed",
    "CAST": "bad_value",
}


@dataclass(frozen=True)
class CutLine:
    """A line the reader emptied before DuckDB scanned the file, to be rejected as it says.

    The scanner reads the emptied line as a blank line; the store counts it as this reject
    instead, at its physical line number.
    """

    line: int
    reason: str
    detail: str
    raw: str


@dataclass(frozen=True)
class RecordLines:
    """Where the records of a record-based file (CSV) sit among its physical lines.

    DuckDB's CSV scanner numbers records, not lines, and skips blank lines without a trace; a
    reader that knows the file says where each record starts so that rejects get physical
    line numbers and blank lines are counted.

    Attributes
    ----------
    blank
        Record numbers (1-based, as the scanner counts them, header included) of blank records.
    starts
        ``starts[k]`` is the physical line (1-based) on which record ``k + 1`` starts.
    """

    blank: tuple[int, ...]
    starts: Sequence[int]


@dataclass(frozen=True)
class BatchSource:
    """One input file as the store loads it: the SQL of its rows and how to account for them.

    Attributes
    ----------
    file
        The name ``ingest_log`` and ``rejected`` record (a path, or ``archive.zip:member``).
    format, origin, signature
        The format read, the value of ``events.origin``, and a hash of how the rows were read
        (same bytes and signature: same rows, so a repeat is not read again).
    bytes
        Size of the plain content read.
    sql
        A SELECT with the canonical columns except ``origin`` and ``batch_id``, then ``_rej``
        (NULL for a valid row, else a struct reason/field/detail; reason :data:`BLANK_REASON`
        for a blank line) and ``_raw``, in file order. Blank lines of the raw relation are
        dropped by :func:`skip_blank_lines`, which counts them.
    header_lines
        Lines before the first data row.
    rejects_table, rejects_scan
        The ``store_rejects`` tables of the DuckDB scan in ``sql``: the lines that made no row.
    line_scan
        For line-based files, a SELECT giving ``_blank`` for each line read after the header
        (where blank lines are, when rows must be numbered past them); else ``None``.
    cut_lines
        Lines emptied before the scan (see :class:`CutLine`), in file order.
    record_lines
        For record-based files (CSV), called with the number of rows and of scanner-rejected
        records once the rows are in; returns :class:`RecordLines` when records and physical
        lines differ, else ``None``.
    table
        What the rows are: ``events`` (``sql`` has the canonical event columns) or
        ``mentions`` (GDELT 2.0 mentions: ``sql`` has the columns of ``MENTION_COLUMNS``
        except ``batch_id``, then ``_rej`` and ``_raw``).
    """

    file: str
    format: str
    origin: str
    signature: str
    bytes: int
    sql: str
    header_lines: int
    rejects_table: str
    rejects_scan: str
    line_scan: str | None = None
    cut_lines: tuple[CutLine, ...] = ()
    record_lines: Callable[[int, int], RecordLines | None] | None = None
    table: Literal["events", "mentions"] = "events"


@dataclass(frozen=True)
class _Target:
    """The physical table a batch's rows go to, and what makes two of its rows the same."""

    table: str
    columns: tuple[Column, ...]
    #: Columns that identify a row; events are identified within their origin.
    key: tuple[str, ...]
    by_origin: bool

    @property
    def insert_cols(self) -> str:
        return ", ".join(c.name for c in (*self.columns, *INTERNAL_COLUMNS))


_TARGETS = {
    "events": _Target("event_rows", EVENT_COLUMNS, ("event_id",), by_origin=True),
    "mentions": _Target("mention_rows", MENTION_COLUMNS, MENTION_KEY, by_origin=False),
}


@dataclass(frozen=True)
class BatchCounts:
    """What a batch did with its rows: ``read == stored + rejected + duplicates + blank``."""

    batch_id: int
    read: int
    stored: int
    rejected: int
    duplicates: int
    blank: int


def skip_blank_lines(sql: str) -> str:
    """Wrap a raw relation (with a ``_blank`` column) so that its blank lines are counted, not kept.

    The store counts them with a sequence as the scan filters them out: storing them cost a
    row each (20M rows for a 20 KB gzip of newlines).
    """
    return (
        f"SELECT * FROM ({sql}) WHERE CASE WHEN _blank THEN nextval('_blank_seq') < 0 ELSE true END"
    )


def cap_memory(con: duckdb.DuckDBPyConnection, limit: str) -> str:
    """Lower DuckDB's memory limit to ``limit``; a store opened with a smaller one keeps it.

    Returns the limit in force, as a string that sets it again exactly.
    """
    before = fetch_one(con, "SELECT current_setting('memory_limit')")
    con.execute(f"SET memory_limit = {sql_string(limit)}")
    after = fetch_one(con, "SELECT current_setting('memory_limit')")
    if before and after and _bytes(str(before[0])) < _bytes(str(after[0])):
        con.execute(f"SET memory_limit = {sql_string(str(before[0]))}")
        # DuckDB prints limits rounded ('953.6 MiB'); fix the bytes once, so that setting the
        # limit again and again does not drift.
        return f"{int(_bytes(str(before[0])))}B"
    return limit


@contextmanager
def _side_loop(step: Callable[[], None], every_s: float) -> Iterator[None]:
    """Run ``step`` every ``every_s`` seconds in a side thread while the block runs."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            step()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()


@contextmanager
def _progress_poller(
    con: duckdb.DuckDBPyConnection, name: str, progress: Progress | None
) -> Iterator[None]:
    """Report DuckDB's own progress of the running statement from a side thread."""
    if progress is None:
        # Else DuckDB draws its own bar on stdout once a statement runs over 2 s (--json).
        con.execute("SET enable_progress_bar = false")
        yield
        return
    # DuckDB tracks a statement's progress only with its progress bar on; we draw our own.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")

    def poll() -> None:
        try:
            pct = float(con.query_progress())
        except Exception:  # the statement may just have finished; polling is best effort
            return
        if pct >= 0:
            progress(name, min(pct / 100.0, 1.0))

    with _side_loop(poll, 0.25):
        yield


#: Files at least this large have the written table blocks trimmed from the cache as they grow.
TRIM_MIN_BYTES = 64 * 2**20
#: How often the trimmer looks, and how much headroom it leaves the running statement.
TRIM_EVERY_S = 0.25
TRIM_HEADROOM = 64 * 10**6


@contextmanager
def _trimming_table_cache(con: duckdb.DuckDBPyConnection, cap: str | None) -> Iterator[None]:
    """Keep the blocks of the table being written from piling up in DuckDB's buffer pool.

    DuckDB keeps every block it writes cached until memory runs short, so one long insert grows
    by the compressed size of its rows (about 53 MB per million GDELT rows) and a 5M-row file
    peaks 1.7 times higher than a 1M-row one. A side connection lowers the memory limit for an
    instant to what the statement itself holds plus headroom, which makes DuckDB evict the
    written, unpinned table blocks (already on disk, so nothing is lost), then restores it.
    Measured: 5M rows peak at 600 MB instead of 890 MB, for about 5% more time.
    """
    if cap is None:
        yield
        return
    side = con.cursor()

    def trim() -> None:
        try:
            tags = side.execute("SELECT tag, memory_usage_bytes FROM duckdb_memory()").fetchall()
        except duckdb.Error:
            return
        table = sum(int(b) for t, b in tags if t == "BASE_TABLE")
        if table < TRIM_HEADROOM:
            return
        low = sum(int(b) for _, b in tags) - table + TRIM_HEADROOM
        try:
            # Refused (and left unchanged) when DuckDB cannot evict down to it.
            side.execute(f"SET memory_limit = '{max(low // 10**6, 1)}MB'")
        except duckdb.Error:
            pass
        finally:
            with suppress(duckdb.Error):
                side.execute(f"SET memory_limit = {sql_string(cap)}")

    try:
        with _side_loop(trim, TRIM_EVERY_S):
            yield
    finally:
        side.execute(f"SET memory_limit = {sql_string(cap)}")
        side.close()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> int:
    row = fetch_one(con, sql, list(params))
    return int(row[0]) if row and row[0] is not None else 0


def _already_ingested(
    con: duckdb.DuckDBPyConnection, fp: str, signature: str
) -> tuple[int, int, int, int] | None:
    """Return the batch that read these exact bytes the same way before, with its counts."""
    row = fetch_one(
        con,
        "SELECT batch_id, read, rejected, blank FROM ingest_log WHERE fingerprint = ? "
        "AND signature = ? ORDER BY batch_id LIMIT 1",
        [fp, signature],
    )
    return (int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else None


def seen_file_size(con: duckdb.DuckDBPyConnection, size: int, signature: str) -> bool:
    """Whether a file of this size was read this way before: only then can it be a repeat."""
    return bool(
        _scalar(
            con,
            "SELECT count(*) FROM (SELECT 1 FROM ingest_log WHERE bytes = ? AND signature = ? "
            "LIMIT 1)",
            [size, signature],
        )
    )


#: Stands for the fingerprint in reject rows written before the background hash is done.
_FP_PENDING = "pending"

#: SQL of keys stored elsewhere, or a function of the batch's (lowest, highest) first key and
#: origin that returns it for just those keys (None: nothing stored can match).
StoredKeys = str | Callable[[str, str, str], str | None]


def load_batch(
    con: duckdb.DuckDBPyConnection,
    source: BatchSource,
    *,
    fingerprint: str | Callable[[], str],
    progress: Progress | None = None,
    memory_cap: str | None = None,
    stored_elsewhere: Mapping[str, StoredKeys] | None = None,
) -> BatchCounts:
    """Load one file's rows as a batch in one transaction; see :meth:`Store.load_batch`.

    ``stored_elsewhere`` maps a row table (``event_rows``, ``mention_rows``) to SQL selecting
    the keys (and, for events, ``origin``) of rows stored outside this database (a lake's
    parts): the batch's rows with those keys are duplicates, as if the rows were here. In
    place of SQL, a function of the bounds of the batch's first key (``event_id``) and its
    origin may return SQL of the stored keys within those bounds (None: there are none).
    """
    elsewhere = dict(stored_elsewhere or {})
    try:
        return _load_batch(con, source, fingerprint, progress, memory_cap, elsewhere)
    except duckdb.OutOfMemoryException:
        if memory_cap is None:
            raise
        # The trimmer lowered the limit just as the insert needed memory; the batch was
        # rolled back, so load it again without trimming.
        return _load_batch(con, source, fingerprint, progress, None, elsewhere)


def _load_batch(
    con: duckdb.DuckDBPyConnection,
    source: BatchSource,
    fingerprint: str | Callable[[], str],
    progress: Progress | None,
    cap: str | None,
    elsewhere: Mapping[str, StoredKeys],
) -> BatchCounts:
    started = datetime.now(UTC).replace(tzinfo=None)
    display, sig, size, origin = source.file, source.signature, source.bytes, source.origin
    fp = fingerprint if isinstance(fingerprint, str) else None
    from brinkwatch import __version__

    con.execute("BEGIN TRANSACTION")
    try:
        batch = _scalar(con, "SELECT nextval('batch_seq')")
        prior = _already_ingested(con, fp, sig) if fp is not None else None
        if prior is not None:
            # The same bytes read the same way: every row is again what it was then, and the
            # rejects are recorded again under this batch, so that log and table agree.
            prior_batch, read, rejected, blank = prior
            stored, duplicates = 0, read - rejected - blank
            con.execute(
                "INSERT INTO rejected SELECT ?, ?, fingerprint, line, field, reason, detail, raw "
                "FROM rejected WHERE batch_id = ?",
                [batch, display, prior_batch],
            )
        else:
            stored, rejected, duplicates, blank, read = _load_clean(
                con,
                source,
                batch,
                fp or _FP_PENDING,
                progress,
                trim=cap if size >= TRIM_MIN_BYTES else None,
                elsewhere=elsewhere.get(_TARGETS[source.table].table),
            )
        if not isinstance(fingerprint, str):
            fp = fingerprint()
            con.execute("UPDATE rejected SET fingerprint = ? WHERE batch_id = ?", [fp, batch])
        assert fp is not None
        counts = (stored, rejected, duplicates, blank)
        if read != sum(counts) or min(counts) < 0:
            raise IntegrityError(
                f"row accounting failed: read {read} != stored {stored} + rejected {rejected} "
                f"+ duplicates {duplicates} + blank {blank}; the file was not ingested. "
                "Please report this.",
                path=display,
            )
        con.execute(
            "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch,
                display,
                fp,
                sig,
                source.format,
                origin,
                size,
                read,
                stored,
                rejected,
                duplicates,
                blank,
                started,
                datetime.now(UTC).replace(tzinfo=None),
                __version__,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return BatchCounts(batch, read, stored, rejected, duplicates, blank)


def _load_clean(
    con: duckdb.DuckDBPyConnection,
    source: BatchSource,
    batch: int,
    fp: str,
    progress: Progress | None,
    trim: str | None,
    elsewhere: StoredKeys | None = None,
) -> tuple[int, int, int, int, int]:
    """Read the file in one pass into its table, then mark rejects and duplicates.

    Events go to ``event_rows``, GDELT 2.0 mentions to ``mention_rows`` (see ``_TARGETS``).

    Returns stored, rejected, duplicates, blank and read
    (``read = stored + rejected + duplicates + blank``).

    DuckDB appends the rows of one INSERT with consecutive rowids in file order, so the
    position of a row among the batch's rows gives its line once the lines that made no row
    (the header, blank lines, lines the scanner rejected) are counted in before it.
    """
    long = source.cut_lines
    target = _TARGETS[source.table]
    scope = "origin = ? AND " if target.by_origin else ""
    had_origin = _scalar(
        con,
        f"SELECT count(*) FROM (SELECT 1 FROM {target.table} WHERE {scope}_reject IS NULL LIMIT 1)",
        [source.origin] if target.by_origin else [],
    )
    blank_lines, first, n_rows = _insert_rows(con, source, target, batch, progress, trim)
    base = (first if n_rows else 0) - 1 - source.header_lines
    has_scan, scan_lines = _scan_rejects(con, source.rejects_table)
    # The emptied long lines were read as blank lines: they are rejects.
    blank = blank_lines - len(long)
    # Lines that made no row, by physical line number; built only when a row needs its line.
    con.execute("CREATE OR REPLACE TEMP TABLE _gap (line BIGINT)")
    con.execute("INSERT INTO _gap SELECT line FROM _scan")
    if long:
        con.executemany("INSERT INTO _gap VALUES (?)", [[g.line] for g in long])
    records = source.record_lines(n_rows, scan_lines) if source.record_lines else None
    if records is not None:
        blank += _blank_records(con, records, source.header_lines)
    _mark_duplicates(con, target, source.origin, batch, had_origin=bool(had_origin))
    if elsewhere is not None:
        _mark_stored_elsewhere(con, target, source.origin, batch, elsewhere)
    stored, duplicates, stray_blank, row_rejects = _tally(con, target.table, batch)
    if stored and source.table == "events":
        _add_daily_volume(con, batch)
    blank += stray_blank
    if row_rejects and blank_lines and source.line_scan is not None:
        _locate_blank_lines(con, source.line_scan, source.header_lines)
    if row_rejects or scan_lines:
        _record_rejects(con, target.table, source.file, fp, batch, base)
    for g in long:
        con.execute(
            "INSERT INTO rejected VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            [batch, source.file, fp, g.line, g.reason, g.detail, g.raw],
        )
    if records is not None:
        _to_physical_lines(con, records, batch)
    for t in ("_scan", "_shift", "_gap"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    if has_scan:
        con.execute(f"DROP TABLE IF EXISTS {ident(source.rejects_table)}")
        con.execute(f"DROP TABLE IF EXISTS {ident(source.rejects_scan)}")
    rejected = row_rejects + scan_lines + len(long)
    return stored, rejected, duplicates, blank, stored + rejected + duplicates + blank


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    source: BatchSource,
    target: _Target,
    batch: int,
    progress: Progress | None,
    trim: str | None,
) -> tuple[int, int, int]:
    """Append the file's rows in one INSERT; return blank lines skipped, first rowid, rows."""
    values = {c.name: f"s.{c.name}" for c in target.columns}
    values.update(batch_id=str(batch), _reject="s._rej", _raw="s._raw")
    rows = source.sql
    if "origin" in values:
        values["origin"] = sql_string(source.origin)
    by_url = (
        "story_key" in values
        and source.origin in _URL_KEYED
        and source.bytes <= KEY_BY_URL_MAX_BYTES
    )
    if by_url:
        # The key of a GDELT row with a URL depends on the URL alone: _fill_url_keys computes
        # it once per distinct URL after the insert. Rows without one get it here.
        key = _row_key(values["origin"], "s.")
        values["story_key"] = f"CASE WHEN s.source_url IS NULL THEN {key} END"
        values.update({c: v for c, v in derived_sql("s.").items() if c in values})
        values["story_hash"] = _hash_sql(values["story_key"])
    elif "story_key" in values:
        # Computed here, once a row, so that queries read it instead of running the regexes.
        rows = story_key_sql(f"SELECT *, {values['origin']} AS origin FROM ({rows})", "_sk_key")
        values["story_key"] = "s._sk_key"
        values.update({c: v for c, v in derived_sql("s.", "s._sk_key").items() if c in values})
    select = ", ".join(values[c.name] for c in (*target.columns, *INTERNAL_COLUMNS))
    # Blank lines are counted by a sequence as the scan filters them out (skip_blank_lines).
    con.execute("CREATE OR REPLACE TEMP SEQUENCE _blank_seq START 1")
    with _progress_poller(con, source.file, progress), _trimming_table_cache(con, trim):
        con.execute(
            f"INSERT INTO {target.table} ({target.insert_cols}) SELECT {select} FROM ({rows}) s"
        )
    blank_lines = _scalar(con, "SELECT nextval('_blank_seq') - 1")
    con.execute("DROP SEQUENCE IF EXISTS _blank_seq")
    span = fetch_one(
        con,
        f"SELECT min(rowid), max(rowid), count(*) FROM {target.table} WHERE batch_id = {batch}",
    )
    assert span is not None
    first, last, n_rows = span
    if n_rows and int(last) - int(first) + 1 != int(n_rows):
        raise IntegrityError(
            f"DuckDB did not append the batch contiguously ({n_rows} rows over rowids "
            f"{first}..{last}), so line numbers cannot be given; the file was not ingested. "
            "Please report this with your DuckDB version.",
            path=source.file,
        )
    if by_url and n_rows:
        _fill_url_keys(con, target.table, batch, int(first), int(last))
    return blank_lines, int(first) if n_rows else 0, int(n_rows)


#: Origins whose story key, for a row with a URL, is a function of the URL alone.
_URL_KEYED = ("gdelt1", "gdelt2")
#: Rows per UPDATE of :func:`_fill_url_keys`: bounds the URL map of each statement.
KEY_SLICE_ROWS = 1_000_000
#: Larger files keep the per-row key of the insert. The UPDATE of :func:`_fill_url_keys`
#: holds its undo data until the batch commits (about 180 MB per million rows, whatever the
#: slices), which took a 5M-row file to 1,083 MB; up to this size (about 1.3M rows of the
#: bench file; a GDELT 15-minute export is a few MB) the insert's own peak stays the higher.
KEY_BY_URL_MAX_BYTES = 512 * 2**20


def _row_key(origin: str, row: str) -> str:
    """Return the SQL key of a row whose URL gives none (``story_key_sql``'s last cases)."""
    return (
        f"{origin} || '|' || CASE WHEN {row}story_id IS NOT NULL "
        f"THEN 'story:' || {row}story_id ELSE 'row:' || {row}event_id END"
    )


def _hash_sql(key: str) -> str:
    return derived_sql("", key)["story_hash"]


def _fill_url_keys(
    con: duckdb.DuckDBPyConnection, table: str, batch: int, first: int, last: int
) -> None:
    """Fill ``story_key`` and ``story_hash`` of a GDELT batch's rows that have a URL.

    Per slice of rowids, the key is computed once per distinct URL (GDELT repeats an
    article's URL for every event coded from it: 250,054 URLs in the 1M-row bench file) and
    joined back, instead of running the regexes on every row in the insert (2.0 CPU s of a
    1M-row load against 1.05 s here). A URL that normalises to nothing gets NULL from the map
    (its key would need the row's ids) and the row's own key instead.
    """
    key = f"coalesce(k.key, {_row_key(f'{table}.origin', f'{table}.')})"
    for lo in range(first, last + 1, KEY_SLICE_ROWS):
        hi = min(lo + KEY_SLICE_ROWS - 1, last)
        rows = f"batch_id = {batch} AND rowid BETWEEN {lo} AND {hi}"
        urls = story_key_sql(
            f"SELECT DISTINCT origin, source_url, NULL::VARCHAR AS story_id, "
            f"NULL::VARCHAR AS event_id FROM {table} WHERE {rows} AND source_url IS NOT NULL",
            "key",
        )
        # A table, not a subquery of the UPDATE: that plan cost 1.8 CPU s against 1.05 s.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _url_keys AS SELECT origin, source_url, key "
            f"FROM ({urls})"
        )
        con.execute(
            f"UPDATE {table} SET story_key = {key}, story_hash = {_hash_sql(key)} "
            f"FROM _url_keys k WHERE {table}.{rows.replace(' rowid', f' {table}.rowid')} "
            f"AND {table}.origin = k.origin AND {table}.source_url = k.source_url"
        )
    con.execute("DROP TABLE IF EXISTS _url_keys")


def _scan_rejects(con: duckdb.DuckDBPyConnection, rt: str) -> tuple[bool, int]:
    """Gather the scanner's rejects by line into ``_scan``; return whether any table, lines."""
    has_scan = _scalar(
        con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary", [rt]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _scan (line BIGINT, types VARCHAR, msg VARCHAR, raw VARCHAR)"
    )
    if has_scan:
        con.execute(
            f"INSERT INTO _scan SELECT line, "
            f"string_agg(DISTINCT error_type, ', ') AS types, "
            f"string_agg(error_message, '; ') AS msg, first(csv_line) AS raw "
            f"FROM {ident(rt)} GROUP BY line"
        )
    return bool(has_scan), _scalar(con, "SELECT count(*) FROM _scan")


def _shift(con: duckdb.DuckDBPyConnection, table: str, pos: str) -> str:
    """Return SQL moving a kept line's position ``pos`` past the lines of ``table`` before it."""
    # c = kept lines before the j-th gap; a kept line at position p follows every gap with c < p.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _shift AS SELECT line - row_number() OVER "
        f"(ORDER BY line) AS c, row_number() OVER (ORDER BY line) AS j FROM {table}"
    )
    return f"{pos} + coalesce((SELECT max(x.j) FROM _shift x WHERE x.c < {pos}), 0)"


def _mark_duplicates(
    con: duckdb.DuckDBPyConnection, target: _Target, origin: str, batch: int, *, had_origin: bool
) -> None:
    """Hold back the batch's rows whose key (in their origin) is stored already or repeated."""
    t, mine = target.table, f"batch_id = {batch}"
    scope = f"origin = {sql_string(origin)} AND " if target.by_origin else ""
    key = ", ".join(target.key)
    # Events have a one-column key; a row value compares a composite one (NULLs never match,
    # and key columns are required).
    row = target.key[0] if len(target.key) == 1 else f"({key})"
    field = sql_string(target.key[0])
    dup = f"{{'reason': {sql_string(DUPLICATE)}, 'field': {field}, 'detail': ''}}"
    if had_origin:
        # Keys already stored (by an earlier batch) are duplicates.
        con.execute(
            f"UPDATE {t} SET _reject = {dup} WHERE {mine} AND _reject IS NULL AND "
            f"{row} IN (SELECT {key} FROM {t} WHERE {scope}"
            f"batch_id <> {batch} AND _reject IS NULL)"
        )
    # Within-file repeats of a key: the first occurrence stays, the others are duplicates.
    counts = fetch_one(
        con,
        f"SELECT count(*), count(DISTINCT {row}) FROM {t} WHERE {mine} AND _reject IS NULL",
    )
    assert counts is not None
    if int(counts[0]) != int(counts[1]):
        con.execute(
            f"UPDATE {t} SET _reject = {dup} WHERE {mine} AND _reject IS NULL AND "
            f"rowid NOT IN (SELECT min(rowid) FROM {t} WHERE {mine} "
            f"AND _reject IS NULL GROUP BY {key})"
        )


def _mark_stored_elsewhere(
    con: duckdb.DuckDBPyConnection, target: _Target, origin: str, batch: int, keys: StoredKeys
) -> None:
    """Hold back the batch's rows whose key is stored outside this database (``keys``).

    The batch's keys are the small side: the stored keys are streamed past them (a lake's
    parts are scanned, not loaded), so memory follows the batch, not the lake.
    """
    t, mine = target.table, f"batch_id = {batch}"
    if callable(keys):
        first = sql_ident(target.key[0])
        bounds = fetch_one(
            con, f"SELECT min({first}), max({first}) FROM {t} WHERE {mine} AND _reject IS NULL"
        )
        if bounds is None or bounds[0] is None or bounds[1] is None:
            return  # no row left to hold back
        found = keys(str(bounds[0]), str(bounds[1]), origin)
        if found is None:
            return
        keys_sql = found
    else:
        keys_sql = keys
    key = ", ".join(target.key)
    row = target.key[0] if len(target.key) == 1 else f"({key})"
    scope = f"k.origin = {sql_string(origin)} AND " if target.by_origin else ""
    krow = (
        f"k.{target.key[0]}"
        if len(target.key) == 1
        else "(" + ", ".join(f"k.{c}" for c in target.key) + ")"
    )
    dup = (
        f"{{'reason': {sql_string(DUPLICATE)}, 'field': {sql_string(target.key[0])}, 'detail': ''}}"
    )
    con.execute(
        f"UPDATE {t} SET _reject = {dup} WHERE {mine} AND _reject IS NULL AND {row} IN ("
        f"SELECT {krow} FROM ({keys_sql}) k WHERE {scope}{krow} IN "
        f"(SELECT {key} FROM {t} WHERE {mine} AND _reject IS NULL))"
    )


def _add_daily_volume(con: duckdb.DuckDBPyConnection, batch: int) -> None:
    """Add the batch's stored rows to ``daily_volume``, per origin and day.

    Only stored rows count: a duplicate repeats an event already counted (so re-reading a
    file adds nothing) and a rejected row has no day to trust.
    """
    con.execute(
        'INSERT INTO daily_volume (origin, day, "rows") SELECT origin, event_date, count(*) '
        f"FROM event_rows WHERE batch_id = {batch} AND _reject IS NULL "
        "AND event_date IS NOT NULL GROUP BY origin, event_date "
        'ON CONFLICT (origin, day) DO UPDATE SET "rows" = daily_volume."rows" + excluded."rows"'
    )


def _tally(con: duckdb.DuckDBPyConnection, table: str, batch: int) -> tuple[int, int, int, int]:
    """Count the batch's stored, duplicate, blank and otherwise rejected rows."""
    tally = fetch_one(
        con,
        f"SELECT count(*) FILTER (WHERE _reject IS NULL), "
        f"count(*) FILTER (WHERE _reject.reason = {sql_string(DUPLICATE)}), "
        f"count(*) FILTER (WHERE _reject.reason = {sql_string(BLANK)}), "
        f"count(*) FILTER (WHERE _reject.reason NOT IN "
        f"({sql_string(DUPLICATE)}, {sql_string(BLANK)})) FROM {table} "
        f"WHERE batch_id = {batch}",
    )
    assert tally is not None
    stored, duplicates, blank, rejects = (int(x) for x in tally)
    return stored, duplicates, blank, rejects


def _locate_blank_lines(con: duckdb.DuckDBPyConnection, line_scan: str, header_lines: int) -> None:
    """Add the blank lines to ``_gap``, found by a second, cheap scan of the lines alone.

    Rows after a blank line sit one line further down; only files with both blank lines and
    rejected rows need this.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _lines AS SELECT _blank FROM ({line_scan})")
    for t in ("_scan2_rejects", "_scan2_info"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    # The second scan's lines are those the scanner kept (emptied long lines included).
    # Rowids of a table made inside a transaction start far from 0.
    r0 = _scalar(con, "SELECT min(rowid) FROM _lines") - 1 - header_lines
    at = _shift(con, "_scan", f"(l.rowid - {r0})")
    con.execute(
        f"INSERT INTO _gap SELECT {at} FROM _lines l WHERE l._blank EXCEPT SELECT line FROM _gap"
    )
    con.execute("DROP TABLE _lines")


def _record_rejects(
    con: duckdb.DuckDBPyConnection, table: str, display: str, fp: str, batch: int, base: int
) -> None:
    """Write the batch's rejected rows and the scanner's rejected lines to ``rejected``."""
    line_expr = _shift(con, "_gap", "p.pos")
    reasons = " ".join(
        f"WHEN types LIKE {sql_string('%' + k + '%')} THEN {sql_string(v)}"
        for k, v in _SCAN_REASONS.items()
    )
    con.execute(
        f"""INSERT INTO rejected
        SELECT {batch}, {sql_string(display)}, {sql_string(fp)}, line, field, reason, detail,
               raw FROM (
            SELECT {line_expr} AS line, field, reason, detail, raw FROM (
                SELECT rowid - {base} AS pos, _reject.field AS field,
                       _reject.reason AS reason, _reject.detail AS detail, _raw AS raw
                FROM {table} WHERE batch_id = {batch} AND _reject.reason NOT IN
                    ({sql_string(DUPLICATE)}, {sql_string(BLANK)})) p
            UNION ALL SELECT line, NULL, CASE {reasons} ELSE 'malformed' END,
                types || ': ' || msg, raw FROM _scan
        ) n"""
    )


def _blank_records(con: duckdb.DuckDBPyConnection, records: RecordLines, header_lines: int) -> int:
    """Add a record-based file's blank records to the lines that made no row; count them."""
    # DuckDB takes the first record as the header even when it is blank: not a blank row.
    blank = [b for b in records.blank if b > header_lines]
    if blank:
        con.execute(
            "INSERT INTO _gap SELECT unnest(?::BIGINT[]) EXCEPT SELECT line FROM _gap", [blank]
        )
    return len(blank)


def _to_physical_lines(con: duckdb.DuckDBPyConnection, records: RecordLines, batch: int) -> None:
    """Turn the record numbers of a batch's rejects into the lines the records start on."""
    import pyarrow as pa

    moved = [(k + 1, line) for k, line in enumerate(records.starts) if line != k + 1]
    if not moved:
        return
    table = pa.table(
        {
            "rec": pa.array([r for r, _ in moved], pa.int64()),
            "line": pa.array([x for _, x in moved], pa.int64()),
        }
    )
    con.register("_record_lines", table)
    try:
        con.execute(
            "UPDATE rejected SET line = m.line FROM _record_lines m "
            "WHERE rejected.batch_id = ? AND rejected.line = m.rec",
            [batch],
        )
    finally:
        con.unregister("_record_lines")

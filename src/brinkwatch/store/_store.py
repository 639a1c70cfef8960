"""The event store: a DuckDB file (default) or a Spark session, with Ibis tables on top."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from brinkwatch.errors import StoreError
from brinkwatch.store._lock import DEFAULT_WAIT, Holder, Lease, open_duckdb
from brinkwatch.store._schema import DERIVED_COLUMNS, EVENT_COLUMNS, SCHEMA_VERSION, ddl

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

    from brinkwatch._types import Progress
    from brinkwatch.store._lake import Lake, LakeSession
    from brinkwatch.store._writer import BatchCounts, BatchSource

__all__ = [
    "CompactReport",
    "Store",
    "StoreStats",
    "connect",
    "fetch_one",
    "spark_session",
    "sql_ident",
    "sql_string",
]

Backend = Literal["duckdb", "spark"]


def sql_string(value: str) -> str:
    """Quote a Python string as a SQL string literal.

    Examples
    --------
    >>> sql_string("it's")
    "'it''s'"
    """
    return "'" + value.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """Quote a name as a DuckDB identifier.

    Examples
    --------
    >>> print(sql_ident('a"b'))
    "a""b"
    """
    return '"' + name.replace('"', '""') + '"'


def fetch_one(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """Run ``sql`` and return its first row, consuming the whole result.

    DuckDB refuses new work on a connection whose last result was not read to the end, so a
    bare ``fetchone()`` would leave the connection blocked.
    """
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


@dataclass(frozen=True)
class StoreStats:
    """Totals of a store, as ``brinkwatch stats`` prints them."""

    events: int
    by_origin: list[dict[str, Any]]
    rejected_by_reason: list[dict[str, Any]]
    files: int
    read: int
    stored: int
    rejected: int
    duplicates: int
    #: GDELT 2.0 mentions stored (``read`` and the counts beside it include their files' rows).
    mentions: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "events": self.events,
            "mentions": self.mentions,
            "files": self.files,
            "read": self.read,
            "stored": self.stored,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "by_origin": self.by_origin,
            "rejected_by_reason": self.rejected_by_reason,
        }


@dataclass(frozen=True)
class CompactReport:
    """What ``Store.compact`` (``brinkwatch store compact``) removed and freed."""

    rows_removed: int
    bytes_before: int | None
    bytes_after: int | None
    rewritten: bool

    @property
    def bytes_freed(self) -> int | None:
        """Bytes the file shrank by (``None`` for an in-memory store)."""
        if self.bytes_before is None or self.bytes_after is None:
            return None
        return self.bytes_before - self.bytes_after

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "rows_removed": self.rows_removed,
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "bytes_freed": self.bytes_freed,
            "rewritten": self.rewritten,
        }


class Store:
    """An open event store.

    Use :func:`connect` to make one. ``con`` is the raw DuckDB connection that the ingest
    stage writes through; :attr:`events` is an Ibis table that analysis code reads.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | None,
        path: Path | None,
        *,
        backend: Backend = "duckdb",
        ibis_backend: BaseBackend | None = None,
        read_only: bool = False,
    ) -> None:
        self._con = con
        self.path = path
        self.backend = backend
        self.read_only = read_only
        self._ibis = ibis_backend
        self._cleanup: list[Path] = []
        self._events_view = "events"
        # The cross-process gate or reader record (brinkwatch.store._lock), dropped on close.
        self._lease: Lease | None = None
        #: The lake the store reads (``connect(lake=...)``), else ``None``.
        self.lake: Lake | None = None
        self._lake: LakeSession | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection (DuckDB stores only)."""
        if self._con is None:
            raise StoreError(
                "this store runs on Spark and has no DuckDB connection; ingest into a DuckDB "
                "store and open it with backend='spark' to query it there"
            )
        return self._con

    @property
    def ibis(self) -> BaseBackend:
        """The Ibis backend that runs analysis expressions."""
        if self._ibis is None:
            from brinkwatch.store._ibis_backend import ibis_backend

            self._ibis = ibis_backend(self.con)
        return self._ibis

    @property
    def events(self) -> ir.Table:
        """The canonical events as an Ibis table."""
        return self.ibis.table(self._events_view)

    def table(self, name: str) -> ir.Table:
        """Return another store table (``rejected``, ``ingest_log``) as an Ibis table."""
        return self.ibis.table(name)

    def stats(self) -> StoreStats:
        """Count events by origin, files and rows read, and rejects by reason."""
        con = self.con
        by_origin = [
            {
                "origin": o,
                "events": n,
                "first": str(a) if a else None,
                "last": str(b) if b else None,
            }
            for o, n, a, b in con.execute(
                "SELECT origin, count(*), min(event_date), max(event_date) FROM events "
                "GROUP BY origin ORDER BY origin"
            ).fetchall()
        ]
        rejected = [
            {"reason": r, "rows": n}
            for r, n in con.execute(
                "SELECT reason, count(*) FROM rejected GROUP BY reason ORDER BY 2 DESC, 1"
            ).fetchall()
        ]
        row = fetch_one(
            con,
            "SELECT count(*), coalesce(sum(read),0), coalesce(sum(stored),0), "
            "coalesce(sum(rejected),0), coalesce(sum(duplicates),0) FROM ingest_log",
        )
        assert row is not None
        total = fetch_one(con, "SELECT count(*) FROM events")
        assert total is not None
        # A store made before schema 4 and opened read-only has no mentions table.
        has = fetch_one(
            con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'mentions'"
        )
        mentions = fetch_one(con, "SELECT count(*) FROM mentions") if has and has[0] else None
        return StoreStats(
            events=int(total[0]),
            by_origin=by_origin,
            rejected_by_reason=rejected,
            files=int(row[0]),
            read=int(row[1]),
            stored=int(row[2]),
            rejected=int(row[3]),
            duplicates=int(row[4]),
            mentions=int(mentions[0]) if mentions else 0,
        )

    def load_batch(
        self,
        source: BatchSource,
        *,
        fingerprint: str | Callable[[], str],
        progress: Progress | None = None,
        memory_cap: str | None = None,
    ) -> BatchCounts:
        """Load one input file's rows as a batch, in one transaction, every row accounted for.

        The rows of ``source.sql`` are appended to ``event_rows`` (``mention_rows`` for GDELT
        2.0 mentions, ``source.table == "mentions"``) under a new batch id; rows with a
        problem, blank lines and ids already stored for the origin (mentions: the same event,
        article and sentence; or repeated within the file) are held back with their reason,
        the rejects go to ``rejected`` with their physical line numbers, and ``ingest_log``
        gets the batch's counts. When the same bytes were loaded the same way before (same
        fingerprint and signature), nothing is read: every row counts again as what it was
        then.

        Parameters
        ----------
        source
            The file as the ingest stage describes it.
        fingerprint
            The content hash of the file, or a callable that returns it once the rows are in
            (a hash still running in a side thread); a repeat is recognised only from a string.
        progress
            Called as ``progress(file, fraction)`` while the rows are read.
        memory_cap
            The memory limit in force (from :meth:`cap_memory`): files over 64 MB then have
            the written table blocks trimmed from DuckDB's cache as they grow, and a batch that
            runs out of memory while trimming is loaded again without it. ``None``: no trimming.

        Returns
        -------
        BatchCounts
            The batch id and ``read == stored + rejected + duplicates + blank``.

        Raises
        ------
        IntegrityError
            If the counts do not add up, or DuckDB did not append the rows in order; the batch
            is rolled back.
        duckdb.Error
            If DuckDB cannot read the relation; the batch is rolled back.
        """
        from brinkwatch.store._writer import load_batch

        if self._lake is not None:
            # A lake store loads the batch with the same writer, then publishes its parts.
            return self._lake.load_batch(
                source, fingerprint=fingerprint, progress=progress, memory_cap=memory_cap
            )
        return load_batch(
            self.con, source, fingerprint=fingerprint, progress=progress, memory_cap=memory_cap
        )

    def seen_file_size(self, size: int, signature: str) -> bool:
        """Whether a file of ``size`` bytes was loaded with ``signature`` before.

        Only then can a file be a repeat, so only then is it worth hashing before it is read.
        """
        from brinkwatch.store._writer import seen_file_size

        return seen_file_size(self.con, size, signature)

    def cap_memory(self, limit: str) -> str:
        """Lower DuckDB's memory limit to ``limit`` (``"1GB"``); a smaller limit stays.

        Returns
        -------
        str
            The limit in force, in a form that sets it again exactly; pass it to
            :meth:`load_batch` as ``memory_cap``.

        Examples
        --------
        >>> connect(":memory:", memory_limit="4GB").cap_memory("1GB")
        '1GB'
        >>> connect(":memory:", memory_limit="500MB").cap_memory("1GB")  # as DuckDB rounds it
        '499961036B'
        """
        from brinkwatch.store._writer import cap_memory

        return cap_memory(self.con, limit)

    def to_parquet(self, directory: str | Path) -> list[Path]:
        """Export ``events``, ``rejected`` and ``ingest_log`` as Parquet files in ``directory``.

        Returns
        -------
        list of Path
            The files written.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ("events", "rejected", "ingest_log"):
            target = out / f"{name}.parquet"
            self.con.execute(
                f"COPY {name} TO {sql_string(str(target))} (FORMAT parquet, COMPRESSION zstd)"
            )
            written.append(target)
        return written

    def read_parquet(self, directory: str | Path) -> dict[str, int]:
        """Import a Parquet export made by :meth:`to_parquet`; rows already present are skipped.

        Events are matched on (origin, event_id) and log entries on (fingerprint, file,
        start time); rejects come with the log entries they belong to (each batch keeps its
        own), so importing the same export twice adds nothing.

        Returns
        -------
        dict
            Rows added per table.
        """
        src = Path(directory)
        paths = {n: src / f"{n}.parquet" for n in ("events", "rejected", "ingest_log")}
        for p in paths.values():
            if not p.exists():
                raise StoreError(
                    f"{p} is missing: a brinkwatch Parquet export has events.parquet, "
                    "rejected.parquet and ingest_log.parquet",
                    path=p,
                )
        con = self.con
        added: dict[str, int] = {}
        cols = ", ".join(c.name for c in EVENT_COLUMNS)
        # story_key is recomputed after the insert: an export made before schema 5 has none.
        con.execute("BEGIN TRANSACTION")
        try:
            # Batches are renumbered so that imported ones never collide with local ones.
            con.execute(
                f"""CREATE TEMP TABLE _imp_log AS SELECT l.*, nextval('batch_seq') AS new_id
                FROM read_parquet({sql_string(str(paths["ingest_log"]))}) l
                WHERE NOT EXISTS (SELECT 1 FROM ingest_log x WHERE x.fingerprint = l.fingerprint
                                  AND x.file = l.file AND x.started = l.started)"""
            )
            ev = fetch_one(
                con,
                f"""INSERT INTO event_rows ({cols})
                SELECT {
                    ", ".join(
                        "coalesce(m.new_id, e.batch_id)"
                        if c.name == "batch_id"
                        else "NULL"
                        if c.name in DERIVED_COLUMNS
                        else "e." + c.name
                        for c in EVENT_COLUMNS
                    )
                }
                FROM read_parquet({sql_string(str(paths["events"]))}) e
                LEFT JOIN _imp_log m ON m.batch_id = e.batch_id
                WHERE NOT EXISTS (SELECT 1 FROM events x
                                  WHERE x.origin = e.origin AND x.event_id = e.event_id)""",
            )
            rj = fetch_one(
                con,
                f"""INSERT INTO rejected SELECT m.new_id, r.file,
                r.fingerprint, r.line, r.field, r.reason, r.detail, r.raw
                FROM read_parquet({sql_string(str(paths["rejected"]))}) r
                JOIN _imp_log m ON m.batch_id = r.batch_id""",
            )
            lg = fetch_one(
                con,
                "INSERT INTO ingest_log SELECT new_id, file, fingerprint, signature, format, "
                "origin, bytes, read, stored, rejected, duplicates, blank, started, finished, "
                "version "
                "FROM _imp_log",
            )
            con.execute("DROP TABLE _imp_log")
            if ev and int(ev[0]):
                rebuild_daily_volume(con)
                rebuild_story_keys(con, missing_only=True)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        added["events"] = int(ev[0]) if ev else 0
        added["rejected"] = int(rj[0]) if rj else 0
        added["ingest_log"] = int(lg[0]) if lg else 0
        return added

    def compact(self) -> CompactReport:
        """Drop the rows an ingest held back (rejected, duplicate, blank) and shrink the file.

        The ``rejected`` table and ``ingest_log`` keep the record of those rows; ``events``
        never showed them. DuckDB does not give the blocks of deleted rows back to the file
        system (neither ``CHECKPOINT`` nor ``VACUUM`` shrinks the file; new rows reuse them), so
        when rows were removed or the file has free blocks, its database is copied into a new
        file beside it
        (``COPY FROM DATABASE``), which then replaces it; the store stays open on the new file.
        This needs free disk space for the copy.

        Returns
        -------
        CompactReport
            Rows removed, and the file's size before and after (each after a checkpoint).

        Raises
        ------
        StoreError
            If the store is read-only, or the copy cannot be written (the rows stay deleted).

        Examples
        --------
        >>> connect(":memory:").compact().rows_removed
        0
        """
        if self.read_only:
            raise StoreError(
                "the store is open read-only; compact needs it open for writing", path=self.path
            )
        con = self.con
        con.execute("CHECKPOINT")
        before = self._file_bytes()
        n = 0
        for table in ("event_rows", "mention_rows"):
            row = fetch_one(con, f"SELECT count(*) FROM {table} WHERE _reject IS NOT NULL")
            held = int(row[0]) if row else 0
            if held:
                con.execute(f"DELETE FROM {table} WHERE _reject IS NOT NULL")
            n += held
        if n:
            con.execute("CHECKPOINT")
        rewritten = False
        if self.path is not None:
            # Deleted rows keep their row groups' blocks, and free blocks stay in the file:
            # either way only a copy gives the bytes back.
            free = fetch_one(con, "SELECT free_blocks FROM pragma_database_size()")
            if n or (free and int(free[0]) > 0):
                self._rewrite()
                rewritten = True
        return CompactReport(n, before, self._file_bytes(), rewritten)

    def _file_bytes(self) -> int | None:
        return None if self.path is None else self.path.stat().st_size

    def _rewrite(self) -> None:
        """Copy the database into a fresh file and put it in place of this one."""
        assert self.path is not None
        con = self.con
        tmp = self.path.with_name(self.path.name + ".compact")
        for p in (tmp, tmp.with_name(tmp.name + ".wal")):
            p.unlink(missing_ok=True)
        settings: dict[str, str | bool | int | float | list[str]] = {
            str(k): str(v)
            for k, v in con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', "
                "'memory_limit')"
            ).fetchall()
        }
        name = fetch_one(con, "SELECT current_database()")
        assert name is not None
        try:
            con.execute(f"ATTACH {sql_string(str(tmp))} AS _compact")
            con.execute(f'COPY FROM DATABASE "{name[0]}" TO _compact')
            con.execute("CHECKPOINT _compact")
            con.execute("DETACH _compact")
        except duckdb.Error as exc:
            with suppress(duckdb.Error):
                con.execute("DETACH DATABASE IF EXISTS _compact")
            tmp.unlink(missing_ok=True)
            raise StoreError(
                f"cannot write the compacted copy {tmp} ({exc}); the held-back rows are "
                "deleted but the file did not shrink. Free disk space and run compact again",
                path=self.path,
            ) from exc
        # Swap while this process still holds the old file's lock, so that no other process
        # opens the old file in between; then reopen on the new one.
        tmp.replace(self.path)
        con.close()
        self._con = duckdb.connect(str(self.path), config=settings)
        self._ibis = None

    def close(self) -> None:
        """Close the connection, let other processes in and remove snapshots (Spark)."""
        try:
            if self._con is not None:
                self._con.close()
                self._con = None
        finally:
            if self._lease is not None:
                self._lease.release()
                self._lease = None
            if self._lake is not None:
                self._lake.close()
                self._lake = None
        for d in self._cleanup:
            shutil.rmtree(d, ignore_errors=True)
        self._cleanup.clear()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _migrate(con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
    row = fetch_one(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")
    if row and row[0]:
        found = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
        if found and int(found[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"the store has schema version {found[0]}, newer than this brinkwatch "
                f"({SCHEMA_VERSION}); upgrade brinkwatch",
                path=path,
            )
    had_volume = fetch_one(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'daily_volume'"
    )
    had_rows = fetch_one(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'event_rows'"
    )
    had_key = fetch_one(
        con,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'event_rows' "
        "AND column_name = 'story_key'",
    )
    if had_rows and had_rows[0] and not (had_key and had_key[0]):
        # A store made before schema version 5: the view is replaced below with the column.
        con.execute("ALTER TABLE event_rows ADD COLUMN story_key VARCHAR")
    if had_rows and had_rows[0]:
        # Before schema version 6: the flags and the story hash (filled below).
        for c in EVENT_COLUMNS:
            if c.name in DERIVED_COLUMNS and c.name != "story_key":
                con.execute(
                    f"ALTER TABLE event_rows ADD COLUMN IF NOT EXISTS {c.name} {c.sql_type}"
                )
    for stmt in ddl():
        con.execute(stmt)
    if not (had_volume and had_volume[0]):
        # A store made before schema version 3: its stored rows give the daily volume.
        rebuild_daily_volume(con)
    if had_rows and had_rows[0] and not (had_key and had_key[0]):
        rebuild_story_keys(con)
    _check_derived(con)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET "
        "value = excluded.value",
        [str(SCHEMA_VERSION)],
    )


def _check_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the stored flags and story hashes unless the store's stamp is today's.

    A store before schema 6 has none; a store last written with another DuckDB (whose
    ``hash`` may differ) or other state types has values that rows loaded now would not
    match, so every row is recomputed once and the new stamp recorded.
    """
    from brinkwatch.store._queries import HASH_PROBE_SQL, derived_stamp

    probe = fetch_one(con, HASH_PROBE_SQL)
    assert probe is not None
    stamp = derived_stamp(int(probe[0]))
    found = fetch_one(con, "SELECT value FROM meta WHERE key = 'derived_stamp'")
    if found is None or found[0] != stamp:
        rebuild_derived(con)
        con.execute(
            "INSERT INTO meta VALUES ('derived_stamp', ?) ON CONFLICT (key) DO UPDATE SET "
            "value = excluded.value",
            [stamp],
        )


def rebuild_derived(con: duckdb.DuckDBPyConnection, *, missing_only: bool = False) -> int:
    """Compute the state flags and story hash of the stored rows (all, or those without).

    The same SQL as the INSERT of :meth:`Store.load_batch` (:func:`derived_sql`), from the
    stored actors and ``story_key``.

    Returns
    -------
    int
        Rows updated.
    """
    from brinkwatch.store._queries import derived_sql

    sets = ", ".join(f"{c} = {v}" for c, v in derived_sql().items())
    cond = "_reject IS NULL" + (" AND story_hash IS NULL" if missing_only else "")
    row = fetch_one(con, f"UPDATE event_rows SET {sets} WHERE {cond}")
    return int(row[0]) if row else 0


def rebuild_daily_volume(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute ``daily_volume`` from the stored rows (see :data:`DAILY_VOLUME_DDL`)."""
    con.execute("DELETE FROM daily_volume")
    con.execute(
        'INSERT INTO daily_volume (origin, day, "rows") SELECT origin, event_date, count(*) '
        "FROM event_rows WHERE _reject IS NULL AND event_date IS NOT NULL "
        "GROUP BY origin, event_date"
    )


def rebuild_story_keys(con: duckdb.DuckDBPyConnection, *, missing_only: bool = False) -> int:
    """Compute ``event_rows.story_key`` of the stored rows (all, or those without one).

    The rows' state flags and story hash follow (:func:`rebuild_derived`), as a load fills them.

    The same SQL as the INSERT of :meth:`Store.load_batch` (:func:`story_key_sql`), for rows
    that did not come through it: a store made before schema version 5, a Parquet import,
    rows written by SQL (the benchmark's generator).

    Returns
    -------
    int
        Rows updated.
    """
    from brinkwatch.store._queries import story_key_sql

    cond = "_reject IS NULL" + (" AND story_key IS NULL" if missing_only else "")
    rel = (
        "SELECT rowid AS _sk_rid, origin, source_url, story_id, event_id FROM event_rows "
        f"WHERE {cond}"
    )
    row = fetch_one(
        con,
        f"UPDATE event_rows SET story_key = k._sk_key FROM ({story_key_sql(rel, '_sk_key')}) k "
        "WHERE event_rows.rowid = k._sk_rid",
    )
    rebuild_derived(con, missing_only=missing_only)
    return int(row[0]) if row else 0


def connect(
    path: str | Path | None = None,
    *,
    backend: Backend = "duckdb",
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
    spark_session: Any = None,
    wait: float = DEFAULT_WAIT,
    notice: Callable[[Holder, float], None] | None = None,
    lake: str | Path | None = None,
    master: str | None = None,
) -> Store:
    """Open (creating if needed) an event store.

    Parameters
    ----------
    path
        DuckDB file; ``":memory:"`` for a throwaway store; ``None`` for the default location
        (``$BRINKWATCH_DB`` or the platform data directory).
    backend
        ``"duckdb"`` (default) or ``"spark"``: the tables of the DuckDB file at ``path``
        that the measures read (events, mentions, daily volume, rejects, ingest log) are
        exported to Parquet and registered in a Spark session of the store's own, and
        :attr:`Store.events` and :meth:`Store.table` are Ibis tables on Spark running the
        same expressions.
    read_only
        Open the DuckDB file read-only (several readers may share it).
    threads, memory_limit
        DuckDB resource limits.
    spark_session
        An existing ``pyspark.sql.SparkSession`` to use (``backend="spark"`` only); a local one
        is started when omitted.
    wait
        Seconds to wait at most while another process holds the file: a writer waits for
        readers to finish and for another writer; a reader waits for a writer (see
        ``docs/schema.md``, "Readers and writers"). ``0`` tries once.
    notice
        Called as ``notice(holder, wait)`` when waiting starts and when the holder changes,
        so that a caller can say whom it waits for.
    lake
        A Parquet lake (a local folder, or an ``s3://`` URL through s3fs; ``gs://`` and
        ``abfs://`` through fsspec, untested) instead of a DuckDB file: ``path`` is ignored,
        the tables are views over the parts of the lake's newest manifest, and ingest
        publishes each file as a new manifest version (``docs/schema.md``, "The lake").
        Opened for writing, the lake is created when missing and its writer's lock is held
        until :meth:`Store.close`. With ``backend="spark"`` every table of the lake is read
        by Spark from the same parts.
    master
        The Spark master of the session started for ``backend="spark"`` when no
        ``spark_session`` is given: ``spark://HOST:7077`` for a standalone cluster (whose
        executors must reach the lake's path; a DuckDB file's events are snapshot to a local
        temporary folder, which only executors on this machine can read), ``local[N]``;
        default ``local[2]``.

    Returns
    -------
    Store
        The open store.

    Raises
    ------
    StoreLockedError
        If another process still held the file after ``wait`` seconds; the message names it
        (pid, command, since when, reading or writing).
    StoreError
        If the file cannot be opened for another reason (not a DuckDB file, no permission).

    Examples
    --------
    >>> store = connect(":memory:")
    >>> store.events.count().execute()
    0
    """
    if backend not in ("duckdb", "spark"):
        raise StoreError(f"backend must be 'duckdb' or 'spark', got {backend!r}")
    if lake is not None:
        from brinkwatch.store._lake import open_lake_store

        return open_lake_store(
            lake,
            read_only=read_only or backend == "spark",
            threads=threads,
            memory_limit=memory_limit,
            wait=wait,
            backend=backend,
            spark_session=spark_session,
            master=master,
        )
    if path is None:
        from brinkwatch.config import default_db_path

        path = default_db_path()
    memory = str(path) == ":memory:"
    p = None if memory else Path(path)
    if backend == "spark" and p is not None and p.exists():
        # Spark only reads a snapshot of the events; other connections may stay open.
        read_only = True
    if p is not None and not read_only:
        p.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    lease: Lease | None = None
    if p is None:
        try:
            con = duckdb.connect(":memory:", read_only=read_only, config=config)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open an in-memory store: {exc}") from exc
    else:
        con, lease = open_duckdb(p, read_only=read_only, config=config, wait=wait, notice=notice)
    try:
        if not read_only:
            # One transaction: a process killed while creating or upgrading a store leaves
            # the store as it was, never half a schema.
            con.execute("BEGIN TRANSACTION")
            try:
                _migrate(con, p)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        if backend == "duckdb":
            store = Store(con, p, read_only=read_only)
        else:
            store = _spark_store(con, p, spark_session, master)
    except BaseException:
        con.close()
        if lease is not None:
            lease.release()
        raise
    store._lease = lease
    return store


def spark_session(session: Any = None, *, master: str | None = None) -> Any:
    """Return ``session``, or a Spark session started for brinkwatch on ``master``.

    Parameters
    ----------
    session
        An existing ``pyspark.sql.SparkSession``, returned as it is.
    master
        Where a new session runs: ``spark://HOST:PORT`` (a standalone cluster), ``local[N]``;
        default ``local[2]``.

    Raises
    ------
    StoreError
        If PySpark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise StoreError(
            "backend='spark' needs PySpark: pip install 'brinkwatch[spark]' (and Java 17)"
        ) from exc
    if session is None:
        # Executors run brinkwatch code (Spark ingest): give them this Python and its path,
        # which finds brinkwatch even when it is a source checkout rather than installed.
        path = os.pathsep.join(p for p in sys.path if p)
        session = (
            SparkSession.builder.master(master or "local[2]")
            .appName("brinkwatch")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.pyspark.python", sys.executable)
            .config("spark.executorEnv.PYTHONPATH", path)
            .getOrCreate()
        )
    return session


#: The store tables a Spark store registers under their own names: the measures find
#: ``daily_volume`` and ``mentions`` beside ``events`` on the same backend.
SPARK_TABLES = ("events", "mentions", "daily_volume", "rejected", "ingest_log")


def spark_store_session(session: Any = None, *, master: str | None = None) -> Any:
    """Return a session of its own for one Spark store, on ``session``'s cluster.

    The store's tables are temporary views under their own names (``events``, ``mentions``
    ...); a new session on the same SparkContext keeps two stores apart (a DuckDB file's
    snapshot and a lake, say) without a second application on the cluster. A library that
    sets SQL conf (shuffle partitions, say) sets it there, not in the caller's session.

    Parameters
    ----------
    session, master
        As for :func:`spark_session`: the caller's session, or where to start one.

    Returns
    -------
    pyspark.sql.SparkSession
        A new session on the same SparkContext, with the caller's time zone and partition
        values read as text.
    """
    base = spark_session(session, master=master)
    try:
        own = base.newSession()
    except Exception:  # a Spark Connect session may not make one: share the given session
        own = base
    own.conf.set("spark.sql.session.timeZone", base.conf.get("spark.sql.session.timeZone"))
    # Partition values stay text (an origin label such as "2019" is not a number).
    own.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    return own


def empty_spark_frame(session: Any, con: duckdb.DuckDBPyConnection, relation: str) -> Any:
    """Return an empty Spark DataFrame with the columns and types of a DuckDB relation."""
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = con.sql(f"SELECT * FROM {relation} LIMIT 0").to_arrow_table().schema
    return session.createDataFrame([], from_arrow_schema(schema))


def _spark_store(
    con: duckdb.DuckDBPyConnection, p: Path | None, session: Any, master: str | None = None
) -> Store:
    import ibis

    session = spark_store_session(session, master=master)
    # Spark reads the tables through a Parquet snapshot of the DuckDB store; it reads lazily,
    # so the snapshot lives as long as the store and close() removes it.
    tmp = Path(tempfile.mkdtemp(prefix="brinkwatch-spark-"))
    held = {
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    for name in SPARK_TABLES:
        if name not in held:
            continue  # a store made before the table existed, opened read-only
        snap = tmp / f"{name}.parquet"
        con.execute(f"COPY {sql_ident(name)} TO {sql_string(str(snap))} (FORMAT parquet)")
        session.read.parquet(str(snap)).createOrReplaceTempView(name)
    store = Store(con, p, backend="spark", ibis_backend=ibis.pyspark.connect(session))
    store._cleanup.append(tmp)
    return store

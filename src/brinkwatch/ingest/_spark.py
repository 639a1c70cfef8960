"""Ingest on a Spark cluster into a lake, by the same rules and with the same counts as ``ingest``.

The rules are the DuckDB SQL of the readers and the store's writer; Spark's casts, date
parsing and regular expressions differ from DuckDB's, so the rules are not translated. Instead:

1. the driver prepares each file as :func:`brinkwatch.ingest.ingest` does (archives within the
   same budgets, format, fingerprint, long lines cut out, carriage returns folded) and skips a
   file that the lake's ingest log already has, counting its rows again as duplicates;
2. it cuts a line-based file (GDELT events, GDELT mentions, ICEWS) into byte ranges at line
   boundaries, counting the lines before each; other files are one range;
3. one Spark task per range loads it with the store's own writer into an embedded in-memory
   DuckDB (its header prepended) and writes its rows and rejects (lines shifted to the file's)
   to the lake's staging folder;
4. Spark marks what crosses ranges: a row whose key came earlier in the file, or is in the lake
   already, is a duplicate (the first occurrence stays); and it counts the daily volumes;
5. tasks write the rows left as parts, and the driver publishes them with the ingest log row
   through the lake's manifest: a reader sees the whole file or nothing of it.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import pickle
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from brinkwatch._types import Progress
from brinkwatch.errors import BrinkwatchError, FileFormatError, IntegrityError, StoreError
from brinkwatch.ingest._formats import Format
from brinkwatch.ingest._mapping import ColumnMapping, check_origin
from brinkwatch.ingest._pipeline import (
    FileReport,
    IngestReport,
    _Budget,
    _clean_lines,
    _Content,
    _ingest_member,
    _members,
    _prepare_codebook,
    _reader,
    _signature,
    _source,
    _vanished,
    expand_paths,
    fingerprint,
)
from brinkwatch.store import (
    MENTION_KEY,
    CutLine,
    Lake,
    LakePart,
    Store,
    connect,
    fetch_one,
    spark_store_session,
    sql_string,
)

__all__ = ["DEFAULT_SPLIT_BYTES", "ingest_on_spark"]

#: A line-based file is cut into ranges of about this many bytes, one Spark task each.
DEFAULT_SPLIT_BYTES = 64 * 2**20
_RT, _RS = "_scan_rejects", "_scan_info"
_READ_CHUNK = 2**20
_logger = logging.getLogger("brinkwatch.ingest.spark")


@dataclass(frozen=True)
class _Range:
    """One task's share of a file: bytes ``start..end`` of ``path`` (all of it when None)."""

    index: int
    path: str
    start: int | None
    end: int | None
    header: bytes
    #: Physical line (1-based, in the whole file) of the range's first line.
    first_line: int
    cut_lines: tuple[CutLine, ...]
    display: str
    fmt: str
    mapping: ColumnMapping | None
    fingerprint: str
    signature: str
    size: int
    batch: int
    staged: str


@dataclass(frozen=True)
class _RangeCounts:
    index: int
    read: int
    stored: int
    rejected: int
    duplicates: int
    blank: int


def _table_of(fmt: Format) -> str:
    return "mentions" if fmt is Format.GDELT2_MENTIONS else "events"


def _key(table: str) -> tuple[str, ...]:
    return MENTION_KEY if table == "mentions" else ("event_id",)


def _rows_file(staged: str, index: int) -> str:
    return f"{staged}/_ranges/rows-{index:06d}.parquet"


# -- the tasks (run on the executors) ------------------------------------------------------


def _load_range(spec: _Range) -> _RangeCounts:
    """Load one range with the store's writer in a scratch DuckDB; stage its rows and rejects."""
    fmt = Format(spec.fmt)
    table = _table_of(fmt)
    tmp = Path(tempfile.mkdtemp(prefix="brinkwatch-range-"))
    try:
        path = Path(spec.path)
        if spec.start is not None and spec.end is not None:
            path = tmp / "range.txt"
            with Path(spec.path).open("rb") as src, path.open("wb") as out:
                out.write(spec.header)
                src.seek(spec.start)
                left = spec.end - spec.start
                while left > 0 and (chunk := src.read(min(left, _READ_CHUNK))):
                    out.write(chunk)
                    left -= len(chunk)
        lines_before = spec.header.count(b"\n")
        # Local line L of the task's file is line L + shift of the whole file.
        shift = spec.first_line - lines_before - 1
        cut = tuple(CutLine(c.line - shift, c.reason, c.detail, c.raw) for c in spec.cut_lines)
        with connect(":memory:") as store:
            con = store.con
            con.execute(f"CREATE OR REPLACE SEQUENCE batch_seq START {spec.batch}")
            _prepare_codebook(con)
            reader = _reader(con, path, spec.display, fmt, spec.mapping, _RT, _RS)
            source = _source(reader, spec.display, fmt, spec.signature, spec.size, _RT, _RS, cut)
            counts = store.load_batch(source, fingerprint=spec.fingerprint)
            if counts.batch_id != spec.batch:
                raise IntegrityError(
                    f"the range was loaded as batch {counts.batch_id}, not {spec.batch}",
                    path=spec.display,
                )
            _stage_range(store, spec, table, reader.origin, shift)
        return _RangeCounts(
            spec.index,
            counts.read,
            counts.stored,
            counts.rejected,
            counts.duplicates,
            counts.blank,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _stage_range(store: Store, spec: _Range, table: str, origin: str, shift: int) -> None:
    """Write the range's stored rows (with their place in the file) and its rejects."""
    lake, con = Lake(Path(spec.staged).parent.parent), store.con
    physical = "mention_rows" if table == "mentions" else "event_rows"
    rows = lake.part_select(
        table,
        f"(SELECT *, rowid AS _pos FROM {physical} WHERE _reject IS NULL)",
        extra=(f"{spec.index}::BIGINT AS _range", "_pos::BIGINT AS _pos"),
    )
    Path(spec.staged, "_ranges").mkdir(parents=True, exist_ok=True)
    rows_file = sql_string(_rows_file(spec.staged, spec.index))
    con.execute(f"COPY ({rows}) TO {rows_file} (FORMAT parquet)")
    # The parts as if no row crossed ranges; a range with such duplicates is written again.
    _write_range(spec, table, None, con)
    rejected = lake.part_select(
        "rejected",
        f"(SELECT * REPLACE (line + {shift} AS line), {sql_string(origin)} AS origin "
        "FROM rejected)",
    )
    n = fetch_one(con, "SELECT count(*) FROM rejected")
    if n and int(n[0]):
        lake.stage_parts(con, spec.staged, "rejected", rejected, f"{spec.batch:06d}-r{spec.index}")


def _write_range(
    spec: _Range, table: str, dups: str | None, con: duckdb.DuckDBPyConnection | None = None
) -> int:
    """Write the range's rows that are not duplicates as parts, replacing any; return how many."""
    lake = Lake(Path(spec.staged).parent.parent)
    name = f"{spec.batch:06d}-r{spec.index}"
    for old in Path(spec.staged, table).rglob(f"part-{name}-*.parquet"):
        old.unlink()
    rows = f"read_parquet({sql_string(_rows_file(spec.staged, spec.index))})"
    where = ""
    if dups is not None:
        where = (
            f"WHERE _pos NOT IN (SELECT _pos FROM read_parquet({sql_string(dups + '/*.parquet')}) "
            f"WHERE _range = {spec.index})"
        )
    own = con is None
    con = duckdb.connect(":memory:") if con is None else con
    try:
        sql = f"SELECT * EXCLUDE (_range, _pos) FROM {rows} {where}"
        n = fetch_one(con, f"SELECT count(*) FROM ({sql})")
        if n and int(n[0]):
            lake.stage_parts(con, spec.staged, table, sql, name)
        return int(n[0]) if n else 0
    finally:
        if own:
            con.close()


def _remote(name: str, paths: list[str], package: str) -> Callable[[bytes], Any]:
    """Return a task calling ``name`` of this module on an executor, with the driver's path.

    A nested function travels by value and its argument as pickled bytes, so an executor
    imports brinkwatch from the driver's ``sys.path`` (``package``: where the driver found it)
    before anything of brinkwatch is unpickled, rather than from another copy it may have.
    """

    def run(arg: bytes) -> Any:
        import pickle as _pickle
        import sys as _sys

        # The driver's order first: another copy of brinkwatch may be on the path later.
        _sys.path[:] = [*paths, *(p for p in _sys.path if p not in paths)]
        loaded = _sys.modules.get("brinkwatch")
        if loaded is not None and not str(getattr(loaded, "__file__", "")).startswith(package):
            # A reused Python worker imported another copy earlier: import this one.
            for m in [m for m in _sys.modules if m == "brinkwatch" or m.startswith("brinkwatch.")]:
                del _sys.modules[m]
        mod = importlib.import_module("brinkwatch.ingest._spark")
        return getattr(mod, name)(*_pickle.loads(arg))

    return run


# -- the driver ------------------------------------------------------------------------------


def _line_ranges(
    path: Path, header_lines: int, split: int
) -> tuple[bytes, list[tuple[int, int, int]]]:
    """Cut a file at line boundaries into ranges of about ``split`` bytes.

    Returns the header's bytes and, per range, (start, end, physical line of its first line).
    """
    size = path.stat().st_size
    ranges: list[tuple[int, int, int]] = []
    with path.open("rb") as f:
        header = b"".join(f.readline() for _ in range(header_lines))
        start, line = len(header), header_lines + 1
        while start < size:
            f.seek(min(start + split, size))
            f.readline()  # to the end of the line the cut falls in
            end = min(f.tell(), size) if start + split < size else size
            f.seek(start)
            lines, left = 0, end - start
            while left > 0 and (chunk := f.read(min(left, _READ_CHUNK))):
                lines += chunk.count(b"\n")
                left -= len(chunk)
            ranges.append((start, end, line))
            start, line = end, line + lines
    return header, ranges


class _Driver:
    """The driver's side of one run: the lake under its writer's lock, Spark, a scratch store."""

    def __init__(self, lake: Lake, session: Any, split: int) -> None:
        self.lake = lake
        #: A session of its own (``spark_store_session``): the driver sets its SQL conf freely.
        self.session = session
        self.split = split
        self.paths = [p for p in sys.path if p]
        import brinkwatch

        self.package = str(Path(brinkwatch.__file__).parent)
        self.store = connect(":memory:")
        self.refresh()

    def refresh(self) -> None:
        self.lake.create_views(self.store.con, prefix="_lake_")

    def next_batch(self) -> int:
        row = fetch_one(self.store.con, "SELECT coalesce(max(batch_id), 0) FROM _lake_ingest_log")
        return (int(row[0]) if row else 0) + 1

    def prior(self, fp: str, sig: str) -> tuple[int, int, int, int] | None:
        row = fetch_one(
            self.store.con,
            "SELECT batch_id, read, rejected, blank FROM _lake_ingest_log WHERE fingerprint = ? "
            "AND signature = ? ORDER BY batch_id LIMIT 1",
            [fp, sig],
        )
        return (int(row[0]), int(row[1]), int(row[2]), int(row[3])) if row else None

    def run(self, name: str, args: list[tuple[Any, ...]]) -> list[Any]:
        sc = self.session.sparkContext
        data = [pickle.dumps(a) for a in args]
        task = _remote(name, self.paths, self.package)
        return list(sc.parallelize(data, max(len(data), 1)).map(task).collect())

    def ingest_file(
        self, display: str, content: _Content, fmt: Format, mapping: ColumnMapping | None
    ) -> FileReport:
        t0 = time.perf_counter()
        started = datetime.now(UTC).replace(tzinfo=None)
        if content.size == 0:
            raise FileFormatError("the file is empty; nothing to ingest", path=display)
        con = self.store.con
        _prepare_codebook(con)
        reader = _reader(con, content.path, display, fmt, mapping, _RT, _RS)
        sig = _signature(fmt, reader, mapping)
        fp = content.fingerprint or fingerprint(content.path)
        table = reader.kind
        report = FileReport(
            file=display, format=fmt.value, origin=reader.origin, bytes=content.size
        )
        batch = self.next_batch()
        tag = f"{batch:06d}"
        # A folder of this run's own: a killed run's orphan executor tasks may still write
        # into theirs after the rerun (same batch number) cleaned staging and began.
        staged = self.lake.staging(f"{tag}-{uuid.uuid4().hex[:12]}")
        Path(staged).mkdir(parents=True, exist_ok=True)
        placed: list[LakePart] = []
        try:
            prior = self.prior(fp, sig)
            if prior is not None:
                counts = self._repeat(prior, batch, display, fp, reader.origin, staged)
                volume: list[tuple[Any, int]] = []
            else:
                counts, volume = self._load(
                    display, content, fmt, mapping, reader, fp, sig, batch, staged, table
                )
            for t in (table, "rejected"):
                placed += self.lake.place(staged, tag, t)
            report.read, report.stored, report.rejected, report.duplicates, report.blank = counts
            written = sum(p.rows for p in placed if p.table == table)
            if written != report.stored:
                raise IntegrityError(
                    f"the parts of the file hold {written} rows, not the {report.stored} it "
                    "stored; the file was not ingested. Please report this.",
                    path=display,
                )
            self._log(report, batch, fp, sig, started, volume)
            placed += self.lake.write_parts(con, tag, self._log_selects(report.origin))
            self.lake.publish(placed)
        except BaseException:
            # Placed parts no manifest lists are invisible; remove them now (not the whole
            # staging area, which holds this run's input).
            for p in placed if not self.lake.url else []:
                with contextlib.suppress(OSError):
                    Path(self.lake.path(p.path)).unlink()
            raise
        finally:
            shutil.rmtree(staged, ignore_errors=True)
            for t in ("ingest_log", "daily_volume", "rejected"):
                con.execute(f"DELETE FROM {t}")
        self.refresh()
        report.batch_id = batch
        report.seconds = time.perf_counter() - t0
        return report

    def _repeat(
        self,
        prior: tuple[int, int, int, int],
        batch: int,
        display: str,
        fp: str,
        origin: str,
        staged: str,
    ) -> tuple[int, int, int, int, int]:
        """Count a file read the same way before: every row counts as it did then."""
        prior_batch, read, rejected, blank = prior
        con = self.store.con
        con.execute(
            "INSERT INTO rejected SELECT ?, ?, fingerprint, line, field, reason, detail, raw "
            "FROM _lake_rejected WHERE batch_id = ?",
            [batch, display, prior_batch],
        )
        if rejected:
            sql = self.lake.part_select(
                "rejected", f"(SELECT *, {sql_string(origin)} AS origin FROM rejected)"
            )
            self.lake.stage_parts(con, staged, "rejected", sql, f"{batch:06d}")
        return read, 0, rejected, read - rejected - blank, blank

    def _load(
        self,
        display: str,
        content: _Content,
        fmt: Format,
        mapping: ColumnMapping | None,
        reader: Any,
        fp: str,
        sig: str,
        batch: int,
        staged: str,
        table: str,
    ) -> tuple[tuple[int, int, int, int, int], list[tuple[Any, int]]]:
        """Load the file's ranges on the executors; mark duplicates across ranges on Spark."""
        clean, cut = _clean_lines(reader, Path(staged))
        path = Path(clean.path)
        if reader.line_based:
            header, cuts = _line_ranges(path, reader.header_lines, self.split)
        else:
            # Read whole, in place: the task's lines are the file's.
            header, cuts = b"", [(-1, -1, 1)]
        specs = []
        for i, (start, end, first) in enumerate(cuts):
            nxt = cuts[i + 1][2] if i + 1 < len(cuts) else None
            mine = tuple(c for c in cut if c.line >= first and (nxt is None or c.line < nxt))
            specs.append(
                _Range(
                    i,
                    str(path),
                    start if start >= 0 else None,
                    end if end >= 0 else None,
                    header,
                    first,
                    mine,
                    display,
                    fmt.value,
                    mapping,
                    fp,
                    sig,
                    content.size,
                    batch,
                    staged,
                )
            )
        parts: list[_RangeCounts] = self.run("_load_range", [(s,) for s in specs])
        folder, dups, volume = self._duplicates(specs, table, reader.origin, staged)
        again = [s for s in specs if s.index in dups]
        if again:
            self.run("_write_range", [(s, table, folder) for s in again])
        cross = sum(dups.values())
        read = sum(p.read for p in parts)
        stored = sum(p.stored for p in parts) - cross
        rejected = sum(p.rejected for p in parts)
        duplicates = sum(p.duplicates for p in parts) + cross
        blank = sum(p.blank for p in parts)
        if read != stored + rejected + duplicates + blank:
            raise IntegrityError(
                f"row accounting failed on Spark: read {read} != stored {stored} + rejected "
                f"{rejected} + duplicates {duplicates} + blank {blank}; the file was not "
                "ingested. Please report this.",
                path=display,
            )
        return (read, stored, rejected, duplicates, blank), volume

    def _duplicates(
        self, specs: list[_Range], table: str, origin: str, staged: str
    ) -> tuple[str, dict[int, int], list[tuple[Any, int]]]:
        """Mark on Spark the rows whose key came earlier in the file or is in the lake.

        Returns the folder of the duplicates' positions, how many each range has (ranges
        without any left out), and the daily volumes of the rows stored.
        """
        from pyspark.sql import Window
        from pyspark.sql import functions as sf

        spark = self.session
        key = list(_key(table))
        n = max(len(specs), 1)
        # Spark's 200 shuffle partitions are for big tables; the session is the driver's own.
        spark.conf.set("spark.sql.shuffle.partitions", str(n))
        cols = [*key, "_range", "_pos", *(["event_date"] if table == "events" else [])]
        files = [_rows_file(staged, s.index) for s in specs]
        rows = spark.read.parquet(*files).select(*cols).repartition(n, *key)
        first = Window.partitionBy(*key).orderBy("_range", "_pos")
        rows = rows.withColumn("_n", sf.row_number().over(first))
        bounds = _key_bounds(files)
        held = self._held(table, origin if table == "events" else None, bounds)
        if held and bounds is not None:
            old = spark.read.option("basePath", self.lake.path(table)).parquet(*held)
            old = old.where(sf.col("event_id").between(*bounds))
            if table == "events":
                old = old.where(sf.col("origin") == origin)
            # A key is stored once (per origin): the join adds no rows.
            old = old.select(*key).withColumn("_held", sf.lit(True)).repartition(n, *key)
            rows = rows.join(old, key, "left")
        else:
            rows = rows.withColumn("_held", sf.lit(None).cast("boolean"))
        dup = (sf.col("_n") > 1) | sf.coalesce(sf.col("_held"), sf.lit(False))
        rows = rows.withColumn("_dup", dup)
        folder = f"{staged}/_ranges/dups"
        volume: list[tuple[Any, int]] = []
        rows = rows.cache()
        try:
            rows.where("_dup").select("_range", "_pos").write.parquet(folder)
            if table == "events":
                kept = rows.where("NOT _dup AND event_date IS NOT NULL")
                counted = kept.groupBy("event_date").count().collect()
                volume = [(r["event_date"], int(r["count"])) for r in counted]
        finally:
            rows.unpersist()
        found = sorted(Path(folder).glob("*.parquet"))
        dups: dict[int, int] = {}
        if found:
            con = duckdb.connect(":memory:")
            try:
                listed = ", ".join(sql_string(str(f)) for f in found)
                counts = con.execute(
                    f"SELECT _range, count(*) FROM read_parquet([{listed}]) GROUP BY _range"
                ).fetchall()
            finally:
                con.close()
            dups = {int(r): int(c) for r, c in counts}
        return folder, dups, volume

    def _held(self, table: str, origin: str | None, bounds: tuple[str, str] | None) -> list[str]:
        """Return the lake parts that can hold the file's keys (none when it stored no row).

        Logged at DEBUG on ``brinkwatch.ingest.spark`` with the parts as ``record.lake_parts``.
        """
        chosen = [] if bounds is None else self.lake.parts_holding(table, *bounds, origin=origin)
        held = [self.lake.path(p.path) for p in chosen]
        _logger.debug(
            "duplicate check of %s keys %s: %d of the lake's parts can hold them",
            table,
            bounds,
            len(chosen),
            extra={"lake_parts": [p.path for p in chosen]},
        )
        return held

    def _log(
        self,
        report: FileReport,
        batch: int,
        fp: str,
        sig: str,
        started: datetime,
        volume: list[tuple[Any, int]],
    ) -> None:
        from brinkwatch import __version__

        con = self.store.con
        con.execute(
            "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch,
                report.file,
                fp,
                sig,
                report.format,
                report.origin,
                report.bytes,
                report.read,
                report.stored,
                report.rejected,
                report.duplicates,
                report.blank,
                started,
                datetime.now(UTC).replace(tzinfo=None),
                __version__,
            ],
        )
        if volume:
            con.executemany(
                'INSERT INTO daily_volume (origin, day, "rows") VALUES (?, ?, ?)',
                [[report.origin, day, n] for day, n in volume],
            )

    def _log_selects(self, origin: str) -> dict[str, str]:
        return {
            "ingest_log": self.lake.part_select("ingest_log", "ingest_log"),
            "daily_volume": 'SELECT origin, day, "rows" FROM daily_volume',
        }

    def close(self) -> None:
        self.store.close()


def _key_bounds(files: list[str]) -> tuple[str, str] | None:
    """Return the smallest and largest ``event_id`` of the staged rows (None: no rows)."""
    con = duckdb.connect(":memory:")
    try:
        listed = ", ".join(sql_string(f) for f in files)
        row = fetch_one(con, f"SELECT min(event_id), max(event_id) FROM read_parquet([{listed}])")
    finally:
        con.close()
    if row is None or row[0] is None or row[1] is None:
        return None
    return str(row[0]), str(row[1])


def ingest_on_spark(
    paths: Iterable[str | Path],
    lake: str | Path,
    *,
    session: Any = None,
    master: str | None = None,
    fmt: Format | str = Format.AUTO,
    mapping: ColumnMapping | None = None,
    progress: Progress | None = None,
    on_file: Callable[[FileReport], None] | None = None,
    memory_limit: str | None = None,
    origin_override: bool = False,
    max_ratio: float | None = None,
    max_decompressed: int | None = None,
    split_bytes: int = DEFAULT_SPLIT_BYTES,
    wait: float = 0.0,
) -> IngestReport:
    """Ingest event files into a lake on a Spark cluster, as :func:`ingest` does on DuckDB.

    Every row is validated, rejected (with the same reason, field and line), counted as a
    duplicate or blank, and stored exactly as :func:`brinkwatch.ingest.ingest` would into a
    DuckDB store: each range of a file runs the same rules in an embedded DuckDB on an
    executor, and Spark marks duplicates across ranges and against the lake. Each file is
    published whole through the lake's manifest, or not at all.

    Parameters
    ----------
    paths
        Files or directories, as for :func:`ingest`; they (and the lake) must be visible at
        the same path to every executor.
    lake
        The lake's root (created when missing).
    session, master
        An existing ``SparkSession``, or the master URL of a new one (``spark://HOST:7077``,
        ``local[N]``; default ``local[2]``). The run works in a session of its own on the
        same SparkContext, so the caller's SQL conf is left as it was.
    fmt, mapping, progress, on_file, origin_override, max_ratio, max_decompressed
        As for :func:`ingest` (``progress`` is called once per file, when it is done).
    memory_limit
        Accepted for the signature of :func:`ingest`; each task's DuckDB is small.
    split_bytes
        Size of the byte ranges a line-based file is cut into, one Spark task each.
    wait
        Seconds to wait for another writer of the lake to finish.

    Returns
    -------
    IngestReport
        One report per file, with the counts :func:`ingest` gives.
    """
    del memory_limit
    check_origin(mapping, override=origin_override)
    forced = Format(fmt)
    budget = _Budget.resolve(max_ratio, max_decompressed)
    if split_bytes < 1:
        raise FileFormatError(f"split_bytes must be at least 1, got {split_bytes}")
    root = Lake(lake)
    if root.url:
        # Executors stage parts in the lake's own _staging folder, which a URL lake lacks.
        raise StoreError(
            "ingest on Spark writes only a lake at a folder every executor shares, not at an "
            "object-store URL; ingest into this lake with DuckDB (drop --engine spark). Spark "
            "on object stores would also need hadoop-aws and s3a:// credentials",
            path=root.root,
        )
    # The driver's own session on the caller's SparkContext: its SQL conf is not the caller's.
    spark = spark_store_session(session, master=master)
    report = IngestReport()

    def done(rep: FileReport) -> None:
        report.files.append(rep)
        if on_file is not None:
            on_file(rep)
        if progress is not None and rep.ok:
            progress(rep.file, 1.0)

    with root.writer_lock(wait):
        root.init()
        root.clean()
        driver = _Driver(root, spark, split_bytes)
        workdir = root.staging(f"input-{uuid.uuid4().hex[:12]}")
        Path(workdir).mkdir(parents=True, exist_ok=True)
        try:
            for path in expand_paths(paths):
                try:
                    with contextlib.closing(_members(path, budget, Path(workdir))) as members:
                        for display, opener in members:
                            done(
                                _ingest_member(display, opener, forced, mapping, driver.ingest_file)
                            )
                except BrinkwatchError as exc:
                    done(FileReport(str(path), str(fmt), "", 0, error=str(exc)))
                except OSError as exc:
                    done(FileReport(str(path), str(fmt), "", 0, error=_vanished(str(path), exc)))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            driver.close()
    return report

"""The lake: the store's tables as Parquet datasets under one root, published through a manifest.

Layout (``docs/schema.md``, "The lake")::

    ROOT/_manifest/v000042.json                         the newest complete manifest wins
    ROOT/_staging/<tag>/...                             parts being written (never read)
    ROOT/events/origin=gdelt2/month=2019-07/part-000012-0.parquet
    ROOT/mentions/month=2019-10/part-000013-0.parquet
    ROOT/rejected/origin=icews/part-000014-0.parquet
    ROOT/ingest_log/origin=icews/part-000014-0.parquet
    ROOT/daily_volume/origin=icews/part-000014-0.parquet

A part is visible only once a manifest lists it, so a batch appears whole or not at all: its
parts are written under ``_staging/<batch>/``, moved into place, and then a new manifest
(every visible part with its rows, bytes and SHA-256) is written to a temporary name and
renamed. Partition columns live in the paths only (Hive layout), as Spark and DuckDB read them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import duckdb

from brinkwatch.errors import StoreError, StoreLockedError
from brinkwatch.store._schema import SCHEMA_VERSION, ddl
from brinkwatch.store._store import Store, fetch_one, sql_ident, sql_string

if TYPE_CHECKING:
    from brinkwatch._types import Progress
    from brinkwatch.store._writer import BatchCounts, BatchSource

__all__ = [
    "LAKE_TABLES",
    "Lake",
    "LakeCompactReport",
    "LakePart",
    "LakeTable",
    "export_to_lake",
    "import_from_lake",
    "open_lake_store",
]

#: Version of the layout and manifest format (not the table schema, which the manifest names).
LAYOUT_VERSION = 1
_MANIFEST = "_manifest"
_STAGING = "_staging"
_LOCK = "_writer.lock"
#: Older manifests kept beside the newest, for readers that opened one a moment ago.
KEEP_MANIFESTS = 20
_URL_SCHEMES = ("s3://", "gs://", "gcs://", "abfs://", "az://")
#: Overrides the S3 endpoint for a lake at ``s3://`` (MinIO, moto, ...); else s3fs's own
#: configuration (``AWS_ENDPOINT_URL``, ``~/.aws``) decides.
S3_ENDPOINT_ENV = "BRINKWATCH_S3_ENDPOINT"


@dataclass(frozen=True)
class LakeTable:
    """One dataset of the lake.

    Attributes
    ----------
    name
        The table (and folder) name, as ``Store.table`` knows it.
    source
        The table or view of a DuckDB store whose columns it holds, in that order.
    partitions
        Hive partition columns, outermost first; ``month`` is ``YYYY-MM`` of ``month_of``.
    month_of
        The date or timestamp column the month partition is taken from.
    aggregate
        SQL of the view over the parts when parts add up (``daily_volume``: one row per
        batch, origin and day in the parts; one per origin and day in the view).
    """

    name: str
    source: str
    partitions: tuple[str, ...]
    month_of: str | None = None
    aggregate: str | None = None


LAKE_TABLES: tuple[LakeTable, ...] = (
    LakeTable("events", "events", ("origin", "month"), month_of="event_date"),
    LakeTable("mentions", "mentions", ("month",), month_of="mention_time"),
    LakeTable("rejected", "rejected", ("origin",)),
    LakeTable("ingest_log", "ingest_log", ("origin",)),
    LakeTable(
        "daily_volume",
        "daily_volume",
        ("origin",),
        aggregate='SELECT origin, day, sum("rows")::BIGINT AS "rows" FROM ({parts}) '
        "GROUP BY origin, day",
    ),
)
_BY_NAME = {t.name: t for t in LAKE_TABLES}


@cache
def _columns(source: str) -> tuple[tuple[str, str], ...]:
    """Return the (name, type) columns of a store table or view, from the store's own DDL."""
    con = duckdb.connect(":memory:")
    try:
        for stmt in ddl():
            con.execute(stmt)
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [source],
        ).fetchall()
    finally:
        con.close()
    return tuple((str(n), str(t)) for n, t in rows)


#: Tables whose parts record the range of their first key column, ``event_id``.
_KEYED = ("events", "mentions")
_KEY = "event_id"


@dataclass(frozen=True)
class LakePart:
    """One Parquet file a manifest lists: its table, path under the root, rows and checksum.

    ``key_min`` and ``key_max`` bound the part's ``event_id`` values (events and mentions
    parts, from the Parquet footer); None when unknown (other tables, manifests written before
    they were recorded), and such a part may hold any key.
    """

    table: str
    path: str
    rows: int
    bytes: int
    sha256: str
    batch: str
    key_min: str | None = None
    key_max: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the manifest's JSON object of the part (the key range only when known)."""
        out: dict[str, Any] = {
            "table": self.table,
            "path": self.path,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "batch": self.batch,
        }
        if self.key_min is not None and self.key_max is not None:
            out["key_min"], out["key_max"] = self.key_min, self.key_max
        return out

    def may_hold(self, lo: str, hi: str) -> bool:
        """Whether the part can hold an ``event_id`` in ``[lo, hi]`` (always, when unknown)."""
        if self.key_min is None or self.key_max is None:
            return True
        return self.key_min <= hi and self.key_max >= lo

    def partition(self, column: str) -> str | None:
        """Return the value of a Hive partition ``column`` in the part's path, if it has one."""
        for segment in self.path.split("/")[:-1]:
            name, eq, value = segment.partition("=")
            if eq and name == column:
                return unquote(value)
        return None


def _is_url(root: str) -> bool:
    return root.startswith(_URL_SCHEMES)


class Lake:
    """A lake at a local folder or an object-store URL (through fsspec).

    Parameters
    ----------
    root
        A local path, or an ``s3://``, ``gs://`` or ``abfs://`` URL (needs ``fsspec`` with the
        store's filesystem package: ``pip install brinkwatch[s3]`` for S3). DuckDB reads the
        parts through the same fsspec filesystem, registered on its connection, so no DuckDB
        extension is needed. S3 credentials and endpoint come from s3fs's usual sources
        (``AWS_*`` variables, ``~/.aws``); ``BRINKWATCH_S3_ENDPOINT`` overrides the endpoint.
        Only S3 is tested (against a local S3 server); ``gs://`` and ``abfs://`` are not.
    """

    def __init__(self, root: str | Path) -> None:
        text = str(root)
        self.url = _is_url(text)
        self.root = text.rstrip("/") if self.url else str(Path(text).expanduser().absolute())
        self._fs: Any = None
        if self.url:
            scheme = text.split("://", 1)[0]
            options: dict[str, Any] = {}
            if scheme == "s3" and os.environ.get(S3_ENDPOINT_ENV):
                options["endpoint_url"] = os.environ[S3_ENDPOINT_ENV]
            try:
                import fsspec  # type: ignore[import-untyped,import-not-found,unused-ignore]

                # A fresh instance: a cached one keeps its old endpoint and credentials.
                self._fs = fsspec.filesystem(scheme, skip_instance_cache=True, **options)
            except ImportError as exc:
                raise StoreError(
                    f"a lake at {text} needs fsspec and its filesystem package "
                    "(pip install 'brinkwatch[s3]', or fsspec with gcsfs / adlfs); "
                    "or use a local folder",
                    path=text,
                ) from exc

    def __repr__(self) -> str:
        return f"Lake({self.root!r})"

    def path(self, rel: str) -> str:
        """Return the full path (or URL) of ``rel`` under the root."""
        return f"{self.root}/{rel}" if rel else self.root

    # -- the manifest -------------------------------------------------------------------

    def _manifest_names(self) -> list[str]:
        folder = self.path(_MANIFEST)
        if self._fs is not None:
            # Listings are cached by fsspec: another writer's new manifest must be seen.
            self._fs.invalidate_cache()
            try:
                names = [p.rsplit("/", 1)[-1] for p in self._fs.ls(folder, detail=False)]
            except FileNotFoundError:
                return []
        elif Path(folder).is_dir():
            names = [c.name for c in Path(folder).iterdir()]
        else:
            return []
        # A temporary name starts with a dot; only renamed (complete) versions count.
        return sorted(n for n in names if n.startswith("v") and n.endswith(".json"))

    def exists(self) -> bool:
        """Whether the root holds a lake (at least one manifest)."""
        return bool(self._manifest_names())

    def manifest(self) -> dict[str, Any]:
        """Read the newest complete manifest.

        Raises
        ------
        StoreError
            If there is none (not a lake: ``brinkwatch lake init``), it is unreadable, or it
            was written by a newer brinkwatch.
        """
        names = self._manifest_names()
        if not names:
            raise StoreError(
                f"no lake at {self.root}: it has no {_MANIFEST}/v*.json; create one with "
                f"brinkwatch lake init {self.root}",
                path=self.root,
            )
        name = names[-1]
        try:
            data = json.loads(self._read_bytes(f"{_MANIFEST}/{name}"))
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"cannot read the lake manifest {self.path(_MANIFEST + '/' + name)}: {exc}",
                path=self.root,
            ) from exc
        if not isinstance(data, dict) or data.get("lake") != "brinkwatch":
            raise StoreError(
                f"{self.path(_MANIFEST + '/' + name)} is not a brinkwatch lake manifest",
                path=self.root,
            )
        if int(data.get("layout", 0)) > LAYOUT_VERSION or int(data.get("schema_version", 0)) > (
            SCHEMA_VERSION
        ):
            raise StoreError(
                f"the lake at {self.root} was written by a newer brinkwatch (layout "
                f"{data.get('layout')}, schema {data.get('schema_version')}); upgrade brinkwatch",
                path=self.root,
            )
        return data

    def parts(self, table: str | None = None) -> list[LakePart]:
        """Return the parts the newest manifest lists (of one table, or all)."""
        return [
            LakePart(**p) for p in self.manifest()["parts"] if table is None or p["table"] == table
        ]

    def parts_holding(
        self, table: str, lo: str, hi: str, origin: str | None = None
    ) -> list[LakePart]:
        """Return the parts of ``table`` that can hold an ``event_id`` between ``lo`` and ``hi``.

        A part whose range is unknown is always returned. With ``origin``, a part whose Hive
        path names another origin is left out (a table without that partition keeps all).

        Parameters
        ----------
        table
            ``events`` or ``mentions`` (other tables record no key range: all their parts).
        lo, hi
            The smallest and largest ``event_id`` looked for, inclusive (text order).
        origin
            The events' origin, or None for any.

        Examples
        --------
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as root:
        ...     lake = Lake(root)
        ...     _ = lake.init()
        ...     lake.parts_holding("events", "100", "200", origin="gdelt2")
        []
        """
        return [
            p
            for p in self.parts(table)
            if p.may_hold(lo, hi) and (origin is None or p.partition("origin") in (None, origin))
        ]

    def init(self) -> bool:
        """Create the lake (an empty manifest, version 0) unless one is there.

        Returns
        -------
        bool
            Whether a new lake was made.
        """
        if self.exists():
            self.manifest()  # refuse a foreign or newer one now, not at first use
            return False
        if self._holds_files():
            raise StoreError(
                f"{self.root} is a folder with files but no lake manifest; choose an empty or "
                "new folder for the lake",
                path=self.root,
            )
        self._makedirs(_MANIFEST)
        self._write_manifest(0, [])
        return True

    def _holds_files(self) -> bool:
        if self._fs is not None:
            try:
                return bool(self._fs.ls(self.root, detail=False))
            except FileNotFoundError:
                return False
        root = Path(self.root)
        return root.is_dir() and any(c.name != _LOCK for c in root.iterdir())

    def _write_manifest(self, version: int, parts: list[LakePart]) -> None:
        body = {
            "lake": "brinkwatch",
            "layout": LAYOUT_VERSION,
            "schema_version": SCHEMA_VERSION,
            "version": version,
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
            "parts": [p.as_dict() for p in parts],
        }
        data = json.dumps(body, indent=1).encode()
        name = f"{_MANIFEST}/v{version:06d}.json"
        if self._fs is not None:
            if self._fs.exists(self.path(name)):
                raise StoreError(
                    f"manifest version {version} of {self.root} appeared while this writer "
                    "wrote the lake; another writer wrote it at the same time. Check who "
                    "writes the lake (an object store has no lock: one writer at a time)",
                    path=self.root,
                )
            # An object store publishes a PUT whole: no reader sees half of it.
            self._fs.pipe(self.path(name), data)
            return
        tmp = Path(self.path(f"{_MANIFEST}/.v{version:06d}.json.{os.getpid()}.tmp"))
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if Path(self.path(name)).exists():
            tmp.unlink()
            raise StoreError(
                f"manifest version {version} of {self.root} appeared while this writer held the "
                "lake; another writer ignored the lock. Check who writes the lake",
                path=self.root,
            )
        tmp.replace(self.path(name))
        _fsync_dir(self.path(_MANIFEST))

    def publish(self, added: list[LakePart], removed: Iterable[str] = ()) -> int:
        """Make ``added`` (already in place) visible with the parts listed now.

        Parameters
        ----------
        added
            Parts moved into place, listed after the kept ones.
        removed
            Paths of listed parts the new manifest leaves out (compaction replaces them);
            their files stay for readers of older manifests until :meth:`clean`.

        Returns
        -------
        int
            The new manifest version.
        """
        current = self.manifest()
        version = int(current["version"]) + 1
        gone = set(removed)
        kept = [p for p in self.parts() if p.path not in gone]
        self._write_manifest(version, [*kept, *added])
        for old in self._manifest_names()[:-KEEP_MANIFESTS]:
            self._remove(f"{_MANIFEST}/{old}")
        return version

    # -- files --------------------------------------------------------------------------

    def _read_bytes(self, rel: str) -> bytes:
        if self._fs is not None:
            return bytes(self._fs.cat_file(self.path(rel)))
        return Path(self.path(rel)).read_bytes()

    def _makedirs(self, rel: str) -> None:
        if self._fs is not None:
            self._fs.makedirs(self.path(rel), exist_ok=True)
        else:
            Path(self.path(rel)).mkdir(parents=True, exist_ok=True)

    def _remove(self, rel: str) -> None:
        if self._fs is not None:
            self._fs.rm(self.path(rel))
        else:
            Path(self.path(rel)).unlink(missing_ok=True)

    def staging(self, tag: str) -> str:
        """Return the local folder where a batch's parts are written before publishing."""
        if self._fs is not None:
            import tempfile

            return tempfile.mkdtemp(prefix=f"brinkwatch-lake-{tag}-")
        return self.path(f"{_STAGING}/{tag}")

    def place(self, staged: str, tag: str, table: str) -> list[LakePart]:
        """Move the parts of ``table`` written under ``staged`` into place (still invisible)."""
        base = Path(staged) / table
        placed = []
        for src in sorted(base.rglob("*.parquet")):
            rel = f"{table}/{src.relative_to(base).as_posix()}"
            rows, lo, hi = _parquet_footer(src, table in _KEYED)
            part = LakePart(table, rel, rows, *_size_and_hash(src), tag, lo, hi)
            if self._fs is not None:
                self._fs.put_file(str(src), self.path(rel))
            else:
                dest = Path(self.path(rel))
                dest.parent.mkdir(parents=True, exist_ok=True)
                src.replace(dest)
            placed.append(part)
        return placed

    def listed_paths(self) -> set[str]:
        """Return the paths of the parts any kept manifest lists (not only the newest).

        A reader that opened an older manifest reads its parts, so a part replaced by
        compaction stays until the last kept manifest that lists it is removed.
        """
        listed: set[str] = set()
        for name in self._manifest_names():
            try:
                data = json.loads(self._read_bytes(f"{_MANIFEST}/{name}"))
            except FileNotFoundError:
                continue  # removed by publish a moment ago
            except (OSError, ValueError) as exc:
                raise StoreError(
                    f"cannot read the lake manifest {self.path(_MANIFEST + '/' + name)}: "
                    f"{exc}; nothing was removed. Move the damaged file aside and run again",
                    path=self.root,
                ) from exc
            listed.update(str(p["path"]) for p in data.get("parts", []))
        return listed

    def clean(self) -> list[str]:
        """Remove what a killed writer left: staging folders and parts no kept manifest lists.

        Parts that only older kept manifests list (replaced by :meth:`compact`) stay for
        readers that opened those manifests. Only a writer holding the lake's lock may call it.

        Returns
        -------
        list of str
            The paths removed, relative to the root.
        """
        if self._fs is not None:
            # Staging is a local temporary folder here; only unlisted parts can be left.
            return self._clean_objects()
        removed = []
        staging = Path(self.path(_STAGING))
        if staging.is_dir():
            for sub in sorted(staging.iterdir()):
                shutil.rmtree(sub, ignore_errors=True)
                removed.append(f"{_STAGING}/{sub.name}")
        listed = self.listed_paths()
        root = Path(self.root)
        for t in LAKE_TABLES:
            for f in (root / t.name).rglob("*"):
                rel = f.relative_to(root).as_posix()
                if f.is_file() and rel not in listed:
                    f.unlink()
                    removed.append(rel)
        return sorted(removed)

    def _clean_objects(self) -> list[str]:
        listed = self.listed_paths()
        prefix = self.root.split("://", 1)[1] + "/"
        removed = []
        self._fs.invalidate_cache()
        for t in LAKE_TABLES:
            try:
                found = self._fs.find(self.path(t.name))
            except FileNotFoundError:
                continue
            for key in found:
                rel = key.split("://", 1)[-1].removeprefix(prefix)
                if rel not in listed:
                    self._fs.rm(self.path(rel))
                    removed.append(rel)
        return sorted(removed)

    def compact(self, *, min_parts: int = 2, wait: float = 0.0) -> LakeCompactReport:
        """Merge each partition's parts into one, when it has at least ``min_parts``.

        Under the writer's lock, each such partition's parts are copied (ordered by
        ``event_id``, so the merged part's key range stays tight) into one new part in
        staging, moved into place, and all of them published in one new manifest that lists
        the new parts instead of the old ones. Rows are unchanged. The old files stay for
        readers that opened an older manifest; :meth:`clean` removes them once no kept
        manifest lists them. A compaction that fails or is killed leaves the lake as it was.

        Parameters
        ----------
        min_parts
            The fewest parts a partition must have to be merged (at least 2).
        wait
            Seconds to wait for another writer's lock before giving up.

        Returns
        -------
        LakeCompactReport
            Parts, rows and bytes before and after (``version`` None: nothing to merge).

        Raises
        ------
        StoreError
            If the lake is at a URL (not supported yet), ``min_parts`` is below 2, or a
            merged part does not hold its parts' rows.
        StoreLockedError
            If another writer holds the lake for longer than ``wait``.
        """
        if self._fs is not None:
            raise StoreError(
                f"compacting a lake at a URL ({self.root}) is not supported yet; compact a "
                "local copy, or leave the parts as they are",
                path=self.root,
            )
        if min_parts < 2:
            raise StoreError(
                f"min_parts must be at least 2 (got {min_parts}): a single part has "
                "nothing to merge with",
                path=self.root,
            )
        self.manifest()  # not a lake: say so before taking a lock file there
        with self.writer_lock(wait):
            self.clean()
            return _compact(self, min_parts)

    def verify(self) -> list[str]:
        """Check every listed part's size and SHA-256; return the problems found (none: [])."""
        problems = []
        for p in self.parts():
            try:
                size, digest = self._size_and_hash(p.path)
            except FileNotFoundError:
                problems.append(f"{p.path}: missing")
                continue
            if size != p.bytes or digest != p.sha256:
                problems.append(
                    f"{p.path}: {size} bytes, sha256 {digest[:12]}..., expected "
                    f"{p.bytes} bytes, {p.sha256[:12]}..."
                )
        return problems

    def _size_and_hash(self, rel: str) -> tuple[int, str]:
        if self._fs is None:
            return _size_and_hash(Path(self.path(rel)))
        with self._fs.open(self.path(rel), "rb") as f:
            return _stream_hash(f)

    @contextlib.contextmanager
    def writer_lock(self, wait: float) -> Iterator[None]:
        """Hold the lake's single-writer lock (a local lock file) while the block runs."""
        if self._fs is not None:
            # Object stores have no lock files: one writer at a time is the user's to ensure.
            yield
            return
        Path(self.root).mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path(_LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreLockedError(
                            f"another process is writing the lake at {self.root} (it holds "
                            f"{self.path(_LOCK)}); wait for it to finish and run this again",
                            path=self.root,
                        ) from None
                    time.sleep(0.1)
            yield
        finally:
            os.close(fd)  # closing drops the lock

    # -- writing parts from elsewhere (Spark ingest) -------------------------------------

    def part_select(
        self, table: str, relation: str, where: str = "", extra: tuple[str, ...] = ()
    ) -> str:
        """Return SQL of ``table``'s part columns (partition columns included) from ``relation``.

        ``extra`` columns (SQL expressions) follow them, for a caller that needs more.
        """
        return _table_select(_BY_NAME[table], relation, where, extra)

    def stage_parts(
        self, con: duckdb.DuckDBPyConnection, staged: str, table: str, sql: str, name: str
    ) -> None:
        """Write ``sql``'s rows (from :meth:`part_select`) under ``staged`` as parts of ``table``.

        Files are named ``part-NAME-i.parquet``; :meth:`place` moves them into place later.
        """
        _stage(con, staged, _BY_NAME[table], sql, name)

    def write_parts(
        self, con: duckdb.DuckDBPyConnection, tag: str, selects: dict[str, str]
    ) -> list[LakePart]:
        """Write and place each table's rows (table -> SQL) as parts of ``tag``; unpublished."""
        return write_parts(con, self, tag, selects)

    # -- reading ------------------------------------------------------------------------

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Let ``con`` read the lake's URLs through its fsspec filesystem (no-op when local).

        DuckDB then reads ``s3://`` parts without its ``httpfs`` extension, with the same
        endpoint and credentials as the lake's own listing and writing.
        """
        if self._fs is None:
            return
        protocol = self._fs.protocol
        name = protocol if isinstance(protocol, str) else protocol[0]
        if con.filesystem_is_registered(name):
            con.unregister_filesystem(name)  # another lake's filesystem (endpoint) before
        con.register_filesystem(self._fs)

    def create_views(self, con: duckdb.DuckDBPyConnection, prefix: str = "") -> None:
        """Create (or replace) a view per lake table in ``con``, over the manifest's parts.

        ``prefix`` names them (``_lake_events``...) as temporary views beside a store's own
        tables; without it they are the store's tables (``events``...) of a lake store.
        """
        self.register(con)
        parts = self.parts()
        for t in LAKE_TABLES:
            files = [self.path(p.path) for p in parts if p.table == t.name]
            temp = "TEMP " if prefix else ""
            con.execute(
                f"CREATE OR REPLACE {temp}VIEW {sql_ident(prefix + t.name)} AS "
                f"{_view_sql(t, files)}"
            )


@dataclass(frozen=True)
class LakeCompactReport:
    """What :meth:`Lake.compact` did to a lake.

    Attributes
    ----------
    lake
        The lake's root.
    version
        The manifest version that lists the merged parts; None when nothing was merged.
    partitions
        Partitions whose parts were merged.
    parts_before, parts_after
        Parts the manifest listed before and after.
    rows
        Rows of all parts (the same before and after).
    bytes_before, bytes_after
        Bytes of all listed parts before and after.
    """

    lake: str
    version: int | None
    partitions: int
    parts_before: int
    parts_after: int
    rows: int
    bytes_before: int
    bytes_after: int


def _folder(part: LakePart) -> str:
    return part.path.rsplit("/", 1)[0]


def _compact(lake: Lake, min_parts: int) -> LakeCompactReport:
    """Merge the partitions with ``min_parts`` parts or more; the caller holds the lock."""
    parts = lake.parts()
    groups: dict[tuple[str, str], list[LakePart]] = {}
    for p in parts:
        groups.setdefault((p.table, _folder(p)), []).append(p)
    merge = {k: g for k, g in sorted(groups.items()) if len(g) >= min_parts}
    rows = sum(p.rows for p in parts)
    size = sum(p.bytes for p in parts)
    if not merge:
        return LakeCompactReport(lake.root, None, 0, len(parts), len(parts), rows, size, size)
    version = int(lake.manifest()["version"]) + 1
    tag = f"compact-{version:06d}"
    staged = lake.staging(tag)
    placed: list[LakePart] = []
    published = False
    try:
        con = duckdb.connect(":memory:")
        try:
            for (_table, folder), group in merge.items():
                _merge_parts(con, lake, Path(staged) / folder / f"part-{tag}-0.parquet", group)
        finally:
            con.close()
        for table in sorted({t for t, _ in merge}):
            placed.extend(lake.place(staged, tag, table))
        _check_merged(lake, merge, placed)
        removed = [p.path for g in merge.values() for p in g]
        new_version = lake.publish(placed, removed=removed)
        published = True
    finally:
        shutil.rmtree(staged, ignore_errors=True)
        if not published:
            for p in placed:  # unlisted: no reader can see them
                lake._remove(p.path)
    after = lake.parts()
    return LakeCompactReport(
        lake.root,
        new_version,
        len(merge),
        len(parts),
        len(after),
        sum(p.rows for p in after),
        size,
        sum(p.bytes for p in after),
    )


def _merge_parts(
    con: duckdb.DuckDBPyConnection, lake: Lake, target: Path, group: list[LakePart]
) -> None:
    """Write the union of ``group`` (parts of one partition) to ``target``, in key order."""
    target.parent.mkdir(parents=True, exist_ok=True)
    files = ", ".join(sql_string(lake.path(p.path)) for p in group)
    # Partition columns live in the paths, not the files: read the files' own columns only.
    order = sql_ident(_KEY) if group[0].table in _KEYED else "ALL"
    con.execute(
        f"COPY (SELECT * FROM read_parquet([{files}], hive_partitioning = false, "
        f"union_by_name = true) ORDER BY {order}) TO {sql_string(str(target))} "
        "(FORMAT parquet, COMPRESSION zstd)"
    )


def _check_merged(
    lake: Lake, merge: dict[tuple[str, str], list[LakePart]], placed: list[LakePart]
) -> None:
    """Refuse to publish unless each partition got one part with exactly its parts' rows."""
    got = {(p.table, _folder(p)): p for p in placed}
    for key, group in merge.items():
        want = sum(p.rows for p in group)
        part = got.get(key)
        if part is None or part.rows != want or len(placed) != len(merge):
            raise StoreError(
                f"compacting {key[1]} of {lake.root} wrote "
                f"{part.rows if part else 0} rows for {want}; the lake was left as it was. "
                "Check the lake with Lake.verify() and report this",
                path=lake.root,
            )


def _view_sql(t: LakeTable, files: list[str]) -> str:
    cols = _columns(t.source)
    select = ", ".join(f"CAST({sql_ident(n)} AS {ty}) AS {sql_ident(n)}" for n, ty in cols)
    if not files:
        # An empty table of the right types: read_parquet needs at least one file.
        nulls = ", ".join(f"NULL AS {sql_ident(n)}" for n, _ in cols)
        return f"SELECT {select} FROM (SELECT {nulls}) WHERE false"
    hive = ", ".join(f"{sql_string(p)}: 'VARCHAR'" for p in t.partitions)
    parts = (
        f"SELECT {select} FROM read_parquet([{', '.join(sql_string(f) for f in files)}], "
        f"hive_partitioning = true, hive_types = {{{hive}}})"
    )
    return t.aggregate.format(parts=parts) if t.aggregate else parts


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _size_and_hash(path: Path) -> tuple[int, str]:
    with path.open("rb") as f:
        return _stream_hash(f)


def _stream_hash(f: Any) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: f.read(2**20), b""):
        h.update(chunk)
        size += len(chunk)
    return size, h.hexdigest()


def _parquet_footer(path: Path, keyed: bool) -> tuple[int, str | None, str | None]:
    """Return a part's rows and, when ``keyed``, the bounds of its ``event_id`` (or Nones).

    The bounds come from the footer's row-group statistics, so no column is read. Parquet
    allows truncated statistics that are still bounds (DuckDB cuts long strings at 256 bytes,
    rounding the maximum up), which is all the duplicate check needs.
    """
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    rows = int(meta.num_rows)
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    if not keyed or _KEY not in names or meta.num_row_groups == 0:
        return rows, None, None
    col = names.index(_KEY)
    lows, highs = [], []
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(col).statistics
        if stats is None or not stats.has_min_max:
            return rows, None, None  # a row group without bounds: the part may hold anything
        try:
            lo, hi = stats.min, stats.max
        except (UnicodeDecodeError, ValueError):  # a rounded-up bound that is not UTF-8
            return rows, None, None
        if not isinstance(lo, str) or not isinstance(hi, str):
            return rows, None, None
        lows.append(lo)
        highs.append(hi)
    return rows, min(lows), max(highs)


def _table_select(t: LakeTable, relation: str, where: str = "", more: tuple[str, ...] = ()) -> str:
    """Return SQL of ``t``'s rows from a store relation, with its partition columns."""
    cols = [n for n, _ in _columns(t.source)]
    # Partition columns the table lacks (rejected rows take their batch's origin).
    extra = [sql_ident(p) for p in t.partitions if p != "month" and p not in cols]
    if "month" in t.partitions:
        extra.append(f"strftime({sql_ident(str(t.month_of))}, '%Y-%m') AS month")
    out = ", ".join([*(sql_ident(c) for c in cols), *extra, *more])
    return f"SELECT {out} FROM {relation} {where}"


def write_parts(
    con: duckdb.DuckDBPyConnection, lake: Lake, tag: str, selects: dict[str, str]
) -> list[LakePart]:
    """Write each table's rows (``selects``: table -> SQL) as parts of ``tag`` and place them.

    The parts are written under the staging folder and moved into place; nothing is visible
    until :meth:`Lake.publish` lists them.
    """
    staged = lake.staging(tag)
    placed: list[LakePart] = []
    try:
        for name, sql in selects.items():
            t = _BY_NAME[name]
            n = fetch_one(con, f"SELECT count(*) FROM ({sql})")
            if not n or not int(n[0]):
                continue
            _stage(con, staged, t, sql, tag)
            placed.extend(lake.place(staged, tag, name))
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return placed


def _stage(con: duckdb.DuckDBPyConnection, staged: str, t: LakeTable, sql: str, name: str) -> None:
    target = Path(staged) / t.name
    target.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"COPY ({sql}) TO {sql_string(str(target))} (FORMAT parquet, COMPRESSION zstd, "
        f"PARTITION_BY ({', '.join(t.partitions)}), OVERWRITE_OR_IGNORE, "
        f"FILENAME_PATTERN {sql_string('part-' + name + '-{i}')})"
    )


def _batch_selects(batch: int, schema: str) -> dict[str, str]:
    """Return SQL of the rows a batch added to a writer database, per lake table."""
    s = f"{schema}.main."
    mine = f"WHERE batch_id = {batch}"
    return {
        "events": _table_select(
            _BY_NAME["events"], f"{s}event_rows", f"{mine} AND _reject IS NULL"
        ),
        "mentions": _table_select(
            _BY_NAME["mentions"], f"{s}mention_rows", f"{mine} AND _reject IS NULL"
        ),
        "rejected": _table_select(
            _BY_NAME["rejected"],
            f"(SELECT r.*, l.origin FROM {s}rejected r JOIN {s}ingest_log l USING (batch_id))",
            mine,
        ),
        "ingest_log": _table_select(_BY_NAME["ingest_log"], f"{s}ingest_log", mine),
        "daily_volume": (
            f'SELECT origin, event_date AS day, count(*) AS "rows" FROM {s}event_rows {mine} '
            "AND _reject IS NULL AND event_date IS NOT NULL GROUP BY origin, event_date"
        ),
    }


#: The key columns of the rows a lake already stores, for the writer's duplicate check.
_STORED_ELSEWHERE = {
    "event_rows": ("events", "origin, event_id"),
    "mention_rows": ("mentions", "event_id, mention_identifier, sentence_id"),
}


def _stored_keys(lake: Lake, table: str, cols: str) -> Callable[[str, str, str], str | None]:
    """Return the writer's function from a batch's event_id bounds to SQL of the keys held.

    Only the parts whose recorded range (and, for events, origin) can hold those keys are read,
    and only their rows within the bounds, so the check does not grow with the whole lake.
    """

    def keys(lo: str, hi: str, origin: str) -> str | None:
        parts = lake.parts_holding(table, lo, hi, origin=origin if table == "events" else None)
        if not parts:
            return None
        files = [lake.path(p.path) for p in parts]
        return (
            f"SELECT {cols} FROM ({_view_sql(_BY_NAME[table], files)}) "
            f"WHERE {_KEY} BETWEEN {sql_string(lo)} AND {sql_string(hi)}"
        )

    return keys


class LakeSession:
    """A store's hold on its lake: the writer's lock and scratch database, when it writes.

    Batches are loaded by the store's own writer (:func:`brinkwatch.store._writer.load_batch`)
    into a scratch in-memory database attached to the store's connection as ``_w``, seeded
    with the lake's ingest log, rejects and the keys of its events and mentions, so that
    validation, rejects, repeats and duplicates follow exactly the rules of a DuckDB file.
    The batch's rows are then written as parts and published.
    """

    def __init__(self, lake: Lake, con: duckdb.DuckDBPyConnection, *, writer: bool) -> None:
        self.lake = lake
        self.con = con
        self.writer = writer
        self._lock: contextlib.ExitStack | None = None
        self._seeded = False

    def acquire(self, wait: float) -> None:
        """Take the writer's lock and remove what a killed writer left."""
        stack = contextlib.ExitStack()
        stack.enter_context(self.lake.writer_lock(wait))
        self._lock = stack
        self.lake.init()
        self.lake.clean()

    def close(self) -> None:
        """Drop the writer's lock."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _seed(self) -> None:
        """Make a fresh scratch database for one batch, seeded with the lake's log and rejects.

        The lake's event and mention keys are not copied in: the writer checks the batch's keys
        against the parts that can hold them (``_stored_keys``), so memory follows the batch,
        not the lake.
        """
        con = self.con
        self._drop_scratch()
        con.execute("ATTACH ':memory:' AS _w")
        con.execute("USE _w")
        try:
            for stmt in ddl():
                con.execute(stmt)
        finally:
            con.execute("USE memory")
        con.execute("INSERT INTO _w.main.ingest_log SELECT * FROM memory.main.ingest_log")
        con.execute("INSERT INTO _w.main.rejected SELECT * FROM memory.main.rejected")
        last = fetch_one(con, "SELECT coalesce(max(batch_id), 0) FROM memory.main.ingest_log")
        start = int(last[0]) + 1 if last else 1
        con.execute(f"CREATE OR REPLACE SEQUENCE _w.main.batch_seq START {start}")
        self._seeded = True

    def _drop_scratch(self) -> None:
        if self._seeded:
            self.con.execute("USE memory")
            self.con.execute("DETACH _w")
            self._seeded = False

    def load_batch(
        self,
        source: BatchSource,
        *,
        fingerprint: str | Callable[[], str],
        progress: Progress | None,
        memory_cap: str | None,
    ) -> BatchCounts:
        """Load one file as a batch and publish it; see :meth:`Store.load_batch`."""
        from brinkwatch.store._writer import load_batch

        if not self.writer:
            raise StoreError(
                "the lake is open read-only; open it for writing to ingest", path=self.lake.root
            )
        self._seed()
        con = self.con
        con.execute("USE _w")
        try:
            counts = load_batch(
                con,
                source,
                fingerprint=fingerprint,
                progress=progress,
                memory_cap=memory_cap,
                stored_elsewhere={
                    rows: _stored_keys(self.lake, table, cols)
                    for rows, (table, cols) in _STORED_ELSEWHERE.items()
                },
            )
        finally:
            con.execute("USE memory")
        b = counts.batch_id
        try:
            placed = write_parts(con, self.lake, f"{b:06d}", _batch_selects(b, "_w"))
            self.lake.publish(placed)
        except BaseException:
            with contextlib.suppress(OSError):
                self.lake.clean()
            raise
        finally:
            # Published or not, the batch leaves the scratch database: it is in the lake now,
            # or nowhere (a failed publish leaves only staging, which clean() removes).
            self._drop_scratch()
        self.lake.create_views(con)
        return counts


def open_lake_store(
    root: str | Path,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
    wait: float = 0.0,
    backend: str = "duckdb",
    spark_session: Any = None,
    master: str | None = None,
) -> Store:
    """Open a lake as a :class:`Store`; see :func:`brinkwatch.store.connect`."""
    lake = Lake(root)
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    session: LakeSession | None = None
    con = duckdb.connect(":memory:", config=config)
    try:
        if not read_only:
            session = LakeSession(lake, con, writer=True)
            session.acquire(wait)
        lake.create_views(con)
    except BaseException:
        if session is not None:
            session.close()
        con.close()
        raise
    if backend == "spark":
        try:
            store = _spark_lake_store(con, lake, spark_session, master)
        except BaseException:
            if session is not None:
                session.close()  # the writer's lock, taken above
            con.close()
            raise
    else:
        store = Store(con, None, read_only=read_only)
    store.lake = lake
    store._lake = session or LakeSession(lake, con, writer=False)
    return store


def _spark_lake_store(
    con: duckdb.DuckDBPyConnection, lake: Lake, session: Any, master: str | None = None
) -> Store:
    """Return a store whose every table Spark reads from the parts of the lake's manifest.

    Each lake table is a temporary view of the store's own Spark session under its own name,
    with the columns and types of the DuckDB view over the same parts (partition columns
    text); ``daily_volume`` adds up its parts per origin and day as the DuckDB view does.
    """
    import ibis
    from pyspark.sql import functions as sf

    from brinkwatch.store._store import empty_spark_frame, spark_store_session

    session = spark_store_session(session, master=master)
    if lake.url:
        _require_spark_filesystem(session, lake)
    parts = lake.parts()
    for t in LAKE_TABLES:
        files = [lake.path(p.path) for p in parts if p.table == t.name]
        if not files:
            # The DuckDB view gives the types: read_parquet needs at least one file.
            empty_spark_frame(session, con, sql_ident(t.name)).createOrReplaceTempView(t.name)
            continue
        df = session.read.option("basePath", lake.path(t.name)).parquet(*files)
        df = df.select(*[sf.col(c) for c, _ in _columns(t.source)])
        if t.aggregate is not None:
            # The Spark form of ``t.aggregate``: daily_volume's parts hold one row per batch.
            df = df.groupBy("origin", "day").agg(sf.sum("rows").cast("bigint").alias("rows"))
        df.createOrReplaceTempView(t.name)
    return Store(con, None, backend="spark", ibis_backend=ibis.pyspark.connect(session))


def _require_spark_filesystem(session: Any, lake: Lake) -> None:
    """Fail clearly unless Spark's Hadoop has a filesystem for the lake's URL scheme.

    Spark reads object stores through Hadoop connectors (``hadoop-aws`` for S3), which a
    PySpark install does not carry; without one every read would fail deep in the JVM.
    """
    scheme = lake.root.split("://", 1)[0]
    jvm = getattr(session, "_jvm", None)
    if jvm is None:
        return  # Spark Connect: the server's classpath decides, and says so itself
    try:
        conf = session._jsc.hadoopConfiguration()
        jvm.org.apache.hadoop.fs.FileSystem.getFileSystemClass(scheme, conf)
    except Exception as exc:  # py4j's error for a class Hadoop cannot find
        raise StoreError(
            f"Spark cannot read the lake at {lake.root}: its Hadoop has no filesystem for "
            f"{scheme}://. Put the connector on the cluster's classpath (for S3: hadoop-aws "
            "and the AWS SDK bundle, e.g. spark.jars.packages=org.apache.hadoop:hadoop-aws:"
            "<Hadoop version>, with spark.hadoop.fs.s3.impl="
            "org.apache.hadoop.fs.s3a.S3AFileSystem and fs.s3a.* credentials and endpoint); "
            "or read the lake with DuckDB (drop --engine spark)",
            path=lake.root,
        ) from exc


def _require_empty_lake(lake: Lake) -> None:
    if lake.parts():
        raise StoreError(
            f"the lake at {lake.root} already holds data; export into a new or empty lake "
            "(brinkwatch lake init NEW_PATH)",
            path=lake.root,
        )


def export_to_lake(store: Store, root: str | Path, *, wait: float = 0.0) -> dict[str, int]:
    """Write every table of a DuckDB store into an empty lake, batch ids and all.

    Returns
    -------
    dict
        Rows written per lake table.

    Raises
    ------
    StoreError
        If the lake already holds data (a lake is filled from one store, or by ingest).
    """
    lake = Lake(root)
    with lake.writer_lock(wait):
        lake.init()
        lake.clean()
        _require_empty_lake(lake)
        con = store.con
        selects = {
            t.name: _table_select(t, t.source)
            for t in LAKE_TABLES
            if t.name not in ("rejected", "daily_volume")
        }
        selects["rejected"] = _table_select(
            _BY_NAME["rejected"],
            "(SELECT r.*, l.origin FROM rejected r JOIN ingest_log l USING (batch_id))",
        )
        selects["daily_volume"] = 'SELECT origin, day, "rows" FROM daily_volume'
        placed = write_parts(con, lake, "export", selects)
        lake.publish(placed)
    return {t.name: sum(p.rows for p in placed if p.table == t.name) for t in LAKE_TABLES}


def import_from_lake(root: str | Path, store: Store) -> dict[str, int]:
    """Copy every table of a lake into an empty DuckDB store, batch ids and all.

    Returns
    -------
    dict
        Rows added per table.

    Raises
    ------
    StoreError
        If the store already holds batches (import into a new file), or is read-only.
    """
    lake = Lake(root)
    con = store.con
    row = fetch_one(con, "SELECT count(*) FROM ingest_log")
    held = fetch_one(con, "SELECT count(*) FROM event_rows")
    if (row and int(row[0])) or (held and int(held[0])):
        raise StoreError(
            "the store already holds data; import a lake into a new store file (--db NEW_FILE)",
            path=store.path,
        )
    lake.create_views(con, prefix="_lake_")
    targets = {
        "events": "event_rows",
        "mentions": "mention_rows",
        "rejected": "rejected",
        "ingest_log": "ingest_log",
        "daily_volume": "daily_volume",
    }
    added: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for name, table in targets.items():
            cols = ", ".join(sql_ident(n) for n, _ in _columns(name))
            n = fetch_one(con, f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _lake_{name}")
            added[name] = int(n[0]) if n else 0
        last = fetch_one(con, "SELECT coalesce(max(batch_id), 0) FROM ingest_log")
        start = int(last[0]) + 1 if last else 1
        con.execute(f"CREATE OR REPLACE SEQUENCE batch_seq START {start}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in targets:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP VIEW IF EXISTS _lake_{name}")
    return added

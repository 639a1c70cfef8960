"""Ingest files into the store: one transaction per file, every row accounted for."""

from __future__ import annotations

import csv
import gzip
import hashlib
import mmap
import os
import shutil
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import duckdb
import xxhash

from brinkwatch import codebook
from brinkwatch._sizes import size_bytes as _bytes
from brinkwatch._types import Progress
from brinkwatch.errors import (
    BrinkwatchError,
    CodebookError,
    ConfigError,
    FileFormatError,
    MappingError,
)
from brinkwatch.ingest._formats import ICEWS_HEADER, Format, detect_format, first_line
from brinkwatch.ingest._lines import record_lines
from brinkwatch.ingest._mapping import ColumnMapping, check_origin, positional_columns
from brinkwatch.ingest._sql import (
    EVENT_DATE_RANGE,
    MAX_LINE_BYTES,
    Reader,
    csv_reader,
    gdelt_reader,
    icews_reader,
    mention_select,
    mentions_reader,
    typed_select,
)
from brinkwatch.store import (
    BatchSource,
    CutLine,
    Store,
    fetch_one,
    skip_blank_lines,
    sql_string,
)

__all__ = [
    "DEFAULT_MAX_DECOMPRESSED",
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MEMORY_LIMIT",
    "EVENT_DATE_RANGE",
    "FileReport",
    "IngestReport",
    "expand_paths",
    "fingerprint",
    "ingest",
]


@dataclass
class FileReport:
    """What happened to one file: ``read == stored + rejected + duplicates + blank`` when ``ok``.

    ``read`` counts the lines (records) read after the header, blank lines included.
    """

    file: str
    format: str
    origin: str
    bytes: int
    read: int = 0
    stored: int = 0
    rejected: int = 0
    duplicates: int = 0
    blank: int = 0
    batch_id: int | None = None
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The file was ingested (its rows may still have been rejected)."""
        return self.error is None


@dataclass
class IngestReport:
    """The reports of one ingest run, with totals."""

    files: list[FileReport] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    @property
    def read(self) -> int:
        """Rows read over all files."""
        return self._sum("read")

    @property
    def stored(self) -> int:
        """Rows stored over all files."""
        return self._sum("stored")

    @property
    def rejected(self) -> int:
        """Rows rejected over all files."""
        return self._sum("rejected")

    @property
    def duplicates(self) -> int:
        """Rows counted as duplicates over all files."""
        return self._sum("duplicates")

    @property
    def failed(self) -> list[FileReport]:
        """Files that could not be ingested at all."""
        return [f for f in self.files if not f.ok]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON object ``brinkwatch ingest --json`` prints."""
        return {
            "read": self.read,
            "stored": self.stored,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "failed": len(self.failed),
            "files": [asdict(f) for f in self.files],
            # A run that cannot start has its error here (see the CLI); files carry their own.
            "error": None,
        }


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories into the files below them (sorted, hidden files skipped).

    Raises
    ------
    FileFormatError
        If a path does not exist.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file()
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        elif p.is_file():
            out.append(p)
        else:
            raise FileFormatError("no such file or directory", path=p)
    return out


#: Files are identified by a hash of their whole content, read in chunks of this size.
_HASH_CHUNK = 1 << 20
#: Prefix of a content fingerprint: the algorithm, so that a change of algorithm never matches.
_FP_PREFIX = "xxh3-128:"

#: Compressed input (``.gz`` files, ``.zip`` members) is decompressed to a temporary file as it
#: is read, and the run refuses it as soon as it expands more than this many times its
#: compressed size (override with ``max_ratio=`` or ``$BRINKWATCH_MAX_RATIO``). Event exports
#: compress 5 to 15 times; the bombs seen expanded about 1,000 times.
DEFAULT_MAX_RATIO = 100.0
#: ... or past this many bytes in all (``max_decompressed=`` or ``$BRINKWATCH_MAX_DECOMPRESSED``,
#: e.g. ``32GB``). A 5M-row GDELT export is about 2 GB.
DEFAULT_MAX_DECOMPRESSED = 16 * 2**30
#: The ratio is judged only past this much output: tiny files have meaningless ratios.
RATIO_GRACE_BYTES = 1 << 20


def _new_hash() -> Any:
    # Measured on the project's machines (401 MB, page cache): xxh3_128 0.03 s, SHA-256 0.29 s,
    # BLAKE2b 0.71 s. The hash runs beside DuckDB's two threads on two cores, so its cost shows
    # in the ingest's time; a 128-bit non-cryptographic hash identifies content, not an attacker.
    return xxhash.xxh3_128()


def fingerprint(path: Path) -> str:
    """Identify a file by a hash (XXH3, 128 bits) of its whole content, read in chunks.

    Two files have the same fingerprint only if their bytes are the same, so a file changed
    anywhere (even keeping its size) is read again, and its unchanged rows are counted as
    duplicates row by row.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        ``"xxh3-128:"`` and 32 hex digits.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> p = Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes(b"event_id,event_date")
    >>> fingerprint(p) == fingerprint(p) and fingerprint(p).startswith("xxh3-128:")
    True
    """
    h = _new_hash()
    buf = bytearray(_HASH_CHUNK)
    view = memoryview(buf)
    with path.open("rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            h.update(view[:n])
    return _FP_PREFIX + str(h.hexdigest())


class _BackgroundFingerprint:
    """Hash a file in a side thread while DuckDB reads it (the hash runs in C on 1 MiB chunks)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._result: str | None = None
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = fingerprint(self._path)
        except OSError as exc:
            self._error = exc

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


@dataclass(frozen=True)
class _Budget:
    """How far compressed input may expand: a ratio to its compressed size, and a size."""

    max_ratio: float
    max_bytes: int

    @classmethod
    def resolve(cls, max_ratio: float | None, max_bytes: int | None) -> _Budget:
        """Take the parameters, else the environment, else the defaults."""
        if max_ratio is None:
            env = os.environ.get("BRINKWATCH_MAX_RATIO")
            try:
                max_ratio = float(env) if env else DEFAULT_MAX_RATIO
            except ValueError:
                raise ConfigError(
                    f"expected a number such as 100, got {(env or '')[:40]!r}",
                    field="BRINKWATCH_MAX_RATIO",
                ) from None
        if max_bytes is None:
            env = os.environ.get("BRINKWATCH_MAX_DECOMPRESSED")
            size = _bytes(env) if env else float(DEFAULT_MAX_DECOMPRESSED)
            if size == float("inf"):
                raise ConfigError(
                    f"expected a size such as 32GB or 500MiB, got {(env or '')[:40]!r}",
                    field="BRINKWATCH_MAX_DECOMPRESSED",
                )
            max_bytes = int(size)
        if not max_ratio >= 1 or max_bytes < 1:
            raise ConfigError(
                f"the decompression budget must be a ratio >= 1 and a size >= 1 byte, got "
                f"{max_ratio} and {max_bytes}",
                field="max_ratio" if not max_ratio >= 1 else "max_decompressed",
            )
        return cls(float(max_ratio), int(max_bytes))

    def check(self, member: str, out: int, compressed: int) -> None:
        """Raise when ``out`` bytes decompressed from ``compressed`` ones exceed the budget."""
        if out > self.max_bytes:
            raise FileFormatError(
                f"decompresses to more than {self.max_bytes:,} bytes, the limit for compressed "
                "input; it was not read. If the file is genuine, raise the limit with "
                "BRINKWATCH_MAX_DECOMPRESSED (e.g. 64GB) or decompress it yourself",
                path=member,
            )
        if out > RATIO_GRACE_BYTES and out > self.max_ratio * max(compressed, 1):
            raise FileFormatError(
                f"expands more than {self.max_ratio:g} times its compressed size "
                f"({compressed:,} bytes gave over {out:,}), the limit for compressed input: "
                "it looks like a decompression bomb and was not read. If the file is genuine, "
                "raise the limit with BRINKWATCH_MAX_RATIO or decompress it yourself",
                path=member,
            )


@dataclass(frozen=True)
class _Content:
    """Plain bytes that DuckDB reads: the file itself, or a decompressed temporary copy."""

    path: Path
    size: int
    #: Known when a decompression pass hashed the bytes on the way; else hashed later.
    fingerprint: str | None = None
    temporary: bool = False


class _CountingReader:
    """A binary source that counts the bytes read from it (the compressed side of a stream)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.count += len(data)
        return data

    def seek(self, n: int, /) -> object:
        return self._raw.seek(n)


_DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile)


def _expand(
    src: IO[bytes] | gzip.GzipFile,
    member: str,
    compressed: Callable[[], int],
    budget: _Budget,
    target: Path,
) -> _Content:
    """Decompress ``src`` into ``target`` chunk by chunk, hashing it and checking the budget.

    Nothing is written past the budget: the check runs before each chunk is written, and a
    refused file is deleted.
    """
    h = _new_hash()
    n = 0
    try:
        with target.open("wb") as dst:
            while chunk := src.read(_HASH_CHUNK):
                n += len(chunk)
                budget.check(member, n, compressed())
                h.update(chunk)
                dst.write(chunk)
    except BrinkwatchError:
        target.unlink(missing_ok=True)
        raise
    except _DECOMPRESS_ERRORS as exc:
        target.unlink(missing_ok=True)
        raise FileFormatError(
            f"cannot decompress it ({type(exc).__name__}: {str(exc)[:200]}); it may be "
            "truncated or corrupt: download it again",
            path=member,
        ) from exc
    return _Content(target, n, _FP_PREFIX + str(h.hexdigest()), temporary=True)


def _plain_name(name: str) -> str:
    base = Path(name).name
    return base[:-3] if base.lower().endswith(".gz") else base


def _members(
    path: Path, budget: _Budget, workdir: Path
) -> Generator[tuple[str, Callable[[], _Content]], None, None]:
    """Yield (display name, opener) for each stream of a file: itself, or its zip members.

    An opener returns the plain bytes to read. Compressed streams (``.gz`` files, zip members,
    ``.gz`` zip members) are decompressed to ``workdir`` only when opened, one at a time and
    within ``budget``, and hashed on the way; the caller deletes each copy when done with it.
    """
    name = path.name.lower()
    if name.endswith((".zst", ".zstd")):
        raise FileFormatError(
            "zstd-compressed input is not read, because its decompressed size cannot be "
            "bounded here; decompress it first (zstd -d FILE) or recompress it with gzip",
            path=path,
        )
    if name.endswith(".gz"):

        def gunzip() -> _Content:
            with path.open("rb") as raw:
                counted = _CountingReader(raw)
                with gzip.GzipFile(fileobj=counted, mode="rb") as gz:
                    target = workdir / f"0-{_plain_name(path.name)}"
                    return _expand(gz, str(path), lambda: counted.count, budget, target)

        yield str(path), gunzip
        return
    if not name.endswith(".zip"):
        yield str(path), lambda: _Content(path, path.stat().st_size)
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(
            f"not a readable zip archive ({exc}); download it again", path=path
        ) from exc
    with zf:
        for i, info in enumerate(m for m in zf.infolist() if not m.is_dir()):
            member = f"{path}:{info.filename}"

            def extract(info: zipfile.ZipInfo = info, member: str = member, i: int = i) -> _Content:
                # The zip's own header is checked first: zipfile never yields more than the
                # declared size, so a member that passes here cannot grow past it.
                budget.check(member, info.file_size, info.compress_size)
                target = workdir / f"{i}-{_plain_name(info.filename)}"
                try:
                    src = zf.open(info)
                except (*_DECOMPRESS_ERRORS, NotImplementedError, RuntimeError) as exc:
                    raise FileFormatError(
                        f"cannot open the zip member ({exc}); it may be encrypted or use an "
                        "unsupported compression: extract it yourself",
                        path=member,
                    ) from exc
                with src:
                    if not info.filename.lower().endswith(".gz"):
                        return _expand(src, member, lambda: info.compress_size, budget, target)
                    counted = _CountingReader(src)
                    with gzip.GzipFile(fileobj=counted, mode="rb") as gz:
                        return _expand(gz, member, lambda: counted.count, budget, target)

            yield member, extract


#: DuckDB buffer-pool cap while ingesting; see :func:`ingest`.
DEFAULT_MEMORY_LIMIT = os.environ.get("BRINKWATCH_MEMORY_LIMIT", "1GB")


def _enum(values: Iterable[str]) -> str:
    return "ENUM(" + ", ".join(sql_string(v) for v in values) + ")"


def _prepare_codebook(con: duckdb.DuckDBPyConnection) -> None:
    """Define the codebook lookups the typed SELECT uses, once per connection.

    They are scalar macros (an ENUM cast finds the index, a constant list holds the value)
    rather than joins: a hash join may emit rows in another order than the file's, and the
    pipeline derives line numbers from that order.
    """
    found = fetch_one(
        con, "SELECT count(*) FROM duckdb_functions() WHERE function_name = '_cb_is_code'"
    )
    if found and found[0]:
        return
    ev = codebook.event_codes().to_pylist()
    codes = [e["code"] for e in ev]
    golds = "[" + ", ".join(repr(float(e["goldstein"])) for e in ev) + "]::DOUBLE[]"
    quad_by_root = sorted({e["root"]: int(e["quad_class"]) for e in ev}.items())
    # Quad classes cover contiguous root ranges: a few comparisons instead of 20 branches.
    nexts = [*quad_by_root[1:], None]
    bounds = [
        (root, q)
        for (root, q), nxt in zip(quad_by_root, nexts, strict=True)
        if nxt is None or nxt[1] != q
    ]
    quads_in_order = [q for _, q in bounds]
    if sorted(set(quads_in_order)) != quads_in_order:
        raise CodebookError("quad classes do not follow the root order in the codebook")
    quad_case = (
        "CASE " + " ".join(f"WHEN r <= {sql_string(root)} THEN {q}" for root, q in bounds) + " END"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO _cb_is_code(c) AS TRY_CAST(c AS {_enum(codes)}) IS NOT NULL"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO _cb_gold(c) AS "
        f"({golds})[enum_code(TRY_CAST(c AS {_enum(codes)})) + 1]"
    )
    con.execute(f"CREATE OR REPLACE TEMP MACRO _cb_quad(r) AS {quad_case}")

    countries = codebook.countries()
    names: dict[str, str] = {}
    for code, name, aliases in zip(
        countries.column("code").to_pylist(),
        countries.column("name").to_pylist(),
        countries.column("aliases").to_pylist(),
        strict=True,
    ):
        for n in [code, name, *((aliases or "").split("|"))]:
            if n and n.strip():
                names.setdefault(n.strip().lower(), code)
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO _cb_country(n) AS "
        f"([{', '.join(sql_string(c) for c in names.values())}])"
        f"[enum_code(TRY_CAST(lower(n) AS {_enum(names)})) + 1]"
    )
    sectors = [r for r in codebook.icews_sectors().to_pylist() if r["actor_type"]]
    types = sorted({r["actor_type"] for r in sectors})
    # rank = priority * 1000 + type index: the smallest rank names the winning type.
    ranks = [int(r["priority"]) * 1000 + types.index(r["actor_type"]) for r in sectors]
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO _cb_sector_rank(s) AS ([{', '.join(map(str, ranks))}])"
        f"[enum_code(TRY_CAST(s AS {_enum(r['sector'] for r in sectors)})) + 1]"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO _sector_type(x) AS "
        f"([{', '.join(sql_string(t) for t in types)}])[list_min(list_transform("
        f"string_split(x, ','), lambda e: _cb_sector_rank(trim(e)))) % 1000 + 1]"
    )


_DELIMITERS = (",", "\t", ";", "|")


def _columns_of(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: Format, mapping: ColumnMapping
) -> tuple[list[str], str]:
    """Return a file's column names and its delimiter, from its header line alone.

    The header is parsed here rather than by DuckDB's sniffer, which fails a whole file for
    one bad line in its sample and, lenient, would keep doubled quotes in values.
    """
    if fmt is Format.PARQUET:
        src = f"read_parquet({sql_string(str(path))})"
        try:
            rows = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
        except duckdb.Error as exc:
            raise FileFormatError(f"cannot read the file's header: {exc}", path=path) from exc
        return [str(r[0]) for r in rows], ","
    try:
        head = first_line(path).decode("utf-8", errors="replace").removeprefix("\ufeff")
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise FileFormatError(f"cannot read the file's header: {exc}", path=path) from exc
    delim = mapping.delimiter or max(_DELIMITERS, key=head.count)
    try:
        names = next(csv.reader([head], delimiter=delim, strict=True), [])
    except csv.Error as exc:
        raise FileFormatError(
            f'cannot read the header line: {exc}; quote column names with " as RFC 4180 does',
            path=path,
            line=1,
        ) from exc
    if not mapping.header:  # no names in the file: columns are positions 1..width
        return positional_columns(len(names), mapping, path=path), delim
    out: list[str] = []
    for i, name in enumerate(names):
        base = name or f"column{i}"
        # Repeated names get a suffix, as DuckDB's own reader names them.
        cand, k = base, 0
        while cand in out:
            k += 1
            cand = f"{base}_{k}"
        out.append(cand)
    return out, delim


def _reader(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    display: str,
    fmt: Format,
    mapping: ColumnMapping | None,
    rt: str,
    rs: str,
) -> Reader:
    p = str(path)
    if fmt is Format.GDELT1:
        return gdelt_reader(p, 1, rt, rs)
    if fmt is Format.GDELT2:
        return gdelt_reader(p, 2, rt, rs)
    if fmt is Format.GDELT2_MENTIONS:
        return mentions_reader(p, rt, rs)
    if fmt is Format.ICEWS:
        header = first_line(path).decode("utf-8", errors="replace").split("\t")
        missing = [h for h in ("Event ID", "Event Date", "CAMEO Code") if h not in header]
        if missing:
            raise FileFormatError(
                f"the ICEWS header lacks {', '.join(missing)}; expected the Dataverse layout "
                f"({', '.join(ICEWS_HEADER)})",
                path=display,
                line=1,
            )
        return icews_reader(p, header, rt, rs)
    available, delim = _columns_of(con, path, fmt, mapping or ColumnMapping())
    if mapping is None or not mapping.columns:
        if {"event_id", "event_date", "cameo_code"} <= set(available):
            mapping = ColumnMapping.identity(available).merged(mapping or ColumnMapping())
        else:
            raise MappingError(
                "this file needs a column mapping: pass --mapping FILE.yaml or --map "
                "FIELD=COLUMN (columns found: " + ", ".join(available[:30]) + ")",
                path=display,
            )
    absent = [f"{f} -> '{c}'" for f, c in mapping.columns.items() if c not in available]
    if absent:
        raise MappingError(
            f"the mapping ({mapping.source}) names columns the file does not have: "
            f"{'; '.join(absent)}. Columns found: {', '.join(available[:40])}",
            path=display,
        )
    return csv_reader(p, mapping, available, rt, rs, parquet=fmt is Format.PARQUET, delimiter=delim)


def _signature(fmt: Format, reader: Reader, mapping: ColumnMapping | None) -> str:
    """Hash what decides how a file's rows are read: same file and signature, same result."""
    from brinkwatch import __version__

    parts = [fmt.value, reader.origin, __version__, repr(mapping)]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def _ingest_one(
    store: Store,
    display: str,
    content: _Content | Path,
    fmt: Format,
    mapping: ColumnMapping | None,
    progress: Progress | None,
    cap: str | None = None,
) -> FileReport:
    con = store.con
    if isinstance(content, Path):  # a plain file (coded events write one)
        content = _Content(content, content.stat().st_size)
    t0 = time.perf_counter()
    path, size = content.path, content.size
    if size == 0:
        raise FileFormatError("the file is empty; nothing to ingest", path=display)
    rt, rs = "_scan_rejects", "_scan_info"
    reader = _reader(con, path, display, fmt, mapping, rt, rs)
    origin = reader.origin
    sig = _signature(fmt, reader, mapping)
    report = FileReport(file=display, format=fmt.value, origin=origin, bytes=size)
    fp = content.fingerprint
    if fp is None and store.seen_file_size(size, sig):
        # Possibly a repeat: hash first, so that an unchanged file is not read again.
        fp = fingerprint(path)
    hasher = _BackgroundFingerprint(path) if fp is None else None
    # The store takes the hash as it runs in the side thread, and asks for it once loaded.
    known: str | Callable[[], str] = hasher.result if hasher is not None else str(fp)
    try:
        with _batch_source(reader, display, fmt, sig, size, rt, rs) as source:
            counts = store.load_batch(
                source,
                fingerprint=known,
                progress=progress,
                memory_cap=cap,
            )
    except BaseException:
        if hasher is not None:
            with suppress(OSError):
                hasher.result()  # never leave the thread reading a file the caller deletes
        raise
    report.read, report.stored, report.rejected = counts.read, counts.stored, counts.rejected
    report.duplicates, report.blank = counts.duplicates, counts.blank
    report.batch_id = counts.batch_id
    report.seconds = time.perf_counter() - t0
    if progress is not None:
        progress(display, 1.0)
    return report


#: Lines longer than this are cut out before DuckDB reads the file: DuckDB rejects lines over
#: ``MAX_LINE_BYTES`` itself, but drops a line longer than its read buffer (about 32 MB)
#: without a trace and counts the lines after it one short.
LONG_LINE_BYTES = 8 * 2**20
_CHUNK = 2**20
_RAW_KEEP = 10_000


@dataclass(frozen=True)
class _LongLine:
    line: int
    start: int
    end: int


def _chunks(path: Path) -> Iterator[bytes]:
    """Yield a file's bytes (decompressed for ``.gz``) in chunks of at most ``_CHUNK``."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _may_have_long_lines(path: Path) -> bool:
    """Whether some aligned block of ``LONG_LINE_BYTES / 2`` bytes holds no line break.

    Every line longer than ``LONG_LINE_BYTES`` covers such a block. A plain file is probed
    through a memory map, touching about one page per block, so the check costs next to
    nothing; a ``.gz`` has to be decompressed.
    """
    block = LONG_LINE_BYTES // 2
    if path.name.lower().endswith(".gz"):
        buf = b""
        for chunk in _chunks(path):
            buf += chunk
            while len(buf) >= block:
                if buf.find(b"\n", 0, block) < 0:
                    return True
                buf = buf[block:]
        return False
    size = path.stat().st_size
    if size < block:
        return False
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        # No read-ahead, and each probed block released: else the kernel maps the pages it
        # reads ahead into this process, and peak memory grows with the file (1 GB at 2 GB).
        m.madvise(mmap.MADV_RANDOM)
        for o in range(0, size - block + 1, block):
            found = m.find(b"\n", o, o + block) >= 0
            m.madvise(mmap.MADV_DONTNEED, o, block)
            if not found:
                return True
        return False


#: Bytes searched for a carriage return before their pages are released.
_CR_WINDOW = 64 * 2**20


def _needs_cr_folding(path: Path) -> bool:
    r"""Whether DuckDB's line scanner would split the file's lines other than at its ``\n``.

    DuckDB takes a lone ``\r`` for a line break, and when the first break of a file is ``\n``
    it splits a later ``\r\n`` into two lines: line numbers shift and blank lines appear. A
    file without ``\r``, or with ``\r`` only in ``\r\n`` starting from its first break, is
    read as it is (one C-speed search in the common case of no ``\r`` at all).
    """
    size = path.stat().st_size
    if size == 0:
        return False
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        # Window by window, each dropped from this process's memory once searched: the page
        # cache keeps the file, and the peak memory of an ingest does not grow with its size.
        found = False
        for o in range(0, size, _CR_WINDOW):
            found = m.find(b"\r", o, o + _CR_WINDOW) >= 0
            m.madvise(mmap.MADV_DONTNEED, o, min(_CR_WINDOW, size - o))
            if found:
                break
        if not found:
            return False
        first = m.find(b"\n")
        if first <= 0 or m[first - 1 : first] != b"\r":
            return True
    crs = crlfs = 0
    tail = b""
    for chunk in _chunks(path):
        crs += chunk.count(b"\r")
        crlfs += (tail + chunk[:1]).count(b"\r\n") + chunk.count(b"\r\n")
        tail = chunk[-1:]
    return crs != crlfs


class _CrFolder:
    r"""Writes bytes with ``\r\n`` as ``\n`` and a lone ``\r`` as a space.

    Every ``\n`` stays, so every line keeps its number; a ``\r`` split from its ``\n`` by a
    chunk boundary is held back until the next write.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.held = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self.held:
            data, self.held = b"\r" + data, False
        if data.endswith(b"\r"):
            data, self.held = data[:-1], True
        self.out.write(data.replace(b"\r\n", b"\n").replace(b"\r", b" "))

    def close(self) -> None:
        if self.held:
            self.out.write(b" ")
            self.held = False


def _long_lines(path: Path) -> list[_LongLine]:
    """Find the lines longer than ``LONG_LINE_BYTES`` with their physical line numbers."""
    if not _may_have_long_lines(path):
        return []
    found: list[_LongLine] = []
    line, start, offset = 1, 0, 0
    for chunk in _chunks(path):
        # A chunk is shorter than a long line: only a line that crosses chunks can be long.
        nl = chunk.find(b"\n")
        if nl >= 0:
            if offset + nl - start > LONG_LINE_BYTES:
                found.append(_LongLine(line, start, offset + nl))
            line += chunk.count(b"\n")
            start = offset + chunk.rfind(b"\n") + 1
        offset += len(chunk)
    if offset - start > LONG_LINE_BYTES:
        found.append(_LongLine(line, start, offset))
    return found


def _without_long_lines(
    path: Path, long: Sequence[_LongLine], target: Path, *, fold_cr: bool = False
) -> list[bytes]:
    """Copy ``path`` (decompressed) to ``target`` with each long line emptied.

    The line breaks stay, so every other line keeps its number. With ``fold_cr`` the copy has
    its carriage returns folded (:class:`_CrFolder`). Returns the first bytes of each long
    line, for the reject's ``raw``.
    """
    heads: list[bytearray] = [bytearray() for _ in long]
    i, offset = 0, 0
    with target.open("wb") as raw_out:
        out: IO[bytes] | _CrFolder = _CrFolder(raw_out) if fold_cr else raw_out
        for chunk in _chunks(path):
            pos, end = 0, len(chunk)
            while pos < end:
                if i < len(long) and offset + pos >= long[i].start:
                    stop = min(end, long[i].end - offset)
                    room = _RAW_KEEP - len(heads[i])
                    if room > 0:
                        heads[i] += chunk[pos : min(stop, pos + room)]
                    pos = stop
                    if offset + pos >= long[i].end:
                        i += 1
                    continue
                stop = end if i >= len(long) else min(end, long[i].start - offset)
                out.write(chunk[pos:stop])
                pos = stop
            offset += end
        if isinstance(out, _CrFolder):
            out.close()
    return [bytes(h) for h in heads]


def _clean_lines(reader: Reader, workdir: Path) -> tuple[Reader, tuple[CutLine, ...]]:
    r"""Return the reader on a copy without long lines and carriage returns, and the cut lines.

    A line-based file whose lines DuckDB reads as they are comes back unchanged; else the
    copy (``workdir / "lines.txt"``) has the long lines emptied (rejected as the cut lines
    say) and ``\r`` folded (:class:`_CrFolder`).
    """
    if not reader.line_based:
        return reader, ()
    long = _long_lines(Path(reader.path))
    fold = _needs_cr_folding(Path(reader.path))
    if not (long or fold):
        return reader, ()
    clean = workdir / "lines.txt"
    heads = _without_long_lines(Path(reader.path), long, clean, fold_cr=fold)
    cut = tuple(
        CutLine(
            g.line,
            "line_too_long",
            f"the line has {g.end - g.start} bytes, more than the {MAX_LINE_BYTES} a line "
            "may have; split or remove it",
            head.decode("utf-8", errors="replace"),
        )
        for g, head in zip(long, heads, strict=True)
    )
    return reader.at(str(clean)), cut


def _source(
    reader: Reader,
    display: str,
    fmt: Format,
    sig: str,
    size: int,
    rt: str,
    rs: str,
    cut: tuple[CutLine, ...],
) -> BatchSource:
    """Describe a file (already cleaned by :func:`_clean_lines`) for the store to load."""
    unblank = replace(reader, sql=skip_blank_lines(reader.sql))
    mentions = reader.kind == "mentions"
    return BatchSource(
        file=display,
        format=fmt.value,
        origin=reader.origin,
        signature=sig,
        bytes=size,
        sql=mention_select(unblank) if mentions else typed_select(unblank, EVENT_DATE_RANGE),
        header_lines=reader.header_lines,
        rejects_table=rt,
        rejects_scan=rs,
        line_scan=reader.line_scan() if reader.line_based else None,
        cut_lines=cut,
        record_lines=record_lines(reader),
        table=reader.kind,
    )


@contextmanager
def _batch_source(
    reader: Reader, display: str, fmt: Format, sig: str, size: int, rt: str, rs: str
) -> Iterator[BatchSource]:
    """Describe the file for the store to load, its long lines cut out while it is loaded.

    Blank lines are counted, not stored. Lines too long for DuckDB's scanner are cut out
    beforehand (see :data:`LONG_LINE_BYTES`) into a cleaned copy and rejected.
    """
    tmp = Path(tempfile.mkdtemp(prefix="brinkwatch-long-"))
    try:
        reader, cut = _clean_lines(reader, tmp)
        yield _source(reader, display, fmt, sig, size, rt, rs, cut)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    *,
    fmt: Format | str = Format.AUTO,
    mapping: ColumnMapping | None = None,
    progress: Progress | None = None,
    on_file: Callable[[FileReport], None] | None = None,
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
    origin_override: bool = False,
    max_ratio: float | None = None,
    max_decompressed: int | None = None,
) -> IngestReport:
    """Ingest event files into a store, each file in one transaction.

    Every data row read ends up stored, rejected (in the ``rejected`` table with file, line,
    field, reason and the raw text) or counted as a duplicate of an event already stored
    (same origin and event id); ``ingest_log`` records the counts per file. A file that cannot
    be read at all (or vanishes during the run) is reported with its error and the run goes on
    with the next one.

    A file is identified by a hash of its whole content (:func:`fingerprint`): the same bytes
    read the same way again are not read again, and a changed file is read in full, its
    unchanged rows counting as duplicates. Plain files are hashed in a side thread while
    DuckDB reads them; compressed ones while they are decompressed.

    Parameters
    ----------
    store
        An open DuckDB store (:func:`brinkwatch.store.connect`).
    paths
        Files or directories (read recursively); ``.gz`` and ``.zip`` as GDELT ships them.
    fmt
        ``auto`` to detect each file's format, or one of gdelt1, gdelt2, gdelt2-mentions,
        icews, csv, parquet. GDELT 2.0 mentions files (``*.mentions.CSV[.zip]``) go to the
        store's ``mentions`` table, keyed by event, article and sentence.
    mapping
        Column mapping for CSV and Parquet input (required unless the file has canonical
        column names).
    progress
        Called with (file, fraction done) while a file is read.
    on_file
        Called with each file's report when it is done.
    memory_limit
        Cap on DuckDB's buffer pool while ingesting (default ``1GB``, or
        ``$BRINKWATCH_MEMORY_LIMIT``; ``None`` leaves the store's setting and turns trimming
        off). DuckDB keeps every block it writes cached until memory runs short, so memory
        would grow with the file; for files over 64 MB a side connection trims the written
        table blocks from the cache as the insert runs, and a 5M-row GDELT file peaks at
        about 1.3 times the memory of a 1M-row one (``bench/ingest.py``).
    origin_override
        Let a user mapping claim a built-in origin (``gdelt1``, ``gdelt2``, ``icews``,
        ``chronology``, ``coded``), with an :class:`~brinkwatch.errors.OriginOverrideWarning`;
        without it such a mapping raises :class:`~brinkwatch.errors.MappingError`. Mappings
        shipped inside the package may claim their origin.
    max_ratio, max_decompressed
        The budget of compressed input: ``.gz`` files and ``.zip`` members are decompressed
        as they are read (to a temporary file, one at a time) and refused, naming the member,
        once they expand more than ``max_ratio`` times their compressed size or past
        ``max_decompressed`` bytes. Defaults: :data:`DEFAULT_MAX_RATIO` (100) and
        :data:`DEFAULT_MAX_DECOMPRESSED` (16 GiB), or ``$BRINKWATCH_MAX_RATIO`` and
        ``$BRINKWATCH_MAX_DECOMPRESSED``.

    Returns
    -------
    IngestReport
        Per-file reports and totals.

    Raises
    ------
    ConfigError
        If the decompression budget (parameters or environment) is invalid.

    Examples
    --------
    >>> from brinkwatch.store import connect
    >>> from brinkwatch.ingest import ingest
    >>> report = ingest(connect(":memory:"), [])
    >>> report.read
    0
    """
    check_origin(mapping, override=origin_override)
    forced = Format(fmt)
    budget = _Budget.resolve(max_ratio, max_decompressed)
    _prepare_codebook(store.con)
    cap = store.cap_memory(memory_limit) if memory_limit else None
    report = IngestReport()

    def failed(name: str, error: str) -> None:
        rep = FileReport(file=name, format=str(fmt), origin="", bytes=0, error=error)
        report.files.append(rep)
        if on_file is not None:
            on_file(rep)

    def load(
        display: str, content: _Content, f: Format, mapping: ColumnMapping | None
    ) -> FileReport:
        # The store retries a batch that ran out of memory while trimming, without trimming.
        return _ingest_one(store, display, content, f, mapping, progress, cap)

    workdir = Path(tempfile.mkdtemp(prefix="brinkwatch-ingest-"))
    try:
        for path in expand_paths(paths):
            try:
                with closing(_members(path, budget, workdir)) as members:
                    for display, opener in members:
                        rep = _ingest_member(display, opener, forced, mapping, load)
                        report.files.append(rep)
                        if on_file is not None:
                            on_file(rep)
            except BrinkwatchError as exc:
                failed(str(path), str(exc))
            except OSError as exc:
                failed(str(path), _vanished(str(path), exc))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def _vanished(display: str, exc: OSError) -> str:
    return (
        f"{display}: cannot read the file ({exc.strerror or exc}); it may have been moved or "
        "deleted while the run went on. Check the path and ingest it again"
    )


def _ingest_member(
    display: str,
    opener: Callable[[], _Content],
    forced: Format,
    mapping: ColumnMapping | None,
    load: Callable[[str, _Content, Format, ColumnMapping | None], FileReport],
) -> FileReport:
    """Open one stream, detect its format and ``load`` it; every failure becomes the error.

    Both engines use it (``load`` ingests into a DuckDB store or on Spark), so a file that
    cannot be opened or read is reported the same way by either.
    """
    content: _Content | None = None
    try:
        content = opener()
        f = forced
        if f is Format.AUTO:
            f = detect_format(content.path, has_mapping=mapping is not None)
        return load(display, content, f, mapping)
    except BrinkwatchError as exc:
        error = str(exc)
    except duckdb.Error as exc:
        error = f"{display}: DuckDB could not read it as {forced}: {exc}"
    except OSError as exc:
        error = _vanished(display, exc)
    finally:
        if content is not None and content.temporary:
            content.path.unlink(missing_ok=True)
    return FileReport(file=display, format=str(forced), origin="", bytes=0, error=error)

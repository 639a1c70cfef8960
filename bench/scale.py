"""How ingest and the weekly triad index grow with rows: DuckDB file, DuckDB lake, Spark cluster.

Run it from the project root with the project's venv::

    .venv/bin/python bench/scale.py --quick                     # smoke run: 100k and 300k rows
    .venv/bin/python bench/scale.py                             # 1M, 10M and 50M rows (hours)
    .venv/bin/python bench/scale.py --rows 1M,10M --engines duckdb-file,duckdb-lake
    .venv/bin/python bench/scale.py --resume                    # skip the cells already in --out

Input: seeded synthetic GDELT 2.0 exports (``bench/_synth.py``) of at most ``--file-rows`` rows
each (1M by default; 100k with ``--quick``), as real GDELT arrives in many files: 10M rows are
ten files. File ``i`` has seed ``seed + i`` and event ids offset by ``i * file_rows``, so the
files hold distinct events and a larger size reuses the smaller one's files. They are made once
into ``--data-dir`` (default ``~/.cache/brinkwatch/scale``) and reused.

Per engine and size (a "cell"):

- ``duckdb-file``: ``brinkwatch.ingest.ingest(store, files)`` into a new DuckDB file
  (``connect(DB)``; the wall time includes opening and closing it); then the weekly
  USA-JPN-KOR relation index (``bench/measure.py``'s ``default`` variant: ``count="auto"``,
  state actors, ``goldstein_sum``, 52-week baseline) on ``connect(DB, read_only=True)``.
- ``duckdb-lake``: the same into a new lake (``Lake(PATH).init()``, then
  ``connect(lake=PATH)``), and the index on DuckDB over the lake.
- ``spark-cluster``: a standalone cluster (one master, two workers of one core and 2 GB each,
  ``brinkwatch.store.standalone_cluster``) started once for all sizes and stopped at the end.
  One Spark session per cell on it (its start is "session s", outside the ingest time);
  ``brinkwatch.ingest.ingest_on_spark(files, LAKE, session=...)`` into a new lake if the
  function exists (else the ingest columns say "n/a (ingest_on_spark missing)"); then the
  index with ``connect(lake=LAKE, backend="spark", spark_session=...)``, over the lake Spark
  wrote or, without ``ingest_on_spark``, the lake DuckDB wrote.

Measured per step (ingest, index): wall seconds; CPU seconds (user + system) of every process
involved, i.e. this process and all its descendants (the Spark driver JVM, the cluster's
daemons and their executors), from psutil: each process's CPU time is sampled every 0.2 s and
its growth over the step summed (a process that ends between two samples loses at most 0.2 s);
peak RSS summed over the same processes (shared pages count once per process, so the sum
overstates the Spark rows a little), with what they held when the step began in brackets;
others' CPU: the share of the machine's CPU that other processes used during the step (from
``psutil.cpu_times()`` minus ours; high means the wall seconds are inflated, the CPU seconds
much less so). The index is run twice on one connection: "index s 1st" and "index s" (the
second run, warm); its CPU and RSS cover connect() and both runs. The counts (read, stored,
rejected, duplicates) come from the ingest report and must agree across engines; the index's
rows and events counted too. "store MB (parts)": the size of the DuckDB file after ingest, or
the bytes and number of the Parquet parts the lake's manifest lists.

Growth: per engine, the least-squares slope of seconds against rows (s per million rows) of
ingest wall, ingest CPU and index seconds, and, between consecutive sizes, the time ratio
divided by the row ratio (1.0 = linear growth; above 1 grows faster than the rows).

Results go to ``--out`` (JSON, default ``bench/out/scale.json``), rewritten after every cell;
``--resume`` keeps the cells already there (same seed and file size) and runs only the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import platform
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _synth

if TYPE_CHECKING:
    from brinkwatch.store import StandaloneCluster

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out" / "scale.json"
DEFAULT_DATA = Path("~/.cache/brinkwatch/scale").expanduser()
ENGINES = ("duckdb-file", "duckdb-lake", "spark-cluster")
FULL_ROWS, QUICK_ROWS = "1M,10M,50M", "100k,300k"
FULL_FILE_ROWS, QUICK_FILE_ROWS = 1_000_000, 100_000
SAMPLE_SECONDS = 0.2
MISSING = "n/a (ingest_on_spark missing)"
#: The index variant of ``bench/measure.py`` that is timed: today's defaults.
VARIANT = "default"


def parse_rows(text: str) -> int:
    """``1M`` -> 1000000, ``300k`` -> 300000, ``2_000_000`` -> 2000000."""
    t = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    value = float(t[:-1]) if scale > 1 else float(t)
    rows = round(value * scale)
    if rows < 1:
        raise argparse.ArgumentTypeError(f"a size must be at least one row; got {text!r}")
    return rows


def label(rows: int) -> str:
    """A short label: 1M, 300k, 1234."""
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


# --- measuring processes -----------------------------------------------------------------------


@dataclass
class Usage:
    """What a step cost: wall and CPU seconds, peak RSS (MB) summed over the processes."""

    wall: float = 0.0
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    start_rss_mb: float = 0.0  # what the processes held when the step began
    others_cpu: float = 0.0  # share of the machine's CPU that other processes used meanwhile


class Monitor:
    """Samples this process's tree (plus ``extra`` pids and theirs) every 0.2 s in a thread."""

    def __init__(self, extra: Callable[[], list[int]] = list) -> None:
        self.extra = extra
        self.usage = Usage()
        self._start: dict[tuple[int, float], float] = {}
        self._last: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = 0.0
        self._busy0 = 0.0

    def _procs(self) -> list[psutil.Process]:
        me = psutil.Process()
        seen = {me.pid: me}
        roots = [me]
        for pid in self.extra():
            with contextlib.suppress(psutil.Error):
                roots.append(psutil.Process(pid))
        for root in roots:
            seen.setdefault(root.pid, root)
            with contextlib.suppress(psutil.Error):
                for child in root.children(recursive=True):
                    seen.setdefault(child.pid, child)
        return list(seen.values())

    def sample(self, first: bool = False) -> None:
        """Record every process's CPU time and the summed RSS now."""
        rss = 0
        for p in self._procs():
            try:
                with p.oneshot():
                    key = (p.pid, p.create_time())
                    t = p.cpu_times()
                    cpu = float(t.user + t.system)
                    rss += p.memory_info().rss
            except psutil.Error:
                continue
            if first:
                self._start[key] = cpu
            self._last[key] = cpu
        self.usage.peak_rss_mb = max(self.usage.peak_rss_mb, rss / 1e6)
        if first:
            self.usage.start_rss_mb = rss / 1e6

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()

    def __enter__(self) -> Monitor:
        self.sample(first=True)
        self._busy0 = _busy_seconds()
        self._t0 = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.usage.wall = time.perf_counter() - self._t0
        self._stop.set()
        self._thread.join()
        self.sample()
        # Processes born during the step started from zero CPU seconds.
        self.usage.cpu = sum(v - self._start.get(k, 0.0) for k, v in self._last.items())
        others = _busy_seconds() - self._busy0 - self.usage.cpu
        capacity = self.usage.wall * (os.cpu_count() or 1)
        self.usage.others_cpu = min(1.0, max(0.0, others / capacity)) if capacity else 0.0


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0))


# --- cells -------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One engine at one size: the figures that go to the table and the JSON."""

    engine: str
    rows: int
    files: int = 0
    ingest_s: float | None = None
    ingest_cpu_s: float | None = None
    ingest_peak_rss_mb: float | None = None
    ingest_start_rss_mb: float | None = None
    ingest_others_cpu: float | None = None
    read: int | None = None
    stored: int | None = None
    rejected: int | None = None
    duplicates: int | None = None
    failed_files: int | None = None
    store_mb: float | None = None  # the DuckDB file, or every part the lake's manifest lists
    parts: int | None = None  # lake: Parquet parts the manifest lists
    broken_on_purpose: int = 0
    session_s: float | None = None  # Spark: the session's start on the cluster
    index_setup_s: float | None = None  # connect()
    index_first_s: float | None = None  # building the expression + to_pyarrow(), first run
    index_s: float | None = None  # the same, second run (Ibis, Spark's JIT and caches warm)
    index_cpu_s: float | None = None
    index_peak_rss_mb: float | None = None
    index_others_cpu: float | None = None
    index_rows: int | None = None
    index_events: int | None = None
    index_source: str = ""  # which lake or file the index read
    note: str = ""
    error: str = ""
    load_avg: list[float] = field(default_factory=list)
    finished: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.engine, self.rows)

    def rate(self, seconds: float | None) -> float | None:
        if seconds is None or seconds <= 0 or self.read is None:
            return None
        return self.read / seconds


@dataclass
class Data:
    """The input files of one size and what they hold."""

    rows: int
    paths: list[Path]
    broken: int


def ensure_data(data_dir: Path, rows: int, file_rows: int, seed: int, con: Console) -> Data:
    """Make (or reuse) the files of ``rows`` rows: ``ceil(rows / file_rows)`` files."""
    paths: list[Path] = []
    broken = 0
    n_files = math.ceil(rows / file_rows)
    for i in range(n_files):
        n = min(file_rows, rows - i * file_rows)
        info, made = _synth.ensure_file(data_dir, n, seed + i, id_offset=i * file_rows)
        if made:
            con.print(
                f"  made {Path(info.path).name} ({n:,} rows, {info.bytes / 1e6:,.0f} MB) in "
                f"{info.generate_seconds:.1f} s"
            )
        paths.append(Path(info.path))
        broken += info.invalid_total
    return Data(rows, paths, broken)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        # The database and the sidecars the store keeps beside it (WAL, lock, readers).
        for tail in ("", ".wal", ".lock", ".readers"):
            side = path.with_name(path.name + tail)
            if side.is_dir():
                shutil.rmtree(side)
            else:
                side.unlink(missing_ok=True)


def _take_usage(cell: Cell, u: Usage) -> None:
    cell.ingest_s, cell.ingest_cpu_s = u.wall, u.cpu
    cell.ingest_peak_rss_mb, cell.ingest_start_rss_mb = u.peak_rss_mb, u.start_rss_mb
    cell.ingest_others_cpu = u.others_cpu


def _take_report(cell: Cell, report: Any) -> None:
    cell.read, cell.stored = int(report.read), int(report.stored)
    cell.rejected, cell.duplicates = int(report.rejected), int(report.duplicates)
    cell.failed_files = len(report.failed)
    if report.failed:
        cell.note = f"{len(report.failed)} files failed: {report.failed[0].error}"


def _index(cell: Cell, open_store: Callable[[], Any], extra: Callable[[], list[int]]) -> Any:
    """Time connect() and the weekly triad index on the store it opens; return the table."""
    import measure

    variant = measure.BY_KEY[VARIANT]
    with Monitor(extra) as m:
        t0 = time.perf_counter()
        store = open_store()
        cell.index_setup_s = time.perf_counter() - t0
        try:
            t1 = time.perf_counter()
            measure.triad_index(store.events, variant)
            t2 = time.perf_counter()
            table = measure.triad_index(store.events, variant)
            cell.index_first_s, cell.index_s = t2 - t1, time.perf_counter() - t2
        finally:
            store.close()
    cell.index_cpu_s, cell.index_peak_rss_mb = m.usage.cpu, m.usage.peak_rss_mb
    cell.index_others_cpu = m.usage.others_cpu
    cell.index_rows = table.num_rows
    cell.index_events = int(sum(v or 0 for v in table.column("events").to_pylist()))
    return table


def _duckdb_ingest(
    cell: Cell, data: Data, open_store: Callable[[], Any], tick: Callable[[], None]
) -> None:
    from brinkwatch.ingest import ingest

    with Monitor() as m:
        store = open_store()
        try:
            report = ingest(store, data.paths, on_file=lambda _f: tick())
        finally:
            store.close()
    _take_usage(cell, m.usage)
    _take_report(cell, report)


def run_duckdb_file(cell: Cell, data: Data, work: Path, tick: Callable[[], None]) -> Any:
    """Ingest into a new DuckDB file, then the index on it; the file is removed after."""
    from brinkwatch.store import connect

    db = work / f"duckdb-file-{cell.rows}.duckdb"
    _remove(db)
    try:
        _duckdb_ingest(cell, data, lambda: connect(db), tick)
        cell.store_mb = sum(p.stat().st_size for p in (db, db.with_name(db.name + ".wal"))
                            if p.is_file()) / 1e6  # fmt: skip
        cell.index_source = "the DuckDB file"
        return _index(cell, lambda: connect(db, read_only=True), list)
    finally:
        _remove(db)


def _lake_size(cell: Cell, root: Path) -> None:
    from brinkwatch.store import Lake

    parts = Lake(root).parts()
    cell.store_mb = sum(p.bytes for p in parts) / 1e6
    cell.parts = len(parts)


def lake_path(work: Path, writer: str, rows: int) -> Path:
    """Where the lake that ``writer`` (duckdb or spark) writes for ``rows`` rows lives."""
    return work / f"lake-{writer}-{rows}"


def run_duckdb_lake(cell: Cell, data: Data, work: Path, tick: Callable[[], None]) -> Any:
    """Ingest into a new lake with DuckDB, then the index on DuckDB over it (the lake stays)."""
    from brinkwatch.store import Lake, connect

    root = lake_path(work, "duckdb", cell.rows)
    _remove(root)
    Lake(root).init()
    _duckdb_ingest(cell, data, lambda: connect(lake=root), tick)
    _lake_size(cell, root)
    cell.index_source = "the lake DuckDB wrote"
    return _index(cell, lambda: connect(lake=root, read_only=True), list)


def ensure_duckdb_lake(data: Data, work: Path) -> Path:
    """The lake DuckDB wrote for these rows, written now (untimed) if it is missing."""
    from brinkwatch.ingest import ingest
    from brinkwatch.store import Lake, connect

    root = lake_path(work, "duckdb", data.rows)
    lake = Lake(root)
    if lake.exists() and sum(p.rows for p in lake.parts("events")) > 0:
        return root
    _remove(root)
    lake.init()
    store = connect(lake=root)
    try:
        ingest(store, data.paths)
    finally:
        store.close()
    return root


def spark_session(master: str) -> Any:
    """A session on the cluster: UI off, UTC, executors of one core and 1 GB, 8 partitions."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master)
        .appName("brinkwatch-bench-scale")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "1g")
        .config("spark.executor.memory", "1g")
        .config("spark.executor.cores", "1")
        .config("spark.pyspark.python", sys.executable)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def run_spark(
    cell: Cell, data: Data, work: Path, cluster: StandaloneCluster, tick: Callable[[], None]
) -> Any:
    """Ingest on the cluster (if ``ingest_on_spark`` exists), then the index on the cluster."""
    import importlib

    from brinkwatch.store import Lake, connect

    # None on a checkout from before Spark ingest existed.
    ingest_on_spark = getattr(importlib.import_module("brinkwatch.ingest"), "ingest_on_spark", None)
    t0 = time.perf_counter()
    session = spark_session(cluster.master_url)
    cell.session_s = time.perf_counter() - t0
    try:
        if ingest_on_spark is None:
            cell.note = MISSING
            root = ensure_duckdb_lake(data, work)
            cell.index_source = "the lake DuckDB wrote"
        else:
            root = lake_path(work, "spark", cell.rows)
            _remove(root)
            Lake(root).init()
            with Monitor(lambda: cluster.pids) as m:
                report = ingest_on_spark(data.paths, str(root), session=session)
            tick()
            _take_usage(cell, m.usage)
            _take_report(cell, report)
            _lake_size(cell, root)
            cell.index_source = "the lake Spark wrote"
        return _index(
            cell,
            lambda: connect(lake=root, backend="spark", spark_session=session, read_only=True),
            lambda: cluster.pids,
        )
    finally:
        session.stop()
        if ingest_on_spark is not None:
            _remove(lake_path(work, "spark", cell.rows))


# --- growth ------------------------------------------------------------------------------------

METRICS = (("ingest_s", "ingest wall"), ("ingest_cpu_s", "ingest CPU"), ("index_s", "index"))


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of seconds against rows, in seconds per million rows."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(r for r, _ in points) / n
    my = sum(s for _, s in points) / n
    sxx = sum((r - mx) ** 2 for r, _ in points)
    if sxx == 0:
        return None
    sxy = sum((r - mx) * (s - my) for r, s in points)
    return sxy / sxx * 1e6


def growth(cells: list[Cell]) -> list[dict[str, Any]]:
    """Per engine and metric: the slope, the intercept and the step ratios."""
    out: list[dict[str, Any]] = []
    for engine in ENGINES:
        mine = sorted(
            (c for c in cells if c.engine == engine and not c.error), key=lambda c: c.rows
        )
        for attr, name in METRICS:
            pts = [(c.rows, float(v)) for c in mine if (v := getattr(c, attr)) is not None]
            if not pts:
                continue
            s = slope(pts)
            steps = []
            for (r1, t1), (r2, t2) in itertools.pairwise(pts):
                if t1 > 0:
                    steps.append({
                        "from": r1, "to": r2, "time_ratio": t2 / t1, "row_ratio": r2 / r1,
                        "linearity": (t2 / t1) / (r2 / r1),
                    })  # fmt: skip
            mean_r = sum(r for r, _ in pts) / len(pts)
            mean_t = sum(t for _, t in pts) / len(pts)
            icpt = mean_t - (s or 0.0) * mean_r / 1e6 if s is not None else None
            out.append({
                "engine": engine, "metric": name, "points": pts,
                "s_per_million_rows": s, "intercept_s": icpt, "steps": steps,
            })  # fmt: skip
    return out


def checks(cells: list[Cell]) -> list[str]:
    """The counts (and the index's rows and events) must agree across engines at each size."""
    out = []
    for rows in sorted({c.rows for c in cells}):
        mine = [c for c in cells if c.rows == rows and not c.error]
        counts = {
            c.engine: (c.read, c.stored, c.rejected, c.duplicates)
            for c in mine
            if c.read is not None
        }
        if counts:
            same = len(set(counts.values())) == 1
            read, stored, rejected, dups = next(iter(counts.values()))
            out.append(
                f"counts agree at {label(rows)} ({', '.join(counts)}): "
                f"{'yes' if same else 'no'}"
                + (f" (read {read:,} = stored {stored:,} + rejected {rejected:,} + duplicates "
                   f"{dups:,})" if same and read is not None and stored is not None
                   and rejected is not None and dups is not None else f" {counts}")
            )  # fmt: skip
            broken = mine[0].broken_on_purpose
            if same and rejected is not None:
                out.append(
                    f"rejected = rows broken on purpose at {label(rows)}: "
                    f"{'yes' if rejected == broken else 'no'} ({rejected:,} vs {broken:,})"
                )
        index = {c.engine: (c.index_rows, c.index_events) for c in mine if c.index_rows is not None}
        if index:
            same = len(set(index.values())) == 1
            out.append(
                f"index agrees at {label(rows)} ({', '.join(index)}): {'yes' if same else 'no'} "
                f"{next(iter(index.values())) if same else index} (rows, events counted)"
            )
    return out


# --- output ------------------------------------------------------------------------------------

HEADERS = [
    "engine", "rows", "files", "ingest s", "CPU s", "rows/s", "rows/CPU s",
    "peak RSS MB (at start)", "others' CPU", "store MB (parts)",
    "stored", "rejected", "dups", "session s", "index connect s", "index s 1st", "index s",
    "index CPU s",
    "index RSS MB",
]  # fmt: skip


def _f(v: float | None, fmt: str = ".2f") -> str:
    return "—" if v is None else format(v, fmt)


def _n(v: int | None) -> str:
    return "—" if v is None else f"{v:,}"


def cell_row(c: Cell) -> list[str]:
    """The table's cells for one engine and size."""
    if c.error:
        return [c.engine, label(c.rows), str(c.files), "error", *["—"] * (len(HEADERS) - 4)]
    missing = c.ingest_s is None and c.note == MISSING
    rss = _f(c.ingest_peak_rss_mb, ",.0f") + (
        f" ({c.ingest_start_rss_mb:,.0f})" if c.ingest_start_rss_mb is not None else ""
    )
    ingest = [MISSING, *["—"] * 6] if missing else [
        _f(c.ingest_s), _f(c.ingest_cpu_s), _f(c.rate(c.ingest_s), ",.0f"),
        _f(c.rate(c.ingest_cpu_s), ",.0f"), rss, _f(c.ingest_others_cpu, ".0%"),
        _f(c.store_mb, ",.0f") + (f" ({c.parts:,})" if c.parts is not None else ""),
    ]  # fmt: skip
    return [
        c.engine, label(c.rows), str(c.files), *ingest, _n(c.stored), _n(c.rejected),
        _n(c.duplicates), _f(c.session_s), _f(c.index_setup_s), _f(c.index_first_s, ".3f"),
        _f(c.index_s, ".3f"),
        _f(c.index_cpu_s), _f(c.index_peak_rss_mb, ",.0f"),
    ]  # fmt: skip


def growth_rows(g: list[dict[str, Any]]) -> list[list[str]]:
    """Rows of the growth table: engine, metric, slope, and each step's linearity."""
    out = []
    for item in g:
        steps = "; ".join(
            f"{label(s['from'])}→{label(s['to'])}: ×{s['time_ratio']:.2f} for "
            f"×{s['row_ratio']:.0f} rows = {s['linearity']:.2f}"
            for s in item["steps"]
        )
        out.append([
            item["engine"], item["metric"], _f(item["s_per_million_rows"]),
            _f(item["intercept_s"]), steps or "—",
        ])  # fmt: skip
    return out


def extrapolate(g: list[dict[str, Any]], rows: int) -> list[list[str]]:
    """Seconds at ``rows`` from each slope and intercept, assuming linear growth."""
    out = []
    for item in g:
        s, icpt = item["s_per_million_rows"], item["intercept_s"]
        if s is None or icpt is None:
            continue
        largest = max(r for r, _ in item["points"])
        if s <= 0:  # fixed costs and noise swamp the growth: nothing to extrapolate
            out.append([item["engine"], item["metric"], "—", "—", "no growth measured (slope ≤ 0)"])
            continue
        t = icpt + s * rows / 1e6
        out.append([
            item["engine"], item["metric"], f"{t:,.0f}", f"{t / 3600:,.1f}",
            f"×{rows / largest:,.0f} beyond {label(largest)}",
        ])  # fmt: skip
    return out


EXTRA_HEADERS = ["engine", "step", "seconds", "hours", "extrapolated"]


def markdown(cells: list[Cell], g: list[dict[str, Any]], extra_rows: int) -> str:
    """GitHub markdown of both tables (for bench/README.md and docs/scaling.md)."""
    align = ["---"] * 3 + ["---:"] * (len(HEADERS) - 3)
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell_row(c)) + " |" for c in cells]
    lines += ["", "| engine | step | s per 1M rows | intercept s | step ratios (1.00 = linear) |",
              "|---|---|---:|---:|---|"]  # fmt: skip
    lines += ["| " + " | ".join(r) + " |" for r in growth_rows(g)]
    lines += ["", f"Extrapolated to {label(extra_rows)} rows (assumes linear growth):", "",
              "| " + " | ".join(EXTRA_HEADERS) + " |", "|---|---|---:|---:|---|"]  # fmt: skip
    lines += ["| " + " | ".join(r) + " |" for r in extrapolate(g, extra_rows)]
    return "\n".join(lines)


def print_results(
    cells: list[Cell], notes: list[str], show_markdown: bool, extra_rows: int
) -> None:
    """Print the cells, the growth and the checks."""
    out = Console() if sys.stdout.isatty() else Console(width=220)
    table = Table(title="Ingest and weekly USA-JPN-KOR index by engine and size")
    for i, h in enumerate(HEADERS):
        table.add_column(h, justify="left" if i == 0 else "right")
    for c in cells:
        table.add_row(*cell_row(c))
    out.print(table)
    g = growth(cells)
    gt = Table(title="Growth: least-squares slope and step ratios (time ratio ÷ row ratio)")
    for h in ("engine", "step", "s per 1M rows", "intercept s", "step ratios (1.00 = linear)"):
        gt.add_column(h, justify="left" if h in ("engine", "step") else "right")
    for r in growth_rows(g):
        gt.add_row(*r)
    out.print(gt)
    et = Table(
        title=f"EXTRAPOLATION to {label(extra_rows)} rows: intercept + slope × rows, assuming "
        "linear growth (not measured)"
    )
    for h in EXTRA_HEADERS:
        et.add_column(h, justify="left" if h in ("engine", "step", "extrapolated") else "right")
    for r in extrapolate(g, extra_rows):
        et.add_row(*r)
    out.print(et)
    for n in [*notes, *checks(cells)]:
        colour = "red" if ": no" in n else "green" if ": yes" in n else "white"
        out.print(f"[{colour}]• {n}[/{colour}]", highlight=False)
    for c in cells:
        if c.error or (c.note and c.note != MISSING):
            out.print(f"[yellow]{c.engine} {label(c.rows)}: {c.error or c.note}[/yellow]")
    if show_markdown:
        print()
        print(markdown(cells, g, extra_rows))


# --- the run -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--rows", help=f"sizes, comma-separated (default {FULL_ROWS})")
    ap.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_ROWS}")
    ap.add_argument(
        "--engines", default=",".join(ENGINES), help=f"subset of {','.join(ENGINES)} (all)"
    )
    ap.add_argument(
        "--file-rows", type=parse_rows,
        help=f"rows per input file (default {label(FULL_FILE_ROWS)}; "
        f"{label(QUICK_FILE_ROWS)} with --quick)",
    )  # fmt: skip
    ap.add_argument("--seed", type=int, default=0, help="seed of the first file (default 0)")
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help=f"default {DEFAULT_DATA}")
    ap.add_argument("--work-dir", type=Path, help="stores and lakes (default DATA_DIR/work)")
    ap.add_argument(
        "--out", type=Path,
        help=f"results JSON (default {DEFAULT_OUT}; scale-quick.json beside it with --quick)",
    )  # fmt: skip
    ap.add_argument("--resume", action="store_true", help="keep the cells already in --out")
    ap.add_argument("--keep", action="store_true", help="keep the lakes DuckDB wrote")
    ap.add_argument("--markdown", action="store_true", help="also print markdown tables")
    ap.add_argument(
        "--extrapolate", type=parse_rows, default=500_000_000,
        help="rows to extrapolate the slopes to (default 500M)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    try:
        args.sizes = sorted(
            {parse_rows(s) for s in (args.rows or (QUICK_ROWS if args.quick else FULL_ROWS))
             .split(",") if s.strip()}
        )  # fmt: skip
    except (argparse.ArgumentTypeError, ValueError) as exc:
        ap.error(f"--rows takes sizes such as 1M,10M or 300k: {exc}")
    if args.file_rows is None:
        args.file_rows = QUICK_FILE_ROWS if args.quick else FULL_FILE_ROWS
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in ENGINES for e in engines):
        ap.error(f"--engines takes {', '.join(ENGINES)}; got {args.engines!r}")
    args.engines = [e for e in ENGINES if e in engines]
    args.work_dir = args.work_dir or args.data_dir / "work"
    if args.out is None:
        args.out = DEFAULT_OUT.with_name("scale-quick.json") if args.quick else DEFAULT_OUT
    return args


def load_cells(path: Path, config: dict[str, Any]) -> list[Cell]:
    """The finished cells of an earlier run with the same configuration."""
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    if data.get("config") != config:
        raise SystemExit(
            f"--resume: {path} was made with {data.get('config')}, not {config}; "
            "drop --resume or choose another --out"
        )
    names = {f.name for f in fields(Cell)}
    return [Cell(**{k: v for k, v in c.items() if k in names}) for c in data.get("cells", [])]


def save(path: Path, config: dict[str, Any], notes: list[str], cells: list[Cell]) -> None:
    """Write the results JSON (atomically: a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "config": config, "notes": notes, "cells": [asdict(c) for c in cells],
        "growth": growth(cells), "checks": checks(cells),
    }  # fmt: skip
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(body, indent=2) + "\n")
    tmp.replace(path)


def run_cell(
    engine: str, data: Data, args: argparse.Namespace, cluster: StandaloneCluster | None,
    progress: Progress,
) -> Cell:  # fmt: skip
    """Measure one engine at one size; an exception becomes the cell's error."""
    cell = Cell(engine, data.rows, files=len(data.paths), broken_on_purpose=data.broken)
    task = progress.add_task(f"{engine} {label(data.rows)}", total=len(data.paths))

    def tick() -> None:
        progress.advance(task)

    try:
        if engine == "duckdb-file":
            run_duckdb_file(cell, data, args.work_dir, tick)
        elif engine == "duckdb-lake":
            run_duckdb_lake(cell, data, args.work_dir, tick)
        elif cluster is not None:
            run_spark(cell, data, args.work_dir, cluster, tick)
    except Exception as exc:  # report it and go on with the next cell
        cell.error = f"{type(exc).__name__}: {exc}"[-2000:]
        if _STOP.is_set():
            cell.error = "stopped by SIGTERM (" + cell.error[:200] + ")"
    progress.update(task, completed=len(data.paths))
    cell.load_avg = [round(x, 2) for x in os.getloadavg()]
    cell.finished = time.strftime("%Y-%m-%dT%H:%M:%S")
    return cell


@contextlib.contextmanager
def spark_cluster(log_dir: Path, con: Console) -> Iterator[StandaloneCluster]:
    """The two-worker cluster, started when the first Spark cell is reached."""
    from brinkwatch.store import standalone_cluster

    con.print("  starting the Spark cluster (1 master, 2 workers of 1 core and 2 GB) …")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the driver binds where the cluster listens
    t0 = time.perf_counter()
    with standalone_cluster(workers=2, cores=1, memory="2g", log_dir=log_dir) as c:
        con.print(f"  cluster up in {time.perf_counter() - t0:.1f} s at {c.master_url}")
        yield c
    con.print("  cluster stopped")


_STOP = threading.Event()


def _on_sigterm(signum: int, frame: object) -> None:
    # SystemExit unwinds through the finally blocks that stop the cluster and remove lakes.
    # Py4J may turn it into an error of the cell, so the flag also ends the loop of cells.
    _STOP.set()
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the cells that are not done yet, print the tables and write the JSON."""
    args = parse_args(argv)
    con = Console(stderr=True)
    import duckdb
    import ibis  # noqa: F401  (imported now: the first cell must not pay for it)

    import brinkwatch.measure  # noqa: F401
    from brinkwatch import __version__ as bw_version

    config = {"seed": args.seed, "file_rows": args.file_rows, "generator": _synth.GENERATOR_VERSION}
    cells = load_cells(args.out, config) if args.resume else []
    cells = [c for c in cells if not c.error]
    done = {c.key for c in cells}
    load = os.getloadavg()
    notes = [
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 1e9:.0f} GB, load "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at start; Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}, brinkwatch {bw_version}",
        f"input: synthetic GDELT 2.0 files of at most {args.file_rows:,} rows (seed {args.seed} "
        f"+ file index), in {args.data_dir}",
    ]
    con.print(f"[bold]{notes[0]}[/bold]")
    todo = [(e, r) for e in args.engines for r in args.sizes if (e, r) not in done]
    data: dict[int, Data] = {}
    for rows in sorted({r for _, r in todo}):
        con.print(f"input for {label(rows)} rows …")
        data[rows] = ensure_data(args.data_dir, rows, args.file_rows, args.seed, con)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with contextlib.ExitStack() as stack:
            progress = stack.enter_context(
                Progress(
                    SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=con,
                )
            )  # fmt: skip
            cluster: StandaloneCluster | None = None
            # Spark cells come last, so the cluster's daemons neither run nor count during the
            # DuckDB cells (they are children of this process, which every step measures).
            for engine, rows in todo:
                if engine == "spark-cluster" and cluster is None:
                    log_dir = args.work_dir / "spark-cluster"
                    cluster = stack.enter_context(spark_cluster(log_dir, con))
                cell = run_cell(engine, data[rows], args, cluster, progress)
                cells = [c for c in cells if c.key != cell.key] + [cell]
                cells.sort(key=lambda c: (ENGINES.index(c.engine), c.rows))
                save(args.out, config, notes, cells)
                if _STOP.is_set():
                    con.print("[red]stopped by SIGTERM[/red]")
                    raise SystemExit(143)
    finally:
        if not args.keep:
            for rows in args.sizes:
                _remove(lake_path(args.work_dir, "duckdb", rows))
    print_results(cells, notes, args.markdown, args.extrapolate)
    con.print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

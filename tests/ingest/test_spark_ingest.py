"""Ingest on the Spark test cluster into a lake: the rows, rejects and counts of ``ingest``."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import fields
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.ingest import IngestReport, ingest, ingest_on_spark
from brinkwatch.ingest._pipeline import LONG_LINE_BYTES
from brinkwatch.ingest._sql import MAX_LINE_BYTES
from brinkwatch.measure import measure_triad
from brinkwatch.store import Lake, Store, connect
from tests.conftest import SPARK_TEST_CONF

MENTIONS = Path(__file__).resolve().parents[1] / "data" / "gdelt2" / "20191024143000.mentions.CSV"
#: Columns that record when an ingest ran, not what it read.
_WHEN = {"started", "finished"}
TABLES = ("events", "mentions", "rejected", "ingest_log", "daily_volume")
#: Session conf the Spark driver sets for its own work.
_CALLER_CONF = (
    "spark.sql.shuffle.partitions",
    "spark.sql.sources.partitionColumnTypeInference.enabled",
)


def _rows(store: Store, table: str) -> list[tuple[Any, ...]]:
    """Every row of a store table in a stable order, without the ingest timestamps."""
    con = store.con
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in _WHEN]
    sel = ", ".join(f'"{c}"' for c in cols)
    return con.execute(f"SELECT {sel} FROM {table} ORDER BY ALL").fetchall()


def _counts(report: IngestReport) -> list[tuple[str, int, int, int, int, int, str | None]]:
    return [
        (f.file, f.read, f.stored, f.rejected, f.duplicates, f.blank, f.error) for f in report.files
    ]


def _renumbered(lines: list[bytes], prefix: bytes) -> list[bytes]:
    """GDELT lines with new event ids, so that they are not duplicates of the shared file."""
    return [prefix + ln for ln in lines]


def _hostile(gdelt2: Path, target: Path) -> None:
    """GDELT 2.0 rows: a BOM, a NUL, blank lines, CRLF, a long and a too-long line, a cut end."""
    lines = _renumbered(gdelt2.read_bytes().splitlines()[:60], b"8")
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    lines[7] = lines[7][:30] + b"\x00" + lines[7][31:]
    lines[12] = b""
    lines[20] = b"   "
    lines[25] = lines[25] + b"\r"  # a CRLF line in a file of LF lines
    lines[30] = b"x" * (MAX_LINE_BYTES + 10)  # DuckDB's scanner rejects it
    lines[40] = b"y" * (LONG_LINE_BYTES + 10)  # cut out before DuckDB reads the file
    cells = lines[45].split(b"\t")
    cells[1] = b"2019XX01"
    lines[45] = b"\t".join(cells)
    lines[50] = b""
    body = b"\n".join(lines[:-1]) + b"\n" + lines[-1][:40]  # truncated last line
    target.write_bytes(body)


def _repeats(gdelt2: Path, target: Path) -> None:
    """40 GDELT rows, then 10 of them again (the first range's ids, in a later range)."""
    lines = _renumbered(gdelt2.read_bytes().splitlines()[100:140], b"7")
    target.write_bytes(b"\n".join([*lines, *lines[2:12]]) + b"\n")


#: A CSV with canonical column names: one range read whole; a quoted line break, a blank line,
#: a bad date, an unknown code, a repeated id and a broken quote (record vs. physical lines).
OWN_CSV = (
    "event_id,event_date,cameo_code,actor1_country,actor2_country,source_url\n"
    'c1,2020-01-02,042,JPN,KOR,"http://example.org/1"\n\n'
    'c2,2020-01-03,190,JPN,KOR,"two\nlines"\n'
    "c3,2020-13-03,190,JPN,KOR,u\n"
    "c1,2020-01-02,042,JPN,KOR,again\n"
    "c4,2020-01-04,999,JPN,KOR,u\n"
    'c5,2020-01-05,"broken,x\n'
)


@pytest.fixture(scope="module")
def spark_and_file(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path, spark_session: Any
) -> tuple[Path, Path, IngestReport, IngestReport]:
    """The shared files, mentions, a hostile file and repeats: on the cluster and on DuckDB."""
    root = tmp_path_factory.mktemp("spark-ingest")
    gdelt2 = shared_data / "gdelt" / "20191024143000.export.CSV"
    hostile, repeats = root / "20191024151500.export.CSV", root / "20191024153000.export.CSV"
    _hostile(gdelt2, hostile)
    _repeats(gdelt2, repeats)
    changed = root / "20191024154500.export.CSV"
    changed.write_bytes(repeats.read_bytes() + b"7" + gdelt2.read_bytes().splitlines()[300] + b"\n")
    big = [gdelt2, shared_data / "gdelt" / "gdelt1_events_sample.tsv"]
    big.append(shared_data / "icews" / "events.2018.sample.tab")
    # The same file twice (not read again), and changed by one line (its rows are in the lake).
    own = root / "own.csv"
    own.write_text(OWN_CSV)
    small = [MENTIONS, hostile, repeats, repeats, changed, own]
    lake, db = root / "lake", root / "store.duckdb"
    # Ranges small enough that every file spans several (the big ones 250 kB, the others 8 kB).
    conf = _CALLER_CONF
    before = {k: spark_session.conf.get(k) for k in conf}
    on_spark = ingest_on_spark(big, lake, session=spark_session, split_bytes=250_000)
    more = ingest_on_spark(small, lake, session=spark_session, split_bytes=8_000)
    # A library leaves its caller's session as it was (the driver sets conf in its own).
    assert {k: spark_session.conf.get(k) for k in conf} == before
    on_spark.files.extend(more.files)
    with connect(db) as d:
        on_file = ingest(d, big)
        on_file.files.extend(ingest(d, small).files)
    return lake, db, on_spark, on_file


def test_spark_ingest_counts_what_duckdb_counts(
    spark_and_file: tuple[Path, Path, IngestReport, IngestReport],
) -> None:
    lake, _, on_spark, on_file = spark_and_file
    assert not on_spark.failed
    assert _counts(on_spark) == _counts(on_file)
    for f in on_spark.files:
        assert f.read == f.stored + f.rejected + f.duplicates + f.blank
    by_name = {Path(f.file).name: f for f in on_spark.files}
    assert by_name["20191024143000.export.CSV"].stored == 2111
    assert by_name["events.2018.sample.tab"].stored == 3705
    assert by_name["20191024143000.mentions.CSV"].stored > 0
    repeats = [f for f in on_spark.files if f.file.endswith("153000.export.CSV")]
    # Ten rows repeat ids of an earlier range; read again, every row is a duplicate.
    assert [(f.stored, f.duplicates) for f in repeats] == [(40, 10), (0, 50)]
    changed = on_spark.files[-2]
    assert (changed.stored, changed.duplicates) == (1, 50)
    assert (by_name["own.csv"].stored, by_name["own.csv"].duplicates) == (2, 1)
    hostile = by_name["20191024151500.export.CSV"]
    assert (hostile.rejected, hostile.blank) == (4, 3)
    # Files were cut into several ranges, each writing its own parts.
    parts = [p.path for p in Lake(lake).parts("events")]
    assert any("origin=gdelt2" in p and "-r3-" in p for p in parts)
    assert any("origin=icews" in p and "-r3-" in p for p in parts)
    assert any("origin=gdelt1" in p and "-r1-" in p for p in parts)


def test_spark_ingest_stores_and_rejects_the_rows_duckdb_does(
    spark_and_file: tuple[Path, Path, IngestReport, IngestReport],
) -> None:
    lake, db, _, _ = spark_and_file
    with connect(lake=lake, read_only=True) as s, connect(db, read_only=True) as d:
        for table in TABLES:
            assert _rows(s, table) == _rows(d, table), table
        assert s.stats() == d.stats()
        rejects = s.con.execute(
            "SELECT line, field, reason FROM rejected WHERE file LIKE '%151500.export.CSV' "
            "ORDER BY line"
        ).fetchall()
    reasons = {r[2] for r in rejects}
    assert {"line_too_long", "bad_date"} <= reasons, rejects
    assert [r[0] for r in rejects if r[2] == "line_too_long"] == [31, 41]


def test_duckdb_reads_the_spark_written_lake_as_its_own_file(
    spark_and_file: tuple[Path, Path, IngestReport, IngestReport],
) -> None:
    lake, db, _, _ = spark_and_file
    assert Lake(lake).verify() == []
    with connect(lake=lake, read_only=True) as s, connect(db, read_only=True) as d:
        a, b = (
            measure_triad(ev, ["JPN", "KOR", "USA"], freq="month") for ev in (s.events, d.events)
        )
        assert a.table.num_rows > 0
        for f in fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert x.equals(y) if isinstance(x, pa.Table) else x == y, f.name


def test_the_cli_ingests_on_spark_into_the_lake(spark_session: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from brinkwatch.cli import app

    lake, env = tmp_path / "lake", {"BRINKWATCH_LAKE": "", "COLUMNS": "200"}
    # The session of the tests is running: the CLI's getOrCreate takes it.
    spark = ["--engine", "spark", "--master", "local[1]"]
    res = CliRunner().invoke(
        app, [*spark, "--lake", str(lake), "ingest", str(MENTIONS), "--json"], env=env
    )
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    with connect(":memory:") as d:
        want = ingest(d, [MENTIONS])
    assert (got["read"], got["stored"], got["rejected"], got["duplicates"]) == (
        want.read,
        want.stored,
        want.rejected,
        want.duplicates,
    )
    assert got["stored"] > 0 and Lake(lake).parts("mentions")
    # Spark writes only lakes: without one the run stops before reading anything.
    res = CliRunner().invoke(app, [*spark, "ingest", str(MENTIONS)], env=env)
    assert res.exit_code != 0
    # The CLI's entry point prints a BrinkwatchError without a traceback.
    assert isinstance(res.exception, ConfigError)
    assert "--lake" in str(res.exception)


def test_the_spark_duplicate_check_reads_only_the_lake_parts_that_can_hold_the_keys(
    spark_session: Any, shared_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file of other ids reads none of the first file's parts; an overlapping one does."""
    lines = (shared_data / "gdelt" / "20191024143000.export.CSV").read_bytes().splitlines()
    files = []
    for name, prefix, rows in (("150000", b"1", lines[:40]), ("151500", b"2", lines[:40])):
        files.append(tmp_path / f"20191024{name}.export.CSV")
        files[-1].write_bytes(b"\n".join(_renumbered(rows, prefix)) + b"\n")
    overlap = tmp_path / "20191024153000.export.CSV"
    overlap.write_bytes(b"\n".join(_renumbered(lines[20:60], b"1")) + b"\n")
    files.append(overlap)
    lake = tmp_path / "lake"
    with caplog.at_level(logging.DEBUG, logger="brinkwatch.ingest.spark"):
        got = ingest_on_spark(files, lake, session=spark_session, split_bytes=8_000)
    chosen = [r.lake_parts for r in caplog.records if hasattr(r, "lake_parts")]
    by_batch = {
        b: {p.path for p in Lake(lake).parts("events") if p.batch == b}
        for b in ("000001", "000002")
    }
    assert by_batch["000001"] and by_batch["000002"]
    assert chosen[0] == []  # an empty lake
    assert not set(chosen[1]) & by_batch["000001"]  # other ids: none of the first's parts
    # Overlapping ids: some of the first file's parts (those whose range overlaps), no other.
    assert chosen[2] and set(chosen[2]) <= by_batch["000001"]
    with connect(":memory:") as d:
        want = ingest(d, files)
    assert _counts(got) == _counts(want)
    assert got.files[2].duplicates > 0


#: A driver of its own for the kill test. The tests' application holds one of the worker's two
#: slots and 512 MB of its 2 GB: this one asks for the other slot and a small executor.
_KILLED_DRIVER = """
import json, sys
from pyspark.sql import SparkSession
from brinkwatch.ingest import ingest_on_spark

master, name, lake, path, split, conf = sys.argv[1:7]
builder = SparkSession.builder.master(master).appName(name)
for key, value in json.loads(conf).items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()
report = ingest_on_spark([path], lake, session=spark, split_bytes=int(split))
print("finished", report.files[0].error, flush=True)
"""
#: Ranges of the killed file (855 kB): five, loaded one after the other on one core.
_KILL_SPLIT = 200_000


def _staged_ranges(lake: Path) -> list[Path]:
    """The ranges' row files a Spark ingest has staged so far."""
    return sorted(lake.glob("_staging/*/_ranges/rows-*.parquet"))


def _active_apps(ui: str) -> list[str] | None:
    """Names of the applications the test cluster's master holds now (None: no answer)."""
    try:
        with urllib.request.urlopen(f"{ui}/json/", timeout=5) as r:
            return [str(a["name"]) for a in json.load(r).get("activeapps", [])]
    except (OSError, ValueError):
        return None  # a busy master: ask again


def _kill_driver_mid_file(master: str, name: str, lake: Path, path: Path, logs: Path) -> list[Path]:
    """Run a Spark ingest of ``path`` in a subprocess; SIGKILL it once a range is staged.

    Returns the staged row files seen at the moment of the kill.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    # The session's settings: the other slot of the worker and a small executor.
    args = [master, name, str(lake), str(path), str(_KILL_SPLIT), json.dumps(SPARK_TEST_CONF)]
    with (logs / "out.txt").open("wb") as out, (logs / "err.txt").open("wb") as err:
        # Its own process group: the kill takes the driver's JVM with it.
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILLED_DRIVER, *args],
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            staged: list[Path] = []
            while proc.poll() is None and time.monotonic() < deadline and not staged:
                staged = _staged_ranges(lake)
                time.sleep(0.01)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    tail = (logs / "err.txt").read_text(errors="replace")[-3000:]
    assert proc.returncode == -signal.SIGKILL, f"the driver ended on its own: {tail}"
    assert staged, f"killed before any range was staged (not mid-file): {tail}"
    assert "finished" not in (logs / "out.txt").read_text()
    return staged


def _wait_until_gone(ui: str, name: str, seconds: float = 60) -> None:
    """Wait until the master has removed the application of a dead driver (and its slot)."""
    deadline = time.monotonic() + seconds
    while (apps := _active_apps(ui)) is None or name in apps:
        assert time.monotonic() < deadline, f"the master still holds {name}: {apps}"
        time.sleep(0.2)


def test_a_spark_driver_killed_mid_file_leaves_the_lake_as_it_was_and_the_rerun_completes_it(
    spark_session: Any,
    spark_cluster: str,
    spark_master_ui: str,
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gdelt2 = shared_data / "gdelt" / "20191024143000.export.CSV"
    # The lake holds a file already: its first 300 rows, duplicates when the whole file comes.
    head = tmp_path / "20191024141500.export.CSV"
    head.write_bytes(b"".join(gdelt2.read_bytes().splitlines(keepends=True)[:300]))
    lake = tmp_path / "lake"
    # (The DuckDB writer of the same lake: quicker than a Spark run, and the same parts.)
    with connect(lake=lake) as w:
        first = ingest(w, [head])
    assert not first.failed
    with connect(lake=lake, read_only=True) as r:
        before = {t: _rows(r, t) for t in TABLES}
    manifests = sorted(p.name for p in (lake / "_manifest").iterdir())

    name = f"brinkwatch-killed-{uuid.uuid4().hex[:8]}"
    staged = _kill_driver_mid_file(spark_cluster, name, lake, gdelt2, tmp_path)
    # Killed mid-file: ranges staged, not all of them, and nothing of the file visible.
    assert len(staged) < 5, staged
    assert sorted(p.name for p in (lake / "_manifest").iterdir()) == manifests
    with connect(lake=lake, read_only=True) as r:
        assert {t: _rows(r, t) for t in TABLES} == before
    # The master removes the dead driver's application; the rerun may need its slot.
    _wait_until_gone(spark_master_ui, name)

    # A task of the dead run may outlive it (the executor dies after its driver) and finish
    # after the rerun cleaned staging: its range 0 part, with rows the lake holds, lands in
    # the dead run's staging folder. Play it just before the rerun places its parts.
    dead, held, place = staged[0].parents[1], Lake(lake).parts("events"), Lake.place

    def late_task_then_place(self: Lake, where: str, tag: str, table: str) -> list[Any]:
        for p in held:
            late = dead / Path(p.path).parent / "part-000002-r0-0.parquet"
            late.parent.mkdir(parents=True, exist_ok=True)
            late.write_bytes((lake / p.path).read_bytes())
        return place(self, where, tag, table)

    monkeypatch.setattr(Lake, "place", late_task_then_place)
    # The dead process's lock went with it: the rerun takes it at once (wait=0) and completes.
    rerun = ingest_on_spark([gdelt2], lake, session=spark_session, split_bytes=_KILL_SPLIT)
    monkeypatch.undo()
    assert not rerun.failed, rerun.files[0].error
    with connect(tmp_path / "store.duckdb") as d:
        want = ingest(d, [head, gdelt2])
    assert _counts(first) + _counts(rerun) == _counts(want)
    assert (rerun.files[0].stored, rerun.files[0].duplicates) == (2111 - 300, 300)
    with connect(lake=lake, read_only=True) as s, connect(tmp_path / "store.duckdb") as d:
        for table in TABLES:
            assert _rows(s, table) == _rows(d, table), table
    assert Lake(lake).verify() == []
    # The killed run's staged parts are gone; every part on disk is one the manifest lists.
    listed = {p.path for p in Lake(lake).parts()}
    on_disk = {
        p.relative_to(lake).as_posix()
        for p in lake.rglob("*.parquet")
        if not p.relative_to(lake).as_posix().startswith("_staging/")
    }
    assert on_disk == listed
    assert not any(p.exists() for p in staged)

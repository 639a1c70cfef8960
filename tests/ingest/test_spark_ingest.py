"""Ingest on the Spark test cluster into a lake: the rows, rejects and counts of ``ingest``."""

from __future__ import annotations

import json
import logging
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

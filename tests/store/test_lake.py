"""The Parquet lake: the same rows, counts and measures as a DuckDB file; atomic commits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from brinkwatch.errors import StoreError
from brinkwatch.ingest import ingest
from brinkwatch.measure import evaluate_alarms, measure_dyad, measure_triad
from brinkwatch.store import (
    Lake,
    LakePart,
    Store,
    connect,
    event_sources,
    export_to_lake,
    import_from_lake,
)

MENTIONS = Path(__file__).resolve().parents[1] / "data" / "gdelt2" / "20191024143000.mentions.CSV"
#: Columns that record when an ingest ran, not what it read.
_WHEN = {"started", "finished"}
TABLES = ("events", "mentions", "rejected", "ingest_log", "daily_volume")


def _files(shared_data: Path) -> list[Path]:
    return [
        shared_data / "gdelt" / "20191024143000.export.CSV",
        shared_data / "gdelt" / "gdelt1_events_sample.tsv",
        shared_data / "icews" / "events.2018.sample.tab",
        MENTIONS,
    ]


def _rows(store: Store, table: str) -> list[tuple[Any, ...]]:
    """Every row of a store table in a stable order, without the ingest timestamps."""
    con = store.con
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in _WHEN]
    sel = ", ".join(f'"{c}"' for c in cols)
    return con.execute(f"SELECT {sel} FROM {table} ORDER BY ALL").fetchall()


def _types(t: Any) -> dict[str, Any]:
    return {n: ty.copy(scale=None) if ty.is_timestamp() else ty for n, ty in t.schema().items()}


def _counts(report: Any) -> list[tuple[str, int, int, int, int, int]]:
    return [(f.file, f.read, f.stored, f.rejected, f.duplicates, f.blank) for f in report.files]


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> tuple[Path, Path, list[Any]]:
    """The shared GDELT 1.0, 2.0, ICEWS files and a mentions file in a lake and a DuckDB file."""
    root = tmp_path_factory.mktemp("lake")
    lake, db = root / "lake", root / "store.duckdb"
    # A damaged copy of 40 GDELT rows: rejects (bad date, short line) and duplicates.
    lines = (shared_data / "gdelt" / "20191024143000.export.CSV").read_bytes().splitlines()[:40]
    cells = lines[2].split(b"\t")
    cells[1] = b"2019XX01"
    lines[2] = b"\t".join(cells)
    lines[6] = b"\t".join(lines[6].split(b"\t")[:20])
    damaged = root / "20191024150000.export.CSV"
    damaged.write_bytes(b"\n".join(lines) + b"\n")
    files = [*_files(shared_data), damaged]
    with connect(lake=lake) as s:
        in_lake = ingest(s, files)
    with connect(db) as d:
        in_file = ingest(d, files)
    return lake, db, [in_lake, in_file]


def test_ingest_into_a_lake_counts_and_stores_what_a_duckdb_file_does(
    pair: tuple[Path, Path, list[Any]],
) -> None:
    lake, db, (in_lake, in_file) = pair
    assert not in_lake.failed
    assert _counts(in_lake) == _counts(in_file)
    for f in in_lake.files:
        assert f.read == f.stored + f.rejected + f.duplicates + f.blank
    damaged = in_lake.files[-1]
    assert (damaged.rejected, damaged.duplicates, damaged.stored) == (2, 38, 0)
    assert in_lake.stored > 6000 and in_lake.files[-2].stored > 0  # mentions
    with connect(lake=lake, read_only=True) as s, connect(db, read_only=True) as d:
        for table in TABLES:
            assert _rows(s, table) == _rows(d, table), table
        assert s.stats() == d.stats()
        keys = s.con.execute("SELECT count(*) FROM events WHERE story_key IS NULL").fetchall()
        assert keys == [(0,)]


def test_the_lake_is_hive_partitioned_and_every_part_is_listed_with_its_checksum(
    pair: tuple[Path, Path, list[Any]],
) -> None:
    lake = Lake(pair[0])
    parts = lake.parts()
    assert lake.verify() == []
    assert any(p.path.startswith("events/origin=gdelt2/month=2019-10/part-") for p in parts)
    assert any(p.path.startswith("mentions/month=") for p in parts)
    assert all((pair[0] / p.path).is_file() for p in parts)
    with connect(pair[1], read_only=True) as d:
        n = d.con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    assert sum(p.rows for p in parts if p.table == "events") == n
    # A flipped byte is found.
    first = pair[0] / parts[0].path
    data = first.read_bytes()
    try:
        first.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        assert [q.split(":")[0] for q in lake.verify()] == [parts[0].path]
    finally:
        first.write_bytes(data)


def test_duckdb_on_the_lake_measures_what_it_measures_on_its_file(
    pair: tuple[Path, Path, list[Any]],
) -> None:
    lake, db, _ = pair
    with connect(lake=lake, read_only=True) as s, connect(db, read_only=True) as d:
        for make in (
            lambda ev: measure_dyad(ev, "JPN-USA", freq="month"),
            lambda ev: measure_dyad(ev, "KOR-USA", freq="week", alarms=True),
            lambda ev: measure_triad(ev, ["JPN", "KOR", "USA"], freq="month"),
        ):
            a, b = make(s.events), make(d.events)
            assert a.table.num_rows > 0
            _assert_same_bundle(a, b)
        al_lake = evaluate_alarms(s.events, "JPN", "USA", freq="month")
        al_file = evaluate_alarms(d.events, "JPN", "USA", freq="month")
        assert al_lake == al_file


def _assert_same_bundle(a: Any, b: Any) -> None:
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pa.Table):
            assert x.equals(y), f.name
        else:
            assert x == y, f.name


def test_ingesting_the_same_files_again_adds_nothing(tmp_path: Path, shared_data: Path) -> None:
    files = [*_files(shared_data)[:1], MENTIONS]
    with connect(lake=tmp_path / "lake") as s:
        ingest(s, files)
        before = {t: _rows(s, t) for t in ("events", "mentions", "daily_volume")}
        again = ingest(s, files)
        assert again.stored == 0 and again.duplicates == again.read - again.rejected
        for t, rows in before.items():
            assert _rows(s, t) == rows, t
        logs = s.con.execute("SELECT count(*) FROM ingest_log").fetchall()
    assert logs == [(4,)]


_KILLED_WRITER = """
import os, signal, sys
from brinkwatch.ingest import ingest
from brinkwatch.store import _lake, connect

def publish_then_die(self, added):
    # Every part of the batch is written and moved into place: only the manifest is missing.
    os.kill(os.getpid(), signal.SIGKILL)

_lake.Lake.publish = publish_then_die
with connect(lake=sys.argv[1]) as s:
    ingest(s, [sys.argv[2]])
"""


def test_a_writer_killed_mid_file_leaves_the_lake_as_it_was_and_the_rerun_completes_it(
    tmp_path: Path, shared_data: Path
) -> None:
    root = tmp_path / "lake"
    gdelt, icews = _files(shared_data)[0], _files(shared_data)[2]
    with connect(lake=root) as s:
        ingest(s, [gdelt])
        before = {t: _rows(s, t) for t in TABLES}
    manifests = sorted(p.name for p in (root / "_manifest").iterdir())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(root), str(icews)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == -9, run.stderr.decode()[-2000:]
    # The killed batch's parts are on disk, but no manifest lists them.
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*.parquet")}
    assert any("origin=icews" in p for p in on_disk)
    assert sorted(p.name for p in (root / "_manifest").iterdir()) == manifests
    with connect(lake=root, read_only=True) as r:
        assert {t: _rows(r, t) for t in TABLES} == before
    # The rerun removes the leftovers and loads the file.
    with connect(lake=root) as s:
        rep = ingest(s, [icews])
        assert rep.stored == 3705
        assert s.lake is not None and s.lake.verify() == []
        listed = {p.path for p in s.lake.parts()}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*.parquet")}
    assert on_disk == listed
    assert not (root / "_staging").exists() or not any((root / "_staging").iterdir())


def test_export_and_import_make_a_round_trip_table_by_table(
    pair: tuple[Path, Path, list[Any]], tmp_path: Path
) -> None:
    _, db, _ = pair
    lake, back = tmp_path / "exported", tmp_path / "back.duckdb"
    with connect(db, read_only=True) as d:
        written = export_to_lake(d, lake)
        original = {t: _rows(d, t) for t in TABLES}
        with_time = d.con.execute("SELECT * FROM ingest_log ORDER BY batch_id").fetchall()
    assert written["events"] == len(original["events"]) and written["mentions"] > 0
    with connect(lake=lake, read_only=True) as s:
        assert {t: _rows(s, t) for t in TABLES} == original
    with connect(back) as b:
        added = import_from_lake(lake, b)
        assert added["events"] == len(original["events"])
        assert {t: _rows(b, t) for t in TABLES} == original
        assert b.con.execute("SELECT * FROM ingest_log ORDER BY batch_id").fetchall() == with_time
        # The next batch follows the imported ones.
        nxt = b.con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
        assert nxt == max(r[0] for r in with_time) + 1
        with pytest.raises(StoreError, match="already holds data"):
            import_from_lake(lake, b)
    with connect(db, read_only=True) as d, pytest.raises(StoreError, match="already holds"):
        export_to_lake(d, lake)


def test_a_lake_ingest_continues_batch_numbers_and_keeps_manifests_json(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    with connect(lake=root) as s:
        assert s.events.count().execute() == 0
    body = json.loads((root / "_manifest" / "v000000.json").read_text())
    assert body["lake"] == "brinkwatch" and body["parts"] == []
    with pytest.raises(StoreError, match="lake init"):
        connect(lake=tmp_path / "nowhere", read_only=True)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("not a lake")
    with pytest.raises(StoreError, match="no lake manifest"):
        connect(lake=tmp_path / "full")


def test_spark_reads_the_lake_and_measures_what_duckdb_measures_on_it(
    pair: tuple[Path, Path, list[Any]], spark_session: Any
) -> None:
    lake = pair[0]
    with (
        connect(lake=lake, backend="spark", spark_session=spark_session) as s,
        connect(lake=lake, read_only=True) as d,
    ):
        assert s.backend == "spark"
        a = measure_dyad(s.events, "JPN-USA", freq="month", alarms=False)
        b = measure_dyad(d.events, "JPN-USA", freq="month", alarms=False)
        assert a.table.num_rows > 0
        _assert_same_bundle(a, b)


def test_the_cluster_reads_every_lake_table_as_duckdb_reads_it(
    pair: tuple[Path, Path, list[Any]], spark_session: Any
) -> None:
    """Mentions, rejects, the ingest log and the daily volume come from Spark, not DuckDB."""
    lake = pair[0]
    with (
        connect(lake=lake, backend="spark", spark_session=spark_session) as s,
        connect(lake=lake, read_only=True) as d,
    ):
        for name in TABLES:
            on_cluster, in_duck = s.table(name), d.table(name)
            # The same columns and types, partition columns as text (timestamps as such: Spark
            # states no precision where DuckDB says microseconds).
            assert _types(on_cluster) == _types(in_duck), name
            if name == "events":
                continue  # row for row in the test below
            cols = [c for c in in_duck.columns if c not in _WHEN]
            key = [(c, "ascending") for c in cols]
            got = on_cluster.select(*cols).to_pyarrow().sort_by(key).to_pylist()
            want = in_duck.select(*cols).to_pyarrow().sort_by(key).to_pylist()
            assert got == want and got, name
        # What the measures read beside the events: the mention counts of each event.
        a, b = event_sources(s.events), event_sources(d.events)
        assert a is not None and b is not None
        got = a.order_by("event_id").to_pyarrow().to_pylist()
        assert got == b.order_by("event_id").to_pyarrow().to_pylist() and got


def test_the_spark_cluster_reads_every_row_the_duckdb_path_stored(
    pair: tuple[Path, Path, list[Any]], spark_session: Any
) -> None:
    """GDELT 1.0, 2.0 and ICEWS in a lake, read by the executors of the test cluster."""
    lake, db, (in_lake, _) = pair
    with (
        connect(lake=lake, backend="spark", spark_session=spark_session) as s,
        connect(db, read_only=True) as d,
    ):
        cols = [c for c in d.events.columns if c not in _WHEN]
        on_cluster = s.events.select(*cols).to_pyarrow()
        in_file = d.events.select(*cols).to_pyarrow()
        events = sum(f.stored for f in in_lake.files if f.format != "gdelt2-mentions")
        assert on_cluster.num_rows == in_file.num_rows == events > 6000
        key = [(c, "ascending") for c in cols]
        assert on_cluster.sort_by(key).to_pylist() == in_file.sort_by(key).to_pylist()
    # Rejected rows and the ingest log, read from the manifest's parts by Spark.
    lk = Lake(lake)
    rejected = spark_session.read.parquet(*[lk.path(p.path) for p in lk.parts("rejected")])
    assert rejected.count() == in_lake.rejected
    log = spark_session.read.parquet(*[lk.path(p.path) for p in lk.parts("ingest_log")])
    assert log.count() == len(in_lake.files)


def test_the_lake_writer_keeps_no_batch_in_memory_and_still_finds_duplicates_in_the_parts(
    tmp_path: Path, shared_data: Path
) -> None:
    """Each batch gets a fresh scratch database; earlier batches are checked in the parts.

    Holding every stored key in memory ran a 10M-row lake ingest out of memory (bench/scale.py).
    """
    export = shared_data / "gdelt" / "20191024143000.export.CSV"
    lines = export.read_bytes().splitlines()
    # The same events under another file name and a changed tone: other bytes, same event ids.
    changed = tmp_path / "20191024151500.export.CSV"
    moved = [b"\t".join([*ln.split(b"\t")[:34], b"1.5", *ln.split(b"\t")[35:]]) for ln in lines]
    changed.write_bytes(b"\n".join(moved[:100]) + b"\n")
    with connect(lake=tmp_path / "lake") as s:
        first = ingest(s, [export])
        again = ingest(s, [changed])
        attached = {
            r[0] for r in s.con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
        }
        assert "_w" not in attached
    assert first.stored > 0 and not first.failed
    (f,) = again.files
    assert (f.stored, f.duplicates, f.read) == (0, 100 - f.rejected - f.blank, 100)
    with connect(lake=tmp_path / "lake", read_only=True) as s:
        assert s.con.execute("SELECT count(*) FROM events").fetchall() == [(first.stored,)]


def _part(table: str, path: str, lo: str | None, hi: str | None) -> LakePart:
    return LakePart(table, path, 1, 1, "0" * 64, "000001", lo, hi)


def test_parts_holding_keeps_overlapping_and_unknown_ranges_of_the_origin(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    lake.init()
    parts = [
        _part("events", "events/origin=gdelt2/month=2019-10/part-a.parquet", "100", "200"),
        _part("events", "events/origin=gdelt2/month=2019-10/part-b.parquet", "300", "400"),
        _part("events", "events/origin=icews/month=2019-10/part-c.parquet", "100", "400"),
        _part("events", "events/origin=gdelt2/month=2019-11/part-d.parquet", None, None),
        _part("mentions", "mentions/month=2019-10/part-e.parquet", "150", "160"),
    ]
    lake.publish(parts)
    assert lake.parts() == parts  # the ranges survive the manifest's JSON

    def held(lo: str, hi: str, origin: str | None = "gdelt2", table: str = "events") -> list[str]:
        return [p.path.rsplit("-", 1)[-1] for p in lake.parts_holding(table, lo, hi, origin)]

    # Ranges touching at either edge overlap; the unknown range is always read.
    assert held("200", "250") == ["a.parquet", "d.parquet"]
    assert held("250", "300") == ["b.parquet", "d.parquet"]
    assert held("201", "299") == ["d.parquet"]
    assert held("000", "999") == ["a.parquet", "b.parquet", "d.parquet"]
    # Another origin's parts, only when asked for any origin.
    assert held("120", "130", origin="icews") == ["c.parquet"]
    assert held("120", "130", origin=None) == ["a.parquet", "c.parquet", "d.parquet"]
    # Mentions have no origin partition: the origin does not leave them out.
    assert held("155", "155", table="mentions") == ["e.parquet"]
    assert held("161", "170", table="mentions") == []
    # Text order, as Parquet, DuckDB and Spark compare event_id: "1000" < "200".
    assert held("1000", "1000") == ["a.parquet", "d.parquet"]


def test_a_manifest_without_key_ranges_still_loads_and_its_parts_are_always_read(
    tmp_path: Path,
) -> None:
    lake = Lake(tmp_path / "lake")
    lake.init()
    lake.publish([_part("events", "events/origin=gdelt2/month=2019-10/part-a.parquet", "1", "2")])
    # A manifest as written before the ranges were recorded.
    name = sorted((tmp_path / "lake" / "_manifest").glob("v*.json"))[-1]
    body = json.loads(name.read_text())
    for p in body["parts"]:
        del p["key_min"], p["key_max"]
    name.write_text(json.dumps(body))
    (old,) = lake.parts("events")
    assert (old.key_min, old.key_max) == (None, None)
    assert "key_min" not in old.as_dict()
    assert lake.parts_holding("events", "5", "6", origin="gdelt2") == [old]


def test_every_events_and_mentions_part_records_the_range_of_its_event_ids(
    pair: tuple[Path, Path, list[Any]],
) -> None:
    lake = Lake(pair[0])
    parts = lake.parts()
    con = duckdb.connect(":memory:")
    try:
        for p in parts:
            if p.table not in ("events", "mentions"):
                assert (p.key_min, p.key_max) == (None, None), p.path
                continue
            got = con.execute(
                "SELECT min(event_id), max(event_id) FROM read_parquet(?)", [lake.path(p.path)]
            ).fetchall()
            assert [(p.key_min, p.key_max)] == got, p.path
    finally:
        con.close()
    assert any(p.table == "mentions" for p in parts)


def _gdelt_rows(shared_data: Path, target: Path, prefix: bytes, start: int, stop: int) -> Path:
    """GDELT 2.0 rows ``start:stop`` of the shared file, their event ids prefixed."""
    lines = (shared_data / "gdelt" / "20191024143000.export.CSV").read_bytes().splitlines()
    target.write_bytes(b"\n".join(prefix + ln for ln in lines[start:stop]) + b"\n")
    return target


def test_the_lake_writer_reads_only_the_parts_that_can_hold_the_batchs_keys(
    tmp_path: Path, shared_data: Path
) -> None:
    """A file of other ids reads none of the first file's parts; an overlapping one does."""
    first = _gdelt_rows(shared_data, tmp_path / "20191024150000.export.CSV", b"1", 0, 40)
    other = _gdelt_rows(shared_data, tmp_path / "20191024151500.export.CSV", b"2", 0, 40)
    overlap = _gdelt_rows(shared_data, tmp_path / "20191024153000.export.CSV", b"1", 20, 60)
    root = tmp_path / "lake"
    with connect(lake=root) as s:
        assert not ingest(s, [first]).failed
    kept = {p.path: (root / p.path).read_bytes() for p in Lake(root).parts("events")}
    # Decoys: the first file's parts now hold the other file's ids, while the manifest still
    # gives their own range. A check that read them would take every row for a duplicate.
    con = duckdb.connect(":memory:")
    try:
        for rel in kept:
            decoy = str(tmp_path / "decoy.parquet")
            con.execute(
                "COPY (SELECT * REPLACE ('2' || event_id[2:] AS event_id) FROM "
                "read_parquet(?, hive_partitioning = false)) TO '" + decoy + "' (FORMAT parquet)",
                [str(root / rel)],
            )
            Path(decoy).replace(root / rel)
    finally:
        con.close()
    with connect(lake=root) as s:
        report = ingest(s, [other])
    with connect(":memory:") as d:
        alone = ingest(d, [other])
    assert _counts(report) == _counts(alone) and alone.files[0].stored > 0
    for rel, data in kept.items():
        (root / rel).write_bytes(data)
    with connect(lake=root) as s:
        got = ingest(s, [overlap])
    with connect(":memory:") as d:
        ingest(d, [first, other])
        want = ingest(d, [overlap])
    assert _counts(got) == _counts(want)
    assert got.files[0].duplicates > 0

"""The store: schema, Parquet export/import, Spark backend, version guard, read-only use."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.errors import StoreError
from brinkwatch.ingest import ingest
from brinkwatch.store import EVENT_COLUMNS, Store, connect


def _ids(s: Store) -> list[tuple[str, str]]:
    return s.con.execute("SELECT origin, event_id FROM events ORDER BY 1, 2").fetchall()


def test_events_view_has_the_documented_columns(store: Store) -> None:
    cols = [r[0] for r in store.con.execute("DESCRIBE events").fetchall()]
    assert cols == [c.name for c in EVENT_COLUMNS]
    doc = (Path(__file__).resolve().parents[2] / "docs" / "schema.md").read_text()
    missing = [c.name for c in EVENT_COLUMNS if f"`{c.name}`" not in doc]
    assert not missing, f"docs/schema.md does not document {missing}"


def test_parquet_round_trip_and_idempotent_import(
    shared_data: Path, file_store: Store, tmp_path: Path
) -> None:
    ingest(file_store, [shared_data / "icews/events.2018.sample.tab"])
    written = file_store.to_parquet(tmp_path / "export")
    assert [p.name for p in written] == ["events.parquet", "rejected.parquet", "ingest_log.parquet"]
    other = connect(tmp_path / "other.duckdb")
    added = other.read_parquet(tmp_path / "export")
    assert added == {"events": 3705, "rejected": 0, "ingest_log": 1}
    assert _ids(other) == _ids(file_store)
    assert other.read_parquet(tmp_path / "export") == {"events": 0, "rejected": 0, "ingest_log": 0}
    a = file_store.con.execute("SELECT * EXCLUDE (batch_id) FROM events ORDER BY event_id")
    b = other.con.execute("SELECT * EXCLUDE (batch_id) FROM events ORDER BY event_id")
    assert a.fetchall() == b.fetchall()
    other.close()


def test_missing_export_file_is_a_clear_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"events\.parquet is missing"):
        store.read_parquet(tmp_path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    s = connect(tmp_path / "s.duckdb")
    s.con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    s.close()
    with pytest.raises(StoreError, match="newer than this brinkwatch"):
        connect(tmp_path / "s.duckdb")


def test_a_store_locked_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    writer = connect(path)
    code = (
        "import sys\n"
        "from brinkwatch.errors import StoreError\n"
        "from brinkwatch.store import connect\n"
        "try:\n"
        "    connect(sys.argv[1], wait=0.3)\n"
        "except StoreError as e:\n"
        "    print(e)\n"
        "    sys.exit(3)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    writer.close()
    assert out.returncode == 3, out.stderr
    # It names the holder (this test process) and says it writes; a library error names no
    # command-line flag.
    assert f"held by pid {os.getpid()} (" in out.stdout and "writing since" in out.stdout
    assert re.search(r"gave up writing after waiting \d+\.\d s", out.stdout)
    assert "--" not in out.stdout.split("after waiting")[1]


def test_default_path_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRINKWATCH_DB", str(tmp_path / "env.duckdb"))
    s = connect()
    assert s.path == tmp_path / "env.duckdb"
    s.close()
    assert (tmp_path / "env.duckdb").exists()


def test_spark_backend_runs_the_same_ibis_expression(
    shared_data: Path, tmp_path: Path, spark_session: Any
) -> None:
    path = tmp_path / "s.duckdb"
    s = connect(path)
    ingest(s, [shared_data / "icews/events.2018.sample.tab"])
    s.close()
    duck = connect(path, read_only=True)
    spark = connect(path, backend="spark", spark_session=spark_session)
    results = []
    for st in (duck, spark):
        e = st.events
        f = e.filter(e.source_country.isin(["KOR", "PRK"]))
        expr = (
            f.group_by(["source_country", "quad_class"])
            .aggregate(n=f.count(), g=f.goldstein.sum())
            .order_by(["source_country", "quad_class"])
        )
        results.append([tuple(r.values()) for r in expr.to_pyarrow().to_pylist()])
    # The tables the measures read beside the events are in the snapshot too.
    for name in ("daily_volume", "ingest_log"):
        assert spark.table(name).count().execute() == duck.table(name).count().execute() > 0
    snapshots = list(spark._cleanup)
    spark.close()
    duck.close()
    assert snapshots and not any(d.exists() for d in snapshots)  # no Parquet left in /tmp
    duck_rows, spark_rows = results
    assert [r[:3] for r in duck_rows] == [r[:3] for r in spark_rows]
    assert [r[3] for r in duck_rows] == pytest.approx([r[3] for r in spark_rows], abs=1e-9)
    assert len(duck_rows) >= 4

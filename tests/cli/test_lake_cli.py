"""``brinkwatch lake`` and ``--lake``: init, ingest, stats, export and import from the shell."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run


def test_lake_init_ingest_stats_import_and_export_from_the_cli(
    shared_data: Path, tmp_path: Path
) -> None:
    lake, db, again = tmp_path / "lake", tmp_path / "back.duckdb", tmp_path / "again"
    icews = str(shared_data / "icews" / "events.2018.sample.tab")
    init = run("lake", "init", str(lake), "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["created"] is True
    ing = run("--lake", str(lake), "ingest", icews, "--json")
    assert ing.returncode == 0, ing.stderr
    rep = json.loads(ing.stdout)
    assert (rep["read"], rep["stored"]) == (3705, 3705)
    # $BRINKWATCH_LAKE does what --lake does.
    stats = run("stats", "--json", env={"BRINKWATCH_LAKE": str(lake)})
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["events"] == 3705
    imp = run("lake", "import", "--lake", str(lake), "--db", str(db), "--json")
    assert imp.returncode == 0, imp.stderr
    assert json.loads(imp.stdout)["rows"]["events"] == 3705
    exp = run("lake", "export", "--db", str(db), "--lake", str(again), "--json")
    assert exp.returncode == 0, exp.stderr
    assert json.loads(exp.stdout)["rows"]["ingest_log"] == 1
    # A second export into the now full lake is refused with a message, not a traceback.
    twice = run("lake", "export", "--db", str(db), "--lake", str(again))
    assert twice.returncode == 1
    assert "already holds data" in twice.stderr and "Traceback" not in twice.stderr
    both = run("--lake", str(lake), "stats", "--db", str(db))
    assert both.returncode != 0 and "pass one of them" in " ".join(both.stderr.split())
    # --master without --engine spark, or an unknown engine: refused with the option named.
    for args, says in ((["--master", "spark://127.0.0.1:7077"], "needs --engine spark"),
                       (["--engine", "flink"], "must be duckdb or spark")):  # fmt: skip
        bad = run("--lake", str(lake), *args, "stats")
        assert bad.returncode == 1 and says in bad.stderr and "Traceback" not in bad.stderr


def test_measure_on_a_spark_cluster_from_the_cli_equals_duckdb(
    shared_data: Path, tmp_path: Path, spark_cluster: str
) -> None:
    lake = tmp_path / "lake"
    icews = str(shared_data / "icews" / "events.2018.sample.tab")
    ing = run("--lake", str(lake), "ingest", icews, "--json")
    assert ing.returncode == 0, ing.stderr
    spark = ["--lake", str(lake), "--engine", "spark", "--master", spark_cluster]
    # One command only: each Spark run starts a driver JVM and an executor (tens of seconds).
    cmd = ["measure", "--dyad", "CHN-USA", "--freq", "month", "--format", "json"]
    on_duckdb = run("--lake", str(lake), *cmd)
    on_cluster = run(*spark, *cmd)
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    assert on_cluster.returncode == 0, on_cluster.stderr
    assert json.loads(on_duckdb.stdout)["series"]  # not two empty answers
    assert json.loads(on_cluster.stdout) == json.loads(on_duckdb.stdout)


def test_lake_compact_merges_the_parts_from_the_cli_and_keeps_the_rows(
    shared_data: Path, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    lines = (shared_data / "gdelt" / "20191024143000.export.CSV").read_bytes().splitlines()
    files = []
    for k in range(3):  # three small files: parts of the same month partitions
        f = tmp_path / f"2019102415{15 * k:02d}00.export.CSV"
        f.write_bytes(b"\n".join(lines[30 * k : 30 * k + 30]) + b"\n")
        files.append(str(f))
    for f in files:
        assert run("--lake", str(lake), "ingest", f, "--json").returncode == 0
    before = json.loads(run("--lake", str(lake), "stats", "--json").stdout)
    got = run("lake", "compact", "--lake", str(lake), "--json")
    assert got.returncode == 0, got.stderr
    rep = json.loads(got.stdout)
    assert rep["parts_after"] < rep["parts_before"] and rep["partitions"] > 0
    assert rep["rows"] > 0 and rep["version"] is not None
    assert json.loads(run("--lake", str(lake), "stats", "--json").stdout) == before
    again = run("lake", "compact", "--lake", str(lake))
    assert again.returncode == 0 and "nothing to compact" in again.stdout
    # Not a lake, or a bad threshold: a message, not a traceback.
    bad = run("lake", "compact", "--lake", str(tmp_path / "nowhere"))
    assert bad.returncode == 1 and "no lake" in bad.stderr and "Traceback" not in bad.stderr
    low = run("lake", "compact", "--lake", str(lake), "--min-parts", "1")
    assert low.returncode != 0 and "Traceback" not in low.stderr

"""A lake at an ``s3://`` URL: DuckDB writes and reads it through s3fs, against a local S3 server.

The S3 endpoint is moto's ``ThreadedMotoServer`` (a real HTTP S3 API on 127.0.0.1), so the
requests are the ones a real bucket would get; the whole module costs a few seconds.
"""

from __future__ import annotations

import json
import logging
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brinkwatch.cli import app
from brinkwatch.errors import BrinkwatchError, StoreError
from brinkwatch.ingest import ingest, ingest_on_spark
from brinkwatch.store import Lake, Store, connect

MENTIONS = Path(__file__).resolve().parents[1] / "data" / "gdelt2" / "20191024143000.mentions.CSV"
TABLES = ("events", "mentions", "rejected", "ingest_log", "daily_volume")
#: Columns that record when an ingest ran, not what it read.
_WHEN = {"started", "finished"}
BUCKET = "brinkwatch-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3 server with one bucket, and the environment that points s3fs at it."""
    server_mod = pytest.importorskip(
        "moto.server", reason="the s3 lake tests need moto[server] (pip install -e '.[dev]')"
    )
    pytest.importorskip("s3fs", reason="the s3 lake tests need s3fs (pip install -e '.[s3]')")
    import fsspec

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port())
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "BRINKWATCH_S3_ENDPOINT"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_ENDPOINT_URL", url)
        fsspec.filesystem("s3", skip_instance_cache=True).mkdir(BUCKET)
        try:
            yield url
        finally:
            server.stop()


@pytest.fixture
def s3_lake(s3_endpoint: str) -> str:
    """A new, empty lake URL in the test bucket."""
    return f"s3://{BUCKET}/lake-{uuid.uuid4().hex[:8]}"


def _rows(store: Store, table: str) -> list[tuple[Any, ...]]:
    """Every row of a store table in a stable order, without the ingest timestamps."""
    con = store.con
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in _WHEN]
    sel = ", ".join(f'"{c}"' for c in cols)
    return con.execute(f"SELECT {sel} FROM {table} ORDER BY ALL").fetchall()


def _counts(report: Any) -> list[tuple[str, int, int, int, int, int]]:
    return [(f.file, f.read, f.stored, f.rejected, f.duplicates, f.blank) for f in report.files]


def _files(shared_data: Path, tmp_path: Path) -> list[Path]:
    """The shared GDELT 2.0 export, a damaged copy of 40 of its rows, and the bundled mentions."""
    gdelt = shared_data / "gdelt" / "20191024143000.export.CSV"
    lines = gdelt.read_bytes().splitlines()[:40]
    cells = lines[2].split(b"\t")
    cells[1] = b"2019XX01"  # a bad date: rejected
    lines[2] = b"\t".join(cells)
    lines[6] = b"\t".join(lines[6].split(b"\t")[:20])  # a short line: rejected
    damaged = tmp_path / "20191024150000.export.CSV"
    damaged.write_bytes(b"\n".join(lines) + b"\n")
    return [gdelt, damaged, MENTIONS]


def _objects(url: str) -> set[str]:
    import fsspec

    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    prefix = url.removeprefix("s3://") + "/"
    return {k.removeprefix(prefix) for k in fs.find(url)}


def test_a_lake_on_s3_stores_counts_and_rows_as_a_duckdb_file_does(
    s3_lake: str, shared_data: Path, tmp_path: Path
) -> None:
    files = _files(shared_data, tmp_path)
    with connect(lake=s3_lake) as s, connect(tmp_path / "store.duckdb") as d:
        in_lake, in_file = ingest(s, files), ingest(d, files)
        assert not in_lake.failed
        assert _counts(in_lake) == _counts(in_file)
        assert (in_lake.files[1].rejected, in_lake.files[1].duplicates) == (2, 38)
        assert in_lake.files[0].stored == 2111 and in_lake.files[2].stored > 0
        # The same files again: every row a duplicate, in the lake as in the file.
        again_lake, again_file = ingest(s, files), ingest(d, files)
        assert again_lake.stored == 0
        assert _counts(again_lake) == _counts(again_file)
        assert s.lake is not None and s.lake.verify() == []
    with connect(lake=s3_lake, read_only=True) as r, connect(tmp_path / "store.duckdb") as d:
        for table in TABLES:
            assert _rows(r, table) == _rows(d, table), table
        assert r.stats() == d.stats()
        assert r.lake is not None
        listed = {p.path for p in r.lake.parts()}
    # Hive layout under the URL; nothing but listed parts and manifests.
    assert any(p.startswith("events/origin=gdelt2/month=2019-10/") for p in listed)
    on_store = _objects(s3_lake)
    assert {p for p in on_store if not p.startswith("_manifest/")} == listed
    manifests = sorted(p for p in on_store if p.startswith("_manifest/"))
    assert manifests[-1] == "_manifest/v000006.json"  # init + six published files


def test_verify_reports_a_changed_or_missing_part_on_s3(s3_lake: str) -> None:
    import fsspec

    with connect(lake=s3_lake) as s:
        ingest(s, [MENTIONS])
        assert s.lake is not None
        lake = s.lake
    assert lake.verify() == []
    part = lake.parts("mentions")[0].path
    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    fs.pipe(lake.path(part), b"not parquet")
    assert lake.verify() == [next(p for p in lake.verify() if p.startswith(part))]
    assert "11 bytes" in lake.verify()[0]
    fs.rm(lake.path(part))
    assert lake.verify() == [f"{part}: missing"]


def test_a_failing_publish_leaves_the_manifest_and_objects_as_they_were(
    s3_lake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with connect(lake=s3_lake) as s:
        ingest(s, [MENTIONS])
        before = _rows(s, "mentions")
    objects = _objects(s3_lake)

    def refuse(self: Lake, added: list[Any]) -> int:
        raise OSError("the store refused the manifest")

    with monkeypatch.context() as mp:
        mp.setattr(Lake, "publish", refuse)
        with connect(lake=s3_lake) as s:
            failed = ingest(s, [_head(MENTIONS, 50)])
            assert failed.failed
    # The batch's parts were placed, then removed again; the manifest never moved.
    assert _objects(s3_lake) == objects
    with connect(lake=s3_lake, read_only=True) as r:
        assert _rows(r, "mentions") == before


def _head(src: Path, lines: int) -> Path:
    """The first ``lines`` of ``src`` as a new file (one the lake has not seen)."""
    import tempfile

    dest = Path(tempfile.mkdtemp(prefix="brinkwatch-s3-")) / src.name
    dest.write_bytes(b"\n".join(src.read_bytes().splitlines()[:lines]) + b"\n")
    return dest


def test_lake_export_and_import_round_trip_through_s3(
    s3_lake: str, shared_data: Path, tmp_path: Path
) -> None:
    db, back = tmp_path / "store.duckdb", tmp_path / "back.duckdb"
    with connect(db) as d:
        ingest(d, _files(shared_data, tmp_path))
        original = {t: _rows(d, t) for t in TABLES}
    runner = CliRunner()
    out = runner.invoke(app, ["lake", "export", "--db", str(db), "--lake", s3_lake, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["rows"]["events"] == len(original["events"])
    out = runner.invoke(app, ["lake", "import", "--lake", s3_lake, "--db", str(back), "--json"])
    assert out.exit_code == 0, out.output
    with connect(back, read_only=True) as b, connect(lake=s3_lake, read_only=True) as r:
        assert {t: _rows(b, t) for t in TABLES} == original
        assert {t: _rows(r, t) for t in TABLES} == original


def test_the_endpoint_can_come_from_brinkwatch_s3_endpoint(
    s3_endpoint: str, s3_lake: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("BRINKWATCH_S3_ENDPOINT", s3_endpoint)
    lake = Lake(s3_lake)
    assert lake.init() and lake.exists() and lake.manifest()["version"] == 0


def test_ingest_on_spark_into_an_s3_lake_is_refused_before_spark_starts(s3_lake: str) -> None:
    # No Spark is started: the check comes first (a master that does not exist proves it).
    with pytest.raises(BrinkwatchError, match=r"ingest on Spark .*\(drop --engine spark\)"):
        ingest_on_spark([MENTIONS], s3_lake, master="spark://127.0.0.1:1")
    assert not Lake(s3_lake).exists()


def test_spark_reading_an_s3_lake_without_hadoop_aws_says_what_it_needs(
    s3_lake: str, spark_session: Any
) -> None:
    with connect(lake=s3_lake) as s:
        ingest(s, [MENTIONS])
    with pytest.raises(StoreError, match="hadoop-aws"):
        connect(lake=s3_lake, read_only=True, backend="spark", spark_session=spark_session)


def test_a_lake_url_without_its_filesystem_package_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fsspec

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise ImportError("Install gcsfs to access Google Storage")

    monkeypatch.setattr(fsspec, "filesystem", missing)
    with pytest.raises(StoreError, match=r"brinkwatch\[s3\]"):
        Lake("gs://bucket/lake")

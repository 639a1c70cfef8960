"""Shared fixtures: the real third-party data in ../shared/data, and fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.errors import OriginOverrideWarning
from brinkwatch.ingest import ingest, read_mapping
from brinkwatch.store import Store, connect

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project root; skips when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(
            f"{SHARED} not found: these tests need the shared third-party data beside "
            "the project root (see ../shared/README.md)"
        )
    return SHARED


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh in-memory store."""
    s = connect(":memory:")
    yield s
    s.close()


@pytest.fixture
def file_store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store in a DuckDB file."""
    s = connect(tmp_path / "store.duckdb")
    yield s
    s.close()


ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src/brinkwatch/data/samples"
CHRONOLOGY = ROOT / "src/brinkwatch/data/chronology"


@pytest.fixture(scope="session")
def chronology_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB store holding only the bundled chronology (no shared data needed)."""
    path = tmp_path_factory.mktemp("chron") / "store.duckdb"
    s = connect(path)
    rep = ingest(
        s,
        sorted(CHRONOLOGY.glob("*.csv")),
        mapping=read_mapping(CHRONOLOGY / "chronology.yaml"),
    )
    assert not rep.failed and rep.rejected == 0 and rep.stored > 150
    s.close()
    return path


@pytest.fixture(scope="session")
def measure_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A DuckDB store with the bundled chronology and the shared GDELT pandas export."""
    path = tmp_path_factory.mktemp("measure") / "store.duckdb"
    s = connect(path)
    chron = sorted(CHRONOLOGY.glob("*.csv"))
    if chron:
        rep = ingest(s, chron, mapping=read_mapping(CHRONOLOGY / "chronology.yaml"))
    else:
        rep = ingest(s, [SAMPLE / "jpn-kor-2019-sample.csv"],
                     mapping=read_mapping(SAMPLE / "jpn-kor-2019-sample.yaml"))  # fmt: skip
    assert not rep.failed and rep.rejected == 0
    with pytest.warns(OriginOverrideWarning):  # the example claims gdelt2: the rows are GDELT's
        rep = ingest(
            s,
            [shared_data / "gdelt/pandas-export-202011"],
            mapping=read_mapping(ROOT / "docs/examples/gdelt-pandas-export.yaml"),
            origin_override=True,
        )
    assert not rep.failed
    s.close()
    return path


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """One local Spark session for the whole run (it takes seconds to start)."""
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="Spark parity needs pyspark")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("brinkwatch-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """One Playwright driver for the whole run: a second sync instance in one process fails."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the browser tests drive Chromium with playwright"
    )
    with sync_api.sync_playwright() as pw:
        yield pw

"""Shared fixtures: the real third-party data in ../shared/data, and fresh stores."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from brinkwatch.errors import OriginOverrideWarning
from brinkwatch.ingest import ColumnMapping, ingest, read_mapping
from brinkwatch.store import Store, connect

# CI runs the property and fuzz tests on a fixed sequence of examples, so that a submission
# lands or not on its own merits; developers' runs keep exploring new examples (and the failing
# ones they find become regression tests).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
#: Set to 1 to run as on a machine without ``../shared`` (the shared-data tests skip).
NO_SHARED_ENV = "BRINKWATCH_TEST_NO_SHARED"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project root; skips when it is absent."""
    if os.environ.get(NO_SHARED_ENV) == "1":
        pytest.skip(f"{NO_SHARED_ENV}=1: running as if ../shared/data were absent")
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
#: The bundled Japan-Korea-US chronology; the folder also holds the out-of-sample crises
#: (THAAD, Senkaku), which the fixtures built on "the chronology" must not mix in.
BUNDLED_CHRONOLOGY = CHRONOLOGY / "jpn-kor-usa-2015-2023.csv"


@pytest.fixture(scope="session")
def chronology_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB store holding only the bundled chronology (no shared data needed)."""
    path = tmp_path_factory.mktemp("chron") / "store.duckdb"
    s = connect(path)
    rep = ingest(
        s,
        [BUNDLED_CHRONOLOGY],
        mapping=read_mapping(CHRONOLOGY / "chronology.yaml"),
    )
    assert not rep.failed and rep.rejected == 0 and rep.stored > 150
    s.close()
    return path


#: Actors of the generated wire events: (country, types), and event codes by tenor.
_WIRE_ACTORS = (("JPN", "GOV"), ("KOR", "GOV"), ("USA", "GOV"), ("JPN", "BUS"), ("KOR", "MIL"),
                ("CHN", "GOV"), ("PRK", "MIL"))  # fmt: skip
_WIRE_CODES = {"coop": ("036", "040", "042", "043", "051", "057"),
               "conflict": ("111", "112", "130", "163", "172")}  # fmt: skip
_WIRE_COLUMNS = ("event_id", "event_date", "source_code", "source_country", "source_type",
                 "target_code", "target_country", "target_type", "cameo_code", "num_mentions",
                 "avg_tone", "source_url")  # fmt: skip


def write_wire_events(path: Path, *, seed: int = 2020, days: int = 30) -> int:
    """Write a deterministic CSV of GDELT-like events from 1 November 2020 on; return the rows.

    Every day has 20 to 40 events among the actors above, with mentions and tone; relations
    sour after the 15th (conflict codes three times likelier), so series have a turn.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    start, n = date(2020, 11, 1), 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(_WIRE_COLUMNS)
        for d in range(days):
            day = start + timedelta(days=d)
            p_conflict = 0.25 if d < 15 else 0.75
            for _ in range(int(rng.integers(20, 41))):
                i, j = rng.choice(len(_WIRE_ACTORS), size=2, replace=False)
                (sc, st), (tc, tt) = _WIRE_ACTORS[i], _WIRE_ACTORS[j]
                tenor = "conflict" if rng.random() < p_conflict else "coop"
                code = str(rng.choice(_WIRE_CODES[tenor]))
                tone = rng.normal(-3.0 if tenor == "conflict" else 1.5, 2.0)
                n += 1
                w.writerow([f"w{n}", day.isoformat(), sc + st, sc, st, tc + tt, tc, tt, code,
                            int(rng.integers(1, 30)), f"{tone:.4f}",
                            f"https://news.example/{day:%Y/%m/%d}/{n}"])  # fmt: skip
    return n


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built without ../shared: the bundled chronology and generated wire events.

    Two origins (``chronology`` from 2018 to 2020, ``wire`` for November 2020), five
    countries, several actor types, daily to yearly spans; the same bytes on every run.
    """
    tmp = tmp_path_factory.mktemp("synthetic")
    wire = tmp / "wire-2020-11.csv"
    rows = write_wire_events(wire)
    path = tmp / "store.duckdb"
    s = connect(path)
    rep = ingest(s, [BUNDLED_CHRONOLOGY],
                 mapping=read_mapping(CHRONOLOGY / "chronology.yaml"))  # fmt: skip
    assert not rep.failed and rep.rejected == 0 and rep.stored > 150
    mapping = replace(ColumnMapping.identity(list(_WIRE_COLUMNS), origin="wire"), delimiter=",")
    rep = ingest(s, [wire], mapping=mapping)
    assert not rep.failed and (rep.read, rep.stored) == (rows, rows)
    s.close()
    return path


@pytest.fixture(scope="session")
def measure_db(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A DuckDB store with the bundled chronology and the shared GDELT pandas export."""
    path = tmp_path_factory.mktemp("measure") / "store.duckdb"
    s = connect(path)
    chron = [BUNDLED_CHRONOLOGY] if BUNDLED_CHRONOLOGY.exists() else []
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

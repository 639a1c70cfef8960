"""Backend-parametrised stores: every measure test runs on DuckDB and on the Spark cluster.

``duck``, ``spark`` and ``backend`` hold the synthetic store (chronology and generated wire
events, no ../shared needed); ``gdelt_duck`` and ``gdelt_backend`` the store with the shared
GDELT export, for the tests that check against those files (they skip without them);
``chron_duck`` and ``chron_backend`` the bundled chronology alone. The Spark side of each is
the DuckDB file exported once to a lake (``export_to_lake``) and read by the session on the
test cluster (``spark_session``); ``backend`` and ``gdelt_backend`` also run DuckDB on that
lake, which must give what DuckDB gives on its own file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.store import Store, connect, export_to_lake

#: The backends every parametrised store runs on: DuckDB on its file, DuckDB on the lake the
#: file was exported to, and the test cluster (``spark_session``) on that lake.
BACKENDS = ("duckdb", "duckdb-lake", "spark")


def lake_of(store: Store, root: Path) -> Path:
    """Export a DuckDB store to a new lake at ``root`` (every table, as ingest would write)."""
    export_to_lake(store, root)
    return root


def on_cluster(store: Store, root: Path, session: Any) -> Store:
    """The same store as a lake at ``root``, read by Spark on ``session`` (the test cluster)."""
    return connect(lake=lake_of(store, root), backend="spark", spark_session=session)


@pytest.fixture(scope="session")
def duck(synthetic_db: Path) -> Iterator[Store]:
    s = connect(synthetic_db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def synthetic_lake(duck: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic store exported once to a lake in a temporary folder."""
    return lake_of(duck, tmp_path_factory.mktemp("synthetic-lake") / "lake")


@pytest.fixture(scope="session")
def duck_lake(synthetic_lake: Path) -> Iterator[Store]:
    s = connect(lake=synthetic_lake, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def spark(synthetic_lake: Path, spark_session: Any) -> Iterator[Store]:
    """The synthetic store's lake on the test cluster."""
    s = connect(lake=synthetic_lake, backend="spark", spark_session=spark_session)
    yield s
    s.close()


_SYNTHETIC = {"duckdb": "duck", "duckdb-lake": "duck_lake", "spark": "spark"}


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Store:
    """The synthetic store on each backend."""
    return request.getfixturevalue(_SYNTHETIC[request.param])


@pytest.fixture(scope="session")
def gdelt_duck(measure_db: Path) -> Iterator[Store]:
    s = connect(measure_db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def gdelt_lake(gdelt_duck: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store with the shared GDELT export, exported once to a lake."""
    return lake_of(gdelt_duck, tmp_path_factory.mktemp("gdelt-lake") / "lake")


@pytest.fixture(scope="session")
def gdelt_duck_lake(gdelt_lake: Path) -> Iterator[Store]:
    s = connect(lake=gdelt_lake, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def gdelt_spark(gdelt_lake: Path, spark_session: Any) -> Iterator[Store]:
    s = connect(lake=gdelt_lake, backend="spark", spark_session=spark_session)
    yield s
    s.close()


_GDELT = {"duckdb": "gdelt_duck", "duckdb-lake": "gdelt_duck_lake", "spark": "gdelt_spark"}


@pytest.fixture(scope="session", params=BACKENDS)
def gdelt_backend(request: pytest.FixtureRequest) -> Store:
    """The store with the shared GDELT export on each backend."""
    return request.getfixturevalue(_GDELT[request.param])


@pytest.fixture(scope="session")
def chron_duck(chronology_db: Path) -> Iterator[Store]:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def chron_spark(
    chron_duck: Store, spark_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """The chronology store's lake on the test cluster."""
    s = on_cluster(chron_duck, tmp_path_factory.mktemp("chron-lake") / "lake", spark_session)
    yield s
    s.close()


@pytest.fixture(scope="session", params=["duckdb", "spark"])
def chron_backend(request: pytest.FixtureRequest) -> Store:
    """The chronology store on DuckDB (its file) and on the cluster (its lake)."""
    return request.getfixturevalue("chron_duck" if request.param == "duckdb" else "chron_spark")


@pytest.fixture(params=["duckdb", "spark"])
def on_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[Store], Store]]:
    """``reopen(store)``: a store built in the test, as it is (DuckDB) or on the cluster.

    On Spark, each call exports the store as it is now to a new lake in ``tmp_path`` and
    opens it on the test cluster; the stores are closed after the test.
    """
    session = request.getfixturevalue("spark_session") if request.param == "spark" else None
    opened: list[Store] = []

    def reopen(store: Store) -> Store:
        if session is None:
            return store
        opened.append(on_cluster(store, tmp_path / f"lake-{len(opened)}", session))
        return opened[-1]

    yield reopen
    for s in opened:
        s.close()


def rows(expr: Any) -> list[dict[str, Any]]:
    """Execute an Ibis expression into Python rows (the same way on both backends)."""
    return expr.to_pyarrow().to_pylist()


def assert_rows_equal(a: list[dict[str, Any]], b: list[dict[str, Any]], tol: float = 1e-9) -> None:
    """Equal row for row: exact for text, dates and ints; within ``tol`` for floats."""
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        assert ra.keys() == rb.keys()
        for k in ra:
            va, vb = ra[k], rb[k]
            if isinstance(va, float) or isinstance(vb, float):
                if va is None or vb is None:
                    assert va is None and vb is None, (k, ra, rb)
                else:
                    assert abs(va - vb) <= tol, (k, va, vb)
            else:
                assert va == vb, (k, ra, rb)

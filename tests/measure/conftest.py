"""Backend-parametrised stores: every measure test runs on DuckDB and on Spark (Ibis).

``duck``, ``spark`` and ``backend`` hold the synthetic store (chronology and generated wire
events, no ../shared needed); ``gdelt_duck`` and ``gdelt_backend`` the store with the shared
GDELT export, for the tests that check against those files (they skip without them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.store import Store, connect


@pytest.fixture(scope="session")
def duck(synthetic_db: Path) -> Iterator[Store]:
    s = connect(synthetic_db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def spark(synthetic_db: Path, spark_session: Any) -> Iterator[Store]:
    s = connect(synthetic_db, backend="spark", spark_session=spark_session)
    yield s
    s.close()


@pytest.fixture(scope="session", params=["duckdb", "spark"])
def backend(request: pytest.FixtureRequest) -> Store:
    """The synthetic store on each backend."""
    return request.getfixturevalue("duck" if request.param == "duckdb" else "spark")


@pytest.fixture(scope="session")
def gdelt_duck(measure_db: Path) -> Iterator[Store]:
    s = connect(measure_db, read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="session")
def gdelt_spark(measure_db: Path, spark_session: Any) -> Iterator[Store]:
    s = connect(measure_db, backend="spark", spark_session=spark_session)
    yield s
    s.close()


@pytest.fixture(scope="session", params=["duckdb", "spark"])
def gdelt_backend(request: pytest.FixtureRequest) -> Store:
    """The store with the shared GDELT export on each backend."""
    return request.getfixturevalue("gdelt_duck" if request.param == "duckdb" else "gdelt_spark")


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

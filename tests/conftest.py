"""Shared fixtures: the real third-party data in ../shared/data, and fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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

"""Fixtures for the explain stage: a store holding only the bundled chronology, and triad tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from brinkwatch.measure import Actor, triad_series
from brinkwatch.store import Store, connect

CHRONOLOGY = Path(__file__).resolve().parents[2] / "src/brinkwatch/data/chronology"


@pytest.fixture(scope="session")
def chronology(chronology_db: Path) -> Iterator[Store]:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


TriadFn = Callable[..., pa.Table]


@pytest.fixture(scope="session")
def chron_triad(chronology: Store) -> TriadFn:
    """Build the USA-JPN-KOR triad table of the chronology at a frequency and window."""

    def build(freq: str, start: date, end: date) -> pa.Table:
        t = triad_series(
            chronology.events, Actor("USA"), Actor("JPN"), Actor("KOR"),
            freq=freq, start=start, end=end, origins=["chronology"],
        )  # fmt: skip
        out: pa.Table = t.to_pyarrow()
        return out

    return build

"""Stores and known-parameter models for the simulate tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from brinkwatch.simulate import HawkesModel
from brinkwatch.store import Store, connect

ROOT = Path(__file__).resolve().parents[2]
CHRONOLOGY = ROOT / "src/brinkwatch/data/chronology"


@pytest.fixture
def chronology(chronology_db: Path) -> Iterator[Store]:
    s = connect(chronology_db, read_only=True)
    yield s
    s.close()


def crisis_triad() -> tuple[np.ndarray, np.ndarray, float]:
    """Known parameters of a 12-stream triad (streams in event_streams' order).

    Conflict answers conflict across a pair (tit for tat), cooperation and conflict excite
    themselves a little, and one dyad's cooperation follows the other's conflict (mediation).
    Branching ratio 0.45, memory half-life 4 days.
    """
    n = 12
    mu = np.array([1.5, 0.6, 1.2, 0.5, 2.0, 0.4, 1.8, 0.4, 1.0, 0.3, 1.0, 0.3])
    a = np.zeros((n, n))
    a[np.arange(0, n, 2), np.arange(0, n, 2)] = 0.2  # cooperation -> itself
    a[np.arange(1, n, 2), np.arange(1, n, 2)] = 0.15  # conflict -> itself
    a[3, 1] = a[1, 3] = 0.3  # tit for tat
    a[5, 7] = a[7, 5] = 0.2
    a[0, 3] = 0.1
    return mu, a, 4.0


@pytest.fixture(scope="session")
def triad_truth() -> HawkesModel:
    mu, a, hl = crisis_triad()
    return HawkesModel.from_params(mu, a, half_life=hl)

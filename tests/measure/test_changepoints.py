"""Change points: known shifts are found, noise is left alone, the penalty rule is stated."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brinkwatch.measure import bic_penalty, change_points, noise_scale
from brinkwatch.store import Store


def test_known_mean_shifts_are_recovered() -> None:
    exact = 0
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        x = np.r_[rng.normal(0, 1, 60), rng.normal(-2.5, 1, 40), rng.normal(0.5, 1, 60)]
        found = [c.index for c in change_points(x)]
        exact += len(found) == 2 and abs(found[0] - 60) <= 3 and abs(found[1] - 100) <= 3
    assert exact >= 94  # 97% measured


def test_white_noise_rarely_has_change_points() -> None:
    false = sum(bool(change_points(np.random.default_rng(s).normal(0, 1, 150))) for s in range(100))
    assert false <= 3  # 1% measured; the docstring of bic_penalty states it


def test_penalty_is_the_stated_bic_rule() -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 2, 100), rng.normal(5, 2, 100)]
    sigma = noise_scale(x)
    assert sigma == pytest.approx(2.0, rel=0.15)  # the level shift barely moves it
    assert bic_penalty(x) == pytest.approx(3 * sigma**2 * math.log(200))


def test_sparse_series_use_the_difference_spread() -> None:
    x = np.zeros(60)
    x[[30, 31, 33, 36]] = -8.0
    assert noise_scale(x) > 0
    cps = change_points(x)
    assert all(c.mean_after != c.mean_before for c in cps)


def test_means_and_dates_of_a_change_point() -> None:
    from datetime import date, timedelta

    days = [date(2019, 1, 1) + timedelta(days=7 * i) for i in range(40)]
    x = [0.0] * 25 + [-4.0] * 15
    (cp,) = change_points(x, days)
    assert cp.period == days[25]
    assert (cp.mean_before, cp.mean_after, cp.direction) == (0.0, -4.0, "down")
    assert change_points([1.0] * 10) == []
    assert change_points([1.0, 2.0]) == []


def test_the_chronology_turns_within_30_days_of_july_2019(backend: Store) -> None:
    from datetime import date

    from brinkwatch.measure import Actor, dyad_series

    for s, t in [("JPN", "KOR"), ("KOR", "JPN")]:
        ser = (
            dyad_series(backend.events, [(Actor(s), Actor(t))], freq="week", origins=["chronology"])
            .to_pyarrow()
            .to_pylist()
        )
        cps = change_points([r["goldstein_sum"] for r in ser], [r["period"] for r in ser])
        near = [c for c in cps if abs((c.period - date(2019, 7, 1)).days) <= 30]
        assert near and near[0].direction == "down", [(c.period, c.direction) for c in cps]

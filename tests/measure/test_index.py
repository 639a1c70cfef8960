"""Relation index and "lowest since", against direct computations, on both backends."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.measure import Actor, dyad_series, lowest_since, relation_index
from brinkwatch.measure.index import GOLDSTEIN_RMS, INDEX_BOUND, MAD_TO_SD
from brinkwatch.store import Store
from tests.measure.conftest import assert_rows_equal, rows

JPN, KOR = Actor("JPN"), Actor("KOR")
KW = {"freq": "week", "start": date(2018, 1, 1), "end": date(2020, 6, 30),
      "origins": ["chronology"]}  # fmt: skip


def _robust_index(prev: np.ndarray, x: float, events: np.ndarray) -> tuple[float, float, float]:
    """The documented rule, directly: median, 1.4826 MAD floored by count noise, clipped."""
    med = float(np.median(prev))
    floor = GOLDSTEIN_RMS * math.sqrt(max(float(events.mean()), 1.0))
    scale = max(MAD_TO_SD * float(np.median(np.abs(prev - med))), floor)
    return med, scale, float(np.clip((x - med) / scale, -INDEX_BOUND, INDEX_BOUND))


def test_index_is_the_robust_z_score_against_the_trailing_baseline(backend: Store) -> None:
    ser = dyad_series(backend.events, [(JPN, KOR), (KOR, JPN)], **KW)
    got = rows(relation_index(ser, measure="goldstein_sum", baseline=26, min_periods=8))
    checked = floored = 0
    for dyad in ("JPN->KOR", "KOR->JPN"):
        rs = [r for r in got if r["dyad"] == dyad]
        x = np.array([r["goldstein_sum"] for r in rs], dtype=float)
        n = np.array([r["events"] for r in rs], dtype=float)
        for t, r in enumerate(rs):
            prev, ev = x[max(0, t - 26) : t], n[max(0, t - 26) : t]
            assert r["baseline_n"] == len(prev)
            if len(prev) < 8:
                assert r["index"] is None
                continue
            med, scale, z = _robust_index(prev, x[t], ev)
            assert r["baseline_median"] == pytest.approx(med, abs=1e-9)
            assert r["baseline_scale"] == pytest.approx(scale, rel=1e-9)
            assert r["index"] == pytest.approx(z, rel=1e-9, abs=1e-9)
            floored += prev.std() == 0  # blank under the old z-score, defined now
            checked += 1
    assert checked > 100 and floored > 5


def test_lowest_since_matches_a_brute_force_search(backend: Store) -> None:
    ser = dyad_series(backend.events, [(KOR, JPN)], **KW)
    got = rows(lowest_since(ser, measure="goldstein_sum"))
    vals = [(r["period"], r["value"]) for r in got]
    for t, r in enumerate(got):
        earlier = [(p, v) for p, v in vals[:t] if v <= vals[t][1]]
        if earlier:
            assert r["lowest_since"] == earlier[-1][0]
            assert r["periods_since"] == t - vals.index(earlier[-1])
            assert r["record_low"] is False
        else:
            assert r["lowest_since"] is None
            assert r["periods_since"] == t
            assert r["record_low"] is (t > 0)
    lows = [r for r in got if r["record_low"]]
    assert lows, "the 2019 crisis should set a record low"
    assert any(date(2019, 7, 1) <= r["period"] <= date(2019, 9, 30) for r in lows)


def test_index_parity(duck: Store, spark: Store) -> None:
    out = []
    for s in (duck, spark):
        ser = dyad_series(s.events, [(JPN, KOR), (KOR, JPN)], **KW)
        idx = relation_index(ser, measure="net_coop", baseline=12, min_periods=4)
        low = lowest_since(idx, measure="value")
        ref = relation_index(ser, reference=(date(2018, 1, 1), date(2018, 12, 31)))
        out.append((rows(idx), rows(low), rows(ref)))
    for a, b in zip(out[0], out[1], strict=True):
        assert_rows_equal(a, b)
    assert any(r["index"] is not None and not math.isnan(r["index"]) for r in out[0][0])


def test_index_errors(backend: Store) -> None:
    ser = dyad_series(backend.events, [(JPN, KOR)], **KW)
    with pytest.raises(ConfigError, match="not a series column"):
        relation_index(ser, measure="nonsense")
    with pytest.raises(ConfigError, match="at least 2 periods"):
        relation_index(ser, baseline=1)
    with pytest.raises(ConfigError, match="no count-noise floor for 'tone_mean'"):
        relation_index(ser, measure="tone_mean")
    with pytest.raises(ConfigError, match="swap them"):
        relation_index(ser, reference=(date(2019, 1, 1), date(2018, 1, 1)))
    with pytest.raises(ConfigError, match="floor must be positive"):
        relation_index(ser, floor=0.0)
    assert rows(relation_index(ser, measure="tone_mean", floor=1.0))  # a floor makes it usable


def test_the_goldstein_unit_is_the_codebooks_rms_weight() -> None:
    from brinkwatch import codebook

    w = np.array([r["goldstein"] for r in codebook.event_codes().to_pylist()], dtype=float)
    assert math.sqrt((w**2).mean()) == pytest.approx(GOLDSTEIN_RMS, abs=0.01)

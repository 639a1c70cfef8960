"""Rolling-origin scores: the model against persistence and the trailing mean, said plainly."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import numpy as np
import pytest
from scipy.stats import nbinom, poisson

from brinkwatch.errors import ConfigError, InsufficientDataError, SparseDataWarning
from brinkwatch.measure import Actor
from brinkwatch.simulate import (
    MIN_MEAN,
    HawkesModel,
    Streams,
    evaluate,
    event_streams,
    predictive_log_score,
)
from brinkwatch.store import Store

START = date(2015, 1, 1)


def _bursty(days: int, seed: int) -> Streams:
    """Three streams with strong tit-for-tat excitation: bursts that persistence misses."""
    truth = HawkesModel.from_params(
        [0.3, 0.3, 0.5],
        [[0.3, 0.45, 0.0], [0.45, 0.3, 0.0], [0.0, 0.0, 0.5]],
        half_life=3.0,
        names=["a->b conflict", "b->a conflict", "a->b coop"],
    )
    return Streams(truth.simulate(days, 1, seed=seed)[0], truth.names_, START)


def test_the_model_beats_both_baselines_on_self_exciting_data() -> None:
    st = _bursty(1600, seed=1)
    eval_from = START + timedelta(days=1200)
    ev = evaluate(st, eval_from, st.end, model=HawkesModel(half_life=[1.0, 3.0, 10.0]), seed=0)
    assert len(ev.origins) == (st.end - eval_from).days // 7 + (
        1 if (st.end - eval_from).days % 7 == 6 else 0
    )
    assert ev.origins[0] == eval_from and all(
        (b - a).days == 7 for a, b in zip(ev.origins, ev.origins[1:], strict=False)
    )
    rows = {r["stream"]: r for r in ev.table().to_pylist()}
    total = rows["all streams"]
    assert total["mae_ratio_persistence"] < 0.9
    assert total["log_gain_persistence"] > 0 and total["log_gain_trailing_mean"] > 0
    assert total["mae_model"] == pytest.approx(np.mean([rows[n]["mae_model"] for n in st.names]))
    verdict = " ".join(ev.verdict())
    assert "beats persistence on weekly MAE" in verdict
    assert "does NOT beat persistence" not in verdict


def test_after_a_regime_change_the_verdict_says_the_model_loses() -> None:
    rng = np.random.default_rng(3)
    calm = rng.poisson(1.0, (700, 2))
    crisis = rng.poisson(9.0, (140, 2))  # a new, steady level the fitted model never saw
    st = Streams(np.vstack([calm, crisis]), ("x conflict", "y conflict"), START)
    ev = evaluate(st, START + timedelta(days=707), st.end, model=HawkesModel(half_life=2.0))
    rows = {r["stream"]: r for r in ev.table().to_pylist()}
    assert rows["all streams"]["mae_ratio_persistence"] > 1.5
    assert "does NOT beat persistence on weekly MAE" in ev.verdict()[0]


def test_refitting_moves_the_model_forward() -> None:
    st = _bursty(900, seed=2)
    eval_from = START + timedelta(days=700)
    once = evaluate(st, eval_from, st.end, model=HawkesModel(half_life=3.0), n_paths=100)
    calls: list[tuple[int, int]] = []
    refit = evaluate(
        st, eval_from, st.end, model=HawkesModel(half_life=3.0), n_paths=100, refit_every=10,
        progress=lambda d, t: calls.append((d, t)),
    )  # fmt: skip
    assert refit.origins == once.origins
    n_groups = -(-len(once.origins) // 10)
    assert calls == [(k, n_groups) for k in range(1, n_groups + 1)]
    assert once.model.end_ == eval_from - timedelta(days=1)
    assert refit.model.end_ == refit.origins[10 * (n_groups - 1)] - timedelta(days=1)
    # Baselines do not depend on the model.
    assert np.array_equal(refit.point["persistence"], once.point["persistence"])
    again = evaluate(st, eval_from, st.end, model=HawkesModel(half_life=3.0), n_paths=100)
    assert np.array_equal(again.log_score["model"], once.log_score["model"])  # same seed


def test_predictive_log_scores_are_poisson_or_moment_matched_negative_binomials() -> None:
    y = np.array([0, 3, 10, 1])
    m = np.array([0.0, 2.5, 4.0, 1.0])
    np.testing.assert_allclose(
        predictive_log_score(y, m, None), poisson.logpmf(y, np.maximum(m, MIN_MEAN))
    )
    v = np.array([0.0, 2.0, 12.0, 5.0])  # under-, over-, over-dispersed
    got = predictive_log_score(y, m, v)
    assert got[1] == pytest.approx(poisson.logpmf(3, 2.5))
    r = 16.0 / 8.0
    assert got[2] == pytest.approx(nbinom.logpmf(10, r, r / (r + 4.0)))
    assert np.all(np.isfinite(got))


def test_windows_that_cannot_be_scored_are_refused() -> None:
    st = _bursty(200, seed=0)
    with pytest.raises(ConfigError, match="no whole period"):
        evaluate(st, st.end - timedelta(days=3), st.end)
    with pytest.raises(InsufficientDataError, match="baselines need"):
        evaluate(st, START + timedelta(days=20), st.end)


def test_the_chronology_is_scored_with_a_sparse_warning(chronology: Store) -> None:
    triad = [Actor("USA"), Actor("JPN"), Actor("KOR")]
    st = event_streams(chronology.events, triad, end=date(2019, 12, 31))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        ev = evaluate(st, date(2019, 5, 6), date(2019, 12, 29), n_paths=200)
    assert any(issubclass(w.category, SparseDataWarning) for w in rec)
    t = ev.table()
    assert t.num_rows == 13
    for col in t.column_names[1:]:
        values = [v for v in t.column(col).to_pylist() if v is not None]
        assert np.all(np.isfinite(values)), col
    # A ratio is undefined (null) only where persistence made no error: no events at all.
    for r in t.to_pylist():
        if r["mae_ratio_persistence"] is None:
            assert r["mae_persistence"] == 0 and r["observed_mean"] == 0
    # The 2019 crisis weeks are in the window: the observed JPN->KOR conflict is not all zero.
    j = st.names.index("JPN->KOR conflict")
    assert ev.observed[:, j].sum() >= 5
    assert len(ev.verdict()) == 2

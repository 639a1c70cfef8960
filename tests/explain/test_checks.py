"""Checks before fitting: lag room, constant and collinear series, stationarity, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from brinkwatch.errors import (
    ConfigError,
    InsufficientDataError,
    NonStationaryWarning,
    NotFittedError,
    SparseDataWarning,
)
from brinkwatch.explain import TriadVAR, max_feasible_lag, simulate_var, stationarity
from brinkwatch.explain._checks import lag_table
from tests.explain.test_synthetic import A3, A4, S3, S4

NAMES6 = ["USA->JPN", "USA->KOR", "JPN->USA", "JPN->KOR", "KOR->USA", "KOR->JPN"]


def _noise(n: int, k: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, k))


def test_lag_table_matches_statsmodels_select_order() -> None:
    from statsmodels.tsa.api import VAR

    y = simulate_var(A4, S4, 150, seed=2)
    for trend in ("c", "ct", "n"):
        rows, selected = lag_table(y, 6, trend)
        ref = VAR(y).select_order(6, trend=trend)
        for ic in ("aic", "bic", "hqic", "fpe"):
            assert np.allclose([r[ic] for r in rows], ref.ics[ic])
            assert selected[ic] == int(ref.selected_orders[ic])


def test_lags_beyond_what_the_data_carry_are_reduced_with_a_warning() -> None:
    assert max_feasible_lag(40, 6, "c") == 2
    with pytest.warns(SparseDataWarning, match="5 lags asked, but 40 periods of 6 series"):
        m = TriadVAR(lags=5).fit(_noise(40, 6), names=NAMES6)
    assert m.lag_order_ == 2 and m.coef_.shape == (2, 6, 6)
    assert any("carry at most 2" in n for n in m.notes_)
    with pytest.warns(SparseDataWarning, match="maxlags 9"):
        TriadVAR(maxlags=9).fit(_noise(40, 6), names=NAMES6)


def test_too_few_periods_give_an_insufficient_result_not_a_crash() -> None:
    with pytest.warns(SparseDataWarning, match="12 periods are too few"):
        m = TriadVAR().fit(_noise(12, 6), names=NAMES6)
    assert m.insufficient_ and m.lag_order_ == 0 and m.coef_.shape == (0, 6, 6)
    assert m.granger() == []
    rec = m.reciprocity()
    assert rec.insufficient and rec.lines == [] and "too few" in rec.notes[-1]
    with pytest.raises(InsufficientDataError, match="too few"):
        m.irf()
    with pytest.raises(InsufficientDataError):
        m.fevd()


def test_a_constant_dyad_is_left_out_with_a_note() -> None:
    y = simulate_var(A3, S3, 200, seed=1)
    x = np.column_stack([y[:, 0], np.zeros(200), y[:, 1], y[:, 2]])
    with pytest.warns(SparseDataWarning, match="B->A is constant"):
        m = TriadVAR(lags=2).fit(x, names=["A->B", "B->A", "A->C", "C->A"])
    assert m.names_ == ("A->B", "A->C", "C->A")
    assert m.dropped_ == {"B->A": "constant"}
    assert not m.insufficient_ and np.abs(m.coef_ - A3).max() < 0.25
    rec = m.reciprocity(repl=20, seed=0)
    assert any("no reciprocity for A-B" in n for n in rec.notes)


def test_an_exactly_collinear_dyad_is_left_out() -> None:
    y = simulate_var(A3, S3, 200, seed=1)
    x = np.column_stack([y, y[:, 0] - 2 * y[:, 1]])
    with pytest.warns(SparseDataWarning, match="linear combination"):
        m = TriadVAR(lags=1).fit(x)
    assert m.names_ == ("y0", "y1", "y2") and "y3" in m.dropped_


def test_mostly_empty_dyads_are_left_out_and_sparse_data_flagged() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 4))
    x[:, 2] = 0.0
    x[[10, 50, 90], 2] = [1.0, -1.0, 1.0]  # three events in 120 periods
    with pytest.warns(SparseDataWarning, match="y2 has events in only 3 of 120"):
        m = TriadVAR(lags=1).fit(x)
    assert "y2" not in m.names_ and m.dropped_["y2"].startswith("events in only 3")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = TriadVAR(lags=1, min_active=0).fit(x)
    assert "y2" in kept.names_
    # Bootstrap intervals stay finite when a series is three spikes in a sea of zeros.
    r = kept.irf(4, repl=200, seed=0)
    assert r.lower is not None and np.isfinite(r.lower).all() and np.isfinite(r.upper).all()


def test_random_walks_warn_and_differencing_fixes_them() -> None:
    rng = np.random.default_rng(4)
    walk = rng.normal(size=(300, 3)).cumsum(axis=0)
    with pytest.warns(NonStationaryWarning, match="looks non-stationary"):
        m = TriadVAR(lags=1).fit(walk)
    assert any(t.verdict == "unit root" for t in m.stationarity_)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonStationaryWarning)
        d = TriadVAR(lags=1, difference=True).fit(walk)
    diffs = [t for t in d.stationarity_ if t.form == "difference"]
    assert len(diffs) == 3 and all(t.verdict == "stationary" for t in diffs)
    assert d.nobs_ == 300 - 1 - 1 and d.stable_


def test_stationarity_verdicts() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=200), rng.normal(size=200).cumsum(), np.ones(200)])
    v = [t.verdict for t in stationarity(x, ["noise", "walk", "flat"])]
    assert v == ["stationary", "unit root", "untestable"]


def test_lag_choice_is_reported() -> None:
    y = simulate_var(A4, S4, 300, seed=0)
    m = TriadVAR(ic="bic").fit(y)
    lc = m.lag_choice_
    assert lc.ic == "bic" and lc.used == lc.selected["bic"] == m.lag_order_
    assert [r["lags"] for r in lc.table] == list(range(lc.maxlags + 1))
    best = min(lc.table, key=lambda r: r["bic"])
    assert best["lags"] == lc.used
    fixed = TriadVAR(lags=3).fit(y).lag_choice_
    assert fixed.ic == "fixed" and fixed.used == 3 and fixed.selected == lc.selected


def test_unfitted_and_bad_parameters_raise_clear_errors() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        TriadVAR().granger()
    with pytest.raises(ConfigError, match="ic must be one of"):
        TriadVAR(ic="xic").fit(_noise(50, 2))
    with pytest.raises(ConfigError, match="trend"):
        TriadVAR(trend="q").fit(_noise(50, 2))
    with pytest.raises(ConfigError, match="lags must be a positive integer"):
        TriadVAR(lags=0).fit(_noise(50, 2))
    with pytest.raises(ConfigError, match="NaN"):
        TriadVAR().fit(np.full((50, 2), np.nan))
    with pytest.raises(ConfigError, match="names must be 2 distinct"):
        TriadVAR().fit(_noise(50, 2), names=["a", "a"])
    with pytest.raises(ConfigError, match="triad table"):
        TriadVAR().fit("not a table")

"""Known VAR(2) systems: coefficients recovered, Granger directions found, false positives at alpha.

Stated tolerances (also in docs/explain.md):

- VAR(2) of 3 series, 2,000 periods: every lag coefficient within 0.08 of the truth and within
  4 standard errors; the constant within 0.1; the innovation covariance within 0.1; BIC picks 2.
- 100 simulated VAR(2) of 4 series, 200 periods, tests at alpha = 0.05 with the true lag order:
  each true link is found in at least 90% of the runs; the 9 absent links are "found" at a rate
  inside the central 99.8% binomial band around alpha (n = 900 tests).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from brinkwatch.explain import TriadVAR, simulate_var
from brinkwatch.explain._irf import ols_var

A3 = np.array(
    [
        [[0.5, 0.0, 0.2], [0.3, 0.4, 0.0], [0.0, 0.0, 0.3]],
        [[-0.2, 0.0, 0.0], [0.0, -0.1, 0.0], [0.0, 0.0, 0.2]],
    ]
)
S3 = np.array([[1.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 1.0]])
C3 = np.array([0.5, -0.2, 0.1])

# y2 => y0, y0 => y1, y3 => y1; the other nine ordered pairs have no direct link.
A4 = np.array(
    [
        [[0.4, 0.0, 0.35, 0.0], [0.35, 0.3, 0.0, 0.3], [0.0, 0.0, 0.3, 0.0], [0.0, 0.0, 0.0, 0.2]],
        [[-0.15, 0.0, 0.0, 0.0], [0.0, -0.1, 0.0, 0.0], [0.0, 0.0, 0.2, 0.0], [0.0, 0.0, 0.0, 0.1]],
    ]
)
S4 = np.array(
    [[1.0, 0.3, 0.0, 0.1], [0.3, 1.0, 0.2, 0.0], [0.0, 0.2, 1.0, 0.0], [0.1, 0.0, 0.0, 1.0]]
)
TRUE_LINKS = {("y2", "y0"), ("y0", "y1"), ("y3", "y1")}


def test_systems_are_stable() -> None:
    for a in (A3, A4):
        k = a.shape[1]
        comp = np.zeros((2 * k, 2 * k))
        comp[:k, :k], comp[:k, k:], comp[k:, :k] = a[0], a[1], np.eye(k)
        assert np.abs(np.linalg.eigvals(comp)).max() < 0.9


def test_var2_recovers_coefficients_within_stated_tolerances() -> None:
    y = simulate_var(A3, S3, 2000, intercept=C3, seed=7)
    m = TriadVAR(ic="bic").fit(y)
    assert not m.insufficient_ and m.notes_ == []
    assert m.lag_choice_.selected["bic"] == 2 and m.lag_order_ == 2
    err = np.abs(m.coef_ - A3)
    assert err.max() < 0.08
    # statsmodels' standard errors: rows [const, lag-1 block, lag-2 block], columns = equations
    se = np.asarray(m.results_.stderr)[1:].reshape(2, 3, 3).swapaxes(1, 2)
    assert (err / se).max() < 4
    mean = np.linalg.solve(np.eye(3) - A3.sum(axis=0), C3)
    implied = np.linalg.solve(np.eye(3) - m.coef_.sum(axis=0), m.intercept_)
    assert np.abs(implied - mean).max() < 0.1
    assert np.abs(m.sigma_u_ - S3).max() < 0.1
    assert m.stable_ and all(t.verdict == "stationary" for t in m.stationarity_)


def test_bootstrap_engine_fits_the_same_ols_as_statsmodels() -> None:
    y = simulate_var(A3, S3, 300, intercept=C3, seed=3)
    for trend in ("c", "ct", "n"):
        m = TriadVAR(lags=2, trend=trend).fit(y)
        det, coefs, resid = ols_var(y, 2, trend)
        assert np.allclose(coefs, m.coef_, atol=1e-10)
        assert np.allclose(resid, m.resid_, atol=1e-10)
        if trend != "n":
            assert np.allclose(det[0], m.intercept_, atol=1e-10)


def test_granger_finds_true_links_and_false_positives_match_alpha() -> None:
    alpha, runs = 0.05, 100
    found: dict[tuple[str, str], int] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # clean Gaussian data must not trip any check
        for seed in range(runs):
            m = TriadVAR(lags=2, alpha=alpha).fit(simulate_var(A4, S4, 200, seed=seed))
            for g in m.granger():
                if g.kind == "pair":
                    key = (g.causing[0], g.caused[0])
                    found[key] = found.get(key, 0) + g.significant
    assert len(found) == 12
    for link in TRUE_LINKS:
        assert found[link] >= 0.9 * runs, (link, found[link])
    nulls = [v for k, v in found.items() if k not in TRUE_LINKS]
    n = len(nulls) * runs
    lo, hi = stats.binom.ppf([0.001, 0.999], n, alpha)
    assert lo <= sum(nulls) <= hi, (sum(nulls) / n, lo / n, hi / n)
    # and no single absent link is found far more often than alpha says
    assert max(nulls) <= stats.binom.ppf(0.999, runs, alpha) + 2


def test_block_granger_tests_a_group_jointly() -> None:
    y = simulate_var(A4, S4, 400, seed=11)
    m = TriadVAR(lags=2).fit(y)
    tests = m.granger(blocks=[(["y2", "y3"], ["y0", "y1"]), (["y0", "y1"], ["y2", "y3"])])
    blocks = [g for g in tests if g.kind == "block"]
    assert [b.label for b in blocks] == ["{y2, y3} => {y0, y1}", "{y0, y1} => {y2, y3}"]
    # 2 causing x 2 caused x 2 lags restrictions
    assert blocks[0].df_num == 8
    assert blocks[0].pvalue < 1e-6 and blocks[1].pvalue > 0.01
    with pytest.raises(ValueError, match="no series named"):
        m.granger(blocks=[(["nope"], ["y0"])])

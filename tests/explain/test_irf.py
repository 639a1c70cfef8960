"""Impulse responses: statsmodels agreement, Pesaran-Shin properties, seeded bootstrap, FEVD."""

from __future__ import annotations

import numpy as np
import pytest

from brinkwatch.errors import ConfigError
from brinkwatch.explain import TriadVAR, impulse_responses, simulate_var
from tests.explain.test_synthetic import A3, C3, S3


@pytest.fixture(scope="module")
def model() -> TriadVAR:
    return TriadVAR(lags=2).fit(simulate_var(A3, S3, 400, intercept=C3, seed=5))


def test_orthogonal_responses_match_statsmodels(model: TriadVAR) -> None:
    ours = model.irf(10, kind="orthogonal", repl=0)
    sm = model.results_.irf(10)
    assert np.allclose(ours.values, sm.orth_irfs, atol=1e-12)
    assert ours.lower is None and ours.upper is None


def test_generalised_responses_have_the_pesaran_shin_properties(model: TriadVAR) -> None:
    g = model.irf(6, kind="generalized", repl=0).values
    o = model.irf(6, kind="orthogonal", repl=0).values
    # A shock to the first series in the Cholesky order is the same under both identifications.
    assert np.allclose(g[:, :, 0], o[:, :, 0])
    # On impact, series j moves by one standard deviation and the others by their covariance.
    sd = np.sqrt(np.diag(model.sigma_u_))
    assert np.allclose(g[0], model.sigma_u_ / sd[None, :])
    # Generalised responses do not depend on the order of the series; orthogonal ones do.
    perm = [2, 0, 1]
    gp = impulse_responses(
        model.coef_[:, perm][:, :, perm], model.sigma_u_[np.ix_(perm, perm)], 6, "generalized"
    )
    assert np.allclose(gp, g[:, perm][:, :, perm])
    op = impulse_responses(
        model.coef_[:, perm][:, :, perm], model.sigma_u_[np.ix_(perm, perm)], 6, "orthogonal"
    )
    assert not np.allclose(op, o[:, perm][:, :, perm])


def test_bootstrap_intervals_are_reproducible_from_the_seed(model: TriadVAR) -> None:
    a = model.irf(8, repl=200, seed=42)
    b = model.irf(8, repl=200, seed=42)
    c = model.irf(8, repl=200, seed=43)
    assert a.lower is not None and a.upper is not None and b.lower is not None
    assert np.array_equal(a.lower, b.lower) and np.array_equal(a.upper, b.upper)
    assert c.lower is not None and not np.array_equal(a.lower, c.lower)
    # A Generator built from the same seed reproduces an integer seed.
    d = model.irf(8, repl=200, seed=np.random.default_rng(42))
    assert d.lower is not None and np.array_equal(a.lower, d.lower)
    # Same seed, same intervals through the reciprocity summary too.
    r1, r2 = model.reciprocity(repl=50, seed=7), model.reciprocity(repl=50, seed=7)
    assert r1.as_dict() == r2.as_dict()
    assert np.all(a.lower <= a.values + 1e-9) and np.all(a.values <= a.upper + 1e-9)


def test_bootstrap_intervals_cover_the_true_responses() -> None:
    truth = impulse_responses(A3, S3, 6, "generalized")
    inside = []
    for seed in range(4):
        m = TriadVAR(lags=2).fit(simulate_var(A3, S3, 300, intercept=C3, seed=100 + seed))
        r = m.irf(6, repl=300, alpha=0.1, seed=seed)
        assert r.lower is not None and r.upper is not None
        inside.append((r.lower <= truth) & (truth <= r.upper))
    # Nominal 90%; percentile intervals undercover a little in samples this size.
    assert np.mean(inside) > 0.8


def test_progress_is_reported_per_batch(model: TriadVAR) -> None:
    calls: list[tuple[int, int]] = []
    model.irf(4, repl=250, seed=0, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(100, 250), (200, 250), (250, 250)]


def test_fevd_shares_sum_to_one_and_own_shocks_dominate_early(model: TriadVAR) -> None:
    f = model.fevd(8)
    assert f.values.shape == (3, 8, 3)
    assert np.allclose(f.values.sum(axis=2), 1.0)
    assert f.values[0, 0, 0] == pytest.approx(1.0)  # first in the order: all its own at h=1
    assert len(f.rows()) == 3 * 8 * 3


def test_irf_rows_and_bad_arguments(model: TriadVAR) -> None:
    r = model.irf(3, repl=20, seed=1)
    rows = r.rows()
    assert len(rows) == 3 * 3 * 4
    first = rows[0]
    assert (first["impulse"], first["response"], first["horizon"]) == ("y0", "y0", 0)
    assert first["value"] == pytest.approx(float(np.sqrt(model.sigma_u_[0, 0])))
    with pytest.raises(ConfigError, match="kind"):
        model.irf(3, kind="cholesky")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="periods"):
        model.irf(0)

"""Impulse responses by hand where statsmodels has none: generalised IRFs and a seeded bootstrap.

statsmodels gives orthogonalised (Cholesky) responses and Monte Carlo bands drawn from a Gaussian
model. Event series are far from Gaussian (mostly zeros, a few spikes), so the intervals here come
from a residual bootstrap instead, driven by a :class:`numpy.random.Generator` built from our seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from brinkwatch._types import SeedLike

Array = np.ndarray[Any, np.dtype[np.float64]]
Kind = Literal["generalized", "orthogonal"]

__all__ = ["bootstrap_irfs", "design", "impulse_responses", "ma_rep", "ols_var", "simulate_var"]


def ma_rep(coefs: Array, steps: int) -> Array:
    """Moving-average coefficients Phi_0..Phi_steps of a VAR with lag matrices ``coefs``.

    ``coefs`` has shape (..., p, k, k); leading axes (bootstrap replications) broadcast.

    Examples
    --------
    >>> a = np.array([[[0.5]]])
    >>> ma_rep(a, 3)[:, 0, 0].tolist()
    [1.0, 0.5, 0.25, 0.125]
    """
    *lead, p, k, _ = coefs.shape
    phi = np.zeros((*lead, steps + 1, k, k))
    phi[..., 0, :, :] = np.eye(k)
    for h in range(1, steps + 1):
        acc = np.zeros((*lead, k, k))
        for lag in range(1, min(h, p) + 1):
            acc += phi[..., h - lag, :, :] @ coefs[..., lag - 1, :, :]
        phi[..., h, :, :] = acc
    return phi


def impulse_responses(coefs: Array, sigma: Array, steps: int, kind: Kind) -> Array:
    """Responses to a one-standard-deviation shock, shape (..., steps+1, response, impulse).

    ``orthogonal`` uses the Cholesky factor of ``sigma`` (depends on the column order);
    ``generalized`` (Pesaran and Shin 1998) uses Phi_h Sigma e_j / sqrt(sigma_jj), which does not
    depend on the order and lets the other shocks move as they historically move with shock j.

    Examples
    --------
    With uncorrelated shocks both kinds agree:

    >>> a = np.array([[[0.5, 0.2], [0.0, 0.3]]])
    >>> s = np.diag([4.0, 1.0])
    >>> g = impulse_responses(a, s, 2, "generalized")
    >>> bool(np.allclose(g, impulse_responses(a, s, 2, "orthogonal")))
    True
    >>> g[1].round(2).tolist()
    [[1.0, 0.2], [0.0, 0.3]]
    """
    phi = ma_rep(coefs, steps)
    if kind == "orthogonal":
        return phi @ np.linalg.cholesky(sigma)[..., None, :, :]
    scale = np.sqrt(np.diagonal(sigma, axis1=-2, axis2=-1))
    return (phi @ sigma[..., None, :, :]) / scale[..., None, None, :]


def design(y: Array, p: int, trend: str) -> tuple[Array, Array]:
    """Regressors [deterministic terms, y_{t-1}, ..., y_{t-p}] and targets of a VAR(p).

    ``y`` has shape (..., T, k); returns Z of shape (..., T-p, m) and Y of shape (..., T-p, k).
    """
    n = y.shape[-2] - p
    lags = [y[..., p - lag : p - lag + n, :] for lag in range(1, p + 1)]
    det = []
    lead = y.shape[:-2]
    if trend in ("c", "ct"):
        det.append(np.ones((*lead, n, 1)))
    if trend == "ct":
        det.append(
            np.broadcast_to(np.arange(p + 1, p + n + 1, dtype=float)[:, None], (*lead, n, 1))
        )
    return np.concatenate(det + lags, axis=-1), y[..., p:, :]


def ols_var(y: Array, p: int, trend: str) -> tuple[Array, Array, Array]:
    """Least-squares VAR(p): (deterministic coefficients, lag matrices (p, k, k), residuals).

    Leading axes of ``y`` are independent samples (one per bootstrap replication).
    """
    z, yy = design(y, p, trend)
    zt = z.swapaxes(-1, -2)
    try:
        # Normal equations: batched SVDs (pinv, lstsq) are ~100x slower for stacks of draws.
        b: Array = np.asarray(np.linalg.solve(zt @ z, zt @ yy), dtype=np.float64)  # (..., m, k)
    except np.linalg.LinAlgError:
        # A degenerate resample (e.g. a lag column of zeros): least squares per sample.
        b = np.asarray(np.linalg.pinv(z) @ yy, dtype=np.float64)
    resid = yy - z @ b
    nd = z.shape[-1] - p * y.shape[-1]
    k = y.shape[-1]
    lag = b[..., nd:, :].reshape(*b.shape[:-2], p, k, k).swapaxes(-1, -2)
    return b[..., :nd, :], lag, resid


def bootstrap_irfs(
    y: Array,
    p: int,
    trend: str,
    steps: int,
    kinds: tuple[Kind, ...],
    *,
    repl: int,
    rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 100,
) -> dict[Kind, Array]:
    """Residual bootstrap (recursive design) of impulse responses.

    Each replication resamples the centred residuals with replacement, rebuilds a series from the
    first ``p`` observations and the fitted coefficients, refits the VAR(p) and recomputes the
    responses. Replications run in batches (vectorised), so ``progress(done, repl)`` is called
    once per batch.

    Returns
    -------
    dict
        For each kind, an array of shape (repl, steps+1, k, k).
    """
    det, coefs, resid = ols_var(y, p, trend)
    n, k = resid.shape
    u = resid - resid.mean(axis=0)
    out: dict[Kind, list[Array]] = {kd: [] for kd in kinds}
    done = 0
    while done < repl:
        r = min(batch, repl - done)
        draw = u[rng.integers(0, n, size=(r, n))]  # (r, n, k)
        sim = np.empty((r, n + p, k))
        sim[:, :p, :] = y[:p]
        for t in range(p, n + p):
            acc = draw[:, t - p, :].copy()
            if trend in ("c", "ct"):
                acc += det[0]
            if trend == "ct":
                acc += det[1] * (t + 1)
            for lag in range(1, p + 1):
                acc += sim[:, t - lag, :] @ coefs[lag - 1].T
            sim[:, t, :] = acc
        _, bc, br = ols_var(sim, p, trend)
        m = p * k + (0 if trend == "n" else 1 if trend == "c" else 2)
        sig = br.swapaxes(-1, -2) @ br / max(n - m, 1)
        for kd in kinds:
            out[kd].append(_safe_irf(bc, sig, steps, kd))
        done += r
        if progress is not None:
            progress(done, repl)
    return {kd: np.concatenate(v, axis=0) for kd, v in out.items()}


def _safe_irf(coefs: Array, sigma: Array, steps: int, kind: Kind) -> Array:
    # A resample can have a (near-)singular covariance; a tiny ridge keeps Cholesky defined
    # without moving well-conditioned draws.
    k = sigma.shape[-1]
    ridge = 1e-12 * np.maximum(np.trace(sigma, axis1=-2, axis2=-1), 1e-300)[..., None, None]
    return impulse_responses(coefs, sigma + ridge * np.eye(k), steps, kind)


def simulate_var(
    coefs: Any,
    sigma: Any,
    n: int,
    *,
    intercept: Any = None,
    seed: SeedLike = None,
    burn: int = 200,
) -> Array:
    """Draw ``n`` periods from a Gaussian VAR(p), after ``burn`` periods to forget the start.

    Parameters
    ----------
    coefs
        Lag matrices, shape (p, k, k): ``coefs[l, i, j]`` is the effect of series j at lag
        l+1 on series i.
    sigma
        Innovation covariance (k, k).
    n
        Periods to return.
    intercept
        Constant per equation (zeros by default).
    seed
        Seed or Generator: the same seed gives the same series.

    Examples
    --------
    >>> y = simulate_var([[[0.5]]], [[1.0]], 5, seed=0)
    >>> y.shape, bool(np.array_equal(y, simulate_var([[[0.5]]], [[1.0]], 5, seed=0)))
    ((5, 1), True)
    """
    a = np.asarray(coefs, dtype=float)
    s = np.asarray(sigma, dtype=float)
    p, k, _ = a.shape
    c = np.zeros(k) if intercept is None else np.asarray(intercept, dtype=float)
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((n + burn, k)) @ np.linalg.cholesky(s).T
    y = np.zeros((n + burn + p, k))
    for t in range(p, n + burn + p):
        acc = c + e[t - p]
        for lag in range(1, p + 1):
            acc = acc + a[lag - 1] @ y[t - lag]
        y[t] = acc
    return y[p + burn :]

"""Likelihood, gradients and per-stream maximum likelihood of the discrete-time Hawkes model.

Given the decay, the intensity of target stream ``i`` is linear in its parameters:
``lambda_i(t) = mu_i + sum_j alpha_ij m_j(t)``, with the memories ``m`` fixed by the data. So the
log-likelihood splits into one small problem per target stream (its baseline, its row of the
excitation matrix and, for the negative binomial, its dispersion), each solved with L-BFGS-B
under non-negativity bounds. The Poisson problem is convex; its Hessian is analytic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.signal import lfilter
from scipy.special import digamma, gammaln

__all__ = ["StreamFit", "fit_stream", "memory", "nb_loglik", "poisson_loglik"]

#: Smallest baseline: keeps log(lambda) finite for a stream that never fires.
MU_FLOOR = 1e-8
#: Bounds of log(dispersion) for the negative binomial (r = 1e-3 .. 1e6; large r is Poisson).
LOG_R_BOUNDS = (np.log(1e-3), np.log(1e6))
#: A projected gradient this small (per day) counts as converged even if the line search balked.
GRAD_OK = 1e-4
#: Most Newton steps that polish a Poisson fit (it needs a handful).
NEWTON_STEPS = 50


def memory(counts: np.ndarray, delta: float, initial: np.ndarray) -> np.ndarray:
    """Memories ``m_0 .. m_T`` (shape (T + 1, n)) with ``m_{t+1} = delta m_t + (1 - delta) N_t``.

    Examples
    --------
    >>> memory(np.array([[2.0], [0.0]]), 0.5, np.array([0.0])).ravel().tolist()
    [0.0, 1.0, 0.5]
    """
    n_days, n = counts.shape
    out = np.empty((n_days + 1, n))
    out[0] = initial
    if n_days:
        # An IIR filter runs the recursion in C, all streams at once.
        y = lfilter([1.0 - delta], [1.0, -delta], counts, axis=0)
        out[1:] = y + np.power(delta, np.arange(1, n_days + 1))[:, None] * initial
    return out


def poisson_loglik(y: np.ndarray, lam: np.ndarray) -> float:
    """Poisson log-likelihood, constants included."""
    return float(np.sum(y * np.log(lam) - lam - gammaln(y + 1.0)))


def nb_loglik(y: np.ndarray, lam: np.ndarray, r: float) -> float:
    """Negative-binomial log-likelihood (mean ``lam``, variance ``lam + lam**2 / r``)."""
    return float(
        np.sum(
            gammaln(y + r)
            - gammaln(r)
            - gammaln(y + 1.0)
            + r * np.log(r / (r + lam))
            + y * np.log(lam / (r + lam))
        )
    )


@dataclass
class StreamFit:
    """The fit of one target stream."""

    theta: np.ndarray  # baseline, then the free excitation weights
    log_r: float | None  # log dispersion (negative binomial) or None (Poisson)
    loglik: float
    se: np.ndarray  # standard errors of theta (NaN on a bound)
    converged: bool
    message: str


def _poisson_obj(theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    lam = x @ theta
    f = float(np.sum(lam - y * np.log(lam)))
    return f, x.T @ (1.0 - y / lam)


def _nb_obj(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    theta, log_r = params[:-1], params[-1]
    r = float(np.exp(log_r))
    lam = x @ theta
    rl = r + lam
    f = -float(
        np.sum(gammaln(y + r) - gammaln(r) + r * np.log(r) - (y + r) * np.log(rl) + y * np.log(lam))
    )
    g_lam = -(y / lam - (y + r) / rl)
    g_r = -float(np.sum(digamma(y + r) - digamma(r) + np.log(r) + 1.0 - np.log(rl) - (y + r) / rl))
    return f, np.concatenate([x.T @ g_lam, [g_r * r]])


def _projected_grad(g: np.ndarray, p: np.ndarray, lower: np.ndarray) -> float:
    # At a lower bound only a negative gradient (pointing into the region) is a violation.
    pg = np.where(p <= lower + 1e-12, np.minimum(g, 0.0), g)
    return float(np.max(np.abs(pg))) if pg.size else 0.0


def _se(hess: np.ndarray, free: np.ndarray) -> np.ndarray:
    se = np.full(hess.shape[0], np.nan)
    idx = np.flatnonzero(free & (np.diag(hess) > 0))
    if idx.size:
        sub = hess[np.ix_(idx, idx)]
        try:
            cov = np.linalg.inv(sub)
        except np.linalg.LinAlgError:
            cov = np.linalg.pinv(sub)
        d = np.diag(cov)
        se[idx] = np.where(d > 0, np.sqrt(np.abs(d)), np.nan)
    return se


def _newton_poisson(
    x: np.ndarray, y: np.ndarray, theta: np.ndarray, lower: np.ndarray, fixed: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Polish a Poisson fit by projected Newton steps (Bertsekas' two-metric projection).

    The memories of busy streams are nearly collinear with the baseline (each hovers around
    its mean), which leaves first-order methods such as L-BFGS-B short of the optimum by
    several nats; the analytic Hessian takes Newton there in a few steps. Variables at their
    bound with a gradient pushing outward are held; ``fixed`` ones stay where they are.
    """
    theta = np.maximum(theta, lower)

    def f(t: np.ndarray) -> float:
        lam = x @ t
        return float(np.sum(lam - y * np.log(lam)))

    f0 = f(theta)
    for _ in range(NEWTON_STEPS):
        lam = x @ theta
        g = x.T @ (1.0 - y / lam)
        at_bound = theta <= lower + 1e-12
        hold = fixed | (at_bound & (g > 0))
        free = ~hold
        if not free.any():
            return theta, True
        h = (x * (y / lam**2)[:, None]).T @ x
        hf = h[np.ix_(free, free)]
        hf[np.diag_indices_from(hf)] += 1e-12 * max(float(np.trace(hf)) / hf.shape[0], 1.0)
        try:
            step = np.linalg.solve(hf, -g[free])
        except np.linalg.LinAlgError:
            return theta, False
        decrement = -float(g[free] @ step)
        if decrement < 2e-10:
            return theta, True
        d = np.zeros_like(theta)
        d[free] = step
        t = 1.0
        while True:
            new = np.maximum(theta + t * d, lower)
            f1 = f(new)
            if np.isfinite(f1) and f1 <= f0 + 1e-4 * float(g @ (new - theta)):
                break
            t *= 0.5
            if t < 1e-10:
                return theta, False
        theta, f0 = new, f1
    return theta, False


def fit_stream(
    x: np.ndarray,
    y: np.ndarray,
    *,
    negbin: bool,
    start: np.ndarray | None = None,
    start_log_r: float | None = None,
    max_iter: int = 1000,
    want_se: bool = True,
    precise: bool = True,
) -> StreamFit:
    """Fit one target stream: ``y ~ Poisson(x @ theta)`` or negative binomial, ``theta >= 0``.

    ``x`` has a column of ones first (the baseline), then the memories of the source streams.
    ``precise=False`` loosens the stopping rule (for ranking decays on the profile likelihood).
    """
    n_days, k = int(x.shape[0]), int(x.shape[1])
    ybar = float(y.mean()) if n_days else 0.0
    if start is None:
        start = np.concatenate([[max(ybar * 0.5, 1e-3)], np.full(k - 1, 0.05 / max(k - 1, 1))])
    # Never start on a source that has no memory: its weight is unidentified, keep it at 0.
    dead = np.concatenate([[False], ~np.any(x[:, 1:] > 0, axis=0)])
    theta0 = np.where(dead, 0.0, np.maximum(start, 0.0))
    theta0[0] = max(theta0[0], MU_FLOOR)
    lower = np.concatenate([[MU_FLOOR], np.zeros(k - 1)])
    upper: list[float | None] = [None] * k
    for jd in np.flatnonzero(dead):
        upper[int(jd)] = 0.0
    bounds = [(float(lo), hi) for lo, hi in zip(lower, upper, strict=True)]
    # Per-day scaling keeps the tolerances meaningful whatever the length of the data.
    scale = 1.0 / max(n_days, 1)

    def pobj(t: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = _poisson_obj(t, x, y)
        return f * scale, g * scale

    # L-BFGS-B finds the neighbourhood; Newton steps on the analytic Hessian finish the job.
    opts = {"maxiter": max_iter, "ftol": 1e-12 if precise else 1e-10, "gtol": 1e-10}
    res = minimize(pobj, theta0, jac=True, method="L-BFGS-B", bounds=bounds, options=opts)
    theta, newton_ok = _newton_poisson(x, y, np.asarray(res.x), lower, dead)
    pg = _projected_grad(pobj(theta)[1], theta, lower)
    ok = newton_ok or bool(res.success) or pg < GRAD_OK
    msg = str(res.message) + ("" if newton_ok else "; Newton polish did not converge")
    free = theta > lower + 1e-10
    if not negbin:
        lam = x @ theta
        ll = poisson_loglik(y, lam)
        se = np.full(k, np.nan)
        if want_se:
            hess = (x * (y / lam**2)[:, None]).T @ x
            se = _se(hess, free)
        return StreamFit(theta, None, ll, se, ok, msg)

    log_r0 = start_log_r if start_log_r is not None else np.log(10.0)
    p0 = np.concatenate([theta, [log_r0]])
    nb_bounds = [*bounds, (float(LOG_R_BOUNDS[0]), float(LOG_R_BOUNDS[1]))]

    def nobj(p: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = _nb_obj(p, x, y)
        return f * scale, g * scale

    res = minimize(nobj, p0, jac=True, method="L-BFGS-B", bounds=nb_bounds, options=opts)
    p = np.asarray(res.x)
    lower_nb = np.concatenate([lower, [LOG_R_BOUNDS[0]]])
    pg = _projected_grad(nobj(p)[1], p, lower_nb)
    ok, msg = bool(res.success) or pg < GRAD_OK, str(res.message)
    theta, log_r = p[:-1], float(p[-1])
    ll = nb_loglik(y, x @ theta, float(np.exp(log_r)))
    se = np.full(k, np.nan)
    if want_se:
        # Observed information by central differences of the analytic gradient.
        h = 1e-5 * np.maximum(np.abs(p), 1e-3)
        hess = np.empty((k + 1, k + 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            for j in range(k + 1):
                e = np.zeros(k + 1)
                e[j] = h[j]
                hess[:, j] = (_nb_obj(p + e, x, y)[1] - _nb_obj(p - e, x, y)[1]) / (2 * h[j])
        hess = 0.5 * (hess + hess.T)
        free_nb = np.concatenate([free, [True]])
        se = _se(hess, free_nb)[:-1]
    return StreamFit(theta, log_r, ll, se, ok, msg)

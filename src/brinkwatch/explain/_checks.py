"""Checks before fitting a VAR: stationarity, constant or collinear series, room for the lags."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from brinkwatch.explain._results import StationarityTest

Array = np.ndarray[Any, np.dtype[np.float64]]

__all__ = ["MIN_RESID_DF", "deterministic_terms", "max_feasible_lag", "stationarity"]

#: Residual degrees of freedom a VAR equation keeps at least (and never fewer than its
#: parameters): below that, coefficient tests and information criteria mean little.
MIN_RESID_DF = 10

#: Shortest series on which ADF and KPSS are run.
MIN_TEST_OBS = 12


def deterministic_terms(trend: str) -> int:
    """Count the deterministic regressors per equation for a statsmodels trend code."""
    return {"n": 0, "c": 1, "ct": 2}[trend]


def max_feasible_lag(nobs: int, k: int, trend: str) -> int:
    """Largest lag order p a VAR of ``k`` series on ``nobs`` periods can carry (0 if none).

    An order is feasible when each equation keeps at least ``max(MIN_RESID_DF, parameters)``
    residual degrees of freedom, i.e. at least as many observations again as it has parameters.

    Examples
    --------
    >>> max_feasible_lag(108, 6, "c")
    8
    >>> max_feasible_lag(3, 6, "c")
    0
    """
    d = deterministic_terms(trend)
    p = 0
    while True:
        q = p + 1
        m = k * q + d
        if (nobs - q) - m < max(MIN_RESID_DF, m):
            return p
        p = q


def _verdict(adf_p: float | None, kpss_p: float | None, alpha: float) -> str:
    if adf_p is None or kpss_p is None:
        return "untestable"
    adf_rejects, kpss_rejects = adf_p < alpha, kpss_p < alpha
    if adf_rejects and not kpss_rejects:
        return "stationary"
    if kpss_rejects and not adf_rejects:
        return "unit root"
    return "unclear"


def stationarity(
    values: Array, names: Sequence[str], *, alpha: float = 0.05, form: str = "level"
) -> list[StationarityTest]:
    """Run ADF (H0: unit root) and KPSS (H0: level-stationary) on each column.

    Parameters
    ----------
    values
        Array (periods, series).
    names
        Column names.
    alpha
        Level at which each test rejects.
    form
        Label of what was tested (``level`` or ``difference``).

    Returns
    -------
    list of StationarityTest
        One per column; ``untestable`` when the series is shorter than 12 periods, constant,
        or a test fails numerically.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.column_stack([rng.normal(size=200), rng.normal(size=200).cumsum()])
    >>> [t.verdict for t in stationarity(x, ["noise", "walk"])]
    ['stationary', 'unit root']
    """
    from statsmodels.tools.sm_exceptions import InterpolationWarning
    from statsmodels.tsa.stattools import adfuller, kpss

    out = []
    for j, name in enumerate(names):
        x = values[:, j]
        adf_s = adf_p = kpss_s = kpss_p = None
        if len(x) >= MIN_TEST_OBS and np.ptp(x) > 0:
            with warnings.catch_warnings():
                # KPSS p-values outside its table are clipped to 0.01/0.10 and say so loudly.
                warnings.simplefilter("ignore", InterpolationWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                try:
                    a = adfuller(x, regression="c", autolag="AIC", result_object=False)
                    adf_s, adf_p = float(a[0]), float(a[1])
                except (ValueError, np.linalg.LinAlgError):
                    pass
                try:
                    kp = kpss(x, regression="c", nlags="auto", result_object=False)
                    kpss_s, kpss_p = float(kp[0]), float(kp[1])
                except (ValueError, np.linalg.LinAlgError, OverflowError):
                    pass
        out.append(
            StationarityTest(
                series=name,
                form=form,
                adf_stat=adf_s,
                adf_pvalue=adf_p,
                kpss_stat=kpss_s,
                kpss_pvalue=kpss_p,
                verdict=_verdict(adf_p, kpss_p, alpha),
            )
        )
    return out


def dependent_columns(values: Array) -> list[int]:
    """Columns that are (numerically) linear combinations of earlier ones or of a constant."""
    x = values - values.mean(axis=0)
    keep: list[int] = []
    dropped = []
    scale = max(float(np.abs(x).max()), 1e-300)
    for j in range(x.shape[1]):
        cand = x[:, [*keep, j]]
        tol = max(cand.shape) * np.finfo(float).eps * scale * 1e3
        if np.linalg.matrix_rank(cand, tol=tol) == len(keep) + 1:
            keep.append(j)
        else:
            dropped.append(j)
    return dropped


def lag_table(
    values: Array, maxlags: int, trend: str
) -> tuple[list[dict[str, float]], dict[str, int]]:
    """Information criteria of VAR(0..maxlags) on one common sample, as statsmodels computes them.

    Every order is fitted on the periods after the first ``maxlags``, so the criteria compare
    (Lütkepohl 2005, 4.3). Written with normal equations because statsmodels' ``select_order``
    refits through a full results object per order, which dominates the cost of small models.

    Returns
    -------
    table, selected
        One dict per order (``lags``, ``aic``, ``bic``, ``hqic``, ``fpe``) and the order that
        minimises each criterion.

    Examples
    --------
    >>> from brinkwatch.explain import simulate_var
    >>> y = simulate_var([[[0.6, 0.0], [0.0, 0.2]], [[-0.3, 0.0], [0.0, 0.0]]], np.eye(2), 500,
    ...                  seed=0)
    >>> lag_table(y, 6, "c")[1]["bic"]
    2
    """
    from brinkwatch.explain._irf import design

    k = values.shape[1]
    d = deterministic_terms(trend)
    first = 0 if d else 1
    rows: list[dict[str, float]] = []
    for p in range(first, maxlags + 1):
        z, yy = design(values[maxlags - p :], p, trend)
        n = yy.shape[0]
        if z.shape[1]:
            b = np.linalg.lstsq(z, yy, rcond=None)[0] if z.shape[1] > n else _solve(z, yy)
            resid = yy - z @ b
        else:
            resid = yy
        df_model = k * p + d
        df_resid = n - df_model
        free = p * k * k + k * d
        sign, ld = np.linalg.slogdet(resid.T @ resid / n)
        ld = float(ld) if sign > 0 else -np.inf
        rows.append(
            {
                "lags": p,
                "aic": ld + 2.0 / n * free,
                "bic": ld + np.log(n) / n * free,
                "hqic": ld + 2.0 * np.log(np.log(n)) / n * free,
                "fpe": ((n + df_model) / df_resid) ** k * np.exp(ld) if df_resid > 0 else np.inf,
            }
        )
    selected = {
        ic: int(rows[int(np.argmin([r[ic] for r in rows]))]["lags"])
        for ic in ("aic", "bic", "hqic", "fpe")
    }
    return rows, selected


def _solve(z: Array, y: Array) -> Array:
    zz = z.T @ z
    try:
        return np.asarray(np.linalg.solve(zz, z.T @ y), dtype=np.float64)
    except np.linalg.LinAlgError:
        return np.asarray(np.linalg.pinv(z) @ y, dtype=np.float64)
